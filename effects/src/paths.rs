//! Why a definition may perform an effect: the shortest call path from it
//! to where the effect is performed.
//!
//! A node is one body of a definition (its `init`, or its `call` when it
//! defines a function). Its steps, under an [`EffectTable`], are where it
//! performs effects itself (terminals) and the call sites that bring
//! effects in from other bodies (edges). For one kind, the search runs
//! forward from the definitions asked about, along the edges whose effects
//! contain the kind, and stops at a body that performs the kind itself; it
//! then knows, for each body it reached, its distance to the nearest such
//! body (a breadth-first search backwards over what it reached). Only
//! bodies that lead to the kind are visited, so explaining one edited
//! file's definitions reads a few bodies, not the program; a search that
//! reaches bodies a previous search measured stops there and uses their
//! distances.
//!
//! The path taken is the same whichever definitions were searched from:
//! at each body, the first step (in the body's order) that starts a
//! shortest path; at a body that performs the kind itself, its first place
//! that does.

use crate::EffectSet;
use crate::infer::EffectTable;
use crate::summary::{Arg, Callee, SpannedBody, item_analysis};
use fluent_ir::items::{ItemKey, module_key};
use fluent_ir::{Db, Item, SourceFile, file_items};
use fluent_linker::graph::{Def, item_refs};
use fluent_syntax::{LineIndex, Span};
use fluent_vm::bytecode::GlobalName;
use fluent_vm::effect::EffectKind;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::rc::Rc;
use std::sync::Arc;

/// One step of a path: in `def`, at `span`, `what` happens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    pub def: Def,
    pub file: SourceFile,
    /// Absolute in `file`.
    pub span: Span,
    /// `calls helper`, `display`, `effect io:print`, `calls an unknown procedure`.
    pub what: String,
}

/// The files of a program by module, to find the item that defines a
/// global.
#[derive(Clone, Debug, Default)]
pub struct Modules(HashMap<Arc<str>, SourceFile>);

impl Modules {
    /// The modules of `files` (a whole program).
    pub fn new(db: &dyn Db, files: &[SourceFile]) -> Modules {
        Modules(
            files
                .iter()
                .map(|&f| (module_key(db, f).clone(), f))
                .collect(),
        )
    }

    /// The item that defines `g` (its last definition, as at run time).
    pub fn item<'db>(&self, db: &'db dyn Db, g: &GlobalName) -> Option<Item<'db>> {
        let file = *self.0.get(&g.module)?;
        file_items(db, file)
            .iter()
            .rev()
            .find(|it| matches!(it.key(db), ItemKey::Define(n) if *n == g.name))
            .copied()
    }
}

impl FromIterator<(Arc<str>, SourceFile)> for Modules {
    fn from_iter<I: IntoIterator<Item = (Arc<str>, SourceFile)>>(iter: I) -> Self {
        Modules(iter.into_iter().collect())
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct Node<'db> {
    item: Item<'db>,
    call: bool,
}

impl<'db> Node<'db> {
    /// An item's bodies: what calling it does first, then defining it.
    fn of(item: Item<'db>) -> [Node<'db>; 2] {
        [true, false].map(|call| Node { item, call })
    }
}

/// Where a body performs effects itself.
struct Terminal {
    kinds: EffectSet,
    span: Span,
    what: String,
}

/// A call site that brings in the effects of another body.
struct Edge<'db> {
    kinds: EffectSet,
    span: Span,
    what: String,
    to: Node<'db>,
}

#[derive(Default)]
struct Steps<'db> {
    terminals: Vec<Terminal>,
    edges: Vec<Edge<'db>>,
}

impl Steps<'_> {
    fn performs(&self, kind: EffectKind) -> bool {
        self.terminals.iter().any(|t| t.kinds.contains(kind))
    }
}

/// Shortest paths under an effect table, searched on demand.
pub struct Explainer<'a, 'db> {
    db: &'db dyn Db,
    table: &'a dyn EffectTable,
    modules: &'a Modules,
    items: HashMap<GlobalName, Option<Item<'db>>>,
    steps: HashMap<Node<'db>, Rc<Steps<'db>>>,
    /// The bodies searched, per kind, with their distance to one that
    /// performs it (`None`: it cannot be reached).
    dist: HashMap<(Node<'db>, EffectKind), Option<u32>>,
}

impl<'a, 'db> Explainer<'a, 'db> {
    /// Paths over the program of `modules`, under `table`.
    pub fn new(db: &'db dyn Db, table: &'a dyn EffectTable, modules: &'a Modules) -> Self {
        Explainer {
            db,
            table,
            modules,
            items: HashMap::new(),
            steps: HashMap::new(),
            dist: HashMap::new(),
        }
    }

    fn item(&mut self, g: &GlobalName) -> Option<Item<'db>> {
        if let Some(&it) = self.items.get(g) {
            return it;
        }
        let it = self.modules.item(self.db, g);
        self.items.insert(g.clone(), it);
        it
    }

    /// The item defining `def` (a global), as paths start from items.
    pub fn item_of(&mut self, def: &Def) -> Option<Item<'db>> {
        match def {
            Def::Global(g) => self.item(g),
            Def::Expr(..) => None,
        }
    }

    /// Searches from `roots` for `kind` at once (cheaper than one search
    /// per root when many roots share callees).
    pub fn search(&mut self, kind: EffectKind, roots: &[Item<'db>]) {
        // Forward: the bodies the roots reach along the kind's edges.
        let mut reached = Vec::new();
        let mut fresh = HashSet::new();
        let mut stack: Vec<Node<'db>> = roots.iter().flat_map(|&it| Node::of(it)).collect();
        while let Some(n) = stack.pop() {
            if self.dist.contains_key(&(n, kind)) {
                continue;
            }
            self.dist.insert((n, kind), None);
            reached.push(n);
            fresh.insert(n);
            let steps = self.steps(n);
            if steps.performs(kind) {
                continue;
            }
            for e in steps.edges.iter().filter(|e| e.kinds.contains(kind)) {
                if !self.dist.contains_key(&(e.to, kind)) {
                    stack.push(e.to);
                }
            }
        }
        // Backward, from the bodies that perform the kind and from those
        // an earlier search measured, nearest first.
        let mut callers: HashMap<Node<'db>, Vec<Node<'db>>> = HashMap::new();
        let mut queue: BTreeMap<u32, Vec<Node<'db>>> = BTreeMap::new();
        for &n in &reached {
            let steps = self.steps(n);
            if steps.performs(kind) {
                queue.entry(0).or_default().push(n);
                continue;
            }
            for e in steps.edges.iter().filter(|e| e.kinds.contains(kind)) {
                callers.entry(e.to).or_default().push(n);
                if let Some(&Some(d)) = self.dist.get(&(e.to, kind))
                    && !fresh.contains(&e.to)
                {
                    queue.entry(d).or_default().push(e.to);
                }
            }
        }
        let mut done = HashSet::new();
        while let Some((d, ns)) = queue.pop_first() {
            for n in ns {
                if !done.insert(n) {
                    continue;
                }
                self.dist.insert((n, kind), Some(d));
                for &c in callers.get(&n).into_iter().flatten() {
                    if !done.contains(&c) {
                        queue.entry(d + 1).or_default().push(c);
                    }
                }
            }
        }
    }

    fn dist(&self, n: Node<'db>, kind: EffectKind) -> Option<u32> {
        self.dist.get(&(n, kind)).copied().flatten()
    }

    /// The path by which `item` may perform `kind` (through its function
    /// body first, then its definition), or none if it may not.
    pub fn path(&mut self, item: Item<'db>, kind: EffectKind) -> Vec<Step> {
        let bodies = Node::of(item);
        if !self.dist.contains_key(&(bodies[0], kind)) {
            self.search(kind, &[item]);
        }
        let mut out = Vec::new();
        let mut at = bodies.into_iter().find(|&n| self.dist(n, kind).is_some());
        while let Some(n) = at {
            let d = self.dist(n, kind).unwrap_or(0);
            let steps = self.steps(n);
            let (span, what, next) = if d == 0 {
                match steps.terminals.iter().find(|t| t.kinds.contains(kind)) {
                    Some(t) => (t.span, &t.what, None),
                    None => break,
                }
            } else {
                // Distances fall by one along a shortest path, so it ends.
                let next = steps
                    .edges
                    .iter()
                    .find(|e| e.kinds.contains(kind) && self.dist(e.to, kind) == Some(d - 1));
                match next {
                    Some(e) => (e.span, &e.what, Some(e.to)),
                    None => break,
                }
            };
            out.push(Step {
                def: item_refs(self.db, n.item).def.clone(),
                file: n.item.file(self.db),
                span: span.shift(n.item.offset(self.db) as i64),
                what: what.clone(),
            });
            at = next;
        }
        out
    }

    /// The steps of body `n` (computed once).
    fn steps(&mut self, n: Node<'db>) -> Rc<Steps<'db>> {
        if let Some(s) = self.steps.get(&n) {
            return s.clone();
        }
        let a = item_analysis(self.db, n.item);
        let body = if n.call {
            a.call.as_ref()
        } else {
            Some(&a.init)
        };
        let steps = Rc::new(match body {
            Some(body) => self.body_steps(body),
            None => Steps::default(),
        });
        self.steps.insert(n, steps.clone());
        steps
    }

    /// The steps of one body under the table.
    fn body_steps(&mut self, body: &SpannedBody) -> Steps<'db> {
        let table = self.table;
        let mut out = Steps::default();
        let mut terminal = |kinds, span, what: String| {
            out.terminals.push(Terminal { kinds, span, what });
        };
        for s in &body.sources {
            terminal(s.kinds, s.span, s.what.to_string());
        }
        let mut edges = Vec::new();
        for (site, span) in &body.sites {
            let span = *span;
            let unknown = table.anything().minus(site.mask);
            let Callee::Global(g) = &site.callee else {
                if site.callee == Callee::Unknown {
                    terminal(unknown, span, "calls an unknown procedure".into());
                }
                continue;
            };
            let target = |item| Node { item, call: true };
            // A global whose value is not a lambda has no body to follow:
            // calling it is calling anything.
            let function = table
                .def_effects(&Def::Global(g.clone()))
                .is_some_and(|d| d.call.is_some());
            match self.item(g).filter(|_| function && !table.is_assigned(g)) {
                Some(item) => {
                    let kinds = table.call_of(g).minus(site.mask);
                    let what = format!("calls {}", g.name);
                    edges.push(Edge {
                        kinds,
                        span,
                        what,
                        to: target(item),
                    });
                }
                None => {
                    let what = format!("calls {}, which may be any procedure", g.name);
                    terminal(unknown, span, what);
                }
            }
            let called = table.params_of(g);
            for i in (0..64u32).filter(|i| called & (1 << i) != 0) {
                let passes = |what: &str| format!("passes {what} to {}, which calls it", g.name);
                match site.args.get(i as usize) {
                    Some(Arg::Counted | Arg::Param(_)) => {}
                    Some(Arg::Prim(p)) => {
                        let kinds = crate::primitive_effects(*p).minus(site.mask);
                        terminal(kinds, span, passes(fluent_vm::primitives::info(*p).name));
                    }
                    Some(Arg::Global(h)) => match self.item(h) {
                        Some(item) => {
                            let kinds = table.arg_effects(&Arg::Global(h.clone()));
                            let (kinds, what) = (kinds.minus(site.mask), passes(&h.name));
                            edges.push(Edge {
                                kinds,
                                span,
                                what,
                                to: target(item),
                            });
                        }
                        None => terminal(unknown, span, passes(&h.name)),
                    },
                    Some(Arg::Unknown) | None => {
                        terminal(unknown, span, passes("an unknown procedure"));
                    }
                }
            }
        }
        out.edges = edges;
        out
    }
}

/// How a definition is named in paths and audits: its name, or
/// `<form N>` for the N-th top-level expression (from 1).
pub fn def_label(def: &Def) -> String {
    match def {
        Def::Global(g) => g.name.to_string(),
        Def::Expr(_, n) => format!("<form {}>", n + 1),
    }
}

/// Line and column of offsets in source files, each file indexed once.
#[derive(Default)]
pub struct Lines(HashMap<SourceFile, LineIndex>);

impl Lines {
    pub fn line_col(&mut self, db: &dyn Db, file: SourceFile, offset: u32) -> (u32, u32) {
        self.0
            .entry(file)
            .or_insert_with(|| LineIndex::new(file.text(db)))
            .line_col(offset)
    }
}

/// A path as text: `log-sum (a.fl:6:3) -> helper (b.fl:3:5) -> display`.
pub fn render_path(db: &dyn Db, path: &[Step]) -> String {
    let mut lines = Lines::default();
    let mut out = String::new();
    for (i, s) in path.iter().enumerate() {
        let (line, col) = lines.line_col(db, s.file, s.span.start);
        if i > 0 {
            out.push_str(" -> ");
        }
        let (name, file) = (def_label(&s.def), s.file.path(db));
        out.push_str(&format!("{name} ({file}:{line}:{col})"));
        if i + 1 == path.len() {
            out.push_str(&format!(" -> {}", s.what.trim_start_matches("calls ")));
        }
    }
    out
}
