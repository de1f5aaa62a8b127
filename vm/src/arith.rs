//! Binary arithmetic and comparison on numbers: the slow paths behind the
//! interpreter's (and the JIT's) inline int/float fast paths, and the
//! building blocks of the numeric primitives.
//!
//! Integers are exact 64-bit: a result outside i64 is a `Fault::Overflow`,
//! never a wrap-around. Mixed int/float operands convert the int to float
//! (R7RS inexact contagion).

use crate::heap::Heap;
use crate::primitives::Fault;
use crate::value::Value;

/// A number, decoded.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Num {
    Int(i64),
    Float(f64),
}

impl Num {
    pub fn of(v: Value) -> Option<Num> {
        if let Some(x) = v.as_float() {
            Some(Num::Float(x))
        } else {
            v.as_i64().map(Num::Int)
        }
    }

    pub fn to_f64(self) -> f64 {
        match self {
            Num::Int(i) => i as f64,
            Num::Float(x) => x,
        }
    }

    pub fn into_value(self, heap: &mut Heap) -> Value {
        match self {
            Num::Int(i) => heap.int(i),
            Num::Float(x) => Value::float(x),
        }
    }
}

/// The decoded number, or a type fault naming `who`.
pub fn num(who: &'static str, v: Value) -> Result<Num, Fault> {
    Num::of(v).ok_or(Fault::Type {
        who,
        expected: "a number",
        got: v,
    })
}

/// The binary arithmetic operators with exact-integer overflow checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArithOp {
    Add,
    Sub,
    Mul,
}

impl ArithOp {
    pub fn name(self) -> &'static str {
        match self {
            ArithOp::Add => "+",
            ArithOp::Sub => "-",
            ArithOp::Mul => "*",
        }
    }
}

/// `a op b` on any two numbers.
pub fn arith(heap: &mut Heap, op: ArithOp, a: Value, b: Value) -> Result<Value, Fault> {
    let who = op.name();
    let r = match (num(who, a)?, num(who, b)?) {
        (Num::Int(x), Num::Int(y)) => {
            let r = match op {
                ArithOp::Add => x.checked_add(y),
                ArithOp::Sub => x.checked_sub(y),
                ArithOp::Mul => x.checked_mul(y),
            };
            Num::Int(r.ok_or(Fault::Overflow { who })?)
        }
        (x, y) => {
            let (x, y) = (x.to_f64(), y.to_f64());
            Num::Float(match op {
                ArithOp::Add => x + y,
                ArithOp::Sub => x - y,
                ArithOp::Mul => x * y,
            })
        }
    };
    Ok(r.into_value(heap))
}

/// The numeric comparisons.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CmpOp {
    pub fn name(self) -> &'static str {
        match self {
            CmpOp::Eq => "=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }

    #[inline(always)]
    pub fn test<T: PartialOrd>(self, a: T, b: T) -> bool {
        match self {
            CmpOp::Eq => a == b,
            CmpOp::Lt => a < b,
            CmpOp::Le => a <= b,
            CmpOp::Gt => a > b,
            CmpOp::Ge => a >= b,
        }
    }
}

/// `a op b` on any two numbers. Int/int compares exactly; a mixed pair
/// compares exactly too (an i64 beyond 2^53 is not rounded first).
pub fn compare(op: CmpOp, a: Value, b: Value) -> Result<bool, Fault> {
    let who = op.name();
    Ok(match (num(who, a)?, num(who, b)?) {
        (Num::Int(x), Num::Int(y)) => op.test(x, y),
        (Num::Float(x), Num::Float(y)) => op.test(x, y),
        (Num::Int(x), Num::Float(y)) => cmp_int_float(op, x, y),
        (Num::Float(x), Num::Int(y)) => cmp_int_float(swap(op), y, x),
    })
}

fn swap(op: CmpOp) -> CmpOp {
    match op {
        CmpOp::Lt => CmpOp::Gt,
        CmpOp::Le => CmpOp::Ge,
        CmpOp::Gt => CmpOp::Lt,
        CmpOp::Ge => CmpOp::Le,
        CmpOp::Eq => CmpOp::Eq,
    }
}

fn cmp_int_float(op: CmpOp, x: i64, y: f64) -> bool {
    if y.is_nan() {
        return false;
    }
    // Compare in i128 when y is integral and in range; else the float order
    // decides without loss.
    if y.fract() == 0.0 && y.abs() < 1e19 {
        op.test(x as i128, y as i128)
    } else {
        op.test(x as f64, y)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::heap::GcConfig;

    #[test]
    fn int_overflow_is_a_fault_not_a_wrap() {
        let mut h = Heap::new(GcConfig::default());
        let max = h.int(i64::MAX);
        let one = Value::int_unchecked(1);
        assert!(matches!(
            arith(&mut h, ArithOp::Add, max, one),
            Err(Fault::Overflow { .. })
        ));
        let r = arith(&mut h, ArithOp::Sub, max, one).unwrap();
        assert_eq!(r.as_i64(), Some(i64::MAX - 1));
    }

    #[test]
    fn mixed_operands_become_float() {
        let mut h = Heap::new(GcConfig::default());
        let r = arith(
            &mut h,
            ArithOp::Mul,
            Value::int_unchecked(2),
            Value::float(1.5),
        )
        .unwrap();
        assert_eq!(r.as_float(), Some(3.0));
        assert!(compare(CmpOp::Lt, Value::int_unchecked(1), Value::float(1.5)).unwrap());
        assert!(!compare(CmpOp::Eq, Value::float(f64::NAN), Value::float(f64::NAN)).unwrap());
    }

    #[test]
    fn non_numbers_are_type_faults() {
        let mut h = Heap::new(GcConfig::default());
        let s = h.string("a");
        let e = arith(&mut h, ArithOp::Add, Value::int_unchecked(1), s).unwrap_err();
        assert!(matches!(e, Fault::Type { who: "+", .. }));
    }
}
