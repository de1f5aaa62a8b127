//! The concrete salsa database.

use fluent_ir::{Db, SourceFile};
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
            log,
        };
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
}

impl Database {
    /// Adds a source file.
    pub fn add_file(&self, path: &str, text: &str) -> SourceFile {
        SourceFile::new(self, path.into(), text.into())
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
