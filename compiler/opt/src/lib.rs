//! The optimizer: Core IR to Core IR, guarded by effect facts.
//!
//! [`optimized_item`] is what the code generator compiles: the item's Core
//! after the passes the optimization level asks for ([`Config`]), in order:
//!
//! 1. `inline` (-O2 and up): calls of small functions, in this module or
//!    another, are replaced by their bodies (renumbered, wrapped in
//!    `Inlined` so errors still report the callee's locations and frame);
//! 2. `specialize` (-O3): a call passing constants to a function too large
//!    to inline calls a clone of it made for them, when the clone folds;
//! 3. `beta` (-O2 and up): a local lambda applied where it is made, or
//!    bound and only called (once, or a few times if small), becomes its
//!    body under a `let`;
//! 4. `copies` (-O1 and up): a `let` of a variable to another goes;
//! 5. `egraph` (-O1 and up): equality saturation with egg over the item,
//!    with the rule tables of `egraph::rules` (arithmetic, control, `let`
//!    constants), extraction of the cheapest equivalent;
//! 6. `purity` (-O1 and up): calls of pure functions with constant
//!    arguments run at compile time (`eval`), unused expressions that
//!    cannot fail go, let-bound pure calls are reused.
//!
//! It is tracked per item ([`optimization`]), reading the facts it uses
//! about other definitions through queries of their own (effects per
//! definition, the Core of the callees it inlined or folded), so an edit
//! re-optimizes the edited item and the items whose facts about it changed.

pub mod beta;
pub mod config;
pub mod copies;
pub mod egraph;
pub mod eval;
pub mod facts;
pub mod inline;
pub mod purity;
pub mod report;
pub mod specialize;

pub use config::{Config, Stop};
pub use report::Report;

use egraph::rules::every_table;
use fluent_ir::core::{CoreItem, Expr, ItemKind};
use fluent_ir::items::module_key;
use fluent_ir::{Db, Item, ItemKey, lower_item};
use fluent_vm::bytecode::GlobalName;
use std::sync::Arc;

/// An item's optimized Core, and what the optimizer did to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Optimized {
    pub core: Option<Arc<CoreItem>>,
    pub report: Report,
}

/// The Core the code generator compiles for `item` (`None` if it did not
/// lower).
#[salsa::tracked(returns(ref))]
pub fn optimized_item<'db>(db: &'db dyn Db, item: Item<'db>) -> Option<Arc<CoreItem>> {
    optimization(db, item).core.clone()
}

/// [`optimized_item`] with its report.
#[salsa::tracked(returns(ref))]
pub fn optimization<'db>(db: &'db dyn Db, item: Item<'db>) -> Optimized {
    let Some(core) = lower_item(db, item).core.clone() else {
        return Optimized {
            core: None,
            report: Report::default(),
        };
    };
    let options = db.options();
    let (level, main) = (*options.opt_level(db), *options.main(db));
    let size_before = size(body(&core));
    let mut report = Report {
        size_before,
        size_after: size_before,
        egraph: None,
        inlined: Vec::new(),
        specialized: Vec::new(),
    };
    let Some(main) = main.filter(|_| level > 0) else {
        return Optimized {
            core: Some(core),
            report,
        };
    };
    let cfg = Config::at_level(level);
    let facts = facts::ProgramFacts { db, main, item };
    let mut item_core = (*core).clone();
    let rules = every_table();
    let mut value = std::mem::replace(body_mut(&mut item_core), Expr::unspecified(core.span));
    if level >= 2 {
        let inlined;
        (value, inlined) = inline::inline(value, &mut item_core.vars, &facts);
        report.inlined = inlined;
    }
    if level >= 3 {
        let cx = specialize::Context {
            callees: &facts,
            facts: &facts,
            rules,
            cfg: &cfg,
        };
        let specialized;
        (value, specialized) = specialize::specialize(value, &mut item_core.vars, &cx);
        report.specialized = specialized;
    }
    let value = if level >= 2 {
        beta::reduce(value, &mut item_core.vars, &item_context(db, item))
    } else {
        value
    };
    let value = copies::propagate(value);
    let (value, stats) = egraph::simplify(value, &facts, rules, &cfg);
    *body_mut(&mut item_core) = value;
    report.egraph = stats;
    let optimized = purity::optimize(&item_core, &facts);
    report.size_after = size(body(&optimized));
    // Equal Core keeps the Arc (and everything downstream) as it was.
    let core = if optimized == *core {
        core
    } else {
        Arc::new(optimized)
    };
    Optimized {
        core: Some(core),
        report,
    }
}

/// The origin of `item`'s own code, for code moved within it.
fn item_context<'db>(db: &'db dyn Db, item: Item<'db>) -> beta::Context {
    let name = match item.key(db) {
        ItemKey::Define(name) => name.clone(),
        ItemKey::Form(_) => "<top level>".into(),
    };
    beta::Context {
        function: GlobalName {
            module: module_key(db, item.file(db)).clone(),
            name,
        },
        offset: item.offset(db),
    }
}

fn body(item: &CoreItem) -> &Expr {
    match &item.kind {
        ItemKind::Define { value, .. } => value,
        ItemKind::Expr(e) => e,
    }
}

fn body_mut(item: &mut CoreItem) -> &mut Expr {
    match &mut item.kind {
        ItemKind::Define { value, .. } => value,
        ItemKind::Expr(e) => e,
    }
}

/// The number of Core expressions in `e`.
pub fn size(e: &Expr) -> usize {
    let mut n = 1;
    e.for_each_child(&mut |x| n += size(x));
    n
}
