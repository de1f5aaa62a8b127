//! Parsing a file and splitting it into items, the unit of incremental
//! compilation.
//!
//! An item is one top-level form (top-level `begin`s are spliced). Its
//! identity is its key: the defined name, or the ordinal among the file's
//! expressions. Its syntax is stored with spans relative to its own start
//! and its position separately, so editing one item leaves every other
//! item's `syntax` equal and their lowering and code generation are not
//! re-run (only the cheap `offset` field changes).

use crate::db::{Db, Diagnostic, SourceFile};
use fluent_syntax::{Datum, DatumKind};
use salsa::Accumulator;
use std::collections::BTreeSet;
use std::sync::Arc;

/// Reads a file. A syntax error is a diagnostic, and the file then has no
/// items.
#[salsa::tracked(returns(ref))]
pub fn parse_file(db: &dyn Db, file: SourceFile) -> Arc<[Datum]> {
    match fluent_syntax::read_all(file.text(db)) {
        Ok(data) => data.into(),
        Err(e) => {
            Diagnostic::error(e.code, file, e.span, e.message).accumulate(db);
            Arc::from(Vec::new())
        }
    }
}

/// What identifies an item across edits.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ItemKey {
    /// `(define name ...)`.
    Define(Arc<str>),
    /// The n-th other top-level form of the file.
    Form(u32),
}

/// One top-level form of a file.
#[salsa::tracked(debug)]
pub struct Item<'db> {
    #[returns(copy)]
    pub file: SourceFile,
    #[returns(ref)]
    pub key: ItemKey,
    /// The form, with spans relative to `offset`.
    #[tracked]
    #[returns(ref)]
    pub syntax: Arc<Datum>,
    /// Where the form starts in the file.
    #[tracked]
    #[returns(copy)]
    pub offset: u32,
}

/// The items of a file, in source order.
#[salsa::tracked(returns(ref))]
pub fn file_items<'db>(db: &'db dyn Db, file: SourceFile) -> Vec<Item<'db>> {
    let mut forms = Vec::new();
    for d in parse_file(db, file).iter() {
        splice_begin(d, &mut forms);
    }
    let mut ordinal = 0;
    forms
        .into_iter()
        .map(|d| {
            let key = match defined_name(d) {
                Some(name) => ItemKey::Define(name),
                None => {
                    ordinal += 1;
                    ItemKey::Form(ordinal - 1)
                }
            };
            let offset = d.span.start;
            Item::new(db, file, key, Arc::new(d.shifted(-(offset as i64))), offset)
        })
        .collect()
}

/// Top-level `(begin form ...)` is the forms themselves (R7RS 5.6.1), and
/// so is the body of `(module name form ...)`; `import` and `export` are
/// not items (see `modules`).
fn splice_begin<'a>(d: &'a Datum, out: &mut Vec<&'a Datum>) {
    match d.as_list() {
        Some([head, rest @ ..]) if head.as_symbol() == Some("begin") && !rest.is_empty() => {
            for x in rest {
                splice_begin(x, out);
            }
        }
        Some([head, _name, rest @ ..]) if head.as_symbol() == Some("module") => {
            for x in rest {
                splice_begin(x, out);
            }
        }
        _ if crate::modules::is_module_form(d) => {}
        _ => out.push(d),
    }
}

/// The name a `define` form defines, if it is one.
pub fn defined_name(d: &Datum) -> Option<Arc<str>> {
    let xs = d.as_list()?;
    if xs.first()?.as_symbol()? != "define" {
        return None;
    }
    match &xs.get(1)?.kind {
        DatumKind::Symbol(s) => Some(s.clone()),
        DatumKind::List(sig) | DatumKind::Dotted(sig, _) => match &sig.first()?.kind {
            DatumKind::Symbol(s) => Some(s.clone()),
            _ => None,
        },
        _ => None,
    }
}

/// The names a module defines at top level, and what it is called. Reads
/// only item keys, so body edits leave it unchanged (and backdated).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ModuleEnv {
    pub module: Arc<str>,
    pub defined: BTreeSet<Arc<str>>,
}

#[salsa::tracked(returns(ref))]
pub fn module_env(db: &dyn Db, file: SourceFile) -> ModuleEnv {
    let defined = file_items(db, file)
        .iter()
        .filter_map(|it| match it.key(db) {
            ItemKey::Define(n) => Some(n.clone()),
            ItemKey::Form(_) => None,
        })
        .collect();
    ModuleEnv {
        module: module_key(db, file).clone(),
        defined,
    }
}

/// The module's identity in global names: the loader's, else derived
/// from the path. Separate from [`module_env`] so that importers, which
/// need only this, do not depend on the module's definitions.
#[salsa::tracked]
pub fn module_key(db: &dyn Db, file: SourceFile) -> Arc<str> {
    let id = file.module_id(db);
    if id.is_empty() {
        module_name(file.path(db))
    } else {
        id.clone()
    }
}

/// A file's module name: its file stem (`math.fl` is `math`), or for a
/// `module.fl` its folder's name.
pub fn module_name(path: &str) -> Arc<str> {
    let p = std::path::Path::new(path);
    let stem = p.file_stem().and_then(|s| s.to_str()).unwrap_or(path);
    if stem == "module"
        && let Some(dir) = p
            .parent()
            .and_then(|d| d.file_name())
            .and_then(|s| s.to_str())
    {
        return dir.into();
    }
    stem.trim_start_matches('<').trim_end_matches('>').into()
}
