//! A test-only inliner: replaces calls of chosen global functions by their
//! bodies, wrapped in `ExprKind::Inlined` as the optimizer's inlining
//! does, so that tests can compare a program with and without inlining.
//!
//! A call `(g a b)` of a chosen `g` whose value is `(lambda (x y) body)`
//! becomes `(let ((x' a) (y' b)) (inlined g body'))`: the arguments are
//! evaluated by the caller, and `body'` is `g`'s body with its variables
//! and loops renumbered after the caller's, its own calls of chosen
//! functions inlined the same way (up to a depth, for recursion).

use fluent_ir::core::*;
use fluent_vm::bytecode::GlobalName;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// A function that can be inlined: its item's Core and offset.
pub struct Def {
    pub item: Arc<CoreItem>,
    pub offset: u32,
}

/// What to inline, and how deep.
pub struct Inliner<'a> {
    pub defs: &'a HashMap<GlobalName, Def>,
    pub targets: HashSet<GlobalName>,
    pub depth: usize,
}

impl Inliner<'_> {
    /// `item` with the calls of targets inlined.
    pub fn item(&self, item: &CoreItem) -> CoreItem {
        let mut out = item.clone();
        let mut next_loop = 0;
        let body = match &mut out.kind {
            ItemKind::Define { value, .. } => value,
            ItemKind::Expr(e) => e,
        };
        max_loop(body, &mut next_loop);
        let mut cx = Cx {
            vars: std::mem::take(&mut out.vars),
            next_loop,
        };
        let e = std::mem::replace(body, Expr::unspecified(item.span));
        *body = self.expr(e, &mut cx, self.depth);
        out.vars = cx.vars;
        out
    }

    fn expr(&self, mut e: Expr, cx: &mut Cx, depth: usize) -> Expr {
        if let Some((g, def, l)) = self.target(&e, depth) {
            let ExprKind::Call(_, args) = e.kind else {
                unreachable!("a target is a call")
            };
            return self.inline(g, def, l, args, e.span, cx, depth);
        }
        e.map_children(&mut |c| self.expr(c, cx, depth));
        e
    }

    /// The function `e` calls, if it is a call to inline.
    fn target(&self, e: &Expr, depth: usize) -> Option<(GlobalName, &Def, &Lambda)> {
        let ExprKind::Call(f, args) = &e.kind else {
            return None;
        };
        let ExprKind::Global(g) = &f.kind else {
            return None;
        };
        let def = self
            .defs
            .get(g)
            .filter(|_| depth > 0 && self.targets.contains(g))?;
        let ItemKind::Define { value, .. } = &def.item.kind else {
            return None;
        };
        match &value.kind {
            ExprKind::Lambda(l) if l.rest.is_none() && l.params.len() == args.len() => {
                Some((g.clone(), def, l))
            }
            _ => None,
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn inline(
        &self,
        g: GlobalName,
        def: &Def,
        l: &Lambda,
        args: Vec<Expr>,
        call: fluent_syntax::Span,
        cx: &mut Cx,
        depth: usize,
    ) -> Expr {
        let var_base = cx.vars.len() as u32;
        cx.vars.extend(def.item.vars.iter().cloned());
        let loop_base = cx.next_loop;
        let mut callee_loops = 0;
        max_loop(&l.body, &mut callee_loops);
        cx.next_loop += callee_loops;
        let mut body = l.body.clone();
        renumber(&mut body, var_base, loop_base);
        let body = self.expr(body, cx, depth - 1);
        let origin = InlineOrigin {
            function: g,
            name: l.name.clone().unwrap_or_else(|| "lambda".into()),
            offset: def.offset,
            call,
        };
        let inlined = Expr::new(ExprKind::Inlined(Arc::new(origin), Box::new(body)), call);
        let bindings = l
            .params
            .iter()
            .map(|p| VarId(p.0 + var_base))
            .zip(args.into_iter().map(|a| self.expr(a, cx, depth)))
            .collect();
        Expr::new(ExprKind::Let(bindings, Box::new(inlined)), call)
    }
}

struct Cx {
    vars: Vec<VarInfo>,
    next_loop: u32,
}

/// Raises `next` past every loop id in `e`.
fn max_loop(e: &Expr, next: &mut u32) {
    if let ExprKind::Loop(id, ..) | ExprKind::Recur(id, _) = &e.kind {
        *next = (*next).max(id.0 + 1);
    }
    e.for_each_child(&mut |c| max_loop(c, next));
}

/// Shifts every variable and loop of `e` (binders and uses).
fn renumber(e: &mut Expr, vars: u32, loops: u32) {
    let v = |x: &mut VarId| x.0 += vars;
    match &mut e.kind {
        ExprKind::Local(x) | ExprKind::SetLocal(x, _) | ExprKind::Try(_, x, _) => v(x),
        ExprKind::Let(bs, _) | ExprKind::Letrec(bs, _) => bs.iter_mut().for_each(|(x, _)| v(x)),
        ExprKind::Loop(id, bs, _) => {
            id.0 += loops;
            bs.iter_mut().for_each(|(x, _)| v(x));
        }
        ExprKind::Recur(id, _) => id.0 += loops,
        ExprKind::Lambda(l) => {
            let l = Arc::make_mut(l);
            l.params.iter_mut().for_each(v);
            l.rest.iter_mut().for_each(v);
        }
        ExprKind::Match(_, clauses) => clauses.iter_mut().for_each(|c| pattern(&mut c.pat, vars)),
        _ => {}
    }
    e.map_children(&mut |mut c| {
        renumber(&mut c, vars, loops);
        c
    });
}

fn pattern(p: &mut Pattern, vars: u32) {
    match p {
        Pattern::Bind(x) => x.0 += vars,
        Pattern::As(x, q) => {
            x.0 += vars;
            pattern(q, vars);
        }
        Pattern::Pair(a, b) => {
            pattern(a, vars);
            pattern(b, vars);
        }
        Pattern::Vector(ps) | Pattern::Tagged(_, ps) | Pattern::Or(ps) => {
            ps.iter_mut().for_each(|q| pattern(q, vars))
        }
        Pattern::Pred(_, q) => pattern(q, vars),
        Pattern::Wild | Pattern::Lit(_) | Pattern::Nil => {}
    }
}
