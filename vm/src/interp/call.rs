//! Entering and leaving functions: arity checks, rest arguments, tail
//! calls, primitive calls and `apply`, and calls into native code.

use super::{Stop, Vm};
use crate::bytecode::Proto;
use crate::image::Image;
use crate::machine::{Frame, status};
use crate::primitives::{self, Fault, PrimFn, PrimId, PrimImpl};
use crate::value::Value;

/// What a call did.
pub enum Entered {
    /// Pushed a frame: the interpreter continues in the callee.
    Frame,
    /// Finished at once (a primitive, or native code): here is its value.
    Value(Value),
    /// A tail call finished in native code after popping the caller's
    /// frame: the value is already in that frame's result register.
    Returned(Value),
    /// The callee raised and the machine is unwinding (`Vm::raise`).
    Unwinding,
}

impl Vm {
    /// Calls the procedure in register `pos` with the `argc` arguments
    /// after it. A closure gets a frame whose registers start at `pos + 1`
    /// (interpreted), or runs to completion (native).
    pub(crate) fn enter(
        &mut self,
        image: &Image,
        pos: usize,
        argc: usize,
    ) -> Result<Entered, Fault> {
        let callee = self.machine.regs()[pos];
        if let Some(c) = callee.as_closure() {
            let func = c.func;
            if let Some(entry) = self.native_entry(func) {
                return Ok(self.call_native(entry, pos, argc));
            }
            self.push_interpreted(image, func, pos, argc)?;
            Ok(Entered::Frame)
        } else if let Some(p) = callee.as_prim() {
            self.call_prim_value(image, p, pos, argc)
        } else {
            Err(self.not_a_procedure(callee))
        }
    }

    pub(crate) fn not_a_procedure(&self, callee: Value) -> Fault {
        Fault::Msg(format!("not a procedure: {}", self.show(callee)))
    }

    /// Binds the arguments of interpreted function `func` (closure at
    /// `pos`) and pushes its frame.
    pub(crate) fn push_interpreted(
        &mut self,
        image: &Image,
        func: u32,
        pos: usize,
        argc: usize,
    ) -> Result<(), Fault> {
        let proto = &image.protos[func as usize];
        let base = pos + 1;
        self.ensure_regs(base + (proto.nregs as usize).max(argc + 1), func)?;
        self.bind_args(proto, base, argc)?;
        if self.machine.fuel == 0 {
            self.out_of_fuel()?;
        }
        self.machine.fuel -= 1;
        let frame = Frame {
            func,
            pc: 0,
            base: base as u32,
        };
        if self.machine.push_frame(frame).is_err() {
            return Err(self.overflow_fault(func));
        }
        self.counters.per_func[func as usize][0] += 1;
        if self.rt.heap.wants_collection() {
            self.collect_garbage();
        }
        Ok(())
    }

    /// Runs native code `entry` for the closure in register `pos`.
    pub(crate) fn call_native(&mut self, entry: *const u8, pos: usize, argc: usize) -> Entered {
        let trampoline = self
            .jit
            .as_ref()
            .expect("native code needs the JIT")
            .trampoline();
        self.machine.vm = self as *mut Vm;
        let machine: *mut crate::machine::Machine = &mut *self.machine;
        // SAFETY: `machine` is this VM's machine with `vm` set just now;
        // registers `[pos, pos + 1 + argc)` are valid (the caller wrote
        // them); native code follows the contract of `jit::helpers`.
        let st = unsafe {
            let regs = (*machine).stack.add(pos + 1);
            trampoline(machine, entry, regs, argc as u64)
        };
        if st == status::OK {
            Entered::Value(self.machine.regs()[pos])
        } else {
            Entered::Unwinding
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
        check_prim_arity(p, argc)?;
        match primitives::info(p).imp {
            PrimImpl::Fn(f) => self.call_prim_fn(p, f, pos + 1, argc),
            PrimImpl::Apply => {
                let n = self.apply_in_place(pos, argc)?;
                self.enter(image, pos, n)
            }
            PrimImpl::Vm(op) => self.vm_prim(op, pos + 1, argc),
        }
    }

    /// The function primitive `p` (`f`) on registers `at..at + argc`; with
    /// a handler in scope, one that takes the effect `p` performs runs
    /// instead.
    fn call_prim_fn(
        &mut self,
        p: PrimId,
        f: PrimFn,
        at: usize,
        argc: usize,
    ) -> Result<Entered, Fault> {
        if self.effects.any() {
            let args = self.machine.regs()[at..at + argc].to_vec();
            if let Some(r) = self.intercept(p, &args) {
                return r;
            }
        }
        f(&mut self.rt, &self.machine.regs()[at..at + argc]).map(Entered::Value)
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
            PrimImpl::Fn(f) => self.call_prim_fn(p, f, at, argc),
            PrimImpl::Apply => {
                let n = self.spread_apply(at, argc)?;
                self.enter(image, at, n)
            }
            PrimImpl::Vm(op) => self.vm_prim(op, at, argc),
        }
    }

    /// The `apply` in register `pos` called with `argc` arguments becomes
    /// a call of its procedure, moved down to `pos`, with the list spread;
    /// the new argument count.
    fn apply_in_place(&mut self, pos: usize, argc: usize) -> Result<usize, Fault> {
        let n = self.spread_apply(pos + 1, argc)?;
        self.machine
            .regs_mut()
            .copy_within(pos + 1..pos + 2 + n, pos);
        Ok(n)
    }

    /// Rewrites registers `at..at+argc` = `f a ... lst` (an `apply`) into
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
        let lst = self.machine.regs()[at + argc - 1];
        let items = primitives::args::list("apply", lst)?;
        let n = argc - 2 + items.len();
        self.machine
            .ensure(at + 2 + n)
            .map_err(|_| Fault::Msg("stack overflow (register stack exhausted)".into()))?;
        self.machine.regs_mut()[at + argc - 1..at + 1 + n].copy_from_slice(&items);
        Ok(n)
    }

    /// Checks the argument count and gathers rest arguments into a list.
    /// Registers `[base, base + max(nregs, argc + 1))` are valid.
    fn bind_args(&mut self, proto: &Proto, base: usize, argc: usize) -> Result<(), Fault> {
        let req = proto.arity.required as usize;
        if proto.arity.rest {
            if argc < req {
                return Err(arity_fault(&proto.name, &format!("at least {req}"), argc));
            }
            self.collect_rest(base, argc, req);
        } else if argc != req {
            return Err(arity_fault(&proto.name, &req.to_string(), argc));
        }
        Ok(())
    }

    /// Replaces arguments `required..argc` of the window at `base` by a
    /// list of them.
    pub(crate) fn collect_rest(&mut self, base: usize, argc: usize, required: usize) {
        let rest = self
            .rt
            .heap
            .list(&self.machine.regs()[base + required..base + argc]);
        self.machine.regs_mut()[base + required] = rest;
    }

    /// Moves the callee and arguments at `pos` down over the frame whose
    /// register 0 is `base` (callee to `base - 1`).
    pub(crate) fn slide_into_frame(&mut self, base: usize, pos: usize, argc: usize) {
        self.machine
            .regs_mut()
            .copy_within(pos..pos + 1 + argc, base - 1);
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
        if let Some(p) = self.machine.regs()[pos].as_prim() {
            match primitives::info(p).imp {
                PrimImpl::Fn(_) | PrimImpl::Vm(_) => {
                    return self.call_prim_value(image, p, pos, argc);
                }
                PrimImpl::Apply => {
                    check_prim_arity(p, argc)?;
                    argc = self.apply_in_place(pos, argc)?;
                }
            }
        }
        let Some(c) = self.machine.regs()[pos].as_closure() else {
            return self.enter(image, pos, argc);
        };
        // Slide callee and arguments down over the current frame.
        self.slide_into_frame(base, pos, argc);
        if let Some(entry) = self.native_entry(c.func) {
            self.check_entry(c.func, argc)?;
            self.machine.pop_frame();
            return Ok(match self.call_native(entry, base - 1, argc) {
                Entered::Value(v) => Entered::Returned(v),
                other => other,
            });
        }
        let saved = self.machine.pop_frame();
        match self.push_interpreted(image, c.func, base - 1, argc) {
            Ok(()) => Ok(Entered::Frame),
            Err(f) => {
                // Keep the caller's frame for the error's location.
                self.machine
                    .push_frame(saved)
                    .expect("the popped frame fits again");
                Err(f)
            }
        }
    }

    /// Before a tail call into native code drops the calling frame: the
    /// errors of entering `func` with `argc` arguments (native code checks
    /// them after the drop; they belong to the caller's frame).
    pub(crate) fn check_entry(&self, func: u32, argc: usize) -> Result<(), Fault> {
        let arity = &self.image.protos[func as usize].arity;
        let req = arity.required as usize;
        if argc < req || (!arity.rest && argc != req) {
            return Err(self.arity_fault(func, argc));
        }
        if self.machine.fuel == 0 && self.refuel.is_none() {
            return Err(Fault::Msg(super::FUEL_EXHAUSTED.into()));
        }
        Ok(())
    }

    /// Pops the running frame, delivering `v` to the caller. Returns
    /// `Some(v)` when that ends the current `run`.
    pub(crate) fn return_value(&mut self, v: Value, stop: usize) -> Option<Value> {
        let fr = self.machine.pop_frame();
        self.machine.regs_mut()[fr.base as usize - 1] = v;
        (self.machine.depth() == stop).then_some(v)
    }

    // ---- entries from native code -------------------------------------

    /// The adapter's call: runs the closure in register `at` (with `argc`
    /// arguments after it) in the interpreter, or hands it back to native
    /// code if it has been compiled since. A `status` code.
    pub(crate) fn run_from_native(&mut self, at: usize, argc: usize) -> i64 {
        let func = self.machine.regs()[at]
            .as_closure()
            .expect("the adapter runs closures")
            .func;
        if let Some(entry) = self.native_entry(func) {
            self.machine.pending_entry = entry;
            self.machine.pending_argc = argc as u64;
            return status::TAILCALL;
        }
        let stop = self.machine.depth();
        let image = self.image.clone();
        if let Err(f) = self.push_interpreted(&image, func, at, argc) {
            self.raise(f);
            return status::UNWIND;
        }
        match self.run(stop, true) {
            Ok(v) => {
                self.machine.regs_mut()[at] = v;
                status::OK
            }
            Err(Stop::Unwound) => status::UNWIND,
            Err(Stop::TailCall) => status::TAILCALL,
        }
    }

    /// Native code calling a value that is not a closure (a primitive,
    /// `apply`, or not a procedure) at register `at`: its value, or `None`
    /// when it raised.
    pub(crate) fn call_value_nested(&mut self, at: usize, argc: usize) -> Option<Value> {
        self.call_at(at, argc).ok()
    }

    /// Native code's `CallPrim`: primitive `p` on registers `at..`.
    pub(crate) fn call_prim_nested(&mut self, p: PrimId, at: usize, argc: usize) -> Option<Value> {
        let image = self.image.clone();
        let stop = self.machine.depth();
        match self.call_prim(&image, p.0, at, argc) {
            Ok(Entered::Value(v)) => Some(v),
            Ok(Entered::Frame) => self.run(stop, false).ok(),
            Ok(Entered::Returned(_)) => unreachable!("a call never pops"),
            Ok(Entered::Unwinding) => None,
            Err(f) => {
                self.raise(f);
                None
            }
        }
    }

    /// Native code's tail call of a value that is not a closure, in the
    /// frame with register 0 at `regs` and the call window at `regs +
    /// base`. Either leaves the value in the window's first register
    /// (`OK`), or sets up a tail call to a closure (`TAILCALL`, with the
    /// callee slid down to `regs - 1`), or raises (`UNWIND`).
    pub(crate) fn tail_value_from_native(&mut self, regs: usize, base: usize, argc: usize) -> i64 {
        let pos = regs + base;
        let mut argc = argc;
        if let Some(p) = self.machine.regs()[pos].as_prim()
            && let PrimImpl::Apply = primitives::info(p).imp
        {
            match check_prim_arity(p, argc).and_then(|()| self.apply_in_place(pos, argc)) {
                Ok(n) => argc = n,
                Err(f) => {
                    self.raise(f);
                    return status::UNWIND;
                }
            }
        }
        if let Some(c) = self.machine.regs()[pos].as_closure() {
            self.slide_into_frame(regs, pos, argc);
            let jit = self.jit.as_ref().expect("native code needs the JIT");
            self.machine.pending_entry = jit.entry(c.func);
            self.machine.pending_argc = argc as u64;
            return status::TAILCALL;
        }
        match self.call_at(pos, argc) {
            Ok(v) => {
                self.machine.regs_mut()[pos] = v;
                status::OK
            }
            Err(_) => status::UNWIND,
        }
    }

    pub(crate) fn arity_fault(&self, func: u32, argc: usize) -> Fault {
        let proto = &self.image.protos[func as usize];
        let req = proto.arity.required as usize;
        let expected = if proto.arity.rest {
            format!("at least {req}")
        } else {
            req.to_string()
        };
        arity_fault(&proto.name, &expected, argc)
    }

    pub(crate) fn overflow_fault(&self, func: u32) -> Fault {
        Fault::Msg(format!(
            "stack overflow in {} (more than {} frames deep)",
            self.image.protos[func as usize].name, self.config.max_depth
        ))
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
