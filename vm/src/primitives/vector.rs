//! Vectors: fixed-length, mutable, indexed from 0.
//!
//! Index faults are `Fault::Range` ("vector-ref: index 10 out of range");
//! an index that is not an exact integer is a type fault. The optional
//! `start`/`end` arguments of the copying procedures follow R7RS.

use super::{Fault, args};
use crate::runtime::Runtime;
use crate::value::Value;

/// The longest vector a primitive builds (2 GiB of elements): larger
/// requests are a clear error rather than an abort when memory runs out.
const VECTOR_LIMIT: usize = 1 << 28;

fn new_vector(rt: &mut Runtime, who: &'static str, items: &[Value]) -> Result<Value, Fault> {
    if items.len() > VECTOR_LIMIT {
        return Err(too_long(who, items.len()));
    }
    Ok(rt.heap.vector(items))
}

fn too_long(who: &'static str, n: usize) -> Fault {
    Fault::Msg(format!(
        "{who}: length {n} is too large (the limit is {VECTOR_LIMIT})"
    ))
}

pub fn vector(rt: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    new_vector(rt, "vector", a)
}

/// `(make-vector k [fill])`. R7RS leaves the default fill unspecified;
/// Fluent uses `0`, as Chez Scheme does.
pub fn make_vector(rt: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    const WHO: &str = "make-vector";
    let n = args::count(WHO, a[0])?;
    if n > VECTOR_LIMIT {
        return Err(too_long(WHO, n));
    }
    let fill = a.get(1).copied().unwrap_or(Value::int_unchecked(0));
    new_vector(rt, WHO, &vec![fill; n])
}

pub fn vector_ref(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    let v = args::vector("vector-ref", a[0])?;
    let items = v.items();
    Ok(items[args::index("vector-ref", a[1], items.len(), false)?].get())
}

pub fn vector_set(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    let v = args::vector("vector-set!", a[0])?;
    let items = v.items();
    items[args::index("vector-set!", a[1], items.len(), false)?].set(a[2]);
    Ok(Value::UNSPECIFIED)
}

pub fn vector_length(rt: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    let n = args::vector("vector-length", a[0])?.items().len();
    Ok(rt.heap.int(n as i64))
}

/// The elements `a[0][start..end]`, with the bounds in `a[from..]`.
fn slice(who: &'static str, a: &[Value], from: usize) -> Result<Vec<Value>, Fault> {
    let v = args::vector(who, a[0])?;
    let items = v.items();
    let (start, end) = args::bounds(who, a, from, items.len())?;
    Ok(items[start..end].iter().map(|c| c.get()).collect())
}

pub fn vector_to_list(rt: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    let items = slice("vector->list", a, 1)?;
    Ok(rt.heap.list(&items))
}

pub fn list_to_vector(rt: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    let items = args::list("list->vector", a[0])?;
    new_vector(rt, "list->vector", &items)
}

/// `(vector-fill! v x [start [end]])`.
pub fn vector_fill(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    const WHO: &str = "vector-fill!";
    let v = args::vector(WHO, a[0])?;
    let items = v.items();
    let (start, end) = args::bounds(WHO, a, 2, items.len())?;
    items[start..end].iter().for_each(|c| c.set(a[1]));
    Ok(Value::UNSPECIFIED)
}

pub fn vector_copy(rt: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    let items = slice("vector-copy", a, 1)?;
    new_vector(rt, "vector-copy", &items)
}

pub fn vector_append(rt: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    const WHO: &str = "vector-append";
    let vs = a
        .iter()
        .map(|&v| args::vector(WHO, v))
        .collect::<Result<Vec<_>, Fault>>()?;
    let total: usize = vs.iter().map(|v| v.items().len()).sum();
    if total > VECTOR_LIMIT {
        return Err(too_long(WHO, total));
    }
    let items: Vec<Value> = vs
        .iter()
        .flat_map(|v| v.items().iter().map(|c| c.get()))
        .collect();
    new_vector(rt, WHO, &items)
}

#[cfg(test)]
mod tests {
    use super::super::testing::{call, check, rt};
    use super::*;

    #[test]
    fn construction() {
        check(&[
            ("vector", "", "#()"),
            ("vector", "1 a \"s\"", "#(1 a \"s\")"),
            ("make-vector", "3", "#(0 0 0)"),
            ("make-vector", "2 x", "#(x x)"),
            ("make-vector", "0", "#()"),
            (
                "make-vector",
                "-1",
                "error: make-vector: expected a non-negative integer, got -1",
            ),
            (
                "make-vector",
                "2.0",
                "error: make-vector: expected a non-negative integer, got 2.0",
            ),
            (
                "make-vector",
                "1000000000000",
                "error: make-vector: length 1000000000000 is too large (the limit is 268435456)",
            ),
            ("list->vector", "(1 2)", "#(1 2)"),
            (
                "list->vector",
                "(1 . 2)",
                "error: list->vector: expected a proper list, got (1 . 2)",
            ),
            ("vector-append", "#(1) #() #(2 3)", "#(1 2 3)"),
            ("vector-append", "", "#()"),
            (
                "vector-append",
                "#(1) (2)",
                "error: vector-append: expected a vector, got (2)",
            ),
        ]);
    }

    #[test]
    fn indexing_and_its_faults() {
        check(&[
            ("vector-ref", "#(a b c) 0", "a"),
            ("vector-ref", "#(a b c) 2", "c"),
            (
                "vector-ref",
                "#(a b c) 10",
                "error: vector-ref: index 10 out of range",
            ),
            (
                "vector-ref",
                "#(a b c) 3",
                "error: vector-ref: index 3 out of range",
            ),
            (
                "vector-ref",
                "#(a b c) -1",
                "error: vector-ref: index -1 out of range",
            ),
            (
                "vector-ref",
                "#() 0",
                "error: vector-ref: index 0 out of range",
            ),
            (
                "vector-ref",
                "#(a) 0.0",
                "error: vector-ref: expected an exact integer, got 0.0",
            ),
            (
                "vector-ref",
                "#(a) x",
                "error: vector-ref: expected an exact integer, got x",
            ),
            (
                "vector-ref",
                "5 0",
                "error: vector-ref: expected a vector, got 5",
            ),
            (
                "vector-set!",
                "#(a) 1 b",
                "error: vector-set!: index 1 out of range",
            ),
            ("vector-length", "#(1 2 3)", "3"),
            (
                "vector-length",
                "(1)",
                "error: vector-length: expected a vector, got (1)",
            ),
        ]);
    }

    #[test]
    fn slices() {
        check(&[
            ("vector->list", "#(1 2 3)", "(1 2 3)"),
            ("vector->list", "#(1 2 3) 1", "(2 3)"),
            ("vector->list", "#(1 2 3) 1 2", "(2)"),
            ("vector->list", "#(1 2 3) 3", "()"),
            (
                "vector->list",
                "#(1 2 3) 4",
                "error: vector->list: index 4 out of range",
            ),
            (
                "vector->list",
                "#(1 2 3) 2 1",
                "error: vector->list: index 2 out of range",
            ),
            (
                "vector->list",
                "#(1 2 3) 0 4",
                "error: vector->list: index 4 out of range",
            ),
            ("vector-copy", "#(1 2 3) 1", "#(2 3)"),
            ("vector-copy", "#(1 2 3)", "#(1 2 3)"),
        ]);
    }

    #[test]
    fn mutation() {
        let mut rt = rt();
        let src = super::super::testing::args(&mut rt, "#(1 2 3 4)");
        let v = src[0];
        let copy = call(&mut rt, "vector-copy", &[v]).unwrap();
        let r = call(
            &mut rt,
            "vector-set!",
            &[v, Value::int_unchecked(0), Value::TRUE],
        );
        assert_eq!(r.unwrap(), Value::UNSPECIFIED);
        assert_eq!(rt.show(v, crate::printer::Mode::Write), "#(#t 2 3 4)");
        assert_eq!(
            rt.show(copy, crate::printer::Mode::Write),
            "#(1 2 3 4)",
            "copies are fresh"
        );
        let x = Value::char('x');
        call(
            &mut rt,
            "vector-fill!",
            &[v, x, Value::int_unchecked(1), Value::int_unchecked(3)],
        )
        .unwrap();
        assert_eq!(rt.show(v, crate::printer::Mode::Write), "#(#t #\\x #\\x 4)");
        call(&mut rt, "vector-fill!", &[v, Value::NIL]).unwrap();
        assert_eq!(rt.show(v, crate::printer::Mode::Write), "#(() () () ())");
        let r = call(
            &mut rt,
            "vector-fill!",
            &[v, Value::NIL, Value::int_unchecked(5)],
        );
        assert!(matches!(
            r,
            Err(Fault::Range {
                who: "vector-fill!",
                index: 5
            })
        ));
    }
}
