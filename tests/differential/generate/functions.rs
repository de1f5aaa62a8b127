//! Calls, the kinds of function a program defines, statements, and
//! whole programs.

use super::*;

impl Gen {
    /// A call of a top-level function returning `ty`, if one is cheap
    /// enough here.
    pub(super) fn call(&mut self, ty: Ty, d: u32) -> Option<Sx> {
        let cands: Vec<usize> = (0..self.funcs.len())
            .filter(|&k| {
                self.funcs[k].ret == ty && self.mult.saturating_mul(self.funcs[k].cost) <= BUDGET
            })
            .collect();
        if cands.is_empty() {
            return None;
        }
        let f = self.funcs[cands[self.rng.below(cands.len())]].clone();
        self.cost = self.cost.saturating_add(self.mult.saturating_mul(f.cost));
        Some(self.call_of(&f, d, false))
    }

    /// A call of `f` with generated arguments; `deep` passes a bounded
    /// function its bound.
    pub(super) fn call_of(&mut self, f: &Func, d: u32, deep: bool) -> Sx {
        let mut args = Vec::new();
        for (k, &p) in f.params.iter().enumerate() {
            match f.kind {
                Kind::Bounded(bound) if k == 0 => {
                    if deep {
                        args.push(a(bound.to_string()));
                    } else {
                        args.push(l([a("min"), self.i(d), a(bound.min(25).to_string())]));
                    }
                }
                _ => args.push(self.expr(p, d)),
            }
        }
        if f.rest {
            for _ in 0..self.rng.below(4) {
                args.push(self.i(d));
            }
        }
        if self.rng.one_in(40) {
            // One argument too many or too few: an arity error (of a call
            // in tail position, often).
            if args.is_empty() || self.rng.one_in(2) {
                args.push(a("0"));
            } else {
                args.pop();
            }
        }
        match self.rng.below(10) {
            0 => {
                let mut list = vec![a("list")];
                list.extend(args);
                l([a("apply"), a(&f.name), lv(list)])
            }
            1 => {
                let h = self.fresh("h");
                let mut call = vec![a(&h)];
                call.extend(args);
                l([a("let"), l([l([a(&h), a(&f.name)])]), lv(call)])
            }
            _ => {
                let mut call = vec![a(&f.name)];
                call.extend(args);
                lv(call)
            }
        }
    }

    pub(super) fn start_function(&mut self) {
        self.scope.clear();
        self.mult = 1;
        self.cost = 1;
    }

    pub(super) fn params(&mut self, n: usize) -> Vec<(String, Ty)> {
        (0..n)
            .map(|_| (self.fresh("p"), self.rng.choose(PARAM_TYPES)))
            .collect()
    }

    pub(super) fn define(name: &str, params: &[(String, Ty)], body: Vec<Sx>) -> Sx {
        let mut head = vec![a(name)];
        head.extend(params.iter().map(|(p, _)| a(p)));
        let mut form = vec![a("define"), lv(head)];
        form.extend(body);
        lv(form)
    }

    /// A function of 0 to 3 parameters (and maybe a rest parameter):
    /// maybe an internal definition
    /// and a side effect, then an expression.
    pub(super) fn plain_function(&mut self, out: &mut Vec<Sx>) {
        self.start_function();
        let name = self.fresh("f");
        let n = self.rng.below(4);
        let mut params = self.params(n);
        // Maybe variadic: the extra arguments as a list.
        let rest = self.rng.one_in(5).then(|| self.fresh("rest"));
        if let Some(r) = &rest {
            params.push((r.clone(), Ty::List));
        }
        let ret = if self.rng.one_in(12) {
            Ty::Fun
        } else {
            self.rng.choose(RESULT_TYPES)
        };
        let depth = 3 + self.rng.below(2) as u32;
        let body = self.bind(&params, |g| {
            let mut body = Vec::new();
            let mut locals = Vec::new();
            if g.rng.one_in(4) {
                let t = g.rng.choose(PARAM_TYPES);
                let x = g.fresh("x");
                body.push(l([a("define"), a(&x), g.expr(t, 2)]));
                locals.push((x, t));
            }
            g.bind(&locals, |g| {
                if g.rng.one_in(4) {
                    body.push(g.side_effect(1));
                }
                body.push(g.expr(ret, depth));
            });
            body
        });
        let mut form = Gen::define(&name, &params, body);
        if let (Some(rest), Sx::List(items)) = (&rest, &mut form)
            && let Some(Sx::List(head)) = items.get_mut(1)
        {
            // `(define (f a b . rest) ...)`
            head.pop();
            head.push(a("."));
            head.push(a(rest));
        }
        out.push(form);
        let fixed = params.len() - rest.is_some() as usize;
        self.funcs.push(Func {
            name,
            params: params[..fixed].iter().map(|(_, t)| *t).collect(),
            rest: rest.is_some(),
            ret,
            kind: Kind::Plain,
            cost: self.cost,
        });
    }

    /// The type a recursion accumulates: any, or for a deep one, a number
    /// or a boolean (a deep recursion's steps must be cheap: no list
    /// operations, no `cap`).
    pub(super) fn step_type(&mut self, bound: u32) -> Ty {
        if bound > 25 {
            self.rng.choose(&[Ty::Int, Ty::Int, Ty::Float, Ty::Bool])
        } else {
            self.rng.choose(RESULT_TYPES)
        }
    }

    /// How deep the expressions of a recursion's step are.
    pub(super) fn step_depth(bound: u32) -> u32 {
        if bound > 25 { 1 } else { 2 }
    }

    /// The bound of a recursive function: small mostly, sometimes deep
    /// (the JIT's native stack), rarely past `MAX_DEPTH`.
    pub(super) fn recursion_bound(&mut self, tail: bool) -> u32 {
        match self.rng.below(12) {
            0 => 2000 + self.rng.below(3000) as u32,
            1 if !tail => MAX_DEPTH as u32 + 500,
            1 => 20_000,
            _ => 5 + self.rng.below(30) as u32,
        }
    }

    /// `(define (r n a) (if (<= n 0) base (let ((rv (r (- n 1) arg))) step)))`
    /// or the recursive call as an argument.
    pub(super) fn recursive_function(&mut self, out: &mut Vec<Sx>) {
        self.start_function();
        let name = self.fresh("r");
        let bound = self.recursion_bound(false);
        let (n, acc, rv) = (self.fresh("n"), self.fresh("a"), self.fresh("rv"));
        let (at, ret) = (self.step_type(bound), self.step_type(bound));
        let sd = Gen::step_depth(bound);
        let params = vec![(n.clone(), Ty::Int), (acc.clone(), at)];
        let body = self.looped(bound as u64, |g| {
            g.bind(&params, |g| {
                let base = g.expr(ret, 2);
                let arg = Gen::capped(at, g.expr(at, sd));
                let rec = l([a(&name), l([a("-"), a(&n), a("1")]), arg]);
                let step = if ret == Ty::Int && g.rng.one_in(2) {
                    let op = g.rng.choose(&["+", "-", "*"]);
                    l([a(op), g.i(sd), rec])
                } else {
                    let step = g.bind(&[(rv.clone(), ret)], |g| g.expr(ret, sd));
                    let step = Gen::capped(ret, step);
                    l([a("let"), l([l([a(&rv), rec])]), step])
                };
                l([a("if"), l([a("<="), a(&n), a("0")]), base, step])
            })
        });
        out.push(Gen::define(&name, &params, vec![body]));
        let cost = self.cost;
        self.funcs.push(Func {
            name,
            params: vec![Ty::Int, at],
            rest: false,
            ret,
            kind: Kind::Bounded(bound),
            cost,
        });
    }

    /// `(define (fib n) (if (< n 2) base (+ (fib (- n 1)) (fib (- n 2)))))`
    pub(super) fn tree_recursive_function(&mut self, out: &mut Vec<Sx>) {
        self.start_function();
        let name = self.fresh("fib");
        let n = self.fresh("n");
        let params = vec![(n.clone(), Ty::Int)];
        let bound = 8 + self.rng.below(6) as u32;
        let body = self.looped(1 << (bound / 2 + 1), |g| {
            g.bind(&params, |g| {
                let base = g.i(1);
                let op = g.rng.choose(&["+", "-", "*"]);
                l([
                    a("if"),
                    l([a("<"), a(&n), a("2")]),
                    base,
                    l([
                        a(op),
                        l([a(&name), l([a("-"), a(&n), a("1")])]),
                        l([a(&name), l([a("-"), a(&n), a("2")])]),
                    ]),
                ])
            })
        });
        out.push(Gen::define(&name, &params, vec![body]));
        let cost = self.cost;
        self.funcs.push(Func {
            name,
            params: vec![Ty::Int],
            rest: false,
            ret: Ty::Int,
            kind: Kind::Bounded(bound),
            cost,
        });
    }

    /// `(define (t n acc) (if (<= n 0) acc (t (- n 1) step)))`: a loop as
    /// tail recursion.
    pub(super) fn tail_function(&mut self, out: &mut Vec<Sx>) {
        self.start_function();
        let name = self.fresh("t");
        let bound = self.recursion_bound(true);
        let (n, acc) = (self.fresh("n"), self.fresh("acc"));
        let ty = self.step_type(bound);
        let sd = Gen::step_depth(bound);
        let params = vec![(n.clone(), Ty::Int), (acc.clone(), ty)];
        let body = self.looped(bound as u64, |g| {
            g.bind(&params, |g| {
                let step = Gen::capped(ty, g.expr(ty, sd));
                let again = l([a(&name), l([a("-"), a(&n), a("1")]), step]);
                if g.rng.one_in(2) {
                    let other = Gen::capped(ty, g.expr(ty, 1));
                    let twice = l([a(&name), l([a("-"), a(&n), a("2")]), other]);
                    l([
                        a("cond"),
                        l([l([a("<="), a(&n), a("0")]), a(&acc)]),
                        l([l([a("even?"), a(&n)]), again]),
                        l([a("else"), twice]),
                    ])
                } else {
                    l([a("if"), l([a("<="), a(&n), a("0")]), a(&acc), again])
                }
            })
        });
        out.push(Gen::define(&name, &params, vec![body]));
        let cost = self.cost;
        self.funcs.push(Func {
            name,
            params: vec![Ty::Int, ty],
            rest: false,
            ret: ty,
            kind: Kind::Bounded(bound),
            cost,
        });
    }

    /// Two functions that tail-call each other.
    pub(super) fn mutual_functions(&mut self, out: &mut Vec<Sx>) {
        self.start_function();
        let (ev, od) = (self.fresh("ev"), self.fresh("od"));
        let bound = self.recursion_bound(true);
        let ty = self.step_type(bound);
        let sd = Gen::step_depth(bound);
        for (me, other) in [(&ev, &od), (&od, &ev)] {
            let (n, acc) = (self.fresh("n"), self.fresh("acc"));
            let params = vec![(n.clone(), Ty::Int), (acc.clone(), ty)];
            let body = self.looped(bound as u64, |g| {
                g.bind(&params, |g| {
                    let base = if g.rng.one_in(2) {
                        a(&acc)
                    } else {
                        g.expr(ty, 1)
                    };
                    let step = Gen::capped(ty, g.expr(ty, sd));
                    l([
                        a("if"),
                        l([a("<="), a(&n), a("0")]),
                        base,
                        l([a(other), l([a("-"), a(&n), a("1")]), step]),
                    ])
                })
            });
            out.push(Gen::define(me, &params, vec![body]));
        }
        let cost = self.cost;
        for name in [ev, od] {
            self.funcs.push(Func {
                name,
                params: vec![Ty::Int, ty],
                rest: false,
                ret: ty,
                kind: Kind::Bounded(bound),
                cost,
            });
        }
    }

    /// A statement of `main` that calls `f` and prints what it returns
    /// (or what it raised), maybe several times.
    pub(super) fn statement(&mut self, f: &Func) -> Sx {
        self.scope.clear();
        self.mult = 1;
        // Recursion as deep as the bound, in a statement of its own.
        let deep = matches!(f.kind, Kind::Bounded(b) if b > 25) && self.rng.one_in(2);
        let call = |g: &mut Gen, deep: bool| {
            let c = g.call_of(f, 2, deep);
            if f.ret == Ty::Fun { l([c, g.i(1)]) } else { c }
        };
        let shown = |g: &mut Gen, deep: bool| {
            if g.rng.one_in(4) {
                // Through `show`, which calls a thunk inside a `try`.
                l([a("show"), l([a("lambda"), l([]), call(g, deep)])])
            } else {
                let e = g.fresh("e");
                l([
                    a("begin"),
                    l([
                        a("display"),
                        l([
                            a("try"),
                            call(g, deep),
                            l([a("catch"), a(&e), l([a("show-error"), a(&e)])]),
                        ]),
                    ]),
                    l([a("newline")]),
                ])
            }
        };
        match self.rng.below(8) {
            _ if deep => shown(self, true),
            0 => {
                let k = self.fresh("k");
                let body = self.bind_loop(Some(&k), &[], |g| shown(g, false));
                l([
                    a("for-each"),
                    l([a("lambda"), l([a(&k)]), body]),
                    l([a("range"), a((2 + self.rng.below(5)).to_string())]),
                ])
            }
            1..=3 => {
                // Repeated calls: with threshold 3, `f` tiers up mid-loop.
                let k = self.fresh("k");
                let n = 2 + self.rng.below(5);
                let body = self.bind_loop(Some(&k), &[], |g| shown(g, false));
                l([
                    a("do"),
                    l([l([a(&k), a("0"), l([a("+"), a(&k), a("1")])])]),
                    l([l([a("="), a(&k), a(n.to_string())])]),
                    body,
                ])
            }
            _ => shown(self, false),
        }
    }

    /// One program: globals, functions, and a `main` of statements that
    /// call each function, then `(main)`. Two programs in three define
    /// everything inside `main` (closures calling closures), the others at
    /// top level (calls through globals; each top-level form is one more
    /// function for the JIT to compile). With `uncaught`, maybe a last
    /// statement whose error nothing catches.
    pub(super) fn program(&mut self, uncaught: bool) -> Vec<Sx> {
        let local = !self.rng.one_in(3);
        let mut defs = Vec::new();
        for _ in 0..self.rng.below(3) {
            let g = self.fresh("g");
            defs.push(l([a("define"), a(&g), a(self.int_lit())]));
            self.globals.push(g);
        }
        let nfuncs = 2 + self.rng.below(4);
        for _ in 0..nfuncs {
            match self.rng.below(12) {
                0 => self.tail_function(&mut defs),
                1 => self.recursive_function(&mut defs),
                2 => self.mutual_functions(&mut defs),
                3 => self.tree_recursive_function(&mut defs),
                _ => self.plain_function(&mut defs),
            }
        }
        let funcs = self.funcs.clone();
        let mut statements = Vec::new();
        for f in &funcs {
            statements.push(self.statement(f));
        }
        for _ in 0..self.rng.below(3) {
            let f = funcs[self.rng.below(funcs.len())].clone();
            statements.push(self.statement(&f));
        }
        if uncaught && !self.rng.one_in(4) {
            // An error nothing catches: the only way a location and a
            // backtrace get compared.
            self.scope.clear();
            self.mult = 1;
            let f = funcs[self.rng.below(funcs.len())].clone();
            let last = match self.rng.below(4) {
                0 => self.fault(1),
                1 => {
                    // A call in tail position with one argument too many.
                    let h = self.fresh("fail");
                    let mut call = self.call_of(&f, 1, false);
                    if let Sx::List(items) = &mut call {
                        items.push(a("0"));
                    }
                    defs.push(l([a("define"), l([a(&h)]), call]));
                    l([a(&h)])
                }
                2 => {
                    // A fault a few frames down a recursion.
                    let (h, n) = (self.fresh("deep"), self.fresh("n"));
                    let fault = self.fault(1);
                    let again = l([a(&h), l([a("-"), a(&n), a("1")])]);
                    defs.push(l([
                        a("define"),
                        l([a(&h), a(&n)]),
                        l([
                            a("if"),
                            l([a("<="), a(&n), a("0")]),
                            fault,
                            l([a("+"), a("1"), again]),
                        ]),
                    ]));
                    l([a(&h), self.small(5)])
                }
                _ if f.ret == Ty::Fun => self.fault(1),
                _ => self.call_of(&f, 1, false),
            };
            statements.push(l([a("display"), last]));
        }
        let main = self.fresh("main");
        let mut forms = Vec::new();
        let mut body = Vec::new();
        if local {
            body.extend(defs);
        } else {
            forms.extend(defs);
        }
        body.extend(statements);
        forms.push(Gen::define(&main, &[], body));
        forms.push(l([a(&main)]));
        forms
    }
}
