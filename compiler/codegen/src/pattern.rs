//! `match`: each clause tests its pattern against the value, jumping to
//! the next clause on the first mismatch.

use crate::builder::Patch;
use crate::expr::FnGen;
use fluent_ir::core::*;
use fluent_vm::bytecode::{Const, Op, Reg};
use fluent_vm::primitives;

impl FnGen<'_, '_> {
    pub(crate) fn match_(&mut self, v: &Expr, clauses: &[Clause], dst: Reg, tail: bool) {
        let mark = self.b.next_reg;
        let span = self.b.span;
        // The scrutinee gets its own register: clause bodies may assign
        // the variable it came from.
        let value = self.b.alloc();
        self.expr(v, value, false);
        let mut to_end = Vec::new();
        for c in clauses {
            let clause_mark = self.b.next_reg;
            self.b.span = c.span;
            let mut fails = Vec::new();
            self.pattern(&c.pat, value, &mut fails);
            if let Some(g) = &c.guard {
                let r = self.operand(g);
                fails.push(self.b.jump_if_false(r));
            }
            self.expr(&c.body, dst, tail);
            if !tail {
                to_end.push(self.b.jump());
            }
            self.b.land_all(fails);
            self.b.free_to(clause_mark);
        }
        self.b.span = span;
        self.b.emit(Op::NoMatch { src: value });
        self.b.land_all(to_end);
        self.b.free_to(mark);
    }

    /// Emits the tests of `p` against the value in `r`, binding its
    /// variables; every mismatch jumps to a patch added to `fails`.
    fn pattern(&mut self, p: &Pattern, r: Reg, fails: &mut Vec<Patch>) {
        match p {
            Pattern::Wild => {}
            Pattern::Bind(v) => self.bind_copy(*v, r),
            Pattern::Lit(l) => {
                let t = self.b.alloc();
                let k = match l {
                    Lit::Int(i) => Const::Int(*i),
                    Lit::Float(x) => Const::Float(*x),
                    Lit::Str(s) => Const::Str(s.clone()),
                    Lit::Char(c) => Const::Char(*c),
                    Lit::Symbol(s) => Const::Symbol(s.clone()),
                    Lit::Keyword(k) => Const::Keyword(k.clone()),
                    Lit::Quote(d) => Const::Datum(d.clone()),
                    Lit::Bool(b) => {
                        let imm = if *b {
                            Op::LoadImm { dst: t, imm: 1 }
                        } else {
                            Op::LoadImm { dst: t, imm: 2 }
                        };
                        self.b.emit(imm);
                        self.b.emit(Op::Eq { dst: t, a: r, b: t });
                        fails.push(self.b.jump_if_false(t));
                        return;
                    }
                    Lit::Nil | Lit::Unspecified => {
                        self.b.emit(Op::IsNull { dst: t, src: r });
                        fails.push(self.b.jump_if_false(t));
                        return;
                    }
                };
                // `equal?` gives numbers, strings and quoted data the
                // right comparison (and `eq?` speed on immediates).
                let base = self.b.alloc_n(2);
                let k = self.b.constant(k);
                self.b.emit(Op::Move { dst: base, src: r });
                self.b.emit(Op::LoadConst { dst: base + 1, k });
                let equal = primitives::lookup("equal?").expect("equal?");
                self.b.emit(Op::CallPrim {
                    base,
                    argc: 2,
                    prim: equal.0,
                });
                fails.push(self.b.jump_if_false(base));
            }
            Pattern::Nil => {
                let t = self.b.alloc();
                self.b.emit(Op::IsNull { dst: t, src: r });
                fails.push(self.b.jump_if_false(t));
            }
            Pattern::Pair(h, t) => {
                let test = self.b.alloc();
                self.b.emit(Op::IsPair { dst: test, src: r });
                fails.push(self.b.jump_if_false(test));
                let hr = self.b.alloc();
                self.b.emit(Op::Car { dst: hr, src: r });
                self.pattern(h, hr, fails);
                let tr = self.b.alloc();
                self.b.emit(Op::Cdr { dst: tr, src: r });
                self.pattern(t, tr, fails);
            }
            Pattern::Vector(ps) => {
                let test = self.b.alloc();
                self.b.emit(Op::VecLenIs {
                    dst: test,
                    src: r,
                    len: ps.len() as u16,
                });
                fails.push(self.b.jump_if_false(test));
                for (i, p) in ps.iter().enumerate() {
                    let e = self.b.alloc();
                    self.b.emit(Op::VecRefK {
                        dst: e,
                        src: r,
                        idx: i as u16,
                    });
                    self.pattern(p, e, fails);
                }
            }
            Pattern::Tagged(tag, ps) => {
                let test = self.b.alloc();
                let k = self.b.constant16(Const::Tag {
                    name: tag.clone(),
                    arity: ps.len() as u16,
                });
                self.b.emit(Op::TagIs {
                    dst: test,
                    src: r,
                    k,
                });
                fails.push(self.b.jump_if_false(test));
                for (i, p) in ps.iter().enumerate() {
                    let f = self.b.alloc();
                    self.b.emit(Op::TagField {
                        dst: f,
                        src: r,
                        idx: i as u16,
                    });
                    self.pattern(p, f, fails);
                }
            }
            Pattern::Or(alts) => {
                let mut matched = Vec::new();
                let (last, init) = alts.split_last().expect("or has alternatives");
                for alt in init {
                    let mut alt_fails = Vec::new();
                    self.pattern(alt, r, &mut alt_fails);
                    matched.push(self.b.jump());
                    self.b.land_all(alt_fails);
                }
                self.pattern(last, r, fails);
                self.b.land_all(matched);
            }
            Pattern::As(v, p) => {
                self.bind_copy(*v, r);
                self.pattern(p, r, fails);
            }
            Pattern::Pred(pred, p) => {
                let base = self.b.alloc_n(2);
                self.expr(pred, base, false);
                self.b.emit(Op::Move {
                    dst: base + 1,
                    src: r,
                });
                self.b.emit(Op::Call { base, argc: 1 });
                fails.push(self.b.jump_if_false(base));
                self.pattern(p, r, fails);
            }
        }
    }
}
