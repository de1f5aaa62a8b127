//! `quasiquote`: templates to list-building code.

use super::Lowerer;
use super::forms::quote;
use crate::core::*;
use fluent_syntax::{Datum, DatumKind, Span};
use fluent_vm::primitives;

/// `(list 'tag inner)`: a nested quasiquote level keeps its marker.
fn wrap(tag: &str, inner: Expr, span: Span) -> Expr {
    let sym = Expr::lit(Lit::Symbol(tag.into()), span);
    prim_call("list", vec![sym, inner], span)
}

fn prim_call(name: &str, args: Vec<Expr>, span: Span) -> Expr {
    let p = primitives::lookup(name).expect("primitive used by quasiquote");
    Expr::new(ExprKind::PrimCall(p, args), span)
}

/// `(tag x)` if `d` is that two-element form.
fn tagged<'d>(d: &'d Datum, tag: &str) -> Option<&'d Datum> {
    match d.as_list() {
        Some([h, x]) if h.as_symbol() == Some(tag) => Some(x),
        _ => None,
    }
}

/// Whether the template contains an unquote at this depth (else it can be
/// a constant).
fn has_unquote(d: &Datum, depth: u32) -> bool {
    for tag in ["unquote", "unquote-splicing"] {
        if let Some(x) = tagged(d, tag) {
            return depth == 1 || has_unquote(x, depth - 1);
        }
    }
    if let Some(x) = tagged(d, "quasiquote") {
        return has_unquote(x, depth + 1);
    }
    match &d.kind {
        // `(a . ,x)` reads as `(a unquote x)`.
        DatumKind::List(xs) if xs.len() >= 2 && xs[xs.len() - 2].as_symbol() == Some("unquote") => {
            depth == 1 || xs.iter().any(|x| has_unquote(x, depth - 1))
        }
        DatumKind::List(xs) | DatumKind::Bracket(xs) | DatumKind::Vector(xs) => {
            xs.iter().any(|x| has_unquote(x, depth))
        }
        DatumKind::Dotted(xs, t) => {
            xs.iter().any(|x| has_unquote(x, depth)) || has_unquote(t, depth)
        }
        _ => false,
    }
}

impl<'a> Lowerer<'a> {
    /// The value of template `d` at quasiquote nesting `depth` (>= 1).
    pub(super) fn lower_quasi(&mut self, d: &Datum, depth: u32) -> Expr {
        self.nested(1, d.span, |l| l.lower_quasi_at(d, depth))
            .unwrap_or_else(|| Expr::unspecified(d.span))
    }

    fn lower_quasi_at(&mut self, d: &Datum, depth: u32) -> Expr {
        if !has_unquote(d, depth) {
            return quote(d);
        }
        let span = d.span;
        if let Some(x) = tagged(d, "unquote") {
            if depth == 1 {
                return self.lower_expr(x, 0);
            }
            let inner = self.lower_quasi(x, depth - 1);
            return wrap("unquote", inner, span);
        }
        if let Some(x) = tagged(d, "unquote-splicing") {
            if depth == 1 {
                return self.error(
                    "E0112",
                    span,
                    "`unquote-splicing` (,@) must be inside a list",
                );
            }
            let inner = self.lower_quasi(x, depth - 1);
            return wrap("unquote-splicing", inner, span);
        }
        if let Some(x) = tagged(d, "quasiquote") {
            let inner = self.lower_quasi(x, depth + 1);
            return wrap("quasiquote", inner, span);
        }
        match &d.kind {
            DatumKind::List(xs) | DatumKind::Bracket(xs) => self.quasi_list(xs, None, depth, span),
            DatumKind::Dotted(xs, tail) => self.quasi_list(xs, Some(tail), depth, span),
            DatumKind::Vector(xs) => {
                let list = self.quasi_list(xs, None, depth, span);
                prim_call("list->vector", vec![list], span)
            }
            _ => quote(d),
        }
    }

    fn quasi_list(&mut self, xs: &[Datum], tail: Option<&Datum>, depth: u32, span: Span) -> Expr {
        // `(a . ,x)` reads as `(a unquote x)`: the last two elements are
        // the unquoted tail.
        if tail.is_none() && xs.len() >= 2 {
            let n = xs.len();
            if xs[n - 2].as_symbol() == Some("unquote") {
                let t = Datum::new(
                    DatumKind::List(xs[n - 2..].to_vec()),
                    xs[n - 2].span.to(xs[n - 1].span),
                );
                return self.quasi_list(&xs[..n - 2], Some(&t), depth, span);
            }
        }
        // Element i is built i `cons`es deep.
        let mark = self.depth;
        if !self.deeper(xs.len(), span) {
            self.depth = mark;
            return Expr::unspecified(span);
        }
        let mut acc = match tail {
            Some(t) => self.lower_quasi(t, depth),
            None => Expr::lit(Lit::Nil, span),
        };
        for (i, x) in xs.iter().enumerate().rev() {
            self.depth = mark + i + 1;
            match tagged(x, "unquote-splicing") {
                Some(inner) if depth == 1 => {
                    let spliced = self.lower_expr(inner, 0);
                    acc = prim_call("append", vec![spliced, acc], x.span);
                }
                _ => {
                    let item = self.lower_quasi(x, depth);
                    acc = prim_call("cons", vec![item, acc], x.span);
                }
            }
        }
        self.depth = mark;
        acc
    }
}
