//! `fluent emit`: the compiler's intermediate forms as text.

use crate::db::Database;
use crate::pipeline::{build, load, search_roots};
use crate::session::Failure;
use fluent_ir::file_items;
use fluent_linker::{Disk, Loader};
use fluent_opt::optimization;
use fluent_vm::runtime::Output;
use fluent_vm::{Vm, VmConfig};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What to show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EmitKind {
    /// Core IR of each item, as the optimizer leaves it.
    Core,
    /// As `Core`, each definition under a comment of what the optimizer
    /// did to it.
    Opt,
    /// A table of what the optimizer did to each definition.
    OptReport,
    /// Bytecode of each function.
    Bytecode,
    /// Cranelift IR of each function, as the JIT builds it.
    Clif,
    /// Machine code of each function, as the JIT compiles it.
    Asm,
}

/// How the opt report names an item: its global, or `<form N>` for the
/// N-th top-level expression of its module.
fn item_label(db: &Database, item: fluent_ir::Item<'_>) -> String {
    match item.key(db) {
        fluent_ir::ItemKey::Define(name) => {
            format!("{}.{name}", fluent_ir::items::module_key(db, item.file(db)))
        }
        _ => {
            let file = item.file(db);
            let line = fluent_syntax::lines::LineIndex::new(file.text(db))
                .line_col(item.offset(db))
                .0;
            format!("{}:{line}", file.path(db))
        }
    }
}

/// The chosen form of the program in `text`, restricted to functions
/// named `function` if given.
pub fn emit(
    path: &str,
    text: &str,
    kind: EmitKind,
    function: Option<&str>,
) -> Result<String, Failure> {
    emit_with_roots(
        path,
        text,
        &search_roots(Path::new(path), &[]),
        kind,
        function,
        fluent_ir::DEFAULT_OPT_LEVEL,
    )
}

/// As [`emit`], with imports searched under `roots` (`--path`).
pub fn emit_with_roots(
    path: &str,
    text: &str,
    roots: &[PathBuf],
    kind: EmitKind,
    function: Option<&str>,
    opt_level: u8,
) -> Result<String, Failure> {
    let mut db = Database::with_opt_level(opt_level);
    let failed = |db: &Database, ds: Vec<fluent_ir::Diagnostic>| Failure::compile(db, &ds);
    let mut loader = Loader::new(roots.to_vec());
    let files = match load(&mut db, &mut loader, &Disk, path, text) {
        Ok(tree) => tree.order,
        Err(ds) => return Err(failed(&db, ds)),
    };
    // Functions of the program's files (file 0 is the prelude).
    let mine = |p: &fluent_vm::bytecode::Proto| p.file >= 1;
    let mut out = String::new();
    match kind {
        EmitKind::Core | EmitKind::Opt | EmitKind::OptReport => {
            let items = files.iter().flat_map(|&f| file_items(&db, f));
            let chosen = items.filter_map(|&item| {
                let opt = optimization(&db, item);
                let core = opt.core.as_ref()?;
                let named = match &core.kind {
                    fluent_ir::core::ItemKind::Define { name, .. } => Some(&*name.name),
                    fluent_ir::core::ItemKind::Expr(_) => None,
                };
                (function.is_none() || function == named).then_some((item, opt, core))
            });
            let mut reports = Vec::new();
            for (item, opt, core) in chosen {
                match kind {
                    EmitKind::OptReport => reports.push((item_label(&db, item), &opt.report)),
                    _ => {
                        if kind == EmitKind::Opt {
                            out.push_str(&format!(";; {}\n", opt.report.summary()));
                        }
                        out.push_str(&fluent_ir::pretty::print_item(core));
                        out.push_str("\n\n");
                    }
                }
            }
            if kind == EmitKind::OptReport {
                out = fluent_opt::report::table(opt_level, &reports);
            }
        }
        EmitKind::Bytecode => {
            let image = build(&db, &files).map_err(|ds| failed(&db, ds))?;
            let global = |g: u32| {
                image
                    .globals
                    .get(g as usize)
                    .map(|n| n.to_string())
                    .unwrap_or_default()
            };
            let locate = |file: u32, span: Option<fluent_syntax::Span>| match span {
                Some(s) => image
                    .locate(file, s)
                    .map_or_else(|| "an unknown place".into(), |l| l.to_string()),
                None => image
                    .files
                    .get(file as usize)
                    .map_or_else(|| "an unknown file".into(), |f| f.path.to_string()),
            };
            for (i, p) in image.protos.iter().enumerate() {
                if mine(p) && function.is_none_or(|f| *p.name == *f) {
                    out.push_str(&fluent_vm::bytecode::disassemble(p, i, &global, &locate));
                    out.push('\n');
                }
            }
        }
        EmitKind::Clif | EmitKind::Asm => {
            let image = Arc::new(build(&db, &files).map_err(|ds| failed(&db, ds))?);
            let sink = Output::new(Box::new(std::io::sink()));
            let config = VmConfig::default();
            let mut vm = Vm::new(image.clone(), config, sink).map_err(Failure::Internal)?;
            for (i, p) in image.protos.iter().enumerate() {
                if mine(p) && function.is_none_or(|f| *p.name == *f) {
                    let text = vm
                        .emit_native(i as u32, kind == EmitKind::Asm)
                        .map_err(|e| {
                            Failure::Internal(format!("cannot compile {}: {e}", p.name))
                        })?;
                    out.push_str(&format!("; function {i}: {}\n{text}\n", p.name));
                }
            }
        }
    }
    if out.is_empty()
        && let Some(f) = function
    {
        return Err(Failure::Compile(vec![format!(
            "error: no function named `{f}` in {path}\n"
        )]));
    }
    Ok(out)
}
