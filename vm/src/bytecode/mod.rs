//! Compiled functions ([`Proto`]), their constants, and the per-definition
//! [`Unit`] the code generator produces.
//!
//! A unit is position independent: `MakeClosure` names protos of the same
//! unit and `GetGlobal`/`SetGlobal`/`DefGlobal` name entries of the unit's
//! global table; spans are relative to the start of the definition, and
//! file numbers are the unit's own (0: the definition's file; `k > 0`:
//! [`Unit::origins`]`[k - 1]`, the item of a function inlined into it). The
//! linker rewrites all four when it places units into an
//! [`crate::image::Image`], so the code generator's output for a definition
//! does not change when another definition does (except one it inlined).
//!
//! Inlined code keeps its origin's locations through inline scopes (see
//! `inline.rs`).

mod disasm;
mod inline;
mod opcodes;
mod verify;

pub use disasm::disassemble;
pub use inline::{Entries, FrameEntry, InlineScope, NO_FILE, Origin, ScopeRun};
pub use opcodes::{Imm, Op, Reg, Width};
pub use verify::verify;

use fluent_syntax::{Datum, Span};
use std::sync::Arc;

/// How many arguments a function takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Arity {
    pub required: u16,
    /// Extra arguments are collected into a list in register `required`.
    pub rest: bool,
}

/// Where a closure's capture comes from in the frame that creates it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CaptureSrc {
    Local(Reg),
    Upval(u16),
}

/// A constant. Materialised into a heap value when the image is loaded.
#[derive(Clone, Debug)]
pub enum Const {
    Int(i64),
    Float(f64),
    Str(Arc<str>),
    Symbol(Arc<str>),
    Keyword(Arc<str>),
    Char(char),
    /// Quoted structure (a list, vector, ...), built once at load time.
    Datum(Arc<Datum>),
    /// A tag and arity for `MakeTagged` and `TagIs`.
    Tag {
        name: Arc<str>,
        arity: u16,
    },
    /// A primitive procedure, by name.
    Prim(Arc<str>),
}

impl PartialEq for Const {
    fn eq(&self, other: &Self) -> bool {
        use Const::*;
        match (self, other) {
            (Int(a), Int(b)) => a == b,
            (Float(a), Float(b)) => a.to_bits() == b.to_bits(),
            (Str(a), Str(b))
            | (Symbol(a), Symbol(b))
            | (Keyword(a), Keyword(b))
            | (Prim(a), Prim(b)) => a == b,
            (Char(a), Char(b)) => a == b,
            (Datum(a), Datum(b)) => a == b,
            (Tag { name: a, arity: x }, Tag { name: b, arity: y }) => a == b && x == y,
            _ => false,
        }
    }
}

impl Eq for Const {}

impl std::hash::Hash for Const {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        std::mem::discriminant(self).hash(h);
        match self {
            Const::Int(i) => i.hash(h),
            Const::Float(x) => x.to_bits().hash(h),
            Const::Str(s) | Const::Symbol(s) | Const::Keyword(s) | Const::Prim(s) => s.hash(h),
            Const::Char(c) => c.hash(h),
            Const::Datum(d) => d.hash(h),
            Const::Tag { name, arity } => {
                name.hash(h);
                arity.hash(h);
            }
        }
    }
}

/// A global variable's identity: the module that defines it and its name.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GlobalName {
    pub module: Arc<str>,
    pub name: Arc<str>,
}

impl std::fmt::Display for GlobalName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.module, self.name)
    }
}

/// One compiled function.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proto {
    /// For backtraces and `#<procedure name>`.
    pub name: Arc<str>,
    pub arity: Arity,
    /// Registers the frame needs (parameters first).
    pub nregs: u16,
    pub code: Vec<Op>,
    pub consts: Vec<Const>,
    /// What `MakeClosure` of this function captures, in capture order.
    pub captures: Vec<CaptureSrc>,
    /// The source span of each instruction (same length as `code`).
    pub spans: Vec<Span>,
    /// The number of `Loop` back-edge counters.
    pub loops: u16,
    /// The source file (an index into the image's files; in a unit, see
    /// the module docs).
    pub file: u32,
    /// Where the function was defined.
    pub span: Span,
    /// The bodies of other functions inlined into this one (empty: none).
    pub scopes: Vec<InlineScope>,
    /// The scope of each instruction, as runs in code order (empty: all
    /// the function's own).
    pub scope_runs: Vec<ScopeRun>,
    /// The calls (instruction indices, ascending) in tail position of the
    /// inlined body they are in: a frame waiting on one has left that body,
    /// as the tail call it would have been (see `inline.rs`).
    pub scope_tail_calls: Vec<u32>,
}

/// The compiled form of one top-level item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unit {
    /// Proto 0 runs the item (defines the global, or evaluates the
    /// expression); the others are its lambdas.
    pub protos: Vec<Proto>,
    /// Globals the code refers to, by unit-local index.
    pub globals: Vec<GlobalName>,
    /// The items of the functions inlined into this one: file number `k`
    /// of a proto or inline scope of the unit is `origins[k - 1]` (0 is the
    /// unit's own item).
    pub origins: Vec<Origin>,
}
