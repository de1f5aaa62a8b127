//! The two pieces of glue code every VM's JIT starts with: the host ->
//! native trampoline and the interpreter adapter.

use super::translate::native_signature;
use crate::machine::{Machine, offsets, status};
use crate::value::Value;
use cranelift_codegen::Context;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{AbiParam, InstBuilder, MemFlagsData, Signature, UserFuncName, types};
use cranelift_codegen::isa::CallConv;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_jit::JITModule;
use cranelift_module::{Linkage, Module};

const I64: types::Type = types::I64;

/// Runs the interpreter for the closure at `regs[-1]`, called by native
/// code through the adapter: the `status` of the call.
///
/// # Safety
/// As for the helpers (`helpers` module docs).
extern "C" fn interp_call(m: *mut Machine, regs: *mut Value, argc: u64) -> i64 {
    // SAFETY: the machine's VM is running native code that called us.
    let vm = unsafe { &mut *(*m).vm };
    let at = unsafe { regs.offset_from((*m).stack) } as usize - 1;
    vm.run_from_native(at, argc as usize)
}

/// Compiles the trampoline and the adapter; returns their addresses.
pub fn build(
    module: &mut JITModule,
    ctx: &mut Context,
    fctx: &mut FunctionBuilderContext,
) -> Result<(*const u8, *const u8), String> {
    let flags = MemFlagsData::trusted();
    // The trampoline: an ordinary host function that calls a native one.
    let mut host = Signature::new(CallConv::triple_default(module.isa().triple()));
    host.params.extend([
        AbiParam::new(I64),
        AbiParam::new(I64),
        AbiParam::new(I64),
        AbiParam::new(I64),
    ]);
    host.returns.push(AbiParam::new(I64));
    ctx.func.signature = host.clone();
    ctx.func.name = UserFuncName::user(0, 0);
    {
        let mut b = FunctionBuilder::new(&mut ctx.func, fctx);
        let entry = b.create_block();
        b.append_block_params_for_function_params(entry);
        b.switch_to_block(entry);
        let p = b.block_params(entry).to_vec();
        let sig = b.import_signature(native_signature());
        let call = b.ins().call_indirect(sig, p[1], &[p[0], p[2], p[3]]);
        let st = b.inst_results(call)[0];
        b.ins().return_(&[st]);
        b.seal_all_blocks();
        b.finalize(module.target_config());
    }
    let tramp = module
        .declare_function("fluent_trampoline", Linkage::Local, &host)
        .map_err(|e| e.to_string())?;
    module
        .define_function(tramp, ctx)
        .map_err(|e| format!("{e:?}"))?;
    module.clear_context(ctx);

    // The adapter: the native entry of every interpreted function. It runs
    // the interpreter, and finishes a tail call the interpreter hands back
    // to native code, so mutual tail calls across tiers stay flat.
    ctx.func.signature = native_signature();
    ctx.func.name = UserFuncName::user(0, 1);
    {
        let mut b = FunctionBuilder::new(&mut ctx.func, fctx);
        let entry = b.create_block();
        b.append_block_params_for_function_params(entry);
        b.switch_to_block(entry);
        let p = b.block_params(entry).to_vec();
        let mut helper = Signature::new(CallConv::SystemV);
        helper
            .params
            .extend([AbiParam::new(I64), AbiParam::new(I64), AbiParam::new(I64)]);
        helper.returns.push(AbiParam::new(I64));
        let hsig = b.import_signature(helper);
        let addr = b
            .ins()
            .iconst(I64, interp_call as *const () as usize as i64);
        let call = b.ins().call_indirect(hsig, addr, &[p[0], p[1], p[2]]);
        let st = b.inst_results(call)[0];
        let tail = b.create_block();
        let done = b.create_block();
        let is_tail = b.ins().icmp_imm_s(IntCC::Equal, st, status::TAILCALL);
        b.ins().brif(is_tail, tail, &[], done, &[]);
        b.switch_to_block(done);
        b.ins().return_(&[st]);
        b.switch_to_block(tail);
        let e = b.ins().load(I64, flags, p[0], offsets::PENDING_ENTRY);
        let n = b.ins().load(I64, flags, p[0], offsets::PENDING_ARGC);
        let nsig = b.import_signature(native_signature());
        b.ins().return_call_indirect(nsig, e, &[p[0], p[1], n]);
        b.seal_all_blocks();
        b.finalize(module.target_config());
    }
    let adapter = module
        .declare_function("fluent_adapter", Linkage::Local, &native_signature())
        .map_err(|e| e.to_string())?;
    module
        .define_function(adapter, ctx)
        .map_err(|e| format!("{e:?}"))?;
    module.clear_context(ctx);
    module.finalize_definitions().map_err(|e| e.to_string())?;
    Ok((
        module.get_finalized_function(tramp),
        module.get_finalized_function(adapter),
    ))
}
