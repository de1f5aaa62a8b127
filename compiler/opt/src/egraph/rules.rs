//! The rule tables, each rule named, each with its start => goal test.
//!
//! Every rule is an equivalence under Fluent's semantics, including its
//! faults: a rule whose left side could fail where its right side would not
//! (or fail with another message or location) applies only when the
//! analysis proves the operands' types; a rule that drops or duplicates an
//! operand requires it to be pure and total (`free`). No rule moves an
//! expression past another. Float rules hold bit for bit in IEEE
//! arithmetic (`(+ x 0)` is not `x` for `x = -0.0`, so that one is for
//! integers only). Integer overflow is an error, so there is no
//! reassociation (`(+ (+ x 1) -1)` overflows for the largest `x`) and no
//! strength reduction of `*` into `+` (the overflow message names the
//! operator).
//!
//! Constant folding itself is the analysis (`analysis::fold_binary`,
//! primitives through the compile-time evaluator): an e-class whose value
//! is known and that is pure and total gets the constant as a member.

use super::analysis::{Const, Data, Facts, Ty};
use super::lang::{Float, Node};
use egg::{
    Applier, EGraph, Id, Pattern, PatternAst, Rewrite, SearchMatches, Searcher, Subst, Symbol,
    rewrite as rw,
};

/// The tables, which the optimization level switches on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Table {
    /// Folding, identities, strength reduction.
    Arithmetic,
    /// Branches on known conditions, `not`, `begin`.
    Control,
    /// Constants bound by `let`.
    Let,
}

/// A named rule of a table.
pub struct Rule {
    pub table: Table,
    pub rewrite: Rewrite<Node, Facts>,
}

impl Rule {
    pub fn name(&self) -> &str {
        self.rewrite.name.as_str()
    }
}

type Cond = fn(&Data) -> bool;

fn has(var: &'static str, test: Cond) -> impl Fn(&mut EGraph<Node, Facts>, Id, &Subst) -> bool {
    let v: egg::Var = var.parse().expect("a pattern variable");
    move |g, _, s| test(&g[s[v]].data)
}

fn int(d: &Data) -> bool {
    d.ty == Ty::Int
}
fn num(d: &Data) -> bool {
    d.ty.is_num()
}
fn bool_(d: &Data) -> bool {
    d.ty == Ty::Bool
}
fn free_int(d: &Data) -> bool {
    d.ty == Ty::Int && d.free()
}
fn free_num(d: &Data) -> bool {
    d.ty.is_num() && d.free()
}
fn free(d: &Data) -> bool {
    d.free()
}
fn truthy(d: &Data) -> bool {
    d.constant.is_some_and(Const::truthy)
}
fn falsy(d: &Data) -> bool {
    d.constant.is_some_and(|c| !c.truthy())
}

/// Every rule.
pub fn all() -> Vec<Rule> {
    let arith = |rewrite| Rule {
        table: Table::Arithmetic,
        rewrite,
    };
    let control = |rewrite| Rule {
        table: Table::Control,
        rewrite,
    };
    vec![
        arith(rw!("add-zero"; "(+ ?s ?a 0)" => "?a" if has("?a", int))),
        arith(rw!("zero-add"; "(+ ?s 0 ?a)" => "?a" if has("?a", int))),
        arith(rw!("sub-zero"; "(- ?s ?a 0)" => "?a" if has("?a", num))),
        arith(rw!("sub-self"; "(- ?s ?a ?a)" => "0" if has("?a", free_int))),
        arith(rw!("mul-one"; "(* ?s ?a 1)" => "?a" if has("?a", num))),
        arith(rw!("one-mul"; "(* ?s 1 ?a)" => "?a" if has("?a", num))),
        arith(rw!("mul-zero"; "(* ?s ?a 0)" => "0" if has("?a", free_int))),
        arith(rw!("zero-mul"; "(* ?s 0 ?a)" => "0" if has("?a", free_int))),
        arith(rw!("div-one"; "(/ ?s ?a 1)" => "?a" if has("?a", num))),
        arith(
            Rewrite::new("div-power-of-two", pattern("(/ ?s ?a ?c)"), Reciprocal).expect("a rule"),
        ),
        arith(rw!("lt-self"; "(< ?s ?a ?a)" => "#f" if has("?a", free_num))),
        arith(rw!("gt-self"; "(> ?s ?a ?a)" => "#f" if has("?a", free_num))),
        arith(rw!("le-self"; "(<= ?s ?a ?a)" => "#t" if has("?a", free_int))),
        arith(rw!("ge-self"; "(>= ?s ?a ?a)" => "#t" if has("?a", free_int))),
        arith(rw!("eq-self"; "(= ?s ?a ?a)" => "#t" if has("?a", free_int))),
        control(rw!("if-true"; "(if ?c ?a ?b)" => "(seq ?c ?a)" if has("?c", truthy))),
        control(rw!("if-false"; "(if ?c ?a ?b)" => "(seq ?c ?b)" if has("?c", falsy))),
        control(rw!("if-same"; "(if ?c ?a ?a)" => "(seq ?c ?a)")),
        control(rw!("if-not"; "(if (not ?c) ?a ?b)" => "(if ?c ?b ?a)")),
        control(rw!("if-bool"; "(if ?c #t #f)" => "?c" if has("?c", bool_))),
        control(rw!("if-to-not"; "(if ?c #f #t)" => "(not ?c)")),
        control(rw!("not-not"; "(not (not ?c))" => "?c" if has("?c", bool_))),
        control(rw!("seq-drop"; "(seq ?a ?b)" => "?b" if has("?a", free))),
        control(rw!("seq-nest"; "(seq (seq ?a ?b) ?c)" => "(seq ?a (seq ?b ?c))")),
        Rule {
            table: Table::Let,
            rewrite: Rewrite::new("let-const", LetConst, LetConst).expect("a rule"),
        },
    ]
}

/// Every rule of every table, made once per process (parsing the
/// patterns per definition was most of the optimizer's time on a large
/// program).
pub fn every_table() -> &'static [Rule] {
    static RULES: std::sync::OnceLock<Vec<Rule>> = std::sync::OnceLock::new();
    RULES.get_or_init(all)
}

fn pattern(s: &str) -> Pattern<Node> {
    s.parse().expect("a pattern")
}

/// `(/ a c)` => `(* a 1/c)` for a float power of two `c` and a number
/// `a`: both round the same real number once, so they agree bit for bit.
struct Reciprocal;

impl Applier<Node, Facts> for Reciprocal {
    fn apply_one(
        &self,
        egraph: &mut EGraph<Node, Facts>,
        eclass: Id,
        subst: &Subst,
        _: Option<&PatternAst<Node>>,
        _: Symbol,
    ) -> Vec<Id> {
        let var = |s: &str| subst[s.parse::<egg::Var>().expect("a pattern variable")];
        let (s, a, c) = (var("?s"), var("?a"), var("?c"));
        let Some(Const::Float(c)) = egraph[c].data.constant else {
            return vec![];
        };
        let (c, r) = (c.get(), 1.0 / c.get());
        let exact = c.is_normal() && r.is_normal() && r.to_bits() & ((1 << 52) - 1) == 0;
        if !exact || !egraph[a].data.ty.is_num() {
            return vec![];
        }
        let r = egraph.add(Node::Float(Float::new(r)));
        let mul = egraph.add(Node::Mul([s, a, r]));
        if egraph.union(eclass, mul) {
            vec![eclass]
        } else {
            vec![]
        }
    }
}

/// `let-const`: a variable bound by `let` (and never assigned) to an
/// expression whose value is a known constant is that constant. Matches
/// the variables of the item's bindings, not a pattern.
struct LetConst;

impl Searcher<Node, Facts> for LetConst {
    fn search_eclass_with_limit(
        &self,
        egraph: &EGraph<Node, Facts>,
        eclass: Id,
        limit: usize,
    ) -> Option<SearchMatches<'_, Node>> {
        self.search_with_limit(egraph, limit)
            .into_iter()
            .find(|m| m.eclass == egraph.find(eclass))
    }

    fn search_with_limit(
        &self,
        egraph: &EGraph<Node, Facts>,
        limit: usize,
    ) -> Vec<SearchMatches<'_, Node>> {
        let init_var: egg::Var = "?init".parse().expect("a pattern variable");
        let mut out = Vec::new();
        for &(var, init) in &egraph.analysis.bindings {
            if out.len() >= limit {
                break;
            }
            let Some(at) = egraph.lookup(Node::Var(var)) else {
                continue;
            };
            if egraph[init].data.constant.is_some() && egraph[at].data.constant.is_none() {
                let mut subst = Subst::with_capacity(1);
                subst.insert(init_var, init);
                out.push(SearchMatches {
                    eclass: at,
                    substs: vec![subst],
                    ast: None,
                });
            }
        }
        out
    }

    fn vars(&self) -> Vec<egg::Var> {
        vec!["?init".parse().expect("a pattern variable")]
    }
}

impl Applier<Node, Facts> for LetConst {
    fn apply_one(
        &self,
        egraph: &mut EGraph<Node, Facts>,
        eclass: Id,
        subst: &Subst,
        _: Option<&PatternAst<Node>>,
        _: Symbol,
    ) -> Vec<Id> {
        let init = subst["?init".parse::<egg::Var>().expect("a pattern variable")];
        let Some(c) = egraph[init].data.constant else {
            return vec![];
        };
        let leaf = egraph.add(c.node());
        if egraph.union(eclass, leaf) {
            vec![eclass]
        } else {
            vec![]
        }
    }
}

#[cfg(test)]
mod tests;
