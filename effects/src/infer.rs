//! Whole-program inference: each definition's effects over the
//! cross-module call graph.
//!
//! The graph has a node per definition and top-level expression and an
//! edge to every global its call sites depend on (callees, and globals
//! passed to them). Tarjan's algorithm (petgraph) orders the strongly
//! connected components callees first; inside each, the equations are
//! iterated to their least fixpoint (effect sets and called-parameter sets
//! only grow, and are finite). The equations and the solver are in
//! `solve`, shared with the [`crate::session::EffectSession`] that keeps
//! them between edits.
//!
//! An unknown call may do whatever the program can: the union of every
//! effect written anywhere in it. A global that some code assigns with
//! `set!` is an unknown callee too.
//!
//! [`program_effects`] is salsa-tracked on the main file and reads only
//! [`item_facts`], so an edit that leaves every item's facts equal does not
//! run it; [`effects_of`] is tracked per definition, so callers whose
//! effects did not change are backdated when it does run. Audits read
//! results through [`EffectTable`], which both implement.

use crate::EffectSet;
use crate::solve::Graph;
use crate::summary::{Arg, Facts, item_facts};
use fluent_ir::{Db, SourceFile, file_items};
pub use fluent_linker::graph::program_files;
use fluent_linker::graph::{Def, item_refs};
use fluent_vm::bytecode::GlobalName;
use std::collections::{BTreeMap, BTreeSet};

/// What inference concludes of one definition.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct DefEffects {
    /// Evaluating the definition (or running the top-level expression).
    pub init: EffectSet,
    /// Calling the defined function; `None` if the value is not a lambda.
    pub call: Option<EffectSet>,
    /// The parameters the function calls (bit i: parameter i), whose
    /// arguments' effects each call site adds.
    pub calls_params: u64,
}

impl DefEffects {
    /// What the audit reports: what calling a function may do (and
    /// whatever defining it does), or what evaluating a value does.
    pub fn reported(&self) -> EffectSet {
        self.init.join(self.call.unwrap_or(EffectSet::PURE))
    }
}

/// The effects of every definition of a program.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProgramEffects {
    pub defs: BTreeMap<Def, DefEffects>,
    /// What an unknown procedure may do.
    pub anything: EffectSet,
    /// Globals assigned with `set!` somewhere.
    pub assigned: BTreeSet<GlobalName>,
}

/// Inference's answers, from whole-program inference ([`ProgramEffects`])
/// or kept up to date across edits ([`crate::session::EffectSession`]):
/// what audits and call paths read.
pub trait EffectTable {
    /// What inference concluded of `def`, if the program defines it.
    fn def_effects(&self, def: &Def) -> Option<DefEffects>;

    /// What an unknown procedure may do.
    fn anything(&self) -> EffectSet;

    /// Whether `g` is assigned with `set!` somewhere.
    fn is_assigned(&self, g: &GlobalName) -> bool;

    /// What calling `g` may do, before the arguments it calls.
    fn call_of(&self, g: &GlobalName) -> EffectSet {
        match self.def_effects(&Def::Global(g.clone())) {
            Some(DefEffects { call: Some(c), .. }) if !self.is_assigned(g) => c,
            _ => self.anything(),
        }
    }

    /// The parameters `g` calls.
    fn params_of(&self, g: &GlobalName) -> u64 {
        match self.def_effects(&Def::Global(g.clone())) {
            Some(d) if d.call.is_some() && !self.is_assigned(g) => d.calls_params,
            _ => 0,
        }
    }

    /// What calling an argument may do.
    fn arg_effects(&self, a: &Arg) -> EffectSet {
        match a {
            Arg::Counted | Arg::Param(_) => EffectSet::PURE,
            Arg::Prim(p) => crate::primitive_effects(*p),
            Arg::Unknown => self.anything(),
            Arg::Global(h) => {
                // Called with arguments this site does not know.
                let unknown_args = if self.params_of(h) != 0 {
                    self.anything()
                } else {
                    EffectSet::PURE
                };
                self.call_of(h).join(unknown_args)
            }
        }
    }

    /// What `def` may do, as the audit reports it.
    fn of(&self, def: &Def) -> Option<EffectSet> {
        self.def_effects(def).map(|d| d.reported())
    }
}

impl EffectTable for ProgramEffects {
    fn def_effects(&self, def: &Def) -> Option<DefEffects> {
        self.defs.get(def).copied()
    }

    fn anything(&self) -> EffectSet {
        self.anything
    }

    fn is_assigned(&self, g: &GlobalName) -> bool {
        self.assigned.contains(g)
    }
}

#[salsa::tracked(returns(ref))]
pub fn program_effects(db: &dyn Db, main: SourceFile) -> ProgramEffects {
    let mut facts: Vec<(Def, &Facts)> = Vec::new();
    for file in program_files(db, main) {
        for &item in file_items(db, file) {
            facts.push((item_refs(db, item).def.clone(), item_facts(db, item)));
        }
    }
    infer(&facts)
}

/// Inference over items' facts, in program order (see the module docs):
/// [`Graph`] over every definition, solved whole.
pub fn infer(facts: &[(Def, &Facts)]) -> ProgramEffects {
    let mut anything = EffectSet::PURE;
    let mut assigned = BTreeSet::new();
    for (_, f) in facts {
        anything = anything.join(f.anywhere);
        assigned.extend(f.assigns.iter().cloned());
    }
    let mut graph = Graph::default();
    graph.set_globals(anything, assigned);
    for (def, f) in facts {
        graph.put(def, f);
    }
    for id in graph.ids() {
        graph.resolve(id);
    }
    graph.solve_all();
    graph.table()
}

/// What `def` of the program `main` may do (as [`ProgramEffects::of`]),
/// tracked per definition so that unchanged answers are backdated.
#[salsa::tracked]
pub fn effects_of(db: &dyn Db, main: SourceFile, def: DefKey<'_>) -> Option<DefEffects> {
    program_effects(db, main).defs.get(def.def(db)).copied()
}

/// A definition as a salsa key.
#[salsa::interned(debug)]
pub struct DefKey<'db> {
    #[returns(ref)]
    pub def: Def,
}
