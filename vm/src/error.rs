//! Run-time errors as the user sees them: a message, where it happened, and
//! the chain of calls that led there.

use crate::image::Location;
use std::fmt;

/// One entry of a backtrace: a function and where it was when the error
/// happened (the failing instruction, or the call it was waiting on).
#[derive(Clone, Debug)]
pub struct BacktraceEntry {
    pub function: String,
    pub location: Option<Location>,
}

/// An error that no `try` caught.
#[derive(Clone, Debug)]
pub struct RuntimeError {
    pub message: String,
    pub location: Option<Location>,
    /// Innermost first. Very deep stacks are elided in the middle.
    pub backtrace: Vec<BacktraceEntry>,
    /// Frames left out of `backtrace`.
    pub elided: usize,
}

/// How many innermost and outermost frames a backtrace keeps.
pub const BACKTRACE_HEAD: usize = 12;
pub const BACKTRACE_TAIL: usize = 4;

impl fmt::Display for RuntimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "error: {}", self.message)?;
        if let Some(loc) = &self.location {
            writeln!(f, "  --> {loc}")?;
        }
        if !self.backtrace.is_empty() {
            writeln!(f, "backtrace:")?;
            for (i, e) in self.backtrace.iter().enumerate() {
                let n = if i >= BACKTRACE_HEAD {
                    i + self.elided
                } else {
                    i
                };
                if i == BACKTRACE_HEAD && self.elided > 0 {
                    writeln!(f, "  ... {} frames omitted ...", self.elided)?;
                }
                match &e.location {
                    Some(l) => writeln!(f, "  {n}: {} at {l}", e.function)?,
                    None => writeln!(f, "  {n}: {}", e.function)?,
                }
            }
        }
        Ok(())
    }
}

impl std::error::Error for RuntimeError {}
