//! The JIT: hot functions' bytecode to native code with Cranelift.
//!
//! Long-lived state lives in [`Jit`] (the Cranelift module, the function
//! table, per-function records); a short-lived translator per function
//! (`translate`) emits its code. The function table holds every function's
//! native entry: its compiled code, or the interpreter adapter, so tiering
//! up swaps one pointer and nothing is ever patched.
//!
//! Cranelift cannot free single functions, so all code of a VM lives in one
//! `JITModule` that is freed with the VM (a program that reloads code, as
//! `fluent watch` will, retires whole modules instead).
//!
//! How tier 1 fits the rest of the VM (where it deviates from DESIGN.md,
//! and why):
//!
//! - Native code and the interpreter share one frame stack and one
//!   register stack (`machine`). A native frame is an ordinary VM frame
//!   whose registers are also kept in Cranelift variables; every write goes
//!   through to the frame slot. So the collector's roots are the frame
//!   slots as before (no Cranelift stack maps), error backtraces walk one
//!   frame stack, and the interpreter can take over any frame.
//! - Raising is one protocol for both tiers (`Vm::raise`): the state
//!   changes happen at the raise (frames dropped to the catching `try`,
//!   or the error report built while the frames are intact); native frames
//!   and interpreter runs then only return "unwinding" until the frame
//!   named by `Machine::unwind_depth` continues at its handler. Nothing
//!   unwinds through native frames.
//! - Native code recurses on the native stack. When that runs low, calls
//!   go to the interpreter instead (its frames are on the heap), so deep
//!   recursion is bounded by `VmConfig::max_depth` in every tier.
//! - On-stack replacement is the simple kind: an entry per (function,
//!   loop header) that adopts the running interpreter frame, reloads every
//!   register from its slot and jumps to the header. No deoptimization
//!   back exists yet (tier 1 never speculates, so it needs none).
//! - `JitConfig::cache_dir` is accepted but nothing is persisted yet.

mod config;
mod helpers;
mod stack;
mod stubs;
mod translate;

pub use config::{JitConfig, OptLevel};
pub use stack::native_stack_limit;

use crate::machine::Machine;
use crate::value::Value;
use cranelift_codegen::Context;
use cranelift_codegen::ir::UserFuncName;
use cranelift_codegen::isa::OwnedTargetIsa;
use cranelift_codegen::settings::{self, Configurable};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{Linkage, Module, default_libcall_names};
use std::collections::HashMap;
use std::mem::ManuallyDrop;
use std::time::{Duration, Instant};

pub(crate) use translate::FnInput;

/// Where a function runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tier {
    Interpreted,
    /// Compiled to native code.
    Native,
    /// Compilation failed; the function stays interpreted (with why).
    Failed(String),
    /// Its definition was replaced while running (`fluent watch`): its
    /// native code is no longer entered, and it is not compiled again
    /// (closures made before the change still run it, interpreted).
    Replaced,
}

impl std::fmt::Display for Tier {
    /// The tier's name in `--stats` (a failure's reason is not included).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Tier::Interpreted => "interpreted",
            Tier::Native => "native",
            Tier::Failed(_) => "failed",
            Tier::Replaced => "replaced",
        })
    }
}

/// What the JIT knows about one function.
#[derive(Clone, Debug)]
pub struct FnRecord {
    pub tier: Tier,
    pub compile_time: Duration,
    pub code_bytes: usize,
}

/// Calls native code from the host: `(machine, entry, regs, argc) -> status`.
pub type Trampoline = extern "C" fn(*mut Machine, *const u8, *mut Value, u64) -> i64;

/// The JIT of one VM.
pub struct Jit {
    pub config: JitConfig,
    /// Freed by hand on drop (`JITModule` does not free its code).
    module: ManuallyDrop<JITModule>,
    ctx: Context,
    fctx: FunctionBuilderContext,
    trampoline: Trampoline,
    /// The entry of functions without native code.
    adapter: *const u8,
    /// The function table: native entry by function id.
    table: Vec<*const u8>,
    pub records: Vec<FnRecord>,
    /// On-stack-replacement entries by (function, loop header), or why
    /// one could not be compiled.
    osr: HashMap<(u32, u32), Result<*const u8, String>>,
    /// Heap values compiled code embeds: roots of the collector for as
    /// long as the code lives (which is as long as the JIT).
    pub(crate) roots: Vec<Value>,
}

/// Builds the instruction set for `config` (host CPU features, or an
/// x86-64 level the host must support).
fn isa(config: &JitConfig) -> Result<OwnedTargetIsa, String> {
    let mut flags = settings::builder();
    let set = |f: &mut settings::Builder, k: &str, v: &str| {
        f.set(k, v).map_err(|e| format!("{k}={v}: {e}"))
    };
    set(&mut flags, "is_pic", "false")?;
    set(&mut flags, "use_colocated_libcalls", "false")?;
    set(
        &mut flags,
        "opt_level",
        config.optimization_level.cranelift_name(),
    )?;
    set(&mut flags, "preserve_frame_pointers", "true")?;
    let mut isa =
        cranelift_native::builder().map_err(|e| format!("this machine is not supported: {e}"))?;
    if config.target_cpu != "native" {
        stack::restrict_to_level(&mut isa, &config.target_cpu)?;
    }
    isa.finish(settings::Flags::new(flags))
        .map_err(|e| e.to_string())
}

impl Jit {
    /// A JIT for a program of `nfuncs` functions, none compiled yet.
    pub fn new(config: JitConfig, nfuncs: usize) -> Result<Jit, String> {
        let isa = isa(&config)?;
        let mut module = JITModule::new(JITBuilder::with_isa(isa, default_libcall_names()));
        let mut ctx = module.make_context();
        let mut fctx = FunctionBuilderContext::new();
        let (trampoline, adapter) = stubs::build(&mut module, &mut ctx, &mut fctx)?;
        let mut jit = Jit {
            config,
            module: ManuallyDrop::new(module),
            ctx,
            fctx,
            // SAFETY: `stubs::build` compiled this function with exactly
            // the host signature of `Trampoline`.
            trampoline: unsafe { std::mem::transmute::<*const u8, Trampoline>(trampoline) },
            adapter,
            table: Vec::new(),
            records: Vec::new(),
            osr: HashMap::new(),
            roots: Vec::new(),
        };
        jit.extend(nfuncs);
        Ok(jit)
    }

    /// Makes room for functions up to `nfuncs` (all interpreted).
    pub fn extend(&mut self, nfuncs: usize) {
        let record = FnRecord {
            tier: Tier::Interpreted,
            compile_time: Duration::ZERO,
            code_bytes: 0,
        };
        self.table.resize(nfuncs, self.adapter);
        self.records.resize(nfuncs, record);
    }

    /// The function table (native code reads it through the machine).
    pub fn table(&self) -> *const *const u8 {
        self.table.as_ptr()
    }

    /// The host -> native trampoline.
    pub fn trampoline(&self) -> Trampoline {
        self.trampoline
    }

    /// `func`'s entry in the function table (native code or the adapter).
    #[inline]
    pub fn entry(&self, func: u32) -> *const u8 {
        self.table[func as usize]
    }

    /// The native entry of `func`, if it has been compiled.
    #[inline]
    pub fn native_entry(&self, func: u32) -> Option<*const u8> {
        let e = self.table[func as usize];
        (e != self.adapter).then_some(e)
    }

    /// Stops entering `func`'s native code (see [`Tier::Replaced`]). Its
    /// code memory is not freed: the module frees all code at once.
    pub fn retire(&mut self, func: u32) {
        let f = func as usize;
        self.table[f] = self.adapter;
        self.records[f].tier = Tier::Replaced;
        self.osr.retain(|&(g, _), _| g != func);
    }

    /// Whether compiling `func` was tried (successfully or not).
    #[inline]
    pub fn tried(&self, func: u32) -> bool {
        self.records[func as usize].tier != Tier::Interpreted
    }

    /// Compiles `input.func` and installs it in the function table. A
    /// failure is recorded (the function stays interpreted) and returned.
    pub fn compile(&mut self, input: &FnInput<'_>) -> Result<*const u8, String> {
        let start = Instant::now();
        let result = self.compile_inner(input);
        let f = input.func as usize;
        self.records[f].compile_time = start.elapsed();
        match result {
            Ok((entry, bytes)) => {
                self.table[f] = entry;
                self.records[f].tier = Tier::Native;
                self.records[f].code_bytes = bytes;
                Ok(entry)
            }
            Err(e) => {
                self.records[f].tier = Tier::Failed(e.clone());
                Err(e)
            }
        }
    }

    /// The entry of `input.func` at loop header `input.osr` for a frame
    /// already running in the interpreter, compiled on first request.
    pub fn osr_entry(&mut self, input: &FnInput<'_>) -> Result<*const u8, String> {
        let key = (input.func, input.osr.expect("an OSR input"));
        if let Some(r) = self.osr.get(&key) {
            return r.clone();
        }
        let start = Instant::now();
        let r = self.compile_inner(input).map(|(entry, bytes)| {
            self.records[input.func as usize].code_bytes += bytes;
            entry
        });
        self.records[input.func as usize].compile_time += start.elapsed();
        self.osr.insert(key, r.clone());
        r
    }

    fn build_function(&mut self, input: &FnInput<'_>) -> Result<(), String> {
        self.ctx.clear();
        self.ctx.func.signature = translate::native_signature();
        self.ctx.func.name = UserFuncName::user(1, input.func);
        let mut b = FunctionBuilder::new(&mut self.ctx.func, &mut self.fctx);
        let embedded = translate::translate(&mut b, input, self.adapter)?;
        b.finalize(self.module.target_config());
        self.roots.extend(embedded);
        Ok(())
    }

    fn compile_inner(&mut self, input: &FnInput<'_>) -> Result<(*const u8, usize), String> {
        self.build_function(input)?;
        let name = match input.osr {
            None => format!("fluent#{}:{}", input.func, input.proto.name),
            Some(pc) => format!("fluent#{}@{pc}:{}", input.func, input.proto.name),
        };
        let id = self
            .module
            .declare_function(&name, Linkage::Local, &self.ctx.func.signature)
            .map_err(|e| e.to_string())?;
        self.module
            .define_function(id, &mut self.ctx)
            .map_err(|e| format!("{e:?}"))?;
        let bytes = self
            .ctx
            .compiled_code()
            .map(|c| c.code_info().total_size as usize)
            .unwrap_or(0);
        self.module.clear_context(&mut self.ctx);
        self.module
            .finalize_definitions()
            .map_err(|e| e.to_string())?;
        Ok((self.module.get_finalized_function(id), bytes))
    }

    /// The Cranelift IR of `input`'s function (`fluent emit --emit clif`).
    pub fn clif(&mut self, input: &FnInput<'_>) -> Result<String, String> {
        self.build_function(input)?;
        let text = self.ctx.func.display().to_string();
        self.ctx.clear();
        Ok(text)
    }

    /// The machine code of `input`'s function, as Cranelift's assembly
    /// listing (`fluent emit --emit asm`).
    pub fn asm(&mut self, input: &FnInput<'_>) -> Result<String, String> {
        self.build_function(input)?;
        self.ctx.set_disasm(true);
        let isa = self.module.isa();
        let mut ctrl = cranelift_codegen::control::ControlPlane::default();
        let compiled = self
            .ctx
            .compile(isa, &mut ctrl)
            .map_err(|e| format!("{:?}", e.inner))?;
        let text = compiled.vcode.clone().unwrap_or_default();
        self.ctx.set_disasm(false);
        self.ctx.clear();
        Ok(text)
    }
}

impl Drop for Jit {
    fn drop(&mut self) {
        // SAFETY: the JIT is dropped with its VM, which is not running:
        // no native code of this module is executing, and the function
        // table that points into it is dropped with it.
        unsafe { ManuallyDrop::take(&mut self.module).free_memory() };
    }
}
