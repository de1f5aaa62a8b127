//! Robustness: no program, however malformed, may make the compiler or
//! the VM panic, crash or hang. Bad input gets an error and exit code 1.
//!
//! Thousands of programs are built from a fixed seed by a tiny PRNG:
//! mutations of the golden programs (tokens deleted, duplicated, swapped,
//! replaced; random forms inserted) and random S-expressions over the
//! special forms, the primitives and literals of every type. Each runs
//! in-process through `run_source` (with a fuel budget, so endless loops
//! stop; one case in four also with the JIT compiling every function),
//! `emit` (both kinds) and a REPL `Session`, under `catch_unwind`,
//! on a thread with the CLI's 512 MiB stack. A panic, an internal compiler
//! error, an error without a location, or a case that takes too long fails
//! the test and prints the program.
//!
//! `FLUENT_FUZZ_CASES` sets the number of cases per kind (default 1000),
//! `FLUENT_FUZZ_SEED` the seed; `FLUENT_FUZZ_DUMP=dir` writes failing
//! programs there. Targeted tests for the crash classes found this way
//! (deep nesting, huge forms) follow the fuzzers.

#[path = "common/rng.rs"]
mod rng;

use fluent_driver::emit::{EmitKind, emit};
use fluent_driver::{Failure, Session, run_source};
use fluent_vm::interp::FUEL_EXHAUSTED;
use fluent_vm::primitives::TABLE;
use fluent_vm::runtime::Output;
use fluent_vm::{JitConfig, VmConfig};
use rng::Rng;
use std::fmt::Write as _;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The CLI's compiler thread stack (see `src/cli/mod.rs`).
const STACK: usize = 512 << 20;

/// Calls and loop iterations a generated program may make.
const FUEL: u64 = 20_000;

/// A single case (compile, run, emit) taking longer than this is a hang.
const CASE_LIMIT: Duration = Duration::from_secs(60);

// ---------------------------------------------------------------------
// Harness
// ---------------------------------------------------------------------

fn config() -> VmConfig {
    VmConfig {
        max_depth: 10_000,
        fuel: Some(FUEL),
        ..Default::default()
    }
}

/// As [`config`], with every function compiled before its first call.
fn eager_config() -> VmConfig {
    VmConfig {
        jit: JitConfig {
            threshold: 0,
            ..Default::default()
        },
        ..config()
    }
}

/// One case in this many also runs with the JIT compiling eagerly (the
/// default threshold leaves most short programs interpreted).
const EAGER_EVERY: u64 = 4;

fn sink() -> Output {
    Output::new(Box::new(std::io::sink()))
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

fn cases() -> u64 {
    env_u64("FLUENT_FUZZ_CASES", 1000)
}

fn seed() -> u64 {
    env_u64("FLUENT_FUZZ_SEED", 0x005E_EDF1_0E17)
}

/// Checks what a failed compile or run reports: compile errors are
/// rendered with a location, runtime errors carry one, and the VM never
/// rejects the compiler's code.
fn check_failure(f: &Failure) -> Result<(), String> {
    match f {
        Failure::Compile(ds) if ds.is_empty() => Err("compile failure without diagnostics".into()),
        Failure::Compile(ds) => match ds.iter().find(|d| !d.contains("--> ")) {
            Some(d) => Err(format!("diagnostic without a location: {d}")),
            None => Ok(()),
        },
        // Fuel can run out as a top-level item starts, before any frame.
        Failure::Runtime(e) if e.location.is_none() && e.message != FUEL_EXHAUSTED => {
            Err(format!("runtime error without a location: {e}"))
        }
        Failure::Runtime(_) => Ok(()),
        Failure::Internal(e) => Err(format!("internal compiler error: {e}")),
    }
}

/// Everything a program can go through: run, both emits, and a REPL
/// session fed its top-level forms one at a time.
fn exercise(text: &str) -> Result<(), String> {
    static CASES: AtomicU64 = AtomicU64::new(0);
    if let Err(f) = run_source("fuzz.fl", text, config(), sink()) {
        check_failure(&f)?;
    }
    if CASES
        .fetch_add(1, Ordering::Relaxed)
        .is_multiple_of(EAGER_EVERY)
        && let Err(f) = run_source("fuzz.fl", text, eager_config(), sink())
    {
        check_failure(&f)?;
    }
    for kind in [EmitKind::Core, EmitKind::Bytecode] {
        if let Err(f) = emit("fuzz.fl", text, kind, None) {
            check_failure(&f)?;
        }
    }
    if let Err(f) = emit("fuzz.fl", text, EmitKind::Bytecode, Some("f"))
        && !matches!(&f, Failure::Compile(ds) if ds.iter().any(|d| d.contains("no function named")))
    {
        check_failure(&f)?;
    }
    let mut session = Session::new(config(), sink()).map_err(|f| format!("session: {f}"))?;
    for chunk in top_level_chunks(text) {
        if let Err(f) = session.eval(chunk) {
            check_failure(&f)?;
        }
    }
    Ok(())
}

/// Splits source text at top-level closing parens (approximately: no
/// attention to strings or comments; the chunks are themselves inputs).
fn top_level_chunks(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut start) = (0i64, 0);
    for (i, b) in text.bytes().enumerate() {
        match b {
            b'(' | b'[' => depth += 1,
            b')' | b']' => {
                depth -= 1;
                if depth <= 0 {
                    out.push(&text[start..=i]);
                    start = i + 1;
                    depth = 0;
                }
            }
            _ => {}
        }
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

/// Runs `exercise` on every program `make(i)` for `i` in `0..n`, on a
/// worker with the CLI's stack, watching for slow cases. Fails with the
/// offending programs.
fn fuzz(kind: &'static str, n: u64, make: impl Fn(u64) -> String + Send + 'static) {
    let (tx, rx) = mpsc::channel::<(u64, String, Instant)>();
    let worker = std::thread::Builder::new()
        .name(format!("fuzz-{kind}"))
        .stack_size(STACK)
        .spawn(move || {
            let mut failures: Vec<(String, String)> = Vec::new();
            for i in 0..n {
                let text = make(i);
                let _ = tx.send((i, text.clone(), Instant::now()));
                let r = catch_unwind(AssertUnwindSafe(|| exercise(&text)));
                let problem = match r {
                    Ok(Ok(())) => continue,
                    Ok(Err(e)) => e,
                    Err(p) => format!("panic: {}", panic_message(&*p)),
                };
                failures.push((problem, text));
                if failures.len() >= 20 {
                    break;
                }
            }
            failures
        })
        .expect("spawn the fuzz worker");
    // The watchdog: the worker reports each case as it starts.
    let mut current: Option<(u64, String, Instant)> = None;
    loop {
        match rx.recv_timeout(Duration::from_secs(1)) {
            Ok(c) => current = Some(c),
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
            Err(mpsc::RecvTimeoutError::Timeout) => {}
        }
        if let Some((i, text, start)) = &current
            && start.elapsed() > CASE_LIMIT
        {
            dump(kind, *i, text);
            panic!(
                "{kind} case {i} ran for more than {CASE_LIMIT:?} (a hang?):\n{}",
                excerpt(text)
            );
        }
    }
    let failures = worker.join().expect("the fuzz worker itself panicked");
    if failures.is_empty() {
        return;
    }
    let mut report = format!("{} {kind} programs failed:\n", failures.len());
    for (i, (problem, text)) in failures.iter().enumerate() {
        dump(kind, i as u64, text);
        let _ = writeln!(report, "--- {problem}\n{}\n", excerpt(text));
    }
    panic!("{report}");
}

fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "(non-string panic)".into()
    }
}

fn excerpt(text: &str) -> String {
    if text.len() <= 2000 {
        return text.to_string();
    }
    let mut end = 2000;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}... ({} bytes)", &text[..end], text.len())
}

fn dump(kind: &str, i: u64, text: &str) {
    if let Ok(dir) = std::env::var("FLUENT_FUZZ_DUMP") {
        let _ = std::fs::create_dir_all(&dir);
        let _ = std::fs::write(Path::new(&dir).join(format!("{kind}-{i}.fl")), text);
    }
}

/// A special form's name or a word with a meaning inside one.
fn pick_special(rng: &mut Rng) -> &'static str {
    let forms = fluent_ir::SPECIAL_FORMS;
    let i = rng.below(forms.len() + SPECIAL_WORDS.len());
    forms
        .get(i)
        .unwrap_or_else(|| &SPECIAL_WORDS[i - forms.len()])
}

// ---------------------------------------------------------------------
// Program generation
// ---------------------------------------------------------------------

/// Integer literals: small ones and the edges of the encodings and limits
/// (no mid-sized ones: `(make-vector 1000000)` in a loop of thousands of
/// iterations is slow, not wrong).
const INTS: &[&str] = &[
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

const FLOATS: &[&str] = &[
    "0.0", "-0.0", "1.5", "-2.5", "0.1", "1e10", "1e308", "-1e308", "5e-324", "+inf.0", "-inf.0",
    "+nan.0", "3.0", "1e21", "2.5e-7", "9.3e18", "-9.3e18",
];

const OTHER_ATOMS: &[&str] = &[
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
const ZOO: &[&str] = &[
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
const SPECIAL_WORDS: &[&str] = &[
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

const PRELUDE_NAMES: &[&str] = &[
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
struct Gen {
    rng: Rng,
    vars: Vec<String>,
    fresh: usize,
    /// Names of functions defined at top level (with their arity).
    funcs: Vec<(String, usize)>,
}

impl Gen {
    fn new(seed: u64) -> Gen {
        Gen {
            rng: Rng::new(seed),
            vars: vec![],
            fresh: 0,
            funcs: vec![],
        }
    }

    fn fresh(&mut self) -> String {
        self.fresh += 1;
        let stems = ["x", "y", "acc", "lst", "n", "s", "v", "loop", "f", "it"];
        format!("{}{}", self.rng.pick(&stems), self.fresh)
    }

    fn atom(&mut self) -> String {
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

    fn exprs(&mut self, n: usize, depth: usize) -> String {
        (0..n)
            .map(|_| self.expr(depth))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// A body: maybe internal defines, then expressions.
    fn body(&mut self, depth: usize) -> String {
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

    fn bindings(&mut self, depth: usize, sequential: bool) -> (String, Vec<String>) {
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

    fn pattern(&mut self, depth: usize, bound: &mut Vec<String>) -> String {
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

    fn expr(&mut self, depth: usize) -> String {
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

    fn exprs_atoms(&mut self, n: usize) -> String {
        (0..n).map(|_| self.atom()).collect::<Vec<_>>().join(" ")
    }

    fn lambda(&mut self, depth: usize, nparams: usize) -> String {
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
    fn program(&mut self) -> String {
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

// ---------------------------------------------------------------------
// Mutation of the golden programs
// ---------------------------------------------------------------------

fn golden_programs() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/programs");
    let mut files = Vec::new();
    collect(&root, &mut files);
    files.sort();
    let texts: Vec<String> = files
        .iter()
        .filter_map(|f| std::fs::read_to_string(f).ok())
        .collect();
    assert!(
        texts.len() >= 50,
        "expected the golden programs under {root:?}"
    );
    texts
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, out);
        } else if p.extension().is_some_and(|x| x == "fl") {
            out.push(p);
        }
    }
}

/// Splits source into tokens: parens and brackets, strings, comments,
/// whitespace runs and atoms (roughly as the reader does; exactness does
/// not matter, the pieces are only shuffled).
fn tokens(text: &str) -> Vec<&str> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let start = i;
        match b[i] {
            b'(' | b')' | b'[' | b']' | b'\'' | b'`' => i += 1,
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                i = (i + 1).min(b.len());
            }
            b';' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            c if c.is_ascii_whitespace() => {
                while i < b.len() && b[i].is_ascii_whitespace() {
                    i += 1;
                }
            }
            _ => {
                while i < b.len() && !b"()[]\"; \t\r\n'`".contains(&b[i]) {
                    i += 1;
                }
            }
        }
        while !text.is_char_boundary(i) {
            i += 1;
        }
        out.push(&text[start..i]);
    }
    out
}

fn mutate(g: &mut Gen, text: &str) -> String {
    let mut toks: Vec<String> = tokens(text).into_iter().map(String::from).collect();
    let rounds = 1 + g.rng.below(4);
    for _ in 0..rounds {
        if toks.is_empty() {
            toks.push(g.expr(2));
            continue;
        }
        let i = g.rng.below(toks.len());
        match g.rng.below(12) {
            0 => {
                toks.remove(i);
            }
            1 => {
                let t = toks[i].clone();
                toks.insert(i, t);
            }
            2 => {
                let j = g.rng.below(toks.len());
                toks.swap(i, j);
            }
            3 | 4 => {
                // Replace an atom.
                if !matches!(toks[i].as_str(), "(" | ")" | "[" | "]") && !toks[i].trim().is_empty()
                {
                    toks[i] = g.atom();
                }
            }
            5 => toks.insert(i, format!(" {} ", g.expr(3))),
            6 => {
                let p = g
                    .rng
                    .pick(&["(", ")", "[", "]", "'", "`", ",", ",@", "#", "#;"]);
                toks.insert(i, p.to_string());
            }
            7 => {
                // Delete a paren somewhere.
                if let Some(j) = toks.iter().position(|t| t == "(" || t == ")")
                    && g.rng.one_in(2)
                {
                    toks.remove(j);
                } else if let Some(j) = toks.iter().rposition(|t| t == "(" || t == ")") {
                    toks.remove(j);
                }
            }
            8 => {
                let special = pick_special(&mut g.rng).to_string();
                if !matches!(toks[i].as_str(), "(" | ")" | "[" | "]") {
                    toks[i] = special;
                }
            }
            9 => {
                // Duplicate a run of tokens.
                let j = (i + g.rng.below(20)).min(toks.len());
                let run: Vec<String> = toks[i..j].to_vec();
                toks.splice(i..i, run);
            }
            10 => {
                // Delete a run of tokens.
                let j = (i + g.rng.below(10)).min(toks.len());
                toks.drain(i..j);
            }
            _ => {
                // A random character, including ones the reader treats specially.
                let c = g.rng.pick(&[
                    "#",
                    "|",
                    "\\",
                    "\"",
                    "#|",
                    "|#",
                    "#\\",
                    ".",
                    " . ",
                    "\u{0}",
                    "\u{7f}",
                    "é",
                    "\u{1F600}",
                    "\r",
                    "#x",
                    "#b2",
                    "1e",
                    "+",
                    "-",
                    ":",
                    "::",
                ]);
                toks.insert(i, c.to_string());
            }
        }
    }
    toks.concat()
}

// ---------------------------------------------------------------------
// The fuzz tests
// ---------------------------------------------------------------------

#[test]
fn mutated_golden_programs_never_crash() {
    let goldens = golden_programs();
    let base = seed();
    fuzz("mutated", cases(), move |i| {
        let mut g = Gen::new(base ^ i.wrapping_mul(0xA24B_AED4_963E_E407));
        let text = g.rng.pick(&goldens).clone();
        mutate(&mut g, &text)
    });
}

#[test]
fn generated_programs_never_crash() {
    let base = seed();
    fuzz("generated", cases(), move |i| {
        let mut g = Gen::new(base.wrapping_add(i));
        g.program()
    });
}

#[test]
fn generated_programs_survive_mutation() {
    let base = seed();
    fuzz("generated-mutated", cases() / 2, move |i| {
        let mut g = Gen::new(base.rotate_left(17) ^ i);
        let text = g.program();
        mutate(&mut g, &text)
    });
}

// ---------------------------------------------------------------------
// Targeted tests: the crash classes the fuzzers found, at their limits
// ---------------------------------------------------------------------

/// Runs `f` on a thread with the CLI's stack (deep nesting needs it).
fn on_big_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(STACK)
        .spawn(f)
        .expect("spawn")
        .join()
        .expect("the test thread panicked");
}

/// Runs and emits `text`; any failure must be a located error.
fn survives(text: &str) -> Result<(), Failure> {
    let r = run_source("t.fl", text, config(), sink());
    if let Err(f) = &r {
        check_failure(f).unwrap_or_else(|e| panic!("{e}\n{}", excerpt(text)));
    }
    for kind in [EmitKind::Core, EmitKind::Bytecode] {
        if let Err(f) = emit("t.fl", text, kind, None) {
            check_failure(&f).unwrap_or_else(|e| panic!("{e}\n{}", excerpt(text)));
        }
    }
    r
}

fn compile_error(r: &Result<(), Failure>) -> Option<&str> {
    match r {
        Err(Failure::Compile(ds)) => ds.first().map(|d| d.as_str()),
        _ => None,
    }
}

/// `template` with `X` replaced by itself `n` times, innermost `inner`.
fn nest(template: &str, n: usize, inner: &str) -> String {
    let (before, after) = template.split_once('X').expect("a template has an X");
    let mut s = String::with_capacity(n * template.len() + inner.len());
    for _ in 0..n {
        s.push_str(before);
    }
    s.push_str(inner);
    for _ in 0..n {
        s.push_str(after);
    }
    s
}

/// The reader nesting depth of `X` in `template` (quote marks count).
fn depth_of_x(template: &str) -> usize {
    let before = template.split_once('X').expect("X").0;
    let opens = before.matches(['(', '[', '\'', '`', ',']).count();
    let closes = before.matches([')', ']']).count();
    opens - closes
}

#[test]
fn every_form_nested_to_the_reader_limit_compiles() {
    // The reader allows 10,000 levels; every special form, nested that
    // deep, must compile (or fail with a located error) on the CLI's
    // stack, in a debug build too.
    const TEMPLATES: &[&str] = &[
        "(if #t X 0)",
        "(begin 1 X)",
        "(let ((a X)) a)",
        "(let* ((a 1) (b X)) b)",
        "(letrec ((a (lambda () X))) (a))",
        "(lambda () X)",
        "((lambda (a) X) 1)",
        "(and 1 X)",
        "(or #f X)",
        "(cond (#f 1) (else X))",
        "(cond (X => (lambda (v) v)))",
        "(case 1 ((1) X))",
        "(when #t X)",
        "(do ((i 0 (+ i 1))) ((= i 1) X))",
        "(let loop ((i 0)) (if (< i 1) (loop 1) X))",
        "(match 1 (_ X))",
        "(try X (catch e e))",
        "(list X)",
        "[X]",
        "(+ 1 X)",
        "(Some X)",
        "`(1 ,X)",
        "`(1 X)",
        "'(X)",
        "#(X)",
        "(define (f) X)",
        "(let () (define (f) X) (f))",
        "(set! x X)",
    ];
    on_big_stack(|| {
        for t in TEMPLATES {
            // One level for `(display ...)` around it.
            let n = 9_990 / depth_of_x(t);
            let text = format!("(define x 0)\n(display {})", nest(t, n, "1"));
            let start = Instant::now();
            let r = survives(&text);
            eprintln!("{t}: {:?} {:?}", start.elapsed(), compile_error(&r));
        }
        // Patterns nest too.
        for t in [
            "(Cons X _)",
            "(? pair? X)",
            "(Some X)",
            "[X]",
            "#(X)",
            "(or X 1)",
        ] {
            let n = 9_990 / depth_of_x(t);
            let text = format!("(display (match 1 ({} 1) (_ 2)))", nest(t, n, "_"));
            let start = Instant::now();
            let r = survives(&text);
            eprintln!("pattern {t}: {:?} {:?}", start.elapsed(), compile_error(&r));
        }
    });
}

/// Builds a program text of a given size.
type MakeText = Box<dyn Fn(usize) -> String + Send>;

#[test]
fn long_chains_stop_at_the_nesting_limit() {
    // Forms that lower to one level per element: far past the limit they
    // are a located error (E0302), not a stack overflow; just under it,
    // every compiler pass copes with the depth on the CLI's stack.
    let n = fluent_ir::MAX_NESTING;
    let chains: Vec<(&str, MakeText)> = vec![
        ("and", Box::new(|k| format!("(and {} 1)", "1 ".repeat(k)))),
        (
            "or",
            Box::new(|k| format!("(or {} 1)", "#f ".repeat(k / 2))),
        ),
        (
            "cond",
            Box::new(|k| format!("(cond {} (else 1))", "(#f 1) ".repeat(k / 2))),
        ),
        (
            "case",
            Box::new(|k| format!("(case 7 {} (else 1))", "((1) 1) ".repeat(k / 2))),
        ),
        (
            "case data",
            Box::new(|k| format!("(case 7 (({}) 1) (else 2))", "1 ".repeat(k / 2))),
        ),
        (
            "let*",
            Box::new(|k| format!("(let* ({}) a)", "(a 1) ".repeat(k))),
        ),
        (
            "quasiquote",
            Box::new(|k| format!("(let ((x 1)) `({} ,x))", "1 ".repeat(k))),
        ),
        (
            "list pattern",
            Box::new(|k| format!("(match '(1) ([{}] 1) (_ 2))", "_ ".repeat(k))),
        ),
    ];
    on_big_stack(move || {
        for (name, make) in &chains {
            for k in [n - 100, 2 * n] {
                let text = format!("(display {})", make(k));
                let start = Instant::now();
                let r = survives(&text);
                let err = compile_error(&r);
                eprintln!("{name} x{k}: {:?} {err:?}", start.elapsed());
                if k > n {
                    assert!(
                        err.is_some_and(|e| e.contains("E0302")),
                        "{name} x{k}: {r:?}"
                    );
                }
            }
        }
        // Chains inside chains add up.
        let outer = format!("(and {}X)", "1 ".repeat(n / 8));
        let text = format!("(display {})", nest(&outer, 20, "1"));
        let r = survives(&text);
        assert!(compile_error(&r).is_some_and(|e| e.contains("E0302")));
    });
}

#[test]
fn huge_forms_compile_in_linear_time() {
    on_big_stack(|| {
        let cases: Vec<(&str, String)> = vec![
            // Distinct constants and globals in one function.
            (
                "constants",
                format!(
                    "(let () {} 1)",
                    (0..50_000)
                        .map(|i| format!("\"s{i}\" "))
                        .collect::<String>()
                ),
            ),
            (
                "globals",
                format!(
                    "(define (f) {} 1)",
                    (0..50_000).map(|i| format!("g{i} ")).collect::<String>()
                ),
            ),
            // Many locals, each looked up.
            (
                "locals",
                format!(
                    "(let ({}) {})",
                    (0..20_000)
                        .map(|i| format!("(a{i} {i}) "))
                        .collect::<String>(),
                    (0..20_000).map(|i| format!("a{i} ")).collect::<String>()
                ),
            ),
            // Arithmetic with many arguments is a loop, not nested calls.
            ("sum", format!("(display (+ {}))", "1 ".repeat(100_000))),
            (
                "product",
                format!("(display (* {} 2))", "1 ".repeat(100_000)),
            ),
            (
                "difference",
                format!("(display (- 0 {}))", "1 ".repeat(100_000)),
            ),
            // Past the register window and the loop counters: "too large".
            (
                "call",
                format!("(define (f . a) 1) (f {})", "1 ".repeat(70_000)),
            ),
            ("list", format!("(list {})", "1 ".repeat(70_000))),
            ("tagged", format!("(Some {})", "1 ".repeat(70_000))),
            (
                "loops",
                format!(
                    "(define (f) {} 1)",
                    "(let l ((i 0)) (if (< i 1) (l 1) i)) ".repeat(66_000)
                ),
            ),
            (
                "parameters",
                format!(
                    "(define (f {}) 1)",
                    (0..70_000).map(|i| format!("p{i} ")).collect::<String>()
                ),
            ),
            // Wide and deep: each level must not copy what is inside it.
            (
                "wide and deep",
                format!(
                    "(display {})",
                    nest(&format!("(begin {}X)", "1 ".repeat(100)), 5_000, "2")
                ),
            ),
        ];
        for (name, text) in cases {
            let start = Instant::now();
            let r = survives(&text);
            let t = start.elapsed();
            eprintln!("{name}: {t:?} {:?}", compile_error(&r));
            assert!(t < Duration::from_secs(60), "{name} took {t:?}");
        }
    });
}

/// Runs `text` and returns its output, or the error message.
fn output(text: &str) -> String {
    let buf = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    struct Shared(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);
    impl std::io::Write for Shared {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let out = Output::new(Box::new(Shared(buf.clone())));
    let r = run_source("t.fl", text, config(), out);
    let mut s = String::from_utf8_lossy(&buf.lock().unwrap()).into_owned();
    if let Err(f) = r {
        check_failure(&f).unwrap();
        s.push_str(&f.to_string());
    }
    s
}

#[test]
fn cyclic_data_prints_compares_and_errors() {
    let out = output(
        "(define v (vector 1 2)) (vector-set! v 0 v)
         (define p (list 1 2 3)) (set-cdr! (cddr p) p)
         (define q (list 1 2 3 1 2 3)) (set-cdr! (cdr (cddr (cddr q))) q)
         (define r (list 1)) (set-car! r r)
         (display v) (newline) (write p) (newline) (display r) (newline)
         (display (equal? p q)) (newline)
         (display (equal? v (let ((w (vector 1 2))) (vector-set! w 0 w) w))) (newline)
         (display (map-get (hash-map r 5) r)) (newline)
         (car v)",
    );
    let mut lines = out.lines();
    assert_eq!(lines.next(), Some("#0=#(#0# 2)"));
    assert_eq!(lines.next(), Some("#0=(1 2 3 . #0#)"));
    assert_eq!(lines.next(), Some("#0=(#0#)"));
    assert_eq!(lines.next(), Some("#t"));
    assert_eq!(lines.next(), Some("#t"));
    assert_eq!(lines.next(), Some("5"));
    let err = lines.next().expect("the error");
    assert!(
        err.starts_with("error: car: expected a pair, got #(#(#("),
        "{err}"
    );
    assert!(err.len() < 2000 && err.ends_with("..."), "{err}");
}

#[test]
fn error_messages_stay_small() {
    // Each message quotes the last one, with its quotes escaped: without
    // a cap the text doubles every time, past the heap's 4 GiB strings.
    let out = output(
        "(display (let loop ((s \"\\\"\") (i 0))
           (if (< i 64)
               (loop (try (car s) (catch e (error-object-message e))) (+ i 1))
               (< (string-length s) 5000))))",
    );
    assert_eq!(out, "#t");
    // Irritant lists made circular are cut.
    let out = output(
        "(define e (try (error \"boom\" 1 2) (catch x x)))
         (define l (error-object-irritants e))
         (set-cdr! (cdr l) l)
         (display (string-length (error-object-message e)))
         (raise e)",
    );
    assert!(out.starts_with("4error: boom 1 2 1 2"), "{out}");
}

#[test]
fn fuel_stops_endless_loops() {
    for (text, expected) in [
        ("(let loop () (loop))", "fuel exhausted"),
        ("(define (f) (f)) (f)", "fuel exhausted"),
        ("(do () (#f))", "fuel exhausted"),
        ("(define (f) (+ 1 (f))) (f)", "stack overflow"),
    ] {
        let out = output(text);
        assert!(
            out.starts_with(&format!("error: {expected}")),
            "{text}: {out}"
        );
    }
}

// ---------------------------------------------------------------------
// The `fluent` binary on bad files and command lines
// ---------------------------------------------------------------------

/// Runs the binary; its exit code and stderr.
fn fluent(args: &[&std::ffi::OsStr]) -> (Option<i32>, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_fluent"))
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run fluent");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_cli_rejects_bad_input_cleanly() {
    let dir = std::env::temp_dir().join(format!("fluent-robustness-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = |name: &str, bytes: &[u8]| {
        let p = dir.join(name);
        std::fs::write(&p, bytes).expect("write");
        p
    };
    let mut garbage = Rng::new(7);
    let garbage: Vec<u8> = (0..4096).map(|_| garbage.next() as u8).collect();
    let cases: Vec<(&str, PathBuf, i32, &str)> = vec![
        ("empty", file("empty.fl", b""), 0, ""),
        (
            "comments",
            file("comments.fl", b"; a\n#| b |#\n#;(c)\n"),
            0,
            "",
        ),
        (
            "garbage",
            file("garbage.fl", &garbage),
            1,
            "not valid UTF-8",
        ),
        (
            "invalid UTF-8",
            file("latin1.fl", b"(display \"caf\xe9\")"),
            1,
            "not valid UTF-8",
        ),
        (
            "deep nesting",
            file(
                "deep.fl",
                format!("{}{}", "(".repeat(100_000), ")".repeat(100_000)).as_bytes(),
            ),
            1,
            "nesting too deep",
        ),
        ("directory", dir.clone(), 1, "cannot read"),
        ("missing", dir.join("missing.fl"), 1, "cannot read"),
        (
            "NUL bytes",
            file("nul.fl", b"(display \"a\0b\")\0"),
            1,
            "unbound variable",
        ),
    ];
    for (name, path, code, message) in &cases {
        for cmd in [
            &["run"][..],
            &["emit", "--emit", "core"],
            &["emit", "--emit", "bytecode"],
        ] {
            let mut args: Vec<&std::ffi::OsStr> = cmd.iter().map(|s| s.as_ref()).collect();
            args.push(path.as_os_str());
            let (got, stderr) = fluent(&args);
            assert!(!stderr.contains("panicked"), "{name} {cmd:?}: {stderr}");
            if cmd[0] == "run" || *code != 1 || !message.contains("unbound") {
                assert_eq!(got, Some(*code), "{name} {cmd:?}: {stderr}");
                assert!(stderr.contains(message), "{name} {cmd:?}: {stderr}");
            } else {
                // Unbound names are run-time errors: the program compiles.
                assert_eq!(got, Some(0), "{name} {cmd:?}: {stderr}");
            }
        }
    }
    // Command-line usage errors exit 2 (clap's convention).
    for args in [
        &["run"][..],
        &["run", "--frobnicate", "x.fl"],
        &["frobnicate"],
        &[],
        &["emit", "x.fl"],
        &["emit", "--emit", "assembly", "x.fl"],
        &["run", "--max-depth", "-5", "x.fl"],
        &["run", "--max-depth", "99999999999999999999999", "x.fl"],
    ] {
        let args: Vec<&std::ffi::OsStr> = args.iter().map(|s| s.as_ref()).collect();
        let (got, stderr) = fluent(&args);
        assert_eq!(got, Some(2), "{args:?}: {stderr}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
