//! Calling primitives by name from unit tests, with arguments written as
//! Fluent data and results compared as printed text.

use super::{Fault, PrimImpl, info, lookup};
use crate::heap::{GcConfig, Heap};
use crate::printer::Mode;
use crate::runtime::{Output, Runtime};
use crate::value::Value;

pub fn rt() -> Runtime {
    Runtime::new(
        Heap::new(GcConfig::default()),
        Output::new(Box::new(std::io::sink())),
    )
}

/// The data of `src`, one argument per datum, as if each were quoted.
pub fn args(rt: &mut Runtime, src: &str) -> Vec<Value> {
    let data = fluent_syntax::read_all(src).expect("test arguments read");
    data.iter()
        .map(|d| crate::datum::datum_to_value(&mut rt.heap, d))
        .collect()
}

/// Calls the primitive `name`, checking its arity as the interpreter does.
pub fn call(rt: &mut Runtime, name: &str, a: &[Value]) -> Result<Value, Fault> {
    let p = info(lookup(name).unwrap_or_else(|| panic!("no primitive {name}")));
    assert!(
        p.accepts(a.len()),
        "{name} does not take {} arguments",
        a.len()
    );
    match p.imp {
        PrimImpl::Fn(f) => f(rt, a),
        PrimImpl::Apply | PrimImpl::Vm(_) => panic!("{name} is not a leaf primitive"),
    }
}

pub fn show(rt: &Runtime, v: Value) -> String {
    rt.show(v, Mode::Write)
}

/// A result as the user would see it: its `write` form, or
/// `error: <message>` for a fault.
pub fn outcome(rt: &Runtime, r: Result<Value, Fault>) -> String {
    match r {
        Ok(v) => show(rt, v),
        Err(f) => format!("error: {}", f.message(&|v| show(rt, v))),
    }
}

/// `name` applied to the data of `src`, as [`outcome`] shows it.
pub fn run(rt: &mut Runtime, name: &str, src: &str) -> String {
    let a = args(rt, src);
    let r = call(rt, name, &a);
    outcome(rt, r)
}

/// Checks a table of `(primitive, arguments, expected outcome)`.
pub fn check(cases: &[(&str, &str, &str)]) {
    let mut rt = rt();
    for &(name, src, want) in cases {
        let got = run(&mut rt, name, src);
        assert_eq!(got, want, "({name} {src})");
    }
}
