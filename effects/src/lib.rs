//! The effect lattice: sets of effect kinds, joined by union, empty for
//! pure. The kinds themselves are declared once, in
//! `fluent_vm::effect::EffectKind`; primitives cite them in their table.
//!
//! `summary` reads what one item does, `infer` solves the program (with
//! the equations and solver of `solve`), `session` keeps that solution up
//! to date across edits, `paths` explains a result as a call path,
//! `declare` checks annotations and `audit` reports (text or JSON) and
//! enforces `--deny`.

pub mod audit;
pub mod declare;
pub mod infer;
pub mod paths;
pub mod session;
mod solve;
pub mod summary;

pub use infer::{DefEffects, EffectTable, ProgramEffects, effects_of, program_effects};
pub use session::EffectSession;

use fluent_vm::effect::EffectKind;
use fluent_vm::primitives::{self, PrimId};
use std::fmt;

/// A set of effect kinds. Small, `Copy`, with equality, so that salsa can
/// backdate results that did not change.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EffectSet(u8);

impl EffectSet {
    /// No effects.
    pub const PURE: EffectSet = EffectSet(0);
    /// Every kind: what an unknown callee may do.
    pub const ALL: EffectSet = EffectSet((1 << EffectKind::ALL.len()) - 1);

    pub fn of(kind: EffectKind) -> EffectSet {
        EffectSet(1 << kind as u8)
    }

    pub fn is_pure(self) -> bool {
        self.0 == 0
    }

    pub fn contains(self, kind: EffectKind) -> bool {
        self.0 & (1 << kind as u8) != 0
    }

    /// The least upper bound: union.
    pub fn join(self, other: EffectSet) -> EffectSet {
        EffectSet(self.0 | other.0)
    }

    /// The kinds in both.
    pub fn meet(self, other: EffectSet) -> EffectSet {
        EffectSet(self.0 & other.0)
    }

    /// The kinds of `self` not in `other`.
    pub fn minus(self, other: EffectSet) -> EffectSet {
        EffectSet(self.0 & !other.0)
    }

    /// Whether every effect of `self` is in `bound`.
    pub fn within(self, bound: EffectSet) -> bool {
        self.0 & !bound.0 == 0
    }

    /// The kinds in the set, in declaration order.
    pub fn kinds(self) -> impl Iterator<Item = EffectKind> {
        EffectKind::ALL
            .into_iter()
            .filter(move |k| self.contains(*k))
    }

    /// The kinds as `--deny` takes them: `io,network`.
    pub fn list(self) -> String {
        self.kinds()
            .map(EffectKind::name)
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Parses a comma-separated list of kind names (`io,network`).
    pub fn parse(s: &str) -> Result<EffectSet, String> {
        s.split(',')
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .try_fold(EffectSet::PURE, |acc, k| match EffectKind::from_name(k) {
                Some(kind) => Ok(acc.join(EffectSet::of(kind))),
                None => Err(format!("unknown effect kind `{k}`")),
            })
    }
}

impl FromIterator<EffectKind> for EffectSet {
    fn from_iter<I: IntoIterator<Item = EffectKind>>(iter: I) -> Self {
        iter.into_iter()
            .fold(EffectSet::PURE, |acc, k| acc.join(EffectSet::of(k)))
    }
}

/// Shown as `pure` or `io+state`.
impl fmt::Display for EffectSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_pure() {
            return f.write_str("pure");
        }
        let names: Vec<&str> = self.kinds().map(EffectKind::name).collect();
        f.write_str(&names.join("+"))
    }
}

impl fmt::Debug for EffectSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EffectSet({self})")
    }
}

/// The effects a primitive may perform, from its table row.
pub fn primitive_effects(p: PrimId) -> EffectSet {
    primitives::info(p).effects.iter().copied().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_is_union_and_pure_is_bottom() {
        let io = EffectSet::of(EffectKind::Io);
        let st = EffectSet::of(EffectKind::State);
        assert_eq!(EffectSet::PURE.join(io), io);
        assert_eq!(io.join(st).to_string(), "io+state");
        assert!(io.within(io.join(st)));
        assert!(!io.join(st).within(io));
        assert!(EffectSet::PURE.within(EffectSet::PURE));
        assert_eq!(EffectSet::ALL.kinds().count(), EffectKind::ALL.len());
    }

    #[test]
    fn parses_kind_lists_and_rejects_unknown_kinds() {
        let s = EffectSet::parse("io, network").unwrap();
        assert!(s.contains(EffectKind::Io) && s.contains(EffectKind::Network));
        assert!(!s.contains(EffectKind::State));
        assert!(EffectSet::parse("io,disk").unwrap_err().contains("disk"));
    }

    #[test]
    fn primitive_effects_come_from_the_table() {
        let display = primitives::lookup("display").unwrap();
        let car = primitives::lookup("car").unwrap();
        let vset = primitives::lookup("vector-set!").unwrap();
        assert_eq!(primitive_effects(display), EffectSet::of(EffectKind::Io));
        assert!(primitive_effects(car).is_pure());
        assert_eq!(primitive_effects(vset), EffectSet::of(EffectKind::State));
    }
}
