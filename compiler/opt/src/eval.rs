//! Compile-time evaluation of calls of pure functions with constant
//! arguments, for constant folding.
//!
//! [`eval_call`] runs Core directly, with the VM's own primitive functions
//! on a private [`Runtime`], so that a folded call means exactly what the
//! interpreter would compute: same arithmetic (exact integers that leave
//! i64 are errors, floats bit for bit), same list and string operations.
//! Anything it is not sure of makes it give up (`None`), which only costs
//! a missed fold:
//!
//! - any error or fault, arity mismatch, or call of a non-procedure;
//! - `match`, `try`, tagged values, `set!` of a global, and globals used
//!   other than as the callee of a call (or not offered by [`Globals`]);
//! - primitives with effects, `apply` and the VM's own primitives;
//! - identity tests (`eq?`, `eqv?`, `memq`, ...) on heap objects, whose
//!   answer depends on how the code generator shares constants, and the
//!   order of a map's entries (see `safe_prim_call`);
//! - evaluator closures passed to primitives (only Fluent code calls them);
//! - creating a closure that sees a `letrec` variable not yet initialised
//!   (the VM may have captured the placeholder by value);
//! - results that are not immediates a literal represents exactly: heap
//!   objects (strings, lists, vectors: fresh mutable objects must not
//!   become shared constants), procedures, the unspecified value;
//! - running out of `fuel` (one unit per expression evaluated, loop
//!   iteration or tail call), nesting too deeply (below), or using more
//!   than [`HEAP_LIMIT`] bytes of heap or [`MAX_SLOTS`] variables.
//!
//! Tail calls, `Loop`/`Recur` and the tail positions of `if`, `begin` and
//! `let` do not grow the host stack; any other nesting does, and is bounded
//! by [`MAX_DEPTH`] levels and [`STACK_BUDGET`] bytes.

use fluent_ir::core::{Expr, ExprKind, Lambda, Lit, LoopId, VarId};
use fluent_vm::bytecode::GlobalName;
use fluent_vm::heap::Heap;
use fluent_vm::primitives::{PrimId, PrimImpl, TABLE};
use fluent_vm::runtime::{Output, Runtime};
use fluent_vm::symbol::Symbol;
use fluent_vm::value::Value;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

/// Where the evaluator finds the code of global functions it may call.
pub trait Globals {
    /// The lambda a global is defined as, if it is a function the caller
    /// has proven pure (no effects). `None`: the evaluator gives up on a
    /// call or reference to it.
    fn function(&self, name: &GlobalName) -> Option<Arc<Lambda>>;
}

/// The deepest nesting of evaluations: a non-tail call is two levels, an
/// argument or test that is itself a call one more. A level takes about
/// 650 bytes of host stack in an optimised build.
pub const MAX_DEPTH: u32 = 1_000;
/// The most host stack an evaluation may use, whatever [`MAX_DEPTH`]
/// allows: only binding in unoptimised builds (about 2.7 KiB a level),
/// so that they too can evaluate on a thread with a small stack.
pub const STACK_BUDGET: usize = 1 << 20;
/// The most heap bytes one evaluation may allocate.
pub const HEAP_LIMIT: u64 = 1 << 20;
/// The most variables one evaluation may bind.
pub const MAX_SLOTS: usize = 1 << 20;
/// The largest count `make-vector` and `range` may be given.
const MAX_COUNT: u64 = 1 << 16;

/// Evaluates `(callee args...)` with at most `fuel` steps. `Some(lit)` only
/// if the call finished without error within the budget and its value is
/// an immediate a literal represents exactly: an integer, float, boolean,
/// char, symbol, keyword or the empty list. `None` in every other case.
pub fn eval_call(
    globals: &dyn Globals,
    callee: &GlobalName,
    args: &[Lit],
    fuel: u32,
) -> Option<Lit> {
    let mut ev = Eval {
        globals,
        // The heap never collects: everything is freed when `ev` is dropped.
        rt: Runtime::new(Heap::default(), Output::new(Box::new(std::io::sink()))),
        fns: HashMap::new(),
        slots: Vec::new(),
        pending: Vec::new(),
        fuel,
        stack_base: stack_position(),
    };
    let f = ev.global(callee).ok()?;
    let args = args
        .iter()
        .map(|l| ev.lit(l).map(V::Val))
        .collect::<R<Vec<V>>>()
        .ok()?;
    let v = ev.apply(f, args, 0).ok()?;
    to_lit(v)
}

/// Evaluates the primitive `p` on constant arguments, as
/// [`eval_call`] would inside a call (same rules for giving up).
pub fn eval_prim(p: PrimId, args: &[Lit]) -> Option<Lit> {
    struct NoGlobals;
    impl Globals for NoGlobals {
        fn function(&self, _: &GlobalName) -> Option<Arc<Lambda>> {
            None
        }
    }
    let mut ev = Eval {
        globals: &NoGlobals,
        rt: Runtime::new(Heap::default(), Output::new(Box::new(std::io::sink()))),
        fns: HashMap::new(),
        slots: Vec::new(),
        pending: Vec::new(),
        fuel: 1,
        stack_base: stack_position(),
    };
    let args = args
        .iter()
        .map(|l| ev.lit(l).map(V::Val))
        .collect::<R<Vec<V>>>()
        .ok()?;
    let v = ev.prim(p, args).ok()?;
    to_lit(v)
}

/// Why evaluation stopped short. There is one reason: give up.
struct GiveUp;
type R<T> = Result<T, GiveUp>;

/// An evaluator value: a VM value, or a closure of the evaluator.
#[derive(Clone)]
enum V {
    Val(Value),
    Clo(Rc<Closure>),
}

struct Closure {
    lambda: Arc<Lambda>,
    env: Env,
}

/// The variables in scope: each names a slot of [`Eval::slots`].
type Env = im::HashMap<VarId, usize>;

/// What evaluating an expression gives: its value, or, from a tail
/// position, a jump back to a loop or a call to make.
enum Flow {
    Val(V),
    Recur(LoopId, Vec<V>),
    TailCall(V, Vec<V>),
}

struct Eval<'g> {
    globals: &'g dyn Globals,
    rt: Runtime,
    /// Global functions looked up so far (also keeps them alive).
    fns: HashMap<GlobalName, Arc<Lambda>>,
    /// The value of every variable bound so far; `None`: a `letrec`
    /// variable not yet initialised.
    slots: Vec<Option<V>>,
    /// The `letrec` variables being initialised, innermost last.
    pending: Vec<(VarId, usize)>,
    fuel: u32,
    /// The host stack position where the evaluation started.
    stack_base: usize,
}

impl Eval<'_> {
    fn tick(&mut self) -> R<()> {
        self.fuel = self.fuel.checked_sub(1).ok_or(GiveUp)?;
        Ok(())
    }

    /// The global function `name`, as a closure with no variables.
    fn global(&mut self, name: &GlobalName) -> R<V> {
        if !self.fns.contains_key(name) {
            let l = self.globals.function(name).ok_or(GiveUp)?;
            self.fns.insert(name.clone(), l);
        }
        let lambda = self.fns.get(name).ok_or(GiveUp)?.clone();
        let env = Env::new();
        Ok(V::Clo(Rc::new(Closure { lambda, env })))
    }

    fn check_heap(&self) -> R<()> {
        let ok = self.rt.heap.stats.allocated_bytes <= HEAP_LIMIT;
        ok.then_some(()).ok_or(GiveUp)
    }

    /// The value of a literal, built as the VM builds constants.
    fn lit(&mut self, l: &Lit) -> R<Value> {
        let heap = &mut self.rt.heap;
        let v = match l {
            Lit::Int(i) => heap.int(*i),
            Lit::Float(x) => Value::float(*x),
            Lit::Str(s) => heap.string(s),
            Lit::Char(c) => Value::char(*c),
            Lit::Bool(b) => Value::bool(*b),
            Lit::Nil => Value::NIL,
            Lit::Unspecified => Value::UNSPECIFIED,
            Lit::Symbol(s) => Value::symbol(Symbol::intern(s)),
            Lit::Keyword(s) => Value::keyword(Symbol::intern(s)),
            Lit::Quote(d) => fluent_vm::datum::datum_to_value(heap, d),
        };
        self.check_heap()?;
        Ok(v)
    }

    /// Binds `v` in a new slot.
    fn bind(&mut self, env: &mut Env, var: VarId, v: Option<V>) -> R<usize> {
        if self.slots.len() >= MAX_SLOTS {
            return Err(GiveUp);
        }
        self.slots.push(v);
        env.insert(var, self.slots.len() - 1);
        Ok(self.slots.len() - 1)
    }

    /// A closure of `lambda` over `env`. Gives up if `env` sees one of the
    /// first `upto` pending `letrec` variables (see the module docs).
    fn closure(&self, lambda: &Arc<Lambda>, env: &Env, upto: usize) -> R<V> {
        for &(var, slot) in &self.pending[..upto] {
            if self.slots[slot].is_none() && env.get(&var) == Some(&slot) {
                return Err(GiveUp);
            }
        }
        Ok(V::Clo(Rc::new(Closure {
            lambda: lambda.clone(),
            env: env.clone(),
        })))
    }

    /// Calls `f` with `args` at nesting depth `d`, following tail calls
    /// without nesting.
    fn apply(&mut self, mut f: V, mut args: Vec<V>, d: u32) -> R<V> {
        loop {
            let clo = match f {
                V::Val(p) => return self.prim(p.as_prim().ok_or(GiveUp)?, args),
                V::Clo(c) => c,
            };
            let l = &clo.lambda;
            let arity_ok = match l.rest {
                None => args.len() == l.params.len(),
                Some(_) => args.len() >= l.params.len(),
            };
            if !arity_ok {
                return Err(GiveUp);
            }
            let mut env = clo.env.clone();
            let rest = args.split_off(l.params.len());
            for (&p, a) in l.params.iter().zip(args) {
                self.bind(&mut env, p, Some(a))?;
            }
            if let Some(r) = l.rest {
                let items = rest.into_iter().map(value_of).collect::<R<Vec<Value>>>()?;
                let list = self.rt.heap.list(&items);
                self.check_heap()?;
                self.bind(&mut env, r, Some(V::Val(list)))?;
            }
            match self.eval(&l.body, &env, true, d)? {
                Flow::Val(v) => return Ok(v),
                Flow::TailCall(g, a) => {
                    self.tick()?;
                    (f, args) = (g, a);
                }
                Flow::Recur(..) => return Err(GiveUp),
            }
        }
    }

    /// Calls primitive `p`, if it is a pure function of its arguments.
    fn prim(&mut self, p: PrimId, args: Vec<V>) -> R<V> {
        let info = TABLE.get(p.0 as usize).ok_or(GiveUp)?;
        let PrimImpl::Fn(f) = info.imp else {
            return Err(GiveUp);
        };
        if !info.effects.is_empty() || !info.accepts(args.len()) {
            return Err(GiveUp);
        }
        let a = args.into_iter().map(value_of).collect::<R<Vec<Value>>>()?;
        if !safe_prim_call(info.name, &a) {
            return Err(GiveUp);
        }
        let v = f(&mut self.rt, &a).map_err(|_| GiveUp)?;
        self.check_heap()?;
        Ok(V::Val(v))
    }

    /// The value of `e`, which is not in tail position, at depth `d`.
    fn value(&mut self, e: &Expr, env: &Env, d: u32) -> R<V> {
        match self.eval(e, env, false, d)? {
            Flow::Val(v) => Ok(v),
            _ => Err(GiveUp),
        }
    }

    fn values(&mut self, es: &[Expr], env: &Env, d: u32) -> R<Vec<V>> {
        let mut out = Vec::with_capacity(es.len());
        for e in es {
            out.push(self.value(e, env, d)?);
        }
        Ok(out)
    }

    /// Evaluates `e` (in tail position of a function if `tail`) at nesting
    /// depth `d`. The tail positions of `if`, `begin` and `let` are
    /// evaluated in this frame; the other forms are in functions of their
    /// own, which keeps this frame, the one every nesting repeats, small.
    fn eval(&mut self, mut e: &Expr, env: &Env, tail: bool, d: u32) -> R<Flow> {
        let d = d + 1;
        if d > MAX_DEPTH || self.stack_base.abs_diff(stack_position()) > STACK_BUDGET {
            return Err(GiveUp);
        }
        let mut env = env.clone();
        loop {
            self.tick()?;
            match &e.kind {
                ExprKind::If(c, t, f) => e = if self.test(c, &env, d)? { t } else { f },
                ExprKind::Seq(es) => {
                    let (last, init) = es.split_last().ok_or(GiveUp)?;
                    self.effects(init, &env, d)?;
                    e = last;
                }
                ExprKind::Let(bs, body) => (e, env) = (body, self.let_(bs, &env, d)?),
                ExprKind::Letrec(bs, body) => (e, env) = (body, self.letrec(bs, &env, d)?),
                ExprKind::Call(f, args) => return self.call(f, args, &env, tail, d),
                ExprKind::Loop(id, bs, body) => return self.loop_(*id, bs, body, &env, tail, d),
                ExprKind::Recur(id, args) => {
                    return Ok(Flow::Recur(*id, self.values(args, &env, d)?));
                }
                _ => return self.simple(e, &env, d).map(Flow::Val),
            }
        }
    }

    /// Whether `c` is true (anything but `#f`).
    #[inline(never)]
    fn test(&mut self, c: &Expr, env: &Env, d: u32) -> R<bool> {
        Ok(!matches!(self.value(c, env, d)?, V::Val(Value::FALSE)))
    }

    #[inline(never)]
    fn effects(&mut self, es: &[Expr], env: &Env, d: u32) -> R<()> {
        for x in es {
            self.value(x, env, d)?;
        }
        Ok(())
    }

    /// The forms that neither bind nor jump.
    #[inline(never)]
    fn simple(&mut self, e: &Expr, env: &Env, d: u32) -> R<V> {
        Ok(match &e.kind {
            ExprKind::Lit(l) => V::Val(self.lit(l)?),
            ExprKind::Local(var) => {
                let slot = *env.get(var).ok_or(GiveUp)?;
                self.slots[slot].clone().ok_or(GiveUp)?
            }
            ExprKind::Prim(p) => V::Val(Value::prim(*p)),
            ExprKind::SetLocal(var, x) => {
                let v = self.value(x, env, d)?;
                let slot = *env.get(var).ok_or(GiveUp)?;
                self.slots[slot] = Some(v);
                V::Val(Value::UNSPECIFIED)
            }
            ExprKind::Lambda(l) => self.closure(l, env, self.pending.len())?,
            ExprKind::PrimCall(p, args) => {
                let args = self.values(args, env, d)?;
                self.prim(*p, args)?
            }
            _ => return Err(GiveUp),
        })
    }

    #[inline(never)]
    fn call(&mut self, f: &Expr, args: &[Expr], env: &Env, tail: bool, d: u32) -> R<Flow> {
        let f = match &f.kind {
            ExprKind::Global(g) => self.global(g)?,
            _ => self.value(f, env, d)?,
        };
        let args = self.values(args, env, d)?;
        if tail && matches!(f, V::Clo(_)) {
            return Ok(Flow::TailCall(f, args));
        }
        self.apply(f, args, d).map(Flow::Val)
    }

    /// The scope of a `let`'s body.
    #[inline(never)]
    fn let_(&mut self, bs: &[(VarId, Expr)], env: &Env, d: u32) -> R<Env> {
        let mut inner = env.clone();
        for (var, init) in bs {
            let v = self.value(init, env, d)?;
            self.bind(&mut inner, *var, Some(v))?;
        }
        Ok(inner)
    }

    /// Binds and initialises the variables of a `letrec`: its body's scope.
    #[inline(never)]
    fn letrec(&mut self, bs: &[(VarId, Expr)], env: &Env, d: u32) -> R<Env> {
        let mut inner = env.clone();
        let base = self.pending.len();
        for (var, _) in bs {
            let slot = self.bind(&mut inner, *var, None)?;
            self.pending.push((*var, slot));
        }
        for (i, (_, init)) in bs.iter().enumerate() {
            // The VM ties the knot for closures made right here.
            let v = match &init.kind {
                ExprKind::Lambda(l) => {
                    self.tick()?;
                    self.closure(l, &inner, base)?
                }
                _ => self.value(init, &inner, d)?,
            };
            let (_, slot) = self.pending[base + i];
            self.slots[slot] = Some(v);
        }
        self.pending.truncate(base);
        Ok(inner)
    }

    /// Runs a loop: each `Recur` to it rebinds its variables (in new
    /// slots, as the VM gives boxed loop variables new boxes).
    #[inline(never)]
    fn loop_(
        &mut self,
        id: LoopId,
        bs: &[(VarId, Expr)],
        body: &Expr,
        env: &Env,
        tail: bool,
        d: u32,
    ) -> R<Flow> {
        let mut vals = Vec::with_capacity(bs.len());
        for (_, init) in bs {
            vals.push(self.value(init, env, d)?);
        }
        loop {
            let mut inner = env.clone();
            for ((var, _), v) in bs.iter().zip(vals) {
                self.bind(&mut inner, *var, Some(v))?;
            }
            match self.eval(body, &inner, tail, d)? {
                Flow::Recur(to, next) if to == id && next.len() == bs.len() => {
                    self.tick()?;
                    vals = next;
                }
                Flow::Recur(to, _) if to == id => return Err(GiveUp),
                other => return Ok(other),
            }
        }
    }
}

/// An address on the host stack near the caller's frame.
#[inline(always)]
fn stack_position() -> usize {
    let here = 0u8;
    std::hint::black_box(&here) as *const u8 as usize
}

/// A VM value for a primitive's argument; closures of the evaluator have none.
fn value_of(v: V) -> R<Value> {
    match v {
        V::Val(v) => Ok(v),
        V::Clo(_) => Err(GiveUp),
    }
}

/// Whether calling primitive `name` on `a` gives the VM's answer within
/// bounded memory: no identity test on heap objects (the VM shares equal
/// constants of a function, the evaluator builds them afresh), no map
/// traversal (its order depends on hashing, and symbols are numbered
/// differently in the running program), no count that would allocate a
/// lot at once, no interning (the symbol table is process-wide and never
/// freed).
fn safe_prim_call(name: &str, a: &[Value]) -> bool {
    let big = |v: &Value| v.as_i64().is_some_and(|n| n.unsigned_abs() > MAX_COUNT);
    match name {
        "eq?" | "eqv?" => !a.iter().any(|v| v.is_ptr()),
        "memq" | "memv" | "assq" | "assv" => !a[0].is_ptr(),
        "make-vector" => !big(&a[0]),
        "range" => !a.iter().any(big),
        "map-keys" | "map-values" | "map->list" => false,
        "string->symbol" | "string->keyword" => false,
        "string-join" => {
            // The result's length, bounded before it is built.
            let len = |v: Value| v.as_str().map_or(0, |s| s.as_str().len() as u64);
            let sep = a.get(1).map_or(1, |&s| len(s));
            let (mut total, mut l) = (0, a[0]);
            while let Some(p) = l.as_pair() {
                total += 1 + sep + len(p.car.get());
                if total > HEAP_LIMIT {
                    return false;
                }
                l = p.cdr.get();
            }
            true
        }
        _ => true,
    }
}

/// The literal for a result, if it is an immediate a literal represents.
fn to_lit(v: V) -> Option<Lit> {
    let V::Val(v) = v else { return None };
    if let Some(i) = v.as_i64() {
        Some(Lit::Int(i))
    } else if let Some(x) = v.as_float() {
        Some(Lit::Float(x))
    } else if v.is_bool() {
        Some(Lit::Bool(v.is_true()))
    } else if v == Value::NIL {
        Some(Lit::Nil)
    } else if let Some(c) = v.as_char() {
        Some(Lit::Char(c))
    } else if let Some(s) = v.as_symbol() {
        Some(Lit::Symbol(s.name()))
    } else {
        v.as_keyword().map(|k| Lit::Keyword(k.name()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Lit::{Bool, Char, Float, Int, Nil};
    use fluent_ir::core::ItemKind;
    use fluent_ir::{MemoryDb, SourceFile, file_items, lower_item};

    /// The functions defined in a test file, minus the `hidden` ones.
    struct Defs(HashMap<GlobalName, Arc<Lambda>>, Vec<&'static str>);

    impl Globals for Defs {
        fn function(&self, name: &GlobalName) -> Option<Arc<Lambda>> {
            (!self.1.contains(&&*name.name)).then(|| self.0.get(name).cloned())?
        }
    }

    fn defs(src: &str) -> Defs {
        let db = MemoryDb::with_prelude("");
        let file = SourceFile::new(&db, "t.fl".into(), src.into());
        let mut fns = HashMap::new();
        for &item in file_items(&db, file) {
            let core = lower_item(&db, item).core.clone().expect("lowers");
            if let ItemKind::Define { name, value } = &core.kind
                && let ExprKind::Lambda(l) = &value.kind
            {
                fns.insert(name.clone(), l.clone());
            }
        }
        Defs(fns, vec![])
    }

    fn run(d: &Defs, f: &str, args: &[Lit], fuel: u32) -> Option<Lit> {
        let name = d.0.keys().find(|g| &*g.name == f).expect("defined");
        eval_call(d, name, args, fuel)
    }

    fn sym(s: &str) -> Lit {
        Lit::Symbol(s.into())
    }

    const SRC: &str = r#"
        (define (fact n) (if (= n 0) 1 (* n (fact (- n 1)))))
        (define (fib n) (if (< n 2) n (+ (fib (- n 1)) (fib (- n 2)))))
        (define (inc x) (+ x 1))
        (define (h x) (/ (* (+ x 0.1) 3.3) (sqrt 2.0)))
        (define (neg) (- 0.0))
        (define (id x) x)
        (define (yes? x) (if (eq? x 'a) 'yes #\n))
        (define (up c) (char-upcase c))
        (define (two x) (list x x))
        (define (s) "abc")
        (define (len x) (length (cons x '(1 2))))
        (define (car-of x) (car x))
        (define (first) (car '(7 8)))
        (define (str) (string-length (string-append "ab" "cd")))
        (define (vec n) (vector-length (make-vector n 0)))
        (define (adder n) (let ((add (lambda (x) (+ x n)))) (add 10)))
        (define (f n) (define (go i acc) (if (= i 0) acc (go (- i 1) (* acc i)))) (go n 1))
        (define (sum-to n) (do ((i 0 (+ i 1)) (acc 0 (+ acc i))) ((> i n) acc)))
        (define (count n acc) (if (= n 0) acc (count (- n 1) (+ acc 1))))
        (define (bump x) (set! x (+ x 1)) x)
        (define (rest . xs) (length xs))
        (define (early) (letrec ((a (let ((g (lambda () b))) g)) (b 5)) (a)))
        (define (late) (letrec ((f (lambda () (lambda () y))) (g (f)) (y 1)) (g)))
        (define (same) (eq? "a" "a"))
        (define (loud x) (display x) x)
        (define (loop-forever x) (loop-forever x))
        (define (spin) (let loop ((i 0)) (loop (+ i 1))))
        (define (sum n) (if (= n 0) 0 (+ n (sum (- n 1)))))
        (define (double x) (* (inc x) 2))
        (define (get-inc) inc)
        (define (size) (map-size (hash-map 'a 1 'b 2)))
        (define (key) (car (map-keys (hash-map 'a 1))))
        (define (build n)
          (let loop ((i 0) (acc '())) (if (= i n) (length acc) (loop (+ i 1) (cons i acc)))))"#;

    #[test]
    fn folds_what_the_vm_computes_and_gives_up_on_the_rest() {
        let d = defs(SRC);
        let edge = fluent_vm::value::INLINE_INT_MAX;
        let kw = |s: &str| Lit::Keyword(s.into());
        #[rustfmt::skip]
        let cases: &[(&str, &[Lit], Option<Lit>)] = &[
            ("fact", &[Int(10)], Some(Int(3628800))),
            ("fact", &[Int(20)], Some(Int(2432902008176640000))),
            ("fact", &[Int(21)], None), // overflow: an error in the VM
            ("fib", &[Int(15)], Some(Int(610))),
            ("inc", &[Int(41)], Some(Int(42))),
            ("inc", &[Int(edge)], Some(Int(edge + 1))), // boxed
            ("inc", &[Int(i64::MAX)], None),
            ("inc", &[Lit::Str("1".into())], None),
            ("inc", &[], None),
            // Negation, not 0 - x: -0.0, which == on f64 does not tell apart.
            ("neg", &[], Some(Float(-0.0))),
            ("id", &[sym("sym")], Some(sym("sym"))),
            ("id", &[kw("kw")], Some(kw("kw"))),
            ("id", &[Char('λ')], Some(Char('λ'))),
            ("id", &[Bool(false)], Some(Bool(false))),
            ("id", &[Nil], Some(Nil)),
            ("id", &[Lit::Unspecified], None),
            ("yes?", &[sym("a")], Some(sym("yes"))),
            ("yes?", &[Int(1)], Some(Char('n'))),
            ("up", &[Char('a')], Some(Char('A'))),
            // Heap objects work inside but are no results.
            ("two", &[Int(1)], None),
            ("s", &[], None),
            ("len", &[Int(0)], Some(Int(3))),
            ("car-of", &[Int(5)], None),
            ("first", &[], Some(Int(7))),
            ("str", &[], Some(Int(4))),
            ("vec", &[Int(10)], Some(Int(10))),
            ("vec", &[Int(100_000_000)], None),
            ("size", &[], Some(Int(2))),
            ("key", &[], None), // the order of a map's entries
            ("build", &[Int(1000)], Some(Int(1000))),
            ("build", &[Int(100_000)], None), // over the heap limit
            ("adder", &[Int(5)], Some(Int(15))),
            ("f", &[Int(5)], Some(Int(120))),
            ("sum-to", &[Int(100_000)], Some(Int(5_000_050_000))),
            ("count", &[Int(100_000), Int(0)], Some(Int(100_000))), // tail calls
            ("bump", &[Int(1)], Some(Int(2))),
            ("rest", &[Int(1), Nil], Some(Int(2))),
            // The VM gives #<undefined>, #<undefined> and #t: not sure of
            // those, nor of effects or globals as values.
            ("early", &[], None),
            ("late", &[], None),
            ("same", &[], None),
            ("loud", &[Int(1)], None),
            ("double", &[Int(4)], Some(Int(10))),
            ("get-inc", &[], None),
        ];
        for (f, args, want) in cases {
            assert_eq!(&run(&d, f, args, 10_000_000), want, "({f} {args:?})");
        }
    }

    #[test]
    fn floats_are_bit_exact() {
        let want = (1.7f64 + 0.1) * 3.3 / 2f64.sqrt();
        let got = run(&defs(SRC), "h", &[Float(1.7)], 1000);
        assert_eq!(
            got.map(|l| matches!(l, Float(x) if x.to_bits() == want.to_bits())),
            Some(true)
        );
    }

    #[test]
    fn primitives_that_would_allocate_too_much_at_once_are_not_called() {
        let int = Value::int_unchecked;
        assert!(safe_prim_call("make-vector", &[int(10)]));
        assert!(!safe_prim_call("make-vector", &[int(100_000_000)]));
        assert!(safe_prim_call("range", &[int(-5), int(5)]));
        assert!(!safe_prim_call("range", &[int(0), int(1 << 30)]));
        let mut heap = Heap::default();
        let (sep, part) = (heap.string(","), heap.string(&"x".repeat(1000)));
        let parts = heap.list(&[part; 100]);
        assert!(safe_prim_call("string-join", &[parts, sep]));
        let parts = heap.list(&[part; 2000]);
        assert!(!safe_prim_call("string-join", &[parts, sep]));
    }

    #[test]
    fn only_offered_globals_are_called() {
        let mut d = defs(SRC);
        assert_eq!(run(&d, "double", &[Int(4)], 1000), Some(Int(10)));
        d.1.push("inc");
        assert_eq!(run(&d, "double", &[Int(4)], 1000), None);
        assert_eq!(run(&d, "inc", &[Int(4)], 1000), None);
    }

    #[test]
    fn runaway_code_runs_out_of_fuel_or_depth() {
        let d = defs(SRC);
        let t = std::time::Instant::now();
        assert_eq!(run(&d, "loop-forever", &[Int(1)], 10_000), None);
        assert_eq!(run(&d, "spin", &[], 10_000), None);
        assert!(t.elapsed().as_secs() < 2);
        assert_eq!(run(&d, "sum", &[Int(100)], 100_000), Some(Int(5050)));
        // Too deep to evaluate, even with unlimited fuel, on a thread with
        // a small stack (as test threads have): no stack overflow.
        let small = std::thread::Builder::new().stack_size(2 << 20);
        let h = small.spawn(move || run(&d, "sum", &[Int(1_000_000)], u32::MAX));
        assert_eq!(h.expect("spawn").join().expect("no stack overflow"), None);
    }
}
