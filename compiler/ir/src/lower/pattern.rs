//! `match` and its patterns.

use super::Lowerer;
use super::forms::quote;
use crate::core::*;
use fluent_syntax::{Datum, DatumKind, Span};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The variables a pattern binds, by name.
type Bound = BTreeMap<Arc<str>, VarId>;

impl<'a> Lowerer<'a> {
    pub(super) fn lower_match(&mut self, args: &[Datum], span: Span, tl: usize) -> Expr {
        const USAGE: &str = "(match value (pattern [(when guard)] body...) ...)";
        let Some((scrutinee, clauses)) = args.split_first() else {
            return self.malformed("match", USAGE, span);
        };
        let value = self.lower_expr(scrutinee, 0);
        let mut out = Vec::new();
        for c in clauses {
            let Some(parts) = c.as_list().filter(|p| p.len() >= 2) else {
                self.malformed("match", USAGE, c.span);
                continue;
            };
            let clause = self.scoped(|l| {
                let mut bound = Bound::new();
                let pat = l.lower_pattern(&parts[0], &mut bound, None);
                for (name, v) in &bound {
                    l.scope.push((name.clone(), super::Binding::Var(*v)));
                }
                let has_guard = parts.len() >= 3
                    && matches!(parts[1].as_list(), Some([h, _]) if h.as_symbol() == Some("when"));
                let guard = has_guard.then(|| {
                    let g = &parts[1].as_list().expect("guard")[1];
                    l.lower_expr(g, 0)
                });
                let body_start = if has_guard { 2 } else { 1 };
                let body = l.lower_body(&parts[body_start..], c.span, tl);
                Clause {
                    pat,
                    guard,
                    body,
                    span: c.span,
                }
            });
            out.push(clause);
        }
        Expr::new(ExprKind::Match(Box::new(value), out), span)
    }

    /// Lowers a pattern, recording the variables it binds in `bound`. In
    /// later alternatives of an `or`, `or_vars` are the first
    /// alternative's variables, which every alternative must reuse.
    fn lower_pattern(&mut self, d: &Datum, bound: &mut Bound, or_vars: Option<&Bound>) -> Pattern {
        self.nested(1, d.span, |l| l.lower_pattern_at(d, bound, or_vars))
            .unwrap_or(Pattern::Wild)
    }

    fn lower_pattern_at(
        &mut self,
        d: &Datum,
        bound: &mut Bound,
        or_vars: Option<&Bound>,
    ) -> Pattern {
        match &d.kind {
            DatumKind::Symbol(s) if &**s == "_" => Pattern::Wild,
            DatumKind::Symbol(s) if &**s == "Nil" => Pattern::Nil,
            DatumKind::Symbol(s) => {
                if bound.contains_key(s) {
                    self.error(
                        "E0120",
                        d.span,
                        format!("`{s}` is bound twice in this pattern"),
                    );
                    return Pattern::Wild;
                }
                let v = match or_vars.and_then(|o| o.get(s)) {
                    Some(v) => *v,
                    None => self.new_var(s, d.span),
                };
                bound.insert(s.clone(), v);
                Pattern::Bind(v)
            }
            DatumKind::Int(_)
            | DatumKind::Float(_)
            | DatumKind::Str(_)
            | DatumKind::Char(_)
            | DatumKind::Bool(_)
            | DatumKind::Keyword(_) => lit_pattern(d),
            DatumKind::List(xs) if xs.is_empty() => Pattern::Nil,
            DatumKind::List(xs) => self.lower_compound_pattern(d, xs, bound, or_vars),
            DatumKind::Bracket(xs) => self.list_pattern(xs, None, bound, or_vars),
            DatumKind::Dotted(xs, tail) => self.list_pattern(xs, Some(tail), bound, or_vars),
            DatumKind::Vector(xs) => Pattern::Vector(
                xs.iter()
                    .map(|x| self.lower_pattern(x, bound, or_vars))
                    .collect(),
            ),
        }
    }

    fn lower_compound_pattern(
        &mut self,
        d: &Datum,
        xs: &[Datum],
        bound: &mut Bound,
        or_vars: Option<&Bound>,
    ) -> Pattern {
        let args = &xs[1..];
        let head = xs[0].as_symbol().unwrap_or("");
        match head {
            "quote" if args.len() == 1 => match quote(&args[0]).kind {
                ExprKind::Lit(Lit::Nil) => Pattern::Nil,
                ExprKind::Lit(l) => Pattern::Lit(l),
                _ => Pattern::Wild,
            },
            "list" => self.list_pattern(args, None, bound, or_vars),
            "Cons" if args.len() == 2 => {
                let h = self.lower_pattern(&args[0], bound, or_vars);
                let t = self.lower_pattern(&args[1], bound, or_vars);
                Pattern::Pair(Box::new(h), Box::new(t))
            }
            "Nil" if args.is_empty() => Pattern::Nil,
            "Cons" | "Nil" => {
                self.error(
                    "E0121",
                    d.span,
                    format!(
                        "`{head}` patterns take {} fields",
                        if head == "Cons" { 2 } else { 0 }
                    ),
                );
                Pattern::Wild
            }
            "or" if !args.is_empty() => self.or_pattern(d, args, bound, or_vars),
            "as" => match args {
                [name, p] if name.as_symbol().is_some() => {
                    let inner = self.lower_pattern(p, bound, or_vars);
                    match self.lower_pattern(name, bound, or_vars) {
                        Pattern::Bind(v) => Pattern::As(v, Box::new(inner)),
                        _ => inner,
                    }
                }
                _ => {
                    self.malformed("as", "(as name pattern)", d.span);
                    Pattern::Wild
                }
            },
            "?" => match args {
                [pred] | [pred, _] => {
                    let pred = self.lower_expr(pred, 0);
                    let inner = match args.get(1) {
                        Some(p) => self.lower_pattern(p, bound, or_vars),
                        None => Pattern::Wild,
                    };
                    Pattern::Pred(Box::new(pred), Box::new(inner))
                }
                _ => {
                    self.malformed("?", "(? predicate [pattern])", d.span);
                    Pattern::Wild
                }
            },
            h if h.starts_with(|c: char| c.is_uppercase()) => {
                let fields = args
                    .iter()
                    .map(|x| self.lower_pattern(x, bound, or_vars))
                    .collect();
                Pattern::Tagged(h.into(), fields)
            }
            _ => self.list_pattern(xs, None, bound, or_vars),
        }
    }

    fn or_pattern(
        &mut self,
        d: &Datum,
        alts: &[Datum],
        bound: &mut Bound,
        or_vars: Option<&Bound>,
    ) -> Pattern {
        let mut first = Bound::new();
        let mut pats = vec![self.lower_pattern(&alts[0], &mut first, or_vars)];
        for alt in &alts[1..] {
            let mut these = Bound::new();
            pats.push(self.lower_pattern(alt, &mut these, Some(&first)));
            if these.keys().ne(first.keys()) {
                self.error(
                    "E0122",
                    alt.span,
                    "every alternative of `or` must bind the same variables",
                );
            }
        }
        for (name, v) in first {
            if bound.insert(name.clone(), v).is_some() {
                self.error(
                    "E0120",
                    d.span,
                    format!("`{name}` is bound twice in this pattern"),
                );
            }
        }
        Pattern::Or(pats)
    }

    /// `(p1 p2 ...)` or `(p1 p2 . tail)` as nested pair patterns.
    fn list_pattern(
        &mut self,
        xs: &[Datum],
        tail: Option<&Datum>,
        bound: &mut Bound,
        or_vars: Option<&Bound>,
    ) -> Pattern {
        // Element i is matched i pairs deep.
        let mark = self.depth;
        let mut items = Vec::new();
        for x in xs {
            if !self.deeper(1, x.span) {
                self.depth = mark;
                return Pattern::Wild;
            }
            items.push(self.lower_pattern(x, bound, or_vars));
        }
        let end = match tail {
            Some(t) => self.lower_pattern(t, bound, or_vars),
            None => Pattern::Nil,
        };
        self.depth = mark;
        items
            .into_iter()
            .rev()
            .fold(end, |acc, p| Pattern::Pair(Box::new(p), Box::new(acc)))
    }
}

fn lit_pattern(d: &Datum) -> Pattern {
    match quote(d).kind {
        ExprKind::Lit(l) => Pattern::Lit(l),
        _ => Pattern::Wild,
    }
}
