//! Specialization (-O3): a call that passes constants to a function too
//! large to inline (or recursive) calls a clone of the function made for
//! those constants, when the clone simplifies.
//!
//! For `(f 3 x)`, where `f` is `(lambda (k y) body)`, the pass copies
//! `f`'s optimized code into the caller (renumbered, as inlining does),
//! puts `3` for `k` everywhere in it, and turns the clone's own calls that
//! pass `k` through unchanged, `(f k e)`, into calls of the clone, `(s e)`:
//!
//! ```text
//! (letrec ((s (inlined f (lambda #:name f (y) body[k := 3, (f k e) := (s e)]))))
//!   ... (s x) ...)
//! ```
//!
//! It pays when the constant lets the e-graph fold something: the clone is
//! kept only if simplifying it (after the substitution) makes it smaller. The clone is
//! made once per enclosing function body (the `letrec` goes at the top of
//! the innermost lambda, or of the item, around every call it serves, not
//! inside a loop), and calls with the same constants in that body share it.
//!
//! What the clone does is what the call did: the same code, with a
//! parameter that cannot change (never assigned with `set!`) replaced by
//! the value it was given, so effects keep their order and count, and
//! errors their messages. The clone's code sits inside `Inlined` with
//! `f`'s origin, so its locations are `f`'s, and its closure is named `f`,
//! so a backtrace through it reads as one through `f`. Constants are
//! numbers, characters, booleans and the empty list (immediates: a string
//! literal copied into a clone would be another object). Arguments known
//! only by type are not specialized on: values are tagged at run time and
//! the instructions check tags inline, so a type-only clone has nothing to
//! drop that the JIT's guards do not already make cheap.

use crate::Config;
use crate::copies::assigned_locals;
use crate::egraph::{self, rules::Rule};
use crate::inline::{Callees, Candidate, cost, next_loop, origin, renumbered};
use crate::purity::Facts;
use fluent_ir::core::{Expr, ExprKind, Lambda, Lit, VarId, VarInfo};
use fluent_syntax::Span;
use fluent_vm::bytecode::GlobalName;
use std::collections::HashSet;
use std::sync::Arc;

/// What the pass reads of the program.
pub struct Context<'a> {
    pub callees: &'a dyn Callees,
    pub facts: &'a dyn Facts,
    pub rules: &'a [Rule],
    pub cfg: &'a Config,
}

/// `e` with calls that pass constants redirected to specialized clones;
/// `vars` is the item's variable table. Returns the functions cloned.
pub fn specialize(e: Expr, vars: &mut Vec<VarInfo>, cx: &Context<'_>) -> (Expr, Vec<GlobalName>) {
    let mut pass = Pass {
        cx,
        next_loop: next_loop(&e),
        vars,
        clones: Vec::new(),
        tried: Vec::new(),
        made: 0,
        cloned: Vec::new(),
    };
    let e = pass.scope(e);
    (e, pass.cloned)
}

/// A call's constant arguments: their positions and values.
type Consts = Vec<(usize, Lit)>;

/// A clone made for the function body being walked.
struct Clone {
    function: GlobalName,
    consts: Consts,
    var: VarId,
    /// The positions of the arguments the clone no longer takes.
    fixed: Vec<usize>,
    init: Expr,
}

struct Pass<'a, 'c> {
    cx: &'a Context<'c>,
    vars: &'a mut Vec<VarInfo>,
    next_loop: u32,
    /// The clones of the innermost function body being walked.
    clones: Vec<Clone>,
    /// Calls (function and constants) found not to pay, in this item.
    tried: Vec<(GlobalName, Consts)>,
    made: usize,
    cloned: Vec<GlobalName>,
}

impl Pass<'_, '_> {
    /// `body` (an item's, or a lambda's) with its clones bound around it.
    fn scope(&mut self, body: Expr) -> Expr {
        let outer = std::mem::take(&mut self.clones);
        let body = self.expr(body);
        let clones = std::mem::replace(&mut self.clones, outer);
        if clones.is_empty() {
            return body;
        }
        let span = body.span;
        let bindings = clones.into_iter().map(|c| (c.var, c.init)).collect();
        Expr::new(ExprKind::Letrec(bindings, Box::new(body)), span)
    }

    fn expr(&mut self, mut e: Expr) -> Expr {
        if let ExprKind::Lambda(l) = &mut e.kind {
            let l = Arc::make_mut(l);
            let body = std::mem::replace(&mut l.body, Expr::unspecified(l.span));
            l.body = self.scope(body);
            return e;
        }
        e.map_children(&mut |x| self.expr(x));
        let ExprKind::Call(f, args) = &e.kind else {
            return e;
        };
        let ExprKind::Global(g) = &f.kind else {
            return e;
        };
        let consts: Consts = args
            .iter()
            .enumerate()
            .filter_map(|(i, a)| match &a.kind {
                ExprKind::Lit(l) if immediate(l) => Some((i, l.clone())),
                _ => None,
            })
            .collect();
        if consts.is_empty() || !self.cx.callees.defined_before(g) {
            return e;
        }
        match self.clone_for(g, &consts, args.len(), e.span) {
            Some((var, fixed)) => call_clone(e, var, &fixed),
            None => e,
        }
    }

    /// The variable of the clone of `g` for `consts` in this function
    /// body, made now if it pays, and the positions of the arguments it
    /// does not take; `None` if it does not pay.
    fn clone_for(
        &mut self,
        g: &GlobalName,
        consts: &Consts,
        argc: usize,
        call: Span,
    ) -> Option<(VarId, Vec<usize>)> {
        if let Some(c) = self
            .clones
            .iter()
            .find(|c| c.function == *g && c.consts == *consts)
        {
            return Some((c.var, c.fixed.clone()));
        }
        let key = (g.clone(), consts.clone());
        if self.made >= self.cx.cfg.specialize_count || self.tried.contains(&key) {
            return None;
        }
        let c = self.cx.callees.code(g)?;
        if c.lambda.params.len() != argc || cost(&c.lambda.body) > self.cx.cfg.specialize_size {
            return None;
        }
        let clone = self.make(&c, g, consts, call);
        if clone.is_none() {
            self.tried.push(key);
        }
        let (var, fixed, init) = clone?;
        self.made += 1;
        if !self.cloned.contains(g) {
            self.cloned.push(g.clone());
        }
        self.clones.push(Clone {
            function: g.clone(),
            consts: consts.clone(),
            var,
            fixed: fixed.clone(),
            init,
        });
        Some((var, fixed))
    }

    /// The clone of `c` (the code of `g`) for `consts`, if simplifying it
    /// makes it smaller: its new variable, the positions of the
    /// parameters it fixes, its code.
    fn make(
        &mut self,
        c: &Candidate,
        g: &GlobalName,
        consts: &Consts,
        call: Span,
    ) -> Option<(VarId, Vec<usize>, Expr)> {
        let mark = (self.vars.len(), self.next_loop);
        let (params, body) = renumbered(c, self.vars, &mut self.next_loop);
        let mut assigned = HashSet::new();
        assigned_locals(&body, &mut assigned);
        let fixed: Vec<(usize, VarId, Lit)> = consts
            .iter()
            .filter(|(i, _)| !assigned.contains(&params[*i]) && invariant(&body, g, &params, *i))
            .map(|(i, l)| (*i, params[*i], l.clone()))
            .collect();
        let var = VarId(self.vars.len() as u32);
        let name = c.lambda.name.clone().unwrap_or_else(|| g.name.clone());
        self.vars.push(VarInfo {
            name: name.clone(),
            span: c.lambda.span,
        });
        let body = self_calls(body, g, &params, &fixed, var);
        let body = substitute(body, &fixed);
        let before = cost(&body);
        let (body, _) = egraph::simplify(body, self.cx.facts, self.cx.rules, self.cx.cfg);
        if fixed.is_empty() || cost(&body) >= before {
            self.vars.truncate(mark.0);
            self.next_loop = mark.1;
            return None;
        }
        let lambda = Lambda {
            name: Some(name),
            params: params
                .into_iter()
                .filter(|p| !fixed.iter().any(|(_, v, _)| v == p))
                .collect(),
            rest: None,
            body,
            span: c.lambda.span,
        };
        let span = c.lambda.span;
        let code = Expr::new(ExprKind::Lambda(Arc::new(lambda)), span);
        let init = Expr::new(ExprKind::Inlined(origin(c, g, call), Box::new(code)), span);
        Some((var, fixed.iter().map(|f| f.0).collect(), init))
    }
}

/// Whether `l` is a constant a clone may be made for (see the module docs).
fn immediate(l: &Lit) -> bool {
    matches!(
        l,
        Lit::Int(_) | Lit::Float(_) | Lit::Char(_) | Lit::Bool(_) | Lit::Nil
    )
}

/// Whether every call of `g` in `e` passes parameter `i` through
/// unchanged (so the clone's recursion keeps the constant: fixing a
/// parameter that changes would only peel one call off).
fn invariant(e: &Expr, g: &GlobalName, params: &[VarId], i: usize) -> bool {
    if let ExprKind::Call(f, args) = &e.kind
        && matches!(&f.kind, ExprKind::Global(h) if h == g)
        && args.len() == params.len()
        && !matches!(&args[i].kind, ExprKind::Local(x) if *x == params[i])
    {
        return false;
    }
    let mut all = true;
    e.for_each_child(&mut |x| all = all && invariant(x, g, params, i));
    all
}

/// `e` with each call of `g` that passes every fixed parameter through
/// unchanged made a call of the clone `var` without them.
fn self_calls(
    mut e: Expr,
    g: &GlobalName,
    params: &[VarId],
    fixed: &[(usize, VarId, Lit)],
    var: VarId,
) -> Expr {
    e.map_children(&mut |x| self_calls(x, g, params, fixed, var));
    let ExprKind::Call(f, args) = &e.kind else {
        return e;
    };
    let passes_through = |(i, v, _): &(usize, VarId, Lit)| matches!(args.get(*i).map(|a| &a.kind), Some(ExprKind::Local(x)) if x == v);
    if !matches!(&f.kind, ExprKind::Global(h) if h == g)
        || args.len() != params.len()
        || !fixed.iter().all(passes_through)
    {
        return e;
    }
    let positions: Vec<usize> = fixed.iter().map(|f| f.0).collect();
    call_clone(e, var, &positions)
}

/// The call `e` made a call of the clone `var`, without the arguments at
/// `fixed` (constants, or the clone's own fixed parameters: dropping them
/// drops no effect).
fn call_clone(e: Expr, var: VarId, fixed: &[usize]) -> Expr {
    let ExprKind::Call(f, args) = e.kind else {
        unreachable!("a call")
    };
    let callee = Expr::new(ExprKind::Local(var), f.span);
    let args = args
        .into_iter()
        .enumerate()
        .filter(|(i, _)| !fixed.contains(i))
        .map(|(_, a)| a)
        .collect();
    Expr::new(ExprKind::Call(Box::new(callee), args), e.span)
}

/// `e` with each fixed parameter replaced by its value.
fn substitute(mut e: Expr, fixed: &[(usize, VarId, Lit)]) -> Expr {
    if let ExprKind::Local(v) = &e.kind
        && let Some((_, _, l)) = fixed.iter().find(|(_, x, _)| x == v)
    {
        return Expr::new(ExprKind::Lit(l.clone()), e.span);
    }
    e.map_children(&mut |x| substitute(x, fixed));
    e
}
