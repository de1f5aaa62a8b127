//! The optimizer: Core IR to Core IR, guarded by effect facts.
//!
//! `eval` evaluates calls of pure functions with constant arguments at
//! compile time, under a fuel budget.

pub mod eval;
