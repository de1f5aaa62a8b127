//! The optimizer: Core IR to Core IR, guarded by effect facts.
//!
//! [`optimized_item`] is what the code generator compiles: the item's Core
//! after the rewrites the optimization level asks for. It is tracked per
//! item and reads the effects of the definitions it calls one by one, so
//! an edit re-optimizes the edited item and those whose facts about it
//! changed.
//!
//! - `purity`: folding of pure calls with constant arguments, dropping of
//!   unused expressions that cannot fail, reuse of let-bound pure calls;
//! - `eval`: the compile-time evaluator folding runs, under a fuel budget.

pub mod eval;
pub mod facts;
pub mod purity;

use fluent_ir::core::CoreItem;
use fluent_ir::{Db, Item, lower_item};
use std::sync::Arc;

/// The Core the code generator compiles for `item` (`None` if it did not
/// lower).
#[salsa::tracked(returns(ref))]
pub fn optimized_item<'db>(db: &'db dyn Db, item: Item<'db>) -> Option<Arc<CoreItem>> {
    let core = lower_item(db, item).core.clone()?;
    let options = db.options();
    let (level, main) = (options.opt_level(db), options.main(db));
    let Some(main) = main.filter(|_| *level > 0) else {
        return Some(core);
    };
    let facts = facts::ProgramFacts { db, main, item };
    let optimized = purity::optimize(&core, &facts);
    // Equal Core keeps the Arc (and everything downstream) as it was.
    Some(if optimized == *core {
        core
    } else {
        Arc::new(optimized)
    })
}
