//! `display` and `write`: the R7RS printed forms of values.
//!
//! Iterative (an explicit work stack), so printing 1,000,000-deep data
//! cannot overflow the host stack.
//!
//! Cycles (made with `set-car!`, `set-cdr!` or `vector-set!`) print with
//! datum labels, as R7RS asks of `write` and `display`: `#0=(1 . #0#)`.
//! Finding them takes a walk with a hash set, so it is done only when
//! needed: a value that contains neither cycles nor shared parts prints
//! at most as many objects as the heap holds. The first attempt counts
//! them and stops past that; then the walk finds the cycles, and the
//! text goes to the sink in pieces as it is made (structure shared many
//! times over prints exponentially long, and must not have to fit in
//! memory).

use crate::equal::BitsMap;
use crate::heap::{ErrorObj, Kind, MapObj, Tagged};
use crate::primitives;
use crate::primitives::args::Cars;
use crate::value::Value;
use fluent_syntax::floatfmt::format_float;
use fluent_syntax::print::{char_name, write_string_literal};
use std::collections::hash_map::Entry;
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

/// When the heap's size is not at hand: values printing at most this
/// many objects print without the walk that looks for cycles.
const SMALL_OBJECTS: usize = 10_000;

/// Text is handed to the sink in pieces of about this size.
const PIECE: usize = 1 << 16;

enum Task {
    Value(Value),
    Text(&'static str),
    /// The rest of a list after its first element.
    ListTail(Value),
}

/// Appends the printed form of `v` to `out`.
pub fn print(out: &mut String, v: Value, mode: Mode, names: &FuncNames) {
    print_to(v, mode, names, SMALL_OBJECTS, usize::MAX, &mut |s| {
        out.push_str(s)
    });
}

/// The printed form as a new string.
pub fn to_string(v: Value, mode: Mode, names: &FuncNames) -> String {
    let mut s = String::new();
    print(&mut s, v, mode, names);
    s
}

/// The printed form cut to about `limit` bytes, ending in `...` when cut:
/// for error messages, which must stay short whatever the value.
pub fn to_string_limited(v: Value, mode: Mode, names: &FuncNames, limit: usize) -> String {
    let mut s = String::new();
    print_to(v, mode, names, 0, limit, &mut |t| s.push_str(t));
    s
}

/// Prints `v`, handing the text to `sink`, and stops after `limit` bytes
/// (then the text ends in `...`). `objects` is the number of objects in
/// the heap (or any bound on what a value without cycles or sharing can
/// contain).
pub fn print_to(
    v: Value,
    mode: Mode,
    names: &FuncNames,
    objects: usize,
    limit: usize,
    sink: &mut dyn FnMut(&str),
) {
    let mut p = Printer {
        mode,
        names,
        labels: None,
        next_label: 0,
        out: String::new(),
        written: 0,
        limit,
    };
    // A cut-off print ends even on cyclic data: no need to look for cycles.
    let repeats = limit == usize::MAX && p.run(v, Some(objects), sink).is_err();
    if repeats {
        // Some object was printed again: nothing was handed to the sink
        // yet, start again with the cycles (if that is what it was)
        // labelled.
        p.out.clear();
        p.labels = Some(cycle_targets(v)).filter(|t| !t.is_empty());
    }
    if repeats || limit != usize::MAX {
        let _ = p.run(v, None, sink);
    }
}

struct Printer<'a> {
    mode: Mode,
    names: &'a FuncNames,
    /// The objects that cycles lead back to, with their label once
    /// printed (`None`: not looked for).
    labels: Option<BitsMap<Option<usize>>>,
    next_label: usize,
    /// Text not yet handed to the sink.
    out: String,
    /// Bytes handed to the sink so far.
    written: usize,
    limit: usize,
}

/// Why a print stopped early: it printed more objects than it was given.
struct Repeats;

impl Printer<'_> {
    /// Prints `v`. With `trial`, gives up (having sent nothing to the
    /// sink) past that many objects.
    fn run(
        &mut self,
        v: Value,
        trial: Option<usize>,
        sink: &mut dyn FnMut(&str),
    ) -> Result<(), Repeats> {
        let mut work = vec![Task::Value(v)];
        let mut objects = 0;
        while let Some(t) = work.pop() {
            // Every object printed counts, the pairs of a list's spine too.
            if let Task::Value(x) | Task::ListTail(x) = t
                && x.is_ptr()
            {
                objects += 1;
                if trial.is_some_and(|most| objects > most) {
                    return Err(Repeats);
                }
            }
            match t {
                Task::Text(s) => self.out.push_str(s),
                Task::ListTail(rest) => {
                    if rest == Value::NIL {
                        self.out.push(')');
                    } else if let Some(p) = rest.as_pair()
                        && !self.is_target(rest)
                    {
                        self.out.push(' ');
                        work.push(Task::ListTail(p.cdr.get()));
                        work.push(Task::Value(p.car.get()));
                    } else {
                        self.out.push_str(" . ");
                        work.push(Task::Text(")"));
                        work.push(Task::Value(rest));
                    }
                }
                Task::Value(v) => {
                    if !self.label(v) {
                        print_one(&mut self.out, v, self.mode, self.names, &mut work);
                    }
                }
            }
            if trial.is_some() {
                // All in one piece at the end.
            } else if self.written + self.out.len() > self.limit {
                let mut end = self.limit - self.written;
                while !self.out.is_char_boundary(end) {
                    end -= 1;
                }
                self.out.truncate(end);
                self.out.push_str("...");
                break;
            } else if self.out.len() >= PIECE {
                self.flush(sink);
            }
        }
        self.flush(sink);
        Ok(())
    }

    fn flush(&mut self, sink: &mut dyn FnMut(&str)) {
        sink(&self.out);
        self.written += self.out.len();
        self.out.clear();
    }

    fn is_target(&self, v: Value) -> bool {
        self.labels.as_ref().is_some_and(|l| l.contains_key(&v.0))
    }

    /// Prints the label of a cycle's target: `#n=` before its first
    /// printing (returns false: print it), `#n#` after (returns true).
    fn label(&mut self, v: Value) -> bool {
        use std::fmt::Write;
        let Some(slot) = self.labels.as_mut().and_then(|l| l.get_mut(&v.0)) else {
            return false;
        };
        match *slot {
            Some(n) => {
                let _ = write!(self.out, "#{n}#");
                true
            }
            None => {
                let n = self.next_label;
                self.next_label += 1;
                *slot = Some(n);
                let _ = write!(self.out, "#{n}=");
                false
            }
        }
    }
}

/// The objects of `root` that a cycle leads back to: the targets of the
/// back edges of a depth-first walk in printing order.
fn cycle_targets(root: Value) -> BitsMap<Option<usize>> {
    // Objects seen: false while on the walk's current path, then true.
    let mut seen: BitsMap<bool> = BitsMap::default();
    let mut targets = BitsMap::default();
    // Each object on the path, the index of its next child, and its
    // children when they are not at hand (maps, error objects).
    let mut stack: Vec<(Value, usize, Option<Vec<Value>>)> = Vec::new();
    if let Some(c) = children(root) {
        seen.insert(root.0, false);
        stack.push((root, 0, c));
    }
    while let Some((v, next, cs)) = stack.last_mut() {
        let Some(c) = child(*v, *next, cs) else {
            seen.insert(v.0, true);
            stack.pop();
            continue;
        };
        *next += 1;
        if !c.is_ptr() {
            continue;
        }
        match seen.entry(c.0) {
            Entry::Occupied(e) if !*e.get() => {
                targets.insert(c.0, None);
            }
            Entry::Occupied(_) => {}
            Entry::Vacant(e) => {
                if let Some(grand) = children(c) {
                    e.insert(false);
                    stack.push((c, 0, grand));
                }
            }
        }
    }
    targets
}

/// `None` for values that contain no others; otherwise `Some`, with the
/// list of them for the kinds that [`child`] cannot index.
fn children(v: Value) -> Option<Option<Vec<Value>>> {
    Some(match v.kind()? {
        Kind::Pair | Kind::Vector | Kind::Tagged => None,
        Kind::Map => {
            let m = v.get::<MapObj>()?;
            Some(m.map.iter().flat_map(|(k, x)| [k.0, *x]).collect())
        }
        Kind::Error => Some(error_parts(v)?),
        Kind::Str | Kind::Closure | Kind::Cell | Kind::BigInt => return None,
    })
}

/// Child `i` of `v` in printing order (`listed`: from [`children`]).
fn child(v: Value, i: usize, listed: &Option<Vec<Value>>) -> Option<Value> {
    if let Some(cs) = listed {
        return cs.get(i).copied();
    }
    match v.kind()? {
        Kind::Pair => {
            let p = v.as_pair()?;
            [p.car.get(), p.cdr.get()].get(i).copied()
        }
        Kind::Vector => v.as_vector()?.items().get(i).map(|c| c.get()),
        Kind::Tagged => v.get::<Tagged>()?.fields().get(i).copied(),
        _ => None,
    }
}

/// An error object's message and irritants (a circular irritant list,
/// made with `set-cdr!`, is cut where it turns back).
fn error_parts(v: Value) -> Option<Vec<Value>> {
    let e = v.get::<ErrorObj>()?;
    let mut parts = vec![e.message];
    parts.extend(Cars::new(e.irritants));
    Some(parts)
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
            out.push_str("#<error ");
            work.push(Task::Text(">"));
            let parts = error_parts(v).expect("error");
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

    #[test]
    fn cycles_print_with_datum_labels() {
        let mut h = Heap::new(GcConfig::default());
        let one = Value::int_unchecked(1);
        // A list whose last cdr points back at its second pair.
        let l = h.list(&[one, Value::int_unchecked(2), Value::int_unchecked(3)]);
        let second = l.as_pair().unwrap().cdr.get();
        let last = second.as_pair().unwrap().cdr.get();
        last.as_pair().unwrap().cdr.set(second);
        assert_eq!(to_string(l, Mode::Write, &[]), "(1 . #0=(2 3 . #0#))");
        // A vector containing itself, and a pair whose car is itself.
        let v = h.vector(&[one, one]);
        v.as_vector().unwrap().items()[0].set(v);
        assert_eq!(to_string(v, Mode::Display, &[]), "#0=#(#0# 1)");
        let p = h.cons(one, Value::NIL);
        p.as_pair().unwrap().car.set(p);
        assert_eq!(to_string(p, Mode::Display, &[]), "#0=(#0#)");
        // A labelled object met again refers to its label; shared,
        // acyclic structure is printed in full, without labels.
        let shared = h.list(&[p, p]);
        assert_eq!(to_string(shared, Mode::Display, &[]), "(#0=(#0#) #0#)");
        let s = h.list(&[one]);
        let twice = h.list(&[s, s]);
        assert_eq!(to_string(twice, Mode::Display, &[]), "((1) (1))");
        // Past the small-value size, too.
        let big: Vec<Value> = (0..50_000).map(Value::int_unchecked).collect();
        let l = h.list(&big);
        let mut last = l;
        while let Some(next) = last.as_pair().unwrap().cdr.get().as_pair() {
            last = next.value();
        }
        last.as_pair().unwrap().cdr.set(l);
        let text = to_string(l, Mode::Display, &[]);
        assert!(text.starts_with("#0=(0 1 2 ") && text.ends_with(" 49999 . #0#)"));
    }

    #[test]
    fn limited_printing_stops_on_cycles_and_huge_values() {
        let mut h = Heap::new(GcConfig::default());
        let p = h.cons(Value::TRUE, Value::NIL);
        p.as_pair().unwrap().car.set(p);
        let s = to_string_limited(p, Mode::Write, &[], 20);
        assert_eq!(s, format!("{}...", "(".repeat(20)));
        let text = "é".repeat(100);
        let st = h.string(&text);
        let s = to_string_limited(st, Mode::Display, &[], 11);
        assert_eq!(s, format!("{}...", "é".repeat(5)));
        assert_eq!(to_string_limited(Value::TRUE, Mode::Write, &[], 20), "#t");
    }

    #[test]
    fn exponentially_long_output_streams() {
        // 2^40 leaves: printing must hand text over in pieces as it goes.
        let mut h = Heap::new(GcConfig::default());
        let mut x = Value::NIL;
        for _ in 0..40 {
            x = h.cons(x, x);
        }
        let mut total = 0usize;
        let mut pieces = 0;
        let mut sink = |s: &str| {
            total += s.len();
            pieces += 1;
            assert!(s.len() < 1 << 20, "one piece of {} bytes", s.len());
        };
        print_to(x, Mode::Display, &[], 0, 1 << 24, &mut sink);
        assert!(total >= 1 << 24 && pieces > 10);
    }
}
