//! A readable rendering of Core IR (`fluent emit --emit core`).
//!
//! Locals print as `name.N` (N is the variable number) so shadowed names
//! stay distinct; globals as `module.name`; primitives as `#%name`.

use crate::core::*;
use fluent_vm::primitives;

/// A layout tree: atoms, and lists that break over lines when too wide.
enum Doc {
    Atom(String),
    List(Vec<Doc>),
}

const WIDTH: usize = 72;

/// Deeper levels are indented no further: Core can nest 50,000 deep, and
/// indenting each level would make the text quadratic in the depth.
const MAX_INDENT: usize = 40;

impl Doc {
    /// The length on one line, or some length past `limit` if longer
    /// (so that deciding where to break stays linear in the depth).
    fn flat_len(&self, limit: usize) -> usize {
        match self {
            Doc::Atom(s) => s.len(),
            Doc::List(xs) => {
                let mut n = xs.len() + 1;
                for x in xs {
                    if n > limit {
                        break;
                    }
                    n += x.flat_len(limit - n);
                }
                n
            }
        }
    }

    fn render(&self, out: &mut String, indent: usize) {
        match self {
            Doc::Atom(s) => out.push_str(s),
            Doc::List(xs) if indent + self.flat_len(WIDTH) <= WIDTH || xs.len() <= 1 => {
                out.push('(');
                for (i, x) in xs.iter().enumerate() {
                    if i > 0 {
                        out.push(' ');
                    }
                    x.render(out, indent);
                }
                out.push(')');
            }
            Doc::List(xs) => {
                let inner = (indent + 2).min(MAX_INDENT);
                out.push('(');
                xs[0].render(out, indent + 1);
                for x in &xs[1..] {
                    out.push('\n');
                    out.push_str(&" ".repeat(inner));
                    x.render(out, inner);
                }
                out.push(')');
            }
        }
    }
}

fn atom(s: impl Into<String>) -> Doc {
    Doc::Atom(s.into())
}

fn list(head: &str, rest: impl IntoIterator<Item = Doc>) -> Doc {
    let mut xs = vec![atom(head)];
    xs.extend(rest);
    Doc::List(xs)
}

struct Printer<'a> {
    vars: &'a [VarInfo],
}

impl Printer<'_> {
    fn var(&self, v: VarId) -> Doc {
        let name = self.vars.get(v.0 as usize).map(|i| &*i.name).unwrap_or("?");
        atom(format!("{name}.{}", v.0))
    }

    fn lit(l: &Lit) -> Doc {
        atom(match l {
            Lit::Int(i) => i.to_string(),
            Lit::Float(x) => fluent_syntax::floatfmt::format_float(*x),
            Lit::Str(s) => format!("{s:?}"),
            Lit::Char(c) => fluent_syntax::print::char_name(*c),
            Lit::Bool(b) => (if *b { "#t" } else { "#f" }).to_string(),
            Lit::Nil => "'()".into(),
            Lit::Unspecified => "#<unspecified>".into(),
            Lit::Symbol(s) => format!("'{s}"),
            Lit::Keyword(k) => format!(":{k}"),
            Lit::Quote(d) => format!("'{d}"),
        })
    }

    fn bindings(&self, bs: &[(VarId, Expr)]) -> Doc {
        Doc::List(
            bs.iter()
                .map(|(v, e)| Doc::List(vec![self.var(*v), self.expr(e)]))
                .collect(),
        )
    }

    fn expr(&self, e: &Expr) -> Doc {
        match &e.kind {
            ExprKind::Lit(l) => Printer::lit(l),
            ExprKind::Local(v) => self.var(*v),
            ExprKind::Global(g) => atom(g.to_string()),
            ExprKind::Prim(p) => atom(format!("#%{}", primitives::info(*p).name)),
            ExprKind::SetLocal(v, x) => list("set!", [self.var(*v), self.expr(x)]),
            ExprKind::SetGlobal(g, x) => list("set!", [atom(g.to_string()), self.expr(x)]),
            ExprKind::If(c, t, f) => list("if", [self.expr(c), self.expr(t), self.expr(f)]),
            ExprKind::Seq(es) => list("begin", es.iter().map(|x| self.expr(x))),
            ExprKind::Let(bs, body) => list("let", [self.bindings(bs), self.expr(body)]),
            ExprKind::Letrec(bs, body) => list("letrec*", [self.bindings(bs), self.expr(body)]),
            ExprKind::Lambda(l) => self.lambda(l),
            ExprKind::Call(f, args) => Doc::List(
                std::iter::once(self.expr(f))
                    .chain(args.iter().map(|a| self.expr(a)))
                    .collect(),
            ),
            ExprKind::PrimCall(p, args) => list(
                &format!("#%{}", primitives::info(*p).name),
                args.iter().map(|a| self.expr(a)),
            ),
            ExprKind::Loop(id, bs, body) => list(
                "loop",
                [
                    atom(format!("L{}", id.0)),
                    self.bindings(bs),
                    self.expr(body),
                ],
            ),
            ExprKind::Recur(id, args) => list(
                "recur",
                std::iter::once(atom(format!("L{}", id.0)))
                    .chain(args.iter().map(|a| self.expr(a))),
            ),
            ExprKind::Match(v, clauses) => list(
                "match",
                std::iter::once(self.expr(v)).chain(clauses.iter().map(|c| {
                    let mut xs = vec![self.pattern(&c.pat)];
                    if let Some(g) = &c.guard {
                        xs.push(list("when", [self.expr(g)]));
                    }
                    xs.push(self.expr(&c.body));
                    Doc::List(xs)
                })),
            ),
            ExprKind::Try(body, v, handler) => list(
                "try",
                [
                    self.expr(body),
                    list("catch", [self.var(*v), self.expr(handler)]),
                ],
            ),
            ExprKind::Tagged(tag, args) => list(tag, args.iter().map(|a| self.expr(a))),
            ExprKind::Inlined(o, body) => {
                // A local function's body inlined in its own definition
                // shows as `module.definition/function`.
                let from = if o.name == o.function.name {
                    o.function.to_string()
                } else {
                    format!("{}/{}", o.function, o.name)
                };
                list("inlined", [atom(from), self.expr(body)])
            }
        }
    }

    fn lambda(&self, l: &Lambda) -> Doc {
        let mut params: Vec<Doc> = l.params.iter().map(|p| self.var(*p)).collect();
        if let Some(r) = l.rest {
            params.push(atom("."));
            params.push(self.var(r));
        }
        let name = l.name.as_deref().map(|n| atom(format!("#:name {n}")));
        list(
            "lambda",
            name.into_iter()
                .chain([Doc::List(params), self.expr(&l.body)]),
        )
    }

    fn pattern(&self, p: &Pattern) -> Doc {
        match p {
            Pattern::Wild => atom("_"),
            Pattern::Bind(v) => self.var(*v),
            Pattern::Lit(l) => Printer::lit(l),
            Pattern::Nil => atom("Nil"),
            Pattern::Pair(h, t) => list("Cons", [self.pattern(h), self.pattern(t)]),
            Pattern::Vector(ps) => list("vector", ps.iter().map(|p| self.pattern(p))),
            Pattern::Tagged(tag, ps) => list(tag, ps.iter().map(|p| self.pattern(p))),
            Pattern::Or(ps) => list("or", ps.iter().map(|p| self.pattern(p))),
            Pattern::As(v, p) => list("as", [self.var(*v), self.pattern(p)]),
            Pattern::Pred(e, p) => list("?", [self.expr(e), self.pattern(p)]),
        }
    }
}

/// Renders a lowered item.
pub fn print_item(item: &CoreItem) -> String {
    let p = Printer { vars: &item.vars };
    let doc = match &item.kind {
        ItemKind::Define { name, value } => list("define", [atom(name.to_string()), p.expr(value)]),
        ItemKind::Expr(e) => p.expr(e),
    };
    let mut out = String::new();
    doc.render(&mut out, 0);
    out
}
