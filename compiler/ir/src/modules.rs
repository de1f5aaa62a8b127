//! Modules: the `module`, `export` and `import` forms of a file, and the
//! scope they give its definitions.
//!
//! A file is one module. `(module name form ...)` names it and holds its
//! forms (they are the file's items, as if written at top level);
//! `(export name ...)` lists what it exports; without an `export` form a
//! module exports every top-level `define` (LANGUAGE.md says so of files
//! without a `module` form and is silent on a `module` form without
//! `export`: exporting everything there too is the reading under which no
//! program that works elsewhere breaks), and a file without a `module`
//! form is named after the file.
//! `(import "path" spec)` may stand at top level or in the `module` form;
//! `spec` is `*` (every export), `()` or nothing (only qualified access),
//! or a list of names, each optionally renamed: `(square pi as PI)`.
//!
//! Which file an import string names is decided outside salsa (the linker
//! reads the disk) and recorded in the input [`SourceFile::imports`]; from
//! there on everything is tracked: [`module_scope`] gives the names a file
//! sees from its imports, by plain name and qualified (`shapes.area`, or
//! `geometry.shapes.area` after the import path's folders).

use crate::db::{Db, Diagnostic, SourceFile};
use crate::items::{module_env, module_key, parse_file};
use fluent_syntax::{Datum, DatumKind, Span};
use fluent_vm::bytecode::GlobalName;
use salsa::Accumulator;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// Where an import of a file leads (set by the loader, one per
/// [`ModuleHeader::imports`] entry).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ImportTarget {
    File(SourceFile),
    /// Not resolved (the loader reported why).
    Failed,
}

/// One `(import "path" spec)`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ImportSpec {
    pub path: Arc<str>,
    /// The path string's span (absolute in the file).
    pub span: Span,
    pub names: ImportNames,
}

/// What an import brings in unqualified.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ImportNames {
    /// `*`: every export.
    All,
    /// `()` or nothing: qualified access only.
    Qualified,
    /// Selected names.
    Only(Vec<ImportedName>),
}

/// (exported name, local name, span of the entry).
pub type ImportedName = (Arc<str>, Arc<str>, Span);

/// A file's module forms.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct ModuleHeader {
    /// The name of its `module` form, if it has one.
    pub declared: Option<Arc<str>>,
    /// Exported names with their spans; `None` (no `export` form): every
    /// top-level define.
    pub exports: Option<Vec<(Arc<str>, Span)>>,
    pub imports: Vec<ImportSpec>,
}

/// Whether a top-level form is a module form (not an item of the file).
pub fn is_module_form(d: &Datum) -> bool {
    d.is_form("import") || d.is_form("export")
}

/// Reads the module forms of `file`; malformed ones are reported.
#[salsa::tracked(returns(ref))]
pub fn module_header(db: &dyn Db, file: SourceFile) -> ModuleHeader {
    let mut h = ModuleHeader::default();
    let mut report = |span: Span, code: &'static str, msg: String| {
        Diagnostic::error(code, file, span, msg).accumulate(db);
    };
    let mut seen_module = false;
    for d in parse_file(db, file).iter() {
        header_form(d, &mut h, &mut seen_module, &mut report);
    }
    h
}

fn header_form(
    d: &Datum,
    h: &mut ModuleHeader,
    seen_module: &mut bool,
    report: &mut impl FnMut(Span, &'static str, String),
) {
    let Some(xs) = d.as_list() else { return };
    match xs.first().and_then(Datum::as_symbol) {
        Some("begin") => {
            for x in &xs[1..] {
                header_form(x, h, seen_module, report);
            }
        }
        Some("module") => {
            if *seen_module {
                report(d.span, "E0401", "a file holds one `module` form".into());
                return;
            }
            *seen_module = true;
            match xs.get(1).and_then(Datum::as_symbol) {
                Some(name) => h.declared = Some(name.into()),
                None => report(
                    d.span,
                    "E0401",
                    "`module` takes a name: (module name form ...)".into(),
                ),
            }
            for x in xs.iter().skip(2) {
                header_form(x, h, seen_module, report);
            }
        }
        Some("export") => {
            let list = h.exports.get_or_insert_with(Vec::new);
            for x in &xs[1..] {
                match x.as_symbol() {
                    Some(n) => list.push((n.into(), x.span)),
                    None => report(x.span, "E0402", "`export` takes names".into()),
                }
            }
        }
        Some("import") => match parse_import(xs) {
            Ok(spec) => h.imports.push(spec),
            Err((span, msg)) => report(span, "E0403", msg),
        },
        _ => {}
    }
}

const IMPORT_SHAPE: &str =
    "(import \"path\" (name ... name as alias ...)), (import \"path\" *) or (import \"path\" ())";

fn parse_import(xs: &[Datum]) -> Result<ImportSpec, (Span, String)> {
    let whole = xs[0].span.to(xs[xs.len() - 1].span);
    let Some(DatumKind::Str(path)) = xs.get(1).map(|d| &d.kind) else {
        let span = xs.get(1).map_or(whole, |d| d.span);
        return Err((
            span,
            format!("`import` takes a path string: {IMPORT_SHAPE}"),
        ));
    };
    let span = xs[1].span;
    let names = match &xs[2..] {
        [] => ImportNames::Qualified,
        [d] if d.as_symbol() == Some("*") => ImportNames::All,
        [d] => match d.as_list() {
            Some([]) => ImportNames::Qualified,
            Some(items) => ImportNames::Only(parse_names(items)?),
            None => return Err((d.span, format!("malformed import: {IMPORT_SHAPE}"))),
        },
        [_, extra, ..] => return Err((extra.span, format!("malformed import: {IMPORT_SHAPE}"))),
    };
    Ok(ImportSpec {
        path: path.clone(),
        span,
        names,
    })
}

fn parse_names(items: &[Datum]) -> Result<Vec<ImportedName>, (Span, String)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < items.len() {
        let Some(name) = items[i].as_symbol() else {
            return Err((items[i].span, "an imported name must be a symbol".into()));
        };
        if items.get(i + 1).and_then(Datum::as_symbol) == Some("as") {
            let Some(alias) = items.get(i + 2).and_then(Datum::as_symbol) else {
                let span = items.get(i + 2).unwrap_or(&items[i + 1]).span;
                return Err((span, "`as` takes the new name: (name as alias)".into()));
            };
            out.push((
                name.into(),
                alias.into(),
                items[i].span.to(items[i + 2].span),
            ));
            i += 3;
        } else {
            out.push((name.into(), name.into(), items[i].span));
            i += 1;
        }
    }
    Ok(out)
}

/// The names `file` exports (checked against its definitions).
#[salsa::tracked(returns(ref))]
pub fn exports(db: &dyn Db, file: SourceFile) -> Arc<BTreeSet<Arc<str>>> {
    let env = module_env(db, file);
    match &module_header(db, file).exports {
        None => Arc::new(env.defined.clone()),
        Some(list) => {
            for (name, span) in list {
                if !env.defined.contains(name) {
                    Diagnostic::error(
                        "E0410",
                        file,
                        *span,
                        format!("`{name}` is exported but not defined in this module"),
                    )
                    .accumulate(db);
                }
            }
            Arc::new(list.iter().map(|(n, _)| n.clone()).collect())
        }
    }
}

/// A module another one can name: its identity and its exports.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ModuleRef {
    pub module: Arc<str>,
    pub exports: Arc<BTreeSet<Arc<str>>>,
}

/// What a file sees through its imports.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct ModuleScope {
    /// Names imported unqualified: local name -> the global.
    pub names: BTreeMap<Arc<str>, GlobalName>,
    /// Qualifiers: `q` of `q.x` -> the module.
    pub qualified: BTreeMap<Arc<str>, ModuleRef>,
}

impl ModuleScope {
    /// Resolves `q.x` (split at the last dot): `Ok(Some(global))`,
    /// `Ok(None)` if `q` names no imported module, `Err(module)` if it
    /// does but `x` is not exported.
    pub fn qualified(&self, name: &str) -> Result<Option<GlobalName>, Arc<str>> {
        let Some((q, x)) = name.rsplit_once('.') else {
            return Ok(None);
        };
        let Some(m) = self.qualified.get(q) else {
            return Ok(None);
        };
        if m.exports.contains(x) {
            Ok(Some(GlobalName {
                module: m.module.clone(),
                name: x.into(),
            }))
        } else {
            Err(q.into())
        }
    }
}

/// The scope `file`'s imports give it; unknown and repeated names are
/// reported.
#[salsa::tracked(returns(ref))]
pub fn module_scope(db: &dyn Db, file: SourceFile) -> ModuleScope {
    let header = module_header(db, file);
    let targets = file.imports(db);
    let defined = &module_env(db, file).defined;
    let mut scope = ModuleScope::default();
    // Where each unqualified name came from, for "imported twice".
    let mut origin: BTreeMap<Arc<str>, Arc<str>> = BTreeMap::new();
    let report = |span: Span, code: &'static str, msg: String| {
        Diagnostic::error(code, file, span, msg).accumulate(db);
    };
    for (spec, target) in header.imports.iter().zip(targets.iter()) {
        let ImportTarget::File(target) = *target else {
            continue;
        };
        let module = module_key(db, target).clone();
        let exported = exports(db, target).clone();
        let m = ModuleRef {
            module: module.clone(),
            exports: exported.clone(),
        };
        for q in qualifiers(&spec.path, module_header(db, target).declared.as_deref()) {
            scope.qualified.insert(q, m.clone());
        }
        let mut bring = |name: &Arc<str>, local: &Arc<str>, span: Span| {
            if defined.contains(local) {
                report(
                    span,
                    "E0411",
                    format!(
                        "`{local}` is imported from \"{}\" and also defined here",
                        spec.path
                    ),
                );
                return;
            }
            if let Some(first) = origin.get(local) {
                report(
                    span,
                    "E0406",
                    format!("`{local}` is imported twice (first from \"{first}\")"),
                );
                return;
            }
            origin.insert(local.clone(), spec.path.clone());
            scope.names.insert(
                local.clone(),
                GlobalName {
                    module: module.clone(),
                    name: name.clone(),
                },
            );
        };
        match &spec.names {
            ImportNames::Qualified => {}
            ImportNames::All => {
                for name in exported.iter() {
                    bring(name, name, spec.span);
                }
            }
            ImportNames::Only(names) => {
                for (name, local, span) in names {
                    if exported.contains(name) {
                        bring(name, local, *span);
                    } else {
                        report(
                            *span,
                            "E0405",
                            format!("\"{}\" does not export `{name}`", spec.path),
                        );
                    }
                }
            }
        }
    }
    scope
}

/// The qualifiers an import makes a module known by: the last part of
/// its path (`shapes` for "geometry/shapes"), the whole path with dots
/// (`geometry.shapes`), and the name of its `module` form.
fn qualifiers(path: &str, declared: Option<&str>) -> BTreeSet<Arc<str>> {
    let parts: Vec<&str> = path
        .split('/')
        .filter(|p| !p.is_empty() && *p != "." && *p != "..")
        .collect();
    let mut out = BTreeSet::new();
    if let Some(last) = parts.last() {
        out.insert((*last).into());
        out.insert(parts.join(".").into());
    }
    if let Some(d) = declared {
        out.insert(d.into());
    }
    out
}
