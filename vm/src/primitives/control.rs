//! Equality, `not`, and raising errors.

use super::Fault;
use crate::equal::{equal, eqv};
use crate::runtime::Runtime;
use crate::value::Value;

pub fn is_eq(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    Ok(Value::bool(a[0] == a[1]))
}

pub fn is_eqv(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    Ok(Value::bool(eqv(a[0], a[1])))
}

pub fn is_equal(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    Ok(Value::bool(equal(a[0], a[1])))
}

pub fn not(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    Ok(Value::bool(a[0] == Value::FALSE))
}

/// `(error msg irritant...)`: raises a new error object.
pub fn error(rt: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    let irritants = rt.heap.list(&a[1..]);
    Err(Fault::Raise(rt.heap.error_obj(a[0], irritants)))
}

pub fn raise(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    Err(Fault::Raise(a[0]))
}
