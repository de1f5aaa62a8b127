//! Argument helpers shared by the primitive modules: typed views of
//! arguments with the standard type and range faults, and list walks that
//! stop on circular lists.

use super::Fault;
use crate::heap::{Gc, MapObj, Pair, Str, Vector};
use crate::symbol::Symbol;
use crate::value::Value;

pub fn pair(who: &'static str, v: Value) -> Result<Gc<Pair>, Fault> {
    v.as_pair().ok_or(Fault::Type {
        who,
        expected: "a pair",
        got: v,
    })
}

pub fn string(who: &'static str, v: Value) -> Result<Gc<Str>, Fault> {
    v.as_str().ok_or(Fault::Type {
        who,
        expected: "a string",
        got: v,
    })
}

pub fn vector(who: &'static str, v: Value) -> Result<Gc<Vector>, Fault> {
    v.as_vector().ok_or(Fault::Type {
        who,
        expected: "a vector",
        got: v,
    })
}

pub fn map(who: &'static str, v: Value) -> Result<Gc<MapObj>, Fault> {
    v.get::<MapObj>().ok_or(Fault::Type {
        who,
        expected: "a map",
        got: v,
    })
}

pub fn char(who: &'static str, v: Value) -> Result<char, Fault> {
    v.as_char().ok_or(Fault::Type {
        who,
        expected: "a char",
        got: v,
    })
}

pub fn symbol(who: &'static str, v: Value) -> Result<Symbol, Fault> {
    v.as_symbol().ok_or(Fault::Type {
        who,
        expected: "a symbol",
        got: v,
    })
}

/// An exact integer. "Exact" is spelled out because `integer?` is also
/// true of integral floats, which indices and counts do not accept.
pub fn int(who: &'static str, v: Value) -> Result<i64, Fault> {
    v.as_i64().ok_or(Fault::Type {
        who,
        expected: "an exact integer",
        got: v,
    })
}

/// A count or length: a non-negative exact integer.
pub fn count(who: &'static str, v: Value) -> Result<usize, Fault> {
    match v.as_i64() {
        Some(n) if n >= 0 => Ok(n as usize),
        _ => Err(Fault::Type {
            who,
            expected: "a non-negative integer",
            got: v,
        }),
    }
}

/// An index into a sequence of `len` elements (`len` itself allowed
/// when `end_ok`, for the end of a slice).
pub fn index(who: &'static str, v: Value, len: usize, end_ok: bool) -> Result<usize, Fault> {
    let i = int(who, v)?;
    let limit = if end_ok { len as i64 } else { len as i64 - 1 };
    if i < 0 || i > limit {
        return Err(Fault::Range { who, index: i });
    }
    Ok(i as usize)
}

/// The slice `[start, end)` given by the optional arguments `a[from]`
/// and `a[from + 1]` of a sequence of `len` elements (R7RS defaults:
/// the whole sequence).
pub fn bounds(
    who: &'static str,
    a: &[Value],
    from: usize,
    len: usize,
) -> Result<(usize, usize), Fault> {
    let end = match a.get(from + 1) {
        Some(&v) => index(who, v, len, true)?,
        None => len,
    };
    let start = match a.get(from) {
        Some(&v) => index(who, v, end, true)?,
        None => 0,
    };
    Ok((start, end))
}

/// The cars of a list's spine, stopping at the first non-pair, or
/// early when the spine turns out to be circular (lists can be made
/// circular with `set-cdr!`, and a walk must not loop forever).
pub struct Cars {
    rest: Value,
    /// Moves one pair for every two of `rest` (Floyd's cycle check).
    slow: Value,
    steps: usize,
    cyclic: bool,
}

impl Cars {
    pub fn new(v: Value) -> Cars {
        Cars {
            rest: v,
            slow: v,
            steps: 0,
            cyclic: false,
        }
    }

    /// What ended the walk so far: `()` for a proper list, another
    /// value for a dotted one, `None` for a circular one.
    pub fn end(&self) -> Option<Value> {
        (!self.cyclic).then_some(self.rest)
    }
}

impl Iterator for Cars {
    type Item = Value;

    fn next(&mut self) -> Option<Value> {
        if self.cyclic {
            return None;
        }
        let p = self.rest.as_pair()?;
        self.rest = p.cdr.get();
        self.steps += 1;
        if self.steps.is_multiple_of(2) {
            self.slow = self.slow.as_pair().expect("slow trails rest").cdr.get();
            // Two different positions holding the same pair: a cycle.
            self.cyclic = self.slow == self.rest;
        }
        Some(p.car.get())
    }
}

/// The fault for `v`, whose walk `cars` did not end in `()`. A
/// circular list is described, not shown: printing it would not end.
pub fn not_list(who: &'static str, expected: &'static str, v: Value, cars: &Cars) -> Fault {
    match cars.end() {
        Some(_) => Fault::Type {
            who,
            expected,
            got: v,
        },
        None => Fault::Msg(format!("{who}: expected {expected}, got a circular list")),
    }
}

/// The elements of a proper list.
pub fn list(who: &'static str, v: Value) -> Result<Vec<Value>, Fault> {
    let mut cars = Cars::new(v);
    let out: Vec<Value> = cars.by_ref().collect();
    if cars.end() != Some(Value::NIL) {
        return Err(not_list(who, "a proper list", v, &cars));
    }
    Ok(out)
}
