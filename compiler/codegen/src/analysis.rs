//! Variable facts the code generator needs before it emits anything:
//! which variables are assigned, which are captured by an inner lambda,
//! and each lambda's free variables; and which calls and inlined bodies
//! are in tail position of an inlined body.
//!
//! A variable that is both assigned (`set!`) and captured lives in a box,
//! so every closure and the binding frame share one mutable cell. All other
//! captures are copied into the closure (flat closures).

use fluent_ir::core::*;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

/// Facts about an item's variables.
#[derive(Default)]
pub struct VarFacts {
    pub assigned: HashSet<VarId>,
    pub boxed: HashSet<VarId>,
    /// The free variables of every lambda of the item, by its address,
    /// as [`free_vars`] gives them: found in the one walk, because
    /// walking each lambda's body again is quadratic in their nesting.
    pub free: HashMap<*const Lambda, Vec<VarId>>,
}

/// Collects [`VarFacts`] for a whole item.
pub fn var_facts(e: &Expr) -> VarFacts {
    let mut w = Walker::default();
    w.expr(e, 0);
    let boxed = w.assigned.intersection(&w.captured).copied().collect();
    VarFacts {
        assigned: w.assigned,
        boxed,
        free: w.free,
    }
}

#[derive(Default)]
struct Walker {
    /// The lambda nesting level each variable is bound at.
    binder: HashMap<VarId, u32>,
    assigned: HashSet<VarId>,
    captured: HashSet<VarId>,
    /// The free variables of the lambdas being walked, outermost first
    /// (the one at index i has level i + 1).
    open: Vec<BTreeSet<VarId>>,
    free: HashMap<*const Lambda, Vec<VarId>>,
}

impl Walker {
    fn bind(&mut self, v: VarId, level: u32) {
        self.binder.insert(v, level);
    }

    fn use_var(&mut self, v: VarId, level: u32) {
        let b = self.binder.get(&v).copied();
        if b.is_some_and(|b| b != level) {
            self.captured.insert(v);
        }
        // Free in every lambda between its binding and this use.
        let outer = b.unwrap_or(0) as usize;
        for fv in self.open.iter_mut().take(level as usize).skip(outer) {
            fv.insert(v);
        }
    }

    fn expr(&mut self, e: &Expr, lv: u32) {
        match &e.kind {
            ExprKind::Lit(_) | ExprKind::Global(_) | ExprKind::Prim(_) => {}
            ExprKind::Local(v) => self.use_var(*v, lv),
            ExprKind::SetLocal(v, x) => {
                self.assigned.insert(*v);
                self.use_var(*v, lv);
                self.expr(x, lv);
            }
            ExprKind::SetGlobal(_, x) | ExprKind::Inlined(_, x) => self.expr(x, lv),
            ExprKind::If(c, t, f) => {
                self.expr(c, lv);
                self.expr(t, lv);
                self.expr(f, lv);
            }
            ExprKind::Seq(es) | ExprKind::PrimCall(_, es) | ExprKind::Tagged(_, es) => {
                es.iter().for_each(|x| self.expr(x, lv))
            }
            ExprKind::Recur(_, es) => es.iter().for_each(|x| self.expr(x, lv)),
            ExprKind::Let(bs, body) | ExprKind::Letrec(bs, body) | ExprKind::Loop(_, bs, body) => {
                for (v, _) in bs {
                    self.bind(*v, lv);
                }
                for (_, x) in bs {
                    self.expr(x, lv);
                }
                self.expr(body, lv);
            }
            ExprKind::Lambda(l) => {
                for v in l.params.iter().chain(l.rest.iter()) {
                    self.bind(*v, lv + 1);
                }
                self.open.push(BTreeSet::new());
                self.expr(&l.body, lv + 1);
                let fv = self.open.pop().expect("this lambda");
                self.free.insert(Arc::as_ptr(l), fv.into_iter().collect());
            }
            ExprKind::Call(f, args) => {
                self.expr(f, lv);
                args.iter().for_each(|x| self.expr(x, lv));
            }
            ExprKind::Match(v, clauses) => {
                self.expr(v, lv);
                for c in clauses {
                    self.pattern(&c.pat, lv);
                    if let Some(g) = &c.guard {
                        self.expr(g, lv);
                    }
                    self.expr(&c.body, lv);
                }
            }
            ExprKind::Try(body, v, handler) => {
                self.bind(*v, lv);
                self.expr(body, lv);
                self.expr(handler, lv);
            }
        }
    }

    fn pattern(&mut self, p: &Pattern, lv: u32) {
        match p {
            Pattern::Wild | Pattern::Lit(_) | Pattern::Nil => {}
            Pattern::Bind(v) => self.bind(*v, lv),
            Pattern::Pair(a, b) => {
                self.pattern(a, lv);
                self.pattern(b, lv);
            }
            Pattern::Vector(ps) | Pattern::Tagged(_, ps) | Pattern::Or(ps) => {
                ps.iter().for_each(|x| self.pattern(x, lv))
            }
            Pattern::As(v, p) => {
                self.bind(*v, lv);
                self.pattern(p, lv);
            }
            Pattern::Pred(e, p) => {
                self.expr(e, lv);
                self.pattern(p, lv);
            }
        }
    }
}

/// The variables `l` uses but does not bind, in a stable order.
pub fn free_vars(l: &Lambda) -> Vec<VarId> {
    let mut used = BTreeSet::new();
    let mut bound = HashSet::new();
    bound.extend(l.params.iter().copied());
    bound.extend(l.rest);
    collect_free(&l.body, &mut used, &mut bound);
    used.into_iter().collect()
}

/// Adds to `used` every variable referenced in `e` and not in `bound`
/// (variables are unique per item, so one set of bound names suffices).
fn collect_free(e: &Expr, used: &mut BTreeSet<VarId>, bound: &mut HashSet<VarId>) {
    let use_var = |v: &VarId, used: &mut BTreeSet<VarId>, bound: &HashSet<VarId>| {
        if !bound.contains(v) {
            used.insert(*v);
        }
    };
    match &e.kind {
        ExprKind::Lit(_) | ExprKind::Global(_) | ExprKind::Prim(_) => {}
        ExprKind::Local(v) => use_var(v, used, bound),
        ExprKind::SetLocal(v, x) => {
            use_var(v, used, bound);
            collect_free(x, used, bound);
        }
        ExprKind::SetGlobal(_, x) | ExprKind::Inlined(_, x) => collect_free(x, used, bound),
        ExprKind::If(c, t, f) => {
            collect_free(c, used, bound);
            collect_free(t, used, bound);
            collect_free(f, used, bound);
        }
        ExprKind::Seq(es)
        | ExprKind::PrimCall(_, es)
        | ExprKind::Tagged(_, es)
        | ExprKind::Recur(_, es) => es.iter().for_each(|x| collect_free(x, used, bound)),
        ExprKind::Let(bs, body) | ExprKind::Letrec(bs, body) | ExprKind::Loop(_, bs, body) => {
            bound.extend(bs.iter().map(|(v, _)| *v));
            bs.iter().for_each(|(_, x)| collect_free(x, used, bound));
            collect_free(body, used, bound);
        }
        ExprKind::Lambda(l) => {
            bound.extend(l.params.iter().copied());
            bound.extend(l.rest);
            collect_free(&l.body, used, bound);
        }
        ExprKind::Call(f, args) => {
            collect_free(f, used, bound);
            args.iter().for_each(|x| collect_free(x, used, bound));
        }
        ExprKind::Match(v, clauses) => {
            collect_free(v, used, bound);
            for c in clauses {
                c.pat.for_each_var(&mut |v| {
                    bound.insert(v);
                });
                pattern_exprs(&c.pat, used, bound);
                if let Some(g) = &c.guard {
                    collect_free(g, used, bound);
                }
                collect_free(&c.body, used, bound);
            }
        }
        ExprKind::Try(body, v, handler) => {
            bound.insert(*v);
            collect_free(body, used, bound);
            collect_free(handler, used, bound);
        }
    }
}

fn pattern_exprs(p: &Pattern, used: &mut BTreeSet<VarId>, bound: &mut HashSet<VarId>) {
    match p {
        Pattern::Pred(e, p) => {
            collect_free(e, used, bound);
            pattern_exprs(p, used, bound);
        }
        Pattern::Pair(a, b) => {
            pattern_exprs(a, used, bound);
            pattern_exprs(b, used, bound);
        }
        Pattern::Vector(ps) | Pattern::Tagged(_, ps) | Pattern::Or(ps) => {
            ps.iter().for_each(|x| pattern_exprs(x, used, bound))
        }
        Pattern::As(_, p) => pattern_exprs(p, used, bound),
        Pattern::Wild | Pattern::Lit(_) | Pattern::Nil | Pattern::Bind(_) => {}
    }
}

/// Whether `e` mentions variable `v` at all (reads, writes or captures).
pub fn mentions(e: &Expr, v: VarId) -> bool {
    mentioned(e).contains(&v)
}

/// The variables bound outside `e` that it mentions.
pub fn mentioned(e: &Expr) -> BTreeSet<VarId> {
    let mut used = BTreeSet::new();
    collect_free(e, &mut used, &mut HashSet::new());
    used
}

/// The calls and `Inlined` nodes in tail position of the function body
/// `body`: those that would be tail calls if `body` were compiled as its
/// own function. This follows the tail positions the code generator
/// passes down (`FnGen::expr`'s `tail`): branches, the last of a
/// sequence, the bodies of bindings, loops and clauses, a `try`'s handler
/// (not its body). It stops at inlined bodies (they have their own) and
/// lambdas.
pub fn tail_calls(body: &Expr) -> HashSet<*const Expr> {
    let mut out = HashSet::new();
    let mut todo = vec![body];
    while let Some(e) = todo.pop() {
        match &e.kind {
            ExprKind::Inlined(..) | ExprKind::Call(..) | ExprKind::PrimCall(..) => {
                out.insert(e as *const Expr);
            }
            ExprKind::If(_, t, f) => todo.extend([&**t, &**f]),
            ExprKind::Seq(es) => todo.extend(es.last()),
            ExprKind::Let(_, b) | ExprKind::Letrec(_, b) | ExprKind::Loop(_, _, b) => todo.push(b),
            ExprKind::Match(_, clauses) => todo.extend(clauses.iter().map(|c| &c.body)),
            ExprKind::Try(_, _, handler) => todo.push(handler),
            _ => {}
        }
    }
    out
}
