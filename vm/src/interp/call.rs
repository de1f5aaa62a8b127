//! Entering and leaving functions: arity checks, rest arguments, tail
//! calls, primitive calls and `apply`.

use super::{Frame, Vm};
use crate::bytecode::Proto;
use crate::image::Image;
use crate::primitives::{self, Fault, PrimId, PrimImpl};
use crate::value::Value;

/// What a call did.
pub enum Entered {
    /// Pushed a frame: the interpreter continues in the callee.
    Frame,
    /// Finished at once (a primitive): here is its value.
    Value(Value),
}

impl Vm {
    /// Calls the procedure in `stack[pos]` with the `argc` arguments after
    /// it. A closure gets a frame whose registers start at `pos + 1`.
    pub(crate) fn enter(
        &mut self,
        image: &Image,
        pos: usize,
        argc: usize,
    ) -> Result<Entered, Fault> {
        let callee = self.stack[pos];
        if let Some(c) = callee.as_closure() {
            let func = c.func as usize;
            let proto = &image.protos[func];
            let base = pos + 1;
            self.bind_args(proto, base, argc)?;
            if self.fuel == 0 {
                return Err(Fault::Msg(super::FUEL_EXHAUSTED.into()));
            }
            self.fuel -= 1;
            if self.frames.len() >= self.config.max_depth {
                return Err(Fault::Msg(format!(
                    "stack overflow in {} (more than {} frames deep)",
                    proto.name, self.config.max_depth
                )));
            }
            self.ensure_stack(base + proto.nregs as usize);
            self.frames.push(Frame {
                func: func as u32,
                pc: 0,
                base: base as u32,
            });
            self.counters.calls[func] += 1;
            if self.rt.heap.wants_collection() {
                self.collect_garbage();
            }
            Ok(Entered::Frame)
        } else if let Some(p) = callee.as_prim() {
            self.call_prim_value(image, p, pos, argc)
        } else {
            Err(Fault::Msg(format!(
                "not a procedure: {}",
                self.show(callee)
            )))
        }
    }

    /// A primitive called as a value: arguments at `pos + 1 ..`.
    fn call_prim_value(
        &mut self,
        image: &Image,
        p: PrimId,
        pos: usize,
        argc: usize,
    ) -> Result<Entered, Fault> {
        let info = primitives::info(p);
        match info.imp {
            PrimImpl::Fn(f) => {
                check_prim_arity(p, argc)?;
                f(&mut self.rt, &self.stack[pos + 1..pos + 1 + argc]).map(Entered::Value)
            }
            PrimImpl::Apply => {
                let n = self.spread_apply(pos + 1, argc)?;
                // The procedure now sits at `pos + 1`; move the window down.
                self.stack.copy_within(pos + 1..pos + 2 + n, pos);
                self.enter(image, pos, n)
            }
        }
    }

    /// `CallPrim`: primitive `prim` with arguments at `at ..`, result to `at`.
    pub(crate) fn call_prim(
        &mut self,
        image: &Image,
        prim: u16,
        at: usize,
        argc: usize,
    ) -> Result<Entered, Fault> {
        let p = PrimId(prim);
        match primitives::info(p).imp {
            PrimImpl::Fn(f) => f(&mut self.rt, &self.stack[at..at + argc]).map(Entered::Value),
            PrimImpl::Apply => {
                let n = self.spread_apply(at, argc)?;
                self.enter(image, at, n)
            }
        }
    }

    /// Rewrites `stack[at..at+argc]` = `f a ... lst` (an `apply`) into
    /// `f a ... x1 ... xn` and returns the new argument count of `f`.
    fn spread_apply(&mut self, at: usize, argc: usize) -> Result<usize, Fault> {
        if argc < 2 {
            if argc == 1 {
                return Ok(0);
            }
            return Err(Fault::Msg(
                "wrong number of arguments to apply: expected at least 1, got 0".into(),
            ));
        }
        let lst = self.stack[at + argc - 1];
        let items = primitives::args::list("apply", lst)?;
        let n = argc - 2 + items.len();
        self.ensure_stack(at + 1 + n);
        self.stack[at + argc - 1..at + 1 + n].copy_from_slice(&items);
        Ok(n)
    }

    /// Checks the argument count and gathers rest arguments into a list.
    fn bind_args(&mut self, proto: &Proto, base: usize, argc: usize) -> Result<(), Fault> {
        let req = proto.arity.required as usize;
        if proto.arity.rest {
            if argc < req {
                return Err(arity_fault(&proto.name, &format!("at least {req}"), argc));
            }
            let rest = self.rt.heap.list(&self.stack[base + req..base + argc]);
            self.ensure_stack(base + req + 1);
            self.stack[base + req] = rest;
        } else if argc != req {
            return Err(arity_fault(&proto.name, &req.to_string(), argc));
        }
        Ok(())
    }

    /// A call in tail position of the frame at `base`: the callee replaces
    /// the caller's frame, so tail-recursive loops run in constant space.
    pub(crate) fn tail_call(
        &mut self,
        image: &Image,
        base: usize,
        pos: usize,
        argc: usize,
    ) -> Result<Entered, Fault> {
        let mut argc = argc;
        if let Some(p) = self.stack[pos].as_prim() {
            match primitives::info(p).imp {
                PrimImpl::Fn(_) => return self.call_prim_value(image, p, pos, argc),
                PrimImpl::Apply => {
                    argc = self.spread_apply(pos + 1, argc)?;
                    self.stack.copy_within(pos + 1..pos + 2 + argc, pos);
                }
            }
        }
        if self.stack[pos].as_closure().is_none() {
            return self.enter(image, pos, argc);
        }
        // Slide callee and arguments down over the current frame.
        self.stack.copy_within(pos..pos + 1 + argc, base - 1);
        let saved = self.frames.pop().expect("frame");
        match self.enter(image, base - 1, argc) {
            Ok(e) => Ok(e),
            Err(f) => {
                // Keep the caller's frame for the error's location.
                self.frames.push(saved);
                Err(f)
            }
        }
    }

    /// Pops the running frame, delivering `v` to the caller. Returns
    /// `Some(v)` when that ends the current `run`.
    pub(crate) fn return_value(&mut self, v: Value, stop: usize) -> Option<Value> {
        let fr = self.frames.pop().expect("frame");
        self.stack[fr.base as usize - 1] = v;
        (self.frames.len() == stop).then_some(v)
    }
}

fn check_prim_arity(p: PrimId, argc: usize) -> Result<(), Fault> {
    let info = primitives::info(p);
    if info.accepts(argc) {
        return Ok(());
    }
    let expected = match info.max_args {
        Some(m) if m == info.min_args => m.to_string(),
        Some(m) => format!("{} to {m}", info.min_args),
        None => format!("at least {}", info.min_args),
    };
    Err(arity_fault(info.name, &expected, argc))
}

pub(crate) fn arity_fault(name: &str, expected: &str, got: usize) -> Fault {
    Fault::Msg(format!(
        "wrong number of arguments to {name}: expected {expected}, got {got}"
    ))
}
