//! The function under construction: code, constants, registers, labels.

use fluent_syntax::Span;
use fluent_vm::bytecode::{Arity, CaptureSrc, Const, InlineScope, Op, Proto, Reg, ScopeRun};
use std::collections::HashMap;
use std::sync::Arc;

/// A forward jump waiting for its target.
#[derive(Clone, Copy, Debug)]
pub struct Patch(usize);

/// Code under construction for one function.
pub struct FnBuilder {
    pub name: Arc<str>,
    pub arity: Arity,
    pub code: Vec<Op>,
    pub spans: Vec<Span>,
    pub consts: Vec<Const>,
    /// The index of each constant in `consts` (a function can have
    /// millions: searching the list would make compiling quadratic).
    const_index: HashMap<Const, u32>,
    pub captures: Vec<CaptureSrc>,
    /// Registers below this are in use.
    pub next_reg: u16,
    pub max_reg: u16,
    pub loops: u16,
    /// The span given to emitted instructions.
    pub span: Span,
    /// Set when the function exceeded a format limit.
    pub too_large: bool,
    /// The unit-local file of the function's own code (not 0 for a
    /// lambda written inside inlined code).
    pub file: u32,
    /// Inlined bodies so far, and the one emitted instructions are in.
    pub scopes: Vec<InlineScope>,
    scope_runs: Vec<ScopeRun>,
    pub scope: Option<u32>,
    /// Calls in tail position of the inlined body they are in.
    scope_tail_calls: Vec<u32>,
}

impl FnBuilder {
    pub fn new(name: Arc<str>, arity: Arity, span: Span, file: u32) -> FnBuilder {
        FnBuilder {
            name,
            arity,
            code: vec![],
            spans: vec![],
            consts: vec![],
            const_index: HashMap::new(),
            captures: vec![],
            next_reg: 0,
            max_reg: 0,
            loops: 0,
            span,
            too_large: false,
            file,
            scopes: vec![],
            scope_runs: vec![],
            scope: None,
            scope_tail_calls: vec![],
        }
    }

    pub fn emit(&mut self, op: Op) -> usize {
        let pc = self.code.len();
        if self.scope_runs.last().and_then(|r| r.scope) != self.scope {
            self.scope_runs.push(ScopeRun {
                start: pc as u32,
                scope: self.scope,
            });
        }
        self.code.push(op);
        self.spans.push(self.span);
        pc
    }

    /// Makes `scope` (a child of the current one) the scope of the
    /// instructions emitted next; returns the scope to go back to.
    pub fn enter_scope(&mut self, scope: InlineScope) -> Option<u32> {
        let outer = self.scope;
        match u32::try_from(self.scopes.len()) {
            Ok(i) if i != u32::MAX => {
                self.scopes.push(scope);
                self.scope = Some(i);
            }
            _ => self.too_large = true,
        }
        outer
    }

    /// Goes back to scope `outer` (from [`FnBuilder::enter_scope`]).
    pub fn leave_scope(&mut self, outer: Option<u32>) {
        self.scope = outer;
    }

    /// Records the call at `pc` (in an inline scope) as in tail position
    /// of its inlined body.
    pub fn scope_tail_call(&mut self, pc: usize) {
        self.scope_tail_calls.push(pc as u32);
    }

    /// The unit-local file that the spans of the current scope point into.
    pub fn current_file(&self) -> u32 {
        match self.scope {
            Some(s) => self.scopes[s as usize].file,
            None => self.file,
        }
    }

    /// The index the next instruction will have.
    pub fn here(&self) -> u32 {
        self.code.len() as u32
    }

    /// Reserves one register.
    pub fn alloc(&mut self) -> Reg {
        self.alloc_n(1)
    }

    /// Reserves `n` consecutive registers; returns the first.
    pub fn alloc_n(&mut self, n: usize) -> Reg {
        let r = self.next_reg;
        let next = r as usize + n;
        if next > u16::MAX as usize - 1 {
            self.too_large = true;
            return 0;
        }
        self.next_reg = next as u16;
        self.max_reg = self.max_reg.max(self.next_reg);
        r
    }

    /// Frees every register from `mark` up.
    pub fn free_to(&mut self, mark: Reg) {
        self.next_reg = mark;
    }

    /// Whether `r` is the most recently reserved register.
    pub fn is_top(&self, r: Reg) -> bool {
        r + 1 == self.next_reg
    }

    /// The index of constant `c`, adding it if new.
    pub fn constant(&mut self, c: Const) -> u32 {
        if let Some(&i) = self.const_index.get(&c) {
            return i;
        }
        let i = self.consts.len() as u32;
        self.consts.push(c.clone());
        self.const_index.insert(c, i);
        i
    }

    /// A constant index that must fit in 16 bits (tags).
    pub fn constant16(&mut self, c: Const) -> u16 {
        let k = self.constant(c);
        u16::try_from(k).unwrap_or_else(|_| {
            self.too_large = true;
            0
        })
    }

    /// Emits a forward jump to be patched.
    pub fn jump(&mut self) -> Patch {
        Patch(self.emit(Op::Jump { to: u32::MAX }))
    }

    pub fn jump_if_false(&mut self, cond: Reg) -> Patch {
        Patch(self.emit(Op::JumpIfFalse { cond, to: u32::MAX }))
    }

    pub fn jump_if_true(&mut self, cond: Reg) -> Patch {
        Patch(self.emit(Op::JumpIfTrue { cond, to: u32::MAX }))
    }

    /// Points the jump at the next instruction.
    pub fn land(&mut self, p: Patch) {
        let here = self.here();
        match &mut self.code[p.0] {
            Op::Jump { to }
            | Op::JumpIfFalse { to, .. }
            | Op::JumpIfTrue { to, .. }
            | Op::PushCatch { to, .. } => *to = here,
            op => unreachable!("patching a non-jump {op:?}"),
        }
    }

    pub fn land_all(&mut self, ps: Vec<Patch>) {
        for p in ps {
            self.land(p);
        }
    }

    pub fn push_catch(&mut self, dst: Reg) -> Patch {
        Patch(self.emit(Op::PushCatch { dst, to: u32::MAX }))
    }

    pub fn finish(self, span: Span) -> Proto {
        Proto {
            name: self.name,
            arity: self.arity,
            nregs: self
                .max_reg
                .max(self.arity.required + self.arity.rest as u16)
                .max(1),
            code: self.code,
            consts: self.consts,
            captures: self.captures,
            spans: self.spans,
            loops: self.loops,
            file: self.file,
            span,
            scopes: self.scopes,
            scope_runs: self.scope_runs,
            scope_tail_calls: self.scope_tail_calls,
        }
    }
}
