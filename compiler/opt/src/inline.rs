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
//! `set!`, whose *optimized* body is at most `Config::inline_size` Core
//! expressions (not counting the `Inlined` wrappers, which cost nothing at
//! run time) and does not mention the global itself. A call is inlined
//! when it passes exactly as many arguments as the function takes (a wrong
//! count stays a run-time error) and the callee is defined before the
//! caller's item (in a module the caller's file imports, or earlier in the
//! same file), so the call could never have found the global undefined.
//!
//! Inlining is bottom-up, as in most compilers: the body inlined is the
//! callee's optimized Core, with its own calls already inlined, folded and
//! simplified, so one level of inlining here reaches as deep as the
//! program's helpers go, each callee optimized once. "Defined before" is a
//! strict order over items, so a callee's optimization never needs its
//! caller's: mutual recursion is never unrolled.

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
    /// `g`'s optimized code, if it may be copied (specialized) whatever
    /// its size.
    fn code(&self, g: &GlobalName) -> Option<Arc<Candidate>>;
    /// Whether `g` is defined before the item being optimized starts.
    fn defined_before(&self, g: &GlobalName) -> bool;
}

/// Whether `lambda` (the optimized value of the global `g`) may be inlined.
pub fn inlinable(g: &GlobalName, lambda: &Lambda, cfg: &Config) -> bool {
    if cost(&lambda.body) > cfg.inline_size {
        return false;
    }
    let mut globals = std::collections::BTreeSet::new();
    lambda.body.globals(&mut globals);
    !globals.contains(g)
}

/// `e` with the calls it may inline inlined; `vars` is the item's
/// variable table (inlined copies' variables are added to it). Returns the
/// functions whose code it now holds, those it inlined and those they had
/// inlined, in the order met.
pub fn inline(e: Expr, vars: &mut Vec<VarInfo>, callees: &dyn Callees) -> (Expr, Vec<GlobalName>) {
    let mut pass = Pass {
        callees,
        vars,
        next_loop: next_loop(&e),
        inlined: Vec::new(),
        budget: crate::size(&e).max(100) * 2,
    };
    let e = pass.expr(e);
    (e, pass.inlined)
}

/// What inlining `e` adds to its caller, in Core expressions: its size
/// without the `Inlined` wrappers.
pub(crate) fn cost(e: &Expr) -> usize {
    let mut n = usize::from(!matches!(e.kind, ExprKind::Inlined(..)));
    e.for_each_child(&mut |x| n += cost(x));
    n
}

/// Adds the functions of the `Inlined` origins in `e` to `out`, once each.
fn origins(e: &Expr, out: &mut Vec<GlobalName>) {
    if let ExprKind::Inlined(o, _) = &e.kind
        && !out.contains(&o.function)
    {
        out.push(o.function.clone());
    }
    e.for_each_child(&mut |x| origins(x, out));
}

fn max_loop(e: &Expr, max: &mut u32) {
    if let ExprKind::Loop(id, ..) = &e.kind {
        *max = (*max).max(id.0);
    }
    e.for_each_child(&mut |x| max_loop(x, max));
}

struct Pass<'a> {
    callees: &'a dyn Callees,
    vars: &'a mut Vec<VarInfo>,
    next_loop: u32,
    inlined: Vec<GlobalName>,
    /// Core expressions inlining may still add to the item.
    budget: usize,
}

impl Pass<'_> {
    fn expr(&mut self, mut e: Expr) -> Expr {
        e.map_children(&mut |x| self.expr(x));
        let ExprKind::Call(f, args) = &e.kind else {
            return e;
        };
        let ExprKind::Global(g) = &f.kind else {
            return e;
        };
        if !self.callees.defined_before(g) {
            return e;
        }
        let Some(c) = self.callees.candidate(g) else {
            return e;
        };
        let size = cost(&c.lambda.body);
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
        origins(&body, &mut self.inlined);
        let params = c.lambda.params.iter().map(|p| VarId(p.0 + base));
        let bindings: Vec<(VarId, Expr)> = params.zip(args).collect();
        Expr::new(ExprKind::Let(bindings, Box::new(body)), e.span)
    }

    /// The callee's body, renumbered into this item, inside its origin.
    fn copy(&mut self, c: &Candidate, g: &GlobalName, call: fluent_syntax::Span) -> Expr {
        let (_, body) = renumbered(c, self.vars, &mut self.next_loop);
        let span = body.span;
        Expr::new(ExprKind::Inlined(origin(c, g, call), Box::new(body)), span)
    }
}

/// The first loop number free in `e`.
pub(crate) fn next_loop(e: &Expr) -> u32 {
    let mut loops = 0;
    max_loop(e, &mut loops);
    loops + 1
}

/// The parameters and body of `c`'s lambda renumbered into an item whose
/// variables are `vars` (the callee's are added) and whose next free loop
/// number is `next_loop` (advanced past the callee's loops), so that the
/// copy captures nothing of the item and the item nothing of the copy.
pub(crate) fn renumbered(
    c: &Candidate,
    vars: &mut Vec<VarInfo>,
    next_loop: &mut u32,
) -> (Vec<VarId>, Expr) {
    let base = vars.len() as u32;
    vars.extend(c.vars.iter().cloned());
    let loop_base = *next_loop;
    *next_loop += self::next_loop(&c.lambda.body);
    let mut body = c.lambda.body.clone();
    renumber(&mut body, base, loop_base);
    let params = c.lambda.params.iter().map(|p| VarId(p.0 + base));
    (params.collect(), body)
}

/// Where code copied from `g` at the call at `call` came from.
pub(crate) fn origin(
    c: &Candidate,
    g: &GlobalName,
    call: fluent_syntax::Span,
) -> Arc<InlineOrigin> {
    Arc::new(InlineOrigin {
        function: g.clone(),
        name: c.lambda.name.clone().unwrap_or_else(|| g.name.clone()),
        offset: c.offset,
        call,
    })
}

/// Adds `base` to every variable and `loop_base` to every loop of `e`.
fn renumber(e: &mut Expr, base: u32, loop_base: u32) {
    rename(e, &mut |v| v.0 += base, &mut |l| l.0 += loop_base);
}

/// Applies `var` to every variable of `e` (where it is bound and where
/// it is used) and `lp` to every loop.
pub(crate) fn rename(
    e: &mut Expr,
    var: &mut impl FnMut(&mut VarId),
    lp: &mut impl FnMut(&mut LoopId),
) {
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
            l.params.iter_mut().for_each(&mut *var);
            l.rest.iter_mut().for_each(&mut *var);
        }
        ExprKind::Match(_, clauses) => {
            for c in clauses {
                c.pat.for_each_var_mut(var);
            }
        }
        _ => {}
    }
    e.map_children(&mut |mut x| {
        rename(&mut x, var, lp);
        x
    });
}

/// The variables `e` binds (its `let`s, loops, lambdas' parameters,
/// patterns, `try`s), added to `out`.
pub(crate) fn binders(e: &Expr, out: &mut Vec<VarId>) {
    match &e.kind {
        ExprKind::Try(_, v, _) => out.push(*v),
        ExprKind::Let(bs, _) | ExprKind::Letrec(bs, _) | ExprKind::Loop(_, bs, _) => {
            out.extend(bs.iter().map(|(v, _)| *v))
        }
        ExprKind::Lambda(l) => out.extend(l.params.iter().chain(&l.rest)),
        ExprKind::Match(_, clauses) => {
            for c in clauses {
                c.pat.for_each_var(&mut |v| out.push(v));
            }
        }
        _ => {}
    }
    e.for_each_child(&mut |x| binders(x, out));
}
