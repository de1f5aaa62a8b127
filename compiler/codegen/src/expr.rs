//! Core expressions to bytecode.
//!
//! Every expression is compiled into a destination register; in tail
//! position (`tail`) it returns instead, with calls becoming `TailCall`.
//! Registers are allocated as a stack: a scope's variables and temporaries
//! are freed when it ends.

use crate::analysis::{VarFacts, free_vars, mentioned, mentions, tail_calls};
use crate::builder::FnBuilder;
use fluent_ir::core::*;
use fluent_syntax::Span;
use fluent_vm::bytecode::{
    Arity, CaptureSrc, Const, GlobalName, Imm, InlineScope, Op, Origin, Proto, Reg,
};
use fluent_vm::primitives::{self, PrimId};
use std::collections::{BTreeSet, HashMap, HashSet};

/// Where a variable lives in the function being compiled.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Loc {
    Reg(Reg),
    /// The register holds a box with the value.
    Boxed(Reg),
    Upval(u16),
    /// The capture is a box with the value.
    BoxedUpval(u16),
}

pub(crate) struct LoopInfo {
    header: u32,
    /// Registers the next iteration's values are written to.
    params: Vec<Reg>,
    vars: Vec<VarId>,
    counter: u16,
}

/// State shared by every function of the unit.
pub(crate) struct UnitGen<'a> {
    pub facts: &'a VarFacts,
    /// Lambdas compiled so far (unit-local index = position + 1; 0 is the
    /// item's own code).
    pub protos: Vec<Proto>,
    pub globals: Vec<GlobalName>,
    /// The index of each global in `globals`.
    pub global_index: HashMap<GlobalName, u32>,
    /// The items inlined code comes from (unit-local file `k` is
    /// `origins[k - 1]`), and the unit-local file of each.
    pub origins: Vec<Origin>,
    pub origin_index: HashMap<Origin, u32>,
    pub too_large: bool,
}

impl UnitGen<'_> {
    pub fn global(&mut self, g: &GlobalName) -> u32 {
        if let Some(&i) = self.global_index.get(g) {
            return i;
        }
        let i = self.globals.len() as u32;
        self.globals.push(g.clone());
        self.global_index.insert(g.clone(), i);
        i
    }

    /// The unit-local file of inlined code from `origin`.
    fn origin_file(&mut self, origin: Origin) -> u32 {
        if let Some(&k) = self.origin_index.get(&origin) {
            return k;
        }
        self.origins.push(origin.clone());
        let k = self.origins.len() as u32;
        self.origin_index.insert(origin, k);
        k
    }
}

/// Compiles one function.
pub(crate) struct FnGen<'u, 'a> {
    pub unit: &'u mut UnitGen<'a>,
    pub b: FnBuilder,
    pub locs: HashMap<VarId, Loc>,
    pub loops: HashMap<LoopId, LoopInfo>,
    /// For each inlined body being compiled, innermost last: the calls
    /// and `Inlined` nodes in its tail position.
    tail_calls: Vec<HashSet<*const Expr>>,
}

fn prim(name: &str) -> PrimId {
    primitives::lookup(name).expect("primitive the code generator uses")
}

impl<'u, 'a> FnGen<'u, 'a> {
    pub fn new(unit: &'u mut UnitGen<'a>, b: FnBuilder) -> Self {
        FnGen {
            unit,
            b,
            locs: HashMap::new(),
            loops: HashMap::new(),
            tail_calls: Vec::new(),
        }
    }

    fn is_boxed(&self, v: VarId) -> bool {
        self.unit.facts.boxed.contains(&v)
    }

    /// Gives `v` register `r`, which already holds its value; boxes it if
    /// it must be.
    fn bind_reg(&mut self, v: VarId, r: Reg) {
        if self.is_boxed(v) {
            self.b.emit(Op::MakeBox { dst: r, src: r });
            self.locs.insert(v, Loc::Boxed(r));
        } else {
            self.locs.insert(v, Loc::Reg(r));
        }
    }

    /// Binds `v` to a copy of the value in `r` (a pattern variable). The
    /// alternatives of an `or` pattern bind the same variable: later ones
    /// reuse the register the first one got.
    pub(crate) fn bind_copy(&mut self, v: VarId, r: Reg) {
        match self.locs.get(&v).copied() {
            Some(Loc::Reg(dst)) => self.mov(dst, r),
            Some(Loc::Boxed(dst)) => {
                self.mov(dst, r);
                self.b.emit(Op::MakeBox { dst, src: dst });
            }
            _ => {
                let dst = self.b.alloc();
                self.mov(dst, r);
                self.bind_reg(v, dst);
            }
        }
    }

    fn ret_if(&mut self, tail: bool, r: Reg) {
        if tail {
            self.b.emit(Op::Return { src: r });
        }
    }

    fn load_imm(&mut self, dst: Reg, imm: Imm) {
        self.b.emit(Op::LoadImm {
            dst,
            imm: imm as u8,
        });
    }

    fn load_const(&mut self, dst: Reg, c: Const) {
        let k = self.b.constant(c);
        self.b.emit(Op::LoadConst { dst, k });
    }

    /// The register holding `e`'s value: a variable's own register when
    /// that is safe to read later (never assigned), else a new temporary.
    pub fn operand(&mut self, e: &Expr) -> Reg {
        if let ExprKind::Local(v) = e.kind
            && let (Some(Loc::Reg(r)), false) =
                (self.locs.get(&v), self.unit.facts.assigned.contains(&v))
        {
            return *r;
        }
        let t = self.b.alloc();
        self.expr(e, t, false);
        t
    }

    pub fn expr(&mut self, e: &Expr, dst: Reg, tail: bool) {
        let saved_span = self.b.span;
        self.b.span = e.span;
        self.expr_inner(e, dst, tail);
        self.b.span = saved_span;
    }

    fn expr_inner(&mut self, e: &Expr, dst: Reg, tail: bool) {
        match &e.kind {
            ExprKind::Lit(l) => {
                self.lit(l, dst);
                self.ret_if(tail, dst);
            }
            ExprKind::Local(v) => {
                self.read_var(*v, dst);
                self.ret_if(tail, dst);
            }
            ExprKind::Global(g) => {
                let g = self.unit.global(g);
                self.b.emit(Op::GetGlobal { dst, g });
                self.ret_if(tail, dst);
            }
            ExprKind::Prim(p) => {
                self.load_const(dst, Const::Prim(primitives::info(*p).name.into()));
                self.ret_if(tail, dst);
            }
            ExprKind::SetLocal(v, x) => {
                self.set_var(*v, x);
                self.load_imm(dst, Imm::Unspecified);
                self.ret_if(tail, dst);
            }
            ExprKind::SetGlobal(g, x) => {
                let mark = self.b.next_reg;
                let r = self.operand(x);
                let g = self.unit.global(g);
                self.b.emit(Op::SetGlobal { src: r, g });
                self.b.free_to(mark);
                self.load_imm(dst, Imm::Unspecified);
                self.ret_if(tail, dst);
            }
            ExprKind::If(c, t, f) => self.if_(c, t, f, dst, tail),
            ExprKind::Seq(es) => {
                let (last, init) = es.split_last().expect("non-empty seq");
                for x in init {
                    self.effect(x);
                }
                self.expr(last, dst, tail);
            }
            ExprKind::Let(bs, body) => {
                let mark = self.b.next_reg;
                let regs: Vec<Reg> = bs.iter().map(|_| self.b.alloc()).collect();
                for ((_, init), r) in bs.iter().zip(&regs) {
                    self.expr(init, *r, false);
                }
                for ((v, _), r) in bs.iter().zip(&regs) {
                    self.bind_reg(*v, *r);
                }
                self.expr(body, dst, tail);
                self.b.free_to(mark);
            }
            ExprKind::Letrec(bs, body) => {
                let mark = self.b.next_reg;
                self.letrec(bs);
                self.expr(body, dst, tail);
                self.b.free_to(mark);
            }
            ExprKind::Lambda(l) => {
                self.lambda(l, dst);
                self.ret_if(tail, dst);
            }
            ExprKind::Call(f, args) => {
                let left = self.leaves_scope(e);
                self.call(f, args, dst, tail, left)
            }
            ExprKind::PrimCall(p, args) => {
                let left = self.leaves_scope(e);
                self.prim_call(*p, args, e.span, dst, tail, left)
            }
            ExprKind::Loop(id, bs, body) => self.loop_(*id, bs, body, dst, tail),
            ExprKind::Recur(id, args) => self.recur(*id, args),
            ExprKind::Match(v, clauses) => self.match_(v, clauses, dst, tail),
            ExprKind::Try(body, v, handler) => self.try_(body, *v, handler, dst, tail),
            ExprKind::Inlined(o, body) => self.inlined(e, o, body, dst, tail),
            ExprKind::Tagged(tag, args) => {
                let mark = self.b.next_reg;
                let base = self.b.alloc_n(args.len().max(1));
                for (i, a) in args.iter().enumerate() {
                    self.expr(a, base + i as Reg, false);
                }
                let k = self.b.constant16(Const::Tag {
                    name: tag.clone(),
                    arity: args.len() as u16,
                });
                self.b.emit(Op::MakeTagged {
                    base,
                    argc: args.len() as u16,
                    k,
                });
                self.mov(dst, base);
                self.b.free_to(mark);
                self.ret_if(tail, dst);
            }
        }
    }

    /// Compiles `e` for its effects only.
    fn effect(&mut self, e: &Expr) {
        let mark = self.b.next_reg;
        let t = self.b.alloc();
        self.expr(e, t, false);
        self.b.free_to(mark);
    }

    fn mov(&mut self, dst: Reg, src: Reg) {
        if dst != src {
            self.b.emit(Op::Move { dst, src });
        }
    }

    fn lit(&mut self, l: &Lit, dst: Reg) {
        match l {
            Lit::Int(i) if i32::try_from(*i).is_ok() => {
                self.b.emit(Op::LoadInt { dst, i: *i as i32 });
            }
            Lit::Int(i) => self.load_const(dst, Const::Int(*i)),
            Lit::Float(x) => self.load_const(dst, Const::Float(*x)),
            Lit::Str(s) => self.load_const(dst, Const::Str(s.clone())),
            Lit::Char(c) => self.load_const(dst, Const::Char(*c)),
            Lit::Bool(true) => self.load_imm(dst, Imm::True),
            Lit::Bool(false) => self.load_imm(dst, Imm::False),
            Lit::Nil => self.load_imm(dst, Imm::Nil),
            Lit::Unspecified => self.load_imm(dst, Imm::Unspecified),
            Lit::Symbol(s) => self.load_const(dst, Const::Symbol(s.clone())),
            Lit::Keyword(k) => self.load_const(dst, Const::Keyword(k.clone())),
            Lit::Quote(d) => self.load_const(dst, Const::Datum(d.clone())),
        }
    }

    fn read_var(&mut self, v: VarId, dst: Reg) {
        match self.locs.get(&v).copied() {
            Some(Loc::Reg(r)) => self.mov(dst, r),
            Some(Loc::Boxed(r)) => {
                self.b.emit(Op::BoxGet { dst, src: r });
            }
            Some(Loc::Upval(i)) => {
                self.b.emit(Op::GetUpval { dst, idx: i });
            }
            Some(Loc::BoxedUpval(i)) => {
                self.b.emit(Op::GetUpval { dst, idx: i });
                self.b.emit(Op::BoxGet { dst, src: dst });
            }
            None => unreachable!("variable {v:?} has no location"),
        }
    }

    fn set_var(&mut self, v: VarId, x: &Expr) {
        match self.locs.get(&v).copied() {
            Some(Loc::Reg(r)) => self.expr_into_var(x, v, r),
            Some(Loc::Boxed(cell)) => {
                let mark = self.b.next_reg;
                let r = self.operand(x);
                self.b.emit(Op::BoxSet { cell, src: r });
                self.b.free_to(mark);
            }
            Some(Loc::BoxedUpval(i)) => {
                let mark = self.b.next_reg;
                let r = self.operand(x);
                let cell = self.b.alloc();
                self.b.emit(Op::GetUpval { dst: cell, idx: i });
                self.b.emit(Op::BoxSet { cell, src: r });
                self.b.free_to(mark);
            }
            Some(Loc::Upval(_)) | None => {
                unreachable!("assigned captured variable {v:?} is not boxed")
            }
        }
    }

    /// Compiles `x` into `r`, the register of variable `v`, going through
    /// a temporary when `x` could clobber `r` while still reading `v`.
    fn expr_into_var(&mut self, x: &Expr, v: VarId, r: Reg) {
        if safe_into(x, v) {
            self.expr(x, r, false);
        } else {
            let mark = self.b.next_reg;
            let t = self.b.alloc();
            self.expr(x, t, false);
            self.mov(r, t);
            self.b.free_to(mark);
        }
    }

    fn if_(&mut self, c: &Expr, t: &Expr, f: &Expr, dst: Reg, tail: bool) {
        let mark = self.b.next_reg;
        // `(if (not x) a b)` tests x directly.
        let (cond, negate) = match &c.kind {
            ExprKind::PrimCall(p, args) if args.len() == 1 && *p == prim("not") => (&args[0], true),
            _ => (c, false),
        };
        let r = self.operand(cond);
        self.b.free_to(mark);
        let to_else = if negate {
            self.b.jump_if_true(r)
        } else {
            self.b.jump_if_false(r)
        };
        self.expr(t, dst, tail);
        let to_end = (!tail).then(|| self.b.jump());
        self.b.land(to_else);
        self.expr(f, dst, tail);
        if let Some(p) = to_end {
            self.b.land(p);
        }
    }

    /// Binds a `letrec*` group: closures first see each other through
    /// patched captures (or shared boxes for assigned variables).
    fn letrec(&mut self, bs: &[(VarId, Expr)]) {
        let regs: Vec<Reg> = bs.iter().map(|_| self.b.alloc()).collect();
        for ((v, _), r) in bs.iter().zip(&regs) {
            self.load_imm(*r, Imm::Undefined);
            self.bind_reg(*v, *r);
        }
        // Closures created so far, with their free variables.
        let mut made: Vec<(Reg, Vec<VarId>)> = Vec::new();
        for ((v, init), r) in bs.iter().zip(&regs) {
            match letrec_lambda(init) {
                Some((origin, l)) if !self.is_boxed(*v) => {
                    // A function copied from another definition (the
                    // optimizer's specialized clones) is made in its
                    // origin's file, so its code reports that file's
                    // locations.
                    let outer = origin.map(|o| self.enter_origin(o, false));
                    let fv = self.lambda(l, *r);
                    if let Some(outer) = outer {
                        self.b.leave_scope(outer);
                    }
                    made.push((*r, fv));
                }
                _ if self.is_boxed(*v) => self.set_var(*v, init),
                _ => self.expr_into_var(init, *v, *r),
            }
            if !self.is_boxed(*v) {
                // Earlier closures (and this one) captured `v` before it
                // had its value: tie the knot.
                for (clo, fv) in &made {
                    if let Some(idx) = fv.iter().position(|x| x == v) {
                        self.b.emit(Op::PatchCapture {
                            clo: *clo,
                            idx: idx as u16,
                            src: *r,
                        });
                    }
                }
            }
        }
    }

    /// Compiles lambda `l` into a new function and emits its closure
    /// creation into `dst`. Returns its captured variables, in capture order.
    fn lambda(&mut self, l: &Lambda, dst: Reg) -> Vec<VarId> {
        let fv = match self.unit.facts.free.get(&(l as *const Lambda)) {
            Some(fv) => fv.clone(),
            None => free_vars(l),
        };
        if fv.len() > u16::MAX as usize {
            // Capture indices are 16 bits.
            self.unit.too_large = true;
        }
        let captures: Vec<CaptureSrc> = fv
            .iter()
            .map(|v| match self.locs.get(v) {
                Some(Loc::Reg(r)) | Some(Loc::Boxed(r)) => CaptureSrc::Local(*r),
                Some(Loc::Upval(i)) | Some(Loc::BoxedUpval(i)) => CaptureSrc::Upval(*i),
                None => unreachable!("free variable {v:?} has no location"),
            })
            .collect();
        let name = l.name.clone().unwrap_or_else(|| "lambda".into());
        let arity = Arity {
            required: l.params.len() as u16,
            rest: l.rest.is_some(),
        };
        let mut b = FnBuilder::new(name, arity, l.span, self.b.current_file());
        b.captures = captures;
        let mut child = FnGen::new(&mut *self.unit, b);
        for (i, v) in fv.iter().enumerate() {
            let loc = if child.is_boxed(*v) {
                Loc::BoxedUpval(i as u16)
            } else {
                Loc::Upval(i as u16)
            };
            child.locs.insert(*v, loc);
        }
        let params: Vec<VarId> = l.params.iter().chain(l.rest.iter()).copied().collect();
        let first = child.b.alloc_n(params.len());
        for (i, v) in params.iter().enumerate() {
            child.bind_reg(*v, first + i as Reg);
        }
        let result = child.b.alloc();
        child.expr(&l.body, result, true);
        let b = child.b;
        self.unit.too_large |= b.too_large;
        self.unit.protos.push(b.finish(l.span));
        let func = self.unit.protos.len() as u32;
        self.b.emit(Op::MakeClosure { dst, func });
        fv
    }

    /// Whether call `e` is in tail position of the inlined body it is in
    /// (not of the function, or it is a real tail call): a frame waiting
    /// on it has left that body, as the tail call it would have been.
    fn leaves_scope(&self, e: &Expr) -> bool {
        self.tail_calls
            .last()
            .is_some_and(|set| set.contains(&(e as *const Expr)))
    }

    /// Evaluates callee and arguments into consecutive registers from a
    /// base (reusing `dst` when it is the top register, saving a move).
    /// `leaves_scope`: see [`FnGen::leaves_scope`].
    fn call(&mut self, f: &Expr, args: &[Expr], dst: Reg, tail: bool, leaves_scope: bool) {
        let mark = self.b.next_reg;
        let base = if self.b.is_top(dst) && !tail {
            dst
        } else {
            self.b.alloc()
        };
        let _ = self.b.alloc_n(args.len());
        if self.b.too_large {
            // Too many arguments for the register window (the unit is
            // dropped): stop before register arithmetic overflows.
            self.b.free_to(mark);
            return;
        }
        self.expr(f, base, false);
        for (i, a) in args.iter().enumerate() {
            self.expr(a, base + 1 + i as Reg, false);
        }
        let argc = args.len() as u16;
        if tail {
            self.b.emit(Op::TailCall { base, argc });
        } else {
            let pc = self.b.emit(Op::Call { base, argc });
            if leaves_scope {
                self.b.scope_tail_call(pc);
            }
            self.mov(dst, base);
        }
        self.b.free_to(mark);
    }

    fn prim_call(
        &mut self,
        p: PrimId,
        args: &[Expr],
        span: Span,
        dst: Reg,
        tail: bool,
        leaves_scope: bool,
    ) {
        let info = primitives::info(p);
        if !info.accepts(args.len()) || (tail && info.name == "apply") {
            // A wrong argument count fails at run time, located; `apply`
            // in tail position must be a real tail call.
            let f = Expr::new(ExprKind::Prim(p), span);
            return self.call(&f, args, dst, tail, leaves_scope);
        }
        // So `apply` in tail position of an inlined body leaves the body.
        let apply_leaves = leaves_scope && info.name == "apply";
        if matches!(info.name, "+" | "*" | "-") && args.len() > 2 {
            // (+ a b c) is ((a + b) + c): left to right, like the
            // primitive. A loop over the arguments, not nested calls, so
            // that thousands of arguments neither nest deeply nor copy.
            let mark = self.b.next_reg;
            let acc = self.b.alloc();
            self.prim_call(p, &args[..2], span, acc, false, false);
            for x in &args[2..] {
                let m = self.b.next_reg;
                let b = self.operand(x);
                self.b.emit(match info.name {
                    "+" => Op::Add {
                        dst: acc,
                        a: acc,
                        b,
                    },
                    "*" => Op::Mul {
                        dst: acc,
                        a: acc,
                        b,
                    },
                    _ => Op::Sub {
                        dst: acc,
                        a: acc,
                        b,
                    },
                });
                self.b.free_to(m);
            }
            self.mov(dst, acc);
            self.b.free_to(mark);
            self.ret_if(tail, dst);
            return;
        }
        let mark = self.b.next_reg;
        if let Some(op) = self.inline_prim(info.name, args, dst) {
            self.b.emit(op);
            self.b.free_to(mark);
            self.ret_if(tail, dst);
            return;
        }
        self.b.free_to(mark);
        let base = if self.b.is_top(dst) {
            dst
        } else {
            self.b.alloc()
        };
        let end = base as usize + args.len();
        if end > self.b.next_reg as usize {
            self.b.alloc_n(end - self.b.next_reg as usize);
        }
        if self.b.too_large {
            self.b.free_to(mark);
            return;
        }
        for (i, a) in args.iter().enumerate() {
            self.expr(a, base + i as Reg, false);
        }
        let pc = self.b.emit(Op::CallPrim {
            base,
            argc: args.len() as u16,
            prim: p.0,
        });
        if apply_leaves {
            self.b.scope_tail_call(pc);
        }
        self.mov(dst, base);
        self.b.free_to(mark);
        self.ret_if(tail, dst);
    }

    /// The dedicated instruction for a primitive call, if it has one.
    fn inline_prim(&mut self, name: &str, args: &[Expr], dst: Reg) -> Option<Op> {
        let small = |e: &Expr| match e.kind {
            ExprKind::Lit(Lit::Int(i)) => i16::try_from(i).ok(),
            _ => None,
        };
        Some(match (name, args) {
            ("+", [a, b]) if small(b).is_some() => {
                let a = self.operand(a);
                Op::AddImm {
                    dst,
                    a,
                    imm: small(b)?,
                }
            }
            ("+", [a, b]) if small(a).is_some() => {
                let imm = small(a)?;
                let b = self.operand(b);
                Op::AddImm { dst, a: b, imm }
            }
            ("-", [a, b]) if small(b).is_some_and(|i| i != i16::MIN) => {
                let a = self.operand(a);
                Op::SubImm {
                    dst,
                    a,
                    imm: small(b)?,
                }
            }
            (
                "+" | "-" | "*" | "quotient" | "remainder" | "modulo" | "<" | "<=" | ">" | ">="
                | "=" | "eq?" | "cons",
                [a, b],
            ) => {
                let a = self.operand(a);
                let b = self.operand(b);
                match name {
                    "+" => Op::Add { dst, a, b },
                    "-" => Op::Sub { dst, a, b },
                    "*" => Op::Mul { dst, a, b },
                    "quotient" => Op::Quotient { dst, a, b },
                    "remainder" => Op::Remainder { dst, a, b },
                    "modulo" => Op::Modulo { dst, a, b },
                    "<" => Op::Lt { dst, a, b },
                    "<=" => Op::Le { dst, a, b },
                    ">" => Op::Gt { dst, a, b },
                    ">=" => Op::Ge { dst, a, b },
                    "=" => Op::NumEq { dst, a, b },
                    "eq?" => Op::Eq { dst, a, b },
                    _ => Op::Cons { dst, a, b },
                }
            }
            ("not" | "car" | "cdr" | "null?" | "pair?", [a]) => {
                let src = self.operand(a);
                match name {
                    "not" => Op::Not { dst, src },
                    "car" => Op::Car { dst, src },
                    "cdr" => Op::Cdr { dst, src },
                    "null?" => Op::IsNull { dst, src },
                    _ => Op::IsPair { dst, src },
                }
            }
            _ => return None,
        })
    }

    fn loop_(&mut self, id: LoopId, bs: &[(VarId, Expr)], body: &Expr, dst: Reg, tail: bool) {
        let mark = self.b.next_reg;
        let params: Vec<Reg> = bs.iter().map(|_| self.b.alloc()).collect();
        for ((_, init), r) in bs.iter().zip(&params) {
            self.expr(init, *r, false);
        }
        // Boxed loop variables get a fresh box each iteration, holding the
        // value written to their parameter register.
        let boxes: Vec<Option<Reg>> = bs
            .iter()
            .map(|(v, _)| self.is_boxed(*v).then(|| self.b.alloc()))
            .collect();
        let header = self.b.here();
        for (((v, _), p), bx) in bs.iter().zip(&params).zip(&boxes) {
            match bx {
                Some(cell) => {
                    self.b.emit(Op::MakeBox {
                        dst: *cell,
                        src: *p,
                    });
                    self.locs.insert(*v, Loc::Boxed(*cell));
                }
                None => {
                    self.locs.insert(*v, Loc::Reg(*p));
                }
            }
        }
        let counter = self.b.loops;
        match self.b.loops.checked_add(1) {
            Some(n) => self.b.loops = n,
            None => self.b.too_large = true,
        }
        let vars = bs.iter().map(|(v, _)| *v).collect();
        self.loops.insert(
            id,
            LoopInfo {
                header,
                params,
                vars,
                counter,
            },
        );
        self.expr(body, dst, tail);
        self.b.free_to(mark);
    }

    /// Rebinds the loop's variables and jumps back to its header. Each new
    /// value goes straight into its register unless a later argument still
    /// reads the old value.
    fn recur(&mut self, id: LoopId, args: &[Expr]) {
        let (params, vars, header, counter) = {
            let l = &self.loops[&id];
            (l.params.clone(), l.vars.clone(), l.header, l.counter)
        };
        let mark = self.b.next_reg;
        // Whether a later argument reads variable i: one pass from the
        // end, not a search of the later arguments for each.
        let mut later = BTreeSet::new();
        let mut read_later = vec![false; args.len()];
        for (i, a) in args.iter().enumerate().rev() {
            read_later[i] = later.contains(&vars[i]);
            later.extend(mentioned(a));
        }
        let mut moves = Vec::new();
        for (i, a) in args.iter().enumerate() {
            if matches!(a.kind, ExprKind::Local(v) if v == vars[i]) && !self.is_boxed(vars[i]) {
                continue;
            }
            let later_reads = read_later[i];
            if later_reads || !safe_into(a, vars[i]) {
                let t = self.b.alloc();
                self.expr(a, t, false);
                moves.push((params[i], t));
            } else {
                self.expr(a, params[i], false);
            }
        }
        for (p, t) in moves {
            self.mov(p, t);
        }
        self.b.free_to(mark);
        self.b.emit(Op::Loop {
            counter,
            to: header,
        });
    }

    /// Compiles the inlined body in place, in a new inline scope. Whether
    /// the call it replaces was a tail call: for the function's own code,
    /// whether this is its tail position (`tail`); inside another inlined
    /// body (which is compiled with that body's `tail`, not its own),
    /// whether the node is in that body's tail position.
    fn inlined(&mut self, node: &Expr, o: &InlineOrigin, body: &Expr, dst: Reg, tail: bool) {
        let was_tail = match self.tail_calls.last() {
            Some(set) => set.contains(&(node as *const Expr)),
            None => tail,
        };
        let outer = self.enter_origin(o, was_tail);
        self.tail_calls.push(tail_calls(body));
        self.expr(body, dst, tail);
        self.tail_calls.pop();
        self.b.leave_scope(outer);
    }

    /// Enters the inline scope of code from `o` (`tail`: the code is in
    /// tail position of the scope around it); returns the scope to leave
    /// back to.
    fn enter_origin(&mut self, o: &InlineOrigin, tail: bool) -> Option<u32> {
        let file = self.unit.origin_file(Origin {
            module: o.function.module.clone(),
            offset: o.offset,
        });
        self.b.enter_scope(InlineScope {
            parent: self.b.scope,
            name: o.name.clone(),
            file,
            call: o.call,
            tail,
        })
    }

    fn try_(&mut self, body: &Expr, v: VarId, handler: &Expr, dst: Reg, tail: bool) {
        let mark = self.b.next_reg;
        let r = self.b.alloc();
        let catch = self.b.push_catch(r);
        self.expr(body, dst, false);
        self.b.emit(Op::PopCatch {});
        let to_end = if tail {
            self.b.emit(Op::Return { src: dst });
            None
        } else {
            Some(self.b.jump())
        };
        self.b.land(catch);
        self.bind_reg(v, r);
        self.expr(handler, dst, tail);
        if let Some(p) = to_end {
            self.b.land(p);
        }
        self.b.free_to(mark);
    }
}

/// Whether `e` can be compiled straight into the register of `v`: it does
/// not read `v`, or it is one instruction that reads its operands before it
/// writes (`(+ i 1)`).
fn safe_into(e: &Expr, v: VarId) -> bool {
    let simple_arg = |a: &Expr| matches!(a.kind, ExprKind::Local(_) | ExprKind::Lit(_));
    match &e.kind {
        ExprKind::PrimCall(p, args) if args.len() <= 2 && args.iter().all(simple_arg) => matches!(
            primitives::info(*p).name,
            "+" | "-"
                | "*"
                | "<"
                | "<="
                | ">"
                | ">="
                | "="
                | "eq?"
                | "cons"
                | "not"
                | "car"
                | "cdr"
                | "null?"
                | "pair?"
        ),
        _ => !mentions(e, v),
    }
}

/// The lambda a `letrec` binds, bare or as code inlined from elsewhere
/// (with its origin).
fn letrec_lambda(init: &Expr) -> Option<(Option<&InlineOrigin>, &Lambda)> {
    match &init.kind {
        ExprKind::Lambda(l) => Some((None, l)),
        ExprKind::Inlined(o, body) => match &body.kind {
            ExprKind::Lambda(l) => Some((Some(o), l)),
            _ => None,
        },
        _ => None,
    }
}
