//! Arithmetic, integer division and comparisons: inline int and float
//! paths, a helper for the rest.
//!
//! Integers are tested first, then floats, using what the translator
//! knows about the operands: a float constant needs no test and rules the
//! integer path out; a register that an earlier arithmetic instruction
//! left unboxed ([`Known::Float`]) is tested with that instruction's
//! flag and not unboxed again, so a chain of float operations runs on
//! `f64`s. Nothing is speculated: every path still tests what it uses.

use super::*;

/// An operand known to be a float, at least when `flag` (an `i8`) is set.
#[derive(Clone, Copy)]
pub(super) struct KnownFloat {
    /// `None`: a constant, so always a float.
    flag: Option<ir::Value>,
    /// The unboxed `f64`.
    f: ir::Value,
}

impl Translator<'_, '_> {
    /// What is known about register `r` (holding `v`) being a float.
    fn known_float(&mut self, r: Reg, v: ir::Value) -> Option<KnownFloat> {
        if let Some(bits) = self.const_of(v) {
            let f = Value(bits as u64).as_float()?;
            return Some(KnownFloat {
                flag: None,
                f: self.b.ins().f64const(f),
            });
        }
        match self.known[r as usize] {
            Some(Known::Float(flag, f)) => Some(KnownFloat {
                flag: Some(flag),
                f,
            }),
            _ => None,
        }
    }

    /// Branches to `yes` when `x` and `y` are both floats (using what is
    /// known of them), else to `no`.
    fn branch_if_floats(
        &mut self,
        ops: [(ir::Value, Option<KnownFloat>); 2],
        yes: Block,
        no: Block,
    ) {
        let mut test: Option<ir::Value> = None;
        for (v, known) in ops {
            let t = match known {
                Some(KnownFloat { flag: None, .. }) => continue,
                Some(KnownFloat { flag: Some(f), .. }) => f,
                None => self.is_float(v),
            };
            test = Some(match test {
                Some(s) => self.b.ins().band(s, t),
                None => t,
            });
        }
        match test {
            Some(t) => self.b.ins().brif(t, yes, &[], no, &[]),
            None => self.b.ins().jump(yes, &[]),
        };
    }

    /// The unboxed value of a float operand.
    fn f64_of(&mut self, v: ir::Value, known: Option<KnownFloat>) -> ir::Value {
        match known {
            Some(k) => k.f,
            None => self.as_f64(v),
        }
    }

    /// Lays out the type dispatch of a binary numeric operation on `x`
    /// (register `a`) and `y` (register `b`): returns the blocks where both
    /// are inline ints, and the floats' unboxed
    /// values. Every other case goes to `slow`. The current block is then
    /// the float block; there is no int block if a float constant rules it
    /// out.
    fn dispatch_numeric(
        &mut self,
        (a, x): (Reg, ir::Value),
        (b, y): (Reg, ir::Value),
        slow: Block,
    ) -> (Option<Block>, ir::Value, ir::Value) {
        let (kx, ky) = (self.known_float(a, x), self.known_float(b, y));
        let int_block = self.b.create_block();
        let float_block = self.b.create_block();
        let is_const = |k: Option<KnownFloat>| matches!(k, Some(KnownFloat { flag: None, .. }));
        let ints_possible = !(is_const(kx) || is_const(ky));
        if !ints_possible {
            // A float constant: the integer path cannot be taken.
            self.branch_if_floats([(x, kx), (y, ky)], float_block, slow);
        } else {
            let float_check = self.b.create_block();
            let ints = self.both_ints(x, y);
            self.b.ins().brif(ints, int_block, &[], float_check, &[]);
            self.b.switch_to_block(float_check);
            self.branch_if_floats([(x, kx), (y, ky)], float_block, slow);
        }
        self.b.switch_to_block(float_block);
        let (p, q) = (self.f64_of(x, kx), self.f64_of(y, ky));
        (ints_possible.then_some(int_block), p, q)
    }

    /// `a op b`: inline ints (overflowing the inline range goes to the
    /// helper, which boxes or faults), inline floats, else the helper. The
    /// result is also left unboxed ([`Known::Float`]) for the next
    /// arithmetic instruction.
    pub(super) fn arith(&mut self, pc: usize, dst: Reg, a: Reg, b: Reg, kind: ArithKind) {
        let (x, y) = (self.get(a), self.get(b));
        let done = self.b.create_block();
        let result = self.b.append_block_param(done, I64);
        let is_float = self.b.append_block_param(done, types::I8);
        let unboxed = self.b.append_block_param(done, types::F64);
        let slow = self.b.create_block();
        self.b.set_cold_block(slow);
        let (int_block, p, q) = self.dispatch_numeric((a, x), (b, y), slow);
        // Floats (the current block).
        let r = match kind {
            ArithKind::Add => self.b.ins().fadd(p, q),
            ArithKind::Sub => self.b.ins().fsub(p, q),
            ArithKind::Mul => self.b.ins().fmul(p, q),
        };
        let yes = self.b.ins().iconst(types::I8, 1);
        self.box_f64_to(r, done, &[BlockArg::Value(yes), BlockArg::Value(r)]);
        // Integers.
        if let Some(int_block) = int_block {
            self.b.switch_to_block(int_block);
            self.int_arith(kind, x, y, done, slow);
        }
        // Everything else (and results outside the inline range).
        self.b.switch_to_block(slow);
        let not_float = self.not_float_args();
        self.arith_helper(pc, dst, kind as i64, x, y, done, &not_float);
        self.b.switch_to_block(done);
        self.set(dst, result);
        self.known[dst as usize] = Some(Known::Float(is_float, unboxed));
    }

    /// The inline integer path of `+ - *`: to `done` if the result fits
    /// inline, else to `slow`.
    fn int_arith(&mut self, kind: ArithKind, x: ir::Value, y: ir::Value, done: Block, slow: Block) {
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
        let not_float = self.not_float_args();
        let mut args = vec![BlockArg::Value(tagged)];
        args.extend(not_float);
        self.b.ins().brif(fits, done, &args, slow, &[]);
    }

    /// The unboxed-float block arguments of a result that is not known to
    /// be a float.
    fn not_float_args(&mut self) -> [BlockArg; 2] {
        let no = self.b.ins().iconst(types::I8, 0);
        let zero = self.b.ins().f64const(0.0);
        [BlockArg::Value(no), BlockArg::Value(zero)]
    }

    /// The cold path of `+ - *` and the integer divisions (`code`: an
    /// [`ArithKind`] or a [`DivKind`]): the helper boxes a big result or
    /// raises; then on to `done` with the value (and `extra`).
    #[allow(clippy::too_many_arguments)]
    fn arith_helper(
        &mut self,
        pc: usize,
        dst: Reg,
        code: i64,
        x: ir::Value,
        y: ir::Value,
        done: Block,
        extra: &[BlockArg],
    ) {
        self.save_pc(pc);
        let op = self.iconst(code);
        let r = self.helper_or_unwind(Helper::Arith, &[op, x, y]);
        // The result may be new (a big integer): root it before polling.
        self.store(r, self.regs, dst as i32 * 8);
        self.gc_poll();
        self.jump_with(done, r, extra);
    }

    /// `quotient`, `remainder` or `modulo`: inline when both operands are
    /// inline integers and the divisor is not zero. Then `sdiv` and `srem`
    /// cannot trap (a 51-bit dividend is never i64::MIN), and only a
    /// quotient can leave the inline range (the least inline integer by
    /// -1). Everything else goes to the helper, which runs the primitive's
    /// code: floats, big integers, division by zero, type errors.
    pub(super) fn int_div(&mut self, pc: usize, dst: Reg, a: Reg, b: Reg, kind: DivKind) {
        let (x, y) = (self.get(a), self.get(b));
        let done = self.b.create_block();
        let result = self.b.append_block_param(done, I64);
        let slow = self.b.create_block();
        self.b.set_cold_block(slow);
        let ints = self.both_ints(x, y);
        let int_block = self.b.create_block();
        self.b.ins().brif(ints, int_block, &[], slow, &[]);
        self.b.switch_to_block(int_block);
        let (i, j) = (self.untag_int(x), self.untag_int(y));
        let divide = self.b.create_block();
        self.b.ins().brif(j, divide, &[], slow, &[]);
        self.b.switch_to_block(divide);
        let r = match kind {
            DivKind::Quotient => self.b.ins().sdiv(i, j),
            DivKind::Remainder => self.b.ins().srem(i, j),
            DivKind::Modulo => {
                // The remainder, plus the divisor when the two are of
                // different signs and the remainder is not zero.
                let r = self.b.ins().srem(i, j);
                let signs = self.b.ins().bxor(r, j);
                let differ = self.b.ins().icmp_imm_s(IntCC::SignedLessThan, signs, 0);
                let nonzero = self.b.ins().icmp_imm_s(IntCC::NotEqual, r, 0);
                let adjust = self.b.ins().band(differ, nonzero);
                let zero = self.iconst(0);
                let by = self.b.ins().select(adjust, j, zero);
                self.b.ins().iadd(r, by)
            }
        };
        let tagged = self.tag_int(r);
        let args = [BlockArg::Value(tagged)];
        match kind {
            DivKind::Quotient => {
                let fits = self.fits_inline(r);
                self.b.ins().brif(fits, done, &args, slow, &[]);
            }
            DivKind::Remainder | DivKind::Modulo => {
                self.b.ins().jump(done, &args);
            }
        }
        self.b.switch_to_block(slow);
        self.arith_helper(pc, dst, kind as i64, x, y, done, &[]);
        self.b.switch_to_block(done);
        self.set(dst, result);
    }

    /// 1 when both are inline integers.
    fn both_ints(&mut self, x: ir::Value, y: ir::Value) -> ir::Value {
        let both = self.b.ins().band(x, y);
        self.b
            .ins()
            .icmp_imm_u(IntCC::UnsignedGreaterThanOrEqual, both, INT_TAG as i64)
    }

    /// 1 when the i64 `r` fits the 51-bit inline payload.
    pub(super) fn fits_inline(&mut self, r: ir::Value) -> ir::Value {
        let back = self.untag_int(r);
        self.b.ins().icmp(IntCC::Equal, back, r)
    }

    /// `a + imm` or `a - imm` (`kind` Add or Sub).
    pub(super) fn add_imm(&mut self, pc: usize, dst: Reg, a: Reg, imm: i16, kind: ArithKind) {
        let delta = match kind {
            ArithKind::Sub => -(imm as i64),
            _ => imm as i64,
        };
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
        let r = self.b.ins().iadd_imm_s(i, delta);
        let fits = self.fits_inline(r);
        let tagged = self.tag_int(r);
        self.b
            .ins()
            .brif(fits, done, &[BlockArg::Value(tagged)], slow, &[]);
        self.b.switch_to_block(slow);
        let y = self.konst(Value::int_unchecked(imm as i64));
        self.arith_helper(pc, dst, kind as i64, x, y, done, &[]);
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
        let (int_block, p, q) = self.dispatch_numeric((a, x), (b, y), slow);
        let c = self.b.ins().fcmp(fcc, p, q);
        let r = self.bool_value(c);
        self.b
            .ins()
            .jump(done, &[BlockArg::Value(r), BlockArg::Value(c)]);
        if let Some(int_block) = int_block {
            self.b.switch_to_block(int_block);
            // Shifting out the tag puts the payload's sign in bit 63.
            let i = self.b.ins().ishl_imm_u(x, INT_SHIFT);
            let j = self.b.ins().ishl_imm_u(y, INT_SHIFT);
            let c = self.b.ins().icmp(icc, i, j);
            let r = self.bool_value(c);
            self.b
                .ins()
                .jump(done, &[BlockArg::Value(r), BlockArg::Value(c)]);
        }
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

/// The integer divisions, numbered as the helper expects (after
/// [`ArithKind`]'s).
#[derive(Clone, Copy)]
pub(super) enum DivKind {
    Quotient = 3,
    Remainder = 4,
    Modulo = 5,
}
