//! Arithmetic and comparisons: inline int and float paths, a helper for
//! the rest.

use super::*;

impl Translator<'_, '_> {
    /// `a op b`: inline ints (overflowing the inline range goes to the
    /// helper, which boxes or faults), inline floats, else the helper.
    pub(super) fn arith(&mut self, pc: usize, dst: Reg, a: Reg, b: Reg, kind: ArithKind) {
        let (x, y) = (self.get(a), self.get(b));
        let done = self.b.create_block();
        let result = self.b.append_block_param(done, I64);
        let slow = self.b.create_block();
        self.b.set_cold_block(slow);
        let float_check = self.b.create_block();
        let ints = self.both_ints(x, y);
        let int_block = self.b.create_block();
        self.b.ins().brif(ints, int_block, &[], float_check, &[]);
        // Integers.
        self.b.switch_to_block(int_block);
        let (i, j) = (self.untag_int(x), self.untag_int(y));
        let (r, overflow) = match kind {
            ArithKind::Add => (self.b.ins().iadd(i, j), None),
            ArithKind::Sub => (self.b.ins().isub(i, j), None),
            ArithKind::Mul => {
                let (r, o) = self.b.ins().smul_overflow(i, j);
                (r, Some(o))
            }
        };
        let fits = self.fits_inline(r);
        let fits = match overflow {
            Some(o) => {
                let no = self.b.ins().icmp_imm_s(IntCC::Equal, o, 0);
                self.b.ins().band(fits, no)
            }
            None => fits,
        };
        let tagged = self.tag_int(r);
        self.b
            .ins()
            .brif(fits, done, &[BlockArg::Value(tagged)], slow, &[]);
        // Floats.
        self.b.switch_to_block(float_check);
        let floats = self.both_floats(x, y);
        let float_block = self.b.create_block();
        self.b.ins().brif(floats, float_block, &[], slow, &[]);
        self.b.switch_to_block(float_block);
        let (p, q) = (self.as_f64(x), self.as_f64(y));
        let r = match kind {
            ArithKind::Add => self.b.ins().fadd(p, q),
            ArithKind::Sub => self.b.ins().fsub(p, q),
            ArithKind::Mul => self.b.ins().fmul(p, q),
        };
        let boxed = self.box_f64(r);
        self.b.ins().jump(done, &[BlockArg::Value(boxed)]);
        // Everything else (and results outside the inline range).
        self.b.switch_to_block(slow);
        self.arith_helper(pc, dst, kind, x, y, done);
        self.b.switch_to_block(done);
        self.set(dst, result);
    }

    /// The cold path of `+ - *`: the helper boxes a big result or raises;
    /// then on to `done` with the value.
    fn arith_helper(
        &mut self,
        pc: usize,
        dst: Reg,
        kind: ArithKind,
        x: ir::Value,
        y: ir::Value,
        done: Block,
    ) {
        self.save_pc(pc);
        let op = self.iconst(kind as i64);
        let r = self.helper_or_unwind(Helper::Arith, &[op, x, y]);
        // The result may be new (a big integer): root it before polling.
        self.store(r, self.regs, dst as i32 * 8);
        self.gc_poll();
        self.b.ins().jump(done, &[BlockArg::Value(r)]);
    }

    /// 1 when both are inline integers.
    fn both_ints(&mut self, x: ir::Value, y: ir::Value) -> ir::Value {
        let both = self.b.ins().band(x, y);
        self.b
            .ins()
            .icmp_imm_u(IntCC::UnsignedGreaterThanOrEqual, both, INT_TAG as i64)
    }

    /// 1 when both are floats.
    fn both_floats(&mut self, x: ir::Value, y: ir::Value) -> ir::Value {
        let fx = self.is_float(x);
        let fy = self.is_float(y);
        self.b.ins().band(fx, fy)
    }

    /// 1 when the i64 `r` fits the 51-bit inline payload.
    pub(super) fn fits_inline(&mut self, r: ir::Value) -> ir::Value {
        let back = self.untag_int(r);
        self.b.ins().icmp(IntCC::Equal, back, r)
    }

    pub(super) fn add_imm(&mut self, pc: usize, dst: Reg, a: Reg, imm: i16) {
        let x = self.get(a);
        let done = self.b.create_block();
        let result = self.b.append_block_param(done, I64);
        let slow = self.b.create_block();
        self.b.set_cold_block(slow);
        let is_int = self
            .b
            .ins()
            .icmp_imm_u(IntCC::UnsignedGreaterThanOrEqual, x, INT_TAG as i64);
        let int_block = self.b.create_block();
        self.b.ins().brif(is_int, int_block, &[], slow, &[]);
        self.b.switch_to_block(int_block);
        let i = self.untag_int(x);
        let r = self.b.ins().iadd_imm_s(i, imm as i64);
        let fits = self.fits_inline(r);
        let tagged = self.tag_int(r);
        self.b
            .ins()
            .brif(fits, done, &[BlockArg::Value(tagged)], slow, &[]);
        self.b.switch_to_block(slow);
        let y = self.konst(Value::int_unchecked(imm as i64));
        self.arith_helper(pc, dst, ArithKind::Add, x, y, done);
        self.b.switch_to_block(done);
        self.set(dst, result);
    }

    /// A numeric comparison; `code` names it for the helper (`arith::CmpOp`
    /// order: =, <, <=, >, >=).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn compare(
        &mut self,
        pc: usize,
        dst: Reg,
        a: Reg,
        b: Reg,
        icc: IntCC,
        fcc: FloatCC,
        code: i64,
    ) {
        let (x, y) = (self.get(a), self.get(b));
        let done = self.b.create_block();
        let result = self.b.append_block_param(done, I64);
        let truth = self.b.append_block_param(done, types::I8);
        let slow = self.b.create_block();
        self.b.set_cold_block(slow);
        let ints = self.both_ints(x, y);
        let int_block = self.b.create_block();
        let float_check = self.b.create_block();
        self.b.ins().brif(ints, int_block, &[], float_check, &[]);
        self.b.switch_to_block(int_block);
        // Shifting out the tag puts the payload's sign in bit 63.
        let i = self.b.ins().ishl_imm_u(x, INT_SHIFT);
        let j = self.b.ins().ishl_imm_u(y, INT_SHIFT);
        let c = self.b.ins().icmp(icc, i, j);
        let r = self.bool_value(c);
        self.b
            .ins()
            .jump(done, &[BlockArg::Value(r), BlockArg::Value(c)]);
        self.b.switch_to_block(float_check);
        let floats = self.both_floats(x, y);
        let float_block = self.b.create_block();
        self.b.ins().brif(floats, float_block, &[], slow, &[]);
        self.b.switch_to_block(float_block);
        let (p, q) = (self.as_f64(x), self.as_f64(y));
        let c = self.b.ins().fcmp(fcc, p, q);
        let r = self.bool_value(c);
        self.b
            .ins()
            .jump(done, &[BlockArg::Value(r), BlockArg::Value(c)]);
        self.b.switch_to_block(slow);
        self.save_pc(pc);
        let op = self.iconst(code);
        let r = self.helper_or_unwind(Helper::Compare, &[op, x, y]);
        let c = self
            .b
            .ins()
            .icmp_imm_s(IntCC::NotEqual, r, Value::FALSE.0 as i64);
        self.b
            .ins()
            .jump(done, &[BlockArg::Value(r), BlockArg::Value(c)]);
        self.b.switch_to_block(done);
        self.set(dst, result);
        self.truth = Some((dst, truth));
    }
}

/// The arithmetic operators, numbered as the helper expects.
#[derive(Clone, Copy)]
pub(super) enum ArithKind {
    Add = 0,
    Sub = 1,
    Mul = 2,
}
