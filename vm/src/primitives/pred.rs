//! Type predicates and the error-object accessors.
//!
//! Predicates accept any value and never fault. The numeric tower is R7RS's
//! as far as Fluent has it: every number is real; `integer?` is also true of
//! integral floats; `rational?` is false only for infinities and NaN; and
//! `float?` (Fluent's own) is true of floats, integral or not.

use super::Fault;
use crate::heap::{ErrorObj, Kind};
use crate::runtime::Runtime;
use crate::value::Value;

pub fn is_number(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    Ok(Value::bool(a[0].is_number()))
}

pub fn is_integer(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    let v = a[0];
    Ok(Value::bool(
        v.is_integer()
            || v.as_float()
                .is_some_and(|x| x.is_finite() && x.fract() == 0.0),
    ))
}

pub fn is_float(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    Ok(Value::bool(a[0].is_float()))
}

pub fn is_real(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    Ok(Value::bool(a[0].is_number()))
}

pub fn is_rational(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    let v = a[0];
    Ok(Value::bool(
        v.is_integer() || v.as_float().is_some_and(f64::is_finite),
    ))
}

pub fn is_string(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    Ok(Value::bool(a[0].kind() == Some(Kind::Str)))
}

pub fn is_symbol(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    Ok(Value::bool(a[0].as_symbol().is_some()))
}

pub fn is_keyword(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    Ok(Value::bool(a[0].as_keyword().is_some()))
}

pub fn is_procedure(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    Ok(Value::bool(a[0].is_procedure()))
}

pub fn is_boolean(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    Ok(Value::bool(a[0].is_bool()))
}

pub fn is_char(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    Ok(Value::bool(a[0].as_char().is_some()))
}

pub fn is_vector(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    Ok(Value::bool(a[0].kind() == Some(Kind::Vector)))
}

pub fn is_map(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    Ok(Value::bool(a[0].kind() == Some(Kind::Map)))
}

pub fn is_tagged(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    Ok(Value::bool(a[0].kind() == Some(Kind::Tagged)))
}

/// `(boolean=? a b ...)`: every argument must be a boolean (R7RS).
pub fn boolean_eq(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    if let Some(&bad) = a.iter().find(|v| !v.is_bool()) {
        return Err(Fault::Type {
            who: "boolean=?",
            expected: "a boolean",
            got: bad,
        });
    }
    Ok(Value::bool(a.windows(2).all(|w| w[0] == w[1])))
}

/// True for the objects `error` makes and for caught run-time faults.
pub fn is_error_object(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    Ok(Value::bool(a[0].kind() == Some(Kind::Error)))
}

fn error_object(who: &'static str, v: Value) -> Result<crate::heap::Gc<ErrorObj>, Fault> {
    v.get::<ErrorObj>().ok_or(Fault::Type {
        who,
        expected: "an error object",
        got: v,
    })
}

pub fn error_object_message(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    Ok(error_object("error-object-message", a[0])?.message)
}

pub fn error_object_irritants(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    Ok(error_object("error-object-irritants", a[0])?.irritants)
}

#[cfg(test)]
mod tests {
    use super::super::testing::{args, call, check, outcome, rt};
    use super::*;
    use crate::symbol::Symbol;

    /// The results of `pred` over samples of every kind of value, as a
    /// string of 0s and 1s.
    fn profile(rt: &mut Runtime, pred: &str, samples: &[Value]) -> String {
        samples
            .iter()
            .map(|&v| {
                if call(rt, pred, &[v]).unwrap().is_true() {
                    '1'
                } else {
                    '0'
                }
            })
            .collect()
    }

    #[test]
    fn predicates_over_every_kind_of_value() {
        let mut rt = rt();
        // 1 2.0 2.5 +inf.0 "s" sym :kw #t #\c #(1) (1) () big map tagged car error
        let mut s = args(
            &mut rt,
            "1 2.0 2.5 +inf.0 \"s\" sym :kw #t #\\c #(1) (1) ()",
        );
        s.push(rt.heap.int(i64::MAX));
        s.push(rt.heap.map(Default::default()));
        s.push(rt.heap.tagged(Symbol::intern("Some"), &[Value::TRUE]));
        s.push(Value::prim(crate::primitives::lookup("car").unwrap()));
        let msg = rt.heap.string("boom");
        s.push(rt.heap.error_obj(msg, Value::NIL));
        let cases = [
            ("number?", "11110000000010000"),
            ("integer?", "11000000000010000"),
            ("float?", "01110000000000000"),
            ("real?", "11110000000010000"),
            ("rational?", "11100000000010000"),
            ("string?", "00001000000000000"),
            ("symbol?", "00000100000000000"),
            ("keyword?", "00000010000000000"),
            ("boolean?", "00000001000000000"),
            ("char?", "00000000100000000"),
            ("vector?", "00000000010000000"),
            ("map?", "00000000000001000"),
            ("tagged?", "00000000000000100"),
            ("procedure?", "00000000000000010"),
            ("error-object?", "00000000000000001"),
        ];
        for (pred, want) in cases {
            assert_eq!(profile(&mut rt, pred, &s), want, "{pred}");
        }
        assert_eq!(profile(&mut rt, "integer?", &[Value::float(f64::NAN)]), "0");
    }

    #[test]
    fn boolean_equality() {
        check(&[
            ("boolean=?", "#t #t", "#t"),
            ("boolean=?", "#f #f #f", "#t"),
            ("boolean=?", "#t #f", "#f"),
            (
                "boolean=?",
                "#t 1",
                "error: boolean=?: expected a boolean, got 1",
            ),
        ]);
    }

    #[test]
    fn error_object_accessors() {
        let mut rt = rt();
        let a = args(&mut rt, "\"bad thing:\" 1 (2)");
        let r = call(&mut rt, "error", &a);
        let Err(Fault::Raise(e)) = r else {
            panic!("error raises")
        };
        assert_eq!(call(&mut rt, "error-object?", &[e]).unwrap(), Value::TRUE);
        let m = call(&mut rt, "error-object-message", &[e]);
        assert_eq!(outcome(&rt, m), "\"bad thing:\"");
        let i = call(&mut rt, "error-object-irritants", &[e]);
        assert_eq!(outcome(&rt, i), "(1 (2))");
        check(&[
            (
                "error-object-message",
                "5",
                "error: error-object-message: expected an error object, got 5",
            ),
            (
                "error-object-irritants",
                "()",
                "error: error-object-irritants: expected an error object, got ()",
            ),
            ("error-object?", "\"x\"", "#f"),
        ]);
    }
}
