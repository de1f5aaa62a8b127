//! Fluent as a library: the embedding API of the seed.
//!
//! ```
//! use fluent::{JitConfig, OptLevel, VMBuilder};
//!
//! let mut vm = VMBuilder::new()
//!     .with_jit_config(JitConfig {
//!         enabled: true,
//!         threshold: 100,
//!         optimization_level: OptLevel::Speed,
//!         target_cpu: "native".into(),
//!         ..Default::default()
//!     })
//!     .build()
//!     .expect("a VM");
//! vm.eval("(define (square x) (* x x))").unwrap();
//! assert_eq!(vm.eval("(square 12)").unwrap().as_deref(), Some("144"));
//! ```
//!
//! A VM is a growing program: each `eval` compiles its text as new
//! top-level forms (definitions stay visible to later ones) and runs them,
//! tiering hot functions up to native code as `JitConfig` says.
//! `JitConfig::cache_dir` is accepted but not used yet: compiled code is
//! not persisted between runs.

pub use fluent_driver::Failure;
pub use fluent_vm::runtime::Output;
pub use fluent_vm::{JitConfig, OptLevel, VmConfig};

use fluent_driver::Session;

/// Builds a [`VM`] (the seed's `VMBuilder`).
#[derive(Default)]
pub struct VMBuilder {
    config: VmConfig,
    out: Option<Output>,
}

impl VMBuilder {
    pub fn new() -> VMBuilder {
        VMBuilder::default()
    }

    /// When and how functions are compiled to native code.
    pub fn with_jit_config(mut self, jit: JitConfig) -> VMBuilder {
        self.config.jit = jit;
        self
    }

    /// Frames deeper than this stop the program with "stack overflow".
    pub fn with_max_depth(mut self, frames: usize) -> VMBuilder {
        self.config.max_depth = frames;
        self
    }

    /// Where `display`, `write` and friends print (default: stdout).
    pub fn with_output(mut self, out: Output) -> VMBuilder {
        self.out = Some(out);
        self
    }

    /// The VM, with the prelude loaded. Fails if the JIT cannot run here
    /// (an unsupported machine or a `target_cpu` it lacks).
    pub fn build(self) -> Result<VM, Failure> {
        let out = self.out.unwrap_or_else(Output::stdout);
        Ok(VM {
            session: Session::new(self.config, out)?,
        })
    }
}

/// A running Fluent program that grows with each [`VM::eval`].
pub struct VM {
    session: Session,
}

impl VM {
    /// Compiles and runs `source`; the printed value of its last
    /// expression, if it has one worth showing.
    pub fn eval(&mut self, source: &str) -> Result<Option<String>, Failure> {
        self.session.eval(source)
    }

    /// The per-function table of `(jit-stats)`: tier, calls, loop
    /// iterations, compile time and code size.
    pub fn jit_stats(&mut self) -> String {
        self.session.vm().jit_stats_text()
    }
}
