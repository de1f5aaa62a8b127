//! The primitive procedures, declared once in [`TABLE`].
//!
//! The compiler resolves a global name that no definition shadows to a
//! [`PrimId`]; the code generator turns calls of the hottest ones (`+`,
//! `car`, ...) into dedicated opcodes and the rest into `CallPrim`. A
//! primitive is a plain function of its arguments: it may allocate, never
//! calls back into Fluent code, and reports failures as a [`Fault`], which
//! the interpreter turns into a located, catchable error. Higher-order list
//! procedures (`map`, `filter`, `fold-left`, ...) are written in Fluent, in
//! the prelude, so that they tail-call, tier up and handle effects like any
//! other code.

pub(crate) mod args;
mod control;
mod io;
mod list;
mod map;
mod num;
mod numconv;
mod pred;
mod string;
#[cfg(test)]
pub(crate) mod testing;
mod vector;

use crate::effect::EffectKind;
use crate::runtime::Runtime;
use crate::value::Value;
use std::collections::HashMap;
use std::sync::OnceLock;

/// Why a primitive (or an arithmetic opcode) failed.
#[derive(Clone, Debug)]
pub enum Fault {
    /// An argument of the wrong type: "car: expected a pair, got 5".
    Type {
        who: &'static str,
        expected: &'static str,
        got: Value,
    },
    /// An index outside a vector or string: "vector-ref: index 10 out of range".
    Range { who: &'static str, index: i64 },
    /// An exact result outside 64 bits.
    Overflow { who: &'static str },
    /// An exact division by zero.
    DivZero { who: &'static str },
    /// A raised value (from `raise` or `error`), propagated as is.
    Raise(Value),
    /// Any other failure, with its whole message.
    Msg(String),
}

impl Fault {
    /// The error message (without location), as shown to users. `show`
    /// renders a value in `write` style.
    pub fn message(&self, show: &dyn Fn(Value) -> String) -> String {
        match self {
            Fault::Type { who, expected, got } => {
                format!("{who}: expected {expected}, got {}", show(*got))
            }
            Fault::Range { who, index } => format!("{who}: index {index} out of range"),
            Fault::Overflow { who } => format!("integer overflow in {who}"),
            Fault::DivZero { who } => format!("{who}: division by zero"),
            Fault::Raise(v) => format!("uncaught raise: {}", show(*v)),
            Fault::Msg(m) => m.clone(),
        }
    }
}

/// A primitive's implementation.
pub type PrimFn = fn(&mut Runtime, &[Value]) -> Result<Value, Fault>;

/// How the interpreter runs a primitive.
#[derive(Clone, Copy)]
pub enum PrimImpl {
    /// A leaf function of the arguments.
    Fn(PrimFn),
    /// `apply`: the interpreter spreads the arguments and calls.
    Apply,
    /// Acts on the VM (the JIT, calling a thunk): see `interp::tier`.
    Vm(VmOp),
}

/// The primitives implemented by the VM itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VmOp {
    /// `(jit-compile f)`: compile `f` now; whether it runs natively.
    JitCompile,
    /// `(jit-stats)`: the per-function table to stderr.
    JitStats,
    /// `(%with-jit-threshold n thunk)`: `thunk` with threshold `n`
    /// (what `with-jit-threshold` lowers to).
    WithJitThreshold,
    /// `(%time thunk)`: `thunk`'s value; elapsed time to stderr (what
    /// `time` lowers to).
    Time,
    /// `(%handle (kind op-or-#f proc ...) thunk)`: `thunk` with those
    /// effect handlers (what `handler` lowers to; see `interp::effects`).
    Handle,
    /// `(%effect kind op arg...)`: performs an effect (what `effect`
    /// lowers to).
    Effect,
}

const fn vm_prim(name: &'static str, min: u16, max: u16, op: VmOp) -> PrimInfo {
    PrimInfo {
        name,
        min_args: min,
        max_args: Some(max),
        effects: &[],
        imp: PrimImpl::Vm(op),
    }
}

/// One row of the primitive table.
pub struct PrimInfo {
    pub name: &'static str,
    pub min_args: u16,
    /// `None` for variadic primitives.
    pub max_args: Option<u16>,
    /// The effects the primitive may perform (empty: pure).
    pub effects: &'static [EffectKind],
    pub imp: PrimImpl,
}

impl PrimInfo {
    pub fn accepts(&self, argc: usize) -> bool {
        argc >= self.min_args as usize && self.max_args.is_none_or(|m| argc <= m as usize)
    }
}

/// Index of a primitive in [`TABLE`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PrimId(pub u16);

/// A pure primitive taking `min..=max` arguments (`max` < 0: variadic).
const fn prim(name: &'static str, min: u16, max: i32, f: PrimFn) -> PrimInfo {
    PrimInfo {
        name,
        min_args: min,
        max_args: if max < 0 { None } else { Some(max as u16) },
        effects: &[],
        imp: PrimImpl::Fn(f),
    }
}

impl PrimInfo {
    /// The same primitive, declared to perform `effects`.
    const fn with(self, effects: &'static [EffectKind]) -> PrimInfo {
        PrimInfo { effects, ..self }
    }
}

use EffectKind::{Error as ERR, Io as IO, State as ST};

/// Every primitive. Order is irrelevant; names are unique.
pub static TABLE: &[PrimInfo] = &[
    // Pairs and lists.
    prim("cons", 2, 2, list::cons),
    prim("car", 1, 1, list::car),
    prim("cdr", 1, 1, list::cdr),
    prim("cadr", 1, 1, list::cadr),
    prim("cddr", 1, 1, list::cddr),
    prim("caar", 1, 1, list::caar),
    prim("cdar", 1, 1, list::cdar),
    prim("caddr", 1, 1, list::caddr),
    prim("cdddr", 1, 1, list::cdddr),
    prim("cadddr", 1, 1, list::cadddr),
    prim("list", 0, -1, list::list),
    prim("null?", 1, 1, list::is_null),
    prim("pair?", 1, 1, list::is_pair),
    prim("list?", 1, 1, list::is_list),
    prim("length", 1, 1, list::length),
    prim("append", 0, -1, list::append),
    prim("reverse", 1, 1, list::reverse),
    prim("list-ref", 2, 2, list::list_ref),
    prim("list-tail", 2, 2, list::list_tail),
    prim("list-copy", 1, 1, list::list_copy),
    prim("last-pair", 1, 1, list::last_pair),
    prim("assq", 2, 2, list::assq),
    prim("assv", 2, 2, list::assv),
    prim("memq", 2, 2, list::memq),
    prim("memv", 2, 2, list::memv),
    prim("range", 1, 3, list::range),
    prim("set-car!", 2, 2, list::set_car).with(&[ST]),
    prim("set-cdr!", 2, 2, list::set_cdr).with(&[ST]),
    // Numbers: arithmetic, comparison, integer division.
    prim("+", 0, -1, num::add),
    prim("-", 1, -1, num::sub),
    prim("*", 0, -1, num::mul),
    prim("/", 1, -1, num::div),
    prim("quotient", 2, 2, num::quotient),
    prim("remainder", 2, 2, num::remainder),
    prim("modulo", 2, 2, num::modulo),
    prim("abs", 1, 1, num::abs),
    prim("min", 1, -1, num::min),
    prim("max", 1, -1, num::max),
    prim("=", 1, -1, num::num_eq),
    prim("<", 1, -1, num::num_lt),
    prim(">", 1, -1, num::num_gt),
    prim("<=", 1, -1, num::num_le),
    prim(">=", 1, -1, num::num_ge),
    prim("zero?", 1, 1, num::is_zero),
    prim("positive?", 1, 1, num::is_positive),
    prim("negative?", 1, 1, num::is_negative),
    prim("even?", 1, 1, num::is_even),
    prim("odd?", 1, 1, num::is_odd),
    prim("square", 1, 1, num::square),
    prim("gcd", 0, -1, num::gcd),
    prim("lcm", 0, -1, num::lcm),
    prim("exact-integer?", 1, 1, num::is_exact_integer),
    prim("exact?", 1, 1, num::is_exact),
    prim("inexact?", 1, 1, num::is_inexact),
    prim("nan?", 1, 1, num::is_nan),
    prim("infinite?", 1, 1, num::is_infinite),
    prim("finite?", 1, 1, num::is_finite),
    // Numbers: conversions, rounding, transcendental functions, text.
    prim("exact->inexact", 1, 1, numconv::exact_to_inexact),
    prim("inexact", 1, 1, numconv::inexact),
    prim("inexact->exact", 1, 1, numconv::inexact_to_exact),
    prim("exact", 1, 1, numconv::exact),
    prim("floor", 1, 1, numconv::floor),
    prim("ceiling", 1, 1, numconv::ceiling),
    prim("round", 1, 1, numconv::round),
    prim("truncate", 1, 1, numconv::truncate),
    prim("sqrt", 1, 1, numconv::sqrt),
    prim("expt", 2, 2, numconv::expt),
    prim("exp", 1, 1, numconv::exp),
    prim("log", 1, 2, numconv::log),
    prim("sin", 1, 1, numconv::sin),
    prim("cos", 1, 1, numconv::cos),
    prim("tan", 1, 1, numconv::tan),
    prim("asin", 1, 1, numconv::asin),
    prim("acos", 1, 1, numconv::acos),
    prim("atan", 1, 2, numconv::atan),
    prim("number->string", 1, 2, numconv::number_to_string),
    prim("string->number", 1, 2, numconv::string_to_number),
    // Vectors.
    prim("vector", 0, -1, vector::vector),
    prim("make-vector", 1, 2, vector::make_vector),
    prim("vector-ref", 2, 2, vector::vector_ref),
    prim("vector-set!", 3, 3, vector::vector_set).with(&[ST]),
    prim("vector-length", 1, 1, vector::vector_length),
    prim("vector->list", 1, 3, vector::vector_to_list),
    prim("list->vector", 1, 1, vector::list_to_vector),
    prim("vector-fill!", 2, 4, vector::vector_fill).with(&[ST]),
    prim("vector-copy", 1, 3, vector::vector_copy),
    prim("vector-append", 0, -1, vector::vector_append),
    // Strings.
    prim("string-length", 1, 1, string::string_length),
    prim("string-ref", 2, 2, string::string_ref),
    prim("substring", 2, 3, string::substring),
    prim("string-append", 0, -1, string::string_append),
    prim("string=?", 1, -1, string::string_eq),
    prim("string<?", 1, -1, string::string_lt),
    prim("string>?", 1, -1, string::string_gt),
    prim("string<=?", 1, -1, string::string_le),
    prim("string>=?", 1, -1, string::string_ge),
    prim("string-ci=?", 1, -1, string::string_ci_eq),
    prim("string->list", 1, 3, string::string_to_list),
    prim("list->string", 1, 1, string::list_to_string),
    prim("string-copy", 1, 3, string::string_copy),
    prim("string", 0, -1, string::string),
    prim("string-upcase", 1, 1, string::string_upcase),
    prim("string-downcase", 1, 1, string::string_downcase),
    prim("string-contains", 2, 2, string::string_contains),
    prim("string-split", 2, 2, string::string_split),
    prim("string-join", 1, 2, string::string_join),
    // Characters.
    prim("char->integer", 1, 1, string::char_to_integer),
    prim("integer->char", 1, 1, string::integer_to_char),
    prim("char=?", 1, -1, string::char_eq),
    prim("char<?", 1, -1, string::char_lt),
    prim("char>?", 1, -1, string::char_gt),
    prim("char<=?", 1, -1, string::char_le),
    prim("char>=?", 1, -1, string::char_ge),
    prim("char-alphabetic?", 1, 1, string::is_char_alphabetic),
    prim("char-numeric?", 1, 1, string::is_char_numeric),
    prim("char-whitespace?", 1, 1, string::is_char_whitespace),
    prim("char-upper-case?", 1, 1, string::is_char_upper_case),
    prim("char-lower-case?", 1, 1, string::is_char_lower_case),
    prim("char-upcase", 1, 1, string::char_upcase),
    prim("char-downcase", 1, 1, string::char_downcase),
    prim("digit-value", 1, 1, string::digit_value),
    // Symbols and keywords.
    prim("string->symbol", 1, 1, string::string_to_symbol),
    prim("symbol->string", 1, 1, string::symbol_to_string),
    prim("symbol=?", 1, -1, string::symbol_eq),
    prim("string->keyword", 1, 1, string::string_to_keyword),
    prim("keyword->string", 1, 1, string::keyword_to_string),
    // Maps.
    prim("hash-map", 0, -1, map::hash_map),
    prim("map-get", 2, 3, map::map_get),
    prim("map-set", 3, 3, map::map_set),
    prim("map-remove", 2, 2, map::map_remove),
    prim("map-contains?", 2, 2, map::map_contains),
    prim("map-keys", 1, 1, map::map_keys),
    prim("map-values", 1, 1, map::map_values),
    prim("map-size", 1, 1, map::map_size),
    prim("map->list", 1, 1, map::map_to_list),
    // Type predicates.
    prim("number?", 1, 1, pred::is_number),
    prim("integer?", 1, 1, pred::is_integer),
    prim("float?", 1, 1, pred::is_float),
    prim("real?", 1, 1, pred::is_real),
    prim("rational?", 1, 1, pred::is_rational),
    prim("string?", 1, 1, pred::is_string),
    prim("symbol?", 1, 1, pred::is_symbol),
    prim("keyword?", 1, 1, pred::is_keyword),
    prim("procedure?", 1, 1, pred::is_procedure),
    prim("boolean?", 1, 1, pred::is_boolean),
    prim("char?", 1, 1, pred::is_char),
    prim("vector?", 1, 1, pred::is_vector),
    prim("map?", 1, 1, pred::is_map),
    prim("tagged?", 1, 1, pred::is_tagged),
    prim("boolean=?", 2, -1, pred::boolean_eq),
    // Equality.
    prim("eq?", 2, 2, control::is_eq),
    prim("eqv?", 2, 2, control::is_eqv),
    prim("equal?", 2, 2, control::is_equal),
    prim("not", 1, 1, control::not),
    // Output.
    prim("display", 1, 1, io::display).with(&[IO]),
    prim("write", 1, 1, io::write).with(&[IO]),
    prim("newline", 0, 0, io::newline).with(&[IO]),
    prim("print", 1, 1, io::print).with(&[IO]),
    // Errors and control.
    prim("error", 1, -1, control::error).with(&[ERR]),
    prim("raise", 1, 1, control::raise).with(&[ERR]),
    prim("error-object?", 1, 1, pred::is_error_object),
    prim("error-object-message", 1, 1, pred::error_object_message),
    prim("error-object-irritants", 1, 1, pred::error_object_irritants),
    // The VM and its JIT.
    vm_prim("jit-compile", 1, 1, VmOp::JitCompile),
    vm_prim("jit-stats", 0, 0, VmOp::JitStats).with(&[IO]),
    vm_prim("%with-jit-threshold", 2, 2, VmOp::WithJitThreshold),
    vm_prim("%time", 1, 1, VmOp::Time).with(&[IO, EffectKind::Time]),
    vm_prim("%handle", 2, 2, VmOp::Handle),
    PrimInfo {
        name: "%effect",
        min_args: 2,
        max_args: None,
        effects: &[],
        imp: PrimImpl::Vm(VmOp::Effect),
    },
    PrimInfo {
        name: "apply",
        min_args: 1,
        max_args: None,
        effects: &[],
        imp: PrimImpl::Apply,
    },
];

/// The row of `id`.
#[inline]
pub fn info(id: PrimId) -> &'static PrimInfo {
    &TABLE[id.0 as usize]
}

/// The primitive named `name`, if any.
pub fn lookup(name: &str) -> Option<PrimId> {
    static BY_NAME: OnceLock<HashMap<&'static str, PrimId>> = OnceLock::new();
    BY_NAME
        .get_or_init(|| {
            TABLE
                .iter()
                .enumerate()
                .map(|(i, p)| (p.name, PrimId(i as u16)))
                .collect()
        })
        .get(name)
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_found() {
        let mut seen = std::collections::HashSet::new();
        for p in TABLE {
            assert!(seen.insert(p.name), "duplicate primitive {}", p.name);
            let id = lookup(p.name).unwrap();
            assert_eq!(info(id).name, p.name);
        }
        assert!(lookup("no-such-primitive").is_none());
    }
}
