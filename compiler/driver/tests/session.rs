//! The REPL session: inputs compiled one after another into one running VM.

mod common;

use common::SharedBuf;
use fluent_driver::{Failure, Session};
use fluent_vm::VmConfig;

/// A session and the buffer its output goes to.
fn session() -> (Session, SharedBuf) {
    let out = SharedBuf::default();
    let s = Session::new(VmConfig::default(), out.output()).expect("the prelude loads");
    (s, out)
}

/// Evaluates `input`, which must succeed: its printed value.
#[track_caller]
fn eval(s: &mut Session, input: &str) -> Option<String> {
    match s.eval(input) {
        Ok(v) => v,
        Err(e) => panic!("{input:?} failed:\n{e}"),
    }
}

/// Evaluates `input`, which must fail at run time: the error message.
#[track_caller]
fn runtime_error(s: &mut Session, input: &str) -> String {
    match s.eval(input) {
        Err(Failure::Runtime(e)) => e.message,
        other => panic!("{input:?}: expected a runtime error, got {other:?}"),
    }
}

/// Evaluates `input`, which must not compile: the rendered diagnostics.
#[track_caller]
fn compile_error(s: &mut Session, input: &str) -> String {
    match s.eval(input) {
        Err(Failure::Compile(ds)) => ds.concat(),
        other => panic!("{input:?}: expected a compile error, got {other:?}"),
    }
}

#[test]
fn a_definition_is_visible_in_later_inputs() {
    let (mut s, _) = session();
    assert_eq!(eval(&mut s, "(define x 1)"), None);
    assert_eq!(eval(&mut s, "(define (f) (* x 10))"), None);
    assert_eq!(eval(&mut s, "x"), Some("1".into()));
    assert_eq!(eval(&mut s, "(f)"), Some("10".into()));
}

#[test]
fn a_function_may_use_a_name_defined_in_a_later_input() {
    let (mut s, _) = session();
    eval(&mut s, "(define (g) (h))");
    eval(&mut s, "(define (h) 42)");
    assert_eq!(eval(&mut s, "(g)"), Some("42".into()));
}

#[test]
fn redefinition_replaces_the_value_for_earlier_code() {
    let (mut s, _) = session();
    eval(&mut s, "(define x 1)");
    eval(&mut s, "(define (f) (* x 10))");
    eval(&mut s, "(define x 2)");
    assert_eq!(eval(&mut s, "(f)"), Some("20".into()));
    eval(&mut s, "(define (f) (* x 100))");
    assert_eq!(eval(&mut s, "(f)"), Some("200".into()));
    // A variable can become a function, and `set!` works across inputs.
    eval(&mut s, "(define (x) 3)");
    assert_eq!(eval(&mut s, "(x)"), Some("3".into()));
    assert_eq!(eval(&mut s, "(set! x 7) x"), Some("7".into()));
}

#[test]
fn a_runtime_error_leaves_the_session_usable() {
    let (mut s, _) = session();
    eval(&mut s, "(define x 1)");
    assert_eq!(
        runtime_error(&mut s, "(car 5)"),
        "car: expected a pair, got 5"
    );
    assert_eq!(eval(&mut s, "(+ x 1)"), Some("2".into()));
    // What ran before the error in the failing input stays done.
    assert_eq!(
        runtime_error(&mut s, "(define z 3) (car z)"),
        "car: expected a pair, got 3"
    );
    assert_eq!(eval(&mut s, "z"), Some("3".into()));
}

#[test]
fn the_value_of_the_last_expression_is_printed_as_by_write() {
    let (mut s, out) = session();
    assert_eq!(eval(&mut s, "(+ 1 2)"), Some("3".into()));
    assert_eq!(eval(&mut s, r#""str""#), Some(r#""str""#.into()));
    assert_eq!(
        eval(&mut s, r#"(list 1 "a" #\b 'c 1.5)"#),
        Some(r#"(1 "a" #\b c 1.5)"#.into())
    );
    assert_eq!(eval(&mut s, "(Some 1)"), Some("(Some 1)".into()));
    // Only the last expression's value; output goes to the output.
    assert_eq!(eval(&mut s, r#"(display "hi") 5"#), Some("5".into()));
    assert_eq!(out.take(), "hi");
    // Nothing for an unspecified value, a definition or an empty input.
    assert_eq!(eval(&mut s, "(display 1)"), None);
    assert_eq!(out.take(), "1");
    assert_eq!(eval(&mut s, "(define y 1)"), None);
    assert_eq!(eval(&mut s, ""), None);
    assert_eq!(eval(&mut s, "; a comment"), None);
}

#[test]
fn an_input_with_a_syntax_error_changes_nothing() {
    let (mut s, out) = session();
    eval(&mut s, "(define x 1)");
    let rendered = compile_error(&mut s, "(display \"no\") (define x 2) (define y (");
    assert!(
        rendered.contains("error[E0002]: unclosed `(`"),
        "{rendered}"
    );
    // Nothing of the input ran or was defined.
    assert_eq!(out.take(), "");
    assert_eq!(eval(&mut s, "x"), Some("1".into()));
    assert_eq!(runtime_error(&mut s, "y"), "unbound variable: y");
    // And later inputs still compile (the bad text is gone).
    assert_eq!(eval(&mut s, "(define y 5) (+ x y)"), Some("6".into()));
}

#[test]
fn an_input_with_a_lowering_error_changes_nothing() {
    let (mut s, out) = session();
    eval(&mut s, "(define x 1)");
    let rendered = compile_error(&mut s, "(display \"no\") (define x 2) (if)");
    assert!(
        rendered.contains("error[E0101]: malformed `if`"),
        "{rendered}"
    );
    assert_eq!(out.take(), "");
    assert_eq!(eval(&mut s, "x"), Some("1".into()));
}

/// A function retired while the program runs (as `fluent watch` does when
/// its definition changes) is no longer entered natively, and closures
/// that still hold it keep working, interpreted.
#[test]
fn a_retired_function_still_runs_interpreted() {
    let out = SharedBuf::default();
    let config = VmConfig {
        jit: fluent_vm::JitConfig {
            threshold: 0,
            ..Default::default()
        },
        ..VmConfig::default()
    };
    let mut s = Session::new(config, out.output()).expect("the prelude loads");
    eval(&mut s, "(define (f x) (+ x 1))");
    eval(&mut s, "(define g f)");
    assert_eq!(eval(&mut s, "(f 1)").as_deref(), Some("2"));
    let stats = s.vm().jit_stats_text();
    let row = |stats: &str| {
        stats
            .lines()
            .find(|l| l.split_whitespace().next() == Some("f"))
            .map(str::to_string)
            .unwrap_or_default()
    };
    assert!(row(&stats).contains("native"), "{stats}");
    let func = s
        .vm()
        .global_named("<repl>", "f")
        .and_then(|v| v.as_closure())
        .expect("f is a closure")
        .func;
    s.vm().retire(func);
    assert_eq!(eval(&mut s, "(g 41)").as_deref(), Some("42"));
    let stats = s.vm().jit_stats_text();
    assert!(row(&stats).contains("replaced"), "{stats}");
}
