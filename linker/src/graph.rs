//! The module graph and the cross-module call graph, in petgraph, as
//! salsa-tracked results.
//!
//! The module graph has a node per file and an edge from each importer to
//! each module it imports. The call graph has a node per definition
//! (`module.name`) and per top-level expression, and an edge from each to
//! every global its Core reads or assigns (so "calls" includes references
//! to functions passed as values, which is what reachability needs). The
//! references of one item are a query of their own ([`item_refs`]), backdated
//! when an edit leaves them equal, so a body edit that calls nothing new
//! does not rebuild the graph.

use crate::FxSet;
use fluent_ir::core::ItemKind;
use fluent_ir::modules::ImportTarget;
use fluent_ir::{Db, Item, ItemKey, SourceFile, file_items, lower_item};
use fluent_vm::bytecode::GlobalName;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::{Dfs, EdgeRef};
use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;
use std::sync::Arc;

/// Files and their imports.
#[derive(Debug, Clone, Default)]
pub struct ModuleGraph {
    pub graph: DiGraph<SourceFile, ()>,
}

impl PartialEq for ModuleGraph {
    fn eq(&self, other: &Self) -> bool {
        same_graph(&self.graph, &other.graph)
    }
}

impl Eq for ModuleGraph {}

fn same_graph<N: PartialEq, E: PartialEq>(a: &DiGraph<N, E>, b: &DiGraph<N, E>) -> bool {
    a.node_weights().eq(b.node_weights())
        && a.raw_edges().len() == b.raw_edges().len()
        && a.raw_edges().iter().zip(b.raw_edges()).all(|(x, y)| {
            x.source() == y.source() && x.target() == y.target() && x.weight == y.weight
        })
}

/// The modules reachable from `main` through imports, `main` first.
#[salsa::tracked(returns(ref))]
pub fn module_graph(db: &dyn Db, main: SourceFile) -> ModuleGraph {
    let mut graph = DiGraph::new();
    let mut index = HashMap::new();
    index.insert(main, graph.add_node(main));
    let mut work = vec![main];
    while let Some(file) = work.pop() {
        let from = index[&file];
        for target in file.imports(db).iter() {
            let ImportTarget::File(t) = *target else {
                continue;
            };
            let to = *index.entry(t).or_insert_with(|| {
                work.push(t);
                graph.add_node(t)
            });
            graph.add_edge(from, to, ());
        }
    }
    ModuleGraph { graph }
}

/// The files of the program whose main file is `main`: the prelude, then
/// the modules reachable through imports, `main` first.
pub fn program_files(db: &dyn Db, main: SourceFile) -> Vec<SourceFile> {
    let mut files = vec![db.prelude()];
    files.extend(
        module_graph(db, main)
            .graph
            .node_weights()
            .copied()
            .filter(|&f| f != db.prelude()),
    );
    files
}

/// A node of the call graph.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Def {
    /// A top-level definition.
    Global(GlobalName),
    /// The n-th top-level expression of a module.
    Expr(Arc<str>, u32),
}

impl std::fmt::Display for Def {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Def::Global(g) => write!(f, "{g}"),
            Def::Expr(m, n) => write!(f, "{m}#{n}"),
        }
    }
}

/// What one item refers to: its node and the globals its Core uses, and
/// whether running it can do more than define a value (a top-level
/// expression, or a definition whose value is not a lambda or a literal).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ItemRefs {
    pub def: Def,
    pub refs: BTreeSet<GlobalName>,
    pub root: bool,
}

#[salsa::tracked(returns(ref))]
pub fn item_refs<'db>(db: &'db dyn Db, item: Item<'db>) -> ItemRefs {
    let module = fluent_ir::items::module_key(db, item.file(db)).clone();
    let mut refs = BTreeSet::new();
    let (def, root) = match item.key(db) {
        ItemKey::Define(name) => (
            Def::Global(GlobalName {
                module,
                name: name.clone(),
            }),
            false,
        ),
        ItemKey::Form(n) => (Def::Expr(module, *n), true),
    };
    let mut root = root;
    if let Some(core) = &lower_item(db, item).core {
        match &core.kind {
            ItemKind::Define { value, .. } => {
                value.globals(&mut refs);
                root = !matches!(
                    value.kind,
                    fluent_ir::core::ExprKind::Lambda(_) | fluent_ir::core::ExprKind::Lit(_)
                );
            }
            ItemKind::Expr(e) => e.globals(&mut refs),
        }
    }
    ItemRefs { def, refs, root }
}

/// Definitions and top-level expressions with their references.
#[derive(Debug, Clone, Default)]
pub struct CallGraph {
    pub graph: DiGraph<Def, ()>,
    /// Items whose running can do more than define a value.
    pub roots: Vec<NodeIndex>,
}

impl PartialEq for CallGraph {
    fn eq(&self, other: &Self) -> bool {
        same_graph(&self.graph, &other.graph) && self.roots == other.roots
    }
}

impl Eq for CallGraph {}

impl CallGraph {
    /// Every definition reachable from a root (what a linked image needs).
    pub fn reachable(&self) -> FxSet<&Def> {
        // One walk: nodes found from one root are not walked again.
        let mut seen = FxSet::default();
        seen.reserve(self.graph.node_count());
        let mut dfs = Dfs::empty(&self.graph);
        for &r in &self.roots {
            if dfs.discovered.contains(r.index()) {
                continue;
            }
            dfs.move_to(r);
            while let Some(n) = dfs.next(&self.graph) {
                seen.insert(&self.graph[n]);
            }
        }
        seen
    }
}

/// The call graph of the program whose files are `files` (the prelude
/// first if it is part of it).
#[salsa::tracked(returns(ref))]
pub fn call_graph(db: &dyn Db, main: SourceFile) -> CallGraph {
    let files = program_files(db, main);
    let mut graph = DiGraph::new();
    let mut index: HashMap<Def, NodeIndex> = HashMap::new();
    let mut node = |graph: &mut DiGraph<Def, ()>, d: &Def| {
        *index
            .entry(d.clone())
            .or_insert_with(|| graph.add_node(d.clone()))
    };
    let mut roots = Vec::new();
    let mut edges = Vec::new();
    for &file in &files {
        for &item in file_items(db, file) {
            let r = item_refs(db, item);
            let from = node(&mut graph, &r.def);
            if r.root {
                roots.push(from);
            }
            for g in &r.refs {
                edges.push((from, Def::Global(g.clone())));
            }
        }
    }
    // One edge per pair (`update_edge` would search a node's edges for
    // each: quadratic for a function that refers to many globals).
    let mut seen = std::collections::HashSet::new();
    for (from, to) in edges {
        let to = node(&mut graph, &to);
        if seen.insert((from, to)) {
            graph.add_edge(from, to, ());
        }
    }
    CallGraph { graph, roots }
}

/// The module graph and call graph as text (`dot`: Graphviz).
pub fn render(db: &dyn Db, main: SourceFile, dot: bool) -> String {
    let modules = module_graph(db, main);
    let calls = call_graph(db, main);
    let prelude = fluent_ir::items::module_key(db, db.prelude()).clone();
    let mut out = String::new();
    let name = |f: SourceFile| f.path(db).to_string();
    let user = |d: &Def| match d {
        Def::Global(g) => g.module != prelude,
        Def::Expr(m, _) => *m != prelude,
    };
    if dot {
        out.push_str("digraph modules {\n");
        for e in modules.graph.edge_references() {
            let (a, b) = (modules.graph[e.source()], modules.graph[e.target()]);
            let _ = writeln!(out, "  {:?} -> {:?};", name(a), name(b));
        }
        out.push_str("}\ndigraph calls {\n");
        for e in calls.graph.edge_references() {
            let (a, b) = (&calls.graph[e.source()], &calls.graph[e.target()]);
            if user(a) {
                let _ = writeln!(out, "  {:?} -> {:?};", a.to_string(), b.to_string());
            }
        }
        out.push_str("}\n");
        return out;
    }
    out.push_str("modules:\n");
    for n in modules.graph.node_indices() {
        let mut deps: Vec<String> = modules
            .graph
            .neighbors(n)
            .map(|m| name(modules.graph[m]))
            .collect();
        deps.sort();
        deps.dedup();
        let _ = writeln!(out, "  {} -> [{}]", name(modules.graph[n]), deps.join(", "));
    }
    out.push_str("calls:\n");
    let mut lines: Vec<String> = calls
        .graph
        .node_indices()
        .filter(|&n| user(&calls.graph[n]))
        .map(|n| {
            let mut callees: Vec<String> = calls
                .graph
                .neighbors(n)
                .map(|m| calls.graph[m].to_string())
                .collect();
            callees.sort();
            format!("  {} -> [{}]", calls.graph[n], callees.join(", "))
        })
        .collect();
    lines.sort();
    for l in lines {
        out.push_str(&l);
        out.push('\n');
    }
    out
}
