//! Why a definition may perform an effect: the shortest call path from it
//! to where the effect is performed.
//!
//! A node is one body of a definition (its `init`, or its `call` when it
//! defines a function). For each kind, a breadth-first search runs
//! backwards from the bodies that perform the kind themselves, along the
//! call sites that bring it in, so every node learns its first step on a
//! shortest path at once (one search per kind, not one per definition).

use crate::summary::{Analysis, Arg, Callee, SpannedBody, item_analysis};
use crate::{EffectSet, ProgramEffects};
use fluent_ir::{Db, Item, SourceFile, file_items};
use fluent_linker::graph::{Def, item_refs};
use fluent_syntax::{LineIndex, Span};
use fluent_vm::bytecode::GlobalName;
use fluent_vm::effect::EffectKind;
use std::collections::{HashMap, VecDeque};

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

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct Node {
    item: usize,
    call: bool,
}

struct Hop {
    span: Span,
    what: String,
    next: Option<Node>,
}

/// Shortest paths for every definition and kind of a program.
pub struct Explainer<'db> {
    items: Vec<(Def, Item<'db>)>,
    hops: HashMap<(Node, EffectKind), Hop>,
}

impl<'db> Explainer<'db> {
    /// Paths over the items of `files` (a whole program), under `table`.
    pub fn new(db: &'db dyn Db, files: &[SourceFile], table: &ProgramEffects) -> Explainer<'db> {
        let mut items = Vec::new();
        for &f in files {
            for &item in file_items(db, f) {
                items.push((item_refs(db, item).def.clone(), item));
            }
        }
        let index: HashMap<&GlobalName, usize> = items
            .iter()
            .enumerate()
            .filter_map(|(i, (d, _))| match d {
                Def::Global(g) => Some((g, i)),
                Def::Expr(..) => None,
            })
            .collect();
        // Every step of every body: (from, kinds, span, what, to).
        let mut terminals: Vec<(Node, EffectSet, Span, String)> = Vec::new();
        let mut edges: Vec<(Node, EffectSet, Span, String, Node)> = Vec::new();
        for (i, (_, item)) in items.iter().enumerate() {
            let a: &Analysis = item_analysis(db, *item);
            let bodies = [(false, Some(&a.init)), (true, a.call.as_ref())];
            for (call, body) in bodies {
                let Some(body) = body else { continue };
                let from = Node { item: i, call };
                steps(table, &index, body, from, &mut terminals, &mut edges);
            }
        }
        let mut hops = HashMap::new();
        for kind in EffectKind::ALL {
            let mut queue = VecDeque::new();
            for (node, kinds, span, what) in &terminals {
                if kinds.contains(kind) && !hops.contains_key(&(*node, kind)) {
                    let hop = Hop {
                        span: *span,
                        what: what.clone(),
                        next: None,
                    };
                    hops.insert((*node, kind), hop);
                    queue.push_back(*node);
                }
            }
            let mut callers: HashMap<Node, Vec<usize>> = HashMap::new();
            for (e, (_, kinds, _, _, to)) in edges.iter().enumerate() {
                if kinds.contains(kind) {
                    callers.entry(*to).or_default().push(e);
                }
            }
            while let Some(n) = queue.pop_front() {
                for &e in callers.get(&n).into_iter().flatten() {
                    let (from, _, span, what, to) = &edges[e];
                    if hops.contains_key(&(*from, kind)) {
                        continue;
                    }
                    let hop = Hop {
                        span: *span,
                        what: what.clone(),
                        next: Some(*to),
                    };
                    hops.insert((*from, kind), hop);
                    queue.push_back(*from);
                }
            }
        }
        Explainer { items, hops }
    }

    /// The path by which `def` may perform `kind` (through its function
    /// body first, then its definition), or none if it may not.
    pub fn path(&self, db: &dyn Db, def: &Def, kind: EffectKind) -> Vec<Step> {
        let Some(item) = self.items.iter().position(|(d, _)| d == def) else {
            return vec![];
        };
        let start = [true, false]
            .into_iter()
            .map(|call| Node { item, call })
            .find(|n| self.hops.contains_key(&(*n, kind)));
        let mut out = Vec::new();
        let mut at = start;
        while let Some(n) = at {
            let Some(hop) = self.hops.get(&(n, kind)) else {
                break;
            };
            let (def, it) = &self.items[n.item];
            out.push(Step {
                def: def.clone(),
                file: it.file(db),
                span: hop.span.shift(it.offset(db) as i64),
                what: hop.what.clone(),
            });
            // Paths are shortest, so they never come back; the bound is
            // for safety only.
            if out.len() > self.items.len() {
                break;
            }
            at = hop.next;
        }
        out
    }
}

/// The steps of one body under `table`.
fn steps(
    table: &ProgramEffects,
    index: &HashMap<&GlobalName, usize>,
    body: &SpannedBody,
    from: Node,
    terminals: &mut Vec<(Node, EffectSet, Span, String)>,
    edges: &mut Vec<(Node, EffectSet, Span, String, Node)>,
) {
    for s in &body.sources {
        terminals.push((from, s.kinds, s.span, s.what.to_string()));
    }
    for (site, span) in &body.sites {
        let unknown = table.anything.minus(site.mask);
        match &site.callee {
            Callee::Param(_) => {}
            Callee::Unknown => {
                terminals.push((from, unknown, *span, "calls an unknown procedure".into()));
            }
            Callee::Global(g) => {
                let target = |i: usize| Node {
                    item: i,
                    call: true,
                };
                // A global whose value is not a lambda has no body to
                // follow: calling it is calling anything.
                let def = Def::Global(g.clone());
                let function = table.defs.get(&def).is_some_and(|d| d.call.is_some());
                match index.get(g).filter(|_| function) {
                    Some(&i) if !table.assigned.contains(g) => {
                        let kinds = table.call_of(g).minus(site.mask);
                        edges.push((from, kinds, *span, format!("calls {}", g.name), target(i)));
                    }
                    _ => {
                        let what = format!("calls {}, which may be any procedure", g.name);
                        terminals.push((from, unknown, *span, what));
                    }
                }
                let called = table.params_of(g);
                for i in (0..64u32).filter(|i| called & (1 << i) != 0) {
                    let passes =
                        |what: &str| format!("passes {what} to {}, which calls it", g.name);
                    match site.args.get(i as usize) {
                        Some(Arg::Counted | Arg::Param(_)) => {}
                        Some(Arg::Prim(p)) => {
                            let kinds = crate::primitive_effects(*p).minus(site.mask);
                            let what = passes(fluent_vm::primitives::info(*p).name);
                            terminals.push((from, kinds, *span, what));
                        }
                        Some(Arg::Global(h)) => match index.get(h) {
                            Some(&j) => {
                                let kinds = table.arg_effects(&Arg::Global(h.clone()));
                                let what = passes(&h.name);
                                edges.push((from, kinds.minus(site.mask), *span, what, target(j)));
                            }
                            None => terminals.push((from, unknown, *span, passes(&h.name))),
                        },
                        Some(Arg::Unknown) | None => {
                            let what = passes("an unknown procedure");
                            terminals.push((from, unknown, *span, what));
                        }
                    }
                }
            }
        }
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
