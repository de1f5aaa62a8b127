//! One start => goal test per rule, plus starts a rule must leave alone
//! (the guards). Variables: `v1` is an int, `v2` a float, `v3` a boolean,
//! `v4` anything; `s0` is a call that may do anything.

use super::super::analysis::{Facts, ShellInfo, Ty};
use super::super::{Cost, lang::Node};
use super::all;
use egg::{EGraph, Extractor, RecExpr, Runner};
use fluent_effects::EffectSet;
use fluent_ir::core::Expr;
use fluent_syntax::Span;

fn facts() -> Facts {
    let mut f = Facts::default();
    for (v, ty) in [(1, Ty::Int), (2, Ty::Float), (3, Ty::Bool), (4, Ty::Any)] {
        f.var_types.insert(fluent_ir::core::VarId(v), ty);
    }
    f.shells.push(ShellInfo {
        form: Expr::unspecified(Span::new(0, 0)),
        effects: EffectSet::ALL,
        total: false,
        evaluates_children: true,
        prim: None,
        ty: Ty::Any,
        transparent: false,
        value_of_last: false,
    });
    f
}

/// `start` after saturating with the rule `name` alone.
fn apply(name: &str, start: &str) -> String {
    apply_all(&[name], start)
}

/// `start` after saturating with the rules `names`.
fn apply_all(names: &[&str], start: &str) -> String {
    let rules: Vec<_> = all()
        .into_iter()
        .filter(|r| names.contains(&r.name()))
        .collect();
    assert_eq!(rules.len(), names.len(), "no rule among {names:?}");
    let start: RecExpr<Node> = start.parse().expect("a start expression");
    let mut egraph = EGraph::new(facts());
    let root = egraph.add_expr(&start);
    let runner = Runner::default()
        .with_egraph(egraph)
        .with_iter_limit(10)
        .run(rules.iter().map(|r| &r.rewrite));
    let root = runner.egraph.find(root);
    Extractor::new(&runner.egraph, Cost)
        .find_best(root)
        .1
        .to_string()
}

#[track_caller]
fn rewrites(name: &str, start: &str, goal: &str) {
    assert_eq!(apply(name, start), goal, "{name}: {start}");
}

#[track_caller]
fn leaves(name: &str, start: &str) {
    assert_eq!(
        apply(name, start),
        start,
        "{name} must not apply to {start}"
    );
}

#[test]
fn constant_folding_uses_fluent_arithmetic() {
    // Any rule runs the analysis; `seq-nest` matches nothing here.
    rewrites("seq-nest", "(+ @0 2 3)", "5");
    rewrites("seq-nest", "(* @0 (- @1 10 4) 1.5)", "9.0");
    rewrites("seq-nest", "(< @0 1 2.5)", "#t");
    rewrites("seq-nest", "(not (= @0 2 2))", "#f");
    // Overflow stays an error at run time, and so does division by zero.
    leaves("seq-nest", "(+ @0 9223372036854775807 1)");
    leaves("seq-nest", "(/ @0 1 0)");
    // Exact division stays exact, inexact becomes a float.
    rewrites("seq-nest", "(/ @0 6 3)", "2");
    rewrites("seq-nest", "(/ @0 7 2)", "3.5");
    // Folding never drops an effect.
    leaves("seq-nest", "(+ @0 (seq s0 1) 2)");
}

#[test]
fn arithmetic_identities_need_known_types() {
    rewrites("add-zero", "(+ @0 v1 0)", "v1");
    leaves("add-zero", "(+ @0 v2 0)");
    leaves("add-zero", "(+ @0 v4 0)");
    rewrites("zero-add", "(+ @0 0 v1)", "v1");
    rewrites("sub-zero", "(- @0 v2 0)", "v2");
    leaves("sub-zero", "(- @0 v4 0)");
    rewrites("sub-self", "(- @0 v1 v1)", "0");
    leaves("sub-self", "(- @0 v2 v2)");
    rewrites("mul-one", "(* @0 v2 1)", "v2");
    rewrites("one-mul", "(* @0 1 v1)", "v1");
    leaves("mul-one", "(* @0 v4 1)");
    rewrites("mul-zero", "(* @0 v1 0)", "0");
    rewrites("zero-mul", "(* @0 0 v1)", "0");
    leaves("mul-zero", "(* @0 v2 0)");
    rewrites("div-one", "(/ @0 v1 1)", "v1");
    leaves("div-one", "(/ @0 v4 1)");
}

#[test]
fn identities_that_drop_an_operand_need_it_pure_and_total() {
    leaves("mul-zero", "(* @0 (+ @1 v1 v1) 0)");
    leaves("sub-self", "(- @0 s0 s0)");
}

#[test]
fn division_by_a_power_of_two_multiplies() {
    rewrites("div-power-of-two", "(/ @0 v2 4.0)", "(* @0 v2 0.25)");
    rewrites("div-power-of-two", "(/ @0 v1 0.5)", "(* @0 v1 2.0)");
    leaves("div-power-of-two", "(/ @0 v2 3.0)");
    leaves("div-power-of-two", "(/ @0 v4 2.0)");
    leaves("div-power-of-two", "(/ @0 v1 2)");
}

#[test]
fn comparisons_of_a_value_with_itself() {
    rewrites("lt-self", "(< @0 v2 v2)", "#f");
    rewrites("gt-self", "(> @0 v1 v1)", "#f");
    rewrites("le-self", "(<= @0 v1 v1)", "#t");
    rewrites("ge-self", "(>= @0 v1 v1)", "#t");
    rewrites("eq-self", "(= @0 v1 v1)", "#t");
    // NaN is not equal to itself.
    leaves("eq-self", "(= @0 v2 v2)");
    leaves("lt-self", "(< @0 v4 v4)");
}

#[test]
fn branches_on_known_conditions() {
    rewrites("if-true", "(if 0 v1 v2)", "(seq 0 v1)");
    rewrites("if-false", "(if #f v1 v2)", "(seq #f v2)");
    // The condition's effects stay, in order.
    rewrites("if-true", "(if (seq s0 #t) v1 v2)", "(seq (seq s0 #t) v1)");
    leaves("if-true", "(if v4 v1 v2)");
    rewrites("if-same", "(if v4 v1 v1)", "(seq v4 v1)");
    rewrites("if-not", "(if (not v4) v1 v2)", "(if v4 v2 v1)");
    rewrites("if-bool", "(if v3 #t #f)", "v3");
    leaves("if-bool", "(if v4 #t #f)");
    rewrites("if-to-not", "(if v4 #f #t)", "(not v4)");
    rewrites("not-not", "(not (not v3))", "v3");
    leaves("not-not", "(not (not v4))");
}

#[test]
fn sequences_drop_only_what_is_free() {
    rewrites("seq-drop", "(seq v4 v1)", "v1");
    rewrites("seq-drop", "(seq (< @0 v1 v2) v1)", "v1");
    leaves("seq-drop", "(seq s0 v1)");
    // An integer addition may overflow: it stays.
    leaves("seq-drop", "(seq (+ @0 v1 v1) v1)");
    // Nesting to the right lets `seq-drop` see what is free.
    let start = "(seq (seq s0 v4) v1)";
    assert_eq!(apply("seq-drop", start), start);
    assert_eq!(apply_all(&["seq-nest", "seq-drop"], start), "(seq s0 v1)");
}
