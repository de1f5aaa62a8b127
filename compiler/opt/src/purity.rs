//! Uses of purity on Core: calls of pure functions with constant
//! arguments are folded, unused pure expressions that cannot fail are
//! dropped, and a pure call whose value a `let` already holds is not made
//! again.
//!
//! "Pure" is effect inference's verdict (no effect kind, no parameter
//! called, never reassigned). It is not enough on its own to drop or merge
//! a call, because run-time faults are not effects (LANGUAGE.md): dropping
//! `(car x)` would turn an error into none, so only expressions that cannot
//! fail are dropped (a folded call, a literal, a variable, a lambda, a
//! constructor such as `cons`). Merging is safe for faults (the first call
//! runs where it did) but not for identity: two calls of `list` make two
//! lists, so only calls whose value is a number, boolean or character are
//! merged, and only while nothing in between may change what they read
//! (any effectful call in between forgets what is known).
//!
//! Effectful calls are never moved, dropped or duplicated: every rewrite
//! here replaces a pure expression by a literal or a variable, or removes
//! one that cannot fail.

use crate::copies::assigned_locals;
use crate::eval::{Globals, eval_call};
use fluent_ir::core::{CoreItem, Expr, ExprKind, ItemKind, Lit, VarId};
use fluent_vm::bytecode::GlobalName;
use fluent_vm::primitives::{self, PrimId};
use std::collections::HashSet;
use std::sync::Arc;

/// What the pass needs to know of the program.
pub trait Facts: Globals {
    /// Whether calling `g` performs no effect and calls none of its
    /// arguments.
    fn pure_function(&self, g: &GlobalName) -> bool;
    /// Whether every value `g` returns is a number, boolean or character
    /// (see [`tail_immediate`]).
    fn returns_immediate(&self, g: &GlobalName) -> bool;
    /// Whether `g` is defined before code that runs when its module
    /// starts reaches it (another module's, or an earlier item's).
    fn defined_before(&self, g: &GlobalName) -> bool;
}

/// Steps one folded call may take (a pure infinite loop stops here).
pub const FOLD_FUEL: u32 = 20_000;
/// Steps all the folds of one item may take together.
pub const ITEM_FUEL: u32 = 200_000;

/// The item with the rewrites of this module applied.
pub fn optimize(item: &CoreItem, facts: &dyn Facts) -> CoreItem {
    let mut p = Pass {
        facts,
        fuel: ITEM_FUEL,
        assigned: HashSet::new(),
        used: HashSet::new(),
        depth: 0,
        clears: std::cell::Cell::new(0),
    };
    let body = match &item.kind {
        ItemKind::Define { value, .. } => value,
        ItemKind::Expr(e) => e,
    };
    assigned_locals(body, &mut p.assigned);
    uses(body, &mut p.used);
    let body = p.expr(body.clone());
    let body = p.cse(body, &mut Vec::new());
    let kind = match &item.kind {
        ItemKind::Define { name, .. } => ItemKind::Define {
            name: name.clone(),
            value: body,
        },
        ItemKind::Expr(_) => ItemKind::Expr(body),
    };
    CoreItem {
        kind,
        vars: item.vars.clone(),
        span: item.span,
    }
}

struct Pass<'a> {
    facts: &'a dyn Facts,
    fuel: u32,
    assigned: HashSet<VarId>,
    /// Locals read (or assigned) anywhere in the item (numbered per item,
    /// so one walk answers for every `let`).
    used: HashSet<VarId>,
    /// Lambda nesting: 0 is code that runs when the module starts.
    depth: u32,
    /// How many times what is known was forgotten (see `cse`).
    clears: std::cell::Cell<u64>,
}

/// A literal that stands for a value exactly (an argument to fold with).
fn constant(e: &Expr) -> Option<&Lit> {
    match &e.kind {
        ExprKind::Lit(l @ (Lit::Int(_) | Lit::Float(_) | Lit::Bool(_) | Lit::Char(_))) => Some(l),
        ExprKind::Lit(l @ (Lit::Symbol(_) | Lit::Nil)) => Some(l),
        _ => None,
    }
}

impl Pass<'_> {
    /// Folding and dropping, bottom up. Takes the expression by value
    /// and rebuilds it in place: no subtree is copied (deeply nested
    /// programs stay linear).
    fn expr(&mut self, mut e: Expr) -> Expr {
        let span = e.span;
        match e.kind {
            ExprKind::Lambda(mut l) => {
                self.depth += 1;
                let lam = Arc::make_mut(&mut l);
                let span = lam.body.span;
                lam.body = self.expr(std::mem::replace(&mut lam.body, Expr::unspecified(span)));
                self.depth -= 1;
                Expr::new(ExprKind::Lambda(l), span)
            }
            ExprKind::Call(f, args) => {
                let args: Vec<Expr> = args.into_iter().map(|a| self.expr(a)).collect();
                if let ExprKind::Global(g) = &f.kind
                    && let Some(lit) = self.fold(g, &args)
                {
                    return Expr::lit(lit, span);
                }
                Expr::new(ExprKind::Call(Box::new(self.expr(*f)), args), span)
            }
            ExprKind::Seq(es) => {
                let n = es.len();
                let mut out: Vec<Expr> = Vec::with_capacity(n);
                for (i, x) in es.into_iter().enumerate() {
                    let x = self.expr(x);
                    if i + 1 == n || !cannot_fail(&x) {
                        out.push(x);
                    }
                }
                Expr::seq(out, span)
            }
            ExprKind::Let(bs, body) => {
                let body = self.expr(*body);
                let mut kept = Vec::with_capacity(bs.len());
                for (v, x) in bs {
                    let x = self.expr(x);
                    if self.used.contains(&v) || !cannot_fail(&x) {
                        kept.push((v, x));
                    }
                }
                if kept.is_empty() {
                    return body;
                }
                Expr::new(ExprKind::Let(kept, Box::new(body)), span)
            }
            kind => {
                e.kind = kind;
                e.map_children(&mut |x| self.expr(x));
                e
            }
        }
    }

    /// `(g args...)` as a literal, if `g` is pure and the call finishes
    /// within the fuel.
    fn fold(&mut self, g: &GlobalName, args: &[Expr]) -> Option<Lit> {
        let lits: Vec<Lit> = args
            .iter()
            .map(constant)
            .collect::<Option<Vec<_>>>()?
            .into_iter()
            .cloned()
            .collect();
        if self.fuel == 0 || !self.facts.pure_function(g) {
            return None;
        }
        // Code that runs as the module starts may reach `g` before its
        // definition has run, which is an error to keep.
        if self.depth == 0 && !self.facts.defined_before(g) {
            return None;
        }
        let fuel = FOLD_FUEL.min(self.fuel);
        self.fuel -= fuel;
        eval_call(self.facts, g, &lits, fuel)
    }

    /// Whether `e` is a call whose value may be reused for an equal call:
    /// its key.
    fn reusable(&self, e: &Expr) -> Option<Key> {
        let (callee, args) = match &e.kind {
            ExprKind::Call(f, args) => match &f.kind {
                ExprKind::Global(g)
                    if self.facts.pure_function(g) && self.facts.returns_immediate(g) =>
                {
                    (Callee::Global(g.clone()), args)
                }
                _ => return None,
            },
            ExprKind::PrimCall(p, args) if immediate_prim(*p) => (Callee::Prim(*p), args),
            _ => return None,
        };
        let args = args
            .iter()
            .map(|a| match &a.kind {
                ExprKind::Local(v) if !self.assigned.contains(v) => Some(ArgKey::Local(*v)),
                _ => constant(a).map(|l| ArgKey::Lit(l.clone())),
            })
            .collect::<Option<Vec<_>>>()?;
        Some(Key { callee, args })
    }

    /// Reuse of let-bound pure calls, in evaluation order: `avail` holds
    /// the calls whose values variables hold now.
    fn cse(&self, e: Expr, avail: &mut Vec<(Key, VarId)>) -> Expr {
        if let Some(k) = self.reusable(&e) {
            let e = self.cse_children(e, avail);
            if let Some((_, v)) = avail.iter().rev().find(|(a, _)| *a == k) {
                return Expr::new(ExprKind::Local(*v), e.span);
            }
            return e;
        }
        let span = e.span;
        match e.kind {
            ExprKind::Let(bs, body) => {
                let mut new = Vec::new();
                let mut bound = Vec::new();
                for (v, x) in bs {
                    let x = self.cse(x, avail);
                    if !self.assigned.contains(&v)
                        && let Some(k) = self.reusable(&x)
                    {
                        bound.push((k, v, self.clears.get()));
                    }
                    new.push((v, x));
                }
                // A value computed before a later binding forgot what was
                // known may be stale.
                let now = self.clears.get();
                let mark = avail.len();
                avail.extend(
                    bound
                        .into_iter()
                        .filter(|b| b.2 == now)
                        .map(|(k, v, _)| (k, v)),
                );
                let body = self.cse(*body, avail);
                avail.truncate(mark.min(avail.len()));
                Expr::new(ExprKind::Let(new, Box::new(body)), span)
            }
            ExprKind::If(c, t, f) => {
                let c = self.cse(*c, avail);
                let mut other = avail.clone();
                let before = self.clears.get();
                let t = self.cse(*t, avail);
                let f = self.cse(*f, &mut other);
                avail.retain(|x| other.contains(x));
                if self.clears.get() != before {
                    self.forget(avail);
                }
                Expr::new(ExprKind::If(Box::new(c), Box::new(t), Box::new(f)), span)
            }
            ExprKind::Lambda(_) | ExprKind::Loop(..) | ExprKind::Match(..) | ExprKind::Try(..) => {
                // Run later, repeatedly or partly: what is known before
                // is not known inside, and what happens inside is not
                // known after.
                let mut e = Expr::new(e.kind, span);
                e.map_children(&mut |x| self.cse(x, &mut Vec::new()));
                self.forget(avail);
                e
            }
            kind => {
                let effectful = match &kind {
                    ExprKind::Call(f, _) => {
                        !matches!(&f.kind, ExprKind::Global(g) if self.facts.pure_function(g))
                    }
                    ExprKind::PrimCall(p, _) => {
                        !primitives::info(*p).effects.is_empty() || calls_back(*p)
                    }
                    ExprKind::SetGlobal(..) => true,
                    _ => false,
                };
                let e = self.cse_children(Expr::new(kind, span), avail);
                if effectful {
                    self.forget(avail);
                }
                e
            }
        }
    }

    fn forget(&self, avail: &mut Vec<(Key, VarId)>) {
        avail.clear();
        self.clears.set(self.clears.get() + 1);
    }

    fn cse_children(&self, mut e: Expr, avail: &mut Vec<(Key, VarId)>) -> Expr {
        e.map_children(&mut |x| self.cse(x, avail));
        e
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Callee {
    Global(GlobalName),
    Prim(PrimId),
}

#[derive(Clone, Debug, PartialEq)]
enum ArgKey {
    Local(VarId),
    Lit(Lit),
}

#[derive(Clone, Debug, PartialEq)]
struct Key {
    callee: Callee,
    args: Vec<ArgKey>,
}

/// Primitives that call procedures they are given.
pub(crate) fn calls_back(p: PrimId) -> bool {
    !matches!(primitives::info(p).imp, primitives::PrimImpl::Fn(_))
}

/// Pure primitives whose value is always a number, boolean or character.
fn immediate_prim(p: PrimId) -> bool {
    const NAMES: &[&str] = &[
        "+",
        "-",
        "*",
        "/",
        "quotient",
        "remainder",
        "modulo",
        "abs",
        "min",
        "max",
        "=",
        "<",
        ">",
        "<=",
        ">=",
        "zero?",
        "positive?",
        "negative?",
        "odd?",
        "even?",
        "not",
        "eq?",
        "eqv?",
        "equal?",
        "null?",
        "pair?",
        "number?",
        "integer?",
        "sqrt",
        "exp",
        "log",
        "sin",
        "cos",
        "tan",
        "atan",
        "floor",
        "ceiling",
        "round",
        "truncate",
        "exact->inexact",
        "inexact->exact",
        "length",
        "vector-length",
        "string-length",
        "char->integer",
    ];
    let info = primitives::info(p);
    info.effects.is_empty() && !calls_back(p) && NAMES.contains(&info.name)
}

/// Whether every value `e` returns in tail position is a number, boolean
/// or character (so two calls' values cannot be told apart by identity).
/// `seen`: the functions being looked at (a recursive call returns what
/// the other paths do).
pub fn tail_immediate(e: &Expr, facts: &dyn Facts, seen: &mut Vec<GlobalName>) -> bool {
    match &e.kind {
        ExprKind::Lit(l) => constant(e).is_some() && !matches!(l, Lit::Symbol(_) | Lit::Nil),
        ExprKind::PrimCall(p, _) => immediate_prim(*p),
        ExprKind::If(_, t, f) => tail_immediate(t, facts, seen) && tail_immediate(f, facts, seen),
        ExprKind::Let(_, b) | ExprKind::Letrec(_, b) | ExprKind::Loop(_, _, b) => {
            tail_immediate(b, facts, seen)
        }
        ExprKind::Seq(es) => es.last().is_some_and(|x| tail_immediate(x, facts, seen)),
        // The loop's exits decide.
        ExprKind::Recur(..) => true,
        ExprKind::Call(f, _) => match &f.kind {
            ExprKind::Global(g) if seen.contains(g) => true,
            ExprKind::Global(g) if facts.pure_function(g) => {
                let Some(l) = facts.function(g) else {
                    return false;
                };
                seen.push(g.clone());
                tail_immediate(&l.body, facts, seen)
            }
            _ => false,
        },
        _ => false,
    }
}

/// Whether evaluating `e` can neither fail nor perform an effect (so an
/// unused `e` may go).
fn cannot_fail(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Lit(_) | ExprKind::Local(_) | ExprKind::Prim(_) | ExprKind::Lambda(_) => true,
        ExprKind::PrimCall(p, args) => never_fails(*p, args.len()) && args.iter().all(cannot_fail),
        ExprKind::Tagged(_, args) => args.iter().all(cannot_fail),
        _ => false,
    }
}

/// Pure primitives that accept any arguments (of the right count).
pub(crate) fn never_fails(p: PrimId, argc: usize) -> bool {
    const NAMES: &[&str] = &[
        "cons",
        "list",
        "vector",
        "null?",
        "pair?",
        "list?",
        "number?",
        "integer?",
        "boolean?",
        "symbol?",
        "string?",
        "char?",
        "vector?",
        "procedure?",
        "not",
        "eq?",
        "eqv?",
        "equal?",
    ];
    let info = primitives::info(p);
    info.effects.is_empty() && info.accepts(argc) && NAMES.contains(&info.name)
}

/// The locals `e` reads or assigns.
fn uses(e: &Expr, out: &mut HashSet<VarId>) {
    match &e.kind {
        ExprKind::Local(v) | ExprKind::SetLocal(v, _) => {
            out.insert(*v);
        }
        _ => {}
    }
    e.for_each_child(&mut |x| uses(x, out));
}
