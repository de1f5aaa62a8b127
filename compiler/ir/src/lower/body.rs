//! Lambdas, bodies with internal definitions, and `define`.

use super::{Binding, Lowerer, is_define};
use crate::core::*;
use fluent_syntax::{Datum, DatumKind, Span};
use std::collections::HashSet;
use std::sync::Arc;

/// The value side of a `define`.
pub(super) enum DefineValue<'d> {
    /// `(define name expr)`.
    Expr(&'d Datum),
    /// `(define (name . formals) body...)`.
    Lambda {
        formals: Formals<'d>,
        body: &'d [Datum],
        span: Span,
    },
}

/// A parameter list: `(a b)`, `(a . rest)`, or `args`.
pub(super) struct Formals<'d> {
    pub params: &'d [Datum],
    pub rest: Option<&'d Datum>,
}

impl<'a> Lowerer<'a> {
    /// Splits a `define` form, reporting malformed ones.
    pub(super) fn parse_define<'d>(
        &mut self,
        d: &'d Datum,
    ) -> Option<(Arc<str>, Span, DefineValue<'d>)> {
        const USAGE: &str = "(define name value) or (define (name params...) body...)";
        let xs = d.as_list().unwrap_or(&[]);
        match xs.get(1).map(|x| &x.kind) {
            Some(DatumKind::Symbol(name)) if xs.len() == 3 => {
                Some((name.clone(), xs[1].span, DefineValue::Expr(&xs[2])))
            }
            Some(DatumKind::List(sig)) | Some(DatumKind::Dotted(sig, _)) if xs.len() >= 3 => {
                let Some(name) = sig.first().and_then(Datum::as_symbol) else {
                    self.malformed("define", USAGE, d.span);
                    return None;
                };
                let rest = match &xs[1].kind {
                    DatumKind::Dotted(_, tail) => Some(&**tail),
                    _ => None,
                };
                let formals = Formals {
                    params: &sig[1..],
                    rest,
                };
                Some((
                    name.into(),
                    sig[0].span,
                    DefineValue::Lambda {
                        formals,
                        body: &xs[2..],
                        span: d.span,
                    },
                ))
            }
            _ => {
                self.malformed("define", USAGE, d.span);
                None
            }
        }
    }

    /// The value of a definition of `name` (lambdas are named after it).
    pub(super) fn lower_define_value(&mut self, name: &Arc<str>, value: DefineValue<'_>) -> Expr {
        match value {
            DefineValue::Expr(e) => self.lower_named(e, name),
            DefineValue::Lambda {
                formals,
                body,
                span,
            } => self.lower_lambda(Some(name.clone()), formals, body, span),
        }
    }

    /// Lowers `e`, naming it `name` if it is a lambda.
    pub(super) fn lower_named(&mut self, e: &Datum, name: &Arc<str>) -> Expr {
        if e.is_form("lambda") && self.is_special("lambda") {
            if let Some((formals, body)) = self.parse_lambda(e) {
                return self.lower_lambda(Some(name.clone()), formals, body, e.span);
            }
            return Expr::unspecified(e.span);
        }
        self.lower_expr(e, 0)
    }

    /// `(lambda formals body...)`.
    pub(super) fn lower_lambda_form(&mut self, d: &Datum) -> Expr {
        match self.parse_lambda(d) {
            Some((formals, body)) => self.lower_lambda(None, formals, body, d.span),
            None => Expr::unspecified(d.span),
        }
    }

    fn parse_lambda<'d>(&mut self, d: &'d Datum) -> Option<(Formals<'d>, &'d [Datum])> {
        const USAGE: &str = "(lambda (params...) body...)";
        let xs = d.as_list().unwrap_or(&[]);
        if xs.len() < 3 {
            self.malformed("lambda", USAGE, d.span);
            return None;
        }
        let formals = match &xs[1].kind {
            DatumKind::List(ps) => Formals {
                params: ps,
                rest: None,
            },
            DatumKind::Dotted(ps, tail) => Formals {
                params: ps,
                rest: Some(&**tail),
            },
            DatumKind::Symbol(_) => Formals {
                params: &[],
                rest: Some(&xs[1]),
            },
            _ => {
                self.malformed("lambda", USAGE, xs[1].span);
                return None;
            }
        };
        Some((formals, &xs[2..]))
    }

    /// Builds a lambda: binds the parameters in a new scope and lowers the
    /// body, where no enclosing loop is in tail position.
    pub(super) fn lower_lambda(
        &mut self,
        name: Option<Arc<str>>,
        formals: Formals<'_>,
        body: &[Datum],
        span: Span,
    ) -> Expr {
        let mark = self.scope.len();
        let mut seen: HashSet<&str> = HashSet::new();
        let mut vars = Vec::new();
        for p in formals.params.iter().chain(formals.rest) {
            let Some(n) = p.as_symbol() else {
                self.error("E0103", p.span, "a parameter must be a symbol");
                continue;
            };
            if !seen.insert(n) {
                self.error("E0104", p.span, format!("duplicate parameter `{n}`"));
            }
            vars.push(self.bind(&n.into(), p.span));
        }
        let rest = if formals.rest.is_some() && vars.len() > formals.params.len() {
            vars.pop()
        } else {
            None
        };
        let params = vars;
        let body = self.lower_body(body, span, 0);
        self.scope.truncate(mark);
        let lambda = Lambda {
            name,
            params,
            rest,
            body,
            span,
        };
        Expr::new(ExprKind::Lambda(Arc::new(lambda)), span)
    }

    /// A body: internal definitions (as `letrec*`), then expressions; the
    /// last is in tail position.
    pub(super) fn lower_body(&mut self, forms: &[Datum], span: Span, tl: usize) -> Expr {
        let mut flat = Vec::new();
        for f in forms {
            splice_body_begin(f, &mut flat);
        }
        if flat.is_empty() {
            return self.error(
                "E0105",
                span,
                "empty body: expected at least one expression",
            );
        }
        let Some(last_def) = flat.iter().rposition(|d| is_define(d)) else {
            return self.lower_seq(&flat, span, tl);
        };
        if last_def == flat.len() - 1 {
            return self.error(
                "E0106",
                flat[last_def].span,
                "a body must end with an expression, not a definition",
            );
        }
        // letrec*: every defined name is visible in every initialiser.
        let mark = self.scope.len();
        let mut bindings = Vec::new();
        let mut defs = Vec::new();
        for d in &flat[..=last_def] {
            if is_define(d) {
                if let Some((name, nspan, value)) = self.parse_define(d) {
                    let v = self.bind(&name, nspan);
                    defs.push((v, Some((name, value))));
                }
            } else {
                let v = self.new_var(&"_".into(), d.span);
                defs.push((v, None));
                bindings.push(d);
            }
        }
        let mut exprs = bindings.into_iter();
        let mut letrec = Vec::new();
        for (v, def) in defs {
            let e = match def {
                Some((name, value)) => self.lower_define_value(&name, value),
                None => {
                    let d = exprs.next().expect("expression in body");
                    self.lower_expr(d, 0)
                }
            };
            letrec.push((v, e));
        }
        let rest = self.lower_seq(&flat[last_def + 1..], span, tl);
        self.scope.truncate(mark);
        Expr::new(ExprKind::Letrec(letrec, Box::new(rest)), span)
    }

    /// `e1 ... en`: all but the last for effect.
    pub(super) fn lower_seq(&mut self, forms: &[&Datum], span: Span, tl: usize) -> Expr {
        let n = forms.len();
        let es = forms
            .iter()
            .enumerate()
            .map(|(i, d)| self.lower_expr(d, if i + 1 == n { tl } else { 0 }))
            .collect();
        Expr::seq(es, span)
    }

    /// Runs `f` with `names` bound to loop labels or variables, restoring
    /// the scope afterwards.
    pub(super) fn scoped<T>(&mut self, f: impl FnOnce(&mut Self) -> T) -> T {
        let mark = self.scope.len();
        let r = f(self);
        self.scope.truncate(mark);
        r
    }

    pub(super) fn bind_loop(&mut self, name: &Arc<str>, id: LoopId) {
        self.scope.push((name.clone(), Binding::Loop(id)));
    }
}

/// `(begin ...)` in a body containing definitions splices (R7RS 5.6.1).
fn splice_body_begin<'d>(d: &'d Datum, out: &mut Vec<&'d Datum>) {
    match d.as_list() {
        Some([head, rest @ ..])
            if head.as_symbol() == Some("begin") && rest.iter().any(is_define) =>
        {
            for x in rest {
                splice_body_begin(x, out);
            }
        }
        _ => out.push(d),
    }
}
