//! The effect equations of a program over numbered definitions, and their
//! least solution, for the whole program or for a part of it.
//!
//! A [`Graph`] holds a node per definition: its bodies with every global
//! they name resolved to the node that defines it (or to none: a global no
//! item defines, which may be anything), the nodes it depends on, and, per
//! global name, the nodes that name it (the reverse edges). Evaluating a
//! body is then array lookups, not lookups by name. A name defined twice
//! is its last definition, as at run time.
//!
//! [`Graph::solve`] solves a region: a set of nodes closed under callers
//! (every node that names a node of the region is in it), so nothing
//! outside depends on it and the values outside stay the least solution of
//! their own equations. Tarjan's algorithm (petgraph) orders the region's
//! strongly connected components callees first. A component is solved
//! again only if one of its nodes is dirty (its equations changed) or a
//! node it depends on changed value in this solve; the others keep their
//! values, as salsa backdates a result that did not change. A component is
//! solved from bottom, iterating to its least fixpoint (values only grow,
//! and are finite): an edit can remove effects, and iterating up from the
//! old values would keep them.

use crate::EffectSet;
use crate::infer::{DefEffects, ProgramEffects};
use crate::summary::{Arg, Body, Callee, Facts};
use fluent_linker::FxMap;
use fluent_linker::graph::Def;
use fluent_vm::bytecode::GlobalName;
use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};
use std::collections::BTreeSet;

/// A definition's node.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(u32);

impl NodeId {
    fn index(self) -> usize {
        self.0 as usize
    }
}

/// A global as a body names it, and the node that defines it.
#[derive(Clone, Debug)]
struct Ref {
    name: GlobalName,
    node: Option<NodeId>,
}

#[derive(Clone, Debug)]
enum RCallee {
    Global(Ref),
    Param(u32),
    Unknown,
}

#[derive(Clone, Debug)]
enum RArg {
    /// Adds nothing (see [`Arg::Counted`]); a parameter adds nothing here
    /// either, but is passed on (see [`Graph::body`]).
    Counted,
    Global(Ref),
    /// A primitive's effects.
    Prim(EffectSet),
    Param(u32),
    Unknown,
}

#[derive(Clone, Debug)]
struct RSite {
    callee: RCallee,
    args: Vec<RArg>,
    mask: EffectSet,
}

/// A [`Body`] with its globals resolved.
#[derive(Clone, Debug, Default)]
struct RBody {
    direct: EffectSet,
    sites: Vec<RSite>,
}

impl RBody {
    fn refs(&self) -> impl Iterator<Item = &Ref> {
        self.sites.iter().flat_map(|s| {
            let callee = match &s.callee {
                RCallee::Global(r) => Some(r),
                _ => None,
            };
            callee
                .into_iter()
                .chain(s.args.iter().filter_map(|a| match a {
                    RArg::Global(r) => Some(r),
                    _ => None,
                }))
        })
    }

    fn refs_mut(&mut self) -> impl Iterator<Item = &mut Ref> {
        self.sites.iter_mut().flat_map(|s| {
            let callee = match &mut s.callee {
                RCallee::Global(r) => Some(r),
                _ => None,
            };
            callee
                .into_iter()
                .chain(s.args.iter_mut().filter_map(|a| match a {
                    RArg::Global(r) => Some(r),
                    _ => None,
                }))
        })
    }
}

#[derive(Clone, Debug)]
struct Node {
    def: Def,
    init: RBody,
    call: Option<RBody>,
    /// The nodes its bodies name, each once.
    deps: Vec<NodeId>,
    /// Its global is assigned with `set!` somewhere: calling it may call
    /// anything.
    assigned: bool,
}

impl Node {
    fn bodies(&self) -> impl Iterator<Item = &RBody> {
        std::iter::once(&self.init).chain(&self.call)
    }

    fn bottom(&self) -> DefEffects {
        DefEffects {
            call: self.call.as_ref().map(|_| EffectSet::PURE),
            ..DefEffects::default()
        }
    }
}

/// The equations of a program and their current values (see the module
/// docs).
#[derive(Clone, Debug, Default)]
pub struct Graph {
    nodes: Vec<Option<Node>>,
    values: Vec<DefEffects>,
    free: Vec<NodeId>,
    by_def: FxMap<Def, NodeId>,
    /// The nodes of global definitions, by name.
    by_name: FxMap<GlobalName, NodeId>,
    /// Per global, the nodes whose bodies name it (each once), if kept
    /// (see [`Graph::incremental`]).
    users: FxMap<GlobalName, Vec<NodeId>>,
    keeps_users: bool,
    anything: EffectSet,
    assigned: BTreeSet<GlobalName>,
}

/// The bit of parameter `i` in a called-parameters set.
fn bit(i: u32) -> u64 {
    if i < 64 { 1 << i } else { 0 }
}

impl Graph {
    /// A graph that keeps the reverse edges, to be updated and solved in
    /// part; [`Graph::default`] solves once, whole.
    pub fn incremental() -> Graph {
        Graph {
            keeps_users: true,
            ..Graph::default()
        }
    }

    /// What an unknown procedure may do.
    pub fn anything(&self) -> EffectSet {
        self.anything
    }

    /// Whether `g` is assigned with `set!` somewhere.
    pub fn is_assigned(&self, g: &GlobalName) -> bool {
        self.assigned.contains(g)
    }

    /// What inference concluded of `def`, if it is defined.
    pub fn get(&self, def: &Def) -> Option<DefEffects> {
        self.by_def.get(def).map(|n| self.values[n.index()])
    }

    /// Sets what an unknown procedure may do and which globals are
    /// assigned; whether either changed (every value may then change:
    /// solve everything).
    pub fn set_globals(&mut self, anything: EffectSet, assigned: BTreeSet<GlobalName>) -> bool {
        if anything == self.anything && assigned == self.assigned {
            return false;
        }
        self.anything = anything;
        self.assigned = assigned;
        for node in self.nodes.iter_mut().flatten() {
            node.assigned = matches!(&node.def, Def::Global(g) if self.assigned.contains(g));
        }
        true
    }

    /// Gives `def` the equations of `facts`, adding it if it is new: its
    /// node, and whether it was added. Its globals stay unresolved until
    /// [`Graph::resolve`]. It keeps its value until a solve (so that the
    /// solve sees whether it changed); a new node's is bottom.
    pub fn put(&mut self, def: &Def, facts: &Facts) -> (NodeId, bool) {
        let (id, added) = match self.by_def.get(def) {
            Some(&id) => {
                self.unlink(id);
                (id, false)
            }
            None => {
                let id = self.free.pop().unwrap_or_else(|| {
                    self.nodes.push(None);
                    self.values.push(DefEffects::default());
                    NodeId(self.nodes.len() as u32 - 1)
                });
                self.by_def.insert(def.clone(), id);
                if let Def::Global(g) = def {
                    self.by_name.insert(g.clone(), id);
                }
                (id, true)
            }
        };
        let node = Node {
            def: def.clone(),
            init: lower(&facts.init),
            call: facts.call.as_ref().map(lower),
            deps: Vec::new(),
            assigned: matches!(def, Def::Global(g) if self.assigned.contains(g)),
        };
        if self.keeps_users {
            for r in node.bodies().flat_map(RBody::refs) {
                match self.users.get_mut(&r.name) {
                    // A node's names are entered together: a repeat is
                    // its last.
                    Some(users) if users.last() == Some(&id) => {}
                    Some(users) => users.push(id),
                    None => {
                        self.users.insert(r.name.clone(), vec![id]);
                    }
                }
            }
        }
        if added {
            self.values[id.index()] = node.bottom();
        }
        self.nodes[id.index()] = Some(node);
        (id, added)
    }

    /// Removes `def`; its node, if it was there. The nodes that name it
    /// must be resolved again.
    pub fn remove(&mut self, def: &Def) -> Option<NodeId> {
        let id = self.by_def.remove(def)?;
        if let Def::Global(g) = def {
            self.by_name.remove(g);
        }
        self.unlink(id);
        self.nodes[id.index()] = None;
        self.free.push(id);
        Some(id)
    }

    /// Drops `id` from the users of the globals it names.
    fn unlink(&mut self, id: NodeId) {
        let Some(node) = &self.nodes[id.index()] else {
            return;
        };
        for r in node.bodies().flat_map(RBody::refs) {
            if let Some(users) = self.users.get_mut(&r.name) {
                users.retain(|&u| u != id);
                if users.is_empty() {
                    self.users.remove(&r.name);
                }
            }
        }
    }

    /// The nodes whose bodies name `g`.
    pub fn users(&self, g: &GlobalName) -> impl Iterator<Item = NodeId> + '_ {
        self.users.get(g).into_iter().flatten().copied()
    }

    /// Points `id`'s globals at the nodes that define them now.
    pub fn resolve(&mut self, id: NodeId) {
        let Some(mut node) = self.nodes[id.index()].take() else {
            return;
        };
        let mut deps = Vec::new();
        for body in std::iter::once(&mut node.init).chain(&mut node.call) {
            for r in body.refs_mut() {
                r.node = self.by_name.get(&r.name).copied();
                deps.extend(r.node);
            }
        }
        deps.sort_unstable();
        deps.dedup();
        node.deps = deps;
        self.nodes[id.index()] = Some(node);
    }

    /// Every node.
    pub fn ids(&self) -> Vec<NodeId> {
        self.by_def.values().copied().collect()
    }

    /// `seeds` and every node that depends on one of them, transitively:
    /// the region an edit of the seeds may change.
    pub fn callers_closure(&self, seeds: &[NodeId]) -> Vec<NodeId> {
        let mut seen = vec![false; self.nodes.len()];
        let mut out = Vec::new();
        let mut stack = seeds.to_vec();
        while let Some(id) = stack.pop() {
            if std::mem::replace(&mut seen[id.index()], true) {
                continue;
            }
            out.push(id);
            if let Some(Node {
                def: Def::Global(g),
                ..
            }) = &self.nodes[id.index()]
            {
                stack.extend(self.users(g).filter(|u| !seen[u.index()]));
            }
        }
        out
    }

    /// Solves `region` (closed under callers; see the module docs), where
    /// `dirty` are the nodes whose equations changed since their values
    /// were computed. Returns how many nodes were solved again.
    pub fn solve(&mut self, region: &[NodeId], dirty: &[NodeId]) -> usize {
        let mut is_dirty = vec![false; self.nodes.len()];
        for d in dirty {
            is_dirty[d.index()] = true;
        }
        let mut local: Vec<Option<NodeIndex>> = vec![None; self.nodes.len()];
        let mut graph: DiGraph<NodeId, ()> = DiGraph::with_capacity(region.len(), region.len());
        for &id in region {
            local[id.index()] = Some(graph.add_node(id));
        }
        for &id in region {
            let (Some(from), Some(node)) = (local[id.index()], &self.nodes[id.index()]) else {
                continue;
            };
            for d in &node.deps {
                if let Some(to) = local[d.index()] {
                    graph.add_edge(from, to, ());
                }
            }
        }
        let mut changed = vec![false; self.nodes.len()];
        let mut solved = 0;
        // Components come callees first.
        for scc in tarjan_scc(&graph) {
            let ids: Vec<NodeId> = scc.iter().map(|&n| graph[n]).collect();
            let redo = ids.iter().any(|&id| {
                is_dirty[id.index()] || self.deps(id).iter().any(|d| changed[d.index()])
            });
            if !redo {
                continue;
            }
            solved += ids.len();
            let old: Vec<DefEffects> = ids.iter().map(|id| self.values[id.index()]).collect();
            self.solve_component(&ids);
            for (id, old) in ids.iter().zip(old) {
                changed[id.index()] = self.values[id.index()] != old;
            }
        }
        solved
    }

    /// Solves every node from bottom.
    pub fn solve_all(&mut self) -> usize {
        let ids = self.ids();
        self.solve(&ids, &ids)
    }

    fn deps(&self, id: NodeId) -> &[NodeId] {
        self.nodes[id.index()].as_ref().map_or(&[], |n| &n.deps)
    }

    /// The least fixpoint of one strongly connected component, the values
    /// of the nodes it depends on outside it fixed.
    fn solve_component(&mut self, ids: &[NodeId]) {
        for id in ids {
            if let Some(node) = &self.nodes[id.index()] {
                self.values[id.index()] = node.bottom();
            }
        }
        let recursive = ids.len() > 1 || self.deps(ids[0]).contains(&ids[0]);
        loop {
            let mut changed = false;
            for id in ids {
                let Some(node) = &self.nodes[id.index()] else {
                    continue;
                };
                let new = self.eval(node);
                if self.values[id.index()] != new {
                    self.values[id.index()] = new;
                    changed = true;
                }
            }
            if !changed || !recursive {
                break;
            }
        }
    }

    /// What calling the global of `r` may do, before the arguments it
    /// calls.
    fn call_of(&self, r: &Ref) -> EffectSet {
        match r.node {
            Some(n) if !self.is_assigned_node(n) => {
                self.values[n.index()].call.unwrap_or(self.anything)
            }
            _ => self.anything,
        }
    }

    /// The parameters the global of `r` calls.
    fn params_of(&self, r: &Ref) -> u64 {
        match r.node {
            Some(n) if !self.is_assigned_node(n) => {
                let v = &self.values[n.index()];
                if v.call.is_some() { v.calls_params } else { 0 }
            }
            _ => 0,
        }
    }

    fn is_assigned_node(&self, n: NodeId) -> bool {
        self.nodes[n.index()]
            .as_ref()
            .is_none_or(|node| node.assigned)
    }

    /// What calling an argument may do.
    fn arg_effects(&self, a: &RArg) -> EffectSet {
        match a {
            RArg::Counted | RArg::Param(_) => EffectSet::PURE,
            RArg::Prim(e) => *e,
            RArg::Unknown => self.anything,
            RArg::Global(h) => {
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

    /// A body's effects and the parameters it calls, under the current
    /// values.
    fn body(&self, b: &RBody) -> (EffectSet, u64) {
        let mut e = b.direct;
        let mut params = 0u64;
        for s in &b.sites {
            let here = match &s.callee {
                RCallee::Unknown => self.anything,
                RCallee::Param(i) => {
                    params |= bit(*i);
                    EffectSet::PURE
                }
                RCallee::Global(g) => {
                    let mut here = self.call_of(g);
                    let called = self.params_of(g);
                    for i in (0..64).filter(|i| called & (1 << i) != 0) {
                        match s.args.get(i as usize) {
                            Some(RArg::Param(j)) => params |= bit(*j),
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

    fn eval(&self, node: &Node) -> DefEffects {
        let (init, _) = self.body(&node.init);
        let (call, calls_params) = match &node.call {
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

    /// Every definition's values, as whole-program inference gives them.
    pub fn table(&self) -> ProgramEffects {
        ProgramEffects {
            defs: self
                .by_def
                .iter()
                .map(|(d, n)| (d.clone(), self.values[n.index()]))
                .collect(),
            anything: self.anything,
            assigned: self.assigned.clone(),
        }
    }
}

/// A body with its globals not yet resolved.
fn lower(b: &Body) -> RBody {
    let global = |g: &GlobalName| Ref {
        name: g.clone(),
        node: None,
    };
    RBody {
        direct: b.direct,
        sites: b
            .sites
            .iter()
            .map(|s| RSite {
                callee: match &s.callee {
                    Callee::Global(g) => RCallee::Global(global(g)),
                    Callee::Param(i) => RCallee::Param(*i),
                    Callee::Unknown => RCallee::Unknown,
                },
                args: s
                    .args
                    .iter()
                    .map(|a| match a {
                        Arg::Counted => RArg::Counted,
                        Arg::Global(g) => RArg::Global(global(g)),
                        Arg::Prim(p) => RArg::Prim(crate::primitive_effects(*p)),
                        Arg::Param(i) => RArg::Param(*i),
                        Arg::Unknown => RArg::Unknown,
                    })
                    .collect(),
                mask: s.mask,
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::summary::Site;
    use fluent_vm::effect::EffectKind;
    use std::sync::Arc;

    fn name(n: &str) -> GlobalName {
        GlobalName {
            module: Arc::from("m"),
            name: Arc::from(n),
        }
    }

    fn def(n: &str) -> Def {
        Def::Global(name(n))
    }

    /// A function that performs `direct` and calls `callees`.
    fn function(direct: EffectSet, callees: &[&str]) -> Facts {
        let sites = callees
            .iter()
            .map(|c| Site {
                callee: Callee::Global(name(c)),
                args: vec![],
                mask: EffectSet::PURE,
            })
            .collect();
        Facts {
            call: Some(Body { direct, sites }),
            anywhere: direct,
            ..Facts::default()
        }
    }

    fn io() -> EffectSet {
        EffectSet::of(EffectKind::Io)
    }

    /// `top` calls `mid` calls `leaf`, and `other` calls nothing; `leaf`
    /// prints. The graph solved whole.
    fn chain() -> Graph {
        let mut g = Graph::incremental();
        g.set_globals(io(), BTreeSet::new());
        g.put(&def("top"), &function(EffectSet::PURE, &["mid"]));
        g.put(&def("mid"), &function(EffectSet::PURE, &["leaf", "mid"]));
        g.put(&def("leaf"), &function(io(), &[]));
        g.put(&def("other"), &function(EffectSet::PURE, &[]));
        for id in g.ids() {
            g.resolve(id);
        }
        g.solve_all();
        g
    }

    fn call(g: &Graph, n: &str) -> Option<EffectSet> {
        g.get(&def(n)).and_then(|d| d.call)
    }

    /// Puts `facts` for `n` and solves what that may change: how many
    /// definitions were solved again.
    fn edit(g: &mut Graph, n: &str, facts: &Facts) -> usize {
        let (id, _) = g.put(&def(n), facts);
        g.resolve(id);
        let region = g.callers_closure(&[id]);
        g.solve(&region, &[id])
    }

    #[test]
    fn effects_flow_to_callers_through_a_recursive_component() {
        let g = chain();
        assert_eq!(call(&g, "top"), Some(io()));
        assert_eq!(call(&g, "mid"), Some(io()));
        assert_eq!(call(&g, "other"), Some(EffectSet::PURE));
    }

    #[test]
    fn an_edit_that_removes_an_effect_resets_its_callers() {
        let mut g = chain();
        // Solving upwards from the old values would keep io in `mid`,
        // which calls itself.
        let solved = edit(&mut g, "leaf", &function(EffectSet::PURE, &[]));
        assert_eq!(call(&g, "top"), Some(EffectSet::PURE));
        assert_eq!(call(&g, "mid"), Some(EffectSet::PURE));
        // `other` is no caller of `leaf`.
        assert_eq!(solved, 3);
        assert_eq!(g.table(), {
            let mut whole = chain();
            edit(&mut whole, "leaf", &function(EffectSet::PURE, &[]));
            whole.solve_all();
            whole.table()
        });
    }

    #[test]
    fn callers_of_an_unchanged_value_are_not_solved_again() {
        let mut g = chain();
        // Another way to print: `leaf`'s value stays io.
        let facts = function(io(), &["other"]);
        assert_eq!(edit(&mut g, "leaf", &facts), 1);
        assert_eq!(call(&g, "top"), Some(io()));
    }

    #[test]
    fn a_removed_definition_is_anything_to_the_bodies_that_name_it() {
        let mut g = chain();
        g.set_globals(EffectSet::ALL, BTreeSet::new());
        g.solve_all();
        let id = g.remove(&def("leaf")).expect("leaf is there");
        let users: Vec<NodeId> = g.users(&name("leaf")).collect();
        assert_eq!(users.len(), 1, "mid names leaf");
        for &u in &users {
            g.resolve(u);
        }
        let region = g.callers_closure(&users);
        g.solve(&region, &users);
        assert_eq!(call(&g, "top"), Some(EffectSet::ALL));
        assert_eq!(g.get(&def("leaf")), None);
        // Its node is reused, and the name resolves again.
        let (again, added) = g.put(&def("leaf"), &function(EffectSet::PURE, &[]));
        assert!(added && again == id);
        for u in users.into_iter().chain([again]) {
            g.resolve(u);
        }
        g.solve_all();
        assert_eq!(call(&g, "top"), Some(EffectSet::PURE));
    }
}
