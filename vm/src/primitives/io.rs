//! Output primitives (io effects).

use super::Fault;
use crate::printer::Mode;
use crate::runtime::Runtime;
use crate::value::Value;

fn emit(rt: &mut Runtime, v: Value, mode: Mode) {
    rt.print(v, mode);
}

pub fn display(rt: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    emit(rt, a[0], Mode::Display);
    Ok(Value::UNSPECIFIED)
}

pub fn write(rt: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    emit(rt, a[0], Mode::Write);
    Ok(Value::UNSPECIFIED)
}

pub fn newline(rt: &mut Runtime, _: &[Value]) -> Result<Value, Fault> {
    rt.out.write_str("\n");
    Ok(Value::UNSPECIFIED)
}

pub fn print(rt: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    emit(rt, a[0], Mode::Display);
    rt.out.write_str("\n");
    Ok(Value::UNSPECIFIED)
}
