//! Targeted tests: the crash classes the fuzzers found, at their limits, and the CLI on bad input.

use super::*;

// ---------------------------------------------------------------------
// Targeted tests: the crash classes the fuzzers found, at their limits
// ---------------------------------------------------------------------

/// Runs `f` on a thread with the CLI's stack (deep nesting needs it).
pub(super) fn on_big_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(STACK)
        .spawn(f)
        .expect("spawn")
        .join()
        .expect("the test thread panicked");
}

/// Runs and emits `text`; any failure must be a located error.
pub(super) fn survives(text: &str) -> Result<(), Failure> {
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

pub(super) fn compile_error(r: &Result<(), Failure>) -> Option<&str> {
    match r {
        Err(Failure::Compile(ds)) => ds.first().map(|d| d.as_str()),
        _ => None,
    }
}

/// `template` with `X` replaced by itself `n` times, innermost `inner`.
pub(super) fn nest(template: &str, n: usize, inner: &str) -> String {
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
pub(super) fn depth_of_x(template: &str) -> usize {
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
pub(super) type MakeText = Box<dyn Fn(usize) -> String + Send>;

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
pub(super) fn output(text: &str) -> String {
    output_with(text, config())
}

/// What running `text` under `config` prints, then its error if any.
pub(super) fn output_with(text: &str, config: VmConfig) -> String {
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
    let r = run_source("t.fl", text, config, out);
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

/// Fuel running out in a loop a `try` encloses is caught by that `try`
/// in every tier (native code once raised it after overwriting the
/// frame's resume point, so the catch resumed in the wrong place).
#[test]
fn fuel_exhausted_in_native_code_is_caught() {
    let text = "(define (f x) x)\n\
                (display (try (f (do ((i 0 (+ i 1))) (#f) i)) (catch e (error-object-message e))))";
    for threshold in [0, 100] {
        let config = VmConfig {
            jit: JitConfig {
                threshold,
                ..Default::default()
            },
            ..config()
        };
        assert_eq!(
            output_with(text, config),
            "fuel exhausted",
            "threshold {threshold}"
        );
    }
}

// ---------------------------------------------------------------------
// The `fluent` binary on bad files and command lines
// ---------------------------------------------------------------------

/// Runs the binary; its exit code and stderr.
pub(super) fn fluent(args: &[&std::ffi::OsStr]) -> (Option<i32>, String) {
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
