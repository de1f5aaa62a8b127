//! The opcode table: every instruction with its one-line meaning, in the
//! style of Lua's `lopcodes.h`. The interpreter, the disassembler and the
//! JIT translator all work from this one enum.
//!
//! Notation: `R[x]` is register `x` of the current frame, `K[k]` constant
//! `k` of the current function, `G[g]` global slot `g`, `U[i]` capture `i`
//! of the running closure. Jump targets are absolute instruction indices.
//! Calls use a register window: the callee sits in `R[base]`, its
//! arguments in the registers after it, and the callee's frame starts at
//! `R[base+1]`, so arguments are never copied.

/// A register index within a frame.
pub type Reg = u16;

macro_rules! opcodes {
    ($( $(#[doc = $doc:literal])+ $name:ident { $($field:ident : $ty:ty),* } ),* $(,)?) => {
        /// One instruction. Kept at 8 bytes (checked by a test).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Op {
            $( $(#[doc = $doc])+ $name { $($field: $ty),* } ),*
        }

        /// Table positions, by name.
        #[derive(Clone, Copy)]
        enum Index { $($name),* }

        impl Op {
            /// The mnemonic.
            pub fn name(&self) -> &'static str {
                match self { $( Op::$name { .. } => stringify!($name) ),* }
            }

            /// The one-line meaning from the table.
            pub fn meaning(&self) -> &'static str {
                match self { $( Op::$name { .. } => concat!($($doc),+).trim_ascii() ),* }
            }

            /// The operands with their names, for the disassembler.
            #[allow(unused_variables)]
            pub fn operands(&self) -> Vec<(&'static str, i64)> {
                match *self {
                    $( Op::$name { $($field),* } => vec![$((stringify!($field), $field as i64)),*] ),*
                }
            }

            /// How many kinds of instruction there are.
            pub const COUNT: usize = [$(Index::$name),*].len();

            /// The instruction's position in the table (what the image
            /// format stores).
            pub fn index(&self) -> usize {
                match self { $( Op::$name { .. } => Index::$name as usize ),* }
            }

            /// Calls `f` with each operand in table order: its value widened
            /// to i64 and the width of its type.
            #[allow(unused_variables, unused_mut)]
            pub fn for_each_operand(&self, mut f: impl FnMut(i64, Width)) {
                match *self {
                    $( Op::$name { $($field),* } => { $( f($field as i64, Width::of::<$ty>()); )* } ),*
                }
            }

            /// The instruction at table position `index`, its operands read
            /// in table order by `next` (given each one's width) and checked
            /// to fit their fields. The inverse of [`Op::index`] and
            /// [`Op::for_each_operand`].
            #[allow(unused_mut)]
            pub fn from_operands(
                index: usize,
                mut next: impl FnMut(Width) -> Result<i64, String>,
            ) -> Result<Op, String> {
                $(
                    if index == Index::$name as usize {
                        return Ok(Op::$name { $($field: {
                            let v = next(Width::of::<$ty>())?;
                            <$ty>::try_from(v).map_err(|_| format!(
                                "operand {} of {} is {v}, out of range for {}",
                                stringify!($field), stringify!($name), stringify!($ty),
                            ))?
                        }),* });
                    }
                )*
                Err(format!("unknown instruction {index} (there are {})", Op::COUNT))
            }
        }
    };
}

opcodes! {
    /// R[dst] := K[k]
    LoadConst { dst: Reg, k: u32 },
    /// R[dst] := the integer i
    LoadInt { dst: Reg, i: i32 },
    /// R[dst] := one of (), #t, #f, unspecified, undefined (see `Imm`)
    LoadImm { dst: Reg, imm: u8 },
    /// R[dst] := R[src]
    Move { dst: Reg, src: Reg },

    /// R[dst] := G[g]; error if G[g] is not yet defined
    GetGlobal { dst: Reg, g: u32 },
    /// G[g] := R[src] (set!); error if G[g] is not yet defined
    SetGlobal { src: Reg, g: u32 },
    /// G[g] := R[src] (define)
    DefGlobal { src: Reg, g: u32 },

    /// R[dst] := U[idx]
    GetUpval { dst: Reg, idx: u16 },
    /// R[dst] := a new box holding R[src]
    MakeBox { dst: Reg, src: Reg },
    /// R[dst] := contents of box R[src]
    BoxGet { dst: Reg, src: Reg },
    /// contents of box R[cell] := R[src]
    BoxSet { cell: Reg, src: Reg },
    /// R[dst] := closure of function `func`, capturing per its capture list
    MakeClosure { dst: Reg, func: u32 },
    /// capture idx of closure R[clo] := R[src] (ties letrec knots)
    PatchCapture { clo: Reg, idx: u16, src: Reg },

    /// R[dst] := R[a] + R[b]
    Add { dst: Reg, a: Reg, b: Reg },
    /// R[dst] := R[a] - R[b]
    Sub { dst: Reg, a: Reg, b: Reg },
    /// R[dst] := R[a] * R[b]
    Mul { dst: Reg, a: Reg, b: Reg },
    /// R[dst] := quotient(R[a], R[b]), truncated
    Quotient { dst: Reg, a: Reg, b: Reg },
    /// R[dst] := remainder(R[a], R[b]), with the sign of R[a]
    Remainder { dst: Reg, a: Reg, b: Reg },
    /// R[dst] := modulo(R[a], R[b]), with the sign of R[b]
    Modulo { dst: Reg, a: Reg, b: Reg },
    /// R[dst] := R[a] + imm
    AddImm { dst: Reg, a: Reg, imm: i16 },
    /// R[dst] := R[a] - imm (its own op so that errors name `-`)
    SubImm { dst: Reg, a: Reg, imm: i16 },
    /// R[dst] := R[a] < R[b]
    Lt { dst: Reg, a: Reg, b: Reg },
    /// R[dst] := R[a] <= R[b]
    Le { dst: Reg, a: Reg, b: Reg },
    /// R[dst] := R[a] > R[b]
    Gt { dst: Reg, a: Reg, b: Reg },
    /// R[dst] := R[a] >= R[b]
    Ge { dst: Reg, a: Reg, b: Reg },
    /// R[dst] := R[a] = R[b] (numeric)
    NumEq { dst: Reg, a: Reg, b: Reg },
    /// R[dst] := not R[src]
    Not { dst: Reg, src: Reg },
    /// R[dst] := eq?(R[a], R[b])
    Eq { dst: Reg, a: Reg, b: Reg },
    /// R[dst] := car R[src]
    Car { dst: Reg, src: Reg },
    /// R[dst] := cdr R[src]
    Cdr { dst: Reg, src: Reg },
    /// R[dst] := cons(R[a], R[b])
    Cons { dst: Reg, a: Reg, b: Reg },
    /// R[dst] := null?(R[src])
    IsNull { dst: Reg, src: Reg },
    /// R[dst] := pair?(R[src])
    IsPair { dst: Reg, src: Reg },

    /// pc := to
    Jump { to: u32 },
    /// if R[cond] is #f then pc := to
    JumpIfFalse { cond: Reg, to: u32 },
    /// if R[cond] is not #f then pc := to
    JumpIfTrue { cond: Reg, to: u32 },
    /// pc := to, a loop back-edge: counts into loop counter `counter`, GC safepoint
    Loop { counter: u16, to: u32 },

    /// R[base] := R[base](R[base+1], ..., R[base+argc])
    Call { base: Reg, argc: u16 },
    /// return R[base](R[base+1], ..., R[base+argc]), reusing this frame
    TailCall { base: Reg, argc: u16 },
    /// R[base] := primitive prim(R[base], ..., R[base+argc-1])
    CallPrim { base: Reg, argc: u16, prim: u16 },
    /// return R[src] to the caller
    Return { src: Reg },

    /// R[base] := tagged value with tag K[k] and fields R[base..base+argc]
    MakeTagged { base: Reg, argc: u16, k: u16 },
    /// R[dst] := R[src] is a tagged value with the tag and arity of K[k]
    TagIs { dst: Reg, src: Reg, k: u16 },
    /// R[dst] := field idx of tagged value R[src] (checked by TagIs)
    TagField { dst: Reg, src: Reg, idx: u16 },
    /// R[dst] := R[src] is a vector of length len
    VecLenIs { dst: Reg, src: Reg, len: u16 },
    /// R[dst] := element idx of vector R[src] (checked by VecLenIs)
    VecRefK { dst: Reg, src: Reg, idx: u16 },
    /// raise "no match clause matched the value R[src]"
    NoMatch { src: Reg },

    /// push a catch frame: a raise until the matching PopCatch puts the raised value in R[dst] and jumps to `to`
    PushCatch { dst: Reg, to: u32 },
    /// pop the innermost catch frame
    PopCatch {},
}

/// The size and signedness of an operand's type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Width {
    pub bytes: usize,
    pub signed: bool,
}

impl Width {
    fn of<T: Bounded>() -> Width {
        Width {
            bytes: std::mem::size_of::<T>(),
            signed: T::SIGNED,
        }
    }
}

/// The integer types operands have.
trait Bounded {
    const SIGNED: bool;
}

macro_rules! bounded {
    ($($t:ty: $signed:expr),*) => { $(impl Bounded for $t { const SIGNED: bool = $signed; })* };
}

bounded!(u8: false, u16: false, u32: false, i16: true, i32: true);

/// The immediates `LoadImm` can load.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Imm {
    Nil = 0,
    True = 1,
    False = 2,
    Unspecified = 3,
    Undefined = 4,
}

impl Imm {
    pub const VALUES: [crate::value::Value; 5] = [
        crate::value::Value::NIL,
        crate::value::Value::TRUE,
        crate::value::Value::FALSE,
        crate::value::Value::UNSPECIFIED,
        crate::value::Value::UNDEFINED,
    ];

    pub fn value(imm: u8) -> crate::value::Value {
        Imm::VALUES[imm as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instructions_stay_eight_bytes() {
        assert_eq!(std::mem::size_of::<Op>(), 8);
    }

    #[test]
    fn every_op_has_a_meaning() {
        let op = Op::Add { dst: 1, a: 2, b: 3 };
        assert_eq!(op.name(), "Add");
        assert_eq!(op.meaning(), "R[dst] := R[a] + R[b]");
        assert_eq!(op.operands(), vec![("dst", 1), ("a", 2), ("b", 3)]);
    }
}
