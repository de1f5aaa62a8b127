//! Running the `fluent` binary from the CLI tests (`#[path]`-included, so
//! each uses only part of it).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// `fluent ARGS` run from the repository root.
pub fn fluent(args: &[&str]) -> Output {
    fluent_in(Path::new(env!("CARGO_MANIFEST_DIR")), args)
}

/// `fluent ARGS` run from `dir`.
pub fn fluent_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fluent"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run fluent")
}

/// A path in the temporary folder, unique to this test process.
pub fn temp(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("fluent-cli-{}-{name}", std::process::id()))
}

/// Output bytes as text.
pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}
