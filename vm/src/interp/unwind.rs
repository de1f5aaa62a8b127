//! Raising: turning a fault into a value, unwinding to the innermost `try`,
//! or building the located error report when nothing catches it.

use super::Vm;
use crate::error::{BACKTRACE_HEAD, BACKTRACE_TAIL, BacktraceEntry, RuntimeError};
use crate::heap::ErrorObj;
use crate::primitives::Fault;
use crate::primitives::args::Cars;
use crate::printer::Mode;
use crate::value::Value;

impl Vm {
    /// The value a fault raises: raised values as they are, everything
    /// else as an error object with the message.
    fn fault_value(&mut self, fault: &Fault) -> Value {
        match fault {
            Fault::Raise(v) => *v,
            f => {
                let msg = f.message(&|v| self.rt.show_in_message(v, Mode::Write));
                let s = self.rt.heap.string(&msg);
                self.rt.heap.error_obj(s, Value::NIL)
            }
        }
    }

    /// Raises `fault` in the running frame (whose `pc` is saved). Every
    /// tier raises through here, and all the state changes happen here:
    ///
    /// - if a `try` catches it, the frames above the `try`'s frame are
    ///   dropped, that frame resumes at the handler with the raised value
    ///   in the handler's register, and `Machine::unwind_depth` names it;
    /// - otherwise the report (message, location, backtrace) is built now,
    ///   while the frames are intact, and kept in `pending` for the host's
    ///   `call`; `unwind_depth` is 0, a depth no frame has.
    ///
    /// Then every interpreter run and native frame between the raise and
    /// the catching frame returns "unwinding" (`Stop::Unwound`,
    /// `status::UNWIND`) until the frame at `unwind_depth` sees itself
    /// named and continues.
    pub(crate) fn raise(&mut self, fault: Fault) {
        let host = self.host_depth;
        if let Some(c) = self.catches.last().copied().filter(|c| c.depth > host) {
            self.catches.pop();
            let v = self.fault_value(&fault);
            self.machine.truncate_frames(c.depth);
            let fr = self.machine.top_frame_mut().expect("frame of the try");
            fr.pc = c.handler;
            let base = fr.base as usize;
            self.machine.regs_mut()[base + c.dst as usize] = v;
            self.machine.unwind_depth = c.depth as u64;
            return;
        }
        let report = self.report(fault, host);
        self.pending = Some(report);
        self.machine.unwind_depth = 0;
    }

    /// The report for an uncaught fault, from the frames above `stop`.
    /// A frame running inlined code has an entry per inlined function
    /// (see `Proto::entries_at`); long backtraces keep the innermost and
    /// outermost entries, and only the kept ones are located.
    fn report(&mut self, fault: Fault, stop: usize) -> RuntimeError {
        let message = self.error_message(&fault);
        let frames = &self.machine.frames()[stop.min(self.machine.depth())..];
        let protos = &self.image.protos;
        // Every frame but the innermost is waiting on a call.
        let innermost = frames.len().wrapping_sub(1);
        let entries = |k: usize| {
            let fr = &frames[k];
            protos[fr.func as usize].entries_at((fr.pc as usize).checked_sub(1), k != innermost)
        };
        let total: usize = (0..frames.len()).map(|k| entries(k).count()).sum();
        let kept = |i: usize| i < BACKTRACE_HEAD || i + BACKTRACE_TAIL >= total;
        let mut backtrace = Vec::new();
        let (mut i, mut elided) = (0, 0);
        for k in (0..frames.len()).rev() {
            if !kept(i) {
                // In the middle: skip the frame's entries unless the kept
                // tail starts inside them.
                let n = entries(k).count();
                if !kept(i + n.saturating_sub(1)) {
                    elided += n;
                    i += n;
                    continue;
                }
            }
            for e in entries(k) {
                if kept(i) {
                    let location = e.span.and_then(|s| self.image.locate(e.file, s));
                    backtrace.push(BacktraceEntry {
                        function: e.function.to_string(),
                        location,
                    });
                } else {
                    elided += 1;
                }
                i += 1;
            }
        }
        let location = backtrace.first().and_then(|e| e.location.clone());
        RuntimeError {
            message,
            location,
            backtrace,
            elided,
        }
    }

    /// The user-facing message of an uncaught fault.
    fn error_message(&self, fault: &Fault) -> String {
        let show = |v| self.rt.show_in_message(v, Mode::Write);
        if let Fault::Raise(v) = fault
            && let Some(e) = v.get::<ErrorObj>()
        {
            let mut msg = self.rt.show_in_message(e.message, Mode::Display);
            // `Cars` stops where a circular irritant list turns back.
            for x in Cars::new(e.irritants) {
                msg.push(' ');
                msg.push_str(&show(x));
            }
            return msg;
        }
        fault.message(&show)
    }
}
