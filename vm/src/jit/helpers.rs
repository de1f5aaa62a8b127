//! The runtime helpers native code calls for everything off its fast
//! paths: allocation, slow arithmetic, primitives, raising, collection.
//!
//! Every helper is `extern "C"`, takes the [`Machine`] first and returns an
//! `i64`: a value (`0`, which is never a valid value, means "raised: go
//! unwind"), a status code, or nothing useful. Helpers never unwind
//! through native frames: a raise records itself in the VM and returns.
//!
//! # Safety
//! Native code calls these with the `Machine` of the VM that is running it
//! (`Machine::vm` points back at that VM, set when native code was
//! entered) and with register pointers inside that machine's stack; the VM
//! is not otherwise borrowed while native code runs (the interpreter hands
//! out only a raw pointer when it calls native code).

use crate::arith::{self, ArithOp, CmpOp, DivOp};
use crate::interp::Vm;
use crate::machine::{Machine, status};
use crate::primitives::{Fault, PrimId};
use crate::symbol::Symbol;
use crate::value::Value;
use cranelift_codegen::ir::{AbiParam, Signature, types};
use cranelift_codegen::isa::CallConv;

/// The host signature of a helper with `n` parameters (all `i64`).
pub fn signature(n: usize) -> Signature {
    let mut sig = Signature::new(CallConv::SystemV);
    sig.params.extend((0..n).map(|_| AbiParam::new(types::I64)));
    sig.returns.push(AbiParam::new(types::I64));
    sig
}

/// Every helper, for the translator.
#[derive(Clone, Copy, Debug)]
pub enum Helper {
    Arity,
    Rest,
    Overflow,
    Grow,
    Fuel,
    Poll,
    MakeBox,
    MakeClosure,
    Cons,
    Arith,
    Compare,
    Fault,
    Unbound,
    CallPrim,
    CallValue,
    TailValue,
    MakeTagged,
    NoMatch,
    PushCatch,
    PopCatch,
}

impl Helper {
    pub fn addr(self) -> usize {
        let f: *const () = match self {
            Helper::Arity => arity as *const (),
            Helper::Rest => rest as *const (),
            Helper::Overflow => overflow as *const (),
            Helper::Grow => grow as *const (),
            Helper::Fuel => fuel as *const (),
            Helper::Poll => poll as *const (),
            Helper::MakeBox => make_box as *const (),
            Helper::MakeClosure => make_closure as *const (),
            Helper::Cons => cons as *const (),
            Helper::Arith => arith as *const (),
            Helper::Compare => compare as *const (),
            Helper::Fault => fault as *const (),
            Helper::Unbound => unbound as *const (),
            Helper::CallPrim => call_prim as *const (),
            Helper::CallValue => call_value as *const (),
            Helper::TailValue => tail_value as *const (),
            Helper::MakeTagged => make_tagged as *const (),
            Helper::NoMatch => no_match as *const (),
            Helper::PushCatch => push_catch as *const (),
            Helper::PopCatch => pop_catch as *const (),
        };
        f as usize
    }
}

/// The VM behind a machine.
///
/// # Safety
/// See the module docs: `m` is the running VM's machine.
unsafe fn vm<'a>(m: *mut Machine) -> &'a mut Vm {
    // SAFETY: the caller's contract (module docs).
    unsafe { &mut *(*m).vm }
}

/// The register index of a pointer into the machine's stack.
///
/// # Safety
/// `p` points into `m`'s register stack.
unsafe fn index(m: *mut Machine, p: *mut Value) -> usize {
    // SAFETY: both in the stack allocation (caller's contract).
    unsafe { p.offset_from((*m).stack) as usize }
}

/// Raises `f` and returns the "raised" marker.
fn raise(vm: &mut Vm, f: Fault) -> i64 {
    vm.raise(f);
    0
}

extern "C" fn arity(m: *mut Machine, func: i64, argc: i64) -> i64 {
    // SAFETY: module docs.
    let vm = unsafe { vm(m) };
    let f = vm.arity_fault(func as u32, argc as usize);
    raise(vm, f)
}

extern "C" fn rest(m: *mut Machine, regs: i64, argc: i64, required: i64) -> i64 {
    // SAFETY: module docs; `regs` is the callee's register window.
    let vm = unsafe { vm(m) };
    let base = unsafe { index(m, regs as *mut Value) };
    vm.collect_rest(base, argc as usize, required as usize);
    vm.note_allocation();
    1
}

extern "C" fn overflow(m: *mut Machine, func: i64) -> i64 {
    // SAFETY: module docs.
    let vm = unsafe { vm(m) };
    let f = vm.overflow_fault(func as u32);
    raise(vm, f)
}

extern "C" fn grow(m: *mut Machine, top: i64, func: i64) -> i64 {
    // SAFETY: module docs; `top` is inside or past the register stack.
    let vm = unsafe { vm(m) };
    let len = (top as usize - unsafe { (*m).stack } as usize) / 8;
    match vm.machine.ensure(len) {
        Ok(()) => 1,
        Err(_) => {
            let f = vm.overflow_fault(func as u32);
            raise(vm, f)
        }
    }
}

/// Fuel ran out: 1 when the VM refuelled (go on), else raised (0).
extern "C" fn fuel(m: *mut Machine) -> i64 {
    // SAFETY: module docs.
    let vm = unsafe { vm(m) };
    match vm.out_of_fuel() {
        Ok(()) => 1,
        Err(f) => raise(vm, f),
    }
}

extern "C" fn poll(m: *mut Machine) -> i64 {
    // SAFETY: module docs.
    let vm = unsafe { vm(m) };
    vm.collect_garbage();
    1
}

extern "C" fn make_box(m: *mut Machine, v: i64) -> i64 {
    // SAFETY: module docs.
    let vm = unsafe { vm(m) };
    let b = vm.rt.heap.box_cell(Value(v as u64));
    vm.note_allocation();
    b.0 as i64
}

extern "C" fn make_closure(m: *mut Machine, regs: i64, func: i64) -> i64 {
    // SAFETY: module docs; `regs` is the caller's register window.
    let vm = unsafe { vm(m) };
    let base = unsafe { index(m, regs as *mut Value) };
    let c = vm.make_closure_at(base, func as u32);
    vm.note_allocation();
    c.0 as i64
}

extern "C" fn cons(m: *mut Machine, a: i64, b: i64) -> i64 {
    // SAFETY: module docs.
    let vm = unsafe { vm(m) };
    let p = vm.rt.heap.cons(Value(a as u64), Value(b as u64));
    vm.note_allocation();
    p.0 as i64
}

/// `a op b` for `+ - *` (`op` 0 to 2) and `quotient`, `remainder`,
/// `modulo` (3 to 5), numbered as the translator's `ArithKind` and
/// `DivKind`.
extern "C" fn arith(m: *mut Machine, op: i64, a: i64, b: i64) -> i64 {
    // SAFETY: module docs.
    let vm = unsafe { vm(m) };
    let (a, b) = (Value(a as u64), Value(b as u64));
    let heap = &mut vm.rt.heap;
    let r = match op {
        0 => arith::arith(heap, ArithOp::Add, a, b),
        1 => arith::arith(heap, ArithOp::Sub, a, b),
        2 => arith::arith(heap, ArithOp::Mul, a, b),
        3 => arith::int_div(heap, DivOp::Quotient, a, b),
        4 => arith::int_div(heap, DivOp::Remainder, a, b),
        _ => arith::int_div(heap, DivOp::Modulo, a, b),
    };
    vm.note_allocation();
    match r {
        Ok(v) => v.0 as i64,
        Err(f) => raise(vm, f),
    }
}

extern "C" fn compare(m: *mut Machine, op: i64, a: i64, b: i64) -> i64 {
    // SAFETY: module docs.
    let vm = unsafe { vm(m) };
    let op = match op {
        0 => CmpOp::Eq,
        1 => CmpOp::Lt,
        2 => CmpOp::Le,
        3 => CmpOp::Gt,
        _ => CmpOp::Ge,
    };
    match arith::compare(op, Value(a as u64), Value(b as u64)) {
        Ok(c) => Value::bool(c).0 as i64,
        Err(f) => raise(vm, f),
    }
}

extern "C" fn fault(m: *mut Machine, which: i64, v: i64) -> i64 {
    // SAFETY: module docs.
    let vm = unsafe { vm(m) };
    let who = if which == 0 { "car" } else { "cdr" };
    raise(
        vm,
        Fault::Type {
            who,
            expected: "a pair",
            got: Value(v as u64),
        },
    )
}

extern "C" fn unbound(m: *mut Machine, g: i64) -> i64 {
    // SAFETY: module docs.
    let vm = unsafe { vm(m) };
    let f = vm.unbound_fault(g as u32);
    raise(vm, f)
}

extern "C" fn call_prim(m: *mut Machine, at: i64, argc: i64, prim: i64) -> i64 {
    // SAFETY: module docs; `at` is inside the caller's register window.
    let vm = unsafe { vm(m) };
    let at = unsafe { index(m, at as *mut Value) };
    let r = vm.call_prim_nested(PrimId(prim as u16), at, argc as usize);
    vm.note_allocation();
    match r {
        Some(v) => v.0 as i64,
        None => 0,
    }
}

extern "C" fn call_value(m: *mut Machine, at: i64, argc: i64) -> i64 {
    // SAFETY: module docs; `at` is the callee slot of a call window.
    let vm = unsafe { vm(m) };
    let at = unsafe { index(m, at as *mut Value) };
    let r = vm.call_value_nested(at, argc as usize);
    vm.note_allocation();
    match r {
        Some(v) => {
            vm.machine.regs_mut()[at] = v;
            status::OK
        }
        None => status::UNWIND,
    }
}

extern "C" fn tail_value(m: *mut Machine, regs: i64, base: i64, argc: i64) -> i64 {
    // SAFETY: module docs; `regs` is the running frame's register 0.
    let vm = unsafe { vm(m) };
    let regs = unsafe { index(m, regs as *mut Value) };
    let r = vm.tail_value_from_native(regs, base as usize, argc as usize);
    vm.note_allocation();
    r
}

extern "C" fn make_tagged(m: *mut Machine, at: i64, argc: i64, tag: i64) -> i64 {
    // SAFETY: module docs; `at` starts `argc` registers of the window.
    let vm = unsafe { vm(m) };
    let at = unsafe { index(m, at as *mut Value) };
    let tag = Value(tag as u64).as_symbol().unwrap_or(Symbol(0));
    let v = vm
        .rt
        .heap
        .tagged(tag, &vm.machine.regs()[at..at + argc as usize]);
    vm.note_allocation();
    v.0 as i64
}

extern "C" fn no_match(m: *mut Machine, v: i64) -> i64 {
    // SAFETY: module docs.
    let vm = unsafe { vm(m) };
    let f = vm.no_match_fault(Value(v as u64));
    raise(vm, f)
}

extern "C" fn push_catch(m: *mut Machine, dst: i64, handler: i64) -> i64 {
    // SAFETY: module docs.
    let vm = unsafe { vm(m) };
    vm.push_catch(dst as u16, handler as u32);
    1
}

extern "C" fn pop_catch(m: *mut Machine) -> i64 {
    // SAFETY: module docs.
    let vm = unsafe { vm(m) };
    vm.pop_catch();
    1
}
