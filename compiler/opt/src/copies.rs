//! Copy propagation: `(let ((x y)) body)`, where neither `x` nor `y` is
//! ever assigned, becomes `body` reading `y` where it read `x`. Inlining
//! makes many such bindings (a parameter bound to the caller's variable);
//! each would otherwise cost a register move per call.
//!
//! Variables are unique per item, so the substitution cannot capture, and
//! one table serves the whole item: a binding is seen before its uses.

use fluent_ir::core::{Expr, ExprKind, VarId};
use std::collections::{HashMap, HashSet};

/// `e` with its copies propagated.
pub fn propagate(e: Expr) -> Expr {
    let mut assigned = HashSet::new();
    assigned_locals(&e, &mut assigned);
    let mut p = Copies {
        assigned,
        copy_of: HashMap::new(),
    };
    p.expr(e)
}

/// The locals some `set!` in `e` assigns.
pub fn assigned_locals(e: &Expr, out: &mut HashSet<VarId>) {
    if let ExprKind::SetLocal(v, _) = &e.kind {
        out.insert(*v);
    }
    e.for_each_child(&mut |x| assigned_locals(x, out));
}

struct Copies {
    assigned: HashSet<VarId>,
    copy_of: HashMap<VarId, VarId>,
}

impl Copies {
    fn expr(&mut self, mut e: Expr) -> Expr {
        match e.kind {
            ExprKind::Local(v) => {
                let v = self.copy_of.get(&v).copied().unwrap_or(v);
                Expr::new(ExprKind::Local(v), e.span)
            }
            ExprKind::Let(bs, body) => {
                let mut kept = Vec::with_capacity(bs.len());
                for (v, x) in bs {
                    let x = self.expr(x);
                    match x.kind {
                        ExprKind::Local(w)
                            if !self.assigned.contains(&v) && !self.assigned.contains(&w) =>
                        {
                            self.copy_of.insert(v, w);
                        }
                        _ => kept.push((v, x)),
                    }
                }
                let body = self.expr(*body);
                if kept.is_empty() {
                    body
                } else {
                    Expr::new(ExprKind::Let(kept, Box::new(body)), e.span)
                }
            }
            kind => {
                e.kind = kind;
                e.map_children(&mut |x| self.expr(x));
                e
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fluent_ir::core::Lit;
    use fluent_syntax::Span;

    fn at(kind: ExprKind) -> Expr {
        Expr::new(kind, Span::new(0, 0))
    }
    fn local(v: u32) -> Expr {
        at(ExprKind::Local(VarId(v)))
    }
    fn let_(bs: Vec<(u32, Expr)>, body: Expr) -> Expr {
        let bs = bs.into_iter().map(|(v, x)| (VarId(v), x)).collect();
        at(ExprKind::Let(bs, Box::new(body)))
    }

    #[test]
    fn copies_of_unassigned_variables_are_propagated() {
        // (let ((1 0) (2 (lit 5))) (seq 1 2)) => (let ((2 5)) (seq 0 2))
        let five = at(ExprKind::Lit(Lit::Int(5)));
        let e = let_(
            vec![(1, local(0)), (2, five.clone())],
            at(ExprKind::Seq(vec![local(1), local(2)])),
        );
        let want = let_(vec![(2, five)], at(ExprKind::Seq(vec![local(0), local(2)])));
        assert_eq!(propagate(e), want);
    }

    #[test]
    fn assigned_variables_are_not() {
        let set = |v: u32| at(ExprKind::SetLocal(VarId(v), Box::new(local(7))));
        for assigned in [0, 1] {
            let e = let_(
                vec![(1, local(0))],
                at(ExprKind::Seq(vec![set(assigned), local(1)])),
            );
            assert_eq!(propagate(e.clone()), e, "variable {assigned} is assigned");
        }
    }
}
