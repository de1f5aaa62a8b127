//! Bytecode to Cranelift IR, one function at a time (tier 1).
//!
//! Every bytecode register is a Cranelift variable, so values live in
//! machine registers, and every write also goes to the register's slot in
//! the VM frame (write-through): the collector, the interpreter (after a
//! call returns into it or a raise unwinds to it) and runtime helpers see
//! the frame exactly as the interpreter would have left it. The collector
//! never moves objects, so values held in variables stay valid across
//! calls; only the slots a callee or a helper writes are re-read.
//!
//! Each instruction becomes a few CLIF instructions with an inline fast
//! path (inline integers and floats for arithmetic and comparisons, pairs
//! for `car`/`cdr`, closures for calls) and a cold call to an
//! `extern "C"` helper for everything else. Nothing in a user program can
//! make native code trap: every check branches to an exit instead.
//!
//! Calling convention (all native functions and the interpreter adapter):
//! `fn(machine, regs, argc) -> status` with `CallConv::Tail`, where `regs`
//! is the callee's register 0, the closure is at `regs[-1]`, arguments are
//! in `regs[0..argc]`, and the result is left in `regs[-1]`. The callee
//! checks its arity, pushes its own frame, and pops it on return. Tail
//! calls pop the frame and `return_call_indirect` through the function
//! table, so they run in constant native stack.
//!
//! Passing the first arguments and the result in machine registers as
//! well (the slots staying the truth for the collector) was tried and was
//! slower (call 5.0 -> 5.3 ns in `benches/seed.rs`): each parameter then
//! lives across the prologue's cold helper calls in a callee-saved
//! register, and a store forwarded to the next load costs little here.

mod arith;
mod calls;
mod values;

use arith::{ArithKind, DivKind};

use super::helpers::Helper;
use crate::bytecode::{Const, Imm, Op, Proto, Reg};
use crate::heap::{Kind, layout};
use crate::machine::{Frame, offsets, status};
use crate::value::{DOUBLE_OFFSET, IMM_TAG, INT_TAG, Value};
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::{
    self, AbiParam, Block, BlockArg, InstBuilder, MemFlagsData, Signature, types,
};
use cranelift_codegen::isa::CallConv;
use cranelift_frontend::{FunctionBuilder, Variable};

const I64: ir::Type = types::I64;
const FRAME_SIZE: i64 = size_of::<Frame>() as i64;
const FRAME_PC: i32 = std::mem::offset_of!(Frame, pc) as i32;
const FRAME_FUNC: i32 = std::mem::offset_of!(Frame, func) as i32;
const FRAME_BASE: i32 = std::mem::offset_of!(Frame, base) as i32;
const INT_SHIFT: i64 = 13;
const INT_MASK: i64 = (1 << 51) - 1;

/// The signature of every native function: `(machine, regs, argc) -> status`.
pub fn native_signature() -> Signature {
    let mut sig = Signature::new(CallConv::Tail);
    sig.params
        .extend([AbiParam::new(I64), AbiParam::new(I64), AbiParam::new(I64)]);
    sig.returns.push(AbiParam::new(I64));
    sig
}

/// What the translator needs to know about the function and the VM.
pub struct FnInput<'a> {
    pub proto: &'a Proto,
    pub func: u32,
    /// The function's constants, as values (kept alive by the VM).
    pub consts: &'a [Value],
    /// Where this function's call counter and loop counters live.
    pub call_counter: *mut u64,
    pub loop_counters: *mut u64,
    /// The globals' current values: a call to a global that holds a
    /// closure now gets a fast path for that closure.
    pub globals: &'a [Value],
    /// Whether calls and loops consume `Machine::fuel`.
    pub fuel: bool,
    /// For an on-stack-replacement entry: the loop header to start at,
    /// in the interpreter frame that is already running the function.
    pub osr: Option<u32>,
}

/// Translates `input` into `func` (whose signature must be
/// [`native_signature`]); returns the heap values the code embeds, which
/// must outlive it. Never fails for verified bytecode; the `Err` is for
/// bytecode the translator does not understand (recorded by the VM).
pub fn translate(
    b: &mut FunctionBuilder<'_>,
    input: &FnInput<'_>,
    adapter: *const u8,
) -> Result<Vec<Value>, String> {
    let mut t = Translator::new(b, input);
    t.adapter = adapter;
    match input.osr {
        Some(pc) => t.osr_prologue(pc),
        None => t.prologue(),
    }
    t.body()?;
    t.b.seal_all_blocks();
    Ok(t.embedded)
}

struct Translator<'a, 'b> {
    b: &'a mut FunctionBuilder<'b>,
    input: &'a FnInput<'a>,
    /// Helper signatures by parameter count (index 0: one parameter).
    helper_sigs: Vec<ir::SigRef>,
    /// Function parameters.
    machine: ir::Value,
    regs: ir::Value,
    argc: ir::Value,
    /// This function's frame record, and its depth (index + 1).
    frame: Variable,
    my_depth: Variable,
    vars: Vec<Variable>,
    /// The block starting at each instruction that is a jump target or
    /// follows a branch.
    blocks: Vec<Option<Block>>,
    unwind: Block,
    /// Handler blocks of this function's `try`s, by handler pc.
    handlers: Vec<(u32, Block)>,
    native_sig: ir::SigRef,
    flags: MemFlagsData,
    /// The interpreter adapter (where calls go when native stack is low).
    adapter: *const u8,
    /// When the previous instruction computed a boolean register from a
    /// condition (a comparison, `not`): the register and the condition as
    /// an `i8`, so a branch on it tests the condition directly.
    truth: Option<(Reg, ir::Value)>,
    /// What is known about each register's value beyond its variable.
    /// Valid until the register is set again or a block boundary (a
    /// label) is crossed, so the values in it always dominate their uses.
    known: Vec<Option<Known>>,
    /// Heap values the code embeds (see [`Known::Global`]): the VM keeps
    /// them alive as long as the code.
    embedded: Vec<Value>,
}

/// A fact about a register's value (see [`Translator::known`]).
#[derive(Clone, Copy)]
enum Known {
    /// Set by an arithmetic instruction that also left the result
    /// unboxed: (is a float, as an `i8`; the `f64`).
    Float(ir::Value, ir::Value),
    /// Read from global `g`.
    Global(u32),
}

impl<'a, 'b> Translator<'a, 'b> {
    fn new(b: &'a mut FunctionBuilder<'b>, input: &'a FnInput<'a>) -> Self {
        let entry = b.create_block();
        b.append_block_params_for_function_params(entry);
        b.switch_to_block(entry);
        let params = b.block_params(entry).to_vec();
        let frame = b.declare_var(I64);
        let my_depth = b.declare_var(I64);
        let vars = (0..input.proto.nregs).map(|_| b.declare_var(I64)).collect();
        let unwind = b.create_block();
        b.set_cold_block(unwind);
        let native_sig = b.import_signature(native_signature());
        let helper_sigs = (1..=4)
            .map(|n| b.import_signature(super::helpers::signature(n)))
            .collect();
        let code = &input.proto.code;
        let mut blocks = vec![None; code.len()];
        blocks[0] = Some(b.create_block());
        let mut handlers = Vec::new();
        for (pc, op) in code.iter().enumerate() {
            let targets: &[u32] = match op {
                Op::Jump { to } | Op::Loop { to, .. } => &[*to],
                Op::JumpIfFalse { to, .. } | Op::JumpIfTrue { to, .. } => &[*to],
                Op::PushCatch { to, .. } => &[*to],
                _ => &[],
            };
            for &to in targets {
                blocks[to as usize].get_or_insert_with(|| b.create_block());
            }
            if let Op::PushCatch { to, .. } = op
                && !handlers.iter().any(|(h, _)| h == to)
            {
                let blk = b.create_block();
                b.set_cold_block(blk);
                handlers.push((*to, blk));
            }
            let ends_block = matches!(
                op,
                Op::Jump { .. }
                    | Op::JumpIfFalse { .. }
                    | Op::JumpIfTrue { .. }
                    | Op::Loop { .. }
                    | Op::Return { .. }
                    | Op::TailCall { .. }
                    | Op::NoMatch { .. }
            );
            if ends_block && pc + 1 < code.len() {
                blocks[pc + 1].get_or_insert_with(|| b.create_block());
            }
        }
        Translator {
            b,
            input,
            helper_sigs,
            machine: params[0],
            regs: params[1],
            argc: params[2],
            frame,
            my_depth,
            vars,
            blocks,
            unwind,
            handlers,
            native_sig,
            flags: MemFlagsData::trusted(),
            adapter: std::ptr::null(),
            truth: None,
            known: vec![None; input.proto.nregs as usize],
            embedded: Vec::new(),
        }
    }

    // ---- small builders --------------------------------------------------

    fn iconst(&mut self, v: i64) -> ir::Value {
        self.b.ins().iconst(I64, v)
    }

    fn konst(&mut self, v: Value) -> ir::Value {
        self.iconst(v.0 as i64)
    }

    fn load(&mut self, base: ir::Value, offset: i32) -> ir::Value {
        self.b.ins().load(I64, self.flags, base, offset)
    }

    fn store(&mut self, v: ir::Value, base: ir::Value, offset: i32) {
        self.b.ins().store(self.flags, v, base, offset);
    }

    fn machine_field(&mut self, offset: i32) -> ir::Value {
        self.load(self.machine, offset)
    }

    /// Register `r`'s current value.
    fn get(&mut self, r: Reg) -> ir::Value {
        self.b.use_var(self.vars[r as usize])
    }

    /// Sets register `r` (variable and frame slot).
    fn set(&mut self, r: Reg, v: ir::Value) {
        self.known[r as usize] = None;
        self.b.def_var(self.vars[r as usize], v);
        self.store(v, self.regs, r as i32 * 8);
    }

    /// Re-reads register `r` from its frame slot (after something outside
    /// this function wrote it).
    fn reload(&mut self, r: Reg) {
        self.known[r as usize] = None;
        let v = self.load(self.regs, r as i32 * 8);
        self.b.def_var(self.vars[r as usize], v);
    }

    fn reload_all(&mut self) {
        for r in 0..self.input.proto.nregs {
            self.reload(r);
        }
    }

    /// Records `pc + 1` as the frame's resume point, for error locations.
    fn save_pc(&mut self, pc: usize) {
        let frame = self.b.use_var(self.frame);
        let next = self.b.ins().iconst(types::I32, pc as i64 + 1);
        self.b.ins().store(self.flags, next, frame, FRAME_PC);
    }

    /// Calls runtime helper `h` with the machine and `args`; its result.
    fn helper(&mut self, h: Helper, args: &[ir::Value]) -> ir::Value {
        let sig = self.helper_sigs[args.len()];
        let callee = self.iconst(h.addr() as i64);
        let mut all = Vec::with_capacity(args.len() + 1);
        all.push(self.machine);
        all.extend_from_slice(args);
        let inst = self.b.ins().call_indirect(sig, callee, &all);
        self.b.inst_results(inst)[0]
    }

    /// Calls helper `h`, whose result 0 means "raised": then to the unwind
    /// block; else its result.
    fn helper_or_unwind(&mut self, h: Helper, args: &[ir::Value]) -> ir::Value {
        let r = self.helper(h, args);
        let failed = self.b.ins().icmp_imm_s(IntCC::Equal, r, 0);
        self.unwind_if(failed);
        r
    }

    /// Jumps to the unwind block when `failed` is nonzero.
    fn unwind_if(&mut self, failed: ir::Value) {
        let next = self.b.create_block();
        self.b.ins().brif(failed, self.unwind, &[], next, &[]);
        self.b.switch_to_block(next);
    }

    /// Continues in a fresh block if `cond` holds, else runs `slow` (which
    /// must end by jumping or returning).
    /// Goes to a cold block if `bad` holds: returns (continue, cold).
    fn cold_if(&mut self, bad: ir::Value) -> (Block, Block) {
        let ok = self.b.create_block();
        let cold = self.b.create_block();
        self.b.set_cold_block(cold);
        self.b.ins().brif(bad, cold, &[], ok, &[]);
        (ok, cold)
    }

    fn if_else_cold(&mut self, cond: ir::Value) -> (Block, Block) {
        let fast = self.b.create_block();
        let slow = self.b.create_block();
        self.b.set_cold_block(slow);
        self.b.ins().brif(cond, fast, &[], slow, &[]);
        (fast, slow)
    }

    fn return_status(&mut self, s: i64) {
        let v = self.iconst(s);
        self.b.ins().return_(&[v]);
    }

    // ---- prologue ----------------------------------------------------------

    fn prologue(&mut self) {
        let proto = self.input.proto;
        let required = proto.arity.required as i64;
        // Arity.
        let bad = if proto.arity.rest {
            self.b
                .ins()
                .icmp_imm_s(IntCC::SignedLessThan, self.argc, required)
        } else {
            self.b
                .ins()
                .icmp_imm_s(IntCC::NotEqual, self.argc, required)
        };
        let func = self.iconst(self.input.func as i64);
        let (ok, fail) = self.cold_if(bad);
        self.b.switch_to_block(fail);
        self.helper(Helper::Arity, &[func, self.argc]);
        self.return_status(status::UNWIND);
        self.b.switch_to_block(ok);
        // Depth and register stack limits.
        let depth = self.machine_field(offsets::DEPTH);
        let max = self.machine_field(offsets::MAX_DEPTH);
        let too_deep = self
            .b
            .ins()
            .icmp(IntCC::UnsignedGreaterThanOrEqual, depth, max);
        let (ok, fail) = self.cold_if(too_deep);
        self.b.switch_to_block(fail);
        self.helper(Helper::Overflow, &[func]);
        self.return_status(status::UNWIND);
        self.b.switch_to_block(ok);
        let top = self.b.ins().iadd_imm_s(self.regs, proto.nregs as i64 * 8);
        let hw = self.machine_field(offsets::HIGH_WATER);
        let grow = self.b.ins().icmp(IntCC::UnsignedGreaterThan, top, hw);
        let (ok, fail) = self.cold_if(grow);
        self.b.switch_to_block(fail);
        let r = self.helper(Helper::Grow, &[top, func]);
        let (grown, failed) = self.if_else_cold(r);
        self.b.switch_to_block(failed);
        self.return_status(status::UNWIND);
        self.b.switch_to_block(grown);
        self.b.ins().jump(ok, &[]);
        self.b.switch_to_block(ok);
        // Native stack: when it runs low, this call goes to the
        // interpreter instead (whose frames are on the heap).
        let sp = self.b.ins().get_stack_pointer(I64);
        let limit = self.machine_field(offsets::SP_LIMIT);
        let low = self.b.ins().icmp(IntCC::UnsignedLessThan, sp, limit);
        let (ok, fail) = self.cold_if(low);
        self.b.switch_to_block(fail);
        let adapter = self.iconst(self.adapter as i64);
        // Without a rest parameter `argc` is known here, and need not be
        // kept in a callee-saved register until now.
        let argc = if proto.arity.rest {
            self.argc
        } else {
            self.iconst(required)
        };
        self.b.ins().return_call_indirect(
            self.native_sig,
            adapter,
            &[self.machine, self.regs, argc],
        );
        self.b.switch_to_block(ok);
        if proto.arity.rest {
            let req = self.iconst(required);
            self.helper(Helper::Rest, &[self.regs, self.argc, req]);
        }
        // Fuel is charged before the frame exists, as in the interpreter,
        // so running out is reported at the call.
        self.consume_fuel(None);
        // Push the frame.
        let frames = self.machine_field(offsets::FRAMES);
        let off = self.b.ins().imul_imm_s(depth, FRAME_SIZE);
        let frame = self.b.ins().iadd(frames, off);
        let f32v = self.b.ins().iconst(types::I32, self.input.func as i64);
        self.b.ins().store(self.flags, f32v, frame, FRAME_FUNC);
        // No `pc` yet: every instruction that can raise or call saves its
        // own first, and nothing reads a frame's `pc` before that.
        let stack = self.machine_field(offsets::STACK);
        let bytes = self.b.ins().isub(self.regs, stack);
        let base = self.b.ins().ushr_imm_u(bytes, 3);
        let base32 = self.b.ins().ireduce(types::I32, base);
        self.b.ins().store(self.flags, base32, frame, FRAME_BASE);
        let d1 = self.b.ins().iadd_imm_s(depth, 1);
        self.store(d1, self.machine, offsets::DEPTH);
        self.b.def_var(self.frame, frame);
        self.b.def_var(self.my_depth, d1);
        // Count the call.
        let counter = self.iconst(self.input.call_counter as i64);
        let n = self.load(counter, 0);
        let n1 = self.b.ins().iadd_imm_s(n, 1);
        self.store(n1, counter, 0);
        // Collection requests come only from allocating helpers, each
        // followed by a poll; the rest list's is the one made before the
        // frame existed, so only then is there a poll on entry.
        if proto.arity.rest {
            self.gc_poll();
        }
        // Parameters come from the caller's slots; other registers start
        // as () (their slots may hold anything valid).
        let nil = self.konst(Value::NIL);
        let nparams = proto.arity.required as usize + proto.arity.rest as usize;
        for r in 0..proto.nregs {
            if (r as usize) < nparams {
                self.reload(r);
            } else {
                self.b.def_var(self.vars[r as usize], nil);
            }
        }
        let first = self.blocks[0].expect("entry block");
        self.b.ins().jump(first, &[]);
    }

    /// Entry in the middle of a running loop: the interpreter's frame (the
    /// top one) becomes this native frame; every register comes from its
    /// slot, and execution continues at the loop header `pc`.
    fn osr_prologue(&mut self, pc: u32) {
        let depth = self.machine_field(offsets::DEPTH);
        let frames = self.machine_field(offsets::FRAMES);
        let index = self.b.ins().iadd_imm_s(depth, -1);
        let off = self.b.ins().imul_imm_s(index, FRAME_SIZE);
        let frame = self.b.ins().iadd(frames, off);
        self.b.def_var(self.frame, frame);
        self.b.def_var(self.my_depth, depth);
        self.reload_all();
        let header = self.block_at(pc);
        self.b.ins().jump(header, &[]);
    }

    /// Takes one unit of fuel, raising "fuel exhausted" when there is
    /// none: at instruction `pc`, or (`None`, in the prologue) before this
    /// function's frame exists.
    fn consume_fuel(&mut self, pc: Option<usize>) {
        if !self.input.fuel {
            return;
        }
        let fuel = self.fuel_or_refuel(pc);
        let f1 = self.b.ins().iadd_imm_s(fuel, -1);
        self.store(f1, self.machine, offsets::FUEL);
    }

    /// The fuel left, after refuelling when there is none; running out
    /// for good raises (at instruction `pc`, or, `None`, in the prologue
    /// before this function's frame exists).
    fn fuel_or_refuel(&mut self, pc: Option<usize>) -> ir::Value {
        let fuel = self.machine_field(offsets::FUEL);
        let ok = self.b.create_block();
        let left = self.b.append_block_param(ok, I64);
        let empty = self.b.create_block();
        self.b.set_cold_block(empty);
        self.b
            .ins()
            .brif(fuel, ok, &[BlockArg::Value(fuel)], empty, &[]);
        self.b.switch_to_block(empty);
        // The raise reads the location from the frame's pc, and a catch in
        // this frame leaves its handler's pc there: save it before.
        if let Some(pc) = pc {
            self.save_pc(pc);
        }
        let refuelled = self.helper(Helper::Fuel, &[]);
        let again = self.b.create_block();
        let out = self.b.create_block();
        self.b.set_cold_block(out);
        self.b.ins().brif(refuelled, again, &[], out, &[]);
        self.b.switch_to_block(out);
        match pc {
            Some(_) => {
                self.b.ins().jump(self.unwind, &[]);
            }
            None => self.return_status(status::UNWIND),
        }
        self.b.switch_to_block(again);
        let fuel = self.machine_field(offsets::FUEL);
        self.b.ins().jump(ok, &[BlockArg::Value(fuel)]);
        self.b.switch_to_block(ok);
        left
    }

    /// Collects if a helper asked for it. All live values are in frame
    /// slots (write-through), so this is a safepoint.
    fn gc_poll(&mut self) {
        let pending = self.machine_field(offsets::GC_PENDING);
        let (collect, go_on) = {
            let collect = self.b.create_block();
            let go_on = self.b.create_block();
            self.b.set_cold_block(collect);
            self.b.ins().brif(pending, collect, &[], go_on, &[]);
            (collect, go_on)
        };
        self.b.switch_to_block(collect);
        self.helper(Helper::Poll, &[]);
        self.b.ins().jump(go_on, &[]);
        self.b.switch_to_block(go_on);
    }

    // ---- body --------------------------------------------------------------

    fn body(&mut self) -> Result<(), String> {
        let code = &self.input.proto.code;
        let mut reachable = false;
        for (pc, &op) in code.iter().enumerate() {
            if let Some(blk) = self.blocks[pc] {
                if reachable {
                    self.b.ins().jump(blk, &[]);
                }
                self.b.switch_to_block(blk);
                reachable = true;
                self.truth = None;
                self.known.fill(None);
            }
            if !reachable {
                continue;
            }
            reachable = self.op(pc, op)?;
        }
        self.unwind_block();
        Ok(())
    }

    /// Translates one instruction; returns whether control falls through.
    fn op(&mut self, pc: usize, op: Op) -> Result<bool, String> {
        // Only the instruction right after the one that set it may use it.
        let truth = self.truth.take();
        let truth_of = |r: Reg| truth.filter(|t| t.0 == r).map(|t| t.1);
        match op {
            Op::LoadConst { dst, k } => {
                let v = self.konst(self.input.consts[k as usize]);
                self.set(dst, v);
            }
            Op::LoadInt { dst, i } => {
                let v = self.konst(Value::int_unchecked(i as i64));
                self.set(dst, v);
            }
            Op::LoadImm { dst, imm } => {
                let v = self.konst(Imm::value(imm));
                self.set(dst, v);
            }
            Op::Move { dst, src } => {
                let v = self.get(src);
                self.set(dst, v);
            }
            Op::GetGlobal { dst, g } => {
                let globals = self.machine_field(offsets::GLOBALS);
                let v = self.load(globals, g as i32 * 8);
                self.check_defined(pc, v, g);
                self.set(dst, v);
                self.known[dst as usize] = Some(Known::Global(g));
            }
            Op::SetGlobal { src, g } => {
                let globals = self.machine_field(offsets::GLOBALS);
                let old = self.load(globals, g as i32 * 8);
                self.check_defined(pc, old, g);
                let v = self.get(src);
                self.store(v, globals, g as i32 * 8);
            }
            Op::DefGlobal { src, g } => {
                let globals = self.machine_field(offsets::GLOBALS);
                let v = self.get(src);
                self.store(v, globals, g as i32 * 8);
            }
            Op::GetUpval { dst, idx } => {
                let clo = self.load(self.regs, -8);
                let v = self.load(clo, layout::CLOSURE_CAPTURES + idx as i32 * 8);
                self.set(dst, v);
            }
            Op::MakeBox { dst, src } => {
                let v = self.get(src);
                self.save_pc(pc);
                let r = self.helper(Helper::MakeBox, &[v]);
                self.set(dst, r);
                self.gc_poll();
            }
            Op::BoxGet { dst, src } => {
                let cell = self.get(src);
                let v = self.load(cell, layout::CELL_VALUE);
                self.set(dst, v);
            }
            Op::BoxSet { cell, src } => {
                let c = self.get(cell);
                let v = self.get(src);
                self.store(v, c, layout::CELL_VALUE);
            }
            Op::MakeClosure { dst, func } => {
                self.save_pc(pc);
                let f = self.iconst(func as i64);
                let r = self.helper(Helper::MakeClosure, &[self.regs, f]);
                self.set(dst, r);
                self.gc_poll();
            }
            Op::PatchCapture { clo, idx, src } => {
                let c = self.get(clo);
                let v = self.get(src);
                self.store(v, c, layout::CLOSURE_CAPTURES + idx as i32 * 8);
            }
            Op::Add { dst, a, b } => self.arith(pc, dst, a, b, ArithKind::Add),
            Op::Sub { dst, a, b } => self.arith(pc, dst, a, b, ArithKind::Sub),
            Op::Mul { dst, a, b } => self.arith(pc, dst, a, b, ArithKind::Mul),
            Op::Quotient { dst, a, b } => self.int_div(pc, dst, a, b, DivKind::Quotient),
            Op::Remainder { dst, a, b } => self.int_div(pc, dst, a, b, DivKind::Remainder),
            Op::Modulo { dst, a, b } => self.int_div(pc, dst, a, b, DivKind::Modulo),
            Op::AddImm { dst, a, imm } => self.add_imm(pc, dst, a, imm, ArithKind::Add),
            Op::SubImm { dst, a, imm } => self.add_imm(pc, dst, a, imm, ArithKind::Sub),
            Op::Lt { dst, a, b } => {
                self.compare(pc, dst, a, b, IntCC::SignedLessThan, FloatCC::LessThan, 1)
            }
            Op::Le { dst, a, b } => self.compare(
                pc,
                dst,
                a,
                b,
                IntCC::SignedLessThanOrEqual,
                FloatCC::LessThanOrEqual,
                2,
            ),
            Op::Gt { dst, a, b } => self.compare(
                pc,
                dst,
                a,
                b,
                IntCC::SignedGreaterThan,
                FloatCC::GreaterThan,
                3,
            ),
            Op::Ge { dst, a, b } => self.compare(
                pc,
                dst,
                a,
                b,
                IntCC::SignedGreaterThanOrEqual,
                FloatCC::GreaterThanOrEqual,
                4,
            ),
            Op::NumEq { dst, a, b } => self.compare(pc, dst, a, b, IntCC::Equal, FloatCC::Equal, 0),
            Op::Not { dst, src } => {
                let c = match truth_of(src) {
                    Some(t) => self.b.ins().bxor_imm_u(t, 1),
                    None => {
                        let v = self.get(src);
                        self.b
                            .ins()
                            .icmp_imm_s(IntCC::Equal, v, Value::FALSE.0 as i64)
                    }
                };
                let r = self.bool_value(c);
                self.set(dst, r);
                self.truth = Some((dst, c));
            }
            Op::Eq { dst, a, b } => {
                let (x, y) = (self.get(a), self.get(b));
                let c = self.b.ins().icmp(IntCC::Equal, x, y);
                let r = self.bool_value(c);
                self.set(dst, r);
            }
            Op::Car { dst, src } => self.pair_field(pc, dst, src, layout::PAIR_CAR, 0),
            Op::Cdr { dst, src } => self.pair_field(pc, dst, src, layout::PAIR_CDR, 1),
            Op::Cons { dst, a, b } => {
                let (x, y) = (self.get(a), self.get(b));
                self.save_pc(pc);
                let r = self.helper(Helper::Cons, &[x, y]);
                self.set(dst, r);
                self.gc_poll();
            }
            Op::IsNull { dst, src } => {
                let v = self.get(src);
                let c = self
                    .b
                    .ins()
                    .icmp_imm_s(IntCC::Equal, v, Value::NIL.0 as i64);
                let r = self.bool_value(c);
                self.set(dst, r);
            }
            Op::IsPair { dst, src } => {
                let v = self.get(src);
                let c = self.is_kind(v, Kind::Pair);
                let r = self.bool_value(c);
                self.set(dst, r);
            }
            Op::Jump { to } => {
                let blk = self.block_at(to);
                self.b.ins().jump(blk, &[]);
                return Ok(false);
            }
            Op::JumpIfFalse { cond, to } | Op::JumpIfTrue { cond, to } => {
                let truthy = match truth_of(cond) {
                    Some(t) => t,
                    None => {
                        let v = self.get(cond);
                        self.b
                            .ins()
                            .icmp_imm_s(IntCC::NotEqual, v, Value::FALSE.0 as i64)
                    }
                };
                let target = self.block_at(to);
                let next = self.block_at(pc as u32 + 1);
                if matches!(op, Op::JumpIfTrue { .. }) {
                    self.b.ins().brif(truthy, target, &[], next, &[]);
                } else {
                    self.b.ins().brif(truthy, next, &[], target, &[]);
                }
                return Ok(false);
            }
            Op::Loop { counter, to } => {
                let addr = self.iconst(self.input.loop_counters as i64 + counter as i64 * 8);
                let n = self.load(addr, 0);
                let n1 = self.b.ins().iadd_imm_s(n, 1);
                self.store(n1, addr, 0);
                self.consume_fuel(Some(pc));
                self.gc_poll();
                let blk = self.block_at(to);
                self.b.ins().jump(blk, &[]);
                return Ok(false);
            }
            Op::Call { base, argc } => self.call(pc, base, argc),
            Op::TailCall { base, argc } => {
                self.tail_call(pc, base, argc);
                return Ok(false);
            }
            Op::CallPrim { base, argc, prim } => {
                self.save_pc(pc);
                let at = self.b.ins().iadd_imm_s(self.regs, base as i64 * 8);
                let n = self.iconst(argc as i64);
                let p = self.iconst(prim as i64);
                let r = self.helper_or_unwind(Helper::CallPrim, &[at, n, p]);
                self.set(base, r);
                self.gc_poll();
            }
            Op::Return { src } => {
                let v = self.get(src);
                self.store(v, self.regs, -8);
                self.pop_frame();
                self.return_status(status::OK);
                return Ok(false);
            }
            Op::MakeTagged { base, argc, k } => {
                self.save_pc(pc);
                let at = self.b.ins().iadd_imm_s(self.regs, base as i64 * 8);
                let n = self.iconst(argc as i64);
                let tag = self.konst(self.input.consts[k as usize]);
                let r = self.helper(Helper::MakeTagged, &[at, n, tag]);
                self.set(base, r);
                self.gc_poll();
            }
            Op::TagIs { dst, src, k } => {
                let arity = match &self.input.proto.consts[k as usize] {
                    Const::Tag { arity, .. } => *arity as i64,
                    _ => return Err(format!("TagIs constant {k} is not a tag")),
                };
                let tag = self.input.consts[k as usize]
                    .as_symbol()
                    .map(|s| s.0)
                    .unwrap_or(u32::MAX);
                let v = self.get(src);
                let flags = self.flags;
                let res = self.is_kind_and(v, Kind::Tagged, |t, v| {
                    let tag_of = t.b.ins().uload32(flags, v, layout::TAGGED_TAG);
                    let same_tag = t.b.ins().icmp_imm_s(IntCC::Equal, tag_of, tag as i64);
                    let len = t.b.ins().uload32(flags, v, layout::LEN);
                    let same_len = t.b.ins().icmp_imm_s(IntCC::Equal, len, arity);
                    Some(t.b.ins().band(same_tag, same_len))
                });
                let r = self.bool_value(res);
                self.set(dst, r);
            }
            Op::TagField { dst, src, idx } => {
                let v = self.get(src);
                let f = self.load(v, layout::TAGGED_FIELDS + idx as i32 * 8);
                self.set(dst, f);
            }
            Op::VecLenIs { dst, src, len } => {
                let v = self.get(src);
                let flags = self.flags;
                let res = self.is_kind_and(v, Kind::Vector, |t, v| {
                    let n = t.b.ins().uload32(flags, v, layout::LEN);
                    Some(t.b.ins().icmp_imm_s(IntCC::Equal, n, len as i64))
                });
                let r = self.bool_value(res);
                self.set(dst, r);
            }
            Op::VecRefK { dst, src, idx } => {
                let v = self.get(src);
                let e = self.load(v, layout::VECTOR_ITEMS + idx as i32 * 8);
                self.set(dst, e);
            }
            Op::NoMatch { src } => {
                self.save_pc(pc);
                let v = self.get(src);
                self.helper(Helper::NoMatch, &[v]);
                self.b.ins().jump(self.unwind, &[]);
                return Ok(false);
            }
            Op::PushCatch { dst, to } => {
                let d = self.iconst(dst as i64);
                let h = self.iconst(to as i64);
                self.helper(Helper::PushCatch, &[d, h]);
            }
            Op::PopCatch {} => {
                self.helper(Helper::PopCatch, &[]);
            }
        }
        Ok(true)
    }

    fn block_at(&self, pc: u32) -> Block {
        self.blocks[pc as usize].expect("a block at every jump target")
    }

    fn check_defined(&mut self, pc: usize, v: ir::Value, g: u32) {
        let undefined = self
            .b
            .ins()
            .icmp_imm_s(IntCC::Equal, v, Value::UNDEFINED.0 as i64);
        let (ok, fail) = self.cold_if(undefined);
        self.b.switch_to_block(fail);
        self.save_pc(pc);
        let gv = self.iconst(g as i64);
        self.helper(Helper::Unbound, &[gv]);
        self.b.ins().jump(self.unwind, &[]);
        self.b.switch_to_block(ok);
    }

    fn pair_field(&mut self, pc: usize, dst: Reg, src: Reg, offset: i32, which: i64) {
        let v = self.get(src);
        let ok = self.is_kind(v, Kind::Pair);
        let (fast, slow) = self.if_else_cold(ok);
        self.b.switch_to_block(slow);
        self.save_pc(pc);
        let w = self.iconst(which);
        self.helper(Helper::Fault, &[w, v]);
        self.b.ins().jump(self.unwind, &[]);
        self.b.switch_to_block(fast);
        let f = self.load(v, offset);
        self.set(dst, f);
    }
}
