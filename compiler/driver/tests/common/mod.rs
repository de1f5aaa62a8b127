//! Helpers shared by the driver's tests.

use fluent_vm::runtime::Output;
use std::io::Write;
use std::sync::{Arc, Mutex};

/// An output sink the test keeps a handle on: what the program writes, it
/// can read back.
#[derive(Clone, Default)]
pub struct SharedBuf(Arc<Mutex<Vec<u8>>>);

impl SharedBuf {
    /// A VM output writing into this buffer.
    pub fn output(&self) -> Output {
        Output::new(Box::new(self.clone()))
    }

    /// What was written since the last call.
    pub fn take(&self) -> String {
        let bytes = std::mem::take(&mut *self.0.lock().expect("buffer"));
        String::from_utf8(bytes).expect("program output is UTF-8")
    }
}

impl Write for SharedBuf {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("buffer").extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
