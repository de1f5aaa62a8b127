//! The program facts the optimizer reads, from salsa queries: effects per
//! definition (tracked per definition, so an unchanged answer is
//! backdated) and the Core of the functions folding may run.

use crate::Config;
use crate::eval::Globals;
use crate::inline::{Callees, Candidate, inlinable};
use crate::purity::Facts;
use fluent_effects::infer::{DefKey, effects_of, program_effects};
use fluent_ir::core::{CoreItem, ExprKind, ItemKind, Lambda};
use fluent_ir::items::module_key;
use fluent_ir::{Db, Item, ItemKey, SourceFile, file_items, lower_item};
use fluent_linker::FxSet;
use fluent_linker::graph::{Def, module_graph, program_files};
use fluent_vm::bytecode::GlobalName;
use std::collections::HashMap;
use std::sync::Arc;

/// Where each global of the program `main` is defined, by module and
/// name; `None` for a global defined more than once (a later `define`
/// replaces the value as `set!` would, so neither may be assumed).
#[salsa::tracked(returns(ref))]
pub fn definitions<'db>(
    db: &'db dyn Db,
    main: SourceFile,
) -> HashMap<(Arc<str>, Arc<str>), Option<Item<'db>>> {
    let mut out = HashMap::new();
    for f in program_files(db, main) {
        let module = module_key(db, f);
        for &item in file_items(db, f) {
            if let ItemKey::Define(name) = item.key(db) {
                out.entry((module.clone(), name.clone()))
                    .and_modify(|d| *d = None)
                    .or_insert(Some(item));
            }
        }
    }
    out
}

/// Where `def` is defined: [`definitions`] per name, so that a query
/// asking for one name is not re-run when others are added.
#[salsa::tracked]
pub fn definition_of<'db>(
    db: &'db dyn Db,
    main: SourceFile,
    def: DefKey<'db>,
) -> Option<Item<'db>> {
    match def.def(db) {
        Def::Global(g) => definitions(db, main).get(&key(g)).copied().flatten(),
        Def::Expr(..) => None,
    }
}

/// Whether every value the function `def` returns is immediate (see
/// `purity::tail_immediate`): tracked, so a caller depends on the answer,
/// not on the callee's code.
#[salsa::tracked]
pub fn returns_immediate<'db>(db: &'db dyn Db, main: SourceFile, def: DefKey<'db>) -> bool {
    let Def::Global(g) = def.def(db) else {
        return false;
    };
    let facts = ProgramFacts {
        db,
        main,
        item: match *definition_of(db, main, def) {
            Some(item) => item,
            None => return false,
        },
    };
    match facts.function(g) {
        Some(l) => crate::purity::tail_immediate(&l.body, &facts, &mut vec![g.clone()]),
        None => false,
    }
}

/// Whether some code of the program `main` assigns the global `def` with
/// `set!` (tracked, so callers depend on the answer only).
#[salsa::tracked]
pub fn assigned<'db>(db: &'db dyn Db, main: SourceFile, def: DefKey<'db>) -> bool {
    match def.def(db) {
        Def::Global(g) => program_effects(db, main).assigned.contains(g),
        Def::Expr(..) => false,
    }
}

/// The files `file` imports, directly or through other imports, in the
/// program `main`; empty for a file on an import cycle (the loader
/// rejects those; this keeps [`ProgramFacts::defined_before`] a strict
/// order whatever it is given, which inlining of optimized callees needs to
/// never ask for an item's optimization while computing it).
#[salsa::tracked(returns(ref))]
pub fn imports_of(db: &dyn Db, main: SourceFile, file: SourceFile) -> FxSet<SourceFile> {
    let graph = &module_graph(db, main).graph;
    let Some(start) = graph.node_indices().find(|&n| graph[n] == file) else {
        return FxSet::default();
    };
    let mut seen = FxSet::default();
    let mut work: Vec<_> = graph.neighbors(start).collect();
    while let Some(n) = work.pop() {
        if seen.insert(graph[n]) {
            work.extend(graph.neighbors(n));
        }
    }
    if seen.contains(&file) {
        return FxSet::default();
    }
    seen
}

/// The optimized code of the function `def` of the program `main`, if it
/// is defined once, as a lambda without a rest parameter, and never
/// assigned: what inlining and specialization copy.
#[salsa::tracked]
pub fn function_code<'db>(
    db: &'db dyn Db,
    main: SourceFile,
    def: DefKey<'db>,
) -> Option<Arc<Candidate>> {
    let item = (*definition_of(db, main, def))?;
    if *assigned(db, main, def) {
        return None;
    }
    let core = crate::optimized_item(db, item).as_ref()?;
    let l = defined_lambda(core)?;
    l.rest.is_none().then(|| {
        Arc::new(Candidate {
            lambda: l.clone(),
            vars: core.vars.clone(),
            offset: item.offset(db),
        })
    })
}

/// The function `def` of the program `main`, if calls of it may be
/// inlined (see `inline`): its optimized Core, so that what it inlined
/// comes along.
#[salsa::tracked]
pub fn inline_candidate<'db>(
    db: &'db dyn Db,
    main: SourceFile,
    def: DefKey<'db>,
) -> Option<Arc<Candidate>> {
    let Def::Global(g) = def.def(db) else {
        return None;
    };
    let c = function_code(db, main, def).clone()?;
    let cfg = Config::at_level(*db.options().opt_level(db));
    inlinable(g, &c.lambda, &cfg).then_some(c)
}

/// Facts for optimizing `item` of the program `main`.
pub struct ProgramFacts<'db> {
    pub db: &'db dyn Db,
    pub main: SourceFile,
    pub item: Item<'db>,
}

impl Globals for ProgramFacts<'_> {
    fn function(&self, name: &GlobalName) -> Option<Arc<Lambda>> {
        if !self.pure_function(name) {
            return None;
        }
        let def = DefKey::new(self.db, Def::Global(name.clone()));
        let item = (*definition_of(self.db, self.main, def))?;
        defined_lambda(lower_item(self.db, item).core.as_ref()?).cloned()
    }
}

/// The lambda `core` defines its global as, if it is a definition of one.
fn defined_lambda(core: &CoreItem) -> Option<&Arc<Lambda>> {
    match &core.kind {
        ItemKind::Define { value, .. } => match &value.kind {
            ExprKind::Lambda(l) => Some(l),
            _ => None,
        },
        ItemKind::Expr(_) => None,
    }
}

impl Callees for ProgramFacts<'_> {
    fn candidate(&self, g: &GlobalName) -> Option<Arc<Candidate>> {
        let key = DefKey::new(self.db, Def::Global(g.clone()));
        inline_candidate(self.db, self.main, key).clone()
    }

    fn code(&self, g: &GlobalName) -> Option<Arc<Candidate>> {
        let key = DefKey::new(self.db, Def::Global(g.clone()));
        function_code(self.db, self.main, key).clone()
    }

    fn defined_before(&self, g: &GlobalName) -> bool {
        Facts::defined_before(self, g)
    }
}

impl Facts for ProgramFacts<'_> {
    fn pure_function(&self, g: &GlobalName) -> bool {
        let key = DefKey::new(self.db, Def::Global(g.clone()));
        let pure = effects_of(self.db, self.main, key).is_some_and(|d| {
            d.call.is_some_and(|c| c.is_pure()) && d.init.is_pure() && d.calls_params == 0
        });
        // A global that is assigned may hold another function.
        pure && !*assigned(self.db, self.main, key)
    }

    fn returns_immediate(&self, g: &GlobalName) -> bool {
        let key = DefKey::new(self.db, Def::Global(g.clone()));
        *returns_immediate(self.db, self.main, key)
    }

    fn defined_before(&self, g: &GlobalName) -> bool {
        let key = DefKey::new(self.db, Def::Global(g.clone()));
        let Some(def) = *definition_of(self.db, self.main, key) else {
            return false;
        };
        let (here, there) = (self.item.file(self.db), def.file(self.db));
        if here == there {
            return def.offset(self.db) < self.item.offset(self.db);
        }
        // Imported modules (and the prelude) start before their importers.
        there == self.db.prelude() || imports_of(self.db, self.main, here).contains(&there)
    }
}

fn key(g: &GlobalName) -> (Arc<str>, Arc<str>) {
    (g.module.clone(), g.name.clone())
}
