//! The code generator: Core IR to bytecode, one item at a time.
//!
//! [`compile_item`] is a salsa query keyed by the item, so an edit
//! recompiles only the items whose Core changed. Its output ([`Unit`]) is
//! position independent; the linker places it.
//!
//! Code the optimizer inlined (`ExprKind::Inlined`) is compiled in place,
//! inside an inline scope of the function (see `fluent_vm::bytecode`'s
//! `inline.rs`): its instructions keep the origin's spans, the scope names
//! the origin's item (a unit-local file, [`Unit::origins`]) and the call it
//! replaces, and whether that call was a tail call of the code around it.
//! Errors inside then report what the call would have.

mod analysis;
mod builder;
mod expr;
mod pattern;

use builder::FnBuilder;
use expr::{FnGen, UnitGen};
use fluent_ir::core::{CoreItem, ItemKind};
use fluent_ir::{Db, Item};
use fluent_vm::bytecode::{Arity, Op, Unit};
use std::sync::Arc;

/// The result of compiling an item: the unit, or why there is none.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Compiled {
    Unit(Arc<Unit>),
    /// Lowering reported errors (see `lower_item`).
    LoweringFailed,
    /// A function exceeded the bytecode format's limits.
    TooLarge,
}

/// Compiles one item to bytecode (its Core as the optimizer leaves it).
#[salsa::tracked(returns(ref))]
pub fn compile_item<'db>(db: &'db dyn Db, item: Item<'db>) -> Compiled {
    match fluent_opt::optimized_item(db, item) {
        None => Compiled::LoweringFailed,
        Some(core) => match generate(core) {
            Some(unit) => Compiled::Unit(Arc::new(unit)),
            None => Compiled::TooLarge,
        },
    }
}

/// Generates the unit of a lowered item. Proto 0 runs the item: it defines
/// the global or evaluates the expression.
pub fn generate(core: &CoreItem) -> Option<Unit> {
    let body = match &core.kind {
        ItemKind::Define { value, .. } => value,
        ItemKind::Expr(e) => e,
    };
    let facts = analysis::var_facts(body);
    let mut unit = UnitGen {
        facts: &facts,
        protos: vec![],
        globals: vec![],
        global_index: Default::default(),
        origins: vec![],
        origin_index: Default::default(),
        too_large: false,
    };
    let b = FnBuilder::new(
        "<top level>".into(),
        Arity {
            required: 0,
            rest: false,
        },
        core.span,
        0,
    );
    let mut g = FnGen::new(&mut unit, b);
    let r = g.b.alloc();
    match &core.kind {
        ItemKind::Define { name, value } => {
            g.expr(value, r, false);
            let gi = g.unit.global(name);
            g.b.emit(Op::DefGlobal { src: r, g: gi });
            g.b.emit(Op::LoadImm {
                dst: r,
                imm: fluent_vm::bytecode::Imm::Unspecified as u8,
            });
            g.b.emit(Op::Return { src: r });
        }
        // Not a tail call: the top-level frame stays in backtraces, and a
        // top-level expression runs once, so there is no loop to keep flat.
        ItemKind::Expr(e) => {
            g.expr(e, r, false);
            g.b.emit(Op::Return { src: r });
        }
    }
    let b = g.b;
    let too_large = b.too_large || unit.too_large;
    let mut protos = unit.protos;
    protos.insert(0, b.finish(core.span));
    (!too_large).then_some(Unit {
        protos,
        globals: unit.globals,
        origins: unit.origins,
    })
}

#[cfg(test)]
mod tests;
