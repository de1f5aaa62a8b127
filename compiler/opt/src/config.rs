//! How much the optimizer may do: the level's passes and the e-graph's
//! limits, and what it reports of each definition
//! (`fluent emit --emit opt-report`).

use std::fmt;
use std::time::Duration;

/// The optimizer's settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// 0: nothing; 1: local arithmetic and control (e-graph rules, folding
    /// of pure calls); 2: plus inlining; 3: plus specialization.
    pub level: u8,
    /// E-graph iterations per definition.
    pub iterations: usize,
    /// E-graph nodes per definition.
    pub nodes: usize,
    /// Definitions larger than this (in Core expressions) skip the
    /// e-graph: its searches grow faster than linearly with the number of
    /// `let` bindings (20,000 took minutes).
    pub egraph_size: usize,
    /// Time per definition: a safety net only, since results that depend
    /// on the machine's speed would make builds differ; the other limits
    /// stop runs long before it on any program we have seen.
    pub time: Duration,
    /// The largest callee (in Core nodes, once optimized) inlined at a call.
    pub inline_size: usize,
    /// The largest function (in Core nodes, once optimized) cloned for the
    /// constants of a call (-O3).
    pub specialize_size: usize,
    /// The most clones one item may hold.
    pub specialize_count: usize,
}

impl Config {
    pub fn at_level(level: u8) -> Config {
        Config {
            level,
            iterations: 12,
            nodes: 10_000,
            egraph_size: 4_000,
            time: Duration::from_secs(2),
            inline_size: 40,
            specialize_size: 400,
            specialize_count: 8,
        }
    }
}

/// Why the e-graph run of a definition stopped.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Stop {
    /// No rule had anything left to do.
    #[default]
    Saturated,
    Iterations,
    Nodes,
    Time,
}

impl fmt::Display for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Stop::Saturated => "saturated",
            Stop::Iterations => "iteration limit",
            Stop::Nodes => "node limit",
            Stop::Time => "time limit",
        })
    }
}
