//! The concrete salsa database.

use fluent_ir::{BuildOptions, DEFAULT_OPT_LEVEL, Db, SourceFile};
use salsa::Setter;
use std::sync::{Arc, Mutex};

/// The prelude's source, compiled into every program.
pub const PRELUDE: &str = include_str!("prelude.fl");

/// The compiler database: salsa storage, the prelude input, and an
/// optional log of executed queries (for incremental tests).
#[salsa::db]
#[derive(Clone)]
pub struct Database {
    storage: salsa::Storage<Self>,
    prelude: Option<SourceFile>,
    options: Option<BuildOptions>,
    log: Arc<Mutex<Option<Vec<String>>>>,
}

impl Default for Database {
    fn default() -> Self {
        let log: Arc<Mutex<Option<Vec<String>>>> = Arc::default();
        let sink = log.clone();
        let storage = salsa::Storage::new(Some(Box::new(move |event: salsa::Event| {
            if let salsa::EventKind::WillExecute { database_key } = event.kind
                && let Some(log) = sink.lock().expect("log").as_mut()
            {
                log.push(format!("{database_key:?}"));
            }
        })));
        let mut db = Database {
            storage,
            prelude: None,
            options: None,
            log,
        };
        db.options = Some(BuildOptions::new(&db, DEFAULT_OPT_LEVEL, None));
        // The prelude never changes: its queries are never re-checked.
        db.prelude = Some(
            SourceFile::builder("<prelude>".into(), PRELUDE.into())
                .durability(salsa::Durability::HIGH)
                .new(&db),
        );
        db
    }
}

#[salsa::db]
impl salsa::Database for Database {}

#[salsa::db]
impl Db for Database {
    fn prelude(&self) -> SourceFile {
        self.prelude.expect("prelude is set at construction")
    }

    fn options(&self) -> BuildOptions {
        self.options.expect("options are set at construction")
    }
}

impl Database {
    /// Adds a source file.
    pub fn add_file(&self, path: &str, text: &str) -> SourceFile {
        SourceFile::new(self, path.into(), text.into())
    }

    /// A database that builds at optimization level `level`.
    pub fn with_opt_level(level: u8) -> Database {
        let mut db = Database::default();
        db.set_opt_level(level);
        db
    }

    pub fn set_opt_level(&mut self, level: u8) {
        let options = self.options();
        if *options.opt_level(self) != level {
            options.set_opt_level(self).to(level);
        }
    }

    /// Makes `main` the program's main file (whole-program facts are
    /// about it).
    pub fn set_main(&mut self, main: SourceFile) {
        let options = self.options();
        if *options.main(self) != Some(main) {
            options.set_main(self).to(Some(main));
        }
    }

    /// Starts recording which queries execute.
    pub fn start_log(&self) {
        *self.log.lock().expect("log") = Some(Vec::new());
    }

    /// The queries executed since `start_log` (or the last `take_log`),
    /// as `query_name(id)` strings.
    pub fn take_log(&self) -> Vec<String> {
        self.log
            .lock()
            .expect("log")
            .as_mut()
            .map(std::mem::take)
            .unwrap_or_default()
    }
}
