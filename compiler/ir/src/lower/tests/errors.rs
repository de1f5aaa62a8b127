//! Malformed forms: each is reported with its code, its message and a span
//! relative to the start of its item (every program here is lowered after
//! a first item, so an absolute span would be off by its length).

use super::{check_error, lower, test_db};
use crate::{SourceFile, file_items, lower_item};

#[test]
fn malformed_if() {
    check_error(
        "(if)",
        "E0101",
        (0, 4),
        "malformed `if`: expected (if test then [else])",
    );
    // Inside a definition: relative to the definition.
    check_error(
        "(define (f x)\n  (if))",
        "E0101",
        (16, 20),
        "malformed `if`",
    );
}

#[test]
fn malformed_let_binding() {
    // The span is the binding, not the whole `let`.
    check_error(
        "(let ((x)) x)",
        "E0101",
        (6, 9),
        "malformed `let`: expected (let ((name value) ...) body...)",
    );
    check_error("(let loop ((i)) i)", "E0101", (11, 14), "malformed `let`");
}

#[test]
fn malformed_lambda() {
    check_error(
        "(lambda)",
        "E0101",
        (0, 8),
        "malformed `lambda`: expected (lambda (params...) body...)",
    );
    check_error("(lambda (x))", "E0101", (0, 12), "malformed `lambda`");
    check_error(
        "(lambda (1) 1)",
        "E0103",
        (9, 10),
        "a parameter must be a symbol",
    );
}

#[test]
fn malformed_define() {
    const MESSAGE: &str =
        "malformed `define`: expected (define name value) or (define (name params...) body...)";
    check_error("(define)", "E0101", (0, 8), MESSAGE);
    check_error("(define 1 2)", "E0101", (0, 12), MESSAGE);
    check_error("(define x)", "E0101", (0, 10), MESSAGE);
    check_error("(define (f))", "E0101", (0, 12), MESSAGE);
    // In a body too, not "only allowed at top level".
    check_error("(define (f) (define) 1)", "E0101", (12, 20), MESSAGE);
}

#[test]
fn define_in_an_expression() {
    check_error(
        "(display (define x 1))",
        "E0108",
        (9, 21),
        "`define` is only allowed at top level or at the start of a body",
    );
}

#[test]
fn set_of_a_non_symbol() {
    check_error(
        "(set! 1 2)",
        "E0101",
        (0, 10),
        "malformed `set!`: expected (set! name value)",
    );
}

#[test]
fn set_of_a_primitive_or_a_prelude_definition() {
    // The span is the name.
    check_error(
        "(set! car 1)",
        "E0110",
        (6, 9),
        "cannot assign to `car`: it is a primitive",
    );
    check_error(
        "(set! map 1)",
        "E0110",
        (6, 9),
        "cannot assign to `map`: it is defined in module `prelude`",
    );
}

#[test]
fn duplicate_parameter() {
    // The span is the second occurrence.
    check_error(
        "(lambda (x y x) 1)",
        "E0104",
        (13, 14),
        "duplicate parameter `x`",
    );
    check_error(
        "(define (f x x) 1)",
        "E0104",
        (13, 14),
        "duplicate parameter `x`",
    );
}

#[test]
fn empty_body() {
    check_error(
        "(let ())",
        "E0105",
        (0, 8),
        "empty body: expected at least one expression",
    );
    check_error(
        "(define (f) (define a 1))",
        "E0106",
        (12, 24),
        "a body must end with an expression, not a definition",
    );
}

#[test]
fn unquote_outside_quasiquote() {
    check_error(
        "(unquote x)",
        "E0107",
        (0, 11),
        "`unquote` outside of a quasiquote",
    );
    check_error(",x", "E0107", (0, 2), "`unquote` outside of a quasiquote");
    check_error(
        ",@x",
        "E0107",
        (0, 3),
        "`unquote-splicing` outside of a quasiquote",
    );
    check_error(
        "`,@x",
        "E0112",
        (1, 4),
        "`unquote-splicing` (,@) must be inside a list",
    );
}

#[test]
fn catch_outside_try() {
    check_error(
        "(catch e 1)",
        "E0109",
        (0, 11),
        "`catch` outside of a `try`",
    );
    check_error(
        "(try 1 (catch 1 2))",
        "E0101",
        (7, 18),
        "malformed `try`: expected (try body... (catch name handler...))",
    );
}

#[test]
fn pattern_binding_a_name_twice() {
    check_error(
        "(match 1 ((Cons x x) x))",
        "E0120",
        (18, 19),
        "`x` is bound twice in this pattern",
    );
}

#[test]
fn or_pattern_alternatives_binding_different_names() {
    // The span is the first alternative that differs from the first one.
    check_error(
        "(match 1 ((or (Some x) (Ok y)) 1))",
        "E0122",
        (23, 29),
        "every alternative of `or` must bind the same variables",
    );
}

#[test]
fn else_not_last() {
    check_error(
        "(cond (else 1) (#t 2))",
        "E0111",
        (6, 14),
        "`else` must be the last clause of `cond`",
    );
    check_error(
        "(case 1 (else 1) ((1) 2))",
        "E0111",
        (8, 16),
        "`else` must be the last clause of `case`",
    );
}

#[test]
fn dotted_list_expression() {
    check_error(
        "(a . b)",
        "E0102",
        (0, 7),
        "a dotted list is not an expression",
    );
}

#[test]
fn every_error_of_an_item_is_reported() {
    assert_eq!(
        lower("(if 1 (if) (lambda))"),
        "E0101 6..10: malformed `if`: expected (if test then [else])\n\
         E0101 11..19: malformed `lambda`: expected (lambda (params...) body...)"
    );
}

#[test]
fn an_escaping_named_let_reports_its_errors_once() {
    // The body is lowered twice (as a loop, then as a function).
    assert_eq!(
        lower("(let loop ((i 0)) (if) (+ 1 (loop 2)))"),
        "E0101 18..22: malformed `if`: expected (if test then [else])"
    );
}

#[test]
fn duplicate_binding_in_let_letrec_and_do() {
    check_error(
        "(let ((x 1) (x 2)) x)",
        "E0104",
        (13, 14),
        "`x` is bound twice in this `let`",
    );
    check_error(
        "(letrec ((f 1) (f 2)) f)",
        "E0104",
        (16, 17),
        "bound twice in this `letrec`",
    );
    check_error(
        "(let loop ((i 0) (i 1)) i)",
        "E0104",
        (18, 19),
        "bound twice in this `let`",
    );
    check_error(
        "(do ((i 0) (i 1)) (#t i))",
        "E0104",
        (12, 13),
        "bound twice in this `do`",
    );
}

#[test]
fn let_star_may_rebind() {
    let db = test_db();
    let file = SourceFile::new(&db, "t.fl".into(), "(let* ((x 1) (x 2)) x)".into());
    let items = file_items(&db, file);
    assert!(lower_item(&db, items[0]).errors.is_empty());
}
