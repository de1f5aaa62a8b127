//! The compiler driver: the salsa database, the pipeline from files to a
//! linked image, diagnostic rendering, and running programs.

mod db;
pub mod emit;
mod pipeline;
mod render;
mod session;

pub use db::{Database, PRELUDE};
pub use pipeline::{build, diagnostics};
pub use render::render;
pub use session::{Failure, Session, run_source, run_source_then};
