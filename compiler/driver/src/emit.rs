//! `fluent emit`: the compiler's intermediate forms as text.

use crate::db::Database;
use crate::pipeline::{build, diagnostics};
use crate::render::render;
use crate::session::Failure;
use fluent_ir::{file_items, lower_item};

/// What to show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EmitKind {
    /// Core IR of each item.
    Core,
    /// Bytecode of each function.
    Bytecode,
}

/// The chosen form of the program in `text`, restricted to functions
/// named `function` if given.
pub fn emit(
    path: &str,
    text: &str,
    kind: EmitKind,
    function: Option<&str>,
) -> Result<String, Failure> {
    let db = Database::default();
    let file = db.add_file(path, text);
    let failed = |db: &Database, ds: Vec<fluent_ir::Diagnostic>| {
        Failure::Compile(ds.iter().map(|d| render(db, d)).collect())
    };
    let mut out = String::new();
    match kind {
        EmitKind::Core => {
            let ds = diagnostics(&db, &[file]);
            if !ds.is_empty() {
                return Err(failed(&db, ds));
            }
            for &item in file_items(&db, file) {
                if let Some(core) = &lower_item(&db, item).core {
                    let named = match &core.kind {
                        fluent_ir::core::ItemKind::Define { name, .. } => Some(&*name.name),
                        fluent_ir::core::ItemKind::Expr(_) => None,
                    };
                    if function.is_none() || function == named {
                        out.push_str(&fluent_ir::pretty::print_item(core));
                        out.push_str("\n\n");
                    }
                }
            }
        }
        EmitKind::Bytecode => {
            let image = build(&db, &[file]).map_err(|ds| failed(&db, ds))?;
            let global = |g: u32| {
                image
                    .globals
                    .get(g as usize)
                    .map(|n| n.to_string())
                    .unwrap_or_default()
            };
            for (i, p) in image.protos.iter().enumerate() {
                let in_file = p.file == 1;
                if in_file && function.is_none_or(|f| *p.name == *f) {
                    out.push_str(&fluent_vm::bytecode::disassemble(p, i, &global));
                    out.push('\n');
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
