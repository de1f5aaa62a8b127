//! Effect annotations: `(declare (pure f ...))` and
//! `(declare (effects f kind ...))` state an upper bound that inference
//! must confirm. Lowering checks their shape (names defined here, kinds
//! known); this checks them against [`program_effects`], and explains a
//! contradiction with the call path that brings the effect in.

use crate::EffectSet;
use crate::infer::{EffectTable, program_effects, program_files};
use crate::paths::{Explainer, Modules, render_path};
use fluent_ir::items::module_key;
use fluent_ir::{Db, Diagnostic, ItemKey, SourceFile, file_items};
use fluent_linker::graph::Def;
use fluent_syntax::Span;
use fluent_vm::bytecode::GlobalName;
use fluent_vm::effect::EffectKind;
use std::sync::Arc;

/// One name of a `declare` form, with its bound.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Declaration {
    pub name: Arc<str>,
    pub bound: EffectSet,
    /// Where the name is written (absolute).
    pub span: Span,
    /// `pure` or `effects`.
    pub pure: bool,
}

/// The well-formed declarations of `file` (lowering reports the others).
#[salsa::tracked(returns(ref))]
pub fn declarations(db: &dyn Db, file: SourceFile) -> Vec<Declaration> {
    let mut out = Vec::new();
    for item in file_items(db, file) {
        if !matches!(item.key(db), ItemKey::Form(_)) {
            continue;
        }
        let Some(decls) = declare_body(item.syntax(db)) else {
            continue;
        };
        let offset = item.offset(db) as i64;
        for d in decls {
            let Some([kw, rest @ ..]) = d.as_list() else {
                continue;
            };
            let (names, kinds, pure) = match kw.as_symbol() {
                Some("pure") => (rest, &[][..], true),
                Some("effects") if !rest.is_empty() => (&rest[..1], &rest[1..], false),
                _ => continue,
            };
            let bound = kinds
                .iter()
                .filter_map(|k| k.as_symbol().and_then(EffectKind::from_name))
                .collect();
            for n in names {
                if let Some(name) = n.as_symbol() {
                    out.push(Declaration {
                        name: name.into(),
                        bound,
                        span: n.span.shift(offset),
                        pure,
                    });
                }
            }
        }
    }
    out
}

/// The declarations of a `(declare decl ...)` form, if `d` is one.
pub fn declare_body(d: &fluent_syntax::Datum) -> Option<&[fluent_syntax::Datum]> {
    match d.as_list()? {
        [head, decls @ ..] if head.as_symbol() == Some("declare") => Some(decls),
        _ => None,
    }
}

/// Every declaration of the program `main` that inference contradicts
/// (E0501), with the call path of each effect beyond the bound.
#[salsa::tracked(returns(ref))]
pub fn annotation_errors(db: &dyn Db, main: SourceFile) -> Vec<Diagnostic> {
    let files = program_files(db, main);
    // Most programs declare nothing: then there is nothing to infer here.
    if files.iter().all(|&f| declarations(db, f).is_empty()) {
        return vec![];
    }
    let table = program_effects(db, main);
    let mut bad = Vec::new();
    let mut errors = Vec::new();
    for &file in &files {
        for d in declarations(db, file) {
            let def = Def::Global(GlobalName {
                module: module_key(db, file).clone(),
                name: d.name.clone(),
            });
            let Some(effects) = table.of(&def) else {
                continue;
            };
            if let Def::Global(g) = &def
                && table.assigned.contains(g)
            {
                // Its callers may call whatever was assigned.
                let message = format!(
                    "`{}` is declared but assigned with `set!`, so calls of it may do anything",
                    d.name
                );
                errors.push(Diagnostic::error("E0501", file, d.span, message));
                continue;
            }
            let excess = effects.minus(d.bound);
            if !excess.is_pure() {
                bad.push((file, d, def, excess));
            }
        }
    }
    if bad.is_empty() {
        return errors;
    }
    let modules = Modules::new(db, &files);
    let mut explain = Explainer::new(db, table, &modules);
    errors.extend(bad.into_iter().map(|(file, d, def, excess)| {
        let declared = if d.pure {
            "pure".to_string()
        } else if d.bound.is_pure() {
            "to have no effects".to_string()
        } else {
            format!("to perform at most {}", d.bound)
        };
        let message = format!(
            "`{}` is declared {declared} but may perform {excess}",
            d.name
        );
        let mut diag = Diagnostic::error("E0501", file, d.span, message);
        let item = explain.item_of(&def);
        for kind in excess.kinds() {
            let path = item.map(|it| explain.path(it, kind)).unwrap_or_default();
            diag = diag.with_help(format!("{}: {}", kind.name(), render_path(db, &path)));
        }
        diag
    }));
    errors
}
