//! Random well-formed programs.

mod exprs;
mod functions;

use super::*;

// ---------------------------------------------------------------------
// Program generation
// ---------------------------------------------------------------------

/// The types the generator keeps track of (a guide, not a guarantee: a
/// `car` of an empty list or a bad index is an error, and errors are
/// compared too).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Ty {
    Int,
    Float,
    Bool,
    Str,
    /// A list of ints.
    List,
    /// A vector of ints.
    Vector,
    /// `(Some int)`, `(None)` or `(Pair int int)`.
    Tag,
    /// A procedure from an int to an int.
    Fun,
}

/// Parameter types (ints most often).
pub(super) const PARAM_TYPES: &[Ty] = &[
    Ty::Int,
    Ty::Int,
    Ty::Int,
    Ty::Int,
    Ty::Float,
    Ty::Float,
    Ty::Bool,
    Ty::Str,
    Ty::List,
    Ty::List,
    Ty::Vector,
    Ty::Tag,
    Ty::Fun,
];

/// Result types of functions and statements.
pub(super) const RESULT_TYPES: &[Ty] = &[
    Ty::Int,
    Ty::Int,
    Ty::Int,
    Ty::Float,
    Ty::Float,
    Ty::Bool,
    Ty::Str,
    Ty::List,
    Ty::List,
    Ty::Vector,
    Ty::Tag,
];

/// Ints at the edges: the inline encoding (51 bits: -2^50 ..= 2^50 - 1),
/// 32 bits, i64, and square roots of i64::MAX (products that just fit or
/// just overflow).
pub(super) const EDGE_INTS: &[i64] = &[
    1_125_899_906_842_623,
    1_125_899_906_842_624,
    -1_125_899_906_842_624,
    -1_125_899_906_842_625,
    562_949_953_421_312,
    2_251_799_813_685_248,
    i64::MAX,
    i64::MIN,
    i64::MAX - 1,
    i64::MIN + 1,
    1 << 62,
    -(1 << 62),
    3_037_000_499,
    3_037_000_500,
    -3_037_000_500,
    // Where ints stop being exact as floats.
    9_007_199_254_740_992,
    9_007_199_254_740_993,
    -9_007_199_254_740_993,
    4_294_967_296,
    2_147_483_647,
    -2_147_483_648,
    1_000_000_007,
];

pub(super) const FLOATS: &[&str] = &[
    "0.0",
    "-0.0",
    "0.5",
    "1.5",
    "-2.25",
    "0.1",
    "0.2",
    "3.0",
    "-7.75",
    "100.0",
    "1e10",
    "1e300",
    "-1e-300",
    "2.5e-7",
    "1125899906842624.0",
    "9007199254740992.0",
    "9.223372036854776e18",
    "-9.223372036854776e18",
    "9.3e18",
    "-9.3e18",
    "+inf.0",
    "-inf.0",
    "+nan.0",
];

pub(super) const STRINGS: &[&str] = &[
    "\"\"",
    "\"a\"",
    "\"abc\"",
    "\"hello world\"",
    "\"héllo→\"",
    "\"日本\"",
    "\"x\\ny\"",
    "\"Zz9\"",
];

/// Names of errors raised with `error`.
pub(super) const MESSAGES: &[&str] = &["\"bad\"", "\"oops\"", "\"too big\"", "\"négatif\""];

/// Calls (times the enclosing loops' iterations) a call site may cost.
pub(super) const BUDGET: u64 = 3000;

pub(super) struct Var {
    name: String,
    ty: Ty,
    /// Loop counters are not assigned (that could make a loop endless).
    mutable: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    Plain,
    /// The first parameter counts down to 0 and callers pass at most
    /// this much.
    Bounded(u32),
}

#[derive(Clone, Debug)]
pub(super) struct Func {
    name: String,
    /// The fixed parameters.
    params: Vec<Ty>,
    /// Whether it takes more arguments, as a list.
    rest: bool,
    ret: Ty,
    kind: Kind,
    /// Estimated calls and loop iterations of one call.
    cost: u64,
}

pub(super) struct Gen {
    rng: Rng,
    /// Typed local variables in scope.
    scope: Vec<Var>,
    /// Top-level functions defined so far (callable).
    funcs: Vec<Func>,
    /// Top-level int variables (assigned with `set!`).
    globals: Vec<String>,
    fresh: usize,
    /// Iterations of the enclosing loops, per call of the function being
    /// generated.
    mult: u64,
    /// Estimated cost of the function being generated so far.
    cost: u64,
    /// Appended to every name, so that the programs of a batch do not
    /// clash.
    tag: String,
}

impl Gen {
    pub(super) fn new(seed: u64, tag: &str) -> Gen {
        Gen {
            tag: tag.to_string(),
            rng: Rng::new(seed),
            scope: Vec::new(),
            funcs: Vec::new(),
            globals: Vec::new(),
            fresh: 0,
            mult: 1,
            cost: 0,
        }
    }

    pub(super) fn fresh(&mut self, stem: &str) -> String {
        self.fresh += 1;
        format!("{stem}{}{}", self.fresh, self.tag)
    }

    /// Runs `f` with `vars` in scope.
    pub(super) fn bind<T>(&mut self, vars: &[(String, Ty)], f: impl FnOnce(&mut Gen) -> T) -> T {
        self.bind_loop(None, vars, f)
    }

    /// Runs `f` with the loop counter `counter` (an int that is never
    /// assigned) and `vars` in scope.
    pub(super) fn bind_loop<T>(
        &mut self,
        counter: Option<&str>,
        vars: &[(String, Ty)],
        f: impl FnOnce(&mut Gen) -> T,
    ) -> T {
        let mark = self.scope.len();
        if let Some(c) = counter {
            self.scope.push(Var {
                name: c.to_string(),
                ty: Ty::Int,
                mutable: false,
            });
        }
        for (name, ty) in vars {
            self.scope.push(Var {
                name: name.clone(),
                ty: *ty,
                mutable: true,
            });
        }
        let r = f(self);
        self.scope.truncate(mark);
        r
    }

    /// Runs `f` as the body of a loop of `k` iterations.
    pub(super) fn looped<T>(&mut self, k: u64, f: impl FnOnce(&mut Gen) -> T) -> T {
        let saved = self.mult;
        self.mult = self.mult.saturating_mul(k.max(1));
        self.cost = self.cost.saturating_add(self.mult);
        let r = f(self);
        self.mult = saved;
        r
    }

    /// A variable of type `ty` in scope, if any.
    /// `e`, truncated by `cap` if it is a string, list or vector: what a
    /// loop or a recursion accumulates, or an assignment stores, must
    /// not double at every step.
    pub(super) fn capped(ty: Ty, e: Sx) -> Sx {
        match ty {
            Ty::Str | Ty::List | Ty::Vector => l([a("cap"), e]),
            _ => e,
        }
    }

    pub(super) fn var_of(&mut self, ty: Ty) -> Option<String> {
        self.pick_var(|v| v.ty == ty)
    }

    /// A variable of type `ty` that may be assigned, if any.
    pub(super) fn mutable_var_of(&mut self, ty: Ty) -> Option<String> {
        self.pick_var(|v| v.ty == ty && v.mutable)
    }

    pub(super) fn pick_var(&mut self, ok: impl Fn(&Var) -> bool) -> Option<String> {
        let n = self.scope.iter().filter(|v| ok(v)).count();
        if n == 0 {
            return None;
        }
        let k = self.rng.below(n);
        self.scope
            .iter()
            .filter(|v| ok(v))
            .nth(k)
            .map(|v| v.name.clone())
    }

    pub(super) fn int_lit(&mut self) -> String {
        match self.rng.below(10) {
            0..=5 => (self.rng.below(31) as i64 - 10).to_string(),
            6 | 7 => self.rng.choose(EDGE_INTS).to_string(),
            _ => {
                let e = self.rng.choose(EDGE_INTS);
                let off = self.rng.below(5) as i64 - 2;
                e.checked_add(off).unwrap_or(e).to_string()
            }
        }
    }

    pub(super) fn small(&mut self, n: usize) -> Sx {
        a(self.rng.below(n).to_string())
    }

    pub(super) fn float_lit(&mut self) -> String {
        if self.rng.one_in(3) {
            format!(
                "{}.{}",
                self.rng.below(100) as i64 - 30,
                self.rng.below(100)
            )
        } else {
            self.rng.choose(FLOATS).to_string()
        }
    }

    pub(super) fn literal(&mut self, ty: Ty) -> Sx {
        match ty {
            Ty::Int => a(self.int_lit()),
            Ty::Float => a(self.float_lit()),
            Ty::Bool => a(self.rng.choose(&["#t", "#f"])),
            Ty::Str => a(self.rng.choose(STRINGS)),
            Ty::List => match self.rng.below(5) {
                0 => a("'()"),
                1 => a(self
                    .rng
                    .choose(&["'(1 2 3)", "'(5 -3 8 0)", "'(1125899906842623 1)"])),
                2 => l([a("range"), self.small(6)]),
                3 => lv(vec![a("list"), a(self.int_lit()), a(self.int_lit())]),
                _ => {
                    let n = self.rng.below(4);
                    let mut xs = vec![a("list")];
                    for _ in 0..n {
                        xs.push(a(self.int_lit()));
                    }
                    lv(xs)
                }
            },
            Ty::Vector => match self.rng.below(4) {
                0 => a("#(1 2 3)"),
                1 => l([a("make-vector"), self.small(5), a(self.int_lit())]),
                _ => {
                    let n = 1 + self.rng.below(3);
                    let mut xs = vec![a("vector")];
                    for _ in 0..n {
                        xs.push(a(self.int_lit()));
                    }
                    lv(xs)
                }
            },
            Ty::Tag => match self.rng.below(3) {
                0 => l([a("None")]),
                1 => l([a("Some"), a(self.int_lit())]),
                _ => l([a("Pair"), a(self.int_lit()), a(self.int_lit())]),
            },
            Ty::Fun => {
                let x = self.fresh("x");
                let op = self.rng.choose(&["+", "-", "*"]);
                l([
                    a("lambda"),
                    l([a(&x)]),
                    l([a(op), a(&x), a(self.int_lit())]),
                ])
            }
        }
    }

    pub(super) fn leaf(&mut self, ty: Ty) -> Sx {
        if ty == Ty::Int && !self.globals.is_empty() && self.rng.one_in(8) {
            let g = self.rng.below(self.globals.len());
            return a(&self.globals[g]);
        }
        if !self.rng.one_in(3)
            && let Some(v) = self.var_of(ty)
        {
            return a(v);
        }
        self.literal(ty)
    }

    pub(super) fn expr(&mut self, ty: Ty, depth: u32) -> Sx {
        if depth == 0 || self.rng.one_in(5) {
            return self.leaf(ty);
        }
        let d = depth - 1;
        match self.rng.below(16) {
            0 => l([
                a("if"),
                self.expr(Ty::Bool, d),
                self.expr(ty, d),
                self.expr(ty, d),
            ]),
            1 => self.let_form(ty, d),
            2 | 3 => match self.call(ty, d) {
                Some(c) => c,
                None => self.typed(ty, d),
            },
            4 | 5 => self.control(ty, d),
            _ => self.typed(ty, d),
        }
    }

    pub(super) fn i(&mut self, d: u32) -> Sx {
        self.expr(Ty::Int, d)
    }

    pub(super) fn f(&mut self, d: u32) -> Sx {
        self.expr(Ty::Float, d)
    }

    pub(super) fn b(&mut self, d: u32) -> Sx {
        self.expr(Ty::Bool, d)
    }

    pub(super) fn s(&mut self, d: u32) -> Sx {
        self.expr(Ty::Str, d)
    }

    pub(super) fn li(&mut self, d: u32) -> Sx {
        self.expr(Ty::List, d)
    }

    pub(super) fn v(&mut self, d: u32) -> Sx {
        self.expr(Ty::Vector, d)
    }

    /// An int or a float.
    pub(super) fn num(&mut self, d: u32) -> Sx {
        if self.rng.one_in(3) {
            self.f(d)
        } else {
            self.i(d)
        }
    }

    pub(super) fn typed(&mut self, ty: Ty, d: u32) -> Sx {
        match ty {
            Ty::Int => self.int_expr(d),
            Ty::Float => self.float_expr(d),
            Ty::Bool => self.bool_expr(d),
            Ty::Str => self.str_expr(d),
            Ty::List => self.list_expr(d),
            Ty::Vector => self.vec_expr(d),
            Ty::Tag => self.tag_expr(d),
            Ty::Fun => self.fun_expr(d),
        }
    }

    /// `(lambda (x ...) body)` with the parameters of types `params` in
    /// scope, called about `calls` times.
    pub(super) fn lambda(&mut self, params: &[Ty], ret: Ty, calls: u64, d: u32) -> Sx {
        let vars: Vec<(String, Ty)> = params.iter().map(|&t| (self.fresh("x"), t)).collect();
        let names = lv(vars.iter().map(|(n, _)| a(n)).collect());
        let body = self.looped(calls, |g| g.bind(&vars, |g| g.expr(ret, d)));
        l([a("lambda"), names, body])
    }

    pub(super) fn let_form(&mut self, ty: Ty, d: u32) -> Sx {
        let n = 1 + self.rng.below(2);
        let star = self.rng.one_in(2);
        let mut binds = Vec::new();
        let mut vars = Vec::new();
        for _ in 0..n {
            let t = self.rng.choose(PARAM_TYPES);
            let name = self.fresh("y");
            let init = if star {
                self.bind(&vars, |g| g.expr(t, d))
            } else {
                self.expr(t, d)
            };
            binds.push(l([a(&name), init]));
            vars.push((name, t));
        }
        let body = self.bind(&vars, |g| g.expr(ty, d));
        l([a(if star { "let*" } else { "let" }), lv(binds), body])
    }

    /// A statement for effect, before a `begin`'s value.
    pub(super) fn side_effect(&mut self, d: u32) -> Sx {
        match self.rng.below(6) {
            0 => l([a("display"), self.num(d)]),
            1 if !self.globals.is_empty() => {
                let g = self.globals[self.rng.below(self.globals.len())].clone();
                l([a("set!"), a(&g), l([a("+"), a(&g), self.i(d)])])
            }
            2 if self.scope.iter().any(|v| v.mutable) => {
                let ty = self.rng.choose(PARAM_TYPES);
                match self.mutable_var_of(ty) {
                    Some(name) => l([a("set!"), a(name), Gen::capped(ty, self.expr(ty, d))]),
                    None => l([a("display"), self.i(d)]),
                }
            }
            3 => l([a("vector-set!"), self.v(d), a("0"), self.i(d)]),
            4 => l([a("when"), self.b(d), l([a("raise"), self.i(d)])]),
            _ => l([a("display"), self.s(d)]),
        }
    }

    /// An expression that fails at run time.
    pub(super) fn fault(&mut self, d: u32) -> Sx {
        match self.rng.below(11) {
            0 => l([a("raise"), self.i(d)]),
            1 => l([a("raise"), self.s(d)]),
            2 => l([a("error"), a(self.rng.choose(MESSAGES)), self.i(d)]),
            3 => l([
                a("error"),
                a(self.rng.choose(MESSAGES)),
                self.i(d),
                self.li(d),
            ]),
            4 => l([a("car"), a("'()")]),
            5 => l([a("vector-ref"), self.v(d), a("10")]),
            6 => l([a("+"), self.i(d), self.s(d)]),
            7 => l([a("*"), a("3037000500"), a("-3037000500"), self.i(d)]),
            8 => l([a("quotient"), self.i(d), a("0")]),
            9 => l([l([a("lambda"), l([a("x")]), a("x")])]),
            _ => l([a("match"), self.i(d), l([a("0"), a("0")])]),
        }
    }

    /// Generic control forms producing a `ty`.
    pub(super) fn control(&mut self, ty: Ty, d: u32) -> Sx {
        match self.rng.below(12) {
            0 => l([
                a("cond"),
                l([self.b(d), self.expr(ty, d)]),
                l([self.b(d), self.expr(ty, d)]),
                l([a("else"), self.expr(ty, d)]),
            ]),
            1 => l([
                a("case"),
                self.i(d),
                l([l([a("0"), a("1")]), self.expr(ty, d)]),
                l([l([a("2"), a("3"), a("4")]), self.expr(ty, d)]),
                l([a("else"), self.expr(ty, d)]),
            ]),
            2 => {
                let body = self.expr(ty, d);
                self.try_form(body, ty, d)
            }
            3 => {
                let body = l([
                    a("begin"),
                    l([a("if"), self.b(d), self.fault(d), a("#f")]),
                    self.expr(ty, d),
                ]);
                self.try_form(body, ty, d)
            }
            4 => self.named_loop(ty, d),
            5 => self.do_loop(ty, d),
            6 => l([a("begin"), self.side_effect(d), self.expr(ty, d)]),
            7 => {
                // A local function: a closure over the enclosing scope.
                let h = self.fresh("h");
                let y = self.fresh("y");
                let hbody = self.looped(2, |g| g.bind(&[(y.clone(), Ty::Int)], |g| g.i(d)));
                let def = l([a("define"), l([a(&h), a(&y)]), hbody]);
                let body = self.bind(&[(h, Ty::Fun)], |g| g.expr(ty, d));
                l([a("let"), l([]), def, body])
            }
            8 => self.match_tag(ty, d),
            9 => self.match_list(ty, d),
            10 => self.match_int(ty, d),
            _ => {
                // A value computed with the counter a closure keeps.
                let c = self.fresh("c");
                let g = self.fresh("g");
                let x = self.fresh("x");
                let bump = l([
                    a("lambda"),
                    l([a(&x)]),
                    l([a("set!"), a(&c), l([a("+"), a(&c), a(&x)])]),
                    a(&c),
                ]);
                let init = self.i(d);
                let body = self.bind(&[(c.clone(), Ty::Int), (g.clone(), Ty::Fun)], |gn| {
                    l([
                        a("begin"),
                        l([a(&g), gn.i(d)]),
                        l([a(&g), gn.i(d)]),
                        gn.expr(ty, d),
                    ])
                });
                l([
                    a("let"),
                    l([l([a(&c), init])]),
                    l([a("let"), l([l([a(&g), bump])]), body]),
                ])
            }
        }
    }

    pub(super) fn try_form(&mut self, body: Sx, ty: Ty, d: u32) -> Sx {
        let e = self.fresh("e");
        let handler = match ty {
            Ty::Int if self.rng.one_in(2) => l([
                a("if"),
                l([a("error-object?"), a(&e)]),
                l([a("length"), l([a("error-object-irritants"), a(&e)])]),
                l([a("if"), l([a("integer?"), a(&e)]), a(&e), a("-1")]),
            ]),
            Ty::Str if self.rng.one_in(2) => l([
                a("if"),
                l([a("error-object?"), a(&e)]),
                l([a("error-object-message"), a(&e)]),
                a("\"raised\""),
            ]),
            _ => self.expr(ty, d),
        };
        l([a("try"), body, l([a("catch"), a(&e), handler])])
    }

    /// Iterations of a loop: few mostly, sometimes enough for a loop
    /// still interpreted to go native in the middle (on-stack
    /// replacement after `threshold * 100` back-edges); within the budget
    /// of what the enclosing loops and recursions already repeat.
    pub(super) fn loop_count(&mut self) -> u64 {
        let k = match self.rng.below(16) {
            0 | 1 => 0,
            2..=10 => self.rng.below(8) as u64,
            11..=14 => 10 + self.rng.below(30) as u64,
            _ => 300 + self.rng.below(900) as u64,
        };
        k.min((BUDGET / self.mult).max(1))
    }

    /// `(let loop ((i 0) (acc init)) (if (>= i k) acc (loop (+ i 1) step)))`
    pub(super) fn named_loop(&mut self, ty: Ty, d: u32) -> Sx {
        let (lp, i, acc) = (self.fresh("loop"), self.fresh("i"), self.fresh("acc"));
        let k = self.loop_count();
        let init = self.expr(ty, d);
        let vars = [(acc.clone(), ty)];
        let step = self.looped(k, |g| g.bind_loop(Some(&i), &vars, |g| g.expr(ty, d)));
        let step = Gen::capped(ty, step);
        let test = if self.rng.one_in(2) {
            l([a(">="), a(&i), a(k.to_string())])
        } else {
            l([a("="), a(&i), a(k.to_string())])
        };
        let again = l([a(&lp), l([a("+"), a(&i), a("1")]), step]);
        let body = if self.rng.one_in(3) {
            // The recursive call in the else branch of a cond, after a
            // test that may leave early.
            let early = self.looped(k, |g| g.bind_loop(Some(&i), &vars, |g| g.b(d.min(1))));
            l([
                a("cond"),
                l([test, a(&acc)]),
                l([early, a(&acc)]),
                l([a("else"), again]),
            ])
        } else {
            l([a("if"), test, a(&acc), again])
        };
        l([
            a("let"),
            a(&lp),
            l([l([a(&i), a("0")]), l([a(&acc), init])]),
            body,
        ])
    }

    /// `(do ((i 0 (+ i 1)) (acc init step)) ((>= i k) acc))`
    pub(super) fn do_loop(&mut self, ty: Ty, d: u32) -> Sx {
        let (i, acc) = (self.fresh("i"), self.fresh("acc"));
        let k = self.loop_count();
        let init = self.expr(ty, d);
        let vars = [(acc.clone(), ty)];
        let step = self.looped(k, |g| g.bind_loop(Some(&i), &vars, |g| g.expr(ty, d)));
        let step = Gen::capped(ty, step);
        l([
            a("do"),
            l([
                l([a(&i), a("0"), l([a("+"), a(&i), a("1")])]),
                l([a(&acc), init, step]),
            ]),
            l([l([a(">="), a(&i), a(k.to_string())]), a(&acc)]),
        ])
    }

    pub(super) fn match_tag(&mut self, ty: Ty, d: u32) -> Sx {
        let scrutinee = self.expr(Ty::Tag, d);
        let (v, x, y, w) = (
            self.fresh("v"),
            self.fresh("x"),
            self.fresh("y"),
            self.fresh("w"),
        );
        let mut clauses = vec![a("match"), scrutinee];
        let some = self.bind(&[(v.clone(), Ty::Int)], |g| g.expr(ty, d));
        if self.rng.one_in(3) {
            clauses.push(l([
                l([a("as"), a(&w), l([a("Some"), a(&v)])]),
                l([a("when"), l([a(">"), a(&v), a("0")])]),
                some,
            ]));
        } else {
            clauses.push(l([l([a("Some"), a(&v)]), some]));
        }
        clauses.push(l([l([a("None")]), self.expr(ty, d)]));
        if !self.rng.one_in(6) {
            // Leaving this out makes `(Pair ...)` fail to match.
            let pair = self.bind(&[(x.clone(), Ty::Int), (y.clone(), Ty::Int)], |g| {
                g.expr(ty, d)
            });
            clauses.push(l([l([a("Pair"), a(&x), a(&y)]), pair]));
        }
        if self.rng.one_in(3) {
            clauses.push(l([a("_"), self.expr(ty, d)]));
        }
        lv(clauses)
    }

    pub(super) fn match_list(&mut self, ty: Ty, d: u32) -> Sx {
        let (h, t, x, y) = (
            self.fresh("h"),
            self.fresh("t"),
            self.fresh("x"),
            self.fresh("y"),
        );
        let two = [(x.clone(), Ty::Int), (y.clone(), Ty::Int)];
        let cons = [(h.clone(), Ty::Int), (t.clone(), Ty::List)];
        match self.rng.below(4) {
            0 => l([
                a("match"),
                self.li(d),
                l([a("()"), self.expr(ty, d)]),
                l([
                    l([a(&h), a("."), a(&t)]),
                    self.bind(&cons, |g| g.expr(ty, d)),
                ]),
            ]),
            1 => l([
                a("match"),
                self.li(d),
                l([
                    l([a("list"), a(&x), a(&y)]),
                    self.bind(&two, |g| g.expr(ty, d)),
                ]),
                l([
                    l([a("Cons"), a(&h), a(&t)]),
                    self.bind(&cons, |g| g.expr(ty, d)),
                ]),
                l([a("Nil"), self.expr(ty, d)]),
            ]),
            2 => l([
                a("match"),
                self.v(d),
                l([a(format!("#({x} {y})")), self.bind(&two, |g| g.expr(ty, d))]),
                l([a("_"), self.expr(ty, d)]),
            ]),
            _ => l([
                a("match"),
                self.li(d),
                l([
                    l([a(&h), a("."), a(&t)]),
                    l([a("when"), l([a("pair?"), a(&t)])]),
                    self.bind(&cons, |g| g.expr(ty, d)),
                ]),
                l([a("_"), self.expr(ty, d)]),
            ]),
        }
    }

    pub(super) fn match_int(&mut self, ty: Ty, d: u32) -> Sx {
        let (n, m) = (self.fresh("n"), self.fresh("m"));
        let mut clauses = vec![
            a("match"),
            self.i(d),
            l([a("0"), self.expr(ty, d)]),
            l([l([a("or"), a("1"), a("2")]), self.expr(ty, d)]),
            l([
                a(&n),
                l([a("when"), l([a(">"), a(&n), a("100")])]),
                self.bind(&[(n.clone(), Ty::Int)], |g| g.expr(ty, d)),
            ]),
            l([
                l([a("?"), a("even?"), a(&m)]),
                self.bind(&[(m.clone(), Ty::Int)], |g| g.expr(ty, d)),
            ]),
        ];
        if !self.rng.one_in(5) {
            clauses.push(l([a("_"), self.expr(ty, d)]));
        }
        lv(clauses)
    }
}

/// What every batch starts with: printing a value or what was raised,
/// and `cap`, which truncates strings, lists and vectors to 24 items.
pub(super) fn batch_prelude() -> Vec<Sx> {
    let cap = "(define (cap x) \
        (cond ((string? x) (if (> (string-length x) 24) (substring x 0 24) x)) \
              ((pair? x) (if (> (length x) 24) (list-head x 24) x)) \
              ((vector? x) \
               (if (> (vector-length x) 24) (list->vector (list-head (vector->list x) 24)) x)) \
              (else x)))";
    vec![
        a(cap),
        l([
            a("define"),
            l([a("show-error"), a("e")]),
            l([
                a("if"),
                l([a("error-object?"), a("e")]),
                l([
                    a("list"),
                    a("'error"),
                    l([a("error-object-message"), a("e")]),
                    l([a("error-object-irritants"), a("e")]),
                ]),
                l([a("list"), a("'raised"), a("e")]),
            ]),
        ]),
        l([
            a("define"),
            l([a("show"), a("thunk")]),
            l([
                a("display"),
                l([
                    a("try"),
                    l([a("thunk")]),
                    l([a("catch"), a("e"), l([a("show-error"), a("e")])]),
                ]),
            ]),
            l([a("newline")]),
        ]),
    ]
}

pub(super) fn case_seed(seed: u64, i: u64) -> u64 {
    seed ^ i.wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// The cases of batch `b` of `n` cases.
pub(super) fn batch_cases(b: u64, n: u64) -> std::ops::Range<u64> {
    b * BATCH..((b + 1) * BATCH).min(n)
}

/// Batch `b`: the programs of its cases one after the other in one
/// source file, run in one VM (which then compiles the prelude once).
/// Only the last program may end with an uncaught error.
pub(super) fn batch_program(seed: u64, b: u64, n: u64) -> Vec<Sx> {
    let mut forms = batch_prelude();
    let cases = batch_cases(b, n);
    for i in cases.clone() {
        let tag = char::from(b'a' + (i - cases.start) as u8).to_string();
        let mut g = Gen::new(case_seed(seed, i), &tag);
        forms.extend(g.program(i + 1 == cases.end));
    }
    forms
}
