//! The bytecode interpreter.
//!
//! Frames live on the [`Machine`]'s frame stack (no Rust recursion per
//! Fluent call), so deep recursion is bounded only by
//! [`VmConfig::max_depth`]. Registers of all frames share one register
//! stack that never moves; a frame is a window into it (see the opcode
//! table's calling convention). Native code (the JIT) uses the same frames
//! and registers, so the two tiers call each other freely and the
//! collector and error reports see one stack. The dispatch loop keeps each
//! arm short: calls, returns, raising, tiering and collection are out of
//! line in `call.rs`, `unwind.rs` and `tier.rs`.

mod call;
mod effects;
mod tier;
mod unwind;

use crate::arith::{self, ArithOp, CmpOp, DivOp};
use crate::bytecode::{Const, Imm, Op};
use crate::error::RuntimeError;
use crate::heap::{BoxCell, GcConfig, Heap, Tagged};
use crate::image::Image;
use crate::jit::{Jit, JitConfig};
use crate::machine::Machine;
use crate::primitives::Fault;
use crate::runtime::{Output, Runtime};
use crate::symbol::Symbol;
use crate::value::Value;
use std::sync::Arc;

pub use call::Entered;

/// The error when [`VmConfig::fuel`] runs out.
pub const FUEL_EXHAUSTED: &str = "fuel exhausted";

/// Interpreter limits and collector settings.
#[derive(Clone, Debug)]
pub struct VmConfig {
    /// Frames deeper than this stop the program with "stack overflow".
    pub max_depth: usize,
    pub gc: GcConfig,
    /// If set, the number of calls and loop iterations the program may
    /// make before it stops with "fuel exhausted" (a time budget for
    /// running untrusted or generated programs, such as the fuzz tests).
    pub fuel: Option<u64>,
    /// When functions are compiled to native code.
    pub jit: JitConfig,
    /// The optimization level programs run by this VM are compiled at
    /// (read by the compiler driver; 0 compiles Core as written).
    pub opt_level: u8,
    /// Record every effect performed (`Vm::effect_trace`), handled or
    /// not: `io:display "hi"`, `random:int 0 10`.
    pub trace_effects: bool,
}

/// The optimization level when none is asked for (`-O2`).
pub const DEFAULT_OPT_LEVEL: u8 = 2;

impl Default for VmConfig {
    fn default() -> Self {
        VmConfig {
            max_depth: 10_000_000,
            gc: GcConfig::default(),
            fuel: None,
            jit: JitConfig::default(),
            opt_level: DEFAULT_OPT_LEVEL,
            trace_effects: false,
        }
    }
}

/// Registers reserved per frame of [`VmConfig::max_depth`] (address space
/// only: pages are committed as they are used).
const REGS_PER_FRAME: usize = 32;
/// Bounds on the register stack's reservation, in values.
const MIN_REGS: usize = 1 << 16;
const MAX_REGS: usize = 1 << 28;

/// An active `try`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Catch {
    /// The number of frames when the `try` began.
    pub depth: usize,
    pub dst: u16,
    pub handler: u32,
}

/// Execution counters: what the JIT reads to decide what is hot. Each
/// function's counts are one boxed slice, `[calls, loop 0, loop 1, ...]`,
/// that never moves: native code increments them in place.
#[derive(Clone, Debug, Default)]
pub struct Counters {
    per_func: Vec<Box<[u64]>>,
}

impl Counters {
    /// Calls of function `f` so far.
    pub fn calls(&self, f: usize) -> u64 {
        self.per_func[f][0]
    }

    /// Back-edges taken in each loop of function `f`.
    pub fn loops(&self, f: usize) -> &[u64] {
        &self.per_func[f][1..]
    }

    fn add_function(&mut self, loops: usize) {
        self.per_func.push(vec![0; loops + 1].into_boxed_slice());
    }

    /// Where function `f`'s counts live (for native code).
    pub(crate) fn slot(&mut self, f: usize) -> *mut u64 {
        self.per_func[f].as_mut_ptr()
    }
}

/// A loaded program and its running state.
pub struct Vm {
    pub rt: Runtime,
    pub(crate) image: Arc<Image>,
    /// Constants of each function, as values.
    pub(crate) consts: Arc<Vec<Box<[Value]>>>,
    pub(crate) globals: Vec<Value>,
    /// Registers, frames and the fields native code shares.
    pub(crate) machine: Box<Machine>,
    pub(crate) catches: Vec<Catch>,
    pub counters: Counters,
    pub(crate) config: VmConfig,
    /// The report of an uncaught raise, while the stack unwinds to the
    /// host's call.
    pub(crate) pending: Option<RuntimeError>,
    /// Frames below this belong to an outer host call (none: `call` is
    /// not re-entered while running).
    pub(crate) host_depth: usize,
    pub(crate) jit: Option<Jit>,
    /// When functions are compiled (`with-jit-threshold` changes it for
    /// an extent); never when the JIT is off.
    pub(crate) threshold: Threshold,
    /// `Machine::arity_table`'s contents.
    arities: Vec<u64>,
    /// Called when fuel runs out, instead of stopping with "fuel
    /// exhausted": returns the next allowance (see [`Vm::set_refuel`]).
    refuel: Option<Refuel>,
    /// Effect handlers in scope, and the built-in handlers' state.
    pub(crate) effects: effects::Effects,
    /// The thread `Machine::sp_limit` was computed for.
    sp_limit_thread: Option<std::thread::ThreadId>,
}

/// A hook run every time the fuel allowance is used up.
pub type Refuel = Box<dyn FnMut(&mut Vm) -> u64>;

impl Vm {
    /// Loads `image`; nothing runs until [`Vm::run_init`].
    pub fn new(image: Arc<Image>, config: VmConfig, out: Output) -> Result<Vm, String> {
        crate::bytecode::verify(&image.protos, 0, image.globals.len())?;
        let mut rt = Runtime::new(Heap::new(config.gc.clone()), out);
        rt.func_names = image.protos.iter().map(|p| p.name.clone()).collect();
        let consts = image
            .protos
            .iter()
            .map(|p| {
                p.consts
                    .iter()
                    .map(|c| materialize(&mut rt.heap, c))
                    .collect()
            })
            .collect();
        let mut counters = Counters::default();
        for p in &image.protos {
            counters.add_function(p.loops as usize);
        }
        let regs = config
            .max_depth
            .saturating_mul(REGS_PER_FRAME)
            .clamp(MIN_REGS, MAX_REGS);
        let mut machine = Machine::new(regs, config.max_depth.saturating_add(1));
        machine.fuel = config.fuel.unwrap_or(u64::MAX);
        let jit = if config.jit.enabled {
            let jit = Jit::new(config.jit.clone(), image.protos.len()).map_err(|e| {
                format!("the JIT cannot start on this machine: {e} (run with --jit off)")
            })?;
            Some(jit)
        } else {
            None
        };
        let threshold = if jit.is_some() {
            Threshold::new(config.jit.threshold as u64)
        } else {
            Threshold::new(u64::MAX)
        };
        let config_traces = config.trace_effects;
        let mut vm = Vm {
            rt,
            globals: vec![Value::UNDEFINED; image.globals.len()],
            consts: Arc::new(consts),
            image,
            machine,
            catches: Vec::new(),
            counters,
            config,
            pending: None,
            host_depth: 0,
            jit,
            threshold,
            arities: Vec::new(),
            refuel: None,
            effects: if config_traces {
                effects::Effects::traced()
            } else {
                effects::Effects::new()
            },
            sp_limit_thread: None,
        };
        vm.sync_machine();
        Ok(vm)
    }

    /// Points the machine at the globals and the function table (after
    /// either may have moved).
    pub(crate) fn sync_machine(&mut self) {
        self.machine.globals = self.globals.as_mut_ptr();
        if self.arities.len() != self.image.protos.len() {
            self.arities = self
                .image
                .protos
                .iter()
                .map(|p| {
                    let min = p.arity.required as u64;
                    let max = if p.arity.rest { u32::MAX as u64 } else { min };
                    min | (max << 32)
                })
                .collect();
            self.machine.arity_table = self.arities.as_ptr();
        }
        if let Some(jit) = &self.jit {
            self.machine.func_table = jit.table();
        }
    }

    /// Adds functions, globals and files linked after the image was
    /// loaded (a REPL input), then runs `init`. Function and global numbers
    /// continue the image's.
    pub fn load_more(
        &mut self,
        protos: Vec<crate::bytecode::Proto>,
        globals: &[crate::bytecode::GlobalName],
        files: Vec<crate::image::SourceFile>,
        init: &[u32],
    ) -> Result<Option<Value>, RuntimeError> {
        let nprotos = self.image.protos.len();
        let all: Vec<_> = self.image.protos.iter().chain(&protos).cloned().collect();
        crate::bytecode::verify(&all, nprotos, globals.len()).map_err(|e| RuntimeError {
            message: e,
            location: None,
            backtrace: vec![],
            elided: 0,
        })?;
        let image = Arc::make_mut(&mut self.image);
        let mut consts = (*self.consts).clone();
        for p in &protos {
            consts.push(
                p.consts
                    .iter()
                    .map(|c| materialize(&mut self.rt.heap, c))
                    .collect(),
            );
            self.rt.func_names.push(p.name.clone());
            self.counters.add_function(p.loops as usize);
        }
        self.consts = Arc::new(consts);
        image.protos.extend(protos);
        image.files.extend(files);
        image
            .globals
            .extend_from_slice(&globals[image.globals.len().min(globals.len())..]);
        self.globals.resize(image.globals.len(), Value::UNDEFINED);
        image.init.extend_from_slice(init);
        let nfuncs = image.protos.len();
        if let Some(jit) = &mut self.jit {
            jit.extend(nfuncs);
        }
        self.sync_machine();
        let mut last = None;
        for &f in init {
            let clo = self.rt.heap.closure(f, &[]);
            last = Some(self.call(clo, &[])?);
        }
        Ok(last)
    }

    /// Makes running out of fuel call `hook` instead of stopping the
    /// program: every call and loop iteration costs one unit, so with
    /// `VmConfig::fuel` set the hook runs at regular points of any running
    /// program, interpreted or native (a safe point: the hook may link
    /// more code with [`Vm::load_more`]). The hook returns the next
    /// allowance.
    pub fn set_refuel(&mut self, hook: Refuel) {
        self.refuel = Some(hook);
    }

    /// Fuel ran out: refuel through the hook, or the error.
    pub(crate) fn out_of_fuel(&mut self) -> Result<(), Fault> {
        let Some(mut hook) = self.refuel.take() else {
            return Err(Fault::Msg(FUEL_EXHAUSTED.into()));
        };
        // Whatever the hook runs is not metered.
        self.machine.fuel = u64::MAX;
        let next = hook(self);
        self.refuel = Some(hook);
        self.machine.fuel = next.max(1);
        Ok(())
    }

    pub fn image(&self) -> &Arc<Image> {
        &self.image
    }

    /// Runs the program's top-level items in order.
    pub fn run_init(&mut self) -> Result<(), RuntimeError> {
        let init = self.image.init.clone();
        for f in init {
            let clo = self.rt.heap.closure(f, &[]);
            self.call(clo, &[])?;
        }
        Ok(())
    }

    /// The value of global slot `g`, if defined.
    pub fn global(&self, g: usize) -> Option<Value> {
        self.globals
            .get(g)
            .copied()
            .filter(|&v| v != Value::UNDEFINED)
    }

    /// The value of the global `module.name`, if defined.
    pub fn global_named(&self, module: &str, name: &str) -> Option<Value> {
        let g = self
            .image
            .globals
            .iter()
            .position(|n| &*n.module == module && &*n.name == name)?;
        self.global(g)
    }

    /// Calls `f` with `args` and runs it to completion.
    pub fn call(&mut self, f: Value, args: &[Value]) -> Result<Value, RuntimeError> {
        let stop = self.machine.depth();
        let outer = std::mem::replace(&mut self.host_depth, stop);
        // Native code stops growing the thread's stack here, and nested
        // runs (handlers, `time`, primitives calling back) refuse to. The
        // limit is the thread's: asked for once per thread (glibc reads
        // /proc for the main thread's), not once per call.
        let thread = std::thread::current().id();
        if self.sp_limit_thread != Some(thread) {
            self.machine.sp_limit = crate::jit::native_stack_limit();
            self.sp_limit_thread = Some(thread);
        }
        let pos = self.top();
        let result = if self.machine.ensure(pos + 1 + args.len()).is_err() {
            self.raise(Fault::Msg(
                "stack overflow (register stack exhausted)".into(),
            ));
            Err(Stop::Unwound)
        } else {
            let regs = self.machine.regs_mut();
            regs[pos] = f;
            regs[pos + 1..pos + 1 + args.len()].copy_from_slice(args);
            self.call_at(pos, args.len())
        };
        self.host_depth = outer;
        result.map_err(|_| {
            self.machine.truncate_frames(stop);
            self.catches.retain(|c| c.depth <= stop);
            self.pending.take().unwrap_or_else(|| RuntimeError {
                message: "internal error: a raise without a report".into(),
                location: None,
                backtrace: vec![],
                elided: 0,
            })
        })
    }

    /// Calls the procedure in register `pos` with the `argc` arguments
    /// after it and runs it to completion (interpreted or native).
    pub(crate) fn call_at(&mut self, pos: usize, argc: usize) -> Result<Value, Stop> {
        // A run nested in this one lives on the host stack (its frames
        // do not): past the limit, an error rather than a crash.
        if self.native_stack_low() {
            self.raise(Fault::Msg(
                "stack overflow (handlers or calls through primitives nested too deeply)".into(),
            ));
            return Err(Stop::Unwound);
        }
        let stop = self.machine.depth();
        let image = self.image.clone();
        match self.enter(&image, pos, argc) {
            Ok(Entered::Value(v)) => Ok(v),
            Ok(Entered::Frame) => self.run(stop, false),
            Ok(Entered::Unwinding) => Err(Stop::Unwound),
            Ok(Entered::Returned(_)) => unreachable!("`enter` never pops a frame"),
            Err(fault) => {
                self.raise(fault);
                Err(Stop::Unwound)
            }
        }
    }

    /// One past the highest register in use.
    pub(crate) fn top(&self) -> usize {
        match self.machine.top_frame() {
            Some(f) => f.base as usize + self.image.protos[f.func as usize].nregs as usize,
            None => 0,
        }
    }

    /// Makes registers `[0, len)` usable; a stack overflow in `func` if
    /// the register stack is exhausted.
    pub(crate) fn ensure_regs(&mut self, len: usize, func: u32) -> Result<(), Fault> {
        self.machine
            .ensure(len)
            .map_err(|_| self.overflow_fault(func))
    }

    /// The write-style text of a value (for messages: cut short, see
    /// [`Runtime::show_in_message`]).
    pub fn show(&self, v: Value) -> String {
        self.rt.show_in_message(v, crate::printer::Mode::Write)
    }

    /// Runs frames until the frame count drops back to `stop`. With
    /// `from_native`, the run was entered from native code (the
    /// adapter): a tail call from its entry frame to native code ends the
    /// run with [`Stop::TailCall`], so the adapter makes it and native
    /// stack does not grow with mutual tail calls across tiers.
    pub(crate) fn run(&mut self, stop: usize, from_native: bool) -> Result<Value, Stop> {
        let mut image = self.image.clone();
        let mut consts = self.consts.clone();
        'frame: loop {
            // Code linked while this run was going on (by a refuel hook,
            // in a call that returned here) is in the VM's newer image.
            if !Arc::ptr_eq(&image, &self.image) {
                image = self.image.clone();
                consts = self.consts.clone();
            }
            let fr = *self.machine.top_frame().expect("a running frame");
            let func = fr.func as usize;
            let proto = &image.protos[func];
            let code = &proto.code[..];
            let k = &consts[func][..];
            let base = fr.base as usize;
            let mut pc = fr.pc as usize;
            // SAFETY (for every use of `regs`, `code`, `k` and `globals`
            // below): the image passed `bytecode::verify` at load, so every
            // register operand is below `proto.nregs`, every jump target and
            // constant index is in range, and code ends in a terminator;
            // `enter` made registers `[0, base + nregs)` valid when it pushed
            // this frame, and the register stack never moves.
            let regs: *mut Value = unsafe { self.machine.stack.add(base) };

            // Where control goes once a raise has updated the machine: the
            // catching frame is in this run (continue there), or the run
            // ends.
            macro_rules! unwinding {
                () => {{
                    if self.machine.unwind_depth as usize > stop {
                        continue 'frame;
                    }
                    return Err(Stop::Unwound);
                }};
            }
            // Raises `$fault` at the current instruction.
            macro_rules! throw {
                ($fault:expr) => {{
                    let fault = $fault;
                    self.save_pc(pc);
                    self.raise(fault);
                    unwinding!()
                }};
            }
            macro_rules! r {
                ($x:expr) => {
                    *unsafe { &mut *regs.add($x as usize) }
                };
            }
            macro_rules! try_fault {
                ($e:expr) => {
                    match $e {
                        Ok(v) => v,
                        Err(f) => throw!(f),
                    }
                };
            }
            // R[dst] := R[a] op R[b] for an integer division `op`.
            macro_rules! int_div {
                ($op:ident, $dst:expr, $a:expr, $b:expr) => {{
                    let (x, y) = (r!($a), r!($b));
                    r!($dst) = try_fault!(arith::int_div(&mut self.rt.heap, DivOp::$op, x, y));
                }};
            }
            // After a call that ran other code and returned a value: if
            // that linked code, continue from the frame loop's top.
            macro_rules! relinked {
                () => {
                    if !Arc::ptr_eq(&image, &self.image) {
                        self.save_pc(pc);
                        continue 'frame;
                    }
                };
            }
            macro_rules! safepoint {
                () => {
                    if self.rt.heap.wants_collection() {
                        self.save_pc(pc);
                        self.collect_garbage();
                    }
                };
            }

            loop {
                let op = *unsafe { code.get_unchecked(pc) };
                pc += 1;
                match op {
                    Op::LoadConst { dst, k: i } => {
                        r!(dst) = *unsafe { k.get_unchecked(i as usize) }
                    }
                    Op::LoadInt { dst, i } => r!(dst) = Value::int_unchecked(i as i64),
                    Op::LoadImm { dst, imm } => r!(dst) = Imm::value(imm),
                    Op::Move { dst, src } => r!(dst) = r!(src),

                    Op::GetGlobal { dst, g } => {
                        let v = *unsafe { self.globals.get_unchecked(g as usize) };
                        if v == Value::UNDEFINED {
                            throw!(self.unbound_fault(g));
                        }
                        r!(dst) = v;
                    }
                    Op::SetGlobal { src, g } => {
                        if *unsafe { self.globals.get_unchecked(g as usize) } == Value::UNDEFINED {
                            throw!(self.unbound_fault(g));
                        }
                        *unsafe { self.globals.get_unchecked_mut(g as usize) } = r!(src);
                    }
                    Op::DefGlobal { src, g } => {
                        *unsafe { self.globals.get_unchecked_mut(g as usize) } = r!(src)
                    }

                    Op::GetUpval { dst, idx } => {
                        let clo = unsafe { *regs.sub(1) }
                            .as_closure()
                            .expect("running closure");
                        r!(dst) = clo.captures()[idx as usize].get();
                    }
                    Op::MakeBox { dst, src } => {
                        r!(dst) = self.rt.heap.box_cell(r!(src));
                        safepoint!();
                    }
                    Op::BoxGet { dst, src } => {
                        r!(dst) = r!(src).get::<BoxCell>().expect("box").value.get();
                    }
                    Op::BoxSet { cell, src } => {
                        r!(cell).get::<BoxCell>().expect("box").value.set(r!(src));
                    }
                    Op::MakeClosure { dst, func: f } => {
                        let c = self.make_closure_at(base, f);
                        r!(dst) = c;
                        safepoint!();
                    }
                    Op::PatchCapture { clo, idx, src } => {
                        let c = r!(clo).as_closure().expect("closure");
                        c.captures()[idx as usize].set(r!(src));
                    }

                    Op::Add { dst, a, b } => {
                        let (x, y) = (r!(a), r!(b));
                        r!(dst) = if Value::both_int(x, y) {
                            self.rt
                                .heap
                                .int(x.as_int_unchecked() + y.as_int_unchecked())
                        } else if x.is_float() && y.is_float() {
                            Value::float(x.as_float_unchecked() + y.as_float_unchecked())
                        } else {
                            try_fault!(arith::arith(&mut self.rt.heap, ArithOp::Add, x, y))
                        };
                    }
                    Op::Sub { dst, a, b } => {
                        let (x, y) = (r!(a), r!(b));
                        r!(dst) = if Value::both_int(x, y) {
                            self.rt
                                .heap
                                .int(x.as_int_unchecked() - y.as_int_unchecked())
                        } else if x.is_float() && y.is_float() {
                            Value::float(x.as_float_unchecked() - y.as_float_unchecked())
                        } else {
                            try_fault!(arith::arith(&mut self.rt.heap, ArithOp::Sub, x, y))
                        };
                    }
                    Op::Mul { dst, a, b } => {
                        let (x, y) = (r!(a), r!(b));
                        r!(dst) = if Value::both_int(x, y) {
                            match x.as_int_unchecked().checked_mul(y.as_int_unchecked()) {
                                Some(p) => self.rt.heap.int(p),
                                None => throw!(Fault::Overflow { who: "*" }),
                            }
                        } else if x.is_float() && y.is_float() {
                            Value::float(x.as_float_unchecked() * y.as_float_unchecked())
                        } else {
                            try_fault!(arith::arith(&mut self.rt.heap, ArithOp::Mul, x, y))
                        };
                    }
                    Op::Quotient { dst, a, b } => int_div!(Quotient, dst, a, b),
                    Op::Remainder { dst, a, b } => int_div!(Remainder, dst, a, b),
                    Op::Modulo { dst, a, b } => int_div!(Modulo, dst, a, b),
                    Op::AddImm { dst, a, imm } => {
                        let x = r!(a);
                        r!(dst) = if x.is_int() {
                            self.rt.heap.int(x.as_int_unchecked() + imm as i64)
                        } else {
                            let y = Value::int_unchecked(imm as i64);
                            try_fault!(arith::arith(&mut self.rt.heap, ArithOp::Add, x, y))
                        };
                    }
                    Op::SubImm { dst, a, imm } => {
                        let x = r!(a);
                        r!(dst) = if x.is_int() {
                            self.rt.heap.int(x.as_int_unchecked() - imm as i64)
                        } else {
                            let y = Value::int_unchecked(imm as i64);
                            try_fault!(arith::arith(&mut self.rt.heap, ArithOp::Sub, x, y))
                        };
                    }
                    Op::Lt { dst, a, b } => r!(dst) = try_fault!(cmp(CmpOp::Lt, r!(a), r!(b))),
                    Op::Le { dst, a, b } => r!(dst) = try_fault!(cmp(CmpOp::Le, r!(a), r!(b))),
                    Op::Gt { dst, a, b } => r!(dst) = try_fault!(cmp(CmpOp::Gt, r!(a), r!(b))),
                    Op::Ge { dst, a, b } => r!(dst) = try_fault!(cmp(CmpOp::Ge, r!(a), r!(b))),
                    Op::NumEq { dst, a, b } => r!(dst) = try_fault!(cmp(CmpOp::Eq, r!(a), r!(b))),
                    Op::Not { dst, src } => r!(dst) = Value::bool(r!(src) == Value::FALSE),
                    Op::Eq { dst, a, b } => r!(dst) = Value::bool(r!(a) == r!(b)),
                    Op::Car { dst, src } => {
                        let v = r!(src);
                        match v.as_pair() {
                            Some(p) => r!(dst) = p.car.get(),
                            None => throw!(Fault::Type {
                                who: "car",
                                expected: "a pair",
                                got: v
                            }),
                        }
                    }
                    Op::Cdr { dst, src } => {
                        let v = r!(src);
                        match v.as_pair() {
                            Some(p) => r!(dst) = p.cdr.get(),
                            None => throw!(Fault::Type {
                                who: "cdr",
                                expected: "a pair",
                                got: v
                            }),
                        }
                    }
                    Op::Cons { dst, a, b } => {
                        r!(dst) = self.rt.heap.cons(r!(a), r!(b));
                        safepoint!();
                    }
                    Op::IsNull { dst, src } => r!(dst) = Value::bool(r!(src) == Value::NIL),
                    Op::IsPair { dst, src } => r!(dst) = Value::bool(r!(src).as_pair().is_some()),

                    Op::Jump { to } => pc = to as usize,
                    Op::JumpIfFalse { cond, to } => {
                        if r!(cond) == Value::FALSE {
                            pc = to as usize;
                        }
                    }
                    Op::JumpIfTrue { cond, to } => {
                        if r!(cond) != Value::FALSE {
                            pc = to as usize;
                        }
                    }
                    Op::Loop { counter, to } => {
                        if self.machine.fuel == 0 {
                            try_fault!(self.out_of_fuel());
                            // The hook may have linked code: go on from
                            // the top of the frame loop.
                            self.machine.fuel -= 1;
                            pc = to as usize;
                            self.save_pc(pc);
                            continue 'frame;
                        }
                        self.machine.fuel -= 1;
                        let n = &mut self.counters.per_func[func][counter as usize + 1];
                        *n += 1;
                        pc = to as usize;
                        if *n == self.threshold.loops
                            && let Some(entry) = self.loop_is_hot(func as u32, to)
                        {
                            self.save_pc(pc);
                            match self.enter_osr(entry, base) {
                                Entered::Returned(v) if self.machine.depth() == stop => {
                                    return Ok(v);
                                }
                                Entered::Returned(_) => continue 'frame,
                                _ => unwinding!(),
                            }
                        }
                        safepoint!();
                    }

                    Op::Call { base: cb, argc } => {
                        self.save_pc(pc);
                        match self.enter(&image, base + cb as usize, argc as usize) {
                            Ok(Entered::Frame) => continue 'frame,
                            Ok(Entered::Value(v)) => {
                                r!(cb) = v;
                                safepoint!();
                                relinked!();
                            }
                            Ok(Entered::Unwinding) => unwinding!(),
                            Ok(Entered::Returned(_)) => unreachable!("a call never pops"),
                            Err(f) => throw!(f),
                        }
                    }
                    Op::TailCall { base: cb, argc } => {
                        self.save_pc(pc);
                        let entry_frame = from_native && self.machine.depth() == stop + 1;
                        let pos = base + cb as usize;
                        if entry_frame && let Some(entry) = self.native_callee(pos) {
                            let func = r!(cb).as_closure().expect("a closure").func;
                            if let Err(f) = self.check_entry(func, argc as usize) {
                                throw!(f);
                            }
                            // Hand the call to the adapter that entered this run.
                            self.slide_into_frame(base, pos, argc as usize);
                            self.machine.pop_frame();
                            self.machine.pending_entry = entry;
                            self.machine.pending_argc = argc as u64;
                            return Err(Stop::TailCall);
                        }
                        match self.tail_call(&image, base, pos, argc as usize) {
                            Ok(Entered::Frame) => continue 'frame,
                            Ok(Entered::Value(v)) => {
                                if let Some(v) = self.return_value(v, stop) {
                                    return Ok(v);
                                }
                                continue 'frame;
                            }
                            Ok(Entered::Returned(v)) => {
                                if self.machine.depth() == stop {
                                    return Ok(v);
                                }
                                continue 'frame;
                            }
                            Ok(Entered::Unwinding) => unwinding!(),
                            Err(f) => throw!(f),
                        }
                    }
                    Op::CallPrim {
                        base: cb,
                        argc,
                        prim,
                    } => {
                        self.save_pc(pc);
                        let at = base + cb as usize;
                        match self.call_prim(&image, prim, at, argc as usize) {
                            Ok(Entered::Value(v)) => {
                                r!(cb) = v;
                                safepoint!();
                                relinked!();
                            }
                            Ok(Entered::Frame) => continue 'frame,
                            Ok(Entered::Unwinding) => unwinding!(),
                            Ok(Entered::Returned(_)) => unreachable!("a call never pops"),
                            Err(f) => throw!(f),
                        }
                    }
                    Op::Return { src } => {
                        if let Some(v) = self.return_value(r!(src), stop) {
                            return Ok(v);
                        }
                        continue 'frame;
                    }

                    Op::MakeTagged {
                        base: b,
                        argc,
                        k: ki,
                    } => {
                        let tag = k[ki as usize].as_symbol().expect("tag constant");
                        let at = base + b as usize;
                        let v = self
                            .rt
                            .heap
                            .tagged(tag, &self.machine.regs()[at..at + argc as usize]);
                        r!(b) = v;
                        safepoint!();
                    }
                    Op::TagIs { dst, src, k: ki } => {
                        let tag = k[ki as usize].as_symbol().expect("tag constant");
                        let arity = match &proto.consts[ki as usize] {
                            Const::Tag { arity, .. } => *arity as usize,
                            _ => usize::MAX,
                        };
                        r!(dst) = Value::bool(tag_is(r!(src), tag, arity));
                    }
                    Op::TagField { dst, src, idx } => {
                        let t = r!(src).get::<Tagged>().expect("tagged");
                        r!(dst) = t.fields()[idx as usize];
                    }
                    Op::VecLenIs { dst, src, len } => {
                        let ok = r!(src)
                            .as_vector()
                            .is_some_and(|v| v.items().len() == len as usize);
                        r!(dst) = Value::bool(ok);
                    }
                    Op::VecRefK { dst, src, idx } => {
                        let v = r!(src).as_vector().expect("vector");
                        r!(dst) = v.items()[idx as usize].get();
                    }
                    Op::NoMatch { src } => throw!(self.no_match_fault(r!(src))),

                    Op::PushCatch { dst, to } => self.push_catch(dst, to),
                    Op::PopCatch {} => self.pop_catch(),
                }
            }
        }
    }

    pub(crate) fn unbound_fault(&self, g: u32) -> Fault {
        Fault::Msg(format!(
            "unbound variable: {}",
            self.image.globals[g as usize].name
        ))
    }

    pub(crate) fn no_match_fault(&self, v: Value) -> Fault {
        Fault::Msg(format!(
            "no match clause matched the value {}",
            self.show(v)
        ))
    }

    pub(crate) fn push_catch(&mut self, dst: u16, handler: u32) {
        let depth = self.machine.depth();
        self.catches.push(Catch {
            depth,
            dst,
            handler,
        });
    }

    pub(crate) fn pop_catch(&mut self) {
        self.catches.pop();
    }

    /// Records `pc` as the running frame's resume point.
    #[inline(always)]
    fn save_pc(&mut self, pc: usize) {
        if let Some(f) = self.machine.top_frame_mut() {
            f.pc = pc as u32;
        }
    }

    /// A new closure of function `f`, capturing from the frame at `base`.
    pub(crate) fn make_closure_at(&mut self, base: usize, f: u32) -> Value {
        use crate::bytecode::CaptureSrc;
        let regs = self.machine.regs();
        let caps: Vec<Value> = self.image.protos[f as usize]
            .captures
            .iter()
            .map(|c| match *c {
                CaptureSrc::Local(r) => regs[base + r as usize],
                CaptureSrc::Upval(i) => {
                    let clo = regs[base - 1].as_closure().expect("running closure");
                    clo.captures()[i as usize].get()
                }
            })
            .collect();
        self.rt.heap.closure(f, &caps)
    }

    /// One past the highest register of any frame. A callee's window
    /// starts inside its caller's registers and may end below the
    /// caller's last one, which the caller writes again after the call:
    /// the running frame's top is not enough.
    fn live_top(&self) -> usize {
        self.machine
            .frames()
            .iter()
            .map(|f| f.base as usize + self.image.protos[f.func as usize].nregs as usize)
            .max()
            .unwrap_or(0)
    }

    /// Marks from every root and frees the rest. Only at safepoints.
    pub(crate) fn collect_garbage(&mut self) {
        // Registers above every frame hold stale values; forget them so
        // that the registers below `top` are exactly the ones scanned
        // (the invariant of `Machine`).
        let top = self.live_top();
        self.machine.shrink(top);
        self.machine.gc_pending = 0;
        let Vm {
            rt,
            machine,
            globals,
            consts,
            jit,
            effects,
            ..
        } = self;
        rt.heap.collect(|m| {
            m.mark_all(machine.regs());
            m.mark_all(globals);
            effects.roots(|v| m.mark(v));
            if let Some(jit) = jit {
                m.mark_all(&jit.roots);
            }
            for c in consts.iter() {
                m.mark_all(c);
            }
        });
    }
}

/// Calls, and loop iterations, that make a function hot.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Threshold {
    pub calls: u64,
    /// `calls` scaled by [`JitConfig::LOOP_FACTOR`], kept so that the
    /// dispatch loop only compares.
    pub loops: u64,
}

impl Threshold {
    pub fn new(calls: u64) -> Threshold {
        Threshold {
            calls,
            loops: calls.saturating_mul(JitConfig::LOOP_FACTOR),
        }
    }
}

/// Why a run stopped without a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Stop {
    /// A raise is unwinding past this run (see `Vm::raise`).
    Unwound,
    /// The run's entry frame tail-called native code; the adapter makes
    /// the call (`Machine::pending_entry`).
    TailCall,
}

#[inline(always)]
fn cmp(op: CmpOp, a: Value, b: Value) -> Result<Value, Fault> {
    if Value::both_int(a, b) {
        Ok(Value::bool(
            op.test(a.as_int_unchecked(), b.as_int_unchecked()),
        ))
    } else if a.is_float() && b.is_float() {
        Ok(Value::bool(
            op.test(a.as_float_unchecked(), b.as_float_unchecked()),
        ))
    } else {
        arith::compare(op, a, b).map(Value::bool)
    }
}

fn tag_is(v: Value, tag: Symbol, arity: usize) -> bool {
    v.get::<Tagged>()
        .is_some_and(|t| t.tag == tag && t.fields().len() == arity)
}

/// Builds the heap value of a constant.
fn materialize(heap: &mut Heap, c: &Const) -> Value {
    match c {
        Const::Int(i) => heap.int(*i),
        Const::Float(x) => Value::float(*x),
        Const::Str(s) => heap.string(s),
        Const::Symbol(s) => Value::symbol(Symbol::intern(s)),
        Const::Keyword(s) => Value::keyword(Symbol::intern(s)),
        Const::Char(c) => Value::char(*c),
        Const::Datum(d) => crate::datum::datum_to_value(heap, d),
        Const::Tag { name, .. } => Value::symbol(Symbol::intern(name)),
        Const::Prim(name) => match crate::primitives::lookup(name) {
            Some(p) => Value::prim(p),
            None => Value::UNDEFINED,
        },
    }
}
