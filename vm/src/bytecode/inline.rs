//! Inline scopes: the debug information of code the optimizer inlined, so
//! that an error inside it is reported exactly as if the call had been
//! made (the origin's location, a backtrace entry for the inlined
//! function, then one for its caller at the call).
//!
//! A [`Proto`] keeps a table of [`InlineScope`]s, one per inlined body it
//! contains (nested ones name their parent), and the scope of each
//! instruction as [`ScopeRun`]s: a run holds from its `start` up to the
//! next run's, and code before the first run is the function's own. A
//! function without inlined code has both tables empty, and nothing here
//! is looked at until an error report is built: the interpreter and the
//! JIT only ever save the frame's `pc`, and [`Proto::entries_at`] turns a
//! frame's instruction into its backtrace entries.
//!
//! The spans of an instruction are in the coordinates of its scope's
//! origin (the inlined function's item, in that function's file); a
//! scope's `call` span is in its parent's coordinates (or the function's
//! own). In a unit those are item-relative and a file number is a
//! unit-local origin ([`Unit::origins`](super::Unit::origins)); the linker
//! makes spans absolute and files image file indices (see
//! `fluent_linker`'s `place`). A lambda written inside inlined code becomes
//! a function whose own `file` is that origin's: it runs in its own frame,
//! so it has no scope of its own.
//!
//! Tail calls replace the caller's frame in this VM, so a tail call's
//! caller is missing from backtraces. Inlining must not change that, in
//! two ways:
//!
//! - a scope whose call was in tail position of the code it was inlined
//!   into is marked `tail`, and that code's entry is left out (in turn, if
//!   that code is itself an inlined body whose call was in tail position,
//!   its caller's too);
//! - a real call in tail position of an inlined body (not of the whole
//!   function, or it would be a `TailCall`) is listed in
//!   [`Proto::scope_tail_calls`]: a frame *waiting* on it has left that
//!   body, so the body's entry is left out too (and its tail-called
//!   parents'). A frame that faults at such a call itself (a bad callee
//!   or argument count) keeps it: a tail call checks before it drops the
//!   caller's frame.

use super::{Op, Proto};
use fluent_syntax::Span;
use std::sync::Arc;

/// The file index of a location that is not known (an inlined function
/// whose module the linker could not find): it reports no location.
pub const NO_FILE: u32 = u32::MAX;

/// One inlined body in a function's code.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct InlineScope {
    /// The scope this body was inlined into (a smaller index), or `None`
    /// for the function's own code.
    pub parent: Option<u32>,
    /// The inlined function's name, as backtraces show it.
    pub name: Arc<str>,
    /// The file the body's spans point into.
    pub file: u32,
    /// The call the body replaces, in the parent's coordinates: the
    /// parent's location while the body runs.
    pub call: Span,
    /// The call was in tail position of the parent (its entry is left out
    /// of backtraces, as a tail call drops the caller's frame).
    pub tail: bool,
}

/// From instruction `start` on (until the next run), the instructions are
/// of `scope` (`None`: the function's own code).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ScopeRun {
    pub start: u32,
    pub scope: Option<u32>,
}

/// Where a unit's inlined code comes from: the item of the inlined
/// function, by module and offset in that module's file.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Origin {
    pub module: Arc<str>,
    pub offset: u32,
}

/// One backtrace entry of a frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameEntry<'a> {
    pub function: &'a str,
    pub file: u32,
    /// `None` before the frame's first instruction.
    pub span: Option<Span>,
}

/// The entries of a frame, innermost first (see [`Proto::entries_at`]).
pub struct Entries<'a> {
    proto: &'a Proto,
    /// The next entry's scope and span; `None` when done.
    next: Option<(Option<u32>, Option<Span>)>,
}

impl Proto {
    /// The scope of instruction `at` (`None`: the function's own code).
    pub fn scope_at(&self, at: usize) -> Option<u32> {
        let i = self.scope_runs.partition_point(|r| r.start as usize <= at);
        i.checked_sub(1).and_then(|i| self.scope_runs[i].scope)
    }

    /// The backtrace entries of a frame of this function whose current
    /// instruction is `at` (`None`: it has not started), innermost first:
    /// one per inlined body the instruction is in, then the function's
    /// own, except those a tail call would have dropped. `waiting`: the
    /// frame is waiting on a call it made at `at` (it is not the frame
    /// that faulted). Empty only when every entry was dropped, which
    /// code from the code generator never has (the call would have been
    /// a real tail call).
    pub fn entries_at(&self, at: Option<usize>, waiting: bool) -> Entries<'_> {
        let span = at.and_then(|i| self.spans.get(i).copied());
        let scope = at.and_then(|i| self.scope_at(i));
        let left = waiting
            && at.is_some_and(|i| {
                u32::try_from(i).is_ok_and(|i| self.scope_tail_calls.binary_search(&i).is_ok())
            });
        let mut e = Entries {
            proto: self,
            next: Some((scope, span)),
        };
        if let (true, Some(s)) = (left, scope) {
            e.next = e.after(s);
        }
        e
    }
}

impl<'a> Entries<'a> {
    /// What follows scope `index`'s entry: its parent's, at the call,
    /// unless the call was a tail call; then the parent's parent, at the
    /// parent's call, and so on. Parents have smaller indices (the
    /// verifier checks), and the walk only follows those, so it ends even
    /// on unverified input.
    fn after(&self, index: u32) -> Option<(Option<u32>, Option<Span>)> {
        let scopes = &self.proto.scopes;
        let (mut up, mut at) = (scopes.get(index as usize)?, index);
        loop {
            if !up.tail {
                return Some((up.parent, Some(up.call)));
            }
            let q = up.parent.filter(|&q| q < at)?;
            (up, at) = (scopes.get(q as usize)?, q);
        }
    }
}

impl<'a> Iterator for Entries<'a> {
    type Item = FrameEntry<'a>;

    fn next(&mut self) -> Option<FrameEntry<'a>> {
        let (scope, span) = self.next.take()?;
        let p = self.proto;
        let Some((index, s)) = scope.and_then(|i| Some((i, p.scopes.get(i as usize)?))) else {
            return Some(FrameEntry {
                function: &p.name,
                file: p.file,
                span,
            });
        };
        self.next = self.after(index);
        Some(FrameEntry {
            function: &s.name,
            file: s.file,
            span,
        })
    }
}

/// Checks a function's scope tables: parents before children, runs in
/// order within the code, scopes that exist, and tail calls that are
/// calls inside a scope, in order.
pub(super) fn check(p: &Proto) -> Result<(), String> {
    for (i, s) in p.scopes.iter().enumerate() {
        if s.parent.is_some_and(|q| q as usize >= i) {
            return Err(format!(
                "inline scope {i} has a parent that is not before it"
            ));
        }
    }
    let mut prev: Option<u32> = None;
    for r in &p.scope_runs {
        if prev.is_some_and(|s| r.start <= s) || r.start as usize >= p.code.len() {
            return Err(format!("inline scope run at {} out of order", r.start));
        }
        if r.scope.is_some_and(|s| s as usize >= p.scopes.len()) {
            return Err(format!("inline scope run at {} names no scope", r.start));
        }
        prev = Some(r.start);
    }
    let mut prev: Option<u32> = None;
    for &pc in &p.scope_tail_calls {
        let call = matches!(
            p.code.get(pc as usize),
            Some(Op::Call { .. } | Op::CallPrim { .. })
        );
        if prev.is_some_and(|x| pc <= x) || !call || p.scope_at(pc as usize).is_none() {
            return Err(format!("{pc} is not a call in an inline scope, in order"));
        }
        prev = Some(pc);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bytecode::Arity;

    fn scope(parent: Option<u32>, name: &str, file: u32, call: u32, tail: bool) -> InlineScope {
        InlineScope {
            parent,
            name: name.into(),
            file,
            call: Span::new(call, call + 1),
            tail,
        }
    }

    /// `f` (file 0) with `g` (file 1) inlined at 10, and `h` (file 2)
    /// inlined into `g` at 20; instructions 0, 1 are f's, 2 g's, 3, 4 h's.
    fn proto(g_tail: bool, h_tail: bool) -> Proto {
        Proto {
            name: "f".into(),
            arity: Arity {
                required: 0,
                rest: false,
            },
            nregs: 1,
            code: vec![Op::Return { src: 0 }; 5],
            consts: vec![],
            captures: vec![],
            spans: (0..5).map(|i| Span::new(100 + i, 101 + i)).collect(),
            loops: 0,
            file: 0,
            span: Span::new(0, 1),
            scopes: vec![
                scope(None, "g", 1, 10, g_tail),
                scope(Some(0), "h", 2, 20, h_tail),
            ],
            scope_runs: [(2, Some(0)), (3, Some(1))]
                .map(|(start, scope)| ScopeRun { start, scope })
                .to_vec(),
            scope_tail_calls: vec![],
        }
    }

    fn entries(p: &Proto, at: Option<usize>) -> Vec<(String, u32, Option<u32>)> {
        p.entries_at(at, false)
            .map(|e| (e.function.to_string(), e.file, e.span.map(|s| s.start)))
            .collect()
    }

    fn e(f: &str, file: u32, at: u32) -> (String, u32, Option<u32>) {
        (f.to_string(), file, Some(at))
    }

    #[test]
    fn scopes_of_instructions() {
        let p = proto(false, false);
        let got: Vec<_> = (0..6).map(|i| p.scope_at(i)).collect();
        assert_eq!(got, [None, None, Some(0), Some(1), Some(1), Some(1)]);
    }

    #[test]
    fn each_inlined_body_is_an_entry_at_its_callers_call() {
        let p = proto(false, false);
        assert_eq!(entries(&p, Some(1)), [e("f", 0, 101)]);
        assert_eq!(entries(&p, Some(2)), [e("g", 1, 102), e("f", 0, 10)]);
        assert_eq!(
            entries(&p, Some(4)),
            [e("h", 2, 104), e("g", 1, 20), e("f", 0, 10)]
        );
        assert_eq!(entries(&p, None), [("f".to_string(), 0, None)]);
    }

    #[test]
    fn tail_calls_drop_the_callers_entry() {
        // h tail-called by g: g is gone, f is at g's call.
        let p = proto(false, true);
        assert_eq!(entries(&p, Some(3)), [e("h", 2, 103), e("f", 0, 10)]);
        // g tail-called by f too: f is gone as well.
        let p = proto(true, true);
        assert_eq!(entries(&p, Some(3)), [e("h", 2, 103)]);
        // Only g's call was a tail call: g stays, f goes.
        let p = proto(true, false);
        assert_eq!(entries(&p, Some(3)), [e("h", 2, 103), e("g", 1, 20)]);
    }

    #[test]
    fn a_frame_waiting_on_a_tail_call_of_a_body_has_left_it() {
        // Instruction 4 is a call in tail position of h's body.
        let mut p = proto(false, false);
        p.code[4] = Op::Call { base: 0, argc: 0 };
        p.scope_tail_calls = vec![4];
        assert_eq!(check(&p), Ok(()));
        let waiting = |p: &Proto| -> Vec<_> {
            p.entries_at(Some(4), true)
                .map(|e| (e.function.to_string(), e.span.map(|s| s.start)))
                .collect()
        };
        let s = |f: &str, at: u32| (f.to_string(), Some(at));
        assert_eq!(waiting(&p), [s("g", 20), s("f", 10)]);
        // Faulting there itself, or waiting at another call, keeps h.
        assert_eq!(entries(&p, Some(4)).len(), 3);
        assert_eq!(p.entries_at(Some(3), true).count(), 3);
        // h's call was a tail call of g: g is gone too.
        p.scopes[1].tail = true;
        assert_eq!(waiting(&p), [s("f", 10)]);
        // So is f if g's was: nothing is left (a frame the code generator
        // would have replaced).
        p.scopes[0].tail = true;
        assert_eq!(waiting(&p), []);
    }

    #[test]
    fn bad_tables_are_refused_and_never_loop() {
        let mut p = proto(false, false);
        assert_eq!(check(&p), Ok(()));
        p.scopes[0].parent = Some(1);
        assert!(check(&p).is_err());
        // Unverified, the walk still ends.
        p.scopes[1].tail = true;
        p.scopes[0].tail = true;
        assert_eq!(entries(&p, Some(3)).len(), 1);
        let mut p = proto(false, false);
        p.scope_runs[1].start = 2;
        assert!(check(&p).is_err());
        let mut p = proto(false, false);
        p.scope_runs[1].scope = Some(2);
        assert!(check(&p).is_err());
        let mut p = proto(false, false);
        p.scope_runs[1].start = 5;
        assert!(check(&p).is_err());
        // A tail call must be a call, in a scope, listed in order.
        let mut p = proto(false, false);
        p.scope_tail_calls = vec![4];
        assert!(check(&p).is_err());
        p.code[0] = Op::Call { base: 0, argc: 0 };
        p.scope_tail_calls = vec![0];
        assert!(check(&p).is_err());
        p.code[3] = Op::Call { base: 0, argc: 0 };
        p.code[4] = Op::Call { base: 0, argc: 0 };
        p.scope_tail_calls = vec![4, 3];
        assert!(check(&p).is_err());
        p.scope_tail_calls = vec![3, 4];
        assert_eq!(check(&p), Ok(()));
    }
}
