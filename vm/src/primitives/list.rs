//! Pairs and lists.
//!
//! Every walk along a list is a loop (never recursion) and uses
//! [`args::Cars`], which notices circular lists, so no list primitive can
//! overflow the host stack or loop forever.

use super::Fault;
use super::args::{self, Cars};
use crate::equal::eqv;
use crate::runtime::Runtime;
use crate::value::Value;

pub fn cons(rt: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    Ok(rt.heap.cons(a[0], a[1]))
}

pub fn car(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    Ok(args::pair("car", a[0])?.car.get())
}

pub fn cdr(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    Ok(args::pair("cdr", a[0])?.cdr.get())
}

/// A `c[ad]+r` accessor: `path` is the letters between `c` and `r`,
/// applied right to left (`cadr` is the car of the cdr). The fault names
/// the accessor and the value that was not a pair at that step.
fn cxr(who: &'static str, path: &str, v: Value) -> Result<Value, Fault> {
    let mut x = v;
    for step in path.bytes().rev() {
        let p = args::pair(who, x)?;
        x = if step == b'a' {
            p.car.get()
        } else {
            p.cdr.get()
        };
    }
    Ok(x)
}

pub fn cadr(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    cxr("cadr", "ad", a[0])
}

pub fn cddr(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    cxr("cddr", "dd", a[0])
}

pub fn caar(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    cxr("caar", "aa", a[0])
}

pub fn cdar(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    cxr("cdar", "da", a[0])
}

pub fn caddr(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    cxr("caddr", "add", a[0])
}

pub fn cdddr(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    cxr("cdddr", "ddd", a[0])
}

pub fn cadddr(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    cxr("cadddr", "addd", a[0])
}

pub fn list(rt: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    Ok(rt.heap.list(a))
}

pub fn is_null(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    Ok(Value::bool(a[0] == Value::NIL))
}

pub fn is_pair(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    Ok(Value::bool(a[0].as_pair().is_some()))
}

/// True for proper lists only: false for dotted and circular ones.
pub fn is_list(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    let mut cars = Cars::new(a[0]);
    cars.by_ref().for_each(drop);
    Ok(Value::bool(cars.end() == Some(Value::NIL)))
}

pub fn length(rt: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    let mut cars = Cars::new(a[0]);
    let n = cars.by_ref().count();
    if cars.end() != Some(Value::NIL) {
        return Err(args::not_list("length", "a proper list", a[0], &cars));
    }
    Ok(rt.heap.int(n as i64))
}

/// All arguments but the last are copied; the last is shared, and may be
/// any value (`(append '(1) 2)` is `(1 . 2)`).
pub fn append(rt: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    let Some((&last, init)) = a.split_last() else {
        return Ok(Value::NIL);
    };
    let mut items = Vec::new();
    for &l in init {
        items.extend(args::list("append", l)?);
    }
    Ok(rt.heap.list_with_tail(&items, last))
}

pub fn reverse(rt: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    let items = args::list("reverse", a[0])?;
    Ok(items
        .into_iter()
        .fold(Value::NIL, |acc, x| rt.heap.cons(x, acc)))
}

/// The list after `k` cdrs, or a range fault naming `k` when the list is
/// shorter. `k` may equal the length (the tail is then `()`).
fn tail(who: &'static str, l: Value, k: Value) -> Result<Value, Fault> {
    let n = args::int(who, k)?;
    if n < 0 {
        return Err(Fault::Range { who, index: n });
    }
    let mut x = l;
    for _ in 0..n {
        x = match x.as_pair() {
            Some(p) => p.cdr.get(),
            None => return Err(Fault::Range { who, index: n }),
        };
    }
    Ok(x)
}

pub fn list_tail(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    tail("list-tail", a[0], a[1])
}

pub fn list_ref(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    let rest = tail("list-ref", a[0], a[1])?;
    match rest.as_pair() {
        Some(p) => Ok(p.car.get()),
        None => Err(Fault::Range {
            who: "list-ref",
            index: args::int("list-ref", a[1])?,
        }),
    }
}

/// A fresh spine with the same elements; a dotted tail is kept, and a
/// non-list is returned as is (R7RS).
pub fn list_copy(rt: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    let mut cars = Cars::new(a[0]);
    let items: Vec<Value> = cars.by_ref().collect();
    let Some(end) = cars.end() else {
        return Err(args::not_list("list-copy", "a list", a[0], &cars));
    };
    Ok(rt.heap.list_with_tail(&items, end))
}

pub fn last_pair(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    let mut p = args::pair("last-pair", a[0])?;
    let mut cars = Cars::new(a[0]);
    while let (Some(next), Some(_)) = (p.cdr.get().as_pair(), cars.next()) {
        p = next;
    }
    if cars.end().is_none() {
        return Err(args::not_list("last-pair", "a list", a[0], &cars));
    }
    Ok(p.value())
}

/// The first pair of `alist` whose car is `same` as `key`, or `#f`.
fn assoc_by(
    who: &'static str,
    key: Value,
    alist: Value,
    same: fn(Value, Value) -> bool,
) -> Result<Value, Fault> {
    let mut cars = Cars::new(alist);
    for entry in cars.by_ref() {
        // The entry, not the list, is shown: the list may be circular.
        let p = entry.as_pair().ok_or(Fault::Type {
            who,
            expected: "a pair",
            got: entry,
        })?;
        if same(p.car.get(), key) {
            return Ok(entry);
        }
    }
    if cars.end() != Some(Value::NIL) {
        return Err(args::not_list(who, "a proper list", alist, &cars));
    }
    Ok(Value::FALSE)
}

fn eq(a: Value, b: Value) -> bool {
    a == b
}

pub fn assq(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    assoc_by("assq", a[0], a[1], eq)
}

pub fn assv(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    assoc_by("assv", a[0], a[1], eqv)
}

/// The first sublist of `l` whose car is `same` as `x`, or `#f`.
fn member_by(
    who: &'static str,
    x: Value,
    l: Value,
    same: fn(Value, Value) -> bool,
) -> Result<Value, Fault> {
    let mut cars = Cars::new(l);
    let mut rest = l;
    for item in cars.by_ref() {
        if same(item, x) {
            return Ok(rest);
        }
        rest = rest.as_pair().expect("the walk is on this pair").cdr.get();
    }
    if cars.end() != Some(Value::NIL) {
        return Err(args::not_list(who, "a proper list", l, &cars));
    }
    Ok(Value::FALSE)
}

pub fn memq(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    member_by("memq", a[0], a[1], eq)
}

pub fn memv(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    member_by("memv", a[0], a[1], eqv)
}

/// The longest list `range` builds: far beyond real use, and small enough
/// that a typo like `(range 1e18)` is an error instead of an abort when
/// memory runs out.
const RANGE_LIMIT: i128 = 100_000_000;

/// `(range end)`, `(range start end)`, `(range start end step)`: the ints
/// from `start` (default 0) towards `end` (excluded) by `step` (default 1,
/// may be negative).
pub fn range(rt: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    const WHO: &str = "range";
    let ints = a
        .iter()
        .map(|&v| args::int(WHO, v))
        .collect::<Result<Vec<i64>, Fault>>()?;
    let (start, end, step) = match ints[..] {
        [end] => (0, end, 1),
        [start, end] => (start, end, 1),
        [start, end, step] => (start, end, step),
        _ => unreachable!("arity is checked by the caller"),
    };
    if step == 0 {
        return Err(Fault::Msg("range: step must not be zero".into()));
    }
    // The count in i128, where no difference of two i64s can overflow.
    let (span, step128) = (end as i128 - start as i128, step as i128);
    let count = if (span > 0) == (step128 > 0) && span != 0 {
        (span.abs() + step128.abs() - 1) / step128.abs()
    } else {
        0
    };
    if count > RANGE_LIMIT {
        return Err(Fault::Msg(format!(
            "range: {count} elements is too many (the limit is {RANGE_LIMIT})"
        )));
    }
    // Built from the last element back, so no intermediate vector is needed.
    let mut out = Value::NIL;
    for i in (0..count).rev() {
        // In range: the elements lie between start and end.
        let x = rt.heap.int((start as i128 + i * step128) as i64);
        out = rt.heap.cons(x, out);
    }
    Ok(out)
}

pub fn set_car(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    args::pair("set-car!", a[0])?.car.set(a[1]);
    Ok(Value::UNSPECIFIED)
}

pub fn set_cdr(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    args::pair("set-cdr!", a[0])?.cdr.set(a[1]);
    Ok(Value::UNSPECIFIED)
}

#[cfg(test)]
mod tests {
    use super::super::testing::{call, check, outcome, rt};
    use super::*;

    #[test]
    fn accessors_name_themselves_in_faults() {
        check(&[
            ("cadr", "(1 2 3)", "2"),
            ("cddr", "(1 2 3)", "(3)"),
            ("caar", "((1) 2)", "1"),
            ("cdar", "((1 . 5) 2)", "5"),
            ("caddr", "(1 2 3)", "3"),
            ("cdddr", "(1 2 3 4)", "(4)"),
            ("cadddr", "(1 2 3 4)", "4"),
            ("cadr", "(1)", "error: cadr: expected a pair, got ()"),
            ("caddr", "5", "error: caddr: expected a pair, got 5"),
            ("car", "()", "error: car: expected a pair, got ()"),
        ]);
    }

    #[test]
    fn list_predicate_and_length() {
        check(&[
            ("list?", "(1 2 3)", "#t"),
            ("list?", "()", "#t"),
            ("list?", "(1 . 2)", "#f"),
            ("list?", "5", "#f"),
            ("length", "(1 2 3)", "3"),
            ("length", "()", "0"),
            (
                "length",
                "(1 2 . 3)",
                "error: length: expected a proper list, got (1 2 . 3)",
            ),
            (
                "length",
                "#(1)",
                "error: length: expected a proper list, got #(1)",
            ),
        ]);
    }

    #[test]
    fn long_and_circular_lists_terminate() {
        let mut rt = rt();
        let mut l = Value::NIL;
        for i in 0..1_000_000 {
            l = rt.heap.cons(Value::int_unchecked(i), l);
        }
        assert_eq!(call(&mut rt, "list?", &[l]).unwrap(), Value::TRUE);
        assert_eq!(
            call(&mut rt, "length", &[l]).unwrap().as_i64(),
            Some(1_000_000)
        );
        let r = call(&mut rt, "reverse", &[l]).unwrap();
        assert_eq!(call(&mut rt, "car", &[r]).unwrap().as_i64(), Some(0));
        // Make it circular: the last pair's cdr points back at a middle one.
        let last = call(&mut rt, "last-pair", &[l]).unwrap();
        let middle = call(&mut rt, "list-tail", &[l, Value::int_unchecked(500_000)]).unwrap();
        call(&mut rt, "set-cdr!", &[last, middle]).unwrap();
        assert_eq!(call(&mut rt, "list?", &[l]).unwrap(), Value::FALSE);
        for name in ["length", "reverse", "list-copy", "last-pair"] {
            let r = call(&mut rt, name, &[l]);
            assert!(
                matches!(&r, Err(Fault::Msg(m)) if m.contains("circular")),
                "{name}"
            );
        }
        let r = call(&mut rt, "memq", &[Value::TRUE, l]);
        assert!(matches!(&r, Err(Fault::Msg(m)) if m.starts_with("memq:")));
        let r = call(&mut rt, "append", &[l, Value::NIL]);
        assert!(matches!(&r, Err(Fault::Msg(m)) if m.starts_with("append:")));
        // A one-pair cycle.
        let p = rt.heap.cons(Value::TRUE, Value::NIL);
        call(&mut rt, "set-cdr!", &[p, p]).unwrap();
        assert_eq!(call(&mut rt, "list?", &[p]).unwrap(), Value::FALSE);
        let r = call(&mut rt, "length", &[p]);
        assert_eq!(
            outcome(&rt, r),
            "error: length: expected a proper list, got a circular list"
        );
        let r = call(&mut rt, "list-copy", &[p]);
        assert_eq!(
            outcome(&rt, r),
            "error: list-copy: expected a list, got a circular list"
        );
    }

    #[test]
    fn append_reverse_and_copies() {
        check(&[
            ("append", "", "()"),
            ("append", "(1)", "(1)"),
            ("append", "(1 2) (3) () (4 5)", "(1 2 3 4 5)"),
            ("append", "(1) 2", "(1 . 2)"),
            ("append", "() 7", "7"),
            (
                "append",
                "(1 . 2) (3)",
                "error: append: expected a proper list, got (1 . 2)",
            ),
            ("reverse", "(1 2 3)", "(3 2 1)"),
            ("reverse", "()", "()"),
            (
                "reverse",
                "(1 . 2)",
                "error: reverse: expected a proper list, got (1 . 2)",
            ),
            ("list-copy", "(1 2 . 3)", "(1 2 . 3)"),
            ("list-copy", "5", "5"),
            ("last-pair", "(1 2 3)", "(3)"),
            ("last-pair", "(1 2 . 3)", "(2 . 3)"),
            (
                "last-pair",
                "()",
                "error: last-pair: expected a pair, got ()",
            ),
        ]);
        let mut rt = rt();
        let l = rt.heap.list(&[Value::TRUE]);
        let c = call(&mut rt, "list-copy", &[l]).unwrap();
        assert!(c != l && crate::equal::equal(c, l));
        let tail = rt.heap.list(&[Value::FALSE]);
        let joined = call(&mut rt, "append", &[l, tail]).unwrap();
        assert_eq!(
            call(&mut rt, "cdr", &[joined]).unwrap(),
            tail,
            "the last list is shared"
        );
    }

    #[test]
    fn indexing_lists() {
        check(&[
            ("list-ref", "(a b c) 0", "a"),
            ("list-ref", "(a b c) 2", "c"),
            (
                "list-ref",
                "(a b c) 3",
                "error: list-ref: index 3 out of range",
            ),
            (
                "list-ref",
                "(a b c) -1",
                "error: list-ref: index -1 out of range",
            ),
            (
                "list-ref",
                "(a b c) 1.0",
                "error: list-ref: expected an exact integer, got 1.0",
            ),
            ("list-tail", "(a b c) 1", "(b c)"),
            ("list-tail", "(a b c) 3", "()"),
            (
                "list-tail",
                "(a b c) 4",
                "error: list-tail: index 4 out of range",
            ),
        ]);
    }

    #[test]
    fn association_and_membership() {
        check(&[
            ("assq", "b ((a 1) (b 2))", "(b 2)"),
            ("assq", "c ((a 1) (b 2))", "#f"),
            ("assv", "2 ((1 . one) (2 . two))", "(2 . two)"),
            (
                "assv",
                "9223372036854775807 ((9223372036854775807 . big))",
                "(9223372036854775807 . big)",
            ),
            (
                "assq",
                "a ((b . 1) 5)",
                "error: assq: expected a pair, got 5",
            ),
            (
                "assq",
                "z ((a 1) . 5)",
                "error: assq: expected a proper list, got ((a 1) . 5)",
            ),
            ("memq", "c (a b c d)", "(c d)"),
            ("memq", "e (a b c d)", "#f"),
            ("memv", "101 (100 101 102)", "(101 102)"),
            ("memv", "1.5 (1 1.5)", "(1.5)"),
            ("memq", "x 5", "error: memq: expected a proper list, got 5"),
        ]);
        // eq? tells apart two boxed integers that eqv? equates.
        let mut rt = rt();
        let (x, y) = (rt.heap.int(i64::MAX), rt.heap.int(i64::MAX));
        let l = rt.heap.list(&[y]);
        assert_eq!(call(&mut rt, "memq", &[x, l]).unwrap(), Value::FALSE);
        assert_eq!(call(&mut rt, "memv", &[x, l]).unwrap(), l);
    }

    #[test]
    fn ranges() {
        check(&[
            ("range", "5", "(0 1 2 3 4)"),
            ("range", "0", "()"),
            ("range", "-3", "()"),
            ("range", "2 5", "(2 3 4)"),
            ("range", "5 2", "()"),
            ("range", "0 10 3", "(0 3 6 9)"),
            ("range", "10 0 -3", "(10 7 4 1)"),
            ("range", "5 0 -1", "(5 4 3 2 1)"),
            ("range", "0 5 -1", "()"),
            ("range", "1 2 0", "error: range: step must not be zero"),
            (
                "range",
                "1.5",
                "error: range: expected an exact integer, got 1.5",
            ),
            (
                "range",
                "-9223372036854775808 9223372036854775807 1",
                "error: range: 18446744073709551615 elements is too many (the limit is 100000000)",
            ),
            (
                "range",
                "9223372036854775806 9223372036854775807",
                "(9223372036854775806)",
            ),
            (
                "range",
                "9223372036854775807 -9223372036854775808 -9223372036854775808",
                "(9223372036854775807 -1)",
            ),
        ]);
    }

    #[test]
    fn mutation_of_pairs() {
        let mut rt = rt();
        let p = rt.heap.cons(Value::TRUE, Value::NIL);
        call(&mut rt, "set-car!", &[p, Value::FALSE]).unwrap();
        call(&mut rt, "set-cdr!", &[p, Value::int_unchecked(2)]).unwrap();
        assert_eq!(rt.show(p, crate::printer::Mode::Write), "(#f . 2)");
        check(&[("set-car!", "5 1", "error: set-car!: expected a pair, got 5")]);
    }
}
