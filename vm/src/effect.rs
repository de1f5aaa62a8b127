//! The effect kinds, declared once. The effects crate builds its lattice on
//! this table, the primitive table cites it, and the VM dispatches handlers
//! by it.

/// A kind of effect (LANGUAGE.md, Effects). The set is fixed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum EffectKind {
    Io = 0,
    State = 1,
    Error = 2,
    Time = 3,
    Random = 4,
    Network = 5,
    Async = 6,
}

impl EffectKind {
    /// Every kind, in bit order.
    pub const ALL: [EffectKind; 7] = [
        EffectKind::Io,
        EffectKind::State,
        EffectKind::Error,
        EffectKind::Time,
        EffectKind::Random,
        EffectKind::Network,
        EffectKind::Async,
    ];

    pub fn name(self) -> &'static str {
        match self {
            EffectKind::Io => "io",
            EffectKind::State => "state",
            EffectKind::Error => "error",
            EffectKind::Time => "time",
            EffectKind::Random => "random",
            EffectKind::Network => "network",
            EffectKind::Async => "async",
        }
    }

    pub fn from_name(s: &str) -> Option<EffectKind> {
        EffectKind::ALL.into_iter().find(|k| k.name() == s)
    }
}
