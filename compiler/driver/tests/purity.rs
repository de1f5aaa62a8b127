//! Uses of purity (`fluent_opt::purity`), seen in the Core the code
//! generator compiles (what `fluent emit --emit core` prints), at -O1:
//! from -O2 on, inlining would replace most of these calls first.

use fluent_driver::{Database, MemoryFiles, load, search_roots};
use fluent_ir::{ItemKey, file_items};
use fluent_linker::Loader;
use fluent_opt::optimized_item;
use std::path::Path;

/// The optimized Core of definition `name` of the one-file program `src`
/// at optimization level `level`, as text.
fn core_of(src: &str, name: &str, level: u8) -> String {
    let fs = MemoryFiles::from_fixture(&format!(";;- /main.fl\n{src}"));
    let mut db = Database::with_opt_level(level);
    let mut loader = Loader::new(search_roots(Path::new("main.fl"), &[]));
    let tree = load(
        &mut db,
        &mut loader,
        &fs,
        "main.fl",
        &fs.0[Path::new("main.fl")].clone(),
    )
    .unwrap_or_else(|ds| panic!("does not compile: {ds:?}"));
    let item = file_items(&db, tree.main)
        .iter()
        .copied()
        .find(|i| matches!(i.key(&db), ItemKey::Define(n) if &**n == name))
        .expect("the definition");
    let core = optimized_item(&db, item).clone().expect("lowers");
    fluent_ir::pretty::print_item(&core)
}

const SQ: &str = "(define (sq x) (* x x))\n";

#[test]
fn pure_calls_with_constant_arguments_are_folded() {
    let src = format!("{SQ}(define (f) (+ 1 (sq 12)))");
    let opt = core_of(&src, "f", 1);
    assert!(opt.contains("144") && !opt.contains("main.sq"), "{opt}");
    let plain = core_of(&src, "f", 0);
    assert!(plain.contains("(main.sq 12)"), "{plain}");
}

#[test]
fn effectful_and_endless_calls_are_not_folded() {
    let loud = "(define (loud x) (display x) x)\n(define (f) (loud 3))";
    assert!(core_of(loud, "f", 1).contains("(main.loud 3)"));
    let spin = "(define (spin x) (spin x))\n(define (f) (spin 1))";
    assert!(core_of(spin, "f", 1).contains("(main.spin 1)"));
    let fails = "(define (bad x) (car x))\n(define (f) (bad 1))";
    assert!(core_of(fails, "f", 1).contains("(main.bad 1)"));
}

#[test]
fn unused_expressions_that_cannot_fail_are_dropped_and_others_kept() {
    let src = "(define (f x) (cons x x) (list 1 2) (car x) 1)";
    let opt = core_of(src, "f", 1);
    assert!(!opt.contains("cons") && !opt.contains("list"), "{opt}");
    assert!(opt.contains("car"), "a call that may fail stays: {opt}");
    let unused_let = "(define (f x) (let ((a (cons x x)) (b (car x))) 1))";
    let opt = core_of(unused_let, "f", 1);
    assert!(!opt.contains("cons") && opt.contains("car"), "{opt}");
}

#[test]
fn a_let_bound_pure_call_is_reused_until_an_effect() {
    let src = format!("{SQ}(define (f x) (let ((a (sq x))) (+ a (sq x))))");
    let opt = core_of(&src, "f", 1);
    assert_eq!(opt.matches("main.sq").count(), 1, "{opt}");
    let between = format!("{SQ}(define (f x) (let ((a (sq x))) (display a) (+ a (sq x))))");
    let opt = core_of(&between, "f", 1);
    assert_eq!(opt.matches("main.sq").count(), 2, "{opt}");
    // Lists are not merged: two calls make two lists.
    let lists = "(define (two x) (list x x))\n(define (f x) (let ((a (two x))) (eq? a (two x))))";
    let opt = core_of(lists, "f", 1);
    assert_eq!(opt.matches("main.two").count(), 2, "{opt}");
}

#[test]
fn code_that_runs_at_start_does_not_fold_calls_of_later_definitions() {
    let src = "(define early (sq 3))\n(define (sq x) (* x x))\n(define late (sq 4))";
    assert!(core_of(src, "early", 1).contains("(main.sq 3)"));
    assert!(core_of(src, "late", 1).contains("16"));
}
