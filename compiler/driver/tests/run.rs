//! Whole files through `run_source`: how compile failures are rendered, and
//! a few register hazards of the code generator checked by running.

mod common;

use common::SharedBuf;
use fluent_driver::{Failure, run_source};
use fluent_vm::VmConfig;

/// Runs `text` as file `path`: its output, or the failure.
fn run(path: &str, text: &str) -> Result<String, Failure> {
    let out = SharedBuf::default();
    run_source(path, text, VmConfig::default(), out.output()).map(|()| out.take())
}

/// The rendered diagnostics of a program that must not compile.
#[track_caller]
fn compile_errors(path: &str, text: &str) -> String {
    match run(path, text) {
        Err(Failure::Compile(ds)) => ds.concat(),
        other => panic!("expected a compile failure, got {other:?}"),
    }
}

#[test]
fn syntax_error_is_rendered_with_location_line_and_caret() {
    // The code and message, `--> path:line:col`, the source line, and a
    // caret under column 3 (the unclosed parenthesis).
    assert_eq!(
        compile_errors("dir/p.fl", "(display 1)\n  (display (+ 1 2)\n"),
        "error[E0002]: unclosed `(`\n\
         \x20--> dir/p.fl:2:3\n\
         \x20 |\n\
         2 |   (display (+ 1 2)\n\
         \x20 |   ^\n"
    );
}

#[test]
fn lowering_error_is_rendered_at_its_absolute_position() {
    // The error's span is relative to its item (which starts on line 10);
    // the rendering puts it back in the file. The gutter widens to fit.
    let text = format!("{}(define (f x)\n  (if))\n", "(display 1)\n".repeat(9));
    assert_eq!(
        compile_errors("p.fl", &text),
        "error[E0101]: malformed `if`: expected (if test then [else])\n\
         \x20 --> p.fl:11:3\n\
         \x20  |\n\
         11 |   (if))\n\
         \x20  |   ^^^^\n"
    );
}

#[test]
fn caret_follows_tabs() {
    assert_eq!(
        compile_errors("p.fl", "(display 1)\n\t(if)\n"),
        "error[E0101]: malformed `if`: expected (if test then [else])\n\
         \x20--> p.fl:2:2\n\
         \x20 |\n\
         2 | \t(if)\n\
         \x20 | \t^^^^\n"
    );
}

#[test]
fn every_error_of_a_file_is_reported_in_order() {
    let rendered = compile_errors("p.fl", "(if)\n(define x)\n(lambda)\n");
    let codes: Vec<&str> = rendered
        .lines()
        .filter(|l| l.starts_with("error["))
        .collect();
    assert_eq!(
        codes,
        [
            "error[E0101]: malformed `if`: expected (if test then [else])",
            "error[E0101]: malformed `define`: expected (define name value) or (define (name params...) body...)",
            "error[E0101]: malformed `lambda`: expected (lambda (params...) body...)",
        ]
    );
}

#[test]
fn output_before_a_runtime_error_is_kept() {
    let out = SharedBuf::default();
    let r = run_source(
        "p.fl",
        "(display \"before\")\n(car 5)\n",
        VmConfig::default(),
        out.output(),
    );
    let Err(Failure::Runtime(e)) = r else {
        panic!("expected a runtime error, got {r:?}");
    };
    assert_eq!(e.message, "car: expected a pair, got 5");
    assert_eq!(e.location.map(|l| (l.line, l.col)), Some((2, 1)));
    assert_eq!(out.take(), "before");
}

#[test]
fn assigning_a_variable_from_a_call_reads_it_first() {
    // `(set! i (f i))`: the call's argument is the old `i`, whatever
    // register the result goes to.
    let out = run(
        "p.fl",
        "(define (f i) (* i 10))
         (define (g i) (set! i (f i)) i)
         (define (h i) (set! i (+ (f i) i)) i)
         (define (k i j) (set! i (f j)) (set! j (f i)) (list i j))
         (display (list (g 4) (h 4) (k 1 2)))",
    )
    .expect("runs");
    assert_eq!(out, "(40 44 (20 200))");
}

#[test]
fn loop_arguments_see_the_old_values() {
    // Each new value is computed from the previous iteration's variables,
    // in every order they can be read.
    let out = run(
        "p.fl",
        "(define (f) (* 1 1))
         (display
           (list
             (let loop ((a 1) (b 2) (n 0)) (if (= n 1) (list a b) (loop b a (+ n 1))))
             (let loop ((a 1) (b 2) (n 0)) (if (= n 3) (list a b) (loop (+ a b) a (+ n 1))))
             (let loop ((i 1) (n 0)) (if (= n 3) i (begin (set! i (* i 2)) (loop (+ i (f)) (+ n 1)))))))",
    )
    .expect("runs");
    assert_eq!(out, "((2 1) (7 4) 15)");
}

#[test]
fn closures_made_in_a_loop_capture_each_iteration() {
    // The loop variable is captured and assigned, so boxed: each
    // iteration must get its own box.
    let out = run(
        "p.fl",
        "(display
           (let loop ((i 0) (fs '()))
             (if (= i 3)
                 (map (lambda (f) (f)) fs)
                 (loop (+ i 1) (cons (lambda () (set! i (* i 10)) i) fs)))))",
    )
    .expect("runs");
    assert_eq!(out, "(20 10 0)");
}

#[test]
fn named_let_called_with_the_wrong_argument_count_fails_at_run_time() {
    // It used to crash the code generator (too many) or loop forever (too
    // few).
    for (call, got) in [("(loop (+ i 1) 5)", 2), ("(loop)", 0)] {
        let text = format!("(display (let loop ((i 0)) (if (< i 3) {call} i)))");
        match run("p.fl", &text) {
            Err(Failure::Runtime(e)) => assert_eq!(
                e.message,
                format!("wrong number of arguments to loop: expected 1, got {got}")
            ),
            other => panic!("{call}: expected an arity error, got {other:?}"),
        }
    }
}
