//! Per-file summaries of the per-item queries, so that a whole-program
//! step (checking, linking) makes one lookup per file instead of several
//! per item: after an edit, only the edited file's summary is recomputed,
//! and on a 200-module tree the lookups of 7,500 items were most of a
//! rebuild's time.

use crate::pipeline::item_diagnostics;
use fluent_codegen::{Compiled, compile_item};
use fluent_ir::{Db, Diagnostic, SourceFile, file_items};
use fluent_linker::graph::{Def, item_refs};
use fluent_vm::bytecode::Unit;
use std::collections::HashMap;
use std::sync::Arc;

/// An item of a file, as linking needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkItem {
    /// Its code (none for an item that did not compile).
    pub unit: Option<Arc<Unit>>,
    /// Where it starts in the file (its code's spans are relative to it).
    pub offset: u32,
    /// Its node in the call graph, and whether it runs for more than a
    /// value (see `item_refs`).
    pub def: Def,
    pub root: bool,
}

/// Every item of `file`, in order, as linking needs it.
#[salsa::tracked(returns(ref))]
pub fn link_items_of(db: &dyn Db, file: SourceFile) -> Arc<[LinkItem]> {
    file_items(db, file)
        .iter()
        .map(|&item| {
            let r = item_refs(db, item);
            LinkItem {
                unit: match compile_item(db, item) {
                    Compiled::Unit(u) => Some(u.clone()),
                    _ => None,
                },
                offset: item.offset(db),
                def: r.def.clone(),
                root: r.root,
            }
        })
        .collect()
}

/// The lowering and code generation errors of every item of `file`.
#[salsa::tracked(returns(ref))]
pub fn item_errors_of(db: &dyn Db, file: SourceFile) -> Vec<Diagnostic> {
    file_items(db, file)
        .iter()
        .flat_map(|&item| item_diagnostics(db, item))
        .collect()
}

/// A definition whose code changed since the last [`Changes::since_last`].
#[derive(Clone, Debug)]
pub struct ChangedDef {
    pub file: SourceFile,
    pub item: LinkItem,
}

/// What was linked last, per file, to find what an edit changed with one
/// lookup per unchanged file.
#[derive(Default)]
pub struct Changes {
    linked: HashMap<SourceFile, Arc<[LinkItem]>>,
}

impl Changes {
    /// Records `files` as linked (nothing is reported for them later
    /// unless they change).
    pub fn remember(&mut self, db: &dyn Db, files: &[SourceFile]) {
        for &f in files {
            self.linked.insert(f, link_items_of(db, f).clone());
        }
    }

    /// The definitions of `files` whose code is new or different since
    /// they were last seen (top-level expressions are not reported: they
    /// ran once and do not run again).
    pub fn since_last(&mut self, db: &dyn Db, files: &[SourceFile]) -> Vec<ChangedDef> {
        let mut out = Vec::new();
        for &f in files {
            let now = link_items_of(db, f).clone();
            let before = self.linked.insert(f, now.clone());
            if before
                .as_ref()
                .is_some_and(|b| Arc::ptr_eq(b, &now) || **b == *now)
            {
                continue;
            }
            for item in now.iter() {
                if !matches!(item.def, Def::Global(_)) || item.unit.is_none() {
                    continue;
                }
                let old = before
                    .as_ref()
                    .and_then(|b| b.iter().find(|o| o.def == item.def));
                if old.is_none_or(|o| o.unit != item.unit) {
                    out.push(ChangedDef {
                        file: f,
                        item: item.clone(),
                    });
                }
            }
        }
        out
    }
}
