//! Building heap values from quoted source data.

use crate::heap::Heap;
use crate::symbol::Symbol;
use crate::value::Value;
use fluent_syntax::{Datum, DatumKind};

/// The value of `(quote d)`. Recursion depth is bounded by the reader's
/// nesting limit.
pub fn datum_to_value(heap: &mut Heap, d: &Datum) -> Value {
    match &d.kind {
        DatumKind::Int(i) => heap.int(*i),
        DatumKind::Float(x) => Value::float(*x),
        DatumKind::Str(s) => heap.string(s),
        DatumKind::Char(c) => Value::char(*c),
        DatumKind::Bool(b) => Value::bool(*b),
        DatumKind::Symbol(s) => Value::symbol(Symbol::intern(s)),
        DatumKind::Keyword(s) => Value::keyword(Symbol::intern(s)),
        DatumKind::List(xs) | DatumKind::Bracket(xs) => {
            let items: Vec<Value> = xs.iter().map(|x| datum_to_value(heap, x)).collect();
            heap.list(&items)
        }
        DatumKind::Dotted(xs, tail) => {
            let items: Vec<Value> = xs.iter().map(|x| datum_to_value(heap, x)).collect();
            let tail = datum_to_value(heap, tail);
            heap.list_with_tail(&items, tail)
        }
        DatumKind::Vector(xs) => {
            let items: Vec<Value> = xs.iter().map(|x| datum_to_value(heap, x)).collect();
            heap.vector(&items)
        }
    }
}
