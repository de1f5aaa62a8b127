//! Tests and conversions of NaN-boxed values in CLIF.

use super::*;

// `is_kind_and` reads the word after the header of any object.
const _: () = assert!(layout::TAGGED_TAG + 4 <= 16);

impl Translator<'_, '_> {
    /// 1 when `v` is a heap object of `kind`.
    pub(super) fn is_kind(&mut self, v: ir::Value, kind: Kind) -> ir::Value {
        self.is_kind_and(v, kind, |_, _| None)
    }

    /// 1 when `v` is a heap object of `kind` and `more` (built where `v`'s
    /// first 16 bytes are readable, so its header and the word after it)
    /// holds too.
    pub(super) fn is_kind_and(
        &mut self,
        v: ir::Value,
        kind: Kind,
        more: impl FnOnce(&mut Self, ir::Value) -> Option<ir::Value>,
    ) -> ir::Value {
        // Pointers are below IMM_TAG; only then is the header readable.
        let is_ptr = self
            .b
            .ins()
            .icmp_imm_u(IntCC::UnsignedLessThan, v, IMM_TAG as i64);
        let check = self.b.create_block();
        let done = self.b.create_block();
        let result = self.b.append_block_param(done, types::I8);
        let zero = self.b.ins().iconst(types::I8, 0);
        self.b
            .ins()
            .brif(is_ptr, check, &[], done, &[BlockArg::Value(zero)]);
        self.b.switch_to_block(check);
        let k = self.b.ins().uload8(types::I32, self.flags, v, layout::KIND);
        let mut same = self.b.ins().icmp_imm_s(IntCC::Equal, k, kind as i64);
        if let Some(m) = more(self, v) {
            same = self.b.ins().band(same, m);
        }
        self.b.ins().jump(done, &[BlockArg::Value(same)]);
        self.b.switch_to_block(done);
        result
    }

    pub(super) fn is_float(&mut self, v: ir::Value) -> ir::Value {
        let off = self.b.ins().iadd_imm_s(v, -(DOUBLE_OFFSET as i64));
        self.b.ins().icmp_imm_u(
            IntCC::UnsignedLessThan,
            off,
            (INT_TAG - DOUBLE_OFFSET) as i64,
        )
    }

    pub(super) fn untag_int(&mut self, v: ir::Value) -> ir::Value {
        let s = self.b.ins().ishl_imm_u(v, INT_SHIFT);
        self.b.ins().sshr_imm_u(s, INT_SHIFT)
    }

    pub(super) fn tag_int(&mut self, i: ir::Value) -> ir::Value {
        let m = self.b.ins().band_imm_s(i, INT_MASK);
        self.b.ins().bor_imm_s(m, INT_TAG as i64)
    }

    pub(super) fn as_f64(&mut self, v: ir::Value) -> ir::Value {
        let bits = self.b.ins().iadd_imm_s(v, -(DOUBLE_OFFSET as i64));
        self.b.ins().bitcast(types::F64, MemFlagsData::new(), bits)
    }

    /// Boxes the float `x` and jumps to `done` with it (and `extra`). A NaN
    /// becomes the canonical NaN, on a cold branch rather than a select, so
    /// that the boxing adds no flag dependency to a chain of float
    /// operations.
    pub(super) fn box_f64_to(&mut self, x: ir::Value, done: Block, extra: &[BlockArg]) {
        let nan = self.b.ins().fcmp(FloatCC::Unordered, x, x);
        let (ok, canon) = self.cold_if(nan);
        self.b.switch_to_block(canon);
        let v = self.konst(Value::float(f64::NAN));
        self.jump_with(done, v, extra);
        self.b.switch_to_block(ok);
        let bits = self.b.ins().bitcast(I64, MemFlagsData::new(), x);
        let v = self.b.ins().iadd_imm_s(bits, DOUBLE_OFFSET as i64);
        self.jump_with(done, v, extra);
    }

    /// Jumps to `to` with `v` and then `extra` as its arguments.
    pub(super) fn jump_with(&mut self, to: Block, v: ir::Value, extra: &[BlockArg]) {
        let mut args = Vec::with_capacity(extra.len() + 1);
        args.push(BlockArg::Value(v));
        args.extend_from_slice(extra);
        self.b.ins().jump(to, &args);
    }

    /// The constant `v` is, if it is one (an `iconst` in this function).
    pub(super) fn const_of(&self, v: ir::Value) -> Option<i64> {
        let dfg = &self.b.func.dfg;
        let ir::ValueDef::Result(inst, _) = dfg.value_def(v) else {
            return None;
        };
        match dfg.insts[inst] {
            ir::InstructionData::UnaryImm {
                opcode: ir::Opcode::Iconst,
                imm,
            } => Some(imm.bits()),
            _ => None,
        }
    }

    pub(super) fn bool_value(&mut self, c: ir::Value) -> ir::Value {
        let t = self.konst(Value::TRUE);
        let f = self.konst(Value::FALSE);
        self.b.ins().select(c, t, f)
    }
}
