//! A linked program: every function with global slots and function ids
//! resolved, the source files for locations, and the order in which
//! top-level items run.
//!
//! An image can be saved to a file and loaded back ([`encode`], [`decode`];
//! the format is described in `codec.rs`).

mod codec;
#[cfg(test)]
mod tests;

pub use codec::{FORMAT_VERSION, MAGIC, decode, encode};

use crate::bytecode::{GlobalName, Proto};
use fluent_syntax::{LineIndex, Span};
use std::sync::{Arc, OnceLock};

/// A source file the image was built from (for error locations).
#[derive(Clone, Debug)]
pub struct SourceFile {
    pub path: Arc<str>,
    pub text: Arc<str>,
    lines: OnceLock<LineIndex>,
}

impl SourceFile {
    pub fn new(path: impl Into<Arc<str>>, text: impl Into<Arc<str>>) -> SourceFile {
        SourceFile {
            path: path.into(),
            text: text.into(),
            lines: OnceLock::new(),
        }
    }

    /// 1-based line and column of a byte offset.
    pub fn line_col(&self, offset: u32) -> (u32, u32) {
        self.lines
            .get_or_init(|| LineIndex::new(&self.text))
            .line_col(offset)
    }
}

/// Files are equal when their paths and texts are.
impl PartialEq for SourceFile {
    fn eq(&self, other: &Self) -> bool {
        self.path == other.path && self.text == other.text
    }
}

impl Eq for SourceFile {}

/// A linked program, ready to load into a VM.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Image {
    pub files: Vec<SourceFile>,
    pub protos: Vec<Proto>,
    pub globals: Vec<GlobalName>,
    /// Protos (taking no arguments) to run in order to initialise the
    /// program: one per top-level item, in dependency then source order.
    pub init: Vec<u32>,
}

/// A resolved source position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    pub path: Arc<str>,
    pub line: u32,
    pub col: u32,
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.path, self.line, self.col)
    }
}

impl Image {
    /// Where `span` of `file` is.
    pub fn locate(&self, file: u32, span: Span) -> Option<Location> {
        let f = self.files.get(file as usize)?;
        let (line, col) = f.line_col(span.start);
        Some(Location {
            path: f.path.clone(),
            line,
            col,
        })
    }
}
