//! Effects at run time: `handler` forms, `effect`, and the built-in
//! handlers (LANGUAGE.md, Effects).
//!
//! Handlers live in a stack of handler forms, each pointing at the form
//! that was current when it was entered (its parent). `effect` searches
//! from the current form outward, and within a form its clauses in order;
//! the first clause whose kind matches and whose op matches (or that names
//! only the kind) handles it. The handler runs with its own form's parent
//! as the current form, so an effect it performs goes outward; its value
//! is the value of the `effect` expression (handlers are resumptive:
//! nothing is captured, the handler is a call). The output primitives and
//! `error`/`raise` perform effects too, but only when some handler is in
//! scope do they look for one: without handlers they cost one test.
//!
//! Handlers are entered and left by `%handle`, a call of the body thunk
//! nested on the host stack (like `%time`), so they work the same whoever
//! runs the code: the interpreter or native code (whose `CallPrim` comes
//! here through the same primitive dispatch). With no handler, the
//! built-in one runs: `io:print`/`display`/`write`/`newline` print,
//! `state:get`/`state:set` use a store of the VM (keys compared with
//! `equal?`), `error:raise` raises its argument, `time:now` gives
//! milliseconds since the Unix epoch and `time:sleep` waits,
//! `random:int lo hi` gives an integer in [lo, hi), `random:float` one in
//! [0, 1) and `random:seed n` reseeds the generator (a fixed seed at
//! start, so runs repeat); `network` and `async` have none, so performing
//! them without a handler is the error "unhandled effect network:op".

use super::{Entered, Vm};
use crate::effect::EffectKind;
use crate::primitives::{self, Fault, PrimId};
use crate::symbol::Symbol;
use crate::value::Value;
use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// One `handler` form while its body runs.
pub(crate) struct HandlerForm {
    /// (kind, op or none for the whole kind, handler procedure).
    clauses: Vec<(EffectKind, Option<Symbol>, Value)>,
    parent: Option<usize>,
}

/// The VM's effect state.
#[derive(Default)]
pub(crate) struct Effects {
    forms: Vec<HandlerForm>,
    current: Option<usize>,
    /// `state:get` / `state:set` without a handler.
    store: Vec<(Value, Value)>,
    rng: u64,
    /// With `VmConfig::trace_effects`: each effect performed, in order.
    pub(crate) trace: Option<Vec<String>>,
}

/// The start of the generator (xorshift64*; any nonzero value).
const SEED: u64 = 0x9E37_79B9_7F4A_7C15;

impl Effects {
    pub(crate) fn new() -> Effects {
        Effects {
            rng: SEED,
            ..Effects::default()
        }
    }

    /// Effects that record every effect performed: a root handler form
    /// with no clauses is in scope, so effectful primitives look for a
    /// handler (and are recorded) while `any` stays one test.
    pub(crate) fn traced() -> Effects {
        let mut e = Effects::new();
        e.forms.push(HandlerForm {
            clauses: Vec::new(),
            parent: None,
        });
        e.current = Some(0);
        e.trace = Some(Vec::new());
        e
    }

    /// Whether any handler is in scope: whether effectful primitives must
    /// look for one.
    #[inline]
    pub(crate) fn any(&self) -> bool {
        self.current.is_some()
    }

    /// The innermost clause for `kind:op`: (its form, its procedure,
    /// whether it names the whole kind).
    fn find(&self, kind: EffectKind, op: Symbol) -> Option<(usize, Value, bool)> {
        let mut f = self.current;
        while let Some(i) = f {
            let form = &self.forms[i];
            for &(k, o, proc) in &form.clauses {
                if k == kind && o.is_none_or(|o| o == op) {
                    return Some((i, proc, o.is_none()));
                }
            }
            f = form.parent;
        }
        None
    }

    /// Values the collector must keep: handler procedures and the store.
    pub(crate) fn roots(&self, mut mark: impl FnMut(Value)) {
        for f in &self.forms {
            f.clauses.iter().for_each(|c| mark(c.2));
        }
        for &(k, v) in &self.store {
            mark(k);
            mark(v);
        }
    }

    fn next_random(&mut self) -> u64 {
        let mut x = self.rng;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.rng = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

/// The primitives that perform an effect: (kind, op).
fn performed_by(p: PrimId) -> Option<(EffectKind, &'static str)> {
    static TABLE: OnceLock<Vec<(PrimId, EffectKind, &'static str)>> = OnceLock::new();
    let table = TABLE.get_or_init(|| {
        [
            ("display", EffectKind::Io, "display"),
            ("write", EffectKind::Io, "write"),
            ("newline", EffectKind::Io, "newline"),
            ("print", EffectKind::Io, "print"),
            ("error", EffectKind::Error, "raise"),
            ("raise", EffectKind::Error, "raise"),
        ]
        .into_iter()
        .filter_map(|(name, k, op)| Some((primitives::lookup(name)?, k, op)))
        .collect()
    });
    table
        .iter()
        .find(|(q, ..)| *q == p)
        .map(|&(_, k, op)| (k, op))
}

impl Vm {
    /// `(%handle spec thunk)` with `spec` at register `at`.
    pub(crate) fn handle(&mut self, at: usize) -> Result<Entered, Fault> {
        let spec = self.machine.regs()[at];
        let items =
            list_items(spec).ok_or_else(|| Fault::Msg("handler: malformed handler list".into()))?;
        let mut clauses = Vec::new();
        for c in items.chunks(3) {
            let &[kind, op, proc] = c else {
                return Err(Fault::Msg("handler: malformed handler list".into()));
            };
            let kind = kind
                .as_symbol()
                .and_then(|s| EffectKind::from_name(&s.name()))
                .ok_or_else(|| Fault::Msg("handler: unknown effect kind".into()))?;
            if !proc.is_procedure() {
                return Err(Fault::Type {
                    who: "handler",
                    expected: "a procedure",
                    got: proc,
                });
            }
            clauses.push((kind, op.as_symbol(), proc));
        }
        let parent = self.effects.current;
        self.effects.forms.push(HandlerForm { clauses, parent });
        let me = self.effects.forms.len() - 1;
        self.effects.current = Some(me);
        let r = self.call_thunk(at + 1);
        self.effects.forms.truncate(me);
        self.effects.current = parent;
        r
    }

    /// `(%effect kind op arg...)` with its arguments at registers `at..`.
    pub(crate) fn perform_op(&mut self, at: usize, argc: usize) -> Result<Entered, Fault> {
        let regs = self.machine.regs();
        let (Some(kind), Some(op)) = (regs[at].as_symbol(), regs[at + 1].as_symbol()) else {
            return Err(Fault::Msg("effect: malformed effect".into()));
        };
        let kind = EffectKind::from_name(&kind.name())
            .ok_or_else(|| Fault::Msg("effect: unknown effect kind".into()))?;
        let args: Vec<Value> = regs[at + 2..at + argc].to_vec();
        self.perform(kind, op, &args)
    }

    /// Performs `kind:op` on `args`: the innermost handler, or the
    /// built-in one.
    pub(crate) fn perform(
        &mut self,
        kind: EffectKind,
        op: Symbol,
        args: &[Value],
    ) -> Result<Entered, Fault> {
        self.trace(kind, op, args);
        match self.effects.find(kind, op) {
            Some((form, proc, whole_kind)) => self.run_handler(form, proc, whole_kind, op, args),
            None => self.builtin_effect(kind, op, args).map(Entered::Value),
        }
    }

    /// Records `kind:op args` if effects are traced.
    fn trace(&mut self, kind: EffectKind, op: Symbol, args: &[Value]) {
        if self.effects.trace.is_none() {
            return;
        }
        let mut line = format!("{}:{}", kind.name(), op.name());
        for &a in args {
            line.push(' ');
            line.push_str(&self.rt.show_limited(a, crate::printer::Mode::Write, 200));
        }
        if let Some(t) = self.effects.trace.as_mut() {
            t.push(line);
        }
    }

    /// The effects performed so far, if they are traced.
    pub fn effect_trace(&self) -> Option<&[String]> {
        self.effects.trace.as_deref()
    }

    fn run_handler(
        &mut self,
        form: usize,
        proc: Value,
        whole_kind: bool,
        op: Symbol,
        args: &[Value],
    ) -> Result<Entered, Fault> {
        let mut call = Vec::with_capacity(args.len() + 1);
        if whole_kind {
            call.push(Value::symbol(op));
        }
        call.extend_from_slice(args);
        let saved = self.effects.current;
        self.effects.current = self.effects.forms[form].parent;
        let r = self.call_with(proc, &call, 0);
        self.effects.current = saved;
        r
    }

    /// A primitive about to run with a handler in scope: if it performs an
    /// effect that a handler takes, the handler's result (`Some`).
    pub(crate) fn intercept(
        &mut self,
        p: PrimId,
        args: &[Value],
    ) -> Option<Result<Entered, Fault>> {
        let (kind, op) = performed_by(p)?;
        let op = Symbol::intern(op);
        self.trace(kind, op, args);
        let (form, proc, whole) = self.effects.find(kind, op)?;
        // `error` and `raise` perform error:raise with the raised value.
        let args: Vec<Value> = if kind == EffectKind::Error {
            let primitives::PrimImpl::Fn(f) = primitives::info(p).imp else {
                return None;
            };
            match f(&mut self.rt, args) {
                Err(Fault::Raise(v)) => vec![v],
                Err(other) => return Some(Err(other)),
                Ok(v) => vec![v],
            }
        } else {
            args.to_vec()
        };
        Some(self.run_handler(form, proc, whole, op, &args))
    }

    fn builtin_effect(
        &mut self,
        kind: EffectKind,
        op: Symbol,
        args: &[Value],
    ) -> Result<Value, Fault> {
        let name = op.name();
        let argc = |n: usize| {
            if args.len() == n {
                Ok(())
            } else {
                Err(Fault::Msg(format!(
                    "effect {}:{name}: expected {n} argument{}, got {}",
                    kind.name(),
                    if n == 1 { "" } else { "s" },
                    args.len()
                )))
            }
        };
        let int = |v: Value, who: &'static str| {
            v.as_int().ok_or(Fault::Type {
                who,
                expected: "an integer",
                got: v,
            })
        };
        match (kind, &*name) {
            (EffectKind::Io, "print" | "display" | "write" | "newline") => {
                let p = primitives::lookup(&name).expect("an output primitive");
                check_count(p, args.len(), kind, &name)?;
                let primitives::PrimImpl::Fn(f) = primitives::info(p).imp else {
                    unreachable!("output primitives are functions")
                };
                f(&mut self.rt, args)
            }
            (EffectKind::State, "get") => {
                argc(1)?;
                Ok(self
                    .effects
                    .store
                    .iter()
                    .find(|(k, _)| crate::equal::equal(*k, args[0]))
                    .map_or(Value::FALSE, |&(_, v)| v))
            }
            (EffectKind::State, "set") => {
                argc(2)?;
                let store = &mut self.effects.store;
                match store
                    .iter_mut()
                    .find(|(k, _)| crate::equal::equal(*k, args[0]))
                {
                    Some(slot) => slot.1 = args[1],
                    None => store.push((args[0], args[1])),
                }
                Ok(Value::UNSPECIFIED)
            }
            (EffectKind::Error, "raise") => {
                argc(1)?;
                Err(Fault::Raise(args[0]))
            }
            (EffectKind::Time, "now") => {
                argc(0)?;
                let ms = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map_or(0, |d| d.as_millis() as i64);
                Ok(self.rt.heap.int(ms))
            }
            (EffectKind::Time, "sleep") => {
                argc(1)?;
                let ms = int(args[0], "time:sleep")?.max(0) as u64;
                self.rt.out.flush();
                std::thread::sleep(Duration::from_millis(ms));
                Ok(Value::UNSPECIFIED)
            }
            (EffectKind::Random, "int") => {
                argc(2)?;
                let (lo, hi) = (int(args[0], "random:int")?, int(args[1], "random:int")?);
                if hi <= lo {
                    return Err(Fault::Msg(format!("random:int: empty range [{lo}, {hi})")));
                }
                let span = (hi as i128 - lo as i128) as u128;
                let r = (self.effects.next_random() as u128 % span) as i128 + lo as i128;
                Ok(self.rt.heap.int(r as i64))
            }
            (EffectKind::Random, "float") => {
                argc(0)?;
                let bits = self.effects.next_random() >> 11;
                Ok(Value::float(bits as f64 / (1u64 << 53) as f64))
            }
            (EffectKind::Random, "seed") => {
                argc(1)?;
                let s = int(args[0], "random:seed")? as u64;
                self.effects.rng = if s == 0 { SEED } else { s };
                Ok(Value::UNSPECIFIED)
            }
            _ => Err(Fault::Msg(format!(
                "unhandled effect {}:{name}",
                kind.name()
            ))),
        }
    }
}

/// The argument count of an output effect, checked as its primitive would.
fn check_count(p: PrimId, n: usize, kind: EffectKind, op: &str) -> Result<(), Fault> {
    if primitives::info(p).accepts(n) {
        Ok(())
    } else {
        Err(Fault::Msg(format!(
            "effect {}:{op}: wrong number of arguments ({n})",
            kind.name()
        )))
    }
}

/// The elements of a proper list.
fn list_items(mut v: Value) -> Option<Vec<Value>> {
    let mut out = Vec::new();
    while let Some(p) = v.as_pair() {
        out.push(p.car.get());
        v = p.cdr.get();
    }
    (v == Value::NIL).then_some(out)
}
