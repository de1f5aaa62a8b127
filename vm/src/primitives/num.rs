//! Arithmetic, comparison, integer division and the numeric predicates.
//!
//! The binary steps go through `arith::arith`, `arith::int_div` and
//! `arith::compare`, the same functions behind the interpreter's
//! arithmetic opcodes, so `(+ a b)` called through `apply` and an inlined
//! `+` cannot disagree. Exact results that leave i64 are
//! `Fault::Overflow`, never a wrap-around.

use super::Fault;
use crate::arith::{self, ArithOp, CmpOp, DivOp, Num, integral, num};
use crate::heap::Heap;
use crate::runtime::Runtime;
use crate::value::Value;

/// Folds `op` over the arguments from the left. A single argument is
/// returned as is (after the type check), so `(+ -0.0)` stays `-0.0`.
fn fold(heap: &mut Heap, op: ArithOp, a: &[Value]) -> Result<Value, Fault> {
    num(op.name(), a[0])?;
    let mut acc = a[0];
    for &x in &a[1..] {
        acc = arith::arith(heap, op, acc, x)?;
    }
    Ok(acc)
}

pub fn add(rt: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    if a.is_empty() {
        return Ok(Value::int_unchecked(0));
    }
    fold(&mut rt.heap, ArithOp::Add, a)
}

pub fn mul(rt: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    if a.is_empty() {
        return Ok(Value::int_unchecked(1));
    }
    fold(&mut rt.heap, ArithOp::Mul, a)
}

pub fn sub(rt: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    if a.len() > 1 {
        return fold(&mut rt.heap, ArithOp::Sub, a);
    }
    // Negation, not `0 - x`: `(- 0.0)` is `-0.0`.
    match num("-", a[0])? {
        Num::Int(i) => Ok(rt
            .heap
            .int(i.checked_neg().ok_or(Fault::Overflow { who: "-" })?)),
        Num::Float(x) => Ok(Value::float(-x)),
    }
}

/// `x / y`: exact when both are integers and the division is exact, a
/// float otherwise (Fluent has no rationals).
fn divide(heap: &mut Heap, x: Value, y: Value) -> Result<Value, Fault> {
    const WHO: &str = "/";
    Ok(match (num(WHO, x)?, num(WHO, y)?) {
        (Num::Int(_), Num::Int(0)) => return Err(Fault::DivZero { who: WHO }),
        (Num::Int(p), Num::Int(q)) if p.wrapping_rem(q) == 0 => {
            heap.int(p.checked_div(q).ok_or(Fault::Overflow { who: WHO })?)
        }
        (p, q) => Value::float(p.to_f64() / q.to_f64()),
    })
}

pub fn div(rt: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    if a.len() == 1 {
        return divide(&mut rt.heap, Value::int_unchecked(1), a[0]);
    }
    let mut acc = a[0];
    for &y in &a[1..] {
        acc = divide(&mut rt.heap, acc, y)?;
    }
    Ok(acc)
}

pub fn quotient(rt: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    arith::int_div(&mut rt.heap, DivOp::Quotient, a[0], a[1])
}

pub fn remainder(rt: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    arith::int_div(&mut rt.heap, DivOp::Remainder, a[0], a[1])
}

pub fn modulo(rt: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    arith::int_div(&mut rt.heap, DivOp::Modulo, a[0], a[1])
}

pub fn abs(rt: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    match num("abs", a[0])? {
        Num::Int(i) => Ok(rt
            .heap
            .int(i.checked_abs().ok_or(Fault::Overflow { who: "abs" })?)),
        Num::Float(x) => Ok(Value::float(x.abs())),
    }
}

/// `min`/`max`: exact when every argument is exact; one float makes the
/// result a float (R7RS inexact contagion), and a NaN argument makes it NaN.
fn extremum(
    rt: &mut Runtime,
    who: &'static str,
    a: &[Value],
    want_max: bool,
) -> Result<Value, Fault> {
    // One pass, nothing allocated (this runs for every `min`/`max`
    // call): the exact extremum and the inexact one side by side, the
    // arguments checked in order.
    let better = |x: f64, best: f64| (want_max && x > best) || (!want_max && x < best);
    let (mut exact, mut int_best, mut best) = (true, None::<i64>, f64::NAN);
    for (k, &v) in a.iter().enumerate() {
        let n = num(who, v)?;
        if let Num::Int(i) = n {
            int_best = Some(int_best.map_or(i, |b| if want_max { b.max(i) } else { b.min(i) }));
        } else {
            exact = false;
        }
        let x = n.to_f64();
        if k == 0 {
            best = x;
        } else if x.is_nan() || best.is_nan() {
            best = f64::NAN;
        } else if better(x, best) {
            best = x;
        }
    }
    if let (true, Some(i)) = (exact, int_best) {
        return Ok(rt.heap.int(i));
    }
    Ok(Value::float(best))
}

pub fn min(rt: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    extremum(rt, "min", a, false)
}

pub fn max(rt: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    extremum(rt, "max", a, true)
}

/// A chained comparison. Every argument is type-checked, even after the
/// answer is known, so `(< 2 1 "x")` is an error as in most Schemes.
fn chain(op: CmpOp, a: &[Value]) -> Result<Value, Fault> {
    num(op.name(), a[0])?;
    let mut all = true;
    for w in a.windows(2) {
        all &= arith::compare(op, w[0], w[1])?;
    }
    Ok(Value::bool(all))
}

pub fn num_eq(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    chain(CmpOp::Eq, a)
}

pub fn num_lt(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    chain(CmpOp::Lt, a)
}

pub fn num_gt(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    chain(CmpOp::Gt, a)
}

pub fn num_le(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    chain(CmpOp::Le, a)
}

pub fn num_ge(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    chain(CmpOp::Ge, a)
}

/// The sign of a number: `Some(ordering against zero)`, `None` for NaN.
fn sign(who: &'static str, v: Value) -> Result<Option<std::cmp::Ordering>, Fault> {
    Ok(match num(who, v)? {
        Num::Int(i) => Some(i.cmp(&0)),
        Num::Float(x) => x.partial_cmp(&0.0),
    })
}

pub fn is_zero(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    Ok(Value::bool(
        sign("zero?", a[0])? == Some(std::cmp::Ordering::Equal),
    ))
}

pub fn is_positive(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    Ok(Value::bool(
        sign("positive?", a[0])? == Some(std::cmp::Ordering::Greater),
    ))
}

pub fn is_negative(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    Ok(Value::bool(
        sign("negative?", a[0])? == Some(std::cmp::Ordering::Less),
    ))
}

fn is_even_num(who: &'static str, v: Value) -> Result<bool, Fault> {
    Ok(match integral(who, v)? {
        Num::Int(i) => i % 2 == 0,
        Num::Float(x) => x % 2.0 == 0.0,
    })
}

pub fn is_even(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    Ok(Value::bool(is_even_num("even?", a[0])?))
}

pub fn is_odd(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    Ok(Value::bool(!is_even_num("odd?", a[0])?))
}

pub fn square(rt: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    num("square", a[0])?;
    arith::arith(&mut rt.heap, ArithOp::Mul, a[0], a[0]).map_err(|f| match f {
        Fault::Overflow { .. } => Fault::Overflow { who: "square" },
        f => f,
    })
}

/// The magnitudes of `gcd`/`lcm` arguments, and whether any was a float
/// (which makes the result a float, as for the other integer operations).
fn magnitudes(who: &'static str, a: &[Value]) -> Result<(Vec<u64>, bool), Fault> {
    let mut inexact = false;
    let mut out = Vec::with_capacity(a.len());
    for &v in a {
        match integral(who, v)? {
            Num::Int(i) => out.push(i.unsigned_abs()),
            Num::Float(x) if x.abs() <= u64::MAX as f64 => {
                inexact = true;
                out.push(x.abs() as u64);
            }
            Num::Float(_) => return Err(Fault::Overflow { who }),
        }
    }
    Ok((out, inexact))
}

fn gcd_u64(mut x: u64, mut y: u64) -> u64 {
    while y != 0 {
        (x, y) = (y, x % y);
    }
    x
}

fn integer_result(
    rt: &mut Runtime,
    who: &'static str,
    n: u64,
    inexact: bool,
) -> Result<Value, Fault> {
    if inexact {
        return Ok(Value::float(n as f64));
    }
    Ok(rt
        .heap
        .int(i64::try_from(n).map_err(|_| Fault::Overflow { who })?))
}

pub fn gcd(rt: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    let (ns, inexact) = magnitudes("gcd", a)?;
    let g = ns.into_iter().fold(0, gcd_u64);
    integer_result(rt, "gcd", g, inexact)
}

pub fn lcm(rt: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    let (ns, inexact) = magnitudes("lcm", a)?;
    let mut l: u64 = 1;
    for n in ns {
        if n == 0 {
            return integer_result(rt, "lcm", 0, inexact);
        }
        l = (l / gcd_u64(l, n))
            .checked_mul(n)
            .ok_or(Fault::Overflow { who: "lcm" })?;
    }
    integer_result(rt, "lcm", l, inexact)
}

pub fn is_exact_integer(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    Ok(Value::bool(a[0].is_integer()))
}

pub fn is_exact(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    Ok(Value::bool(matches!(num("exact?", a[0])?, Num::Int(_))))
}

pub fn is_inexact(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    Ok(Value::bool(matches!(num("inexact?", a[0])?, Num::Float(_))))
}

/// A float test that is false for every exact integer.
fn float_test(
    who: &'static str,
    v: Value,
    test: fn(f64) -> bool,
    int: bool,
) -> Result<Value, Fault> {
    Ok(Value::bool(match num(who, v)? {
        Num::Int(_) => int,
        Num::Float(x) => test(x),
    }))
}

pub fn is_nan(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    float_test("nan?", a[0], f64::is_nan, false)
}

pub fn is_infinite(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    float_test("infinite?", a[0], f64::is_infinite, false)
}

pub fn is_finite(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    float_test("finite?", a[0], f64::is_finite, true)
}

#[cfg(test)]
mod tests {
    use super::super::testing::{call, check, rt};
    use super::*;

    #[test]
    fn variadic_arithmetic_and_identities() {
        check(&[
            ("+", "", "0"),
            ("*", "", "1"),
            ("+", "1 2 3", "6"),
            ("+", "1 2.5", "3.5"),
            ("+", "-0.0", "-0.0"),
            ("-", "5", "-5"),
            ("-", "0.0", "-0.0"),
            ("-", "10 1 2", "7"),
            ("*", "2 3 4", "24"),
            ("*", "2 0.5", "1.0"),
            ("+", "1 \"a\"", "error: +: expected a number, got \"a\""),
            ("+", "x", "error: +: expected a number, got x"),
        ]);
    }

    #[test]
    fn overflow_is_a_fault_never_a_wrap() {
        check(&[
            ("+", "9223372036854775807 1", "error: integer overflow in +"),
            ("*", "4611686018427387904 2", "error: integer overflow in *"),
            (
                "-",
                "-9223372036854775807 2",
                "error: integer overflow in -",
            ),
            ("-", "-9223372036854775807 1", "-9223372036854775808"),
            ("abs", "-9223372036854775807", "9223372036854775807"),
            ("square", "3037000500", "error: integer overflow in square"),
            ("square", "-3", "9"),
            ("/", "-9223372036854775807 -1", "9223372036854775807"),
            ("+", "1125899906842623 1", "1125899906842624"), // leaves the inline range
        ]);
    }

    #[test]
    fn negation_and_abs_of_the_minimum_overflow() {
        let mut rt = rt();
        let min = rt.heap.int(i64::MIN);
        let minus_one = Value::int_unchecked(-1);
        for name in ["-", "abs"] {
            let r = call(&mut rt, name, &[min]);
            assert!(matches!(r, Err(Fault::Overflow { .. })), "{name}");
        }
        let r = call(&mut rt, "quotient", &[min, minus_one]);
        assert!(matches!(r, Err(Fault::Overflow { who: "quotient" })));
        let r = call(&mut rt, "/", &[min, minus_one]);
        assert!(matches!(r, Err(Fault::Overflow { who: "/" })));
        assert_eq!(
            call(&mut rt, "modulo", &[min, minus_one]).unwrap().as_i64(),
            Some(0)
        );
        assert_eq!(
            call(&mut rt, "remainder", &[min, minus_one])
                .unwrap()
                .as_i64(),
            Some(0)
        );
    }

    #[test]
    fn division_is_exact_when_it_can_be() {
        check(&[
            ("/", "6 3", "2"),
            ("/", "7 2", "3.5"),
            ("/", "2", "0.5"),
            ("/", "-1", "-1"),
            ("/", "12 2 3", "2"),
            ("/", "1 0", "error: /: division by zero"),
            ("/", "0", "error: /: division by zero"),
            ("/", "1.0 0", "+inf.0"),
            ("/", "-1 0.0", "-inf.0"),
            ("/", "0 0.0", "+nan.0"),
            ("/", "6.0 3", "2.0"),
        ]);
    }

    #[test]
    fn integer_division_follows_r7rs_signs() {
        check(&[
            ("quotient", "7 2", "3"),
            ("quotient", "-7 2", "-3"),
            ("quotient", "7 -2", "-3"),
            ("remainder", "7 2", "1"),
            ("remainder", "-7 2", "-1"),
            ("remainder", "7 -2", "1"),
            ("remainder", "-7 -2", "-1"),
            ("modulo", "7 2", "1"),
            ("modulo", "-7 2", "1"),
            ("modulo", "7 -2", "-1"),
            ("modulo", "-7 -2", "-1"),
            ("modulo", "6 -3", "0"),
            ("modulo", "-7.0 2", "1.0"),
            ("quotient", "-7.0 2", "-3.0"),
            ("remainder", "7 -2.0", "1.0"),
            ("quotient", "1 0", "error: quotient: division by zero"),
            ("modulo", "1.0 0.0", "error: modulo: division by zero"),
            (
                "remainder",
                "1.5 1",
                "error: remainder: expected an integer, got 1.5",
            ),
            (
                "modulo",
                "+inf.0 1",
                "error: modulo: expected an integer, got +inf.0",
            ),
        ]);
    }

    #[test]
    fn min_and_max_are_contagious() {
        check(&[
            ("max", "1 3 2", "3"),
            ("min", "1 3 2", "1"),
            ("max", "1 2.0", "2.0"),
            ("max", "3 2.0", "3.0"),
            ("min", "1 2.0", "1.0"),
            ("min", "5", "5"),
            ("max", "1 +nan.0 2", "+nan.0"),
            ("max", "1 a", "error: max: expected a number, got a"),
        ]);
    }

    #[test]
    fn comparisons_chain_and_check_every_argument() {
        check(&[
            ("<", "1 2 3", "#t"),
            ("<", "1 3 2", "#f"),
            ("<=", "1 1 2", "#t"),
            (">", "3 2 1", "#t"),
            (">=", "3 3 4", "#f"),
            ("=", "1 1.0 1", "#t"),
            ("=", "1", "#t"),
            ("=", "+nan.0 +nan.0", "#f"),
            ("<", "1 2.5", "#t"),
            ("<", "2 1 \"x\"", "error: <: expected a number, got \"x\""),
            ("=", "a", "error: =: expected a number, got a"),
            // Exact against float, beyond 2^53: not rounded first.
            ("=", "9007199254740993 9007199254740992.0", "#f"),
        ]);
    }

    #[test]
    fn numeric_predicates() {
        check(&[
            ("zero?", "0", "#t"),
            ("zero?", "-0.0", "#t"),
            ("zero?", "+nan.0", "#f"),
            ("positive?", "0", "#f"),
            ("positive?", "+inf.0", "#t"),
            ("negative?", "-0.0", "#f"),
            ("negative?", "-1", "#t"),
            ("even?", "0", "#t"),
            ("even?", "-3", "#f"),
            ("odd?", "-3", "#t"),
            ("odd?", "4.0", "#f"),
            ("even?", "1.5", "error: even?: expected an integer, got 1.5"),
            ("zero?", "()", "error: zero?: expected a number, got ()"),
            ("exact-integer?", "5", "#t"),
            ("exact-integer?", "5.0", "#f"),
            ("exact-integer?", "\"5\"", "#f"),
            ("exact?", "5", "#t"),
            ("inexact?", "5.0", "#t"),
            ("exact?", "a", "error: exact?: expected a number, got a"),
            ("nan?", "+nan.0", "#t"),
            ("nan?", "1", "#f"),
            ("infinite?", "-inf.0", "#t"),
            ("finite?", "+inf.0", "#f"),
            ("finite?", "7", "#t"),
        ]);
    }

    #[test]
    fn gcd_and_lcm() {
        check(&[
            ("gcd", "", "0"),
            ("lcm", "", "1"),
            ("gcd", "12 18", "6"),
            ("gcd", "-12 18", "6"),
            ("gcd", "0 5", "5"),
            ("gcd", "12.0 18", "6.0"),
            ("lcm", "4 6", "12"),
            ("lcm", "-4 6", "12"),
            ("lcm", "4 0", "0"),
            (
                "lcm",
                "4611686018427387904 3",
                "error: integer overflow in lcm",
            ),
            ("gcd", "1.5 2", "error: gcd: expected an integer, got 1.5"),
        ]);
    }
}
