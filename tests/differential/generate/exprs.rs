//! Expressions of each type: ints, floats, booleans, strings, lists,
//! vectors, tagged values, functions.

use super::*;

impl Gen {
    pub(super) fn int_expr(&mut self, d: u32) -> Sx {
        match self.rng.below(38) {
            0..=5 => {
                let op = self.rng.choose(&["+", "-", "*", "+", "-"]);
                l([a(op), self.i(d), self.i(d)])
            }
            6 => {
                let op = self.rng.choose(&["+", "-", "*"]);
                l([a(op), self.i(d), self.i(d), self.i(d)])
            }
            7 => l([a("-"), self.i(d)]),
            8 => {
                let op = self.rng.choose(&["+", "-"]);
                let k = self.rng.choose(&["1", "2", "-1", "1000"]);
                l([a(op), self.i(d), a(k)])
            }
            9 => {
                let op = self.rng.choose(&["quotient", "remainder", "modulo"]);
                let divisor = if self.rng.one_in(3) {
                    self.i(d)
                } else {
                    a(self.rng.choose(&["3", "-7", "2", "1000000007", "-1"]))
                };
                l([a(op), self.i(d), divisor])
            }
            10 => l([a(self.rng.choose(&["abs", "square"])), self.i(d)]),
            11 => l([a(self.rng.choose(&["min", "max"])), self.i(d), self.i(d)]),
            12 => l([a("length"), self.li(d)]),
            13 => match self.rng.below(2) {
                0 => l([a("vector-length"), self.v(d)]),
                _ => l([a("string-length"), self.s(d)]),
            },
            14 => {
                let vv = self.fresh("v");
                let init = self.v(d);
                let idx = self.i(d);
                l([
                    a("let"),
                    l([l([a(&vv), init])]),
                    l([
                        a("vector-ref"),
                        a(&vv),
                        l([
                            a("modulo"),
                            idx,
                            l([a("max"), a("1"), l([a("vector-length"), a(&vv)])]),
                        ]),
                    ]),
                ])
            }
            15 => match self.rng.below(3) {
                0 => l([a("car"), self.li(d)]),
                1 => l([a("cadr"), self.li(d)]),
                _ => l([a("list-ref"), self.li(d), self.small(3)]),
            },
            16 => {
                let f = self.lambda(&[Ty::Int, Ty::Int], Ty::Int, 5, d);
                l([a("fold-left"), f, self.i(d), self.li(d)])
            }
            17 => {
                let f = self.lambda(&[Ty::Int, Ty::Int], Ty::Int, 5, d);
                l([a("fold-right"), f, self.i(d), self.li(d)])
            }
            18 => match self.rng.below(3) {
                0 => l([a("reduce"), a("+"), a("0"), self.li(d)]),
                1 => l([a("apply"), a("+"), self.li(d)]),
                _ => l([a("apply"), a("max"), l([a("cons"), a("0"), self.li(d)])]),
            },
            19 => l([
                a("char->integer"),
                l([a("string-ref"), self.s(d), self.small(2)]),
            ]),
            20 => {
                let r = self.rng.choose(&["round", "floor", "truncate", "ceiling"]);
                l([a("exact"), l([a(r), self.f(d)])])
            }
            21 => {
                // A closure accumulates into a captured variable.
                let acc = self.fresh("acc");
                let init = self.i(d);
                let x = self.fresh("x");
                let step = self.looped(5, |g| {
                    g.bind(&[(acc.clone(), Ty::Int), (x.clone(), Ty::Int)], |g| g.i(d))
                });
                let lst = self.li(d);
                l([
                    a("let"),
                    l([l([a(&acc), init])]),
                    l([
                        a("for-each"),
                        l([a("lambda"), l([a(&x)]), l([a("set!"), a(&acc), step])]),
                        lst,
                    ]),
                    a(&acc),
                ])
            }
            22 => {
                let vv = self.fresh("v");
                let init = self.v(d);
                let x = self.i(d);
                l([
                    a("let"),
                    l([l([a(&vv), init])]),
                    l([a("vector-set!"), a(&vv), a("0"), x]),
                    l([a("vector-ref"), a(&vv), a("0")]),
                ])
            }
            23 if !self.globals.is_empty() => {
                let g = self.globals[self.rng.below(self.globals.len())].clone();
                l([
                    a("begin"),
                    l([a("set!"), a(&g), l([a("+"), a(&g), self.i(d)])]),
                    a(&g),
                ])
            }
            24 => match self.mutable_var_of(Ty::Int) {
                Some(x) => l([a("begin"), l([a("set!"), a(&x), self.i(d)]), a(&x)]),
                None => self.i(d),
            },
            25 => l([self.fun_expr(d), self.i(d)]),
            26 if self.rng.one_in(3) => self.fault(d),
            27 => l([
                a("expt"),
                a(self.rng.choose(&["2", "-3", "10"])),
                self.small(66),
            ]),
            28 => self.named_loop(Ty::Int, d),
            29 => l([a(self.rng.choose(&["gcd", "lcm"])), self.i(d), self.i(d)]),
            30 => match self.var_of(Ty::Fun) {
                Some(f) => l([a(f), self.i(d)]),
                None => self.i(d),
            },
            36 | 37 => self.effect_int(d),
            _ => l([a("+"), self.i(d), self.i(d)]),
        }
    }

    /// An int computed through effects and handlers: a handler's value
    /// standing in for an effect, an output primitive or a raise, and the
    /// built-in state store.
    fn effect_int(&mut self, d: u32) -> Sx {
        let handler = |clause: Sx, body: Sx| l([a("handler"), l([clause]), body]);
        let lambda = |params: Sx, body: Sx| l([a("lambda"), params, body]);
        match self.rng.below(5) {
            0 => {
                let clause = l([a("state:get"), lambda(l([a("k")]), self.i(d))]);
                let body = l([a("+"), l([a("effect"), a("state:get"), a("'k")]), self.i(d)]);
                handler(clause, body)
            }
            1 => {
                let clause = l([a("io"), lambda(a("args"), self.i(d))]);
                let body = l([a("begin"), l([a("display"), self.num(d)]), self.i(d)]);
                handler(clause, body)
            }
            2 => {
                let clause = l([a("error"), lambda(l([a("op"), a("v")]), self.i(d))]);
                let body = l([a("+"), self.i(d), l([a("raise"), self.i(d)])]);
                handler(clause, body)
            }
            3 => {
                let key = a(self.rng.choose(&["'a", "'b", "\"k\""]));
                l([
                    a("begin"),
                    l([a("effect"), a("state:set"), key.clone(), self.i(d)]),
                    l([a("effect"), a("state:get"), key]),
                ])
            }
            _ => {
                // The inner handler's own effect goes to the outer one.
                let outer = l([a("state:get"), lambda(l([a("k")]), self.i(d))]);
                let inner = l([
                    a("state:get"),
                    lambda(
                        l([a("k")]),
                        l([a("+"), a("1"), l([a("effect"), a("state:get"), a("k")])]),
                    ),
                ]);
                handler(
                    outer,
                    handler(inner, l([a("effect"), a("state:get"), a("'z")])),
                )
            }
        }
    }

    pub(super) fn float_expr(&mut self, d: u32) -> Sx {
        match self.rng.below(16) {
            0..=3 => {
                let op = self.rng.choose(&["+", "-", "*", "/"]);
                l([a(op), self.f(d), self.f(d)])
            }
            4 | 5 => {
                let op = self.rng.choose(&["+", "-", "*", "/"]);
                if self.rng.one_in(2) {
                    l([a(op), self.f(d), self.i(d)])
                } else {
                    l([a(op), self.i(d), self.f(d)])
                }
            }
            6 => l([
                a(self.rng.choose(&["exact->inexact", "inexact"])),
                self.i(d),
            ]),
            7 => l([a(self.rng.choose(&["sqrt", "abs", "-"])), self.f(d)]),
            8 => {
                let r = self.rng.choose(&["round", "floor", "truncate", "ceiling"]);
                l([a(r), self.f(d)])
            }
            9 => l([a(self.rng.choose(&["min", "max"])), self.f(d), self.num(d)]),
            10 => l([a("fold-left"), a("+"), a("0.5"), self.li(d)]),
            11 => a(self.rng.choose(&[
                "(- +inf.0 +inf.0)",
                "(* 0.0 +inf.0)",
                "(/ 0.0 0.0)",
                "(sqrt -1.0)",
                "(- (/ 0.0 0.0))",
            ])),
            12 => l([a("*"), a("1.0"), self.i(d)]),
            13 => l([
                a(self.rng.choose(&["exp", "sin", "atan", "log"])),
                self.f(d),
            ]),
            14 => l([a("expt"), self.f(d), self.small(4)]),
            _ => self.named_loop(Ty::Float, d),
        }
    }

    pub(super) fn bool_expr(&mut self, d: u32) -> Sx {
        match self.rng.below(16) {
            0..=3 => {
                let op = self.rng.choose(&["<", "<=", ">", ">=", "="]);
                l([a(op), self.num(d), self.num(d)])
            }
            4 => {
                let op = self.rng.choose(&["<", "<=", "="]);
                l([a(op), self.i(d), self.i(d), self.i(d)])
            }
            5 => {
                let op = self.rng.choose(&["eq?", "eqv?", "equal?"]);
                l([a(op), self.i(d), self.i(d)])
            }
            6 => {
                let t = self
                    .rng
                    .choose(&[Ty::List, Ty::Tag, Ty::Vector, Ty::Str, Ty::Float]);
                let op = self.rng.choose(&["equal?", "eqv?"]);
                l([a(op), self.expr(t, d), self.expr(t, d)])
            }
            7 => l([a(self.rng.choose(&["null?", "pair?", "list?"])), self.li(d)]),
            8 => {
                let p = self
                    .rng
                    .choose(&["zero?", "even?", "odd?", "positive?", "negative?"]);
                l([a(p), self.i(d)])
            }
            9 => l([a("not"), self.b(d)]),
            10 => l([a(self.rng.choose(&["and", "or"])), self.b(d), self.b(d)]),
            11 => l([
                a(self.rng.choose(&["string=?", "string<?"])),
                self.s(d),
                self.s(d),
            ]),
            12 => {
                let t = self.rng.choose(PARAM_TYPES);
                let p = self.rng.choose(&[
                    "integer?",
                    "float?",
                    "number?",
                    "string?",
                    "vector?",
                    "procedure?",
                    "pair?",
                    "tagged?",
                ]);
                l([a(p), self.expr(t, d)])
            }
            13 => l([
                a("if"),
                l([a("member"), self.i(d), self.li(d)]),
                a("#t"),
                a("#f"),
            ]),
            14 => {
                let f = self.lambda(&[Ty::Int], Ty::Bool, 5, d);
                l([a(self.rng.choose(&["any", "every"])), f, self.li(d)])
            }
            _ => l([a(self.rng.choose(&["nan?", "infinite?"])), self.f(d)]),
        }
    }

    pub(super) fn str_expr(&mut self, d: u32) -> Sx {
        match self.rng.below(9) {
            0 | 1 => l([a("string-append"), self.s(d), self.s(d)]),
            2 => l([a("number->string"), self.num(d)]),
            3 => {
                let s = self.fresh("s");
                let init = self.s(d);
                l([
                    a("let"),
                    l([l([a(&s), init])]),
                    l([
                        a("substring"),
                        a(&s),
                        a("0"),
                        l([a("min"), self.small(4), l([a("string-length"), a(&s)])]),
                    ]),
                ])
            }
            4 => l([
                a(self.rng.choose(&["string-upcase", "string-downcase"])),
                self.s(d),
            ]),
            5 => l([
                a("symbol->string"),
                a(self.rng.choose(&["'abc", "'x-y", "'λ"])),
            ]),
            6 => l([a("list->string"), a("(list #\\a #\\é #\\z)")]),
            7 => {
                let body = self.fault(d);
                self.try_form(body, Ty::Str, d)
            }
            _ => l([a("string"), a("#\\q"), a("#\\→")]),
        }
    }

    pub(super) fn list_expr(&mut self, d: u32) -> Sx {
        match self.rng.below(16) {
            0 | 1 => l([a("cons"), self.i(d), self.li(d)]),
            2 => l([a("list"), self.i(d), self.i(d), self.i(d)]),
            3 => l([a("append"), self.li(d), self.li(d)]),
            4 => l([a("reverse"), self.li(d)]),
            5 => {
                let f = self.lambda(&[Ty::Int], Ty::Int, 5, d);
                l([a("map"), f, self.li(d)])
            }
            6 => {
                let f = self.lambda(&[Ty::Int, Ty::Int], Ty::Int, 5, d);
                l([a("map"), f, self.li(d), self.li(d)])
            }
            7 => {
                let f = self.lambda(&[Ty::Int], Ty::Bool, 5, d);
                l([a(self.rng.choose(&["filter", "remove"])), f, self.li(d)])
            }
            8 => l([a("cdr"), self.li(d)]),
            9 => l([a("range"), l([a("min"), self.i(d), a("8")])]),
            10 => l([a("vector->list"), self.v(d)]),
            11 => l([a("list-tail"), self.li(d), self.small(3)]),
            12 => {
                if self.rng.one_in(2) {
                    l([a("sort"), self.li(d), a("<")])
                } else {
                    l([a("list-sort"), a(">"), self.li(d)])
                }
            }
            13 => l([a("or"), l([a("member"), self.i(d), self.li(d)]), a("'()")]),
            14 => l([a("list-copy"), self.li(d)]),
            _ => self.named_loop(Ty::List, d),
        }
    }

    pub(super) fn vec_expr(&mut self, d: u32) -> Sx {
        match self.rng.below(8) {
            0 => l([a("vector"), self.i(d), self.i(d)]),
            1 => l([a("make-vector"), self.small(5), self.i(d)]),
            2 => l([a("list->vector"), self.li(d)]),
            3 => {
                let vv = self.fresh("v");
                let init = self.v(d);
                let (idx, x) = (self.i(d), self.i(d));
                l([
                    a("let"),
                    l([l([a(&vv), init])]),
                    l([
                        a("vector-set!"),
                        a(&vv),
                        l([a("modulo"), idx, l([a("vector-length"), a(&vv)])]),
                        x,
                    ]),
                    a(&vv),
                ])
            }
            4 => {
                let vv = self.fresh("v");
                let init = self.v(d);
                let x = self.i(d);
                l([
                    a("let"),
                    l([l([a(&vv), init])]),
                    l([a("vector-fill!"), a(&vv), x]),
                    a(&vv),
                ])
            }
            5 => l([a("vector-copy"), self.v(d)]),
            6 => l([a("vector-append"), self.v(d), self.v(d)]),
            _ => {
                let f = self.lambda(&[Ty::Int], Ty::Int, 4, d);
                l([a("vector-map"), f, self.v(d)])
            }
        }
    }

    pub(super) fn tag_expr(&mut self, d: u32) -> Sx {
        match self.rng.below(5) {
            0 | 1 => l([a("Some"), self.i(d)]),
            2 => l([a("None")]),
            3 => l([a("Pair"), self.i(d), self.i(d)]),
            _ => {
                let (v, x, y, o) = (
                    self.fresh("v"),
                    self.fresh("x"),
                    self.fresh("y"),
                    self.fresh("o"),
                );
                let scrutinee = self.expr(Ty::Tag, d);
                let some = self.bind(&[(v.clone(), Ty::Int)], |g| l([a("Pair"), a(&v), g.i(d)]));
                let pair = self.bind(&[(x.clone(), Ty::Int), (y.clone(), Ty::Int)], |g| {
                    l([a("Some"), g.i(d)])
                });
                l([
                    a("match"),
                    scrutinee,
                    l([l([a("Some"), a(&v)]), some]),
                    l([l([a("Pair"), a(&x), a(&y)]), pair]),
                    l([a(&o), a(&o)]),
                ])
            }
        }
    }

    pub(super) fn fun_expr(&mut self, d: u32) -> Sx {
        match self.rng.below(6) {
            0 => self.lambda(&[Ty::Int], Ty::Int, 4, d),
            1 => {
                // `(lambda xs ...)`: the arguments as a list.
                let xs = self.fresh("xs");
                let body = self.looped(4, |g| g.bind(&[(xs.clone(), Ty::List)], |g| g.i(d)));
                l([a("lambda"), a(&xs), body])
            }
            5 => self.lambda(&[Ty::Int], Ty::Int, 4, d),
            2 => {
                // A counter: the closure mutates what it captured.
                let (c, x) = (self.fresh("c"), self.fresh("x"));
                let init = self.i(d);
                l([
                    a("let"),
                    l([l([a(&c), init])]),
                    l([
                        a("lambda"),
                        l([a(&x)]),
                        l([a("set!"), a(&c), l([a("+"), a(&c), a(&x)])]),
                        a(&c),
                    ]),
                ])
            }
            3 => {
                let (f, g, x) = (self.fresh("f"), self.fresh("g"), self.fresh("x"));
                let (fe, ge) = (self.fun_expr(d), self.fun_expr(d));
                l([
                    a("let"),
                    l([l([a(&f), fe]), l([a(&g), ge])]),
                    l([a("lambda"), l([a(&x)]), l([a(&f), l([a(&g), a(&x)])])]),
                ])
            }
            _ => {
                // A top-level function from an int to an int, as a value.
                let cands: Vec<String> = self
                    .funcs
                    .iter()
                    .filter(|f| {
                        f.kind == Kind::Plain
                            && f.params == [Ty::Int]
                            && f.ret == Ty::Int
                            && self.mult.saturating_mul(f.cost) <= BUDGET
                    })
                    .map(|f| f.name.clone())
                    .collect();
                if cands.is_empty() {
                    self.lambda(&[Ty::Int], Ty::Int, 4, d)
                } else {
                    a(&cands[self.rng.below(cands.len())])
                }
            }
        }
    }
}
