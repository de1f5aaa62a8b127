//! Whole-program inference: each definition's effects over the
//! cross-module call graph.
//!
//! The graph has a node per definition and top-level expression and an
//! edge to every global its call sites depend on (callees, and globals
//! passed to them). Tarjan's algorithm (petgraph) orders the strongly
//! connected components callees first; inside each, the equations are
//! iterated to their least fixpoint (effect sets and called-parameter sets
//! only grow, and are finite).
//!
//! An unknown call may do whatever the program can: the union of every
//! effect written anywhere in it. A global that some code assigns with
//! `set!` is an unknown callee too.
//!
//! [`program_effects`] is salsa-tracked on the main file and reads only
//! [`item_facts`], so an edit that leaves every item's facts equal does not
//! run it; [`effects_of`] is tracked per definition, so callers whose
//! effects did not change are backdated when it does run.

use crate::EffectSet;
use crate::summary::{Arg, Body, Callee, Facts, item_facts};
use fluent_ir::{Db, SourceFile, file_items};
pub use fluent_linker::graph::program_files;
use fluent_linker::graph::{Def, item_refs};
use fluent_vm::bytecode::GlobalName;
use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};
use std::collections::{BTreeMap, BTreeSet, HashMap};

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

impl ProgramEffects {
    /// What calling `g` may do, before the arguments it calls.
    pub fn call_of(&self, g: &GlobalName) -> EffectSet {
        match self.defs.get(&Def::Global(g.clone())) {
            Some(DefEffects { call: Some(c), .. }) if !self.assigned.contains(g) => *c,
            _ => self.anything,
        }
    }

    /// The parameters `g` calls.
    pub fn params_of(&self, g: &GlobalName) -> u64 {
        match self.defs.get(&Def::Global(g.clone())) {
            Some(d) if d.call.is_some() && !self.assigned.contains(g) => d.calls_params,
            _ => 0,
        }
    }

    /// What calling an argument may do.
    pub fn arg_effects(&self, a: &Arg) -> EffectSet {
        match a {
            Arg::Counted | Arg::Param(_) => EffectSet::PURE,
            Arg::Prim(p) => crate::primitive_effects(*p),
            Arg::Unknown => self.anything,
            Arg::Global(h) => {
                // Called with arguments this site does not know.
                let unknown_args = if self.params_of(h) != 0 {
                    self.anything
                } else {
                    EffectSet::PURE
                };
                self.call_of(h).join(unknown_args)
            }
        }
    }

    /// A body's effects and the parameters it calls, under this table.
    pub fn body(&self, b: &Body) -> (EffectSet, u64) {
        let mut e = b.direct;
        let mut params = 0u64;
        for s in &b.sites {
            let here = match &s.callee {
                Callee::Unknown => self.anything,
                Callee::Param(i) => {
                    params |= bit(*i);
                    EffectSet::PURE
                }
                Callee::Global(g) => {
                    let mut here = self.call_of(g);
                    let called = self.params_of(g);
                    for i in (0..64).filter(|i| called & (1 << i) != 0) {
                        match s.args.get(i as usize) {
                            Some(Arg::Param(j)) => params |= bit(*j),
                            Some(a) => here = here.join(self.arg_effects(a)),
                            None => here = here.join(self.anything),
                        }
                    }
                    here
                }
            };
            e = e.join(here.minus(s.mask));
        }
        (e, params)
    }

    fn eval(&self, f: &Facts) -> DefEffects {
        let (init, _) = self.body(&f.init);
        let (call, calls_params) = match &f.call {
            Some(b) => {
                let (e, p) = self.body(b);
                (Some(e), p)
            }
            None => (None, 0),
        };
        DefEffects {
            init,
            call,
            calls_params,
        }
    }

    /// What `def` may do, as the audit reports it.
    pub fn of(&self, def: &Def) -> Option<EffectSet> {
        self.defs.get(def).map(DefEffects::reported)
    }
}

fn bit(i: u32) -> u64 {
    if i < 64 { 1 << i } else { 0 }
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

/// Inference over items' facts (see the module docs).
pub fn infer(facts: &[(Def, &Facts)]) -> ProgramEffects {
    let mut table = ProgramEffects::default();
    for (_, f) in facts {
        table.anything = table.anything.join(f.anywhere);
        table.assigned.extend(f.assigns.iter().cloned());
    }
    let index: HashMap<&Def, usize> = facts.iter().enumerate().map(|(i, (d, _))| (d, i)).collect();
    let mut graph: DiGraph<usize, ()> = DiGraph::with_capacity(facts.len(), facts.len());
    for i in 0..facts.len() {
        graph.add_node(i);
    }
    for (i, (_, f)) in facts.iter().enumerate() {
        let bodies = std::iter::once(&f.init).chain(&f.call);
        for s in bodies.flat_map(|b| &b.sites) {
            let globals = match &s.callee {
                Callee::Global(g) => Some(g),
                _ => None,
            }
            .into_iter()
            .chain(s.args.iter().filter_map(|a| match a {
                Arg::Global(h) => Some(h),
                _ => None,
            }));
            for g in globals {
                if let Some(&j) = index.get(&Def::Global(g.clone())) {
                    graph.update_edge(NodeIndex::new(i), NodeIndex::new(j), ());
                }
            }
        }
    }
    // Components come callees first.
    for scc in tarjan_scc(&graph) {
        // From the bottom, so the fixpoint is the least one.
        for n in &scc {
            let (def, f) = &facts[graph[*n]];
            let bottom = DefEffects {
                call: f.call.as_ref().map(|_| EffectSet::PURE),
                ..DefEffects::default()
            };
            table.defs.insert(def.clone(), bottom);
        }
        loop {
            let mut changed = false;
            for n in &scc {
                let (def, f) = &facts[graph[*n]];
                let new = table.eval(f);
                if table.defs.get(def) != Some(&new) {
                    table.defs.insert(def.clone(), new);
                    changed = true;
                }
            }
            let recursive = scc.len() > 1 || graph.contains_edge(scc[0], scc[0]);
            if !changed || !recursive {
                break;
            }
        }
    }
    table
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
