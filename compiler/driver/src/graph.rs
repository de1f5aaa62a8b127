//! `fluent graph`: the module graph and the call graph of a program.

use crate::db::Database;
use crate::pipeline::load;
use crate::session::Failure;
use fluent_linker::{Files, Loader};
use std::path::PathBuf;

/// The graphs of the program whose main file is `path` (text `text`,
/// imports under `roots` in `fs`): text, or Graphviz `dot`.
pub fn graph(
    path: &str,
    text: &str,
    roots: &[PathBuf],
    fs: &dyn Files,
    dot: bool,
) -> Result<String, Failure> {
    let mut db = Database::default();
    let mut loader = Loader::new(roots.to_vec());
    match load(&mut db, &mut loader, fs, path, text) {
        Ok(tree) => Ok(fluent_linker::graph::render(&db, tree.main, dot)),
        Err(ds) => Err(Failure::compile(&db, &ds)),
    }
}
