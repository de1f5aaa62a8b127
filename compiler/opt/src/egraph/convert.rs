//! Core into the e-graph and back (see `lang` for how forms map to nodes).

use super::analysis::{Const, Data, Facts, ShellInfo, Ty};
use super::lang::{Bool, Float, Node, Shell, Site, Var};
use crate::copies::assigned_locals;
use crate::purity::{Facts as ProgramFacts, calls_back, never_fails};
use egg::{EGraph, Id, RecExpr};
use fluent_effects::{EffectSet, primitive_effects};
use fluent_ir::core::{Expr, ExprKind, Lit, VarId};
use fluent_syntax::Span;
use fluent_vm::primitives::{self, PrimId};
use std::collections::HashSet;

/// Whether any rule could match in `e`: an operator with a constant
/// operand, a test of a constant or of `not`, a `let` of a constant.
/// Most code has none, and skips the e-graph.
pub fn worth_running(e: &Expr) -> bool {
    let lit = |x: &Expr| matches!(&x.kind, ExprKind::Lit(l) if Const::of_lit(l).is_some());
    let found = match &e.kind {
        ExprKind::PrimCall(p, args) => {
            let name = primitives::info(*p).name;
            (args.len() == 2
                && Node::binary(name, [Id::from(0usize); 3]).is_some()
                && args.iter().any(lit))
                || (name == "not" && args.iter().any(lit))
                || args.iter().all(lit) && !args.is_empty()
        }
        ExprKind::If(c, _, _) => {
            lit(c)
                || matches!(&c.kind, ExprKind::PrimCall(p, _) if primitives::info(*p).name == "not")
        }
        ExprKind::Let(bs, _) => bs.iter().any(|(_, x)| lit(x)),
        _ => false,
    };
    if found {
        return true;
    }
    let mut any = false;
    e.for_each_child(&mut |x| any = any || worth_running(x));
    any
}

/// The e-graph of `e`, and its root.
pub fn to_egraph(e: Expr, program: &dyn ProgramFacts) -> (EGraph<Node, Facts>, Id) {
    let mut assigned = HashSet::new();
    assigned_locals(&e, &mut assigned);
    let mut c = Converter {
        egraph: EGraph::new(Facts::default()),
        program,
        assigned,
    };
    let root = c.add(e);
    (c.egraph, root)
}

struct Converter<'a> {
    egraph: EGraph<Node, Facts>,
    program: &'a dyn ProgramFacts,
    assigned: HashSet<VarId>,
}

impl Converter<'_> {
    fn add(&mut self, e: Expr) -> Id {
        let span = e.span;
        match e.kind {
            ExprKind::Lit(ref l) if Const::of_lit(l).is_some() => {
                let k = Const::of_lit(l).expect("a constant");
                self.egraph.add(k.node())
            }
            ExprKind::Local(v) => self.egraph.add(Node::Var(Var(v.0))),
            ExprKind::PrimCall(p, args) if args.len() == 2 && binary_prim(p) => {
                let site = self.site(span);
                let [a, b]: [Expr; 2] = args.try_into().expect("two arguments");
                let (a, b) = (self.add(a), self.add(b));
                let name = primitives::info(p).name;
                self.egraph
                    .add(Node::binary(name, [site, a, b]).expect("a binary operator"))
            }
            ExprKind::PrimCall(p, mut args)
                if args.len() == 1 && primitives::info(p).name == "not" =>
            {
                let a = self.add(args.pop().expect("one argument"));
                self.egraph.add(Node::Not([a]))
            }
            ExprKind::If(c, t, f) => {
                let ids = [self.add(*c), self.add(*t), self.add(*f)];
                self.egraph.add(Node::If(ids))
            }
            ExprKind::Seq(es) => {
                let ids: Vec<Id> = es.into_iter().map(|x| self.add(x)).collect();
                let (&last, rest) = ids.split_last().expect("a sequence is never empty");
                rest.iter()
                    .rev()
                    .fold(last, |acc, &x| self.egraph.add(Node::Seq([x, acc])))
            }
            ExprKind::Let(bs, body) => {
                let mut ids = Vec::with_capacity(bs.len() + 1);
                let mut vars = Vec::with_capacity(bs.len());
                for (v, x) in bs {
                    let id = self.add(x);
                    if !self.assigned.contains(&v) {
                        let ty = self.egraph[id].data.ty;
                        self.egraph.analysis.var_types.insert(v, ty);
                        self.egraph.analysis.bindings.push((Var(v.0), id));
                    }
                    ids.push(id);
                    vars.push((v, Expr::unspecified(span)));
                }
                ids.push(self.add(*body));
                let form = Expr::new(ExprKind::Let(vars, Box::new(Expr::unspecified(span))), span);
                self.shell_node(form, ids)
            }
            kind => {
                let mut form = Expr::new(kind, span);
                let mut children = Vec::new();
                form.map_children(&mut |x| {
                    let s = x.span;
                    children.push(x);
                    Expr::unspecified(s)
                });
                let ids = children.into_iter().map(|x| self.add(x)).collect();
                self.shell_node(form, ids)
            }
        }
    }

    fn site(&mut self, span: Span) -> Id {
        let sites = &mut self.egraph.analysis.sites;
        sites.push(span);
        let n = Site(sites.len() as u32 - 1);
        self.egraph.add(Node::Site(n))
    }

    fn shell_node(&mut self, form: Expr, children: Vec<Id>) -> Id {
        let info = shell_info(form, self.program);
        let shells = &mut self.egraph.analysis.shells;
        shells.push(info);
        let s = Shell(shells.len() as u32 - 1);
        self.egraph.add(Node::Shell(s, children))
    }
}

fn binary_prim(p: PrimId) -> bool {
    Node::binary(primitives::info(p).name, [Id::from(0usize); 3]).is_some()
}

/// What a form does itself (see [`ShellInfo`]).
fn shell_info(form: Expr, program: &dyn ProgramFacts) -> ShellInfo {
    let (mut effects, mut total, mut evaluates_children, mut prim, mut ty) =
        (EffectSet::PURE, true, true, None, Ty::Any);
    let transparent = matches!(form.kind, ExprKind::Inlined(..));
    let value_of_last = matches!(form.kind, ExprKind::Let(..));
    match &form.kind {
        ExprKind::Lit(_) | ExprKind::Prim(_) | ExprKind::Tagged(..) | ExprKind::Let(..) => {}
        ExprKind::Inlined(..) => {}
        ExprKind::Lambda(_) => evaluates_children = false,
        // Not yet defined, when code that runs as a module starts reads it.
        ExprKind::Global(_) => total = false,
        ExprKind::SetLocal(..) | ExprKind::SetGlobal(..) => {
            effects = EffectSet::of(fluent_vm::effect::EffectKind::State)
        }
        ExprKind::Call(f, _) => {
            total = false;
            if !matches!(&f.kind, ExprKind::Global(g) if program.pure_function(g)) {
                effects = EffectSet::ALL;
            }
        }
        ExprKind::PrimCall(p, args) => {
            effects = if calls_back(*p) {
                EffectSet::ALL
            } else {
                primitive_effects(*p)
            };
            total = never_fails(*p, args.len());
            if effects.is_pure() && !calls_back(*p) {
                prim = Some(*p);
            }
            if ["=", "<", ">", "<=", ">=", "not", "null?", "pair?", "zero?"]
                .contains(&primitives::info(*p).name)
            {
                ty = Ty::Bool;
            }
        }
        // May run forever, fail to match, or stop early.
        ExprKind::Letrec(..)
        | ExprKind::Loop(..)
        | ExprKind::Recur(..)
        | ExprKind::Match(..)
        | ExprKind::Try(..) => total = false,
        ExprKind::Local(_) | ExprKind::If(..) | ExprKind::Seq(_) => {}
    }
    ShellInfo {
        form,
        effects,
        total,
        evaluates_children,
        prim,
        ty,
        transparent,
        value_of_last,
    }
}

/// The Core of an extracted expression (`span`: for the constants that
/// replaced expressions, which cannot fail and need none of their own).
pub fn from_rec_expr(rec: &RecExpr<Node>, facts: &Facts, span: Span) -> Expr {
    let root = Id::from(rec.as_ref().len() - 1);
    build(rec, facts, root, span)
}

fn build(rec: &RecExpr<Node>, facts: &Facts, id: Id, span: Span) -> Expr {
    let sub = |i: Id, span: Span| build(rec, facts, i, span);
    let prim = |name: &str| primitives::lookup(name).expect("an operator is a primitive");
    match &rec[id] {
        Node::Int(i) => Expr::lit(Lit::Int(*i), span),
        Node::Float(Float(bits)) => Expr::lit(Lit::Float(f64::from_bits(*bits)), span),
        Node::Bool(Bool(b)) => Expr::lit(Lit::Bool(*b), span),
        Node::Var(v) => Expr::new(ExprKind::Local(VarId(v.0)), span),
        // Only ever an operator's child.
        Node::Site(_) => Expr::unspecified(span),
        Node::Not([a]) => Expr::new(ExprKind::PrimCall(prim("not"), vec![sub(*a, span)]), span),
        Node::If([c, t, e]) => Expr::new(
            ExprKind::If(
                Box::new(sub(*c, span)),
                Box::new(sub(*t, span)),
                Box::new(sub(*e, span)),
            ),
            span,
        ),
        Node::Seq(_) => {
            let mut parts = Vec::new();
            let mut at = id;
            while let Node::Seq([a, b]) = &rec[at] {
                parts.push(sub(*a, span));
                at = *b;
            }
            parts.push(sub(at, span));
            Expr::new(ExprKind::Seq(parts), span)
        }
        Node::Shell(s, children) => {
            let mut form = facts.shells[s.0 as usize].form.clone();
            let mut children = children.iter();
            form.map_children(&mut |placeholder| {
                let c = children.next().expect("a child per subexpression");
                sub(*c, placeholder.span)
            });
            form
        }
        n => {
            let (name, [s, a, b]) = n.as_binary().expect("a binary operator");
            let Node::Site(site) = &rec[s] else {
                unreachable!("an operator's first child is its site")
            };
            let span = facts.sites[site.0 as usize];
            Expr::new(
                ExprKind::PrimCall(prim(name), vec![sub(a, span), sub(b, span)]),
                span,
            )
        }
    }
}

impl Data {
    /// The value, as a literal.
    pub fn literal(&self) -> Option<Lit> {
        self.constant.map(Const::lit)
    }
}
