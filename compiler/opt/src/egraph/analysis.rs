//! What the e-graph knows of each e-class: its constant value, the
//! effects evaluating it may perform, whether it can fail, and a simple
//! type. Rules read these facts to decide whether they may apply (the
//! effect guards); merging two e-classes keeps the better fact of each,
//! since the rules only ever merge expressions that behave the same.
//!
//! "Total" means evaluation certainly finishes without error: a rule may
//! drop or duplicate an expression only if it is pure and total (an
//! unused `(car x)` must still fail, an unused loop must still run).

use super::lang::{Bool, Float, Node, Var};
use crate::eval::eval_prim;
use egg::{Analysis, DidMerge, EGraph, Id, Language};
use fluent_effects::EffectSet;
use fluent_ir::core::{Expr, Lit, VarId};
use fluent_syntax::Span;
use fluent_vm::primitives::PrimId;
use std::collections::HashMap;

/// A constant value an e-class is known to have.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Const {
    Int(i64),
    Float(Float),
    Bool(bool),
}

impl Const {
    pub fn node(self) -> Node {
        match self {
            Const::Int(i) => Node::Int(i),
            Const::Float(x) => Node::Float(x),
            Const::Bool(b) => Node::Bool(Bool(b)),
        }
    }

    pub fn lit(self) -> Lit {
        match self {
            Const::Int(i) => Lit::Int(i),
            Const::Float(x) => Lit::Float(x.get()),
            Const::Bool(b) => Lit::Bool(b),
        }
    }

    pub fn of_lit(l: &Lit) -> Option<Const> {
        match l {
            Lit::Int(i) => Some(Const::Int(*i)),
            Lit::Float(x) => Some(Const::Float(Float::new(*x))),
            Lit::Bool(b) => Some(Const::Bool(*b)),
            _ => None,
        }
    }

    /// Scheme truth: everything but `#f`.
    pub fn truthy(self) -> bool {
        self != Const::Bool(false)
    }

    pub fn ty(self) -> Ty {
        match self {
            Const::Int(_) => Ty::Int,
            Const::Float(_) => Ty::Float,
            Const::Bool(_) => Ty::Bool,
        }
    }
}

/// What kind of value an e-class has, if it has one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ty {
    Any,
    /// An integer or a float.
    Num,
    Int,
    Float,
    Bool,
}

impl Ty {
    pub fn is_num(self) -> bool {
        matches!(self, Ty::Num | Ty::Int | Ty::Float)
    }

    /// The least type both may have (the join).
    pub fn either(self, other: Ty) -> Ty {
        match (self, other) {
            (a, b) if a == b => a,
            (a, b) if a.is_num() && b.is_num() => Ty::Num,
            _ => Ty::Any,
        }
    }

    /// The more precise of two facts about one value (the meet).
    fn both(self, other: Ty) -> Ty {
        match (self, other) {
            (Ty::Any, t) | (t, Ty::Any) => t,
            (Ty::Num, t) | (t, Ty::Num) => t,
            (a, _) => a,
        }
    }
}

/// The facts of an e-class.
#[derive(Clone, Debug, PartialEq)]
pub struct Data {
    /// The value, if evaluation finishes.
    pub constant: Option<Const>,
    pub effects: EffectSet,
    /// Evaluation finishes without error.
    pub total: bool,
    pub ty: Ty,
}

impl Data {
    fn leaf(constant: Option<Const>, ty: Ty) -> Data {
        Data {
            constant,
            effects: EffectSet::PURE,
            total: true,
            ty,
        }
    }

    /// Pure and total: may be dropped, duplicated or moved.
    pub fn free(&self) -> bool {
        self.effects.is_pure() && self.total
    }
}

/// A Core form standing in the e-graph as a [`Node::Shell`].
#[derive(Clone, Debug)]
pub struct ShellInfo {
    /// The form, its subexpressions replaced by placeholders.
    pub form: Expr,
    /// What the form does itself, besides evaluating its children.
    pub effects: EffectSet,
    /// Whether the form itself cannot fail (nor run forever).
    pub total: bool,
    /// Whether evaluating the form evaluates its children (not so for a
    /// lambda, whose body runs when it is called).
    pub evaluates_children: bool,
    /// A primitive call, folded when its arguments are constants.
    pub prim: Option<PrimId>,
    /// Has its one child's value and facts (inlined code: a constant
    /// there replaces the whole, which then cannot fail).
    pub transparent: bool,
    /// Has its last child's value (a `let`: its body's).
    pub value_of_last: bool,
    pub ty: Ty,
}

/// What the converter knows of an item: the shells, the error sites and
/// the variables (see `convert`).
#[derive(Default)]
pub struct Facts {
    pub shells: Vec<ShellInfo>,
    pub sites: Vec<Span>,
    /// The type of variables that are never assigned.
    pub var_types: HashMap<VarId, Ty>,
    /// The e-class of the initial value of each variable bound once by a
    /// `let` and never assigned (the `let-const` rule reads it).
    pub bindings: Vec<(Var, Id)>,
}

impl Analysis<Node> for Facts {
    type Data = Data;

    fn make(egraph: &mut EGraph<Node, Self>, enode: &Node, _id: Id) -> Data {
        let d = |i: &Id| &egraph[*i].data;
        match enode {
            Node::Int(i) => Data::leaf(Some(Const::Int(*i)), Ty::Int),
            Node::Float(x) => Data::leaf(Some(Const::Float(*x)), Ty::Float),
            Node::Bool(b) => Data::leaf(Some(Const::Bool(b.0)), Ty::Bool),
            Node::Site(_) => Data::leaf(None, Ty::Any),
            Node::Var(v) => {
                let ty = egraph.analysis.var_types.get(&VarId(v.0));
                Data::leaf(None, ty.copied().unwrap_or(Ty::Any))
            }
            Node::Not([a]) => Data {
                constant: d(a).constant.map(|c| Const::Bool(!c.truthy())),
                ty: Ty::Bool,
                ..d(a).clone()
            },
            Node::Seq([a, b]) => Data {
                effects: d(a).effects.join(d(b).effects),
                total: d(a).total && d(b).total,
                ..d(b).clone()
            },
            Node::If([c, t, e]) => {
                let (c, t, e) = (d(c), d(t), d(e));
                let constant = match c.constant {
                    Some(k) if k.truthy() => t.constant,
                    Some(_) => e.constant,
                    None if t.constant == e.constant => t.constant,
                    None => None,
                };
                Data {
                    constant,
                    effects: c.effects.join(t.effects).join(e.effects),
                    total: c.total && t.total && e.total,
                    ty: t.ty.either(e.ty),
                }
            }
            Node::Shell(s, children) => {
                let info = &egraph.analysis.shells[s.0 as usize];
                if let (true, [c]) = (info.transparent, &children[..]) {
                    return d(c).clone();
                }
                let mut data = Data {
                    constant: None,
                    effects: info.effects,
                    total: info.total,
                    ty: info.ty,
                };
                if info.evaluates_children {
                    for c in children {
                        data.effects = data.effects.join(d(c).effects);
                        data.total &= d(c).total;
                    }
                }
                if let (true, Some(last)) = (info.value_of_last, children.last()) {
                    data.constant = d(last).constant;
                    data.ty = d(last).ty;
                }
                if let Some(p) = info.prim {
                    let args: Option<Vec<Lit>> = children
                        .iter()
                        .map(|c| d(c).constant.map(Const::lit))
                        .collect();
                    if let Some(k) = args
                        .and_then(|a| eval_prim(p, &a))
                        .as_ref()
                        .and_then(Const::of_lit)
                    {
                        data.constant = Some(k);
                        data.ty = k.ty();
                        data.total = data.effects.is_pure() && children.iter().all(|c| d(c).total);
                    }
                }
                data
            }
            _ => {
                let (name, [_, a, b]) = enode.as_binary().expect("a binary operator");
                binary(name, d(&a), d(&b))
            }
        }
    }

    fn merge(&mut self, to: &mut Data, from: Data) -> DidMerge {
        let merged = Data {
            constant: to.constant.or(from.constant),
            effects: to.effects.minus(to.effects.minus(from.effects)),
            total: to.total || from.total,
            ty: to.ty.both(from.ty),
        };
        let did = DidMerge(merged != *to, merged != from);
        *to = merged;
        did
    }

    fn modify(egraph: &mut EGraph<Node, Self>, id: Id) {
        let data = &egraph[id].data;
        if let Some(c) = data.constant
            && data.free()
        {
            let leaf = egraph.add(c.node());
            egraph.union(id, leaf);
            // Nothing else is worth extracting or rewriting in here.
            egraph[id].nodes.retain(|n| n.is_leaf());
        }
    }
}

/// The facts of a binary numeric operator's node.
fn binary(name: &str, a: &Data, b: &Data) -> Data {
    let comparison = matches!(name, "=" | "<" | ">" | "<=" | ">=");
    let effects = a.effects.join(b.effects);
    let children_total = a.total && b.total;
    if let (Some(x), Some(y)) = (a.constant, b.constant)
        && let Some(k) = fold_binary(name, x, y)
    {
        return Data {
            constant: Some(k),
            effects,
            total: children_total,
            ty: k.ty(),
        };
    }
    let numbers = a.ty.is_num() && b.ty.is_num();
    let float = numbers && (a.ty == Ty::Float || b.ty == Ty::Float);
    let (ty, never_fails) = if comparison {
        (Ty::Bool, numbers)
    } else if name == "/" {
        // An integer division by zero fails; a float one does not.
        (if float { Ty::Float } else { Ty::Num }, float)
    } else if a.ty == Ty::Int && b.ty == Ty::Int {
        // May overflow.
        (Ty::Int, false)
    } else if float {
        (Ty::Float, true)
    } else {
        (Ty::Num, false)
    };
    Data {
        constant: None,
        effects,
        total: children_total && never_fails,
        ty,
    }
}

/// `x name y` with the VM's arithmetic, if it succeeds.
pub fn fold_binary(name: &str, x: Const, y: Const) -> Option<Const> {
    if let (Const::Int(a), Const::Int(b)) = (x, y) {
        let int = |r: Option<i64>| r.map(Const::Int);
        let cmp = |r: bool| Some(Const::Bool(r));
        match name {
            "+" => return int(a.checked_add(b)),
            "-" => return int(a.checked_sub(b)),
            "*" => return int(a.checked_mul(b)),
            "=" => return cmp(a == b),
            "<" => return cmp(a < b),
            ">" => return cmp(a > b),
            "<=" => return cmp(a <= b),
            ">=" => return cmp(a >= b),
            _ => {}
        }
    }
    let p = fluent_vm::primitives::lookup(name)?;
    eval_prim(p, &[x.lit(), y.lit()])
        .as_ref()
        .and_then(Const::of_lit)
}
