//! Core IR: the small language every surface form lowers to.
//!
//! One [`CoreItem`] per top-level item. Variables are numbered per item
//! ([`VarId`] indexes [`CoreItem::vars`]), globals are resolved to the
//! module that defines them, and primitives are named by [`PrimId`]. Named
//! `let`s (and `do`) whose name is only called in tail position become
//! [`ExprKind::Loop`]/[`ExprKind::Recur`], so later stages see real loops.
//! Spans are relative to the item's start (see `items`).

use fluent_syntax::{Datum, Span};
use fluent_vm::bytecode::GlobalName;
use fluent_vm::primitives::PrimId;
use std::sync::Arc;

/// A local variable of an item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct VarId(pub u32);

/// A loop of an item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LoopId(pub u32);

/// What is known of a variable.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct VarInfo {
    pub name: Arc<str>,
    pub span: Span,
}

/// A lowered top-level item.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CoreItem {
    pub kind: ItemKind,
    pub vars: Vec<VarInfo>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ItemKind {
    /// `(define name value)` at module level.
    Define { name: GlobalName, value: Expr },
    /// An expression evaluated for its effects when the module starts.
    Expr(Expr),
}

/// A literal value.
#[derive(Clone, Debug)]
pub enum Lit {
    Int(i64),
    Float(f64),
    Str(Arc<str>),
    Char(char),
    Bool(bool),
    Nil,
    Unspecified,
    Symbol(Arc<str>),
    Keyword(Arc<str>),
    /// Quoted structure: a list, dotted list or vector.
    Quote(Arc<Datum>),
}

impl PartialEq for Lit {
    fn eq(&self, other: &Self) -> bool {
        use Lit::*;
        match (self, other) {
            (Int(a), Int(b)) => a == b,
            (Float(a), Float(b)) => a.to_bits() == b.to_bits(),
            (Str(a), Str(b)) | (Symbol(a), Symbol(b)) | (Keyword(a), Keyword(b)) => a == b,
            (Char(a), Char(b)) => a == b,
            (Bool(a), Bool(b)) => a == b,
            (Nil, Nil) | (Unspecified, Unspecified) => true,
            (Quote(a), Quote(b)) => a == b,
            _ => false,
        }
    }
}

impl Eq for Lit {}

impl std::hash::Hash for Lit {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        std::mem::discriminant(self).hash(h);
        match self {
            Lit::Int(i) => i.hash(h),
            Lit::Float(x) => x.to_bits().hash(h),
            Lit::Str(s) | Lit::Symbol(s) | Lit::Keyword(s) => s.hash(h),
            Lit::Char(c) => c.hash(h),
            Lit::Bool(b) => b.hash(h),
            Lit::Quote(d) => d.hash(h),
            Lit::Nil | Lit::Unspecified => {}
        }
    }
}

/// An expression with its span.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ExprKind {
    Lit(Lit),
    Local(VarId),
    Global(GlobalName),
    /// A primitive procedure as a value.
    Prim(PrimId),
    SetLocal(VarId, Box<Expr>),
    SetGlobal(GlobalName, Box<Expr>),
    If(Box<Expr>, Box<Expr>, Box<Expr>),
    /// Evaluate in order; the value of the last. Never empty.
    Seq(Vec<Expr>),
    /// Parallel binding (`let`).
    Let(Vec<(VarId, Expr)>, Box<Expr>),
    /// Sequential recursive binding (`letrec*`, internal defines).
    Letrec(Vec<(VarId, Expr)>, Box<Expr>),
    Lambda(Arc<Lambda>),
    Call(Box<Expr>, Vec<Expr>),
    PrimCall(PrimId, Vec<Expr>),
    /// A loop: bind `vars` to their initial values, then run `body`,
    /// where `Recur` (always in tail position of the body) rebinds and
    /// jumps back.
    Loop(LoopId, Vec<(VarId, Expr)>, Box<Expr>),
    Recur(LoopId, Vec<Expr>),
    /// Try the clauses in order; no match raises an error naming the value.
    Match(Box<Expr>, Vec<Clause>),
    /// `(try body (catch var handler))`.
    Try(Box<Expr>, VarId, Box<Expr>),
    /// Build a tagged value: `(Some x)`.
    Tagged(Arc<str>, Vec<Expr>),
    /// The body of another definition's function, inlined at a call by
    /// the optimizer. Spans inside are relative to the start of the
    /// origin's item, not this one's; errors inside report the origin's
    /// locations and a backtrace frame for it, as the call would have.
    Inlined(Arc<InlineOrigin>, Box<Expr>),
}

/// Where inlined code comes from (see [`ExprKind::Inlined`]).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct InlineOrigin {
    /// The global whose function was inlined: its module says which file
    /// the spans inside refer to.
    pub function: GlobalName,
    /// The function's name as backtraces show it.
    pub name: Arc<str>,
    /// Where the origin's item starts in its file.
    pub offset: u32,
    /// The call the inlined code replaces, in the enclosing code's spans:
    /// the enclosing frame's location while the inlined code runs.
    pub call: Span,
}

/// A function.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Lambda {
    pub name: Option<Arc<str>>,
    pub params: Vec<VarId>,
    pub rest: Option<VarId>,
    pub body: Expr,
    pub span: Span,
}

/// A `match` clause.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Clause {
    pub pat: Pattern,
    pub guard: Option<Expr>,
    pub body: Expr,
    pub span: Span,
}

impl Pattern {
    /// Calls `f` on the expressions of `?` patterns inside.
    pub fn for_each_expr<'a>(&'a self, f: &mut impl FnMut(&'a Expr)) {
        match self {
            Pattern::Wild | Pattern::Bind(_) | Pattern::Lit(_) | Pattern::Nil => {}
            Pattern::Pair(a, b) => {
                a.for_each_expr(f);
                b.for_each_expr(f);
            }
            Pattern::Vector(ps) | Pattern::Tagged(_, ps) | Pattern::Or(ps) => {
                ps.iter().for_each(|p| p.for_each_expr(f))
            }
            Pattern::As(_, p) => p.for_each_expr(f),
            Pattern::Pred(e, p) => {
                f(e);
                p.for_each_expr(f);
            }
        }
    }
}

impl Pattern {
    /// Calls `f` on each variable the pattern binds.
    pub fn for_each_var(&self, f: &mut impl FnMut(VarId)) {
        match self {
            Pattern::Wild | Pattern::Lit(_) | Pattern::Nil => {}
            Pattern::Bind(v) => f(*v),
            Pattern::As(v, p) => {
                f(*v);
                p.for_each_var(f);
            }
            Pattern::Pair(a, b) => {
                a.for_each_var(f);
                b.for_each_var(f);
            }
            Pattern::Vector(ps) | Pattern::Tagged(_, ps) | Pattern::Or(ps) => {
                ps.iter().for_each(|p| p.for_each_var(f))
            }
            Pattern::Pred(_, p) => p.for_each_var(f),
        }
    }

    /// Calls `f` on each variable the pattern binds, mutably.
    pub fn for_each_var_mut(&mut self, f: &mut impl FnMut(&mut VarId)) {
        match self {
            Pattern::Wild | Pattern::Lit(_) | Pattern::Nil => {}
            Pattern::Bind(v) => f(v),
            Pattern::As(v, p) => {
                f(v);
                p.for_each_var_mut(f);
            }
            Pattern::Pair(a, b) => {
                a.for_each_var_mut(f);
                b.for_each_var_mut(f);
            }
            Pattern::Vector(ps) | Pattern::Tagged(_, ps) | Pattern::Or(ps) => {
                ps.iter_mut().for_each(|p| p.for_each_var_mut(f))
            }
            Pattern::Pred(_, p) => p.for_each_var_mut(f),
        }
    }

    /// Calls `f` on the expressions of `?` patterns inside, mutably.
    pub fn for_each_expr_mut(&mut self, f: &mut impl FnMut(&mut Expr)) {
        match self {
            Pattern::Wild | Pattern::Bind(_) | Pattern::Lit(_) | Pattern::Nil => {}
            Pattern::Pair(a, b) => {
                a.for_each_expr_mut(f);
                b.for_each_expr_mut(f);
            }
            Pattern::Vector(ps) | Pattern::Tagged(_, ps) | Pattern::Or(ps) => {
                ps.iter_mut().for_each(|p| p.for_each_expr_mut(f))
            }
            Pattern::As(_, p) => p.for_each_expr_mut(f),
            Pattern::Pred(e, p) => {
                f(e);
                p.for_each_expr_mut(f);
            }
        }
    }
}

/// A `match` pattern.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Pattern {
    /// `_`
    Wild,
    /// A variable: matches anything and binds it.
    Bind(VarId),
    /// A literal, compared with `equal?`.
    Lit(Lit),
    /// The empty list.
    Nil,
    /// A pair: `(Cons h t)`, `(a . rest)`, and the cells of list patterns.
    Pair(Box<Pattern>, Box<Pattern>),
    /// A vector of exactly this many elements.
    Vector(Vec<Pattern>),
    /// A tagged value with this tag and exactly this many fields.
    Tagged(Arc<str>, Vec<Pattern>),
    /// The first alternative that matches; all bind the same variables.
    Or(Vec<Pattern>),
    /// `(as name p)`: bind the whole value and match `p`.
    As(VarId, Box<Pattern>),
    /// `(? pred p)`: `(pred v)` must be true, then `p` must match.
    Pred(Box<Expr>, Box<Pattern>),
}

impl Expr {
    /// Calls `f` on each direct subexpression (including those in `match`
    /// guards and `?` patterns), in evaluation order.
    pub fn for_each_child<'a>(&'a self, f: &mut impl FnMut(&'a Expr)) {
        match &self.kind {
            ExprKind::Lit(_) | ExprKind::Local(_) | ExprKind::Global(_) | ExprKind::Prim(_) => {}
            ExprKind::SetLocal(_, x) | ExprKind::SetGlobal(_, x) => f(x),
            ExprKind::If(c, t, e) => {
                f(c);
                f(t);
                f(e);
            }
            ExprKind::Seq(es)
            | ExprKind::PrimCall(_, es)
            | ExprKind::Tagged(_, es)
            | ExprKind::Recur(_, es) => es.iter().for_each(f),
            ExprKind::Let(bs, body) | ExprKind::Letrec(bs, body) | ExprKind::Loop(_, bs, body) => {
                bs.iter().for_each(|(_, x)| f(x));
                f(body);
            }
            ExprKind::Lambda(l) => f(&l.body),
            ExprKind::Call(callee, args) => {
                f(callee);
                args.iter().for_each(f);
            }
            ExprKind::Match(v, clauses) => {
                f(v);
                for c in clauses {
                    c.pat.for_each_expr(f);
                    if let Some(g) = &c.guard {
                        f(g);
                    }
                    f(&c.body);
                }
            }
            ExprKind::Try(body, _, handler) => {
                f(body);
                f(handler);
            }
            ExprKind::Inlined(_, body) => f(body),
        }
    }

    /// Replaces each direct subexpression by `f` of it, in evaluation
    /// order. Each is moved out and back, so a rewrite copies nothing.
    pub fn map_children(&mut self, f: &mut impl FnMut(Expr) -> Expr) {
        let mut g = |x: &mut Expr| {
            let span = x.span;
            *x = f(std::mem::replace(x, Expr::unspecified(span)));
        };
        match &mut self.kind {
            ExprKind::Lit(_) | ExprKind::Local(_) | ExprKind::Global(_) | ExprKind::Prim(_) => {}
            ExprKind::SetLocal(_, x) | ExprKind::SetGlobal(_, x) => g(x),
            ExprKind::If(c, t, e) => {
                g(c);
                g(t);
                g(e);
            }
            ExprKind::Seq(es)
            | ExprKind::PrimCall(_, es)
            | ExprKind::Tagged(_, es)
            | ExprKind::Recur(_, es) => es.iter_mut().for_each(g),
            ExprKind::Let(bs, body) | ExprKind::Letrec(bs, body) | ExprKind::Loop(_, bs, body) => {
                bs.iter_mut().for_each(|(_, x)| g(x));
                g(body);
            }
            // Copies the lambda only if it is shared.
            ExprKind::Lambda(l) => g(&mut Arc::make_mut(l).body),
            ExprKind::Call(callee, args) => {
                g(callee);
                args.iter_mut().for_each(g);
            }
            ExprKind::Match(v, clauses) => {
                g(v);
                for c in clauses {
                    c.pat.for_each_expr_mut(&mut g);
                    if let Some(guard) = &mut c.guard {
                        g(guard);
                    }
                    g(&mut c.body);
                }
            }
            ExprKind::Try(body, _, handler) => {
                g(body);
                g(handler);
            }
            ExprKind::Inlined(_, body) => g(body),
        }
    }

    /// The globals this expression reads or assigns, anywhere inside.
    pub fn globals(&self, out: &mut std::collections::BTreeSet<GlobalName>) {
        match &self.kind {
            ExprKind::Global(g) | ExprKind::SetGlobal(g, _) => {
                out.insert(g.clone());
            }
            _ => {}
        }
        self.for_each_child(&mut |x| x.globals(out));
    }

    pub fn new(kind: ExprKind, span: Span) -> Expr {
        Expr { kind, span }
    }

    pub fn lit(l: Lit, span: Span) -> Expr {
        Expr::new(ExprKind::Lit(l), span)
    }

    pub fn unspecified(span: Span) -> Expr {
        Expr::lit(Lit::Unspecified, span)
    }

    /// `Seq` of `es`, or the single expression.
    pub fn seq(mut es: Vec<Expr>, span: Span) -> Expr {
        match es.len() {
            0 => Expr::unspecified(span),
            1 => es.pop().expect("one"),
            _ => Expr::new(ExprKind::Seq(es), span),
        }
    }
}
