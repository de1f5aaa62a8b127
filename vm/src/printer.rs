//! `display` and `write`: the R7RS printed forms of values.
//!
//! Iterative (an explicit work stack), so printing 1,000,000-deep data
//! cannot overflow the host stack. Cyclic data built with `vector-set!`
//! is not detected and prints until output is cut off.

use crate::heap::{ErrorObj, Kind, MapObj, Tagged};
use crate::primitives;
use crate::value::Value;
use fluent_syntax::floatfmt::format_float;
use fluent_syntax::print::{char_name, write_string_literal};
use std::sync::Arc;

/// `display` omits quotes around strings and chars; `write` keeps them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Display,
    Write,
}

/// Names of compiled functions, indexed by function id (for
/// `#<procedure name>`).
pub type FuncNames = [Arc<str>];

enum Task {
    Value(Value),
    Text(&'static str),
    /// The rest of a list after its first element.
    ListTail(Value),
}

/// Appends the printed form of `v` to `out`.
pub fn print(out: &mut String, v: Value, mode: Mode, names: &FuncNames) {
    let mut work = vec![Task::Value(v)];
    while let Some(t) = work.pop() {
        match t {
            Task::Text(s) => out.push_str(s),
            Task::ListTail(rest) => {
                if rest == Value::NIL {
                    out.push(')');
                } else if let Some(p) = rest.as_pair() {
                    out.push(' ');
                    work.push(Task::ListTail(p.cdr.get()));
                    work.push(Task::Value(p.car.get()));
                } else {
                    out.push_str(" . ");
                    work.push(Task::Text(")"));
                    work.push(Task::Value(rest));
                }
            }
            Task::Value(v) => print_one(out, v, mode, names, &mut work),
        }
    }
}

/// The printed form as a new string.
pub fn to_string(v: Value, mode: Mode, names: &FuncNames) -> String {
    let mut s = String::new();
    print(&mut s, v, mode, names);
    s
}

fn print_one(out: &mut String, v: Value, mode: Mode, names: &FuncNames, work: &mut Vec<Task>) {
    use std::fmt::Write;
    if let Some(i) = v.as_int() {
        let _ = write!(out, "{i}");
        return;
    }
    if let Some(x) = v.as_float() {
        out.push_str(&format_float(x));
        return;
    }
    match v.kind() {
        None => print_immediate(out, v, mode),
        Some(Kind::Pair) => {
            let p = v.as_pair().expect("pair");
            out.push('(');
            work.push(Task::ListTail(p.cdr.get()));
            work.push(Task::Value(p.car.get()));
        }
        Some(Kind::Str) => {
            let s = v.as_str().expect("str");
            match mode {
                Mode::Display => out.push_str(s.as_str()),
                Mode::Write => {
                    let _ = write_string_literal(out, s.as_str());
                }
            }
        }
        Some(Kind::Vector) => {
            let items = v.as_vector().expect("vector");
            out.push_str("#(");
            push_seq(work, items.items().iter().map(|c| c.get()), ")");
        }
        Some(Kind::Tagged) => {
            let t = v.get::<Tagged>().expect("tagged");
            out.push('(');
            out.push_str(&t.tag.name());
            let fields = t.fields();
            if fields.is_empty() {
                out.push(')');
            } else {
                out.push(' ');
                push_seq(work, fields.iter().copied(), ")");
            }
        }
        Some(Kind::Map) => {
            let m = v.get::<MapObj>().expect("map");
            out.push('{');
            let flat: Vec<Value> = m.map.iter().flat_map(|(k, x)| [k.0, *x]).collect();
            push_seq(work, flat.into_iter(), "}");
        }
        Some(Kind::Closure) => {
            let c = v.as_closure().expect("closure");
            let name = names.get(c.func as usize).map(|n| &**n).unwrap_or("?");
            let _ = write!(out, "#<procedure {name}>");
        }
        Some(Kind::BigInt) => {
            let _ = write!(out, "{}", v.as_i64().expect("bigint"));
        }
        Some(Kind::Error) => {
            let e = v.get::<ErrorObj>().expect("error");
            out.push_str("#<error ");
            work.push(Task::Text(">"));
            let mut parts = vec![e.message];
            let mut rest = e.irritants;
            while let Some(p) = rest.as_pair() {
                parts.push(p.car.get());
                rest = p.cdr.get();
            }
            for (i, x) in parts.into_iter().enumerate().rev() {
                work.push(Task::Value(x));
                if i > 0 {
                    work.push(Task::Text(" "));
                }
            }
        }
        Some(Kind::Cell) => out.push_str("#<box>"),
    }
}

/// Pushes `items` separated by spaces, then `close`, onto the work stack.
fn push_seq(work: &mut Vec<Task>, items: impl Iterator<Item = Value>, close: &'static str) {
    let items: Vec<Value> = items.collect();
    work.push(Task::Text(close));
    for (i, x) in items.into_iter().enumerate().rev() {
        work.push(Task::Value(x));
        if i > 0 {
            work.push(Task::Text(" "));
        }
    }
}

fn print_immediate(out: &mut String, v: Value, mode: Mode) {
    match v {
        Value::TRUE => out.push_str("#t"),
        Value::FALSE => out.push_str("#f"),
        Value::NIL => out.push_str("()"),
        Value::UNSPECIFIED => out.push_str("#<unspecified>"),
        Value::UNDEFINED => out.push_str("#<undefined>"),
        Value::EOF => out.push_str("#<eof>"),
        _ => {
            if let Some(c) = v.as_char() {
                match mode {
                    Mode::Display => out.push(c),
                    Mode::Write => out.push_str(&char_name(c)),
                }
            } else if let Some(s) = v.as_symbol() {
                out.push_str(&s.name());
            } else if let Some(k) = v.as_keyword() {
                out.push(':');
                out.push_str(&k.name());
            } else if let Some(p) = v.as_prim() {
                out.push_str("#<procedure ");
                out.push_str(primitives::info(p).name);
                out.push('>');
            } else {
                out.push_str("#<unknown>");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::heap::{GcConfig, Heap};
    use crate::symbol::Symbol;

    #[test]
    fn prints_lists_dotted_pairs_vectors_and_strings() {
        let mut h = Heap::new(GcConfig::default());
        let s = h.string("a\"b");
        let one = Value::int_unchecked(1);
        let l = h.list(&[one, s, Value::char('x'), Value::float(2.5)]);
        assert_eq!(to_string(l, Mode::Display, &[]), "(1 a\"b x 2.5)");
        assert_eq!(to_string(l, Mode::Write, &[]), "(1 \"a\\\"b\" #\\x 2.5)");
        let d = h.cons(one, Value::int_unchecked(2));
        assert_eq!(to_string(d, Mode::Display, &[]), "(1 . 2)");
        let v = h.vector(&[d, Value::NIL, Value::TRUE]);
        assert_eq!(to_string(v, Mode::Display, &[]), "#((1 . 2) () #t)");
        let t = h.tagged(Symbol::intern("Some"), &[one]);
        let n = h.tagged(Symbol::intern("None"), &[]);
        let both = h.list(&[t, n]);
        assert_eq!(to_string(both, Mode::Display, &[]), "((Some 1) (None))");
        assert_eq!(
            to_string(Value::keyword(Symbol::intern("k")), Mode::Display, &[]),
            ":k"
        );
    }

    #[test]
    fn prints_a_million_deep_nesting() {
        let mut h = Heap::new(GcConfig::default());
        let mut v = Value::NIL;
        for _ in 0..1_000_000 {
            v = h.cons(v, Value::NIL);
        }
        let s = to_string(v, Mode::Display, &[]);
        assert_eq!(s.len(), 2_000_002);
    }
}
