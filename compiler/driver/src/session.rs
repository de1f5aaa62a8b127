//! Running programs: whole files, and a REPL session that compiles each
//! input into the running VM.

use crate::db::Database;
use crate::pipeline::{build, diagnostics, link_files};
use crate::render::render;
use fluent_codegen::{Compiled, compile_item};
use fluent_ir::{Db, SourceFile, file_items};
use fluent_linker::{LinkInput, Linker};
use fluent_vm::image::SourceFile as ImageFile;
use fluent_vm::printer::Mode;
use fluent_vm::runtime::Output;
use fluent_vm::{RuntimeError, Value, Vm, VmConfig};
use salsa::Setter;
use std::sync::Arc;

/// Why a program did not run to completion.
#[derive(Debug)]
pub enum Failure {
    /// Rendered compile-time diagnostics.
    Compile(Vec<String>),
    Runtime(RuntimeError),
    /// The compiler produced code the VM refused (a bug in Fluent).
    Internal(String),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Compile(ds) => ds.iter().try_for_each(|d| write!(f, "{d}")),
            Failure::Runtime(e) => write!(f, "{e}"),
            Failure::Internal(e) => writeln!(f, "error: internal compiler error: {e}"),
        }
    }
}

/// Compiles and runs one program file, writing its output to `out`.
pub fn run_source(path: &str, text: &str, config: VmConfig, out: Output) -> Result<(), Failure> {
    run_source_then(path, text, config, out, |_| {})
}

/// As [`run_source`], then `then` looks at the VM (for `--stats`), also
/// after a runtime error.
pub fn run_source_then(
    path: &str,
    text: &str,
    config: VmConfig,
    out: Output,
    then: impl FnOnce(&mut Vm),
) -> Result<(), Failure> {
    let db = Database::default();
    let file = db.add_file(path, text);
    let image = build(&db, &[file])
        .map_err(|ds| Failure::Compile(ds.iter().map(|d| render(&db, d)).collect()))?;
    let mut vm = Vm::new(Arc::new(image), config, out).map_err(Failure::Internal)?;
    let result = vm.run_init();
    vm.rt.out.flush();
    then(&mut vm);
    result.map_err(Failure::Runtime)
}

/// The most bytes of a value the REPL shows (a value can print
/// exponentially long, or forever).
const REPL_VALUE_LIMIT: usize = 1 << 20;

/// An interactive session: one growing source text whose new items are
/// compiled and run as they arrive, in one VM.
pub struct Session {
    db: Database,
    linker: Linker,
    vm: Vm,
    file: SourceFile,
    /// Files of the VM's image (prelude, then one per accepted input).
    nfiles: u32,
}

impl Session {
    pub fn new(config: VmConfig, out: Output) -> Result<Session, Failure> {
        let db = Database::default();
        let file = db.add_file("<repl>", "");
        let prelude = db.prelude();
        let mut linker = Linker::new();
        let (protos, init) = link_files(&db, &mut linker, &[prelude], 0);
        let image = fluent_vm::Image {
            files: vec![ImageFile::new(
                prelude.path(&db).clone(),
                prelude.text(&db).clone(),
            )],
            protos,
            globals: linker.globals().to_vec(),
            init,
        };
        let mut vm = Vm::new(Arc::new(image), config, out).map_err(Failure::Internal)?;
        vm.run_init().map_err(Failure::Runtime)?;
        Ok(Session {
            db,
            linker,
            vm,
            file,
            nfiles: 1,
        })
    }

    /// Compiles and runs `input`. Returns the printed value of its last
    /// expression, if that has a value worth showing.
    pub fn eval(&mut self, input: &str) -> Result<Option<String>, Failure> {
        let old: Arc<str> = self.file.text(&self.db).clone();
        let start = old.len() as u32 + 1;
        let text: Arc<str> = format!("{old}\n{input}").into();
        self.file.set_text(&mut self.db).to(text.clone());
        let diags = diagnostics(&self.db, &[self.file]);
        if !diags.is_empty() {
            let rendered = diags.iter().map(|d| render(&self.db, d)).collect();
            self.file.set_text(&mut self.db).to(old);
            return Err(Failure::Compile(rendered));
        }
        let file_index = self.nfiles;
        let units: Vec<_> = file_items(&self.db, self.file)
            .iter()
            .filter(|it| it.offset(&self.db) >= start)
            .filter_map(|&it| match compile_item(&self.db, it) {
                Compiled::Unit(u) => Some((u.clone(), it.offset(&self.db))),
                _ => None,
            })
            .collect();
        let inputs: Vec<LinkInput> = units
            .iter()
            .map(|(u, off)| LinkInput {
                unit: u,
                file: file_index,
                offset: *off,
            })
            .collect();
        let linked = self.linker.link(&inputs);
        self.nfiles += 1;
        let files = vec![ImageFile::new("<repl>", text)];
        let value = self
            .vm
            .load_more(linked.protos, self.linker.globals(), files, &linked.init);
        self.vm.rt.out.flush();
        let value = value.map_err(Failure::Runtime)?;
        Ok(value
            .filter(|v| *v != Value::UNSPECIFIED)
            .map(|v| self.vm.rt.show_limited(v, Mode::Write, REPL_VALUE_LIMIT)))
    }

    /// The running VM (for its statistics and counters).
    pub fn vm(&mut self) -> &mut Vm {
        &mut self.vm
    }

    /// The diagnostics database (for rendering and tests).
    pub fn db(&self) -> &dyn Db {
        &self.db
    }
}
