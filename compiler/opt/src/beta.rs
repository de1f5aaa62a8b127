//! Beta reduction of local functions (-O2): a lambda applied where it is
//! made, `((lambda (x) body) a)`, and a `let`- or `letrec`-bound lambda
//! used only in calls, once, or up to [`COPIES`] times if it is small
//! ([`SMALL`] Core expressions), become the function's body with its
//! parameters bound by a `let`.
//!
//! No substitution happens, so nothing can be captured: the body moves
//! (or a copy of it, whose own variables and loops get new numbers, so no
//! two copies share one), and its parameters (unique in the item, like
//! every variable) are bound to the arguments in the order the call
//! evaluated them. A variable the
//! body reads from around the lambda is in scope at the call too (the call
//! is inside the binding's scope), and reads its value at the time of the
//! call, as the closure would have.
//!
//! The body is wrapped in `Inlined`, with the code around the lambda as
//! its origin, so that an error in it shows a backtrace frame named as the
//! lambda's would have been (tail positions elided as a tail call's frame
//! would be). A bound lambda used otherwise (passed as a value, say)
//! stays a closure.

use crate::copies::assigned_locals;
use crate::inline::{binders, cost, next_loop, rename};
use fluent_ir::core::{Expr, ExprKind, InlineOrigin, Lambda, LoopId, VarId, VarInfo};
use fluent_syntax::Span;
use fluent_vm::bytecode::GlobalName;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// Whose code spans are relative to: the item's definition (or, inside
/// `Inlined`, the origin's).
#[derive(Clone, Debug)]
pub struct Context {
    pub function: GlobalName,
    pub offset: u32,
}

/// The most calls a local function is copied into.
pub const COPIES: usize = 4;
/// The largest local function (in Core expressions) copied into more than
/// one call.
pub const SMALL: usize = 20;

/// `e` (code of `cx`) with its local functions beta-reduced where they
/// can be (see the module docs); `vars` is the item's variable table
/// (copies' variables are added to it).
pub fn reduce(e: Expr, vars: &mut Vec<VarInfo>, cx: &Context) -> Expr {
    let mut assigned = HashSet::new();
    assigned_locals(&e, &mut assigned);
    let next_loop = next_loop(&e);
    Pass {
        assigned,
        vars,
        next_loop,
    }
    .expr(e, cx)
}

struct Pass<'a> {
    assigned: HashSet<VarId>,
    vars: &'a mut Vec<VarInfo>,
    next_loop: u32,
}

impl Pass<'_> {
    fn expr(&mut self, mut e: Expr, cx: &Context) -> Expr {
        if let ExprKind::Inlined(o, body) = &mut e.kind {
            let inner = Context {
                function: o.function.clone(),
                offset: o.offset,
            };
            let b = std::mem::replace(&mut **body, Expr::unspecified(e.span));
            **body = self.expr(b, &inner);
            return e;
        }
        e.map_children(&mut |x| self.expr(x, cx));
        match e.kind {
            ExprKind::Call(f, args) => match f.kind {
                ExprKind::Lambda(l) if applies(&l, args.len()) => apply(&l, args, e.span, cx),
                kind => Expr::new(
                    ExprKind::Call(Box::new(Expr::new(kind, f.span)), args),
                    e.span,
                ),
            },
            ExprKind::Let(bs, body) => self.bindings(bs, *body, false, e.span, cx),
            ExprKind::Letrec(bs, body) => self.bindings(bs, *body, true, e.span, cx),
            kind => Expr::new(kind, e.span),
        }
    }

    /// A `let` (or `letrec`) whose lambdas called once in `body` are
    /// reduced there.
    fn bindings(
        &mut self,
        bs: Vec<(VarId, Expr)>,
        mut body: Expr,
        rec: bool,
        span: Span,
        cx: &Context,
    ) -> Expr {
        let mut kept = Vec::with_capacity(bs.len());
        let inits_use = |v: VarId, bs: &[(VarId, Expr)]| bs.iter().any(|(_, i)| uses(i, v) > 0);
        for (i, (v, init)) in bs.iter().enumerate() {
            let recursive = rec && inits_use(*v, &bs);
            let local = !self.assigned.contains(v) && !recursive;
            if local && let ExprKind::Lambda(l) = &init.kind {
                let n = uses(&body, *v);
                if n == 1 {
                    let mut done = false;
                    body = call_once(body, *v, l, cx, &mut done);
                    if done {
                        continue;
                    }
                } else if n <= COPIES && cost(&l.body) <= SMALL && calls(&body, *v, l) == n {
                    body = self.call_copies(body, *v, l, cx);
                    continue;
                }
            }
            kept.push(bs[i].clone());
        }
        if kept.is_empty() {
            return body;
        }
        let kind = if rec {
            ExprKind::Letrec(kept, Box::new(body))
        } else {
            ExprKind::Let(kept, Box::new(body))
        };
        Expr::new(kind, span)
    }
}

impl Pass<'_> {
    /// `e` with every call of `v` (every use of it) reduced with a copy of
    /// `l`.
    fn call_copies(&mut self, mut e: Expr, v: VarId, l: &Lambda, cx: &Context) -> Expr {
        // Arguments first: `(f (f x))` copies into both calls.
        e.map_children(&mut |x| self.call_copies(x, v, l, cx));
        if let ExprKind::Call(f, _) = &e.kind
            && matches!(f.kind, ExprKind::Local(x) if x == v)
        {
            let ExprKind::Call(_, args) = e.kind else {
                unreachable!("matched above")
            };
            let copy = self.copy(l);
            return apply(&copy, args, e.span, cx);
        }
        e
    }

    /// `l` with new numbers for the variables and loops it binds.
    fn copy(&mut self, l: &Lambda) -> Lambda {
        let mut own = l.params.clone();
        own.extend(l.rest);
        binders(&l.body, &mut own);
        let mut fresh: HashMap<VarId, VarId> = HashMap::new();
        for v in own {
            fresh.insert(v, VarId(self.vars.len() as u32));
            self.vars.push(self.vars[v.0 as usize].clone());
        }
        let mut loops: HashMap<LoopId, LoopId> = HashMap::new();
        let next = &mut self.next_loop;
        let mut copy = Expr::new(ExprKind::Lambda(Arc::new(l.clone())), l.span);
        rename(
            &mut copy,
            &mut |v| *v = fresh.get(v).copied().unwrap_or(*v),
            &mut |id| {
                *id = *loops.entry(*id).or_insert_with(|| {
                    *next += 1;
                    LoopId(*next - 1)
                })
            },
        );
        match copy.kind {
            ExprKind::Lambda(l) => Arc::unwrap_or_clone(l),
            _ => unreachable!("a lambda"),
        }
    }
}

/// How many times `e` calls `v` with as many arguments as `l` takes.
fn calls(e: &Expr, v: VarId, l: &Lambda) -> usize {
    let mut n = usize::from(matches!(&e.kind, ExprKind::Call(f, args)
        if matches!(f.kind, ExprKind::Local(x) if x == v) && applies(l, args.len())));
    e.for_each_child(&mut |x| n += calls(x, v, l));
    n
}

/// Whether a call with `argc` arguments of `l` can become a `let`.
fn applies(l: &Lambda, argc: usize) -> bool {
    l.rest.is_none() && l.params.len() == argc
}

/// `(l args...)` as `(let ((p arg) ...) (inlined l body))`.
fn apply(l: &Lambda, args: Vec<Expr>, call: Span, cx: &Context) -> Expr {
    let origin = InlineOrigin {
        function: cx.function.clone(),
        name: l.name.clone().unwrap_or_else(|| "lambda".into()),
        offset: cx.offset,
        call,
    };
    let body = Expr::new(
        ExprKind::Inlined(Arc::new(origin), Box::new(l.body.clone())),
        l.body.span,
    );
    let bindings = l.params.iter().copied().zip(args).collect();
    Expr::new(ExprKind::Let(bindings, Box::new(body)), call)
}

/// `e` with the call of `v` (its only use) reduced, if it is a call with
/// the right number of arguments (`done` says whether it was). `cx` is
/// the lambda's code's origin; the call may sit in other code (inside an
/// `Inlined`), which the new origin's call location is relative to, as it
/// should be.
fn call_once(mut e: Expr, v: VarId, l: &Lambda, cx: &Context, done: &mut bool) -> Expr {
    if *done {
        return e;
    }
    if let ExprKind::Call(f, args) = &e.kind
        && matches!(f.kind, ExprKind::Local(x) if x == v)
        && applies(l, args.len())
    {
        let ExprKind::Call(_, args) = e.kind else {
            unreachable!("matched above")
        };
        *done = true;
        return apply(l, args, e.span, cx);
    }
    e.map_children(&mut |x| call_once(x, v, l, cx, done));
    e
}

/// How many times `e` reads `v`.
fn uses(e: &Expr, v: VarId) -> usize {
    let mut n = usize::from(matches!(e.kind, ExprKind::Local(x) if x == v));
    e.for_each_child(&mut |x| n += uses(x, v));
    n
}
