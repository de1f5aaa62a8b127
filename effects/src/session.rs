//! An effect session: inference kept up to date across edits, so that the
//! audit after a save (`fluent watch --deny`) costs what the edit changed,
//! not what the program holds.
//!
//! [`crate::program_effects`] is one salsa query over every item's facts:
//! after any edit salsa re-checks all of them (7,500 on the 200-module
//! benchmark tree), and a change re-solves the whole program. A session
//! instead keeps, between edits, every file's item facts, the program's
//! equations over numbered definitions with the reverse edges
//! ([`crate::solve::Graph`]), each file's part of what an unknown call may
//! do and of the globals assigned with `set!`, and the solution. On
//! [`EffectSession::update`]:
//!
//! 1. Each file of the program is compared with what it was when last
//!    read: its text, path and module id (salsa inputs) and its
//!    `module_scope` (what its imports bring in, the only other thing its
//!    items' lowering reads). Only files that differ, or are new, have
//!    their items' facts read again through salsa.
//! 2. Their definitions are diffed against the old ones: removed ones
//!    leave the graph, new and changed ones are put in. A name that comes
//!    or goes changes what the bodies naming it call, so those are
//!    resolved again too. Together these are the dirty definitions.
//! 3. If what an unknown call may do or the set of assigned globals
//!    changed, every value may change: the whole program is solved.
//!    Otherwise the region of the dirty definitions and their transitive
//!    callers is solved, everything else fixed (see `solve` for why that
//!    is the least solution, and why components are solved from bottom).
//!
//! The solution is the one [`crate::program_effects`] computes from
//! scratch (a differential test of the driver checks it after random
//! edits), and so are audits: [`EffectSession::audit`] reports files with
//! the same call paths, searched forward from the reported definitions.
//!
//! Assumes, as the loader guarantees, that a module key names one file of
//! the program.

use crate::EffectSet;
use crate::audit::{Paths, Policy, Report, report};
use crate::infer::{DefEffects, EffectTable, ProgramEffects, program_files};
use crate::paths::Modules;
use crate::solve::{Graph, NodeId};
use crate::summary::{Facts, item_facts};
use fluent_ir::items::module_key;
use fluent_ir::modules::ModuleScope;
use fluent_ir::{Db, SourceFile, file_items, module_scope};
use fluent_linker::graph::{Def, item_refs};
use fluent_vm::bytecode::GlobalName;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

/// Everything the facts of a file's items are computed from.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Stamp {
    text: Arc<str>,
    path: Arc<str>,
    module_id: Arc<str>,
    scope: ModuleScope,
}

impl Stamp {
    fn of(db: &dyn Db, f: SourceFile) -> Stamp {
        Stamp {
            text: f.text(db).clone(),
            path: f.path(db).clone(),
            module_id: f.module_id(db).clone(),
            scope: module_scope(db, f).clone(),
        }
    }

    /// Whether `f` is as it was (without copying it).
    fn holds(&self, db: &dyn Db, f: SourceFile) -> bool {
        *f.text(db) == self.text
            && *f.path(db) == self.path
            && *f.module_id(db) == self.module_id
            && *module_scope(db, f) == self.scope
    }
}

/// A file as the session last read it.
#[derive(Clone, Debug)]
struct FileState {
    stamp: Stamp,
    module: Arc<str>,
    /// Each item's definition and facts, in order.
    defs: Vec<(Def, Facts)>,
    /// The file's part of what an unknown procedure may do.
    anywhere: EffectSet,
    /// The globals its items assign.
    assigns: BTreeSet<GlobalName>,
}

impl FileState {
    fn read(db: &dyn Db, f: SourceFile) -> FileState {
        let defs: Vec<(Def, Facts)> = file_items(db, f)
            .iter()
            .map(|&it| (item_refs(db, it).def.clone(), item_facts(db, it).clone()))
            .collect();
        FileState {
            stamp: Stamp::of(db, f),
            module: module_key(db, f).clone(),
            anywhere: defs
                .iter()
                .fold(EffectSet::PURE, |a, (_, f)| a.join(f.anywhere)),
            assigns: defs
                .iter()
                .flat_map(|(_, f)| f.assigns.iter().cloned())
                .collect(),
            defs,
        }
    }

    /// Its definitions, each with its last facts (a name defined twice is
    /// its last definition).
    fn effective(state: Option<&FileState>) -> HashMap<&Def, &Facts> {
        state
            .into_iter()
            .flat_map(|s| s.defs.iter().map(|(d, f)| (d, f)))
            .collect()
    }
}

/// What an update did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Updated {
    /// Files whose items' facts were read again.
    pub files: usize,
    /// Whether the whole program was solved (the first update, or what an
    /// unknown call may do or the assigned globals changed).
    pub whole: bool,
    /// Definitions solved again.
    pub solved: usize,
}

/// Inference kept up to date across edits (see the module docs).
pub struct EffectSession {
    graph: Graph,
    files: HashMap<SourceFile, FileState>,
    modules: Modules,
}

impl Default for EffectSession {
    fn default() -> Self {
        EffectSession {
            graph: Graph::incremental(),
            files: HashMap::new(),
            modules: Modules::default(),
        }
    }
}

impl EffectSession {
    pub fn new() -> EffectSession {
        EffectSession::default()
    }

    /// Brings the solution up to date with the program `main` as `db`
    /// holds it now.
    pub fn update(&mut self, db: &dyn Db, main: SourceFile) -> Updated {
        let files = program_files(db, main);
        let live: HashSet<SourceFile> = files.iter().copied().collect();
        let mut read: Vec<(SourceFile, Option<FileState>)> = files
            .iter()
            .filter(|&&f| !self.files.get(&f).is_some_and(|s| s.stamp.holds(db, f)))
            .map(|&f| (f, Some(FileState::read(db, f))))
            .collect();
        let reread = read.len();
        read.extend(
            self.files
                .keys()
                .filter(|f| !live.contains(f))
                .map(|&f| (f, None)),
        );
        if read.is_empty() {
            return Updated::default();
        }
        let first = self.files.is_empty();
        // (file, what it was): what it is now is in `self.files`.
        let edits: Vec<(SourceFile, Option<FileState>)> = read
            .into_iter()
            .map(|(f, now)| {
                let before = match now {
                    Some(s) => self.files.insert(f, s),
                    None => self.files.remove(&f),
                };
                (f, before)
            })
            .collect();
        self.modules = self
            .files
            .iter()
            .map(|(&f, s)| (s.module.clone(), f))
            .collect();
        let dirty = self.apply(&edits);
        let anything = self
            .files
            .values()
            .fold(EffectSet::PURE, |a, s| a.join(s.anywhere));
        let assigned = self
            .files
            .values()
            .flat_map(|s| s.assigns.iter().cloned())
            .collect();
        let whole = self.graph.set_globals(anything, assigned) || first;
        let solved = if whole {
            self.graph.solve_all()
        } else {
            let region = self.graph.callers_closure(&dirty);
            self.graph.solve(&region, &dirty)
        };
        Updated {
            files: reread,
            whole,
            solved,
        }
    }

    /// Puts the edited files' definitions into the graph: the dirty
    /// definitions (resolved again).
    fn apply(&mut self, edits: &[(SourceFile, Option<FileState>)]) -> Vec<NodeId> {
        let mut dirty = Vec::new();
        // Names that came or went: the bodies naming them call another
        // node now.
        let mut renamed = Vec::new();
        for (f, before) in edits {
            let now = FileState::effective(self.files.get(f));
            for def in FileState::effective(before.as_ref()).into_keys() {
                if !now.contains_key(def)
                    && self.graph.remove(def).is_some()
                    && let Def::Global(g) = def
                {
                    renamed.push(g.clone());
                }
            }
        }
        for (f, before) in edits {
            let was = FileState::effective(before.as_ref());
            for (def, facts) in FileState::effective(self.files.get(f)) {
                if was.get(def) == Some(&facts) {
                    continue;
                }
                let (id, added) = self.graph.put(def, facts);
                dirty.push(id);
                if added && let Def::Global(g) = def {
                    renamed.push(g.clone());
                }
            }
        }
        for g in &renamed {
            dirty.extend(self.graph.users(g));
        }
        dirty.sort_unstable();
        dirty.dedup();
        for &id in &dirty {
            self.graph.resolve(id);
        }
        dirty
    }

    /// Every definition's effects, as [`crate::program_effects`] gives
    /// them.
    pub fn table(&self) -> ProgramEffects {
        self.graph.table()
    }

    /// The audit of `user` (see [`crate::audit::audit`]).
    pub fn audit(&self, db: &dyn Db, user: &[SourceFile], policy: &Policy) -> Report {
        report(db, self, &self.modules, user, policy, Paths::Every)
    }

    /// The violations of `policy` in `user` (see [`crate::audit::check`]).
    pub fn check(&self, db: &dyn Db, user: &[SourceFile], policy: &Policy) -> Report {
        report(db, self, &self.modules, user, policy, Paths::Violations)
    }
}

impl EffectTable for EffectSession {
    fn def_effects(&self, def: &Def) -> Option<DefEffects> {
        self.graph.get(def)
    }

    fn anything(&self) -> EffectSet {
        self.graph.anything()
    }

    fn is_assigned(&self, g: &GlobalName) -> bool {
        self.graph.is_assigned(g)
    }
}
