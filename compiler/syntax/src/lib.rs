//! The Fluent reader: source text to spanned S-expressions ([`Datum`]).
//!
//! This crate has no dependencies and knows nothing of salsa, so it can be
//! fuzzed on its own. The reader is iterative (an explicit stack, no
//! recursion), so no input can overflow the host stack; nesting deeper than
//! [`ReaderConfig::max_depth`] is a located error instead, because the later
//! stages walk syntax recursively.

pub mod datum;
pub mod floatfmt;
pub mod lines;
pub mod print;
mod reader;

pub use datum::{Datum, DatumKind, Span};
pub use lines::LineIndex;
pub use reader::{ReadError, ReaderConfig, read_all, read_all_with};
