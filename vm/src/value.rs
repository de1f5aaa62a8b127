//! NaN-boxed values.
//!
//! A [`Value`] is one `u64` (JavaScriptCore's layout, adapted so that most
//! 64-bit integers need no allocation):
//!
//! ```text
//! 0000 PPPP PPPP PPPP   heap pointer (low 48 bits, never null)
//! 0001 SSSS XXXX XXXX   immediates: sub-tag S, payload X
//!                       (specials, chars, symbols, keywords, primitives)
//! 0002 .... to FFF2 ... floats: IEEE bits + 2^49 (NaN canonicalised first)
//! FFF8 .... to FFFF ... integers: 51-bit two's complement payload
//! ```
//!
//! So "both operands are inline ints" is `(a & b) >= INT_TAG`, an int is
//! decoded with two shifts, and truthiness is `v != FALSE`. Integers outside
//! the 51-bit range but inside i64 live on the heap as `BigInt` objects (see
//! `heap`); arithmetic beyond i64 is an error, never a wrap-around.

use std::fmt;

/// A Fluent value. Equality of the bits is `eq?`.
#[repr(transparent)]
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Value(pub u64);

pub const DOUBLE_OFFSET: u64 = 1 << 49;
pub const INT_TAG: u64 = 0xFFF8 << 48;
const INT_PAYLOAD_BITS: u32 = 51;
const INT_PAYLOAD_MASK: u64 = (1 << INT_PAYLOAD_BITS) - 1;
/// The smallest and largest integers stored inline.
pub const INLINE_INT_MIN: i64 = -(1 << (INT_PAYLOAD_BITS - 1));
pub const INLINE_INT_MAX: i64 = (1 << (INT_PAYLOAD_BITS - 1)) - 1;

pub const IMM_TAG: u64 = 1 << 48;
const SUB_SHIFT: u32 = 32;
/// Immediate sub-tags (bits 32..48 of an immediate).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u64)]
pub enum ImmKind {
    Special = 0,
    Char = 1,
    Symbol = 2,
    Keyword = 3,
    Prim = 4,
}

const fn special(n: u64) -> Value {
    Value(IMM_TAG | n)
}

impl Value {
    pub const FALSE: Value = special(0);
    pub const TRUE: Value = special(1);
    /// The empty list `()`, also written `nil`.
    pub const NIL: Value = special(2);
    /// The value of forms with no useful value (`(if #f #f)`, `set!`).
    pub const UNSPECIFIED: Value = special(3);
    /// The contents of a variable that is not yet initialised.
    pub const UNDEFINED: Value = special(4);
    pub const EOF: Value = special(5);

    // ---- integers -------------------------------------------------------

    /// An inline integer; `None` if `i` needs a heap `BigInt`.
    #[inline(always)]
    pub fn try_int(i: i64) -> Option<Value> {
        if (INLINE_INT_MIN..=INLINE_INT_MAX).contains(&i) {
            Some(Value::int_unchecked(i))
        } else {
            None
        }
    }

    /// An inline integer. `i` must be within the inline range.
    #[inline(always)]
    pub fn int_unchecked(i: i64) -> Value {
        debug_assert!((INLINE_INT_MIN..=INLINE_INT_MAX).contains(&i));
        Value((i as u64 & INT_PAYLOAD_MASK) | INT_TAG)
    }

    #[inline(always)]
    pub fn is_int(self) -> bool {
        self.0 >= INT_TAG
    }

    /// The payload of an inline integer (meaningless for other values).
    #[inline(always)]
    pub fn as_int_unchecked(self) -> i64 {
        ((self.0 << (64 - INT_PAYLOAD_BITS)) as i64) >> (64 - INT_PAYLOAD_BITS)
    }

    #[inline(always)]
    pub fn as_int(self) -> Option<i64> {
        self.is_int().then(|| self.as_int_unchecked())
    }

    /// True when both are inline integers.
    #[inline(always)]
    pub fn both_int(a: Value, b: Value) -> bool {
        (a.0 & b.0) >= INT_TAG
    }

    // ---- floats ---------------------------------------------------------

    #[inline(always)]
    pub fn float(x: f64) -> Value {
        // Every NaN becomes the canonical quiet NaN, so that no NaN payload
        // can reach the integer or pointer encodings.
        let bits = if x.is_nan() {
            f64::NAN.to_bits()
        } else {
            x.to_bits()
        };
        Value(bits.wrapping_add(DOUBLE_OFFSET))
    }

    #[inline(always)]
    pub fn is_float(self) -> bool {
        self.0 >= DOUBLE_OFFSET && self.0 < INT_TAG
    }

    #[inline(always)]
    pub fn as_float_unchecked(self) -> f64 {
        f64::from_bits(self.0.wrapping_sub(DOUBLE_OFFSET))
    }

    #[inline(always)]
    pub fn as_float(self) -> Option<f64> {
        self.is_float().then(|| self.as_float_unchecked())
    }

    // ---- immediates -----------------------------------------------------

    #[inline(always)]
    pub fn bool(b: bool) -> Value {
        if b { Value::TRUE } else { Value::FALSE }
    }

    /// Only `#f` is false.
    #[inline(always)]
    pub fn is_true(self) -> bool {
        self != Value::FALSE
    }

    #[inline(always)]
    pub fn is_bool(self) -> bool {
        self == Value::TRUE || self == Value::FALSE
    }

    #[inline(always)]
    pub fn imm(kind: ImmKind, payload: u32) -> Value {
        Value(IMM_TAG | ((kind as u64) << SUB_SHIFT) | payload as u64)
    }

    #[inline(always)]
    pub fn is_imm(self) -> bool {
        (self.0 >> 48) == 1
    }

    /// The sub-tag and payload of an immediate.
    #[inline(always)]
    pub fn imm_parts(self) -> Option<(u64, u32)> {
        self.is_imm()
            .then_some(((self.0 >> SUB_SHIFT) & 0xFFFF, self.0 as u32))
    }

    fn imm_payload(self, kind: ImmKind) -> Option<u32> {
        match self.imm_parts() {
            Some((k, p)) if k == kind as u64 => Some(p),
            _ => None,
        }
    }

    pub fn char(c: char) -> Value {
        Value::imm(ImmKind::Char, c as u32)
    }

    pub fn as_char(self) -> Option<char> {
        self.imm_payload(ImmKind::Char).and_then(char::from_u32)
    }

    pub fn symbol(s: crate::symbol::Symbol) -> Value {
        Value::imm(ImmKind::Symbol, s.0)
    }

    pub fn as_symbol(self) -> Option<crate::symbol::Symbol> {
        self.imm_payload(ImmKind::Symbol).map(crate::symbol::Symbol)
    }

    pub fn keyword(s: crate::symbol::Symbol) -> Value {
        Value::imm(ImmKind::Keyword, s.0)
    }

    pub fn as_keyword(self) -> Option<crate::symbol::Symbol> {
        self.imm_payload(ImmKind::Keyword)
            .map(crate::symbol::Symbol)
    }

    pub fn prim(id: crate::primitives::PrimId) -> Value {
        Value::imm(ImmKind::Prim, id.0 as u32)
    }

    pub fn as_prim(self) -> Option<crate::primitives::PrimId> {
        self.imm_payload(ImmKind::Prim)
            .map(|p| crate::primitives::PrimId(p as u16))
    }

    // ---- pointers -------------------------------------------------------

    #[inline(always)]
    pub fn is_ptr(self) -> bool {
        self.0 < IMM_TAG
    }

    /// Only for the heap: wraps an object pointer.
    #[inline(always)]
    pub(crate) fn from_ptr(p: *const crate::heap::Header) -> Value {
        debug_assert!(!p.is_null() && (p as u64) < IMM_TAG);
        Value(p as u64)
    }

    #[inline(always)]
    pub(crate) fn as_ptr(self) -> *mut crate::heap::Header {
        self.0 as *mut crate::heap::Header
    }
}

impl Default for Value {
    fn default() -> Value {
        Value::NIL
    }
}

/// Debug output shows the encoding class, never dereferences.
impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(i) = self.as_int() {
            write!(f, "Int({i})")
        } else if let Some(x) = self.as_float() {
            write!(f, "Float({x})")
        } else if self.is_ptr() {
            write!(f, "Ptr({:#x})", self.0)
        } else {
            match *self {
                Value::FALSE => f.write_str("#f"),
                Value::TRUE => f.write_str("#t"),
                Value::NIL => f.write_str("()"),
                Value::UNSPECIFIED => f.write_str("#<unspecified>"),
                Value::UNDEFINED => f.write_str("#<undefined>"),
                _ => write!(f, "Imm({:#x})", self.0),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ints_round_trip_at_the_edges() {
        for i in [0, 1, -1, 42, INLINE_INT_MIN, INLINE_INT_MAX, -12345678901] {
            let v = Value::try_int(i).unwrap();
            assert!(v.is_int() && !v.is_float() && !v.is_ptr() && !v.is_imm());
            assert_eq!(v.as_int(), Some(i));
        }
        assert!(Value::try_int(INLINE_INT_MAX + 1).is_none());
        assert!(Value::try_int(INLINE_INT_MIN - 1).is_none());
        assert!(Value::try_int(i64::MAX).is_none());
    }

    #[test]
    fn floats_round_trip_and_never_look_like_other_values() {
        for x in [
            0.0,
            -0.0,
            1.5,
            -1.5,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MAX,
            f64::MIN,
            f64::MIN_POSITIVE,
            5e-324,
        ] {
            let v = Value::float(x);
            assert!(v.is_float() && !v.is_int() && !v.is_ptr() && !v.is_imm());
            assert_eq!(v.as_float().unwrap().to_bits(), x.to_bits());
        }
        // A NaN with the sign bit and a payload would otherwise wrap into
        // the integer space.
        let nasty = f64::from_bits(0xFFFF_FFFF_FFFF_FFFF);
        let v = Value::float(nasty);
        assert!(v.is_float());
        assert!(v.as_float().unwrap().is_nan());
    }

    #[test]
    fn both_int_needs_both() {
        let i = Value::int_unchecked(3);
        let f = Value::float(3.0);
        assert!(Value::both_int(i, i));
        assert!(!Value::both_int(i, f));
        assert!(!Value::both_int(f, i));
        assert!(!Value::both_int(i, Value::NIL));
    }

    #[test]
    fn immediates_are_distinct_and_only_false_is_false() {
        let c = Value::char('λ');
        assert_eq!(c.as_char(), Some('λ'));
        assert!(c.as_symbol().is_none());
        assert!(!Value::FALSE.is_true());
        for v in [Value::TRUE, Value::NIL, Value::int_unchecked(0), c] {
            assert!(v.is_true());
        }
        assert!(Value::NIL.is_imm() && !Value::NIL.is_ptr());
    }
}
