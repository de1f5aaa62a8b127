//! The compiler driver: the salsa database, the pipeline from files to a
//! linked image, diagnostic rendering, and running programs.

mod db;
pub mod effects;
pub mod emit;
pub mod graph;
mod pipeline;
mod render;
mod session;
pub mod units;
pub mod watch;

pub use db::{Database, PRELUDE};
pub use fluent_linker::{Disk, Files, MemoryFiles};
pub use pipeline::{build, build_tree, diagnostics, load, search_roots};
pub use render::render;
pub use session::{
    COMPILER_STACK, Failure, Session, build_image, run_image_then, run_program_then, run_source,
    run_source_then,
};
