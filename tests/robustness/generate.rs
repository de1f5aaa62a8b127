//! Random programs over the special forms, the primitives and literals of every type.

use super::*;

// ---------------------------------------------------------------------
// Program generation
// ---------------------------------------------------------------------

/// Integer literals: small ones and the edges of the encodings and limits
/// (no mid-sized ones: `(make-vector 1000000)` in a loop of thousands of
/// iterations is slow, not wrong).
pub(super) const INTS: &[&str] = &[
    "0",
    "1",
    "-1",
    "2",
    "3",
    "7",
    "10",
    "42",
    "-7",
    "255",
    "0x1F",
    "-0x10",
    "2147483647",
    "-2147483648",
    "2147483648",
    "4294967296",
    "1125899906842623",
    "1125899906842624",
    "-1125899906842624",
    "-1125899906842625",
    "9223372036854775807",
    "-9223372036854775808",
    "1000000000000",
];

pub(super) const FLOATS: &[&str] = &[
    "0.0", "-0.0", "1.5", "-2.5", "0.1", "1e10", "1e308", "-1e308", "5e-324", "+inf.0", "-inf.0",
    "+nan.0", "3.0", "1e21", "2.5e-7", "9.3e18", "-9.3e18",
];

pub(super) const OTHER_ATOMS: &[&str] = &[
    "\"\"",
    "\"abc\"",
    "\"héllo→\"",
    "\"a\\nb\\t\\\\\\\"\"",
    "\"\\u{41}\\u{1F600}\"",
    "\"日本語\"",
    "#\\a",
    "#\\space",
    "#\\newline",
    "#\\λ",
    "#\\x",
    "#t",
    "#f",
    "true",
    "false",
    "nil",
    "'()",
    "()",
    ":key",
    ":threshold",
    "'sym",
    "'(1 2 3)",
    "'(a . b)",
    "'(1 (2 (3)))",
    "#(1 2 3)",
    "#()",
    "[1 2 3]",
    "[]",
    "'#(a \"s\" 1.5)",
    "(None)",
    "(Some 1)",
    "(Pair 1 2)",
    "(hash-map 1 2 \"k\" :v)",
    "(list 1 2 3)",
    "(vector 1 2)",
    "(make-vector 3 0)",
    "(range 5)",
    "(lambda (x) x)",
    "(lambda args args)",
    "car",
    "+",
    "apply",
    "display",
    "map",
    "undefined-name",
    "Foo",
    "math.square",
    "(integer->char 55296)",
    "(integer->char 1114112)",
    "(let ((p (list 1 2))) (set-cdr! (cdr p) p) p)",
    "(let ((p (list 1 2))) (set-car! p p) p)",
    "(let ((v (vector 1 2))) (vector-set! v 0 v) v)",
    "(let ((v (vector 1))) (vector-set! v 0 (list v (hash-map 1 v))) v)",
];

/// Arguments for primitives: every type, with the sizes and indices at
/// the edges of what they accept.
pub(super) const ZOO: &[&str] = &[
    "0",
    "1",
    "2",
    "3",
    "-1",
    "5",
    "6",
    "16",
    "268435457",
    "100000001",
    "4294967295",
    "9223372036854775807",
    "-9223372036854775808",
    "1.0",
    "2.5",
    "-0.0",
    "+nan.0",
    "+inf.0",
    "\"\"",
    "\"hello\"",
    "\"héllo→ü\"",
    "\"a,b,,c\"",
    "\"日本語テキスト\"",
    "\"#x1F\"",
    "\"1e400\"",
    "\"-0x8000000000000000\"",
    "\"((((\"",
    "\"#\\\\a\"",
    "#\\a",
    "#\\é",
    "#\\,",
    "'()",
    "'(1 2 3)",
    "'(1 . 2)",
    "'((a . 1) (b . 2))",
    "'(#\\a #\\b)",
    "'(\"a\" \"b\")",
    "(let ((p (list 1 2))) (set-cdr! (cdr p) p) p)",
    "#(1 2 3)",
    "#()",
    "(make-vector 2 #\\a)",
    "(hash-map 1 2 \"k\" :v)",
    "(hash-map)",
    "'sym",
    ":kw",
    "(Some 1)",
    "car",
    "+",
    "(lambda (x) x)",
    "(lambda args args)",
    "(try (error \"e\" 1) (catch e e))",
    "2147483648",
    "-2147483649",
    "1114111",
    "55295",
];

/// Words with a meaning inside special forms (beside the forms of
/// `fluent_ir::SPECIAL_FORMS`, which the generator uses too).
pub(super) const SPECIAL_WORDS: &[&str] = &[
    "else",
    "=>",
    "_",
    "Cons",
    "Nil",
    "?",
    "as",
    "list",
    "jit-compile",
    "with-jit-threshold",
    "time",
];

pub(super) const PRELUDE_NAMES: &[&str] = &[
    "map",
    "for-each",
    "filter",
    "remove",
    "fold-left",
    "fold-right",
    "reduce",
    "assoc",
    "member",
    "any",
    "every",
    "vector-map",
    "vector-for-each",
    "string-for-each",
    "string-map",
    "sort",
    "list-sort",
    "list-head",
];

/// Builds random programs. `vars` is the names in scope.
pub(super) struct Gen {
    pub(super) rng: Rng,
    vars: Vec<String>,
    fresh: usize,
    /// Names of functions defined at top level (with their arity).
    funcs: Vec<(String, usize)>,
}

impl Gen {
    pub(super) fn new(seed: u64) -> Gen {
        Gen {
            rng: Rng::new(seed),
            vars: vec![],
            fresh: 0,
            funcs: vec![],
        }
    }

    pub(super) fn fresh(&mut self) -> String {
        self.fresh += 1;
        let stems = ["x", "y", "acc", "lst", "n", "s", "v", "loop", "f", "it"];
        format!("{}{}", self.rng.pick(&stems), self.fresh)
    }

    pub(super) fn atom(&mut self) -> String {
        match self.rng.below(10) {
            0..=3 => {
                if self.rng.one_in(3) {
                    self.rng.pick(INTS).to_string()
                } else {
                    (self.rng.below(20) as i64 - 5).to_string()
                }
            }
            4 => self.rng.pick(FLOATS).to_string(),
            5..=7 if !self.vars.is_empty() => self.rng.pick(&self.vars).clone(),
            8 => TABLE[self.rng.below(TABLE.len())].name.to_string(),
            _ => self.rng.pick(OTHER_ATOMS).to_string(),
        }
    }

    pub(super) fn exprs(&mut self, n: usize, depth: usize) -> String {
        (0..n)
            .map(|_| self.expr(depth))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// A body: maybe internal defines, then expressions.
    pub(super) fn body(&mut self, depth: usize) -> String {
        let mark = self.vars.len();
        let mut out = String::new();
        if self.rng.one_in(4) {
            let name = self.fresh();
            let e = self.expr(depth);
            self.vars.push(name.clone());
            let _ = write!(out, "(define {name} {e}) ");
        }
        let n = 1 + self.rng.below(2);
        out.push_str(&self.exprs(n, depth));
        self.vars.truncate(mark);
        out
    }

    pub(super) fn bindings(&mut self, depth: usize, sequential: bool) -> (String, Vec<String>) {
        let n = self.rng.below(4);
        let mut names = Vec::new();
        let mut out = String::new();
        for _ in 0..n {
            let name = self.fresh();
            let init = self.expr(depth);
            let _ = write!(out, "({name} {init}) ");
            if sequential {
                self.vars.push(name.clone());
            }
            names.push(name);
        }
        (out, names)
    }

    pub(super) fn pattern(&mut self, depth: usize, bound: &mut Vec<String>) -> String {
        if depth == 0 {
            return match self.rng.below(6) {
                0 => "_".into(),
                1 => {
                    let v = self.fresh();
                    bound.push(v.clone());
                    v
                }
                2 => self.rng.pick(INTS).to_string(),
                3 => self
                    .rng
                    .pick(&["\"abc\"", "#\\a", "#t", "'sym", ":k", "1.5"])
                    .to_string(),
                4 => "()".into(),
                _ => "Nil".into(),
            };
        }
        let d = depth - 1;
        match self.rng.below(11) {
            0 => format!(
                "(Cons {} {})",
                self.pattern(d, bound),
                self.pattern(d, bound)
            ),
            1 => format!(
                "(list {} {})",
                self.pattern(d, bound),
                self.pattern(d, bound)
            ),
            2 => format!("[{}]", self.pattern(d, bound)),
            3 => format!("({} . {})", self.pattern(d, bound), self.pattern(d, bound)),
            4 => format!("#({} {})", self.pattern(d, bound), self.pattern(d, bound)),
            5 => format!("(Some {})", self.pattern(d, bound)),
            6 => "(None)".into(),
            7 => {
                // Every alternative must bind the same names: none here.
                let mut none = Vec::new();
                let a = self.pattern(d, &mut none);
                let b = self.pattern(d, &mut none);
                if none.is_empty() {
                    format!("(or {a} {b})")
                } else {
                    "_".into()
                }
            }
            8 => {
                let v = self.fresh();
                bound.push(v.clone());
                format!("(as {v} {})", self.pattern(d, bound))
            }
            9 => {
                let pred = self.rng.pick(&[
                    "number?", "string?", "pair?", "null?", "vector?", "integer?", "even?",
                ]);
                format!("(? {pred} {})", self.pattern(d, bound))
            }
            _ => self.pattern(0, bound),
        }
    }

    pub(super) fn expr(&mut self, depth: usize) -> String {
        if depth == 0 || self.rng.one_in(4) {
            return self.atom();
        }
        let d = depth - 1;
        match self.rng.below(32) {
            // Primitive calls with mostly right, sometimes wrong, arity.
            0..=7 => {
                let p = &TABLE[self.rng.below(TABLE.len())];
                let n = if self.rng.one_in(8) {
                    self.rng.below(6)
                } else {
                    let lo = p.min_args as usize;
                    let hi = p.max_args.map_or(lo + 3, |m| m as usize);
                    lo + self.rng.below(hi - lo + 1)
                };
                if self.rng.one_in(2) {
                    // Values of the types primitives expect, and the edges
                    // of their ranges.
                    let args: Vec<&str> = (0..n).map(|_| *self.rng.pick(ZOO)).collect();
                    format!("({} {})", p.name, args.join(" "))
                } else {
                    format!("({} {})", p.name, self.exprs(n, d))
                }
            }
            8 => {
                let f = *self.rng.pick(PRELUDE_NAMES);
                let n = 1 + self.rng.below(3);
                let np = 1 + self.rng.below(2);
                let g = self.lambda(d, np);
                format!("({f} {g} {})", self.exprs(n, d))
            }
            9 => format!("(if {} {} {})", self.expr(d), self.expr(d), self.expr(d)),
            10 => format!("(if {} {})", self.expr(d), self.expr(d)),
            11 => {
                let n = self.rng.below(4);
                let mut s = String::from("(cond ");
                for _ in 0..n {
                    match self.rng.below(4) {
                        0 => {
                            let _ = write!(s, "({} => {}) ", self.expr(d), self.lambda(d, 1));
                        }
                        1 => {
                            let _ = write!(s, "({}) ", self.expr(d));
                        }
                        _ => {
                            let _ = write!(s, "({} {}) ", self.expr(d), self.expr(d));
                        }
                    }
                }
                if self.rng.one_in(2) {
                    let _ = write!(s, "(else {})", self.expr(d));
                }
                s.push(')');
                s
            }
            12 => {
                let mut s = format!("(case {} ", self.expr(d));
                for _ in 0..self.rng.below(4) {
                    let data = {
                        let n = self.rng.below(3);
                        self.exprs_atoms(n)
                    };
                    let _ = write!(s, "(({data}) {}) ", self.expr(d));
                }
                if self.rng.one_in(2) {
                    let _ = write!(s, "(else {})", self.expr(d));
                }
                s.push(')');
                s
            }
            13 => {
                let head = self.rng.pick(&["when", "unless", "and", "or", "begin"]);
                let n = self.rng.below(4);
                format!("({head} {})", self.exprs(n, d))
            }
            14 | 15 => {
                let head = *self.rng.pick(&["let", "let*", "letrec", "letrec*"]);
                let mark = self.vars.len();
                let sequential = head != "let";
                let (bs, names) = self.bindings(d, sequential);
                self.vars.truncate(mark);
                self.vars.extend(names);
                let body = self.body(d);
                self.vars.truncate(mark);
                format!("({head} ({bs}) {body})")
            }
            16 => {
                // A named let counting down, or looping until fuel runs out.
                let name = self.fresh();
                let i = self.fresh();
                let acc = self.fresh();
                let start = self.rng.below(50);
                let mark = self.vars.len();
                self.vars.push(i.clone());
                self.vars.push(acc.clone());
                let step = self.expr(d);
                let done = self.expr(d);
                self.vars.truncate(mark);
                if self.rng.one_in(3) {
                    format!("(let {name} (({i} {start}) ({acc} '())) ({name} {i} {step}))")
                } else {
                    format!(
                        "(let {name} (({i} {start}) ({acc} '())) (if (<= {i} 0) {done} ({name} (- {i} 1) {step})))"
                    )
                }
            }
            17 => {
                let v = self.fresh();
                let mark = self.vars.len();
                self.vars.push(v.clone());
                let step = self.expr(d);
                let cmd = self.expr(d);
                self.vars.truncate(mark);
                let n = self.rng.below(30);
                if self.rng.one_in(2) {
                    format!("(do (({v} 0 (+ {v} 1))) ((>= {v} {n}) {step}) {cmd})")
                } else {
                    format!("(do (({v} {n} {step})) (#f) {cmd})")
                }
            }
            18 | 19 => {
                let n = self.rng.below(3);
                self.lambda(d, n)
            }
            20 => {
                if self.vars.is_empty() || self.rng.one_in(3) {
                    let name = match self.funcs.len() {
                        0 => "undefined-function".to_string(),
                        n => self.funcs[self.rng.below(n)].0.clone(),
                    };
                    let n = self.rng.below(4);
                    format!("({name} {})", self.exprs(n, d))
                } else {
                    let v = self.rng.pick(&self.vars).clone();
                    format!("(set! {v} {})", self.expr(d))
                }
            }
            21 => {
                let mut s = format!("(match {} ", self.expr(d));
                for _ in 0..1 + self.rng.below(3) {
                    let mut bound = Vec::new();
                    let p = self.pattern(2, &mut bound);
                    let mark = self.vars.len();
                    self.vars.extend(bound);
                    let guard = if self.rng.one_in(4) {
                        format!("(when {})", self.expr(d))
                    } else {
                        String::new()
                    };
                    let _ = write!(s, "({p} {guard} {}) ", self.expr(d));
                    self.vars.truncate(mark);
                }
                s.push(')');
                s
            }
            22 => {
                let e = self.fresh();
                let body = self.body(d);
                let mark = self.vars.len();
                self.vars.push(e.clone());
                let handler = match self.rng.below(4) {
                    0 => format!("(error-object-message {e})"),
                    1 => format!("(error-object-irritants {e})"),
                    2 => e.clone(),
                    _ => format!("(raise {e})"),
                };
                let extra = self.expr(d);
                self.vars.truncate(mark);
                format!("(try {body} (catch {e} {handler} {extra}))")
            }
            23 => {
                let x = self.expr(d);
                let y = self.expr(d);
                match self.rng.below(5) {
                    0 => format!("`({x} ,{y} ,@(list {x}))"),
                    1 => format!("`(1 . ,{y})"),
                    2 => format!("`#(1 ,{x})"),
                    3 => format!("``(a ,,{x})"),
                    _ => format!("`(,@{y})"),
                }
            }
            24 => {
                let f = self.expr(d);
                let args = {
                    let n = self.rng.below(3);
                    self.exprs(n, d)
                };
                let last = self
                    .rng
                    .pick(&["'(1 2)", "'()", "5", "'(1 . 2)", "(range 3)"]);
                format!("(apply {f} {args} {last})")
            }
            25 => {
                let tag = self.rng.pick(&["Some", "None", "Pair", "Leaf", "Node"]);
                let n = self.rng.below(3);
                format!("({tag} {})", self.exprs(n, d))
            }
            26 => {
                let (msg, irritants) = (self.expr(d), {
                    let n = self.rng.below(3);
                    self.exprs(n, d)
                });
                match self.rng.below(3) {
                    0 => format!("(error \"boom\" {irritants})"),
                    1 => format!("(raise {msg})"),
                    _ => format!("(error {msg} {irritants})"),
                }
            }
            27 => {
                // Calls of arbitrary values.
                let f = self.expr(d);
                let n = self.rng.below(4);
                format!("({f} {})", self.exprs(n, d))
            }
            28 => {
                // Unsupported or misplaced forms.
                let head = pick_special(&mut self.rng);
                let n = self.rng.below(4);
                format!("({head} {})", self.exprs(n, d))
            }
            29 => format!("(display {})", self.expr(d)),
            30 => format!("(write {})", self.expr(d)),
            _ => {
                let f = self.lambda(d, 1);
                let xs = self.expr(d);
                format!("(map {f} (if (list? {xs}) {xs} '(1 2)))")
            }
        }
    }

    pub(super) fn exprs_atoms(&mut self, n: usize) -> String {
        (0..n).map(|_| self.atom()).collect::<Vec<_>>().join(" ")
    }

    pub(super) fn lambda(&mut self, depth: usize, nparams: usize) -> String {
        let params: Vec<String> = (0..nparams).map(|_| self.fresh()).collect();
        let mark = self.vars.len();
        self.vars.extend(params.iter().cloned());
        let rest = if self.rng.one_in(5) {
            let r = self.fresh();
            self.vars.push(r.clone());
            Some(r)
        } else {
            None
        };
        let body = self.body(depth);
        self.vars.truncate(mark);
        match (rest, params.is_empty()) {
            (Some(r), true) => format!("(lambda {r} {body})"),
            (Some(r), false) => format!("(lambda ({} . {r}) {body})", params.join(" ")),
            (None, _) => format!("(lambda ({}) {body})", params.join(" ")),
        }
    }

    /// A whole program: a few definitions (maybe recursive), then
    /// expressions that use them.
    pub(super) fn program(&mut self) -> String {
        let mut out = String::new();
        let depth = 2 + self.rng.below(4);
        for _ in 0..self.rng.below(4) {
            let name = self.fresh();
            let nparams = self.rng.below(3);
            self.funcs.push((name.clone(), nparams));
            let params: Vec<String> = (0..nparams).map(|_| self.fresh()).collect();
            self.vars.extend(params.iter().cloned());
            let body = self.body(depth);
            self.vars.clear();
            let _ = writeln!(out, "(define ({name} {}) {body})", params.join(" "));
        }
        for _ in 0..self.rng.below(3) {
            let name = self.fresh();
            let e = self.expr(depth);
            let _ = writeln!(out, "(define {name} {e})");
            self.vars.push(name);
        }
        for _ in 0..1 + self.rng.below(4) {
            let e = self.expr(depth);
            let _ = writeln!(out, "{e}");
        }
        // Calls of the defined functions with random arguments.
        for (name, n) in self.funcs.clone() {
            let n = if self.rng.one_in(6) { n + 1 } else { n };
            let args = self.exprs(n, 2);
            let _ = writeln!(out, "(display ({name} {args}))");
        }
        out
    }
}
