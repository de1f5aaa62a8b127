//! The state primitives work on: the heap, the output sink, and names for
//! printing. The interpreter owns a `Runtime` beside its frame stack, so a
//! primitive can borrow it mutably while reading its arguments from the
//! register stack.

use crate::heap::Heap;
use crate::printer::{self, Mode};
use crate::value::Value;
use std::io::Write;
use std::sync::Arc;

/// Where program output goes. Buffered; flushed at exit, before errors are
/// printed, and by the REPL after each input.
pub struct Output {
    buf: Vec<u8>,
    sink: Box<dyn Write + Send>,
}

impl Output {
    pub fn new(sink: Box<dyn Write + Send>) -> Output {
        Output {
            buf: Vec::with_capacity(8192),
            sink,
        }
    }

    pub fn stdout() -> Output {
        Output::new(Box::new(std::io::stdout()))
    }

    pub fn write_str(&mut self, s: &str) {
        self.buf.extend_from_slice(s.as_bytes());
        if self.buf.len() >= 8192 {
            self.flush();
        }
    }

    /// Writes out what is buffered. Errors (a closed pipe) are ignored:
    /// the program's result does not depend on whether anyone reads it.
    pub fn flush(&mut self) {
        let _ = self.sink.write_all(&self.buf);
        let _ = self.sink.flush();
        self.buf.clear();
    }
}

impl Drop for Output {
    fn drop(&mut self) {
        self.flush();
    }
}

/// The heap and everything a primitive may touch.
pub struct Runtime {
    pub heap: Heap,
    pub out: Output,
    /// Names of compiled functions by id, for printing procedures.
    pub func_names: Vec<Arc<str>>,
}

impl Runtime {
    pub fn new(heap: Heap, out: Output) -> Runtime {
        Runtime {
            heap,
            out,
            func_names: Vec::new(),
        }
    }

    /// The `display` or `write` text of a value.
    pub fn show(&self, v: Value, mode: Mode) -> String {
        printer::to_string(v, mode, &self.func_names)
    }
}
