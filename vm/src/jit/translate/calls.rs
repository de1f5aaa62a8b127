//! Calls, tail calls, returns and unwinding to `try` handlers.

use super::*;

impl Translator<'_, '_> {
    /// Tests that `callee` is a closure: returns the block for other
    /// callees, and the closure's (entry, function id), valid in the
    /// current block.
    fn closure_entry(&mut self, callee: ir::Value) -> (Block, ir::Value, ir::Value) {
        let is_clo = self.is_kind(callee, Kind::Closure);
        let closure = self.b.create_block();
        let other = self.b.create_block();
        self.b.set_cold_block(other);
        self.b.ins().brif(is_clo, closure, &[], other, &[]);
        self.b.switch_to_block(closure);
        let func = self
            .b
            .ins()
            .uload32(self.flags, callee, layout::CLOSURE_FUNC);
        let entry = self.table_entry(func);
        (other, entry, func)
    }

    /// `machine.func_table[func]`.
    fn table_entry(&mut self, func: ir::Value) -> ir::Value {
        let table = self.machine_field(offsets::FUNC_TABLE);
        let off = self.b.ins().ishl_imm_u(func, 3);
        let slot = self.b.ins().iadd(table, off);
        self.load(slot, 0)
    }

    /// The closure a global held when this function was compiled, if the
    /// callee in register `base` was read from that global: (the closure,
    /// its function).
    fn known_callee(&mut self, base: Reg) -> Option<(Value, u32)> {
        let Some(Known::Global(g)) = self.known[base as usize] else {
            return None;
        };
        let v = *self.input.globals.get(g as usize)?;
        let func = v.as_closure()?.func;
        Some((v, func))
    }

    /// Dispatches on the callee in register `base` (holding `callee`):
    /// returns the block for callees that are not closures, and the
    /// closure's (entry, function id), valid in the current block. A
    /// global that held a closure at compile time is compared with it
    /// first, which skips the closure tests (the closure is kept alive by
    /// the code, so the comparison stays meaningful).
    fn callee_entry(&mut self, base: Reg, callee: ir::Value) -> (Block, ir::Value, ir::Value) {
        let Some((clo, f)) = self.known_callee(base) else {
            return self.closure_entry(callee);
        };
        self.embedded.push(clo);
        let join = self.b.create_block();
        let entry = self.b.append_block_param(join, I64);
        let func = self.b.append_block_param(join, I64);
        let same = self.b.ins().icmp_imm_s(IntCC::Equal, callee, clo.0 as i64);
        let (fast, generic) = self.if_else_cold(same);
        self.b.switch_to_block(fast);
        let fv = self.iconst(f as i64);
        let e = self.table_entry(fv);
        self.b
            .ins()
            .jump(join, &[BlockArg::Value(e), BlockArg::Value(fv)]);
        self.b.switch_to_block(generic);
        let (other, e, fv) = self.closure_entry(callee);
        self.b
            .ins()
            .jump(join, &[BlockArg::Value(e), BlockArg::Value(fv)]);
        self.b.switch_to_block(join);
        (other, entry, func)
    }

    pub(super) fn call(&mut self, pc: usize, base: Reg, argc: u16) {
        self.save_pc(pc);
        let callee = self.get(base);
        let args = self.b.ins().iadd_imm_s(self.regs, (base as i64 + 1) * 8);
        let n = self.iconst(argc as i64);
        let done = self.b.create_block();
        let st = self.b.append_block_param(done, I64);
        let (other, entry, _) = self.callee_entry(base, callee);
        let inst = self
            .b
            .ins()
            .call_indirect(self.native_sig, entry, &[self.machine, args, n]);
        let s = self.b.inst_results(inst)[0];
        self.b.ins().jump(done, &[BlockArg::Value(s)]);
        // A primitive, `apply`, or not a procedure: the helper decides.
        self.b.switch_to_block(other);
        let at = self.b.ins().iadd_imm_s(self.regs, base as i64 * 8);
        let s = self.helper(Helper::CallValue, &[at, n]);
        self.b.ins().jump(done, &[BlockArg::Value(s)]);
        self.b.switch_to_block(done);
        self.unwind_if(st);
        // The callee left the result in `base`.
        self.reload(base);
        // No poll here: the callee polled after its own allocations, and
        // a collection it asked for waits for this function's next
        // safepoint (entry, back-edge, allocation) at the latest.
    }

    pub(super) fn tail_call(&mut self, pc: usize, base: Reg, argc: u16) {
        self.save_pc(pc);
        let callee = self.get(base);
        let n = self.iconst(argc as i64);
        let (other, entry, func) = self.callee_entry(base, callee);
        // Errors of entering the callee (arity, fuel) belong to this frame,
        // as in the interpreter: check them before dropping it.
        let table = self.machine_field(offsets::ARITY_TABLE);
        let off = self.b.ins().ishl_imm_u(func, 3);
        let slot = self.b.ins().iadd(table, off);
        let arity = self.load(slot, 0);
        let min = self.b.ins().band_imm_u(arity, u32::MAX as i64);
        let max = self.b.ins().ushr_imm_u(arity, 32);
        let too_few = self
            .b
            .ins()
            .icmp_imm_u(IntCC::UnsignedGreaterThan, min, argc as i64);
        let too_many = self
            .b
            .ins()
            .icmp_imm_u(IntCC::UnsignedLessThan, max, argc as i64);
        let bad = self.b.ins().bor(too_few, too_many);
        let (ok, fail) = self.cold_if(bad);
        self.b.switch_to_block(fail);
        self.helper(Helper::Arity, &[func, n]);
        self.b.ins().jump(self.unwind, &[]);
        self.b.switch_to_block(ok);
        if self.input.fuel {
            // The callee takes the unit at its entry.
            self.fuel_or_refuel(Some(pc));
        }
        // Slide callee and arguments down over this frame, pop it, and go.
        for i in 0..=argc {
            let v = self.get(base + i);
            self.store(v, self.regs, (i as i32 - 1) * 8);
        }
        self.pop_frame();
        self.b
            .ins()
            .return_call_indirect(self.native_sig, entry, &[self.machine, self.regs, n]);
        // A primitive, `apply`, or not a procedure: the helper decides.
        self.b.switch_to_block(other);
        let bv = self.iconst(base as i64);
        let s = self.helper(Helper::TailValue, &[self.regs, bv, n]);
        let is_tail = self.b.ins().icmp_imm_s(IntCC::Equal, s, status::TAILCALL);
        let tail = self.b.create_block();
        let not_tail = self.b.create_block();
        self.b.ins().brif(is_tail, tail, &[], not_tail, &[]);
        self.b.switch_to_block(tail);
        self.pop_frame();
        let e = self.machine_field(offsets::PENDING_ENTRY);
        let k = self.machine_field(offsets::PENDING_ARGC);
        self.b
            .ins()
            .return_call_indirect(self.native_sig, e, &[self.machine, self.regs, k]);
        self.b.switch_to_block(not_tail);
        self.unwind_if(s);
        // The helper left the value in `base`: return it.
        let v = self.load(self.regs, base as i32 * 8);
        self.store(v, self.regs, -8);
        self.pop_frame();
        self.return_status(status::OK);
    }

    pub(super) fn pop_frame(&mut self) {
        let d = self.b.use_var(self.my_depth);
        let d0 = self.b.ins().iadd_imm_s(d, -1);
        self.store(d0, self.machine, offsets::DEPTH);
    }

    /// Where every raise goes: resume at one of this function's `try`
    /// handlers if the raise was caught by this frame, else keep unwinding.
    pub(super) fn unwind_block(&mut self) {
        self.b.switch_to_block(self.unwind);
        if self.handlers.is_empty() {
            self.return_status(status::UNWIND);
            return;
        }
        let target = self.machine_field(offsets::UNWIND_DEPTH);
        let mine = self.b.use_var(self.my_depth);
        let caught = self.b.ins().icmp(IntCC::Equal, target, mine);
        let dispatch = self.b.create_block();
        let out = self.b.create_block();
        self.b.ins().brif(caught, dispatch, &[], out, &[]);
        self.b.switch_to_block(out);
        self.return_status(status::UNWIND);
        // The raise left the handler's pc in this frame and the raised value
        // in the handler's register.
        self.b.switch_to_block(dispatch);
        let frame = self.b.use_var(self.frame);
        let pc = self.b.ins().uload32(self.flags, frame, FRAME_PC);
        let handlers = self.handlers.clone();
        for (hpc, blk) in &handlers {
            let next = self.b.create_block();
            let is = self.b.ins().icmp_imm_s(IntCC::Equal, pc, *hpc as i64);
            self.b.ins().brif(is, *blk, &[], next, &[]);
            self.b.switch_to_block(next);
        }
        // Not reached: a catch of this frame always names one of its
        // handlers. Unwinding further is the safe answer if it were.
        self.return_status(status::UNWIND);
        for (hpc, blk) in handlers {
            self.b.switch_to_block(blk);
            self.reload_all();
            let target = self.block_at(hpc);
            self.b.ins().jump(target, &[]);
        }
    }
}
