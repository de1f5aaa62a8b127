//! Tiering: when a function moves from the interpreter to native code,
//! and the procedures that steer it from a program (`jit-compile`,
//! `with-jit-threshold`, `jit-stats`, `time`).
//!
//! A function is compiled when its call count reaches the threshold (at
//! its next call, from the interpreter or from native code through the
//! adapter), or when one of its loops has taken `threshold *
//! LOOP_FACTOR` back-edges (its next call then runs natively; entering
//! compiled code in the middle of a running loop, OSR, is not done).

use super::call::Entered;
use super::{Stop, Vm};
use crate::jit::{FnInput, Tier};
use crate::primitives::{Fault, VmOp};
use crate::value::Value;
use std::time::Instant;

impl Vm {
    /// The native entry to use for a call of `func` now: compiled code
    /// (compiling it first if it just became hot), or `None` to
    /// interpret. Also `None` when the native stack is nearly used up:
    /// the interpreter keeps its frames on the heap, so deep recursion
    /// goes on there.
    #[inline]
    pub(crate) fn native_entry(&mut self, func: u32) -> Option<*const u8> {
        let jit = self.jit.as_ref()?;
        let entry = match jit.native_entry(func) {
            Some(e) => e,
            None => {
                let calls = self.counters.per_func[func as usize][0];
                if calls < self.threshold.calls || jit.tried(func) {
                    return None;
                }
                self.compile(func).ok()?
            }
        };
        (!self.native_stack_low()).then_some(entry)
    }

    /// The native entry of the callee in register `pos`, if it is a
    /// closure that runs natively (see `native_entry`).
    pub(crate) fn native_callee(&mut self, pos: usize) -> Option<*const u8> {
        let c = self.machine.regs()[pos].as_closure()?;
        self.native_entry(c.func)
    }

    pub(crate) fn native_stack_low(&self) -> bool {
        let probe = 0u8;
        let sp = std::hint::black_box(&probe) as *const u8 as u64;
        sp < self.machine.sp_limit
    }

    /// After a helper allocated: native code polls `gc_pending` at its
    /// next safepoint.
    #[inline]
    pub(crate) fn note_allocation(&mut self) {
        self.machine.gc_pending = self.rt.heap.wants_collection() as u64;
    }

    /// A loop of `func` (header `header`) is hot, in the running
    /// interpreter frame: compiles `func` for its next call, and an entry
    /// at the loop header to continue this frame in native code (OSR).
    #[cold]
    pub(crate) fn loop_is_hot(&mut self, func: u32, header: u32) -> Option<*const u8> {
        let jit = self.jit.as_ref()?;
        if jit.records[func as usize].tier == Tier::Replaced {
            return None;
        }
        if !jit.tried(func) {
            let _ = self.compile(func);
        }
        if self.native_stack_low() {
            return None;
        }
        self.with_input(func, Some(header), |jit, input| jit.osr_entry(input))
            .ok()
    }

    /// Runs the OSR entry `entry` for the running frame (registers at
    /// `base`) until the frame returns or raises.
    pub(crate) fn enter_osr(&mut self, entry: *const u8, base: usize) -> Entered {
        match self.call_native(entry, base - 1, 0) {
            Entered::Value(v) => Entered::Returned(v),
            other => other,
        }
    }

    /// Compiles `func` now (recording a failure, which leaves it
    /// interpreted); its native entry.
    pub(crate) fn compile(&mut self, func: u32) -> Result<*const u8, String> {
        let r = self.with_input(func, None, |jit, input| jit.compile(input));
        self.sync_machine();
        r
    }

    /// Runs `f` on the JIT with the translator's view of `func`.
    fn with_input<T>(
        &mut self,
        func: u32,
        osr: Option<u32>,
        f: impl FnOnce(&mut crate::jit::Jit, &FnInput<'_>) -> Result<T, String>,
    ) -> Result<T, String> {
        let image = self.image.clone();
        let consts = self.consts.clone();
        let counts = self.counters.slot(func as usize);
        let fuel = self.config.fuel.is_some();
        let jit = self.jit.as_mut().ok_or("the JIT is off")?;
        let input = FnInput {
            proto: &image.protos[func as usize],
            func,
            consts: &consts[func as usize],
            call_counter: counts,
            // SAFETY: the slice has `1 + loops` entries.
            loop_counters: unsafe { counts.add(1) },
            globals: &self.globals,
            fuel,
            osr,
        };
        f(jit, &input)
    }

    /// The definition whose function is `func` was replaced while the
    /// program runs: its native code is no longer entered (closures made
    /// before still run it, interpreted).
    pub fn retire(&mut self, func: u32) {
        if let Some(jit) = &mut self.jit
            && (func as usize) < jit.records.len()
        {
            jit.retire(func);
        }
    }

    /// Per-function JIT facts: `(name, tier, calls, compile time, code
    /// bytes)`, for `--stats` and `jit-stats`.
    pub fn jit_report(&self) -> Vec<FnReport> {
        let Some(jit) = &self.jit else {
            return Vec::new();
        };
        self.image
            .protos
            .iter()
            .enumerate()
            .map(|(f, p)| {
                let r = &jit.records[f];
                FnReport {
                    name: p.name.to_string(),
                    tier: r.tier.clone(),
                    calls: self.counters.calls(f),
                    loop_iterations: self.counters.loops(f).iter().sum(),
                    compile_time: r.compile_time,
                    code_bytes: r.code_bytes,
                }
            })
            .collect()
    }

    /// The table `jit-stats` and `--stats` print: functions that were
    /// called or compiled, hottest first.
    pub fn jit_stats_text(&self) -> String {
        // Top-level forms run once: one summary line unless they loop.
        let all = self.jit_report();
        let once = |r: &FnReport| r.name == "<top level>" && r.loop_iterations == 0;
        let forms = all.iter().filter(|r| once(r)).count();
        let native_forms = all
            .iter()
            .filter(|r| once(r) && r.tier == Tier::Native)
            .count();
        let mut rows: Vec<FnReport> = all
            .into_iter()
            .filter(|r| !once(r) && (r.calls > 0 || r.tier != Tier::Interpreted))
            .collect();
        rows.sort_by(|a, b| b.calls.cmp(&a.calls).then(a.name.cmp(&b.name)));
        let mut out = String::new();
        if self.jit.is_none() {
            out.push_str("jit: off\n");
        }
        out.push_str(&format!(
            "{:<28} {:<12} {:>12} {:>12} {:>12} {:>10}\n",
            "function", "tier", "calls", "loop iters", "compile us", "code bytes"
        ));
        for r in rows {
            let tier = r.tier.to_string();
            out.push_str(&format!(
                "{:<28} {:<12} {:>12} {:>12} {:>12} {:>10}\n",
                r.name,
                tier,
                r.calls,
                r.loop_iterations,
                r.compile_time.as_micros(),
                r.code_bytes
            ));
            if let Tier::Failed(why) = &r.tier {
                out.push_str(&format!("    not compiled: {why}\n"));
            }
        }
        out.push_str(&format!(
            "({forms} top-level forms without loops, {native_forms} of them compiled)\n"
        ));
        out
    }

    /// The Cranelift IR or machine code of `func` (for `fluent emit`).
    pub fn emit_native(&mut self, func: u32, asm: bool) -> Result<String, String> {
        self.with_input(func, None, |jit, input| {
            if asm { jit.asm(input) } else { jit.clif(input) }
        })
    }

    /// The primitives that act on the VM, with arguments in registers
    /// `at..at + argc`.
    pub(crate) fn vm_prim(&mut self, op: VmOp, at: usize, argc: usize) -> Result<Entered, Fault> {
        let args: Vec<Value> = self.machine.regs()[at..at + argc].to_vec();
        match op {
            VmOp::JitCompile => {
                let c = args[0].as_closure().ok_or_else(|| Fault::Type {
                    who: "jit-compile",
                    expected: "a compiled procedure",
                    got: args[0],
                })?;
                if self.jit.as_ref().is_some_and(|j| !j.tried(c.func)) {
                    let _ = self.compile(c.func);
                }
                let native = self
                    .jit
                    .as_ref()
                    .is_some_and(|j| j.native_entry(c.func).is_some());
                Ok(Entered::Value(Value::bool(native)))
            }
            VmOp::JitStats => {
                let text = self.jit_stats_text();
                self.rt.out.flush();
                eprint!("{text}");
                Ok(Entered::Value(Value::UNSPECIFIED))
            }
            VmOp::WithJitThreshold => {
                let n = args[0].as_int().filter(|&n| n >= 0).ok_or(Fault::Type {
                    who: "with-jit-threshold",
                    expected: "a non-negative integer",
                    got: args[0],
                })?;
                let saved = self.threshold;
                if self.jit.is_some() {
                    self.threshold = super::Threshold::new(n as u64);
                }
                let r = self.call_thunk(at + 1);
                self.threshold = saved;
                r
            }
            VmOp::Handle => self.handle(at),
            VmOp::Effect => self.perform_op(at, argc),
            VmOp::Time => {
                let start = Instant::now();
                let r = self.call_thunk(at);
                let elapsed = start.elapsed();
                if let Ok(Entered::Value(_)) = r {
                    self.rt.out.flush();
                    eprintln!("time: {:.3} ms", elapsed.as_secs_f64() * 1e3);
                }
                r
            }
        }
    }

    /// Calls the procedure in register `at` with no arguments, to the end.
    pub(crate) fn call_thunk(&mut self, at: usize) -> Result<Entered, Fault> {
        let f = self.machine.regs()[at];
        self.call_with(f, &[], at + 1)
    }

    /// Calls `f` on `args` to the end, nested (a raise past it unwinds
    /// on), in registers above the live ones and above `keep` (registers
    /// below it the caller still needs).
    pub(crate) fn call_with(
        &mut self,
        f: Value,
        args: &[Value],
        keep: usize,
    ) -> Result<Entered, Fault> {
        let top = self.top().max(keep);
        self.machine
            .ensure(top + 1 + args.len())
            .map_err(|_| Fault::Msg("stack overflow (register stack exhausted)".into()))?;
        let regs = self.machine.regs_mut();
        regs[top] = f;
        regs[top + 1..top + 1 + args.len()].copy_from_slice(args);
        match self.call_at(top, args.len()) {
            Ok(v) => Ok(Entered::Value(v)),
            Err(Stop::Unwound) => Ok(Entered::Unwinding),
            Err(Stop::TailCall) => unreachable!("a host-style call never hands back a tail call"),
        }
    }
}

/// One function in the JIT's report.
#[derive(Clone, Debug)]
pub struct FnReport {
    pub name: String,
    pub tier: Tier,
    pub calls: u64,
    pub loop_iterations: u64,
    pub compile_time: std::time::Duration,
    pub code_bytes: usize,
}
