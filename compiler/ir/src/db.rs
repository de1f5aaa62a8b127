//! The salsa database interface, its inputs, and diagnostics.

use fluent_syntax::Span;
use std::sync::Arc;

/// The database every compiler stage takes first.
#[salsa::db]
pub trait Db: salsa::Database {
    /// The prelude module (higher-order list procedures written in Fluent),
    /// visible to every module.
    fn prelude(&self) -> SourceFile;

    /// How to build: the optimization level and the program's main file.
    fn options(&self) -> BuildOptions;
}

/// How a program is built (an input, so that changing it re-runs what
/// depends on it).
#[salsa::input(debug)]
pub struct BuildOptions {
    /// 0: no optimization; 1 and up: the optimizer's rewrites (see
    /// `fluent_opt`).
    pub opt_level: u8,
    /// The program's main file, once known: whole-program facts (effects)
    /// are about it. `None`: items are compiled as they are.
    pub main: Option<SourceFile>,
}

pub use fluent_vm::interp::DEFAULT_OPT_LEVEL;

/// A source file: the unit of input, and one module.
#[salsa::input(debug)]
pub struct SourceFile {
    #[returns(ref)]
    pub path: Arc<str>,
    #[returns(ref)]
    pub text: Arc<str>,
    /// Where each of its imports leads (set by the loader that found the
    /// files; see `modules`).
    #[default]
    #[returns(ref)]
    pub imports: Arc<[crate::modules::ImportTarget]>,
    /// The module's identity in global names, unique in a program (set by
    /// the loader); empty: the name derived from the path.
    #[default]
    #[returns(ref)]
    pub module_id: Arc<str>,
}

/// How bad a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Severity {
    Error,
    Warning,
}

/// A problem in a program, with a stable code and the span it is about.
/// Accumulated by the queries that find it; rendered in one place (the
/// driver).
#[salsa::accumulator]
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Stable code, `E0001`...
    pub code: &'static str,
    pub message: String,
    pub file: SourceFile,
    /// Absolute span in `file`.
    pub span: Span,
    /// Secondary notes, each with a span in `file`.
    pub notes: Vec<(Span, String)>,
    /// Lines shown after the source (`= ...`): explanations that span
    /// files, such as a call path.
    pub help: Vec<String>,
}

impl Diagnostic {
    pub fn error(
        code: &'static str,
        file: SourceFile,
        span: Span,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            file,
            span,
            notes: vec![],
            help: vec![],
        }
    }

    pub fn with_help(mut self, line: impl Into<String>) -> Self {
        self.help.push(line.into());
        self
    }

    pub fn with_note(mut self, span: Span, note: impl Into<String>) -> Self {
        self.notes.push((span, note.into()));
        self
    }
}

/// A bare database with a prelude given as text: for tests of the
/// compiler stages below the driver (whose `Database` adds the real
/// prelude and an event log).
#[salsa::db]
#[derive(Clone, Default)]
pub struct MemoryDb {
    storage: salsa::Storage<Self>,
    prelude: Option<SourceFile>,
    options: Option<BuildOptions>,
}

impl MemoryDb {
    pub fn with_prelude(text: &str) -> MemoryDb {
        let mut db = MemoryDb::default();
        db.prelude = Some(SourceFile::new(&db, "<prelude>".into(), text.into()));
        db.options = Some(BuildOptions::new(&db, DEFAULT_OPT_LEVEL, None));
        db
    }
}

#[salsa::db]
impl salsa::Database for MemoryDb {}

#[salsa::db]
impl Db for MemoryDb {
    fn prelude(&self) -> SourceFile {
        self.prelude
            .expect("a MemoryDb is made by `MemoryDb::with_prelude`")
    }

    fn options(&self) -> BuildOptions {
        self.options
            .expect("a MemoryDb is made by `MemoryDb::with_prelude`")
    }
}
