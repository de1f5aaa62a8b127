//! The bytecode interpreter.
//!
//! Frames live on a heap-allocated stack (no Rust recursion per Fluent
//! call), so deep recursion is bounded only by [`VmConfig::max_depth`].
//! Registers of all frames share one `Vec<Value>`; a frame is a window into
//! it (see the opcode table's calling convention). The dispatch loop keeps
//! each arm short: calls, returns, raising, and collection are out of line
//! in `call.rs` and `unwind.rs`.

mod call;
mod unwind;

use crate::arith::{self, ArithOp, CmpOp};
use crate::bytecode::{Const, Imm, Op};
use crate::error::RuntimeError;
use crate::heap::{BoxCell, GcConfig, Heap, Tagged};
use crate::image::Image;
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
}

impl Default for VmConfig {
    fn default() -> Self {
        VmConfig {
            max_depth: 10_000_000,
            gc: GcConfig::default(),
            fuel: None,
        }
    }
}

/// An activation record.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Frame {
    pub func: u32,
    /// The next instruction (saved only when the frame is not running).
    pub pc: u32,
    /// Index of register 0 in the stack; `stack[base - 1]` holds the
    /// running closure and receives the return value.
    pub base: u32,
}

/// An active `try`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Catch {
    /// The number of frames when the `try` began.
    pub depth: usize,
    pub dst: u16,
    pub handler: u32,
}

/// Execution counters: what the JIT reads to decide what is hot.
#[derive(Clone, Debug, Default)]
pub struct Counters {
    /// Calls per function.
    pub calls: Vec<u64>,
    /// Back-edges taken per function and loop.
    pub loops: Vec<Vec<u64>>,
}

/// A loaded program and its running state.
pub struct Vm {
    pub rt: Runtime,
    pub(crate) image: Arc<Image>,
    /// Constants of each function, as values.
    pub(crate) consts: Arc<Vec<Box<[Value]>>>,
    pub(crate) globals: Vec<Value>,
    pub(crate) stack: Vec<Value>,
    pub(crate) frames: Vec<Frame>,
    pub(crate) catches: Vec<Catch>,
    pub counters: Counters,
    pub(crate) config: VmConfig,
    /// Calls and loop iterations left (see [`VmConfig::fuel`]).
    pub(crate) fuel: u64,
}

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
        let counters = Counters {
            calls: vec![0; image.protos.len()],
            loops: image
                .protos
                .iter()
                .map(|p| vec![0; p.loops as usize])
                .collect(),
        };
        Ok(Vm {
            rt,
            globals: vec![Value::UNDEFINED; image.globals.len()],
            consts: Arc::new(consts),
            image,
            stack: Vec::with_capacity(1 << 12),
            frames: Vec::new(),
            catches: Vec::new(),
            counters,
            fuel: config.fuel.unwrap_or(u64::MAX),
            config,
        })
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
            self.counters.calls.push(0);
            self.counters.loops.push(vec![0; p.loops as usize]);
        }
        self.consts = Arc::new(consts);
        image.protos.extend(protos);
        image.files.extend(files);
        image
            .globals
            .extend_from_slice(&globals[image.globals.len().min(globals.len())..]);
        self.globals.resize(image.globals.len(), Value::UNDEFINED);
        image.init.extend_from_slice(init);
        let mut last = None;
        for &f in init {
            let clo = self.rt.heap.closure(f, &[]);
            last = Some(self.call(clo, &[])?);
        }
        Ok(last)
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
        let pos = self.top();
        self.ensure_stack(pos + 1 + args.len());
        self.stack[pos] = f;
        self.stack[pos + 1..pos + 1 + args.len()].copy_from_slice(args);
        let stop = self.frames.len();
        let image = self.image.clone();
        match self.enter(&image, pos, args.len()) {
            Ok(Entered::Value(v)) => Ok(v),
            Ok(Entered::Frame) => self.run(stop),
            Err(fault) => Err(self.uncaught(fault, stop)),
        }
    }

    /// One past the highest register in use.
    pub(crate) fn top(&self) -> usize {
        match self.frames.last() {
            Some(f) => f.base as usize + self.image.protos[f.func as usize].nregs as usize,
            None => 0,
        }
    }

    pub(crate) fn ensure_stack(&mut self, len: usize) {
        if self.stack.len() < len {
            self.stack.resize(len, Value::NIL);
        }
    }

    /// The write-style text of a value (for messages: cut short, see
    /// [`Runtime::show_in_message`]).
    pub fn show(&self, v: Value) -> String {
        self.rt.show_in_message(v, crate::printer::Mode::Write)
    }

    /// Runs frames until the frame count drops back to `stop`.
    fn run(&mut self, stop: usize) -> Result<Value, RuntimeError> {
        let image = self.image.clone();
        let consts = self.consts.clone();
        'frame: loop {
            let fr = *self.frames.last().expect("a running frame");
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
            // `enter` made `stack.len() >= base + nregs` when it pushed this
            // frame, and the stack only shrinks at collections, to the top
            // of this frame. `regs` is re-derived after every call out of
            // this loop that could move or reborrow the stack.
            let mut regs: *mut Value = unsafe { self.stack.as_mut_ptr().add(base) };
            macro_rules! refresh {
                () => {
                    regs = unsafe { self.stack.as_mut_ptr().add(base) }
                };
            }

            // Raises `$fault` at the current instruction: either a `try`
            // catches it (continue in its handler) or the run ends.
            macro_rules! throw {
                ($fault:expr) => {{
                    let fault = $fault;
                    self.frames.last_mut().expect("frame").pc = pc as u32;
                    match self.throw(fault, stop) {
                        Ok(()) => continue 'frame,
                        Err(e) => return Err(e),
                    }
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
            macro_rules! safepoint {
                () => {
                    if self.rt.heap.wants_collection() {
                        self.frames.last_mut().expect("frame").pc = pc as u32;
                        self.collect_garbage();
                        refresh!();
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
                            throw!(self.unbound(g));
                        }
                        r!(dst) = v;
                    }
                    Op::SetGlobal { src, g } => {
                        if *unsafe { self.globals.get_unchecked(g as usize) } == Value::UNDEFINED {
                            throw!(self.unbound(g));
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
                        let c = self.make_closure(&image, base, f);
                        refresh!();
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
                    Op::AddImm { dst, a, imm } => {
                        let x = r!(a);
                        r!(dst) = if x.is_int() {
                            self.rt.heap.int(x.as_int_unchecked() + imm as i64)
                        } else {
                            let y = Value::int_unchecked(imm as i64);
                            try_fault!(arith::arith(&mut self.rt.heap, ArithOp::Add, x, y))
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
                        if self.fuel == 0 {
                            throw!(Fault::Msg(FUEL_EXHAUSTED.into()));
                        }
                        self.fuel -= 1;
                        self.counters.loops[func][counter as usize] += 1;
                        pc = to as usize;
                        safepoint!();
                    }

                    Op::Call { base: cb, argc } => {
                        self.frames.last_mut().expect("frame").pc = pc as u32;
                        match self.enter(&image, base + cb as usize, argc as usize) {
                            Ok(Entered::Frame) => continue 'frame,
                            Ok(Entered::Value(v)) => {
                                refresh!();
                                r!(cb) = v;
                                safepoint!();
                            }
                            Err(f) => throw!(f),
                        }
                    }
                    Op::TailCall { base: cb, argc } => {
                        self.frames.last_mut().expect("frame").pc = pc as u32;
                        match self.tail_call(&image, base, base + cb as usize, argc as usize) {
                            Ok(Entered::Frame) => continue 'frame,
                            Ok(Entered::Value(v)) => {
                                if let Some(v) = self.return_value(v, stop) {
                                    return Ok(v);
                                }
                                continue 'frame;
                            }
                            Err(f) => throw!(f),
                        }
                    }
                    Op::CallPrim {
                        base: cb,
                        argc,
                        prim,
                    } => {
                        self.frames.last_mut().expect("frame").pc = pc as u32;
                        let at = base + cb as usize;
                        match self.call_prim(&image, prim, at, argc as usize) {
                            Ok(Entered::Value(v)) => {
                                refresh!();
                                r!(cb) = v;
                                safepoint!();
                            }
                            Ok(Entered::Frame) => continue 'frame,
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
                            .tagged(tag, &self.stack[at..at + argc as usize]);
                        refresh!();
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
                    Op::NoMatch { src } => {
                        let msg =
                            format!("no match clause matched the value {}", self.show(r!(src)));
                        throw!(Fault::Msg(msg));
                    }

                    Op::PushCatch { dst, to } => {
                        let depth = self.frames.len();
                        self.catches.push(Catch {
                            depth,
                            dst,
                            handler: to,
                        });
                    }
                    Op::PopCatch {} => {
                        self.catches.pop();
                    }
                }
            }
        }
    }

    fn unbound(&self, g: u32) -> Fault {
        Fault::Msg(format!(
            "unbound variable: {}",
            self.image.globals[g as usize].name
        ))
    }

    fn make_closure(&mut self, image: &Image, base: usize, f: u32) -> Value {
        use crate::bytecode::CaptureSrc;
        let caps: Vec<Value> = image.protos[f as usize]
            .captures
            .iter()
            .map(|c| match *c {
                CaptureSrc::Local(r) => self.stack[base + r as usize],
                CaptureSrc::Upval(i) => {
                    let clo = self.stack[base - 1].as_closure().expect("running closure");
                    clo.captures()[i as usize].get()
                }
            })
            .collect();
        self.rt.heap.closure(f, &caps)
    }

    /// Marks from every root and frees the rest. Only at safepoints.
    pub(crate) fn collect_garbage(&mut self) {
        // Registers above the running frame hold stale values; drop them
        // so that the stack below `top` is exactly the live registers (the
        // invariant that makes marking them safe, see `heap`).
        let top = self.top();
        self.stack.truncate(top);
        let Vm {
            rt,
            stack,
            globals,
            consts,
            ..
        } = self;
        rt.heap.collect(|m| {
            m.mark_all(stack);
            m.mark_all(globals);
            for c in consts.iter() {
                m.mark_all(c);
            }
        });
    }
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
