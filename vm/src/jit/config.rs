//! JIT configuration (the seed's `JitConfig`).

use std::path::PathBuf;

/// How hard Cranelift optimizes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OptLevel {
    /// No optimization: fastest compilation.
    None,
    /// Optimize for speed (the default).
    #[default]
    Speed,
    /// Optimize for speed and code size.
    SpeedAndSize,
}

impl OptLevel {
    pub(crate) fn cranelift_name(self) -> &'static str {
        match self {
            OptLevel::None => "none",
            OptLevel::Speed => "speed",
            OptLevel::SpeedAndSize => "speed_and_size",
        }
    }
}

/// When and how functions are compiled to native code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JitConfig {
    /// Whether hot functions are compiled at all.
    pub enabled: bool,
    /// Calls (or loop back-edges, scaled by [`JitConfig::LOOP_FACTOR`])
    /// before a function is compiled. 0 compiles every function before its
    /// first call ("eager").
    pub threshold: u32,
    /// Where compiled code would be cached between runs. Accepted and
    /// validated; the persistent cache itself is not implemented yet, so
    /// nothing is read or written there.
    pub cache_dir: Option<PathBuf>,
    pub optimization_level: OptLevel,
    /// `"native"` (the host's features) or an x86-64 level such as
    /// `"x86-64-v2"` / `"x86-64-v3"`; a level the host lacks is refused.
    pub target_cpu: String,
}

impl JitConfig {
    /// Loop back-edges count this much less than calls: a loop iteration
    /// is cheaper than a call, so more of them make a function hot.
    pub const LOOP_FACTOR: u64 = 100;
}

impl Default for JitConfig {
    fn default() -> Self {
        JitConfig {
            enabled: true,
            threshold: 100,
            cache_dir: None,
            optimization_level: OptLevel::Speed,
            target_cpu: "native".into(),
        }
    }
}
