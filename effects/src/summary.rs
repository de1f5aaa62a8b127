//! What one item does, read from its Core alone: the effects it performs
//! itself and the calls whose effects depend on other definitions.
//!
//! A definition whose value is a lambda (possibly under `let`s, as in
//! `(define counter (let ((n 0)) (lambda () ...)))`) has two bodies: what
//! evaluating the definition does (`init`) and what calling the function
//! does (`call`). Everything else has only `init`.
//!
//! A lambda written inside a body counts where it is written when the body
//! may call it: bound to a local (and never reassigned), passed to a call,
//! or run in place (a `handler`'s body and procedures, `apply`, a lambda
//! applied where it is written). It counts with no handler around it
//! unless it runs in place: a closure can escape the `handler` it was made
//! in and run outside it. Any other lambda (returned, stored in data or a
//! variable) escapes: what it does counts only towards what an unknown
//! call may do, which is where calling it later ends up.
//!
//! A call of a parameter is recorded as such: the caller's call site then
//! adds the effects of what it passes (`map` with a pure lambda is pure).
//! Any other call of an unknown procedure may do anything the program can.
//!
//! [`item_analysis`] keeps spans (for call paths); [`item_facts`] drops
//! them, so an edit that moves code but calls and performs the same things
//! is backdated and inference over the program does not run again.

use crate::EffectSet;
use fluent_ir::core::{CoreItem, Expr, ExprKind, ItemKind, Lambda, Lit, VarId};
use fluent_ir::{Db, Item, lower_item};
use fluent_syntax::Span;
use fluent_vm::bytecode::GlobalName;
use fluent_vm::effect::EffectKind;
use fluent_vm::primitives::{self, PrimId, PrimImpl, VmOp};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

/// Who a call calls.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Callee {
    /// A global (its definition's effects, and those of the arguments it
    /// calls).
    Global(GlobalName),
    /// The function's own parameter: the caller's argument decides.
    Param(u32),
    /// Anything: what the whole program can do.
    Unknown,
}

/// An argument, as far as calling it goes.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Arg {
    /// Calling it adds nothing the body does not count already (a lambda
    /// written here, a literal).
    Counted,
    Global(GlobalName),
    /// A primitive that calls nothing back.
    Prim(PrimId),
    Param(u32),
    Unknown,
}

/// A call whose effects depend on other definitions.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Site {
    pub callee: Callee,
    pub args: Vec<Arg>,
    /// Kinds that handlers around the call discharge.
    pub mask: EffectSet,
}

/// One body's effects, without spans.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Body {
    /// What the body performs itself, after its handlers.
    pub direct: EffectSet,
    pub sites: BTreeSet<Site>,
}

/// What inference reads of an item (no spans: see the module docs).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Facts {
    pub init: Body,
    /// The body of calling the defined function, if the value is one.
    pub call: Option<Body>,
    /// Every effect written anywhere in the item, handlers ignored: part
    /// of what an unknown procedure may do.
    pub anywhere: EffectSet,
    /// Globals the item assigns with `set!`.
    pub assigns: BTreeSet<GlobalName>,
}

/// Where a body performs an effect itself.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Source {
    /// The kinds it performs that no handler around it discharges.
    pub kinds: EffectSet,
    /// Item-relative.
    pub span: Span,
    /// What it is: `display`, `effect io:print`, `set! counter`.
    pub what: Arc<str>,
}

/// A body with the spans call paths need.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct SpannedBody {
    pub sources: Vec<Source>,
    /// Each site, at its first place.
    pub sites: Vec<(Site, Span)>,
}

/// An item's analysis with spans.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Analysis {
    pub init: SpannedBody,
    pub call: Option<SpannedBody>,
    pub anywhere: EffectSet,
    pub assigns: BTreeSet<GlobalName>,
}

impl SpannedBody {
    fn facts(&self) -> Body {
        Body {
            direct: self
                .sources
                .iter()
                .fold(EffectSet::PURE, |a, s| a.join(s.kinds)),
            sites: self.sites.iter().map(|(s, _)| s.clone()).collect(),
        }
    }
}

#[salsa::tracked(returns(ref))]
pub fn item_analysis<'db>(db: &'db dyn Db, item: Item<'db>) -> Analysis {
    match &lower_item(db, item).core {
        Some(core) => analyse(core),
        None => Analysis::default(),
    }
}

/// [`item_analysis`] without spans.
#[salsa::tracked(returns(ref))]
pub fn item_facts<'db>(db: &'db dyn Db, item: Item<'db>) -> Facts {
    let a = item_analysis(db, item);
    Facts {
        init: a.init.facts(),
        call: a.call.as_ref().map(SpannedBody::facts),
        anywhere: a.anywhere,
        assigns: a.assigns.clone(),
    }
}

/// Analyses a lowered item.
pub fn analyse(core: &CoreItem) -> Analysis {
    let mut w = Walk::default();
    match &core.kind {
        ItemKind::Define { value, .. } => {
            let f = function_of(value);
            w.function = f.map(|l| l as *const Lambda);
            mark_known_lambdas(value, &mut w.known, &mut HashSet::new());
            w.expr(value);
        }
        ItemKind::Expr(e) => {
            mark_known_lambdas(e, &mut w.known, &mut HashSet::new());
            w.expr(e);
        }
    }
    Analysis {
        init: w.init,
        call: w.call,
        anywhere: w.anywhere,
        assigns: w.assigns,
    }
}

/// The lambda a definition's value ends in, through `let`s and `begin`s.
pub fn function_of(value: &Expr) -> Option<&Lambda> {
    match &value.kind {
        ExprKind::Lambda(l) => Some(l),
        ExprKind::Let(_, body) | ExprKind::Letrec(_, body) => function_of(body),
        ExprKind::Seq(es) => function_of(es.last()?),
        _ => None,
    }
}

/// Locals bound to a lambda literal and never assigned: calling one runs
/// a body this item counts already.
fn mark_known_lambdas(e: &Expr, known: &mut HashSet<VarId>, assigned: &mut HashSet<VarId>) {
    fn walk(e: &Expr, known: &mut HashSet<VarId>, assigned: &mut HashSet<VarId>) {
        match &e.kind {
            ExprKind::Let(bs, _) | ExprKind::Letrec(bs, _) => {
                for (v, x) in bs {
                    if matches!(x.kind, ExprKind::Lambda(_)) {
                        known.insert(*v);
                    }
                }
            }
            ExprKind::SetLocal(v, _) => {
                assigned.insert(*v);
            }
            _ => {}
        }
        e.for_each_child(&mut |x| walk(x, known, assigned));
    }
    walk(e, known, assigned);
    known.retain(|v| !assigned.contains(v));
}

#[derive(Default)]
struct Walk {
    /// The lambda whose body is the `call` body.
    function: Option<*const Lambda>,
    /// Parameters of that lambda, by position (while in its body).
    params: HashMap<VarId, u32>,
    known: HashSet<VarId>,
    /// The lambda nesting depth each local is bound at.
    depth_of: HashMap<VarId, u32>,
    depth: u32,
    /// Kinds discharged by the handlers around the current expression.
    mask: EffectSet,
    in_call: bool,
    /// Inside a lambda that escapes: effects count only as `anywhere`.
    escaping: bool,
    init: SpannedBody,
    call: Option<SpannedBody>,
    anywhere: EffectSet,
    assigns: BTreeSet<GlobalName>,
}

impl Walk {
    fn body(&mut self) -> &mut SpannedBody {
        if self.in_call {
            self.call.get_or_insert_with(SpannedBody::default)
        } else {
            &mut self.init
        }
    }

    fn source(&mut self, kinds: EffectSet, span: Span, what: impl Into<Arc<str>>) {
        if kinds.is_pure() {
            return;
        }
        self.anywhere = self.anywhere.join(kinds);
        let kinds = kinds.minus(self.mask);
        if kinds.is_pure() || self.escaping {
            return;
        }
        let what = what.into();
        let body = self.body();
        if !body
            .sources
            .iter()
            .any(|s| s.kinds == kinds && s.what == what)
        {
            body.sources.push(Source { kinds, span, what });
        }
    }

    fn site(&mut self, callee: Callee, args: Vec<Arg>, span: Span) {
        if self.escaping {
            return;
        }
        let site = Site {
            callee,
            args,
            mask: self.mask,
        };
        let body = self.body();
        if !body.sites.iter().any(|(s, _)| *s == site) {
            body.sites.push((site, span));
        }
    }

    fn bind(&mut self, v: VarId) {
        self.depth_of.insert(v, self.depth);
    }

    fn expr(&mut self, e: &Expr) {
        match &e.kind {
            ExprKind::Lit(_) | ExprKind::Local(_) | ExprKind::Global(_) => {}
            ExprKind::Prim(p) => {
                // A primitive as a value: whoever calls it is an unknown
                // call (or a call site that classifies it as an argument).
                self.anywhere = self.anywhere.join(crate::primitive_effects(*p));
            }
            ExprKind::SetLocal(v, x) => {
                if self.depth_of.get(v).is_some_and(|&d| d < self.depth) {
                    self.source(
                        EffectSet::of(EffectKind::State),
                        e.span,
                        "set! of a captured variable",
                    );
                }
                self.expr(x);
            }
            ExprKind::SetGlobal(g, x) => {
                self.assigns.insert(g.clone());
                self.source(
                    EffectSet::of(EffectKind::State),
                    e.span,
                    format!("set! {}", g.name),
                );
                self.expr(x);
            }
            ExprKind::Let(bs, body) | ExprKind::Letrec(bs, body) | ExprKind::Loop(_, bs, body) => {
                for (v, x) in bs {
                    self.bind(*v);
                    match &x.kind {
                        ExprKind::Lambda(l) if self.known.contains(v) => self.lambda(l, false),
                        _ => self.expr(x),
                    }
                }
                self.expr(body);
            }
            ExprKind::Lambda(l) if self.function == Some(&**l as *const Lambda) => {
                self.lambda(l, false)
            }
            ExprKind::Lambda(l) => {
                let outer = std::mem::replace(&mut self.escaping, true);
                self.lambda(l, false);
                self.escaping = outer;
            }
            ExprKind::Call(callee, args) => self.call(callee, args, e.span),
            ExprKind::PrimCall(p, args) => self.prim_call(*p, args, e.span),
            ExprKind::Try(body, v, handler) => {
                self.expr(body);
                self.bind(*v);
                self.expr(handler);
            }
            _ => {
                if let ExprKind::Match(_, clauses) = &e.kind {
                    for c in clauses {
                        c.pat.for_each_var(&mut |v| self.bind(v));
                    }
                }
                e.for_each_child(&mut |x| self.expr(x));
            }
        }
    }

    /// A lambda's body. `inline`: it runs where it is written (it cannot
    /// escape), so the handlers around it apply.
    fn lambda(&mut self, l: &Lambda, inline: bool) {
        let saved = (self.mask, self.in_call);
        if self.function == Some(l as *const Lambda) {
            self.in_call = true;
            self.call.get_or_insert_with(SpannedBody::default);
            // Locals are numbered per item, so these stay the function's
            // parameters in lambdas nested in it too.
            for (i, p) in l.params.iter().enumerate() {
                self.params.insert(*p, i as u32);
            }
        }
        if !inline {
            self.depth += 1;
            self.mask = EffectSet::PURE;
        }
        for p in l.params.iter().chain(&l.rest) {
            self.bind(*p);
        }
        self.expr(&l.body);
        if !inline {
            self.depth -= 1;
        }
        (self.mask, self.in_call) = saved;
    }

    fn arg(&mut self, x: &Expr) -> Arg {
        match &x.kind {
            ExprKind::Lit(_) => Arg::Counted,
            ExprKind::Lambda(l) => {
                self.lambda(l, false);
                Arg::Counted
            }
            ExprKind::Global(g) => Arg::Global(g.clone()),
            ExprKind::Prim(p) => {
                self.expr(x);
                if calls_procedures(*p) {
                    Arg::Unknown
                } else {
                    Arg::Prim(*p)
                }
            }
            ExprKind::Local(v) => match self.params.get(v) {
                Some(&i) => Arg::Param(i),
                None if self.known.contains(v) => Arg::Counted,
                None => Arg::Unknown,
            },
            _ => {
                self.expr(x);
                Arg::Unknown
            }
        }
    }

    /// A call of `callee` (an expression) with `args` already walked.
    fn call_of(&mut self, callee: &Expr, args: Vec<Arg>, span: Span) {
        match &callee.kind {
            ExprKind::Global(g) => self.site(Callee::Global(g.clone()), args, span),
            ExprKind::Local(v) => match self.params.get(v) {
                Some(&i) => self.site(Callee::Param(i), args, span),
                None if self.known.contains(v) => {}
                None => self.site(Callee::Unknown, args, span),
            },
            ExprKind::Prim(p) if calls_procedures(*p) => {
                self.site(Callee::Unknown, args, span);
            }
            ExprKind::Prim(p) => {
                let name = primitives::info(*p).name;
                self.source(crate::primitive_effects(*p), span, name);
            }
            ExprKind::Lambda(l) => self.lambda(l, true),
            _ => {
                self.expr(callee);
                self.site(Callee::Unknown, args, span);
            }
        }
    }

    fn call(&mut self, callee: &Expr, args: &[Expr], span: Span) {
        if let ExprKind::Prim(p) = callee.kind {
            return self.prim_call(p, args, span);
        }
        if !matches!(callee.kind, ExprKind::Lambda(_)) {
            let args = args.iter().map(|a| self.arg(a)).collect();
            return self.call_of(callee, args, span);
        }
        for a in args {
            self.expr(a);
        }
        self.call_of(callee, vec![], span);
    }

    fn prim_call(&mut self, p: PrimId, args: &[Expr], span: Span) {
        let info = primitives::info(p);
        match info.imp {
            PrimImpl::Vm(VmOp::Effect) => {
                if let [kind, op, rest @ ..] = args
                    && let ExprKind::Lit(Lit::Symbol(k)) = &kind.kind
                    && let ExprKind::Lit(Lit::Symbol(o)) = &op.kind
                    && let Some(kind) = EffectKind::from_name(k)
                {
                    self.source(EffectSet::of(kind), span, format!("effect {k}:{o}"));
                    rest.iter().for_each(|x| self.expr(x));
                } else {
                    // Built by hand: any kind.
                    self.source(EffectSet::ALL, span, "%effect");
                    args.iter().for_each(|x| self.expr(x));
                }
            }
            PrimImpl::Vm(VmOp::Handle) => self.handle(args, span),
            PrimImpl::Apply => {
                let [f, rest @ ..] = args else { return };
                for x in rest {
                    self.expr(x);
                }
                match &f.kind {
                    ExprKind::Lambda(l) => self.lambda(l, true),
                    // `apply` spreads a list: the arguments are unknown.
                    _ => self.call_of(f, vec![], span),
                }
            }
            PrimImpl::Vm(VmOp::Time | VmOp::WithJitThreshold) => {
                self.source(crate::primitive_effects(p), span, info.name);
                let Some((thunk, rest)) = args.split_last() else {
                    return;
                };
                rest.iter().for_each(|x| self.expr(x));
                self.thunk(thunk, span);
            }
            _ => {
                self.source(crate::primitive_effects(p), span, info.name);
                args.iter().for_each(|x| self.expr(x));
            }
        }
    }

    /// A procedure of no arguments called here and now.
    fn thunk(&mut self, f: &Expr, span: Span) {
        match &f.kind {
            ExprKind::Lambda(l) if l.params.is_empty() => self.lambda(l, true),
            _ => self.call_of(f, vec![], span),
        }
    }

    /// `(%handle (list 'kind 'op-or-#f proc ...) thunk)`: the thunk runs
    /// with the kinds of kind-only clauses discharged; the handler
    /// procedures run with the handlers outside.
    fn handle(&mut self, args: &[Expr], span: Span) {
        let [spec, thunk] = args else {
            args.iter().for_each(|x| self.expr(x));
            return self.site(Callee::Unknown, vec![], span);
        };
        let mut handled = EffectSet::PURE;
        match &spec.kind {
            ExprKind::PrimCall(_, parts) if parts.len() % 3 == 0 => {
                for c in parts.chunks(3) {
                    if let (ExprKind::Lit(Lit::Symbol(k)), ExprKind::Lit(Lit::Bool(false))) =
                        (&c[0].kind, &c[1].kind)
                        && let Some(kind) = EffectKind::from_name(k)
                    {
                        handled = handled.join(EffectSet::of(kind));
                    }
                    // A handler is called with unknown arguments.
                    match &c[2].kind {
                        ExprKind::Lambda(l) => self.lambda(l, true),
                        _ => self.call_of(&c[2], vec![], c[2].span),
                    }
                }
            }
            _ => {
                self.expr(spec);
                self.site(Callee::Unknown, vec![], span);
            }
        }
        let outer = self.mask;
        self.mask = self.mask.join(handled);
        self.thunk(thunk, span);
        self.mask = outer;
    }
}

/// Whether a primitive calls procedures it is given.
fn calls_procedures(p: PrimId) -> bool {
    matches!(
        primitives::info(p).imp,
        PrimImpl::Apply | PrimImpl::Vm(VmOp::Handle | VmOp::Time | VmOp::WithJitThreshold)
    )
}
