//! Equality saturation over an item's Core with egg.
//!
//! [`simplify`] puts the item's expression into an e-graph (`convert`),
//! runs the rule tables of the optimization level under the limits of a
//! [`Config`], extracts the cheapest equivalent expression (constants
//! first, then smaller code) and puts it back into Core. Items with
//! nothing a rule could match skip the e-graph (most of a large program).

pub mod analysis;
pub mod convert;
pub mod lang;
pub mod rules;

use crate::config::{Config, Stop};
use crate::purity::Facts as ProgramFacts;
use analysis::Facts;
use egg::{CostFunction, Extractor, Id, Language, Runner, StopReason};
use fluent_ir::core::Expr;
use lang::Node;

/// What one e-graph run did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunStats {
    pub stop: Stop,
    pub iterations: usize,
    pub nodes: usize,
}

/// The expression after the rules of `rules`, and what the run did
/// (`None` if no rule could apply, so the e-graph was not built).
pub fn simplify(
    e: Expr,
    facts: &dyn ProgramFacts,
    rules: &[rules::Rule],
    cfg: &Config,
) -> (Expr, Option<RunStats>) {
    if !convert::worth_running(&e) {
        return (e, None);
    }
    let span = e.span;
    let (egraph, root) = convert::to_egraph(e, facts);
    let runner = Runner::<Node, Facts>::new(Facts::default())
        .with_egraph(egraph)
        .with_iter_limit(cfg.iterations)
        .with_node_limit(cfg.nodes)
        .with_time_limit(cfg.time)
        .run(rules.iter().map(|r| &r.rewrite));
    let stats = RunStats {
        stop: match runner.stop_reason {
            Some(StopReason::Saturated) | None => Stop::Saturated,
            Some(StopReason::IterationLimit(_)) => Stop::Iterations,
            Some(StopReason::NodeLimit(_)) => Stop::Nodes,
            Some(StopReason::TimeLimit(_)) => Stop::Time,
            Some(StopReason::Other(_)) => Stop::Saturated,
        },
        iterations: runner.iterations.len(),
        nodes: runner.egraph.total_number_of_nodes(),
    };
    let root = runner.egraph.find(root);
    let (_, best) = Extractor::new(&runner.egraph, Cost).find_best(root);
    let out = convert::from_rec_expr(&best, &runner.egraph.analysis, span);
    (out, Some(stats))
}

/// Extraction's cost: constants cost least (so a constant is chosen over
/// a variable that holds it, which may be out of scope elsewhere), then
/// variables, then operators by size.
struct Cost;

impl CostFunction<Node> for Cost {
    type Cost = u64;
    fn cost<C: FnMut(Id) -> u64>(&mut self, enode: &Node, mut costs: C) -> u64 {
        let own = match enode {
            Node::Int(_) | Node::Float(_) | Node::Bool(_) => 1,
            Node::Site(_) => 0,
            Node::Var(_) => 2,
            _ => 3,
        };
        enode.fold(own, |sum, id| sum.saturating_add(costs(id)))
    }
}
