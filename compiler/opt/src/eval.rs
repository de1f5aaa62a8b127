//! Compile-time evaluation (to be written).
