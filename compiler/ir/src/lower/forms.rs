//! The special forms: conditionals, binding forms, loops, `set!`, `try`.

use super::{Binding, LoopState, Lowerer, Resolved};
use crate::core::*;
use fluent_syntax::{Datum, DatumKind, Span};
use fluent_vm::primitives;
use std::collections::HashSet;
use std::sync::Arc;

/// `(lambda () body...)`.
fn thunk(body: &[Datum], span: Span) -> Datum {
    let mut lambda = vec![
        Datum {
            kind: DatumKind::Symbol("lambda".into()),
            span,
        },
        Datum {
            kind: DatumKind::List(vec![]),
            span,
        },
    ];
    lambda.extend_from_slice(body);
    Datum {
        kind: DatumKind::List(lambda),
        span,
    }
}

impl<'a> Lowerer<'a> {
    /// `(prim args... (lambda () body...))`: a primitive that runs `body`
    /// in an extent it controls.
    fn lower_thunk_call(
        &mut self,
        prim: &str,
        args: &[Datum],
        body: &[Datum],
        span: Span,
        tl: usize,
    ) -> Expr {
        let mut call = vec![Datum {
            kind: DatumKind::Symbol(prim.into()),
            span,
        }];
        call.extend_from_slice(args);
        call.push(thunk(body, span));
        self.lower_expr(
            &Datum {
                kind: DatumKind::List(call),
                span,
            },
            tl,
        )
    }

    /// `(effect kind:op arg...)`: `(%effect 'kind 'op arg...)`.
    fn lower_effect(&mut self, args: &[Datum], span: Span) -> Expr {
        const SHAPE: &str = "(effect kind:op arg ...)";
        let Some((head, rest)) = args.split_first() else {
            return self.malformed("effect", SHAPE, span);
        };
        let Some((kind, Some(op))) = self.effect_name(head) else {
            return self.error(
                "E0192",
                head.span,
                format!("`effect` names its operation as kind:op, e.g. io:print: {SHAPE}"),
            );
        };
        let mut call = vec![
            Expr::lit(Lit::Symbol(kind), head.span),
            Expr::lit(Lit::Symbol(op), head.span),
        ];
        call.extend(rest.iter().map(|x| self.lower_expr(x, 0)));
        let p = primitives::lookup("%effect").expect("the %effect primitive");
        Expr::new(ExprKind::PrimCall(p, call), span)
    }

    /// `(handler ((kind:op proc) (kind proc) ...) body...)`:
    /// `(%handle (list 'kind 'op proc 'kind #f proc ...) (lambda () body...))`.
    fn lower_handler(&mut self, args: &[Datum], span: Span) -> Expr {
        const SHAPE: &str = "(handler ((kind:op handler) (kind handler) ...) body ...)";
        let [clauses, body @ ..] = args else {
            return self.malformed("handler", SHAPE, span);
        };
        let (Some(clauses), false) = (clauses.as_list(), body.is_empty()) else {
            return self.malformed("handler", SHAPE, span);
        };
        let mut spec = Vec::new();
        for c in clauses {
            match c.as_list() {
                Some([name, proc]) => match self.effect_name(name) {
                    Some((kind, op)) => {
                        spec.push(Expr::lit(Lit::Symbol(kind), name.span));
                        spec.push(match op {
                            Some(op) => Expr::lit(Lit::Symbol(op), name.span),
                            None => Expr::lit(Lit::Bool(false), name.span),
                        });
                        spec.push(self.lower_expr(proc, 0));
                    }
                    None => {
                        return self.error(
                            "E0192",
                            name.span,
                            "a handler clause names kind:op or a kind (io state error time random network async)",
                        );
                    }
                },
                _ => return self.malformed("handler", SHAPE, c.span),
            }
        }
        let list = primitives::lookup("list").expect("the list primitive");
        let spec = Expr::new(ExprKind::PrimCall(list, spec), span);
        let thunk = self.lower_expr(&thunk(body, span), 0);
        let p = primitives::lookup("%handle").expect("the %handle primitive");
        Expr::new(ExprKind::PrimCall(p, vec![spec, thunk]), span)
    }

    /// `kind:op` or `kind` with a known kind: (kind, op).
    fn effect_name(&self, d: &Datum) -> Option<(Arc<str>, Option<Arc<str>>)> {
        let name = d.as_symbol()?;
        let (kind, op) = match name.split_once(':') {
            Some((k, o)) if !o.is_empty() => (k, Some(o.into())),
            Some(_) => return None,
            None => (name, None),
        };
        fluent_vm::effect::EffectKind::from_name(kind)?;
        Some((kind.into(), op))
    }

    /// The special form `name`: `d` is the form, `xs` its elements.
    pub(super) fn lower_special(&mut self, name: &str, d: &Datum, xs: &[Datum], tl: usize) -> Expr {
        let span = d.span;
        let args = &xs[1..];
        match name {
            "quote" => match args {
                [x] => quote(x),
                _ => self.malformed("quote", "(quote datum)", span),
            },
            "quasiquote" => match args {
                [x] => self.lower_quasi(x, 1),
                _ => self.malformed("quasiquote", "(quasiquote template)", span),
            },
            "unquote" | "unquote-splicing" => {
                self.error("E0107", span, format!("`{name}` outside of a quasiquote"))
            }
            "lambda" => self.lower_lambda_form(d),
            // A `define` naming nothing is not a definition anywhere (so it
            // reaches here even at top level): report its shape.
            "define" if crate::items::defined_name(d).is_none() => {
                self.parse_define(d);
                Expr::unspecified(span)
            }
            "define" => self.error(
                "E0108",
                span,
                "`define` is only allowed at top level or at the start of a body",
            ),
            "set!" => self.lower_set(args, span),
            "if" => match args {
                [c, t] => self.mk_if(c, t, None, span, tl),
                [c, t, e] => self.mk_if(c, t, Some(e), span, tl),
                _ => self.malformed("if", "(if test then [else])", span),
            },
            "when" | "unless" => {
                if args.len() < 2 {
                    return self.malformed(name, &format!("({name} test body...)"), span);
                }
                let test = self.lower_expr(&args[0], 0);
                let body = self.lower_seq(&args[1..].iter().collect::<Vec<_>>(), span, tl);
                let none = Expr::unspecified(span);
                let (t, e) = if name == "when" {
                    (body, none)
                } else {
                    (none, body)
                };
                Expr::new(ExprKind::If(Box::new(test), Box::new(t), Box::new(e)), span)
            }
            "begin" => {
                if args.is_empty() {
                    return Expr::unspecified(span);
                }
                self.lower_seq(&args.iter().collect::<Vec<_>>(), span, tl)
            }
            "and" => self.lower_and(args, span, tl),
            "or" => self.lower_or(args, span, tl),
            "cond" => self.lower_cond(args, span, tl),
            "case" => self.lower_case(args, span, tl),
            "let" => match args.first().map(|a| &a.kind) {
                Some(DatumKind::Symbol(loop_name)) => {
                    self.lower_named_let(loop_name, &args[1..], span, tl)
                }
                _ => self.lower_let(args, span, tl),
            },
            "let*" => self.lower_let_star(args, span, tl),
            "letrec" | "letrec*" => self.lower_letrec(name, args, span, tl),
            "do" => self.lower_do(args, span, tl),
            "match" => self.lower_match(args, span, tl),
            "try" => self.lower_try(args, span, tl),
            "catch" => self.error("E0109", span, "`catch` outside of a `try`"),
            // JIT and profiling forms: calls of VM primitives on a thunk.
            "time" => match args {
                [e] => self.lower_thunk_call("%time", &[], std::slice::from_ref(e), span, tl),
                _ => self.malformed("time", "(time expr)", span),
            },
            "with-jit-threshold" => match args {
                [n, body @ ..] if !body.is_empty() => self.lower_thunk_call(
                    "%with-jit-threshold",
                    std::slice::from_ref(n),
                    body,
                    span,
                    tl,
                ),
                _ => self.malformed("with-jit-threshold", "(with-jit-threshold n body...)", span),
            },
            "effect" => self.lower_effect(args, span),
            "handler" => self.lower_handler(args, span),
            _ => self.error(
                "E0190",
                span,
                format!("`{name}` is only allowed at the top level of a module"),
            ),
        }
    }

    fn mk_if(&mut self, c: &Datum, t: &Datum, e: Option<&Datum>, span: Span, tl: usize) -> Expr {
        let c = self.lower_expr(c, 0);
        let t = self.lower_expr(t, tl);
        let e = match e {
            Some(e) => self.lower_expr(e, tl),
            None => Expr::unspecified(span),
        };
        Expr::new(ExprKind::If(Box::new(c), Box::new(t), Box::new(e)), span)
    }

    fn lower_set(&mut self, args: &[Datum], span: Span) -> Expr {
        let [target, value] = args else {
            return self.malformed("set!", "(set! name value)", span);
        };
        let Some(name) = target.as_symbol() else {
            return self.malformed("set!", "(set! name value)", span);
        };
        let name: Arc<str> = name.into();
        let value = Box::new(self.lower_expr(value, 0));
        match self.lookup_local(&name) {
            Some(Binding::Var(v)) => Expr::new(ExprKind::SetLocal(v, value), span),
            Some(Binding::Loop(id)) => {
                self.escape(id);
                Expr::unspecified(span)
            }
            None => match self.resolve_global(&name) {
                Resolved::Global(g) if g.module == self.env.module => {
                    Expr::new(ExprKind::SetGlobal(g, value), span)
                }
                Resolved::Unbound(g) => Expr::new(ExprKind::SetGlobal(g, value), span),
                Resolved::Global(g) => self.error(
                    "E0110",
                    target.span,
                    format!(
                        "cannot assign to `{name}`: it is defined in module `{}`",
                        g.module
                    ),
                ),
                Resolved::Prim(_) => self.error(
                    "E0110",
                    target.span,
                    format!("cannot assign to `{name}`: it is a primitive"),
                ),
                Resolved::NotExported(q) => self.not_exported(&q, &name, target.span),
            },
        }
    }

    fn lower_and(&mut self, args: &[Datum], span: Span, tl: usize) -> Expr {
        match args {
            [] => Expr::lit(Lit::Bool(true), span),
            [x] => self.lower_expr(x, tl),
            [x, rest @ ..] => {
                let c = self.lower_expr(x, 0);
                let r = self
                    .nested(1, span, |l| l.lower_and(rest, span, tl))
                    .unwrap_or_else(|| Expr::unspecified(span));
                let f = Expr::lit(Lit::Bool(false), span);
                Expr::new(ExprKind::If(Box::new(c), Box::new(r), Box::new(f)), span)
            }
        }
    }

    fn lower_or(&mut self, args: &[Datum], span: Span, tl: usize) -> Expr {
        match args {
            [] => Expr::lit(Lit::Bool(false), span),
            [x] => self.lower_expr(x, tl),
            [x, rest @ ..] => {
                let first = self.lower_expr(x, 0);
                let r = self
                    .nested(2, span, |l| l.lower_or(rest, span, tl))
                    .unwrap_or_else(|| Expr::unspecified(span));
                self.let_test(first, span, |t| t, r)
            }
        }
    }

    /// `(let ((t value)) (if t (then t) else))`.
    fn let_test(
        &mut self,
        value: Expr,
        span: Span,
        then: impl FnOnce(Expr) -> Expr,
        else_: Expr,
    ) -> Expr {
        let t = self.new_var(&"t".into(), span);
        let tref = Expr::new(ExprKind::Local(t), span);
        let test = Expr::new(
            ExprKind::If(
                Box::new(tref.clone()),
                Box::new(then(tref)),
                Box::new(else_),
            ),
            span,
        );
        Expr::new(ExprKind::Let(vec![(t, value)], Box::new(test)), span)
    }

    fn lower_cond(&mut self, clauses: &[Datum], span: Span, tl: usize) -> Expr {
        const USAGE: &str = "(cond (test body...) ... [(else body...)])";
        let Some((first, rest)) = clauses.split_first() else {
            return Expr::unspecified(span);
        };
        let Some(parts) = first.as_list().filter(|p| !p.is_empty()) else {
            return self.malformed("cond", USAGE, first.span);
        };
        let is_else = parts[0].as_symbol() == Some("else") && self.lookup_local("else").is_none();
        if is_else {
            if !rest.is_empty() {
                return self.error(
                    "E0111",
                    first.span,
                    "`else` must be the last clause of `cond`",
                );
            }
            if parts.len() < 2 {
                return self.malformed("cond", USAGE, first.span);
            }
            return self.lower_seq(&parts[1..].iter().collect::<Vec<_>>(), first.span, tl);
        }
        let else_ = self
            .nested(2, span, |l| l.lower_cond(rest, span, tl))
            .unwrap_or_else(|| Expr::unspecified(span));
        if parts.len() == 3 && parts[1].as_symbol() == Some("=>") {
            let test = self.lower_expr(&parts[0], 0);
            let f = self.lower_expr(&parts[2], 0);
            let cs = first.span;
            return self.let_test(
                test,
                cs,
                |t| Expr::new(ExprKind::Call(Box::new(f), vec![t]), cs),
                else_,
            );
        }
        if parts.len() == 1 {
            let test = self.lower_expr(&parts[0], 0);
            return self.let_test(test, first.span, |t| t, else_);
        }
        let test = self.lower_expr(&parts[0], 0);
        let body = self.lower_seq(&parts[1..].iter().collect::<Vec<_>>(), first.span, tl);
        Expr::new(
            ExprKind::If(Box::new(test), Box::new(body), Box::new(else_)),
            span,
        )
    }

    fn lower_case(&mut self, args: &[Datum], span: Span, tl: usize) -> Expr {
        const USAGE: &str = "(case key ((datum...) body...) ... [(else body...)])";
        let Some((key, clauses)) = args.split_first() else {
            return self.malformed("case", USAGE, span);
        };
        let key = self.lower_expr(key, 0);
        let k = self.new_var(&"key".into(), span);
        // Clause i nests i levels deep, its test as many again as it
        // has data.
        let data = clauses
            .iter()
            .filter_map(|c| Some(c.as_list()?.first()?.as_list()?.len()))
            .max()
            .unwrap_or(0);
        let chain = self
            .nested(1 + clauses.len() + data, span, |l| {
                l.case_chain(k, clauses, span, tl)
            })
            .unwrap_or_else(|| Expr::unspecified(span));
        Expr::new(ExprKind::Let(vec![(k, key)], Box::new(chain)), span)
    }

    /// The tests of `case` clauses on the key in `k`, as nested `if`s.
    fn case_chain(&mut self, k: VarId, clauses: &[Datum], span: Span, tl: usize) -> Expr {
        const USAGE: &str = "(case key ((datum...) body...) ... [(else body...)])";
        let mut chain = Expr::unspecified(span);
        let eqv = primitives::lookup("eqv?").expect("eqv?");
        for (i, c) in clauses.iter().enumerate().rev() {
            let Some(parts) = c.as_list().filter(|p| p.len() >= 2) else {
                return self.malformed("case", USAGE, c.span);
            };
            let kref = Expr::new(ExprKind::Local(k), c.span);
            let body = if parts.len() == 3 && parts[1].as_symbol() == Some("=>") {
                let f = self.lower_expr(&parts[2], 0);
                Expr::new(ExprKind::Call(Box::new(f), vec![kref.clone()]), c.span)
            } else {
                self.lower_seq(&parts[1..].iter().collect::<Vec<_>>(), c.span, tl)
            };
            if parts[0].as_symbol() == Some("else") {
                if i + 1 != clauses.len() {
                    return self.error("E0111", c.span, "`else` must be the last clause of `case`");
                }
                chain = body;
                continue;
            }
            let Some(data) = parts[0].as_list() else {
                return self.malformed("case", USAGE, parts[0].span);
            };
            let tests: Vec<Expr> = data
                .iter()
                .map(|x| {
                    Expr::new(
                        ExprKind::PrimCall(eqv, vec![kref.clone(), quote(x)]),
                        x.span,
                    )
                })
                .collect();
            let test = tests.into_iter().rev().reduce(|acc, t| {
                let tr = Expr::lit(Lit::Bool(true), t.span);
                Expr::new(
                    ExprKind::If(Box::new(t), Box::new(tr), Box::new(acc)),
                    c.span,
                )
            });
            let test = test.unwrap_or(Expr::lit(Lit::Bool(false), c.span));
            chain = Expr::new(
                ExprKind::If(Box::new(test), Box::new(body), Box::new(chain)),
                c.span,
            );
        }
        chain
    }

    /// Parses `((name init) ...)`.
    fn parse_bindings<'d>(
        &mut self,
        form: &str,
        d: &'d Datum,
    ) -> Option<Vec<(Arc<str>, Span, &'d Datum)>> {
        let usage = format!("({form} ((name value) ...) body...)");
        let Some(bs) = d.as_list() else {
            self.malformed(form, &usage, d.span);
            return None;
        };
        let mut out: Vec<(Arc<str>, Span, &Datum)> = Vec::new();
        let mut seen = HashSet::new();
        for b in bs {
            match b.as_list() {
                Some([n, v]) if n.as_symbol().is_some() => {
                    let name: Arc<str> = n.as_symbol().expect("symbol").into();
                    // `let*` may rebind a name; the others bind all at once.
                    if !seen.insert(name.clone()) && form != "let*" {
                        self.error(
                            "E0104",
                            n.span,
                            format!("`{name}` is bound twice in this `{form}`"),
                        );
                    }
                    out.push((name, n.span, v));
                }
                _ => {
                    self.malformed(form, &usage, b.span);
                    return None;
                }
            }
        }
        Some(out)
    }

    fn lower_let(&mut self, args: &[Datum], span: Span, tl: usize) -> Expr {
        let Some((bs, body)) = args.split_first() else {
            return self.malformed("let", "(let ((name value) ...) body...)", span);
        };
        let Some(bs) = self.parse_bindings("let", bs) else {
            return Expr::unspecified(span);
        };
        let inits: Vec<Expr> = bs.iter().map(|(n, _, v)| self.lower_named(v, n)).collect();
        self.scoped(|l| {
            let vars: Vec<VarId> = bs.iter().map(|(n, s, _)| l.bind(n, *s)).collect();
            let body = l.lower_body(body, span, tl);
            Expr::new(
                ExprKind::Let(vars.into_iter().zip(inits).collect(), Box::new(body)),
                span,
            )
        })
    }

    fn lower_let_star(&mut self, args: &[Datum], span: Span, tl: usize) -> Expr {
        let Some((bs, body)) = args.split_first() else {
            return self.malformed("let*", "(let* ((name value) ...) body...)", span);
        };
        let Some(bs) = self.parse_bindings("let*", bs) else {
            return Expr::unspecified(span);
        };
        self.scoped(|l| {
            // Each binding nests one level deeper than the one before.
            let mark = l.depth;
            let mut lets = Vec::new();
            for (n, s, v) in &bs {
                if !l.deeper(1, *s) {
                    break;
                }
                let init = l.lower_named(v, n);
                lets.push((l.bind(n, *s), init));
            }
            let body = if lets.len() == bs.len() {
                l.lower_body(body, span, tl)
            } else {
                Expr::unspecified(span)
            };
            l.depth = mark;
            lets.into_iter().rev().fold(body, |acc, b| {
                Expr::new(ExprKind::Let(vec![b], Box::new(acc)), span)
            })
        })
    }

    fn lower_letrec(&mut self, form: &str, args: &[Datum], span: Span, tl: usize) -> Expr {
        let Some((bs, body)) = args.split_first() else {
            return self.malformed(form, &format!("({form} ((name value) ...) body...)"), span);
        };
        let Some(bs) = self.parse_bindings(form, bs) else {
            return Expr::unspecified(span);
        };
        self.scoped(|l| {
            let vars: Vec<VarId> = bs.iter().map(|(n, s, _)| l.bind(n, *s)).collect();
            let inits: Vec<Expr> = bs.iter().map(|(n, _, v)| l.lower_named(v, n)).collect();
            let body = l.lower_body(body, span, tl);
            Expr::new(
                ExprKind::Letrec(vars.into_iter().zip(inits).collect(), Box::new(body)),
                span,
            )
        })
    }

    /// A named let is a loop when its name is only called in tail
    /// position; otherwise a local recursive function.
    fn lower_named_let(&mut self, name: &Arc<str>, args: &[Datum], span: Span, tl: usize) -> Expr {
        const USAGE: &str = "(let name ((var init) ...) body...)";
        let Some((bs, body)) = args.split_first() else {
            return self.malformed("let", USAGE, span);
        };
        let Some(bs) = self.parse_bindings("let", bs) else {
            return Expr::unspecified(span);
        };
        let inits: Vec<Expr> = bs.iter().map(|(n, _, v)| self.lower_named(v, n)).collect();
        let errors = self.errors.len();
        let id = LoopId(self.next_loop);
        self.next_loop += 1;
        self.loops.push(LoopState {
            id,
            arity: bs.len(),
            escaped: false,
        });
        let as_loop = self.scoped(|l| {
            l.bind_loop(name, id);
            let vars: Vec<VarId> = bs.iter().map(|(n, s, _)| l.bind(n, *s)).collect();
            let body = l.lower_body(body, span, tl + 1);
            (vars, body)
        });
        let escaped = self.loops.pop().expect("loop").escaped;
        if !escaped {
            let (vars, body) = as_loop;
            return Expr::new(
                ExprKind::Loop(id, vars.into_iter().zip(inits).collect(), Box::new(body)),
                span,
            );
        }
        // The name escapes: lower again as a local recursive function.
        self.errors.truncate(errors);
        self.scoped(|l| {
            let f = l.bind(name, span);
            let params: Vec<Datum> = bs
                .iter()
                .map(|(n, s, _)| Datum::new(DatumKind::Symbol(n.clone()), *s))
                .collect();
            let formals = super::body::Formals {
                params: &params,
                rest: None,
            };
            let lambda = l.lower_lambda(Some(name.clone()), formals, body, span);
            let call = Expr::new(
                ExprKind::Call(Box::new(Expr::new(ExprKind::Local(f), span)), inits),
                span,
            );
            Expr::new(ExprKind::Letrec(vec![(f, lambda)], Box::new(call)), span)
        })
    }

    /// `(do ((var init step) ...) (test result...) command...)`.
    fn lower_do(&mut self, args: &[Datum], span: Span, tl: usize) -> Expr {
        const USAGE: &str = "(do ((var init [step]) ...) (test result...) command...)";
        let (Some(specs), Some(test)) = (args.first().and_then(Datum::as_list), args.get(1)) else {
            return self.malformed("do", USAGE, span);
        };
        let Some(test_parts) = test.as_list().filter(|t| !t.is_empty()) else {
            return self.malformed("do", USAGE, test.span);
        };
        let mut vars: Vec<(Arc<str>, Span, &Datum, Option<&Datum>)> = Vec::new();
        let mut seen = HashSet::new();
        for s in specs {
            match s.as_list() {
                Some([n, init]) | Some([n, init, _]) if n.as_symbol().is_some() => {
                    let step = s.as_list().and_then(|x| x.get(2));
                    let name: Arc<str> = n.as_symbol().expect("symbol").into();
                    if !seen.insert(name.clone()) {
                        self.error(
                            "E0104",
                            n.span,
                            format!("`{name}` is bound twice in this `do`"),
                        );
                    }
                    vars.push((name, n.span, init, step));
                }
                _ => return self.malformed("do", USAGE, s.span),
            }
        }
        let inits: Vec<Expr> = vars
            .iter()
            .map(|(_, _, i, _)| self.lower_expr(i, 0))
            .collect();
        let id = LoopId(self.next_loop);
        self.next_loop += 1;
        self.loops.push(LoopState {
            id,
            arity: vars.len(),
            escaped: false,
        });
        let e = self.scoped(|l| {
            let ids: Vec<VarId> = vars.iter().map(|(n, s, _, _)| l.bind(n, *s)).collect();
            let cond = l.lower_expr(&test_parts[0], 0);
            let result = if test_parts.len() > 1 {
                l.lower_seq(
                    &test_parts[1..].iter().collect::<Vec<_>>(),
                    test.span,
                    tl + 1,
                )
            } else {
                Expr::unspecified(test.span)
            };
            let mut cmds: Vec<Expr> = args[2..].iter().map(|c| l.lower_expr(c, 0)).collect();
            let steps = vars
                .iter()
                .zip(&ids)
                .map(|((_, s, _, step), v)| match step {
                    Some(st) => l.lower_expr(st, 0),
                    None => Expr::new(ExprKind::Local(*v), *s),
                })
                .collect();
            cmds.push(Expr::new(ExprKind::Recur(id, steps), span));
            let body = Expr::seq(cmds, span);
            let ifx = Expr::new(
                ExprKind::If(Box::new(cond), Box::new(result), Box::new(body)),
                span,
            );
            Expr::new(
                ExprKind::Loop(id, ids.into_iter().zip(inits).collect(), Box::new(ifx)),
                span,
            )
        });
        self.loops.pop();
        e
    }

    /// `(try body... (catch var handler...))`.
    fn lower_try(&mut self, args: &[Datum], span: Span, tl: usize) -> Expr {
        const USAGE: &str = "(try body... (catch name handler...))";
        let Some((catch, body)) = args.split_last() else {
            return self.malformed("try", USAGE, span);
        };
        let parts = catch.as_list().unwrap_or(&[]);
        let (true, Some(var)) = (
            catch.is_form("catch") && parts.len() >= 3,
            parts.get(1).and_then(Datum::as_symbol),
        ) else {
            return self.malformed("try", USAGE, catch.span);
        };
        if body.is_empty() {
            return self.malformed("try", USAGE, span);
        }
        // The body runs under the catch frame, so it is never a tail
        // position; the handler runs after unwinding, so it can be.
        let body = self.lower_body(body, span, 0);
        self.scoped(|l| {
            let v = l.bind(&var.into(), parts[1].span);
            let handler = l.lower_body(&parts[2..], catch.span, tl);
            Expr::new(ExprKind::Try(Box::new(body), v, Box::new(handler)), span)
        })
    }
}

/// The literal of `(quote d)`.
pub(super) fn quote(d: &Datum) -> Expr {
    let lit = match &d.kind {
        DatumKind::Int(i) => Lit::Int(*i),
        DatumKind::Float(x) => Lit::Float(*x),
        DatumKind::Str(s) => Lit::Str(s.clone()),
        DatumKind::Char(c) => Lit::Char(*c),
        DatumKind::Bool(b) => Lit::Bool(*b),
        DatumKind::Symbol(s) => Lit::Symbol(s.clone()),
        DatumKind::Keyword(k) => Lit::Keyword(k.clone()),
        DatumKind::List(xs) if xs.is_empty() => Lit::Nil,
        _ => Lit::Quote(Arc::new(d.clone())),
    };
    Expr::lit(lit, d.span)
}
