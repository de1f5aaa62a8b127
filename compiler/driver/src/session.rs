//! Running programs: whole files, and a REPL session that compiles each
//! input into the running VM.

use crate::db::Database;
use crate::pipeline::{build_tree, image_file, link_files, link_image, load, search_roots};
use crate::render::render;
use fluent_codegen::{Compiled, compile_item};
use fluent_ir::items::module_key;
use fluent_ir::{Db, SourceFile, file_items};
use fluent_linker::{Disk, Files, LinkInput, Linker, Loader};
use fluent_vm::image::SourceFile as ImageFile;
use fluent_vm::printer::Mode;
use fluent_vm::runtime::Output;
use fluent_vm::{RuntimeError, Value, Vm, VmConfig};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
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

impl Failure {
    /// Compile-time diagnostics, rendered.
    pub fn compile(db: &dyn fluent_ir::Db, ds: &[fluent_ir::Diagnostic]) -> Failure {
        Failure::Compile(ds.iter().map(|d| render(db, d)).collect())
    }
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

/// The stack the CLI runs the compiler on (see `src/cli`); the thread that
/// frees the compiler's memory gets as much.
pub const COMPILER_STACK: usize = 512 << 20;

/// Compiles and runs one program file, writing its output to `out`.
pub fn run_source(path: &str, text: &str, config: VmConfig, out: Output) -> Result<(), Failure> {
    run_source_then(path, text, config, out, |_| {})
}

/// As [`run_source`], then `then` looks at the VM (for `--stats`), also
/// after a runtime error. Imports are read from disk, from the default
/// search roots.
pub fn run_source_then(
    path: &str,
    text: &str,
    config: VmConfig,
    out: Output,
    then: impl FnOnce(&mut Vm),
) -> Result<(), Failure> {
    let roots = search_roots(Path::new(path), &[]);
    run_program_then(path, text, &roots, &Disk, config, out, then)
}

/// Compiles and runs the program whose main file is `path` (with text
/// `text`), its imports found under `roots` in `fs`; then `then` looks at
/// the VM.
pub fn run_program_then(
    path: &str,
    text: &str,
    roots: &[PathBuf],
    fs: &dyn Files,
    config: VmConfig,
    out: Output,
    then: impl FnOnce(&mut Vm),
) -> Result<(), Failure> {
    let mut db = Database::with_opt_level(config.opt_level);
    let mut loader = Loader::new(roots.to_vec());
    let image = load(&mut db, &mut loader, fs, path, text)
        .map(|tree| build_tree(&db, &tree))
        .map_err(|ds| Failure::compile(&db, &ds))?;
    // The compiler's memory is freed while the program runs (on a large
    // tree that takes about half as long as building it), on a stack as
    // deep as the compiler's own: syntax nests as deep as the reader allows,
    // and dropping it recurses.
    // (If the thread cannot start, `spawn` drops it all here.)
    let garbage = (db, loader);
    let _ = std::thread::Builder::new()
        .stack_size(COMPILER_STACK)
        .spawn(move || drop(garbage));
    let mut vm = Vm::new(Arc::new(image), config, out).map_err(Failure::Internal)?;
    let result = vm.run_init();
    vm.rt.out.flush();
    then(&mut vm);
    result.map_err(Failure::Runtime)
}

/// Compiles the program whose main file is `path` into a linked image
/// file's bytes (`fluent build`): only what the program reaches.
pub fn build_image(
    path: &str,
    text: &str,
    roots: &[PathBuf],
    fs: &dyn Files,
    opt_level: u8,
) -> Result<Vec<u8>, Failure> {
    let mut db = Database::with_opt_level(opt_level);
    let mut loader = Loader::new(roots.to_vec());
    let image = load(&mut db, &mut loader, fs, path, text)
        .map(|tree| build_tree(&db, &tree))
        .map_err(|ds| Failure::compile(&db, &ds))?;
    Ok(fluent_vm::image::encode(&image))
}

/// Runs a linked image file's bytes (`name` is for messages); then `then`
/// looks at the VM. A damaged or foreign file is refused before anything
/// runs.
pub fn run_image_then(
    name: &str,
    bytes: &[u8],
    config: VmConfig,
    out: Output,
    then: impl FnOnce(&mut Vm),
) -> Result<(), Failure> {
    let image = fluent_vm::image::decode(bytes)
        .map_err(|e| Failure::Compile(vec![format!("error: {name}: {e}\n")]))?;
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
/// compiled and run as they arrive, in one VM. Modules an input imports
/// (found from the current folder) are linked and initialised the first
/// time, before the input runs.
pub struct Session {
    db: Database,
    loader: Loader,
    linker: Linker,
    vm: Vm,
    file: SourceFile,
    /// Module files already linked into the VM.
    linked: HashSet<SourceFile>,
    /// Files of the VM's image (prelude, modules, one per accepted input).
    nfiles: u32,
}

/// The session's file name.
const REPL: &str = "<repl>";

impl Session {
    /// A session compiles as written (`-O0`, whatever `config` says): a
    /// definition entered later may replace one that optimized code would
    /// have folded into its callers.
    pub fn new(config: VmConfig, out: Output) -> Result<Session, Failure> {
        let mut db = Database::with_opt_level(0);
        let mut loader = Loader::new(search_roots(Path::new(REPL), &[]));
        let file = loader
            .load(&mut db, &Disk, Path::new(REPL), "")
            .map_err(|ds| Failure::compile(&db, &ds))?
            .main;
        let mut linker = Linker::new();
        let image = link_image(&db, &mut linker, &[db.prelude()], |_| true);
        let mut vm = Vm::new(Arc::new(image), config, out).map_err(Failure::Internal)?;
        vm.run_init().map_err(Failure::Runtime)?;
        Ok(Session {
            db,
            loader,
            linker,
            vm,
            file,
            linked: HashSet::new(),
            nfiles: 1,
        })
    }

    /// Compiles and runs `input`. Returns the printed value of its last
    /// expression, if that has a value worth showing.
    pub fn eval(&mut self, input: &str) -> Result<Option<String>, Failure> {
        let old: Arc<str> = self.file.text(&self.db).clone();
        let start = old.len() as u32 + 1;
        let text: Arc<str> = format!("{old}\n{input}").into();
        let tree = match load(&mut self.db, &mut self.loader, &Disk, REPL, &text) {
            Ok(tree) => tree,
            Err(diags) => {
                let rendered = diags.iter().map(|d| render(&self.db, d)).collect();
                // Back to the text before this input (it loaded before).
                let _ = self.loader.load(&mut self.db, &Disk, Path::new(REPL), &old);
                return Err(Failure::Compile(rendered));
            }
        };
        // Modules seen for the first time, in initialisation order.
        let modules: Vec<SourceFile> = tree
            .order
            .iter()
            .copied()
            .filter(|&f| f != self.file && self.linked.insert(f))
            .collect();
        let (mut protos, mut init) = link_files(&self.db, &mut self.linker, &modules, self.nfiles);
        let mut files: Vec<ImageFile> = modules.iter().map(|&f| image_file(&self.db, f)).collect();
        self.nfiles += modules.len() as u32;
        let file_index = self.nfiles;
        self.linker
            .set_module_file(module_key(&self.db, self.file).clone(), file_index);
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
        protos.extend(linked.protos);
        init.extend(linked.init);
        self.nfiles += 1;
        files.push(ImageFile::new(REPL, text));
        let value = self
            .vm
            .load_more(protos, self.linker.globals(), files, &init);
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
