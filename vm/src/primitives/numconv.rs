//! Numeric conversions: exactness, rounding, roots and powers, the
//! transcendental functions, and numbers to and from text.
//!
//! Fluent has exact 64-bit integers and floats, no rationals: where R7RS
//! would give an exact rational, the result is a float, and converting a
//! non-integral float to an exact number is an error.

use super::{Fault, args};
use crate::arith::{Num, num};
use crate::runtime::Runtime;
use crate::value::Value;
use fluent_syntax::floatfmt::format_float;
use fluent_syntax::{DatumKind, read_all};

fn to_inexact(who: &'static str, v: Value) -> Result<Value, Fault> {
    Ok(Value::float(num(who, v)?.to_f64()))
}

pub fn exact_to_inexact(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    to_inexact("exact->inexact", a[0])
}

pub fn inexact(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    to_inexact("inexact", a[0])
}

/// The exact integer equal to `v`.
fn to_exact(rt: &mut Runtime, who: &'static str, v: Value) -> Result<Value, Fault> {
    let x = match num(who, v)? {
        Num::Int(_) => return Ok(v),
        Num::Float(x) => x,
    };
    if !x.is_finite() {
        return Err(Fault::Msg(format!(
            "{who}: {} has no exact representation",
            format_float(x)
        )));
    }
    if x.fract() != 0.0 {
        return Err(Fault::Msg(format!(
            "{who}: {} has no exact representation (exact numbers are integers)",
            format_float(x)
        )));
    }
    // -2^63 is representable; 2^63 is the first float past i64::MAX.
    if !(-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&x) {
        return Err(Fault::Overflow { who });
    }
    Ok(rt.heap.int(x as i64))
}

pub fn inexact_to_exact(rt: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    to_exact(rt, "inexact->exact", a[0])
}

pub fn exact(rt: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    to_exact(rt, "exact", a[0])
}

/// Integers are already rounded; floats round to floats.
fn rounding(who: &'static str, v: Value, f: fn(f64) -> f64) -> Result<Value, Fault> {
    match num(who, v)? {
        Num::Int(_) => Ok(v),
        Num::Float(x) => Ok(Value::float(f(x))),
    }
}

pub fn floor(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    rounding("floor", a[0], f64::floor)
}

pub fn ceiling(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    rounding("ceiling", a[0], f64::ceil)
}

/// R7RS rounds half-way cases to even: `(round 2.5)` is `2.0`.
pub fn round(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    rounding("round", a[0], f64::round_ties_even)
}

pub fn truncate(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    rounding("truncate", a[0], f64::trunc)
}

/// Exact for exact perfect squares; otherwise a float. Fluent has no
/// complex numbers, so the root of a negative number is `+nan.0`.
pub fn sqrt(rt: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    match num("sqrt", a[0])? {
        Num::Int(i) if i >= 0 => {
            let r = i.isqrt();
            if r * r == i {
                Ok(rt.heap.int(r))
            } else {
                Ok(Value::float((i as f64).sqrt()))
            }
        }
        n => Ok(Value::float(n.to_f64().sqrt())),
    }
}

/// `(expt b e)`: exact for an exact base and a non-negative exact
/// exponent (overflow is an error), a float otherwise.
pub fn expt(rt: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    const WHO: &str = "expt";
    match (num(WHO, a[0])?, num(WHO, a[1])?) {
        (Num::Int(b), Num::Int(e)) if e >= 0 => {
            let r = match (b, u32::try_from(e)) {
                (_, Ok(e)) => b.checked_pow(e),
                // Huge exponents: only these bases stay in range.
                (0 | 1, Err(_)) => Some(b),
                (-1, Err(_)) => Some(if e % 2 == 0 { 1 } else { -1 }),
                (_, Err(_)) => None,
            };
            Ok(rt.heap.int(r.ok_or(Fault::Overflow { who: WHO })?))
        }
        (b, Num::Int(e)) => Ok(Value::float(b.to_f64().powf(e as f64))),
        (b, e) => Ok(Value::float(b.to_f64().powf(e.to_f64()))),
    }
}

fn float_fn(who: &'static str, v: Value, f: fn(f64) -> f64) -> Result<Value, Fault> {
    Ok(Value::float(f(num(who, v)?.to_f64())))
}

pub fn exp(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    float_fn("exp", a[0], f64::exp)
}

/// `(log z)` is the natural logarithm; `(log z b)` the logarithm base `b`.
pub fn log(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    let z = num("log", a[0])?.to_f64();
    match a.get(1) {
        None => Ok(Value::float(z.ln())),
        Some(&b) => Ok(Value::float(z.ln() / num("log", b)?.to_f64().ln())),
    }
}

pub fn sin(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    float_fn("sin", a[0], f64::sin)
}

pub fn cos(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    float_fn("cos", a[0], f64::cos)
}

pub fn tan(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    float_fn("tan", a[0], f64::tan)
}

pub fn asin(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    float_fn("asin", a[0], f64::asin)
}

pub fn acos(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    float_fn("acos", a[0], f64::acos)
}

/// `(atan y)`, or `(atan y x)`: the angle of the point `(x, y)`.
pub fn atan(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    let y = num("atan", a[0])?.to_f64();
    match a.get(1) {
        None => Ok(Value::float(y.atan())),
        Some(&x) => Ok(Value::float(y.atan2(num("atan", x)?.to_f64()))),
    }
}

/// The optional radix argument: 2, 8, 10 or 16.
fn radix(who: &'static str, a: &[Value]) -> Result<u32, Fault> {
    let Some(&v) = a.get(1) else { return Ok(10) };
    match args::int(who, v)? {
        r @ (2 | 8 | 10 | 16) => Ok(r as u32),
        r => Err(Fault::Msg(format!(
            "{who}: radix must be 2, 8, 10 or 16, got {r}"
        ))),
    }
}

pub fn number_to_string(rt: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    const WHO: &str = "number->string";
    let radix = radix(WHO, a)?;
    let text = match num(WHO, a[0])? {
        Num::Float(x) if radix == 10 => format_float(x),
        Num::Float(_) => {
            return Err(Fault::Msg(format!(
                "{WHO}: floats are written in radix 10 only"
            )));
        }
        Num::Int(i) => {
            let m = i.unsigned_abs();
            let digits = match radix {
                2 => format!("{m:b}"),
                8 => format!("{m:o}"),
                16 => format!("{m:x}"),
                _ => m.to_string(),
            };
            if i < 0 { format!("-{digits}") } else { digits }
        }
    };
    Ok(rt.heap.string(&text))
}

/// The number `text` denotes in the reader's syntax, exactly as a literal
/// in source would read (`42`, `-1.5e3`, `0x1F`, `#b101`, `+inf.0`).
fn read_number(text: &str) -> Option<DatumKind> {
    let data = read_all(text).ok()?;
    let [d] = data.as_slice() else { return None };
    // The datum must span the whole text: no whitespace or comments around.
    if d.span.start != 0 || d.span.end as usize != text.len() {
        return None;
    }
    match d.kind {
        DatumKind::Int(_) | DatumKind::Float(_) => Some(d.kind.clone()),
        _ => None,
    }
}

/// An optionally signed integer in `radix` (not 10); `None` when the text
/// is not one or does not fit in 64 bits.
fn read_radix_int(text: &str, radix: u32) -> Option<i64> {
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    i64::from_str_radix(text, radix).ok()
}

/// `#f` for text that is not a number, as R7RS requires (never an error).
pub fn string_to_number(rt: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    const WHO: &str = "string->number";
    let s = args::string(WHO, a[0])?;
    let text = s.as_str();
    let radix = radix(WHO, a)?;
    // An explicit `#x`-style prefix overrides the radix argument (R7RS).
    let parsed = if radix == 10 || text.starts_with('#') {
        read_number(text)
    } else {
        read_radix_int(text, radix).map(DatumKind::Int)
    };
    Ok(match parsed {
        Some(DatumKind::Int(i)) => rt.heap.int(i),
        Some(DatumKind::Float(x)) => Value::float(x),
        _ => Value::FALSE,
    })
}

#[cfg(test)]
mod tests {
    use super::super::testing::check;

    #[test]
    fn exactness_conversions() {
        check(&[
            ("exact->inexact", "3", "3.0"),
            ("inexact", "2.5", "2.5"),
            ("inexact->exact", "3.0", "3"),
            ("exact", "-0.0", "0"),
            ("exact", "7", "7"),
            ("exact", "-9223372036854775808.0", "-9223372036854775808"),
            (
                "exact",
                "9223372036854775808.0",
                "error: integer overflow in exact",
            ),
            (
                "inexact->exact",
                "1.5",
                "error: inexact->exact: 1.5 has no exact representation (exact numbers are integers)",
            ),
            (
                "exact",
                "+nan.0",
                "error: exact: +nan.0 has no exact representation",
            ),
            (
                "exact",
                "-inf.0",
                "error: exact: -inf.0 has no exact representation",
            ),
            (
                "inexact",
                "\"1\"",
                "error: inexact: expected a number, got \"1\"",
            ),
        ]);
    }

    #[test]
    fn rounding_keeps_exactness_and_rounds_half_to_even() {
        check(&[
            ("round", "2.5", "2.0"),
            ("round", "3.5", "4.0"),
            ("round", "-2.5", "-2.0"),
            ("round", "0.5", "0.0"),
            ("round", "2.6", "3.0"),
            ("round", "7", "7"),
            ("floor", "-1.5", "-2.0"),
            ("floor", "5", "5"),
            ("ceiling", "1.2", "2.0"),
            ("truncate", "-1.7", "-1.0"),
            ("truncate", "+inf.0", "+inf.0"),
            ("floor", "x", "error: floor: expected a number, got x"),
        ]);
    }

    #[test]
    fn roots_and_powers() {
        check(&[
            ("sqrt", "16", "4"),
            ("sqrt", "0", "0"),
            ("sqrt", "2", "1.4142135623730951"),
            ("sqrt", "16.0", "4.0"),
            ("sqrt", "-4", "+nan.0"),
            ("sqrt", "9223372036854775807", "3037000499.97605"),
            ("expt", "2 10", "1024"),
            ("expt", "0 0", "1"),
            ("expt", "0.0 0", "1.0"),
            ("expt", "-2 3", "-8"),
            ("expt", "2 -1", "0.5"),
            ("expt", "2 0.5", "1.4142135623730951"),
            ("expt", "2.0 3", "8.0"),
            ("expt", "2 63", "error: integer overflow in expt"),
            ("expt", "2 62", "4611686018427387904"),
            ("expt", "-1 9999999999", "-1"),
            ("expt", "1 9999999999", "1"),
            ("expt", "3 9999999999", "error: integer overflow in expt"),
        ]);
    }

    #[test]
    fn transcendental_functions_give_floats() {
        check(&[
            ("exp", "0", "1.0"),
            ("log", "1", "0.0"),
            ("log", "8 2", "3.0"),
            ("log", "0", "-inf.0"),
            ("sin", "0", "0.0"),
            ("cos", "0", "1.0"),
            ("tan", "0", "0.0"),
            ("asin", "1", "1.5707963267948966"),
            ("acos", "1", "0.0"),
            ("atan", "1", "0.7853981633974483"),
            ("atan", "1 -1", "2.356194490192345"),
            ("atan", "0 -1", "3.141592653589793"),
            ("sin", "a", "error: sin: expected a number, got a"),
        ]);
    }

    #[test]
    fn number_to_string_in_radixes() {
        check(&[
            ("number->string", "42", "\"42\""),
            ("number->string", "-255 16", "\"-ff\""),
            ("number->string", "5 2", "\"101\""),
            ("number->string", "8 8", "\"10\""),
            (
                "number->string",
                "-9223372036854775808 16",
                "\"-8000000000000000\"",
            ),
            ("number->string", "2.5", "\"2.5\""),
            ("number->string", "3.0", "\"3.0\""),
            ("number->string", "1e21", "\"1e+21\""),
            ("number->string", "+nan.0", "\"+nan.0\""),
            (
                "number->string",
                "1 3",
                "error: number->string: radix must be 2, 8, 10 or 16, got 3",
            ),
            (
                "number->string",
                "1.5 2",
                "error: number->string: floats are written in radix 10 only",
            ),
            (
                "number->string",
                "\"1\"",
                "error: number->string: expected a number, got \"1\"",
            ),
        ]);
    }

    #[test]
    fn string_to_number_accepts_exactly_the_reader_syntax() {
        check(&[
            ("string->number", "\"42\"", "42"),
            ("string->number", "\"-7\"", "-7"),
            ("string->number", "\"+5\"", "5"),
            ("string->number", "\"1.5e3\"", "1500.0"),
            ("string->number", "\".5\"", "0.5"),
            ("string->number", "\"1.\"", "1.0"),
            ("string->number", "\"0x1F\"", "31"),
            ("string->number", "\"#b101\"", "5"),
            ("string->number", "\"+inf.0\"", "+inf.0"),
            ("string->number", "\"-nan.0\"", "+nan.0"),
            (
                "string->number",
                "\"9223372036854775807\"",
                "9223372036854775807",
            ),
            ("string->number", "\"9223372036854775808\"", "#f"),
            ("string->number", "\"\"", "#f"),
            ("string->number", "\" 42\"", "#f"),
            ("string->number", "\"42 \"", "#f"),
            ("string->number", "\"4 2\"", "#f"),
            ("string->number", "\"42;c\"", "#f"),
            ("string->number", "\"abc\"", "#f"),
            ("string->number", "\"1e\"", "#f"),
            ("string->number", "\"'1\"", "#f"),
            ("string->number", "\"(1)\"", "#f"),
            ("string->number", "\"#t\"", "#f"),
            ("string->number", "\"(\"", "#f"),
            ("string->number", "\"inf.0\"", "#f"),
            ("string->number", "\"ff\" 16", "255"),
            ("string->number", "\"-FF\" 16", "-255"),
            ("string->number", "\"101\" 2", "5"),
            ("string->number", "\"102\" 2", "#f"),
            ("string->number", "\"17\" 8", "15"),
            ("string->number", "\"#xff\" 2", "255"),
            ("string->number", "\"1.5\" 16", "#f"),
            ("string->number", "\"-\" 16", "#f"),
            (
                "string->number",
                "\"10\" 7",
                "error: string->number: radix must be 2, 8, 10 or 16, got 7",
            ),
            (
                "string->number",
                "42",
                "error: string->number: expected a string, got 42",
            ),
        ]);
    }
}
