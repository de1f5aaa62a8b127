//! Binary arithmetic, integer division and comparison on numbers: the
//! slow paths behind the interpreter's (and the JIT's) inline int/float
//! fast paths, and the building blocks of the numeric primitives.
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

/// The decoded integer, or an integral float (R7RS `integer?`), or a type
/// fault naming `who`.
pub fn integral(who: &'static str, v: Value) -> Result<Num, Fault> {
    match Num::of(v) {
        Some(Num::Float(x)) if x.is_finite() && x.fract() == 0.0 => Ok(Num::Float(x)),
        Some(n @ Num::Int(_)) => Ok(n),
        _ => Err(Fault::Type {
            who,
            expected: "an integer",
            got: v,
        }),
    }
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

/// The integer divisions, with the R7RS signs: the quotient truncates,
/// the remainder has the dividend's sign, the modulo the divisor's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DivOp {
    Quotient,
    Remainder,
    Modulo,
}

impl DivOp {
    pub fn name(self) -> &'static str {
        match self {
            DivOp::Quotient => "quotient",
            DivOp::Remainder => "remainder",
            DivOp::Modulo => "modulo",
        }
    }

    /// `p op q` for `q` not zero. Only the quotient of `i64::MIN` by -1
    /// wraps (the remainder and modulo of those are 0, as they should be).
    #[inline(always)]
    fn wrapping(self, p: i64, q: i64) -> i64 {
        let r = p.wrapping_rem(q);
        match self {
            DivOp::Quotient => p.wrapping_div(q),
            DivOp::Modulo if r != 0 && (r < 0) != (q < 0) => r + q,
            DivOp::Remainder | DivOp::Modulo => r,
        }
    }
}

/// `a op b` on any two values (the primitives `quotient`, `remainder` and
/// `modulo`). Two inline integers with a nonzero divisor take the fast
/// path, which cannot overflow (inline integers have 51 bits); anything
/// else goes to the slow path.
#[inline(always)]
pub fn int_div(heap: &mut Heap, op: DivOp, a: Value, b: Value) -> Result<Value, Fault> {
    if Value::both_int(a, b) && b != Value::int_unchecked(0) {
        return Ok(heap.int(op.wrapping(a.as_int_unchecked(), b.as_int_unchecked())));
    }
    int_div_slow(heap, op, a, b)
}

/// [`int_div`] off its fast path: type checks, division by zero, big
/// integers and integral floats (any float operand makes the result a
/// float).
#[inline(never)]
fn int_div_slow(heap: &mut Heap, op: DivOp, a: Value, b: Value) -> Result<Value, Fault> {
    let who = op.name();
    let (x, y) = (integral(who, a)?, integral(who, b)?);
    if y.to_f64() == 0.0 {
        return Err(Fault::DivZero { who });
    }
    if let (Num::Int(p), Num::Int(q)) = (x, y) {
        if op == DivOp::Quotient && p.checked_div(q).is_none() {
            return Err(Fault::Overflow { who });
        }
        return Ok(heap.int(op.wrapping(p, q)));
    }
    let (p, q) = (x.to_f64(), y.to_f64());
    // `%` on f64 is fmod, exact for integral operands, with the dividend's sign.
    let r = p % q;
    Ok(Value::float(match op {
        DivOp::Quotient => (p - r) / q,
        DivOp::Remainder => r,
        DivOp::Modulo if r != 0.0 && (r < 0.0) != (q < 0.0) => r + q,
        DivOp::Modulo => r,
    }))
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

    /// R7RS `quotient`, `remainder` and `modulo` in i128, where nothing
    /// overflows.
    fn reference(op: DivOp, p: i64, q: i64) -> i128 {
        let (p, q) = (p as i128, q as i128);
        match op {
            DivOp::Quotient => p / q,
            DivOp::Remainder => p % q,
            DivOp::Modulo => p.rem_euclid(q) + if q < 0 && p % q != 0 { q } else { 0 },
        }
    }

    #[test]
    fn integer_division_matches_r7rs_on_and_off_the_fast_path() {
        use crate::value::{INLINE_INT_MAX, INLINE_INT_MIN};
        let mut h = Heap::new(GcConfig::default());
        let mut edges = vec![0, 1, -1, 2, -2, 7, -7, 10, -10, 65536, -65536, 3037000499];
        // Each side of the inline range's ends, and the ends of i64.
        for end in [INLINE_INT_MIN, INLINE_INT_MAX, i64::MIN + 1, i64::MAX - 1] {
            edges.extend([end - 1, end, end + 1]);
        }
        for op in [DivOp::Quotient, DivOp::Remainder, DivOp::Modulo] {
            for &p in &edges {
                for &q in &edges {
                    let (a, b) = (h.int(p), h.int(q));
                    let got = int_div(&mut h, op, a, b);
                    let want = match q {
                        0 => Err(Fault::DivZero { who: op.name() }),
                        _ => match i64::try_from(reference(op, p, q)) {
                            Ok(r) => Ok(r),
                            Err(_) => Err(Fault::Overflow { who: op.name() }),
                        },
                    };
                    match (got, want) {
                        (Ok(v), Ok(r)) => assert_eq!(v.as_i64(), Some(r), "{op:?} {p} {q}"),
                        (Err(f), Err(w)) => assert_eq!(format!("{f:?}"), format!("{w:?}")),
                        (got, want) => panic!("{op:?} {p} {q}: {got:?}, want {want:?}"),
                    }
                }
            }
        }
    }

    #[test]
    fn integer_division_of_floats_and_non_integers() {
        let mut h = Heap::new(GcConfig::default());
        let (i, f) = (Value::int_unchecked, Value::float);
        let r = int_div(&mut h, DivOp::Modulo, f(-7.0), i(2)).unwrap();
        assert_eq!(r.as_float(), Some(1.0));
        let r = int_div(&mut h, DivOp::Quotient, i(7), f(-2.0)).unwrap();
        assert_eq!(r.as_float(), Some(-3.0));
        let e = int_div(&mut h, DivOp::Remainder, i(7), f(0.0)).unwrap_err();
        assert!(matches!(e, Fault::DivZero { who: "remainder" }));
        // The type check comes before the zero check.
        let e = int_div(&mut h, DivOp::Quotient, f(1.5), i(0)).unwrap_err();
        assert!(matches!(
            e,
            Fault::Type {
                who: "quotient",
                expected: "an integer",
                ..
            }
        ));
        let e = int_div(&mut h, DivOp::Modulo, i(1), Value::TRUE).unwrap_err();
        assert!(matches!(e, Fault::Type { who: "modulo", .. }));
    }

    #[test]
    fn non_numbers_are_type_faults() {
        let mut h = Heap::new(GcConfig::default());
        let s = h.string("a");
        let e = arith(&mut h, ArithOp::Add, Value::int_unchecked(1), s).unwrap_err();
        assert!(matches!(e, Fault::Type { who: "+", .. }));
    }
}
