//! Tests of the generator and shrinker, hand-written programs, and reproductions of findings.

use super::*;

// ---------------------------------------------------------------------
// The generator and shrinker themselves
// ---------------------------------------------------------------------

#[test]
fn generated_programs_are_well_formed_and_reproducible() {
    on_big_stack(|| {
        let words = [
            "(define (t",
            "(define (r",
            "(define (ev",
            "(define (fib",
            "(match",
            "(try",
            "set!",
            "(lambda",
            "(let loop",
            "(do (",
            "(raise",
            "1125899906842624",
            "(handler",
            "(effect state:",
        ];
        let mut seen = [0usize; 14];
        for b in 0..8 {
            let forms = batch_program(7, b, 8 * BATCH);
            assert_eq!(
                forms,
                batch_program(7, b, 8 * BATCH),
                "same seed, same program"
            );
            let text = program_text(&forms);
            let (o, _) = run_here(&text, Spec::INTERP.config());
            assert!(o.is_valid_reference(), "{}\n{text}", o.render());
            assert!(o.stdout.len() > 100, "prints little:\n{text}");
            for (k, w) in words.iter().enumerate() {
                seen[k] += text.contains(w) as usize;
            }
        }
        assert!(
            seen.iter().all(|&k| k > 0),
            "never generated: {seen:?} of {words:?}"
        );
    });
}

#[test]
fn the_shrinker_keeps_what_makes_a_program_fail() {
    let forms = vec![
        l([a("define"), a("x"), a("5")]),
        l([
            a("display"),
            l([
                a("+"),
                l([a("*"), a("x"), a("7")]),
                l([a("car"), a("'(1 2)")]),
            ]),
        ]),
        l([a("display"), a("\"unrelated\"")]),
    ];
    // "Fails" while the program still multiplies by 7.
    let fails = |f: &[Sx]| program_text(f).contains("7)");
    let small = shrink(forms, &fails);
    assert_eq!(program_text(&small), "(* 7)\n");
}

#[test]
fn children_that_crash_or_hang_are_findings() {
    let ok = Spec::INTERP.encode();
    let r = isolated_raw(
        "(display 1)",
        &[ok.clone(), "abort".into(), ok.clone()],
        CASE_LIMIT,
    );
    match &r[..] {
        [Some((first, _)), Some((second, _)), None] => {
            assert_eq!((&first.stdout[..], &first.error), (&b"1"[..], &None));
            assert!(
                matches!(&second.error, Some(Error::Bug(e)) if e.starts_with("crash (")),
                "{second:?}"
            );
        }
        _ => panic!("{r:?}"),
    }
    let start = Instant::now();
    let r = isolated_raw("(display 1)", &["hang".into()], Duration::from_secs(2));
    assert!(start.elapsed() < Duration::from_secs(30));
    match &r[..] {
        [Some((o, _))] => assert!(
            matches!(&o.error, Some(Error::Bug(e)) if e.starts_with("hang")),
            "{o:?}"
        ),
        _ => panic!("{r:?}"),
    }
    let (bytes, back) = (b"a\n\x00\xff".to_vec(), "x610a00ff");
    assert_eq!(hex(&bytes), back);
    assert_eq!(unhex(back), Some(bytes));
    let spec = Spec {
        threshold: Some(7),
        max_depth: 12,
        fuel: None,
        gc_stress: true,
        opt_level: 3,
    };
    assert_eq!(Spec::decode(&spec.encode()), Some(spec));
    let report = crash_report(None, "x\nthread 'main' panicked at a.rs:1:2:\nboom\nmore\n");
    assert_eq!(report, "crash: thread 'main' panicked at a.rs:1:2: / boom");
}

// ---------------------------------------------------------------------
// Hand-written programs
// ---------------------------------------------------------------------

/// No fuel, `max_depth` frames, the JIT with `threshold` (or off), at
/// -O1: these programs are about calls between tiers, which inlining
/// (-O2) would remove.
pub(super) fn spec(threshold: Option<u32>, max_depth: usize) -> Spec {
    Spec {
        threshold,
        max_depth,
        fuel: None,
        gc_stress: false,
        opt_level: 1,
    }
}

/// Runs `text` in a child under the interpreter and each JIT threshold
/// of `jits`, asserts that every outcome equals the interpreter's, and
/// returns it with each JIT run's facts.
pub(super) fn agree(text: &str, jits: &[u32], max_depth: usize) -> (Outcome, Vec<JitFacts>) {
    let mut specs = vec![spec(None, max_depth)];
    specs.extend(jits.iter().map(|&t| spec(Some(t), max_depth)));
    let results = isolated(text, &specs, CASE_LIMIT);
    let mut it = specs.iter().zip(results);
    let Some((_, Some((want, _)))) = it.next() else {
        panic!("the interpreter run did not finish:\n{text}");
    };
    let mut facts = Vec::new();
    for (s, r) in it {
        let Some((got, f)) = r else {
            panic!("the {} run did not happen:\n{text}", s.describe());
        };
        assert!(
            got == want,
            "the {} differs from the interpreter on\n{text}\n--- interpreter:\n{}--- {}:\n{}",
            s.describe(),
            want.render(),
            s.describe(),
            got.render()
        );
        facts.push(f);
    }
    (want, facts)
}

pub(super) fn stdout(o: &Outcome) -> &str {
    std::str::from_utf8(&o.stdout).unwrap_or("(not UTF-8)")
}

pub(super) fn assert_tier(facts: &JitFacts, name: &str, tier: &str) {
    assert_eq!(
        facts.tier_of(name),
        Some(tier),
        "the tier of {name}: {:?}",
        facts.called
    );
}

#[test]
fn deep_non_tail_recursion_under_the_jit() {
    let text = "
(define (sum n) (if (= n 0) 0 (+ n (sum (- n 1)))))
(define (build n) (if (= n 0) '() (cons n (build (- n 1)))))
(define (depth xs) (if (null? xs) 0 (+ 1 (depth (cdr xs)))))
(display (sum 100000)) (newline)
(display (depth (build 100000))) (newline)
(display (try (sum 300000) (catch e (error-object-message e)))) (newline)
";
    let (o, facts) = agree(text, &[0, 3], 200_000);
    assert_eq!(o.error, None, "{}", o.render());
    assert_eq!(
        stdout(&o),
        "5000050000\n100000\nstack overflow in sum (more than 200000 frames deep)\n"
    );
    for f in &facts {
        for name in ["sum", "build", "depth"] {
            assert_tier(f, name, "native");
        }
    }
}

#[test]
fn mutual_tail_recursion_across_tiers_runs_in_constant_stack() {
    // A frame limit of 100: a tail call that kept a frame would overflow.
    let text = "
(define (ev? n) (if (= n 0) #t (od? (- n 1))))
(define (od? n) (if (= n 0) #f (ev? (- n 1))))
(define (count-down n acc) (if (= n 0) acc (count-up (- n 1) (+ acc 2))))
(define (count-up n acc) (if (= n 0) acc (count-down (- n 1) (- acc 1))))
(display (ev? 1000000)) (newline)
(display (od? 1000001)) (newline)
(display (count-down 1000000 0)) (newline)
";
    let want = "#t\n#t\n500000\n";
    let (o, facts) = agree(text, &[3, 0], 100);
    assert_eq!(o.error, None, "{}", o.render());
    assert_eq!(stdout(&o), want);
    for name in ["ev?", "od?", "count-down", "count-up"] {
        assert_tier(&facts[0], name, "native");
    }
    // One of each pair native, the other interpreted: every call crosses
    // tiers.
    let crossing = text.replace(
        "(display (ev?",
        "(jit-compile ev?) (jit-compile count-up)\n(display (ev?",
    );
    let (o, facts) = agree(&crossing, &[u32::MAX], 100);
    assert_eq!(o.error, None, "{}", o.render());
    assert_eq!(stdout(&o), want);
    assert_tier(&facts[0], "ev?", "native");
    assert_tier(&facts[0], "od?", "interpreted");
    assert_tier(&facts[0], "count-up", "native");
    assert_tier(&facts[0], "count-down", "interpreted");
}

/// Errors raised by `thrower`, caught by `catcher`; `first` is compiled
/// and the other function stays interpreted.
pub(super) fn errors_across_tiers(first: &str, second: &str) {
    let text = format!(
        "(define (thrower x)
  (cond ((= x 0) (error \"too big\" x 'zero))
        ((= x 1) (raise (list 'raised x)))
        ((= x 2) (car x))
        ((= x 3) (* x 3037000500 3037000500))
        ((= x 4) (vector-ref (vector 1 2) x))
        ((= x 5) (match (Some x) ((None) 0)))
        (else (* x 10))))
(define (catcher x)
  (try (thrower x)
    (catch e (if (error-object? e)
                 (list 'caught (error-object-message e) (error-object-irritants e))
                 (list 'caught-value e)))))
(jit-compile {first})
(for-each (lambda (x) (display (catcher x)) (newline)) (range 7))
(thrower 3)
"
    );
    let (o, facts) = agree(&text, &[u32::MAX], 1000);
    assert_eq!(
        stdout(&o),
        "(caught too big (0 zero))\n\
         (caught-value (raised 1))\n\
         (caught car: expected a pair, got 2 ())\n\
         (caught integer overflow in * ())\n\
         (caught vector-ref: index 4 out of range ())\n\
         (caught no match clause matched the value (Some 5) ())\n\
         60\n"
    );
    let Some(Error::Runtime(e)) = &o.error else {
        panic!("expected an uncaught overflow: {}", o.render());
    };
    assert!(
        e.starts_with("error: integer overflow in *\n  --> t.fl:5:18\n"),
        "{e}"
    );
    assert_tier(&facts[0], first, "native");
    assert_tier(&facts[0], second, "interpreted");
}

#[test]
fn errors_raised_in_native_code_are_caught_by_interpreted_code() {
    errors_across_tiers("thrower", "catcher");
}

#[test]
fn errors_raised_in_interpreted_code_are_caught_by_native_code() {
    errors_across_tiers("catcher", "thrower");
}

#[test]
fn integer_overflow_in_native_code_reports_like_the_interpreter() {
    let cases: &[(&str, &str)] = &[
        (
            "(define (f x) (* x x))\n(display (f 3037000499))\n(newline)\n(f 3037000500)\n",
            "*",
        ),
        (
            "(define (f x) (+ x 1))\n(display (f 9223372036854775806))\n(newline)\n\
             (f 9223372036854775807)\n",
            "+",
        ),
        // `(- x 1)` is compiled to `SubImm`: both tiers name `-`.
        (
            "(define (f x) (- x 1))\n(display (f -9223372036854775807))\n(newline)\n\
             (f -9223372036854775808)\n",
            "-",
        ),
        (
            "(define (f x y) (- x y))\n(display (f 0 -9223372036854775807))\n(newline)\n\
             (f 0 -9223372036854775808)\n",
            "-",
        ),
        (
            "(define (f x y) (+ x y))\n(display (f 4611686018427387904 4611686018427387903))\n\
             (newline)\n(f 4611686018427387904 4611686018427387904)\n",
            "+",
        ),
        (
            "(define (f x) (let loop ((i 0) (acc x)) (if (= i 70) acc (loop (+ i 1) (* acc 2)))))\n\
             (display (f 0))\n(newline)\n(f 1)\n",
            "*",
        ),
    ];
    for (text, op) in cases {
        let (o, facts) = agree(text, &[0, 1], 1000);
        assert_tier(&facts[0], "f", "native");
        let Some(Error::Runtime(e)) = &o.error else {
            panic!("expected an overflow from\n{text}\ngot {}", o.render());
        };
        assert!(
            e.starts_with(&format!("error: integer overflow in {op}\n  --> t.fl:1:")),
            "{text}\n{e}"
        );
        assert!(e.contains("0: f at t.fl:1:"), "{e}");
        assert!(stdout(&o).ends_with('\n'), "{text}");
    }
}

#[test]
fn ints_crossing_the_inline_boundary_in_native_code() {
    let text = "
(define (inc x) (+ x 1))
(define (dec x) (- x 1))
(define (dbl x) (* x 2))
(define (walk x n) (if (= n 0) '() (cons x (walk (inc x) (- n 1)))))
(display (walk 1125899906842621 5)) (newline)
(display (map dec '(-1125899906842623 -1125899906842624 -1125899906842625))) (newline)
(display (map dbl '(562949953421311 562949953421312 -562949953421312 -562949953421313))) (newline)
(display (list (= (inc 1125899906842623) 1125899906842624)
               (eqv? (dec 1125899906842624) 1125899906842623)
               (> (inc 1125899906842623) 1125899906842623.5)))
(newline)
";
    let (o, facts) = agree(text, &[0, 2], 1000);
    assert_eq!(o.error, None, "{}", o.render());
    assert_eq!(
        stdout(&o),
        "(1125899906842621 1125899906842622 1125899906842623 1125899906842624 1125899906842625)\n\
         (-1125899906842624 -1125899906842625 -1125899906842626)\n\
         (1125899906842622 1125899906842624 -1125899906842624 -1125899906842626)\n\
         (#t #t #t)\n"
    );
    for name in ["inc", "dec", "dbl", "walk"] {
        assert_tier(&facts[0], name, "native");
    }
}

// ---------------------------------------------------------------------
// Reproductions of what the generator found
// ---------------------------------------------------------------------

/// Found by the generator (shrunk from a 14 KB batch): a call in tail
/// position from native code, to a procedure that rejects the argument
/// count, reports the error at the caller's caller and leaves the
/// calling frame out of the backtrace. The interpreter reports it at
/// the call, in `f`.
#[test]
fn arity_errors_in_tail_calls_from_native_code_report_the_calling_frame() {
    let text = "(define (g) 0)\n(define (f x) (g x))\n(f 1)\n";
    let (o, facts) = agree(text, &[0, 3], 1000);
    assert_tier(&facts[0], "f", "native");
    assert_eq!(
        o.error,
        Some(Error::Runtime(
            "error: wrong number of arguments to g: expected 0, got 1\n  --> t.fl:2:15\n\
             backtrace:\n  0: f at t.fl:2:15\n  1: <top level> at t.fl:3:1\n"
                .into()
        ))
    );
}

/// Found by the generator's runs with the collector in stress mode
/// (shrunk from a 10 KB batch; through the JIT's interpreter adapter the
/// same panic aborted the process): after a caught error, a collection
/// left the interpreter's register window shorter than the frame, and
/// `max`'s arguments were read past its end ("range end index 9 out of
/// range for slice of length 8" in `call_prim`; with the default
/// collector as soon as a collection fell there). Fixed by e36bb53 (the
/// collector scans up to the highest register of any frame).
#[test]
fn a_collection_after_a_caught_error_keeps_the_register_window() {
    let text = "(define (s e) 0)\n\
                (define (main) (try f1a (catch e (s 0))) (0 (let ((q 1)) (0 (max 1 0)))))\n\
                (main)\n";
    let stress = |threshold| Spec {
        gc_stress: true,
        ..spec(threshold, 1000)
    };
    let runs = isolated(text, &[stress(None), stress(Some(3))], CASE_LIMIT);
    for (r, name) in runs.iter().zip(["interpreter", "jit threshold 3"]) {
        let Some((o, _)) = r else {
            panic!("the {name} run did not happen: {runs:?}");
        };
        assert_eq!(
            o.error,
            Some(Error::Runtime(
                "error: not a procedure: 0\n  --> t.fl:2:58\n\
                 backtrace:\n  0: main at t.fl:2:58\n  1: <top level> at t.fl:3:1\n"
                    .into()
            )),
            "{name} with the collector in stress mode"
        );
    }
}

/// Found by the generator (three programs of 6000 ran out of fuel, and
/// each one differed): the interpreter charges a call's fuel at the call,
/// native code at the callee's entry, so when fuel runs out at a call the
/// error's location and backtrace differ (the callee's frame, or for a
/// self tail call the callee's first instruction).
#[test]
fn fuel_runs_out_at_the_same_place_in_every_tier() {
    let text = "(define (f) 0)\n(define (g n) (f) (g (+ n 1)))\n(g 0)\n";
    for fuel in [1000, 1001] {
        let with_fuel = |threshold| Spec {
            fuel: Some(fuel),
            ..spec(threshold, 1000)
        };
        let specs = [with_fuel(None), with_fuel(Some(0)), with_fuel(Some(3))];
        let runs = isolated(text, &specs, CASE_LIMIT);
        let outcomes: Vec<Option<&Outcome>> =
            runs.iter().map(|r| r.as_ref().map(|(o, _)| o)).collect();
        let Some(Some(want)) = outcomes.first() else {
            panic!("no interpreter outcome: {runs:?}");
        };
        assert!(want.fuel_exhausted(), "{}", want.render());
        for (s, got) in specs.iter().zip(&outcomes).skip(1) {
            assert_eq!(
                got.map(Outcome::render),
                Some(want.render()),
                "fuel {fuel}, {}",
                s.describe()
            );
        }
    }
}
