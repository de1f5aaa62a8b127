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

/// The most bytes of a value's text an error message shows.
pub const MESSAGE_VALUE_LIMIT: usize = 1000;

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
        let mut s = String::new();
        let objects = self.heap.object_count();
        printer::print_to(v, mode, &self.func_names, objects, usize::MAX, &mut |t| {
            s.push_str(t)
        });
        s
    }

    /// The text of a value cut to about `limit` bytes (see
    /// [`printer::to_string_limited`]).
    pub fn show_limited(&self, v: Value, mode: Mode, limit: usize) -> String {
        printer::to_string_limited(v, mode, &self.func_names, limit)
    }

    /// The text of a value inside an error message: cut to
    /// [`MESSAGE_VALUE_LIMIT`] bytes, so that a huge or cyclic value
    /// cannot make a message huge.
    pub fn show_in_message(&self, v: Value, mode: Mode) -> String {
        self.show_limited(v, mode, MESSAGE_VALUE_LIMIT)
    }

    /// Prints a value to the output (`display` and `write`), in pieces.
    pub fn print(&mut self, v: Value, mode: Mode) {
        let objects = self.heap.object_count();
        let Runtime {
            out, func_names, ..
        } = self;
        printer::print_to(v, mode, func_names, objects, usize::MAX, &mut |s| {
            out.write_str(s)
        });
    }
}
