//! Inlining (-O2): a call of a small function defined by another item,
//! in this module or another, is replaced by the function's body.
//!
//! `(g a b)` becomes `(let ((p a) (q b)) (inlined g body))`: the arguments
//! are evaluated in the order the call evaluated them, then the body runs,
//! as the call would have. The callee's variables and loops are renumbered
//! into the caller's (every inlined copy gets its own), so nothing is
//! captured. The body keeps its spans, relative to the callee's item, inside
//! [`ExprKind::Inlined`], so that an error in it reports the callee's
//! location and a backtrace frame for it, as the call would have.
//!
//! What is inlined ([`Candidate`], one tracked query per callee, so a
//! caller depends on the verdict, not on the callee's code): a global
//! defined as a lambda without a rest parameter, never assigned with
//! `set!`, whose body is at most `Config::inline_size` Core expressions and
//! does not mention the global itself. A call is inlined when it passes
//! exactly as many arguments as the function takes (a wrong count stays a
//! run-time error) and the callee is defined before the caller's item (in
//! an imported module, or earlier in the same one), so the call could never
//! have found the global undefined. Bodies are inlined as lowered, then the
//! calls in them are considered in turn, `Config::inline_depth` deep, which
//! also bounds mutual recursion.

use crate::Config;
use fluent_ir::core::{Expr, ExprKind, InlineOrigin, Lambda, LoopId, VarId, VarInfo};
use fluent_vm::bytecode::GlobalName;
use std::sync::Arc;

/// A function that may be inlined.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Candidate {
    pub lambda: Arc<Lambda>,
    /// The callee item's variables (its lambda's use some of them).
    pub vars: Vec<VarInfo>,
    /// Where the callee's item starts in its file.
    pub offset: u32,
}

/// What inlining needs to know of the program.
pub trait Callees {
    /// `g`, if it may be inlined (see the module docs).
    fn candidate(&self, g: &GlobalName) -> Option<Arc<Candidate>>;
    /// Whether `g` is defined before the item being optimized starts.
    fn defined_before(&self, g: &GlobalName) -> bool;
}

/// Whether `lambda` (the value of the global `g`) may be inlined.
pub fn inlinable(g: &GlobalName, lambda: &Lambda, cfg: &Config) -> bool {
    if lambda.rest.is_some() || crate::size(&lambda.body) > cfg.inline_size {
        return false;
    }
    let mut globals = std::collections::BTreeSet::new();
    lambda.body.globals(&mut globals);
    !globals.contains(g)
}

/// `e` with the calls it may inline inlined; `vars` is the item's
/// variable table (inlined copies' variables are added to it). Returns the
/// functions inlined.
pub fn inline(
    e: Expr,
    vars: &mut Vec<VarInfo>,
    callees: &dyn Callees,
    cfg: &Config,
) -> (Expr, Vec<GlobalName>) {
    let mut loops = 0;
    max_loop(&e, &mut loops);
    let mut pass = Pass {
        callees,
        cfg,
        vars,
        next_loop: loops + 1,
        inlined: Vec::new(),
        budget: crate::size(&e).max(100) * 2,
    };
    let e = pass.expr(e, 0);
    (e, pass.inlined)
}

fn max_loop(e: &Expr, max: &mut u32) {
    if let ExprKind::Loop(id, ..) = &e.kind {
        *max = (*max).max(id.0);
    }
    e.for_each_child(&mut |x| max_loop(x, max));
}

struct Pass<'a> {
    callees: &'a dyn Callees,
    cfg: &'a Config,
    vars: &'a mut Vec<VarInfo>,
    next_loop: u32,
    inlined: Vec<GlobalName>,
    /// Core expressions inlining may still add to the item.
    budget: usize,
}

impl Pass<'_> {
    fn expr(&mut self, mut e: Expr, depth: u32) -> Expr {
        e.map_children(&mut |x| self.expr(x, depth));
        let ExprKind::Call(f, args) = &e.kind else {
            return e;
        };
        let ExprKind::Global(g) = &f.kind else {
            return e;
        };
        if depth >= self.cfg.inline_depth || !self.callees.defined_before(g) {
            return e;
        }
        let Some(c) = self.callees.candidate(g) else {
            return e;
        };
        let size = crate::size(&c.lambda.body);
        if c.lambda.params.len() != args.len() || size > self.budget {
            return e;
        }
        self.budget -= size;
        let g = g.clone();
        let ExprKind::Call(_, args) = e.kind else {
            unreachable!("matched above")
        };
        let base = self.vars.len() as u32;
        let body = self.copy(&c, &g, e.span);
        let body = self.expr(body, depth + 1);
        let params = c.lambda.params.iter().map(|p| VarId(p.0 + base));
        let bindings: Vec<(VarId, Expr)> = params.zip(args).collect();
        if !self.inlined.contains(&g) {
            self.inlined.push(g);
        }
        Expr::new(ExprKind::Let(bindings, Box::new(body)), e.span)
    }

    /// The callee's body, renumbered into this item, inside its origin.
    fn copy(&mut self, c: &Candidate, g: &GlobalName, call: fluent_syntax::Span) -> Expr {
        let base = self.vars.len() as u32;
        self.vars.extend(c.vars.iter().cloned());
        let mut loops = 0;
        max_loop(&c.lambda.body, &mut loops);
        let loop_base = self.next_loop;
        self.next_loop += loops + 1;
        let mut body = c.lambda.body.clone();
        renumber(&mut body, base, loop_base);
        let origin = InlineOrigin {
            function: g.clone(),
            name: c.lambda.name.clone().unwrap_or_else(|| g.name.clone()),
            offset: c.offset,
            call,
        };
        let span = body.span;
        Expr::new(ExprKind::Inlined(Arc::new(origin), Box::new(body)), span)
    }
}

/// Adds `base` to every variable and `loop_base` to every loop of `e`.
fn renumber(e: &mut Expr, base: u32, loop_base: u32) {
    let var = |v: &mut VarId| v.0 += base;
    let lp = |l: &mut LoopId| l.0 += loop_base;
    match &mut e.kind {
        ExprKind::Local(v) | ExprKind::SetLocal(v, _) | ExprKind::Try(_, v, _) => var(v),
        ExprKind::Let(bs, _) | ExprKind::Letrec(bs, _) => bs.iter_mut().for_each(|(v, _)| var(v)),
        ExprKind::Loop(l, bs, _) => {
            lp(l);
            bs.iter_mut().for_each(|(v, _)| var(v));
        }
        ExprKind::Recur(l, _) => lp(l),
        ExprKind::Lambda(l) => {
            let l = Arc::make_mut(l);
            l.params.iter_mut().for_each(var);
            l.rest.iter_mut().for_each(var);
        }
        ExprKind::Match(_, clauses) => {
            for c in clauses {
                c.pat.for_each_var_mut(&mut |v| v.0 += base);
            }
        }
        _ => {}
    }
    e.map_children(&mut |mut x| {
        renumber(&mut x, base, loop_base);
        x
    });
}
