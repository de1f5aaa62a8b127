//! The Fluent virtual machine: NaN-boxed values, the garbage-collected
//! heap, the bytecode format, the interpreter and the primitives.
//!
//! This crate is below every compiler crate: they produce its bytecode
//! ([`bytecode::Unit`]) and images ([`image::Image`]); it knows nothing of
//! them.

pub mod arith;
pub mod bytecode;
pub mod datum;
pub mod effect;
pub mod equal;
pub mod error;
pub mod heap;
pub mod image;
pub mod interp;
pub mod jit;
pub mod machine;
pub mod primitives;
pub mod printer;
pub mod runtime;
pub mod symbol;
pub mod value;

pub use error::RuntimeError;
pub use image::Image;
pub use interp::{Vm, VmConfig};
pub use jit::{JitConfig, OptLevel};
pub use value::Value;
