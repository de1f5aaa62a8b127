//! Every core form: what it lowers to.
//!
//! Reading the expectations: `x.N` is local variable N, `t.x` a global of
//! the test module `t`, `prelude.x` a prelude definition, `#%car` the
//! primitive, `L0` a loop label.

use super::check;

#[test]
fn define_a_value() {
    check("(define x (+ 1 2))", "(define t.x (#%+ 1 2))");
    check(r#"(define s "a\nb")"#, r#"(define t.s "a\nb")"#);
}

#[test]
fn define_a_function() {
    check(
        "(define (f a b) (+ a b))",
        "(define t.f (lambda #:name f (a.0 b.1) (#%+ a.0 b.1)))",
    );
    // A lambda bound by a value `define` is named after it too.
    check(
        "(define g (lambda (x) x))",
        "(define t.g (lambda #:name g (x.0) x.0))",
    );
}

#[test]
fn internal_defines_become_letrec_star() {
    check(
        "(define (f x) (define y (* x 2)) (define (g) y) (display x) (g))",
        "
        (define
          t.f
          (lambda
            #:name f
            (x.0)
            (letrec*
              ((y.1 (#%* x.0 2)) (g.2 (lambda #:name g () y.1)))
              (begin (#%display x.0) (g.2)))))
        ",
    );
    // An expression between definitions is evaluated in order, bound to `_`.
    check(
        "(define (f) (define a 1) (display a) (define b 2) b)",
        "
        (define
          t.f
          (lambda
            #:name f
            ()
            (letrec* ((a.0 1) (_.1 (#%display a.0)) (b.2 2)) b.2)))
        ",
    );
    // A `begin` of definitions in a body is spliced into it.
    check(
        "(define (f) (begin (define a 1)) a)",
        "(define t.f (lambda #:name f () (letrec* ((a.0 1)) a.0)))",
    );
}

#[test]
fn lambda_with_rest_args() {
    check("(lambda args args)", "(lambda (. args.0) args.0)");
    check(
        "(lambda (a b . rest) (cons a rest))",
        "(lambda (a.0 b.1 . rest.2) (#%cons a.0 rest.2))",
    );
    check(
        "(define (f a . rest) rest)",
        "(define t.f (lambda #:name f (a.0 . rest.1) rest.1))",
    );
}

#[test]
fn let_binds_in_parallel() {
    // The inner inits see the outer x and y, not each other.
    check(
        "(let ((x 1) (y 2)) (let ((x y) (y x)) (cons x y)))",
        "(let ((x.0 1) (y.1 2)) (let ((x.2 y.1) (y.3 x.0)) (#%cons x.2 y.3)))",
    );
}

#[test]
fn let_star_nests() {
    check(
        "(let* ((x 1) (y x)) y)",
        "(let ((x.0 1)) (let ((y.1 x.0)) y.1))",
    );
}

#[test]
fn letrec_and_letrec_star() {
    check(
        "(letrec ((ev? (lambda (n) (if (= n 0) #t (od? (- n 1)))))
                  (od? (lambda (n) (if (= n 0) #f (ev? (- n 1))))))
           (ev? 10))",
        "
        (letrec*
          ((ev?.0
             (lambda #:name ev? (n.2) (if (#%= n.2 0) #t (od?.1 (#%- n.2 1)))))
            (od?.1
              (lambda #:name od? (n.3) (if (#%= n.3 0) #f (ev?.0 (#%- n.3 1))))))
          (ev?.0 10))
        ",
    );
    check(
        "(letrec* ((a 1) (b (+ a 1))) b)",
        "(letrec* ((a.0 1) (b.1 (#%+ a.0 1))) b.1)",
    );
}

#[test]
fn named_let_called_only_in_tail_position_is_a_loop() {
    check(
        "(let loop ((i 0) (acc '())) (if (< i 3) (loop (+ i 1) (cons i acc)) acc))",
        "
        (loop
          L0
          ((i.0 0) (acc.1 '()))
          (if (#%< i.0 3) (recur L0 (#%+ i.0 1) (#%cons i.0 acc.1)) acc.1))
        ",
    );
}

#[test]
fn tail_positions_pass_through_every_form() {
    // and, or, when, the bodies of let, let*, letrec and begin, the result
    // of an inner `do`: a call of the loop there is still a `recur`.
    check(
        "(let loop ((i 0)) (and (< i 3) (loop (+ i 1))))",
        "(loop L0 ((i.0 0)) (if (#%< i.0 3) (recur L0 (#%+ i.0 1)) #f))",
    );
    check(
        "(let loop ((i 0)) (or (> i 3) (loop (+ i 1))))",
        "
        (loop
          L0
          ((i.0 0))
          (let ((t.1 (#%> i.0 3))) (if t.1 t.1 (recur L0 (#%+ i.0 1)))))
        ",
    );
    check(
        "(let loop ((i 0)) (when (< i 3) (loop (+ i 1))))",
        "
        (loop
          L0
          ((i.0 0))
          (if (#%< i.0 3) (recur L0 (#%+ i.0 1)) #<unspecified>))
        ",
    );
    check(
        "(let loop ((i 0)) (let ((j i)) (let* ((k j)) (letrec ((m k)) (begin (loop m))))))",
        "
        (loop
          L0
          ((i.0 0))
          (let
            ((j.1 i.0))
            (let ((k.2 j.1)) (letrec* ((m.3 k.2)) (recur L0 m.3)))))
        ",
    );
    check(
        "(let loop ((i 0)) (do ((j 0 (+ j 1))) ((= j 3) (loop (+ i 1)))))",
        "
        (loop
          L0
          ((i.0 0))
          (loop
            L1
            ((j.1 0))
            (if (#%= j.1 3) (recur L0 (#%+ i.0 1)) (recur L1 (#%+ j.1 1)))))
        ",
    );
    // Assigning a loop variable keeps the loop.
    check(
        "(let loop ((i 0)) (set! i 1) (loop i))",
        "(loop L0 ((i.0 0)) (begin (set! i.0 1) (recur L0 i.0)))",
    );
    // A variable named like the loop shadows it.
    check(
        "(let loop ((loop 1)) loop)",
        "(loop L0 ((loop.0 1)) loop.0)",
    );
}

#[test]
fn named_let_used_as_a_value_is_a_function() {
    check(
        "(let loop ((i 0)) (display loop) i)",
        "
        (letrec*
          ((loop.1 (lambda #:name loop (i.2) (begin (#%display loop.1) i.2))))
          (loop.1 0))
        ",
    );
    check(
        "(let loop ((i 0)) (set! loop 1) i)",
        "
        (letrec*
          ((loop.1 (lambda #:name loop (i.2) (begin (set! loop.1 1) i.2))))
          (loop.1 0))
        ",
    );
}

#[test]
fn named_let_called_in_non_tail_position_is_a_function() {
    check(
        "(let loop ((i 0)) (if (< i 3) (+ 1 (loop (+ i 1))) 0))",
        "
        (letrec*
          ((loop.1
            (lambda
              #:name loop
              (i.2)
              (if (#%< i.2 3) (#%+ 1 (loop.1 (#%+ i.2 1))) 0))))
          (loop.1 0))
        ",
    );
    // The body of a `try` is not a tail position (the catch frame is live).
    check(
        "(let loop ((i 0)) (try (loop 1) (catch e (loop 2))))",
        "
        (letrec*
          ((loop.2
            (lambda #:name loop (i.3) (try (loop.2 1) (catch e.4 (loop.2 2))))))
          (loop.2 0))
        ",
    );
    // Nor is a `match` guard.
    check(
        "(let loop ((i 0)) (match i (0 (loop 1)) (n (when (loop 2)) n)))",
        "
        (letrec*
          ((loop.2
            (lambda
              #:name loop
              (i.3)
              (match i.3 (0 (loop.2 1)) (n.4 (when (loop.2 2)) n.4)))))
          (loop.2 0))
        ",
    );
}

#[test]
fn named_let_called_with_the_wrong_argument_count_is_a_function() {
    // So the call fails at run time like any call with a wrong count.
    check(
        "(let loop ((i 0)) (if (< i 3) (loop (+ i 1) 5) i))",
        "
        (letrec*
          ((loop.1
            (lambda
              #:name loop
              (i.2)
              (if (#%< i.2 3) (loop.1 (#%+ i.2 1) 5) i.2))))
          (loop.1 0))
        ",
    );
    check(
        "(let loop ((i 0) (j 0)) (if (< i 3) (loop) i))",
        "
        (letrec*
          ((loop.2 (lambda #:name loop (i.3 j.4) (if (#%< i.3 3) (loop.2) i.3))))
          (loop.2 0 0))
        ",
    );
}

#[test]
fn named_let_called_from_an_inner_lambda_is_a_function() {
    check(
        "(define (f g) (let loop ((i 0)) (g (lambda () (loop 1))) i))",
        "
        (define
          t.f
          (lambda
            #:name f
            (g.0)
            (letrec*
              ((loop.2
                (lambda
                  #:name loop
                  (i.3)
                  (begin (g.0 (lambda () (loop.2 1))) i.3))))
              (loop.2 0))))
        ",
    );
}

#[test]
fn inner_named_let_tail_calling_the_outer_one() {
    check(
        "(define (f xs)
           (let outer ((xs xs) (n 0))
             (if (null? xs)
                 n
                 (let inner ((ys (car xs)) (n n))
                   (if (null? ys)
                       (outer (cdr xs) n)
                       (inner (cdr ys) (+ n 1)))))))",
        "
        (define
          t.f
          (lambda
            #:name f
            (xs.0)
            (loop
              L0
              ((xs.1 xs.0) (n.2 0))
              (if
                (#%null? xs.1)
                n.2
                (loop
                  L1
                  ((ys.3 (#%car xs.1)) (n.4 n.2))
                  (if
                    (#%null? ys.3)
                    (recur L0 (#%cdr xs.1) n.4)
                    (recur L1 (#%cdr ys.3) (#%+ n.4 1))))))))
        ",
    );
}

#[test]
fn an_escaping_inner_named_let_makes_the_outer_escape_too() {
    // Inside the inner function, the outer call is no longer a tail call of
    // the outer loop's body.
    check(
        "(let outer ((i 0))
           (let inner ((j 0))
             (if (< j 3) (+ 1 (inner (+ j 1))) (outer (+ i 1)))))",
        "
        (letrec*
          ((outer.4
            (lambda
              #:name outer
              (i.5)
              (letrec*
                ((inner.7
                  (lambda
                    #:name inner
                    (j.8)
                    (if
                      (#%< j.8 3)
                      (#%+ 1 (inner.7 (#%+ j.8 1)))
                      (outer.4 (#%+ i.5 1))))))
                (inner.7 0)))))
          (outer.4 0))
        ",
    );
}

#[test]
fn do_loops() {
    // A variable without a step keeps its value.
    check(
        "(do ((i 0 (+ i 1)) (acc '() (cons i acc)) (k 5)) ((= i 3) acc) (display i))",
        "
        (loop
          L0
          ((i.0 0) (acc.1 '()) (k.2 5))
          (if
            (#%= i.0 3)
            acc.1
            (begin
              (#%display i.0)
              (recur L0 (#%+ i.0 1) (#%cons i.0 acc.1) k.2))))
        ",
    );
    check(
        "(do ((i 0 (+ i 1))) ((= i 3)))",
        "
        (loop
          L0
          ((i.0 0))
          (if (#%= i.0 3) #<unspecified> (recur L0 (#%+ i.0 1))))
        ",
    );
    check(
        "(do ((i 0 (+ i 1))) ((= i 3) (display i) i))",
        "
        (loop
          L0
          ((i.0 0))
          (if (#%= i.0 3) (begin (#%display i.0) i.0) (recur L0 (#%+ i.0 1))))
        ",
    );
}

#[test]
fn if_and_its_missing_else() {
    check("(if 1 2 3)", "(if 1 2 3)");
    check("(if 1 2)", "(if 1 2 #<unspecified>)");
}

#[test]
fn cond_clauses() {
    // `=>` and a test-only clause bind the test's value once.
    check(
        "(cond ((= 1 2) 'a) ((assv 1 '((1 . 2))) => cdr) ((memv 1 '(1))) (else 'z))",
        "
        (if
          (#%= 1 2)
          'a
          (let
            ((t.1 (#%assv 1 '((1 . 2)))))
            (if t.1 (#%cdr t.1) (let ((t.0 (#%memv 1 '(1)))) (if t.0 t.0 'z)))))
        ",
    );
    check("(cond (#f 1))", "(if #f 1 #<unspecified>)");
    check("(cond)", "#<unspecified>");
    // A local `else` is an ordinary test.
    check(
        "(let ((else #f)) (cond (else 1)))",
        "(let ((else.0 #f)) (if else.0 1 #<unspecified>))",
    );
}

#[test]
fn case_clauses() {
    check(
        "(case (* 2 3) ((2 3) 'prime) ((4 6) 'composite) (else => (lambda (x) x)))",
        "
        (let
          ((key.0 (#%* 2 3)))
          (if
            (if (#%eqv? key.0 2) #t (#%eqv? key.0 3))
            'prime
            (if
              (if (#%eqv? key.0 4) #t (#%eqv? key.0 6))
              'composite
              ((lambda (x.1) x.1) key.0))))
        ",
    );
    check(
        "(case 1 ((1) 'one) ((a b) => f))",
        "
        (let
          ((key.0 1))
          (if
            (#%eqv? key.0 1)
            'one
            (if
              (if (#%eqv? key.0 'a) #t (#%eqv? key.0 'b))
              (t.f key.0)
              #<unspecified>)))
        ",
    );
}

#[test]
fn when_unless_and_or() {
    check(
        "(when (> 1 0) (display 1) 2)",
        "(if (#%> 1 0) (begin (#%display 1) 2) #<unspecified>)",
    );
    check("(unless #f 3)", "(if #f #<unspecified> 3)");
    check("(and 1 2 3)", "(if 1 (if 2 3 #f) #f)");
    check("(and)", "#t");
    check(
        "(or 1 2 3)",
        "(let ((t.1 1)) (if t.1 t.1 (let ((t.0 2)) (if t.0 t.0 3))))",
    );
    check("(or)", "#f");
    check("(begin)", "#<unspecified>");
}

#[test]
fn set_local_and_global() {
    check(
        "(define g 0)
         (define (f x) (set! x 1) (set! g 2) (set! f 3) x)",
        "
        (define t.g 0)

        (define
          t.f
          (lambda
            #:name f
            (x.0)
            (begin (set! x.0 1) (set! t.g 2) (set! t.f 3) x.0)))
        ",
    );
    // An undefined name is a global of this module (unbound at run time).
    check("(set! nowhere 1)", "(set! t.nowhere 1)");
}

#[test]
fn quote() {
    check("'sym", "'sym");
    check("'()", "'()");
    check("'(a b . c)", "'(a b . c)");
    check("'#(1 x)", "'#(1 x)");
    check("#(1 2)", "'#(1 2)");
    check(
        r#"(list 'a :k #\a 1.5 "s" #t #f 12345678901234)"#,
        r#"(#%list 'a :k #\a 1.5 "s" #t #f 12345678901234)"#,
    );
}

#[test]
fn quasiquote() {
    // Without unquotes, a constant.
    check("`(a b)", "'(a b)");
    check(
        "`(1 ,(+ 1 1) ,@(list 3 4))",
        "(#%cons 1 (#%cons (#%+ 1 1) (#%append (#%list 3 4) '())))",
    );
    // `(a . ,x)` reads as `(a unquote x)`: the unquoted tail.
    check("`(a . ,(+ 1 2))", "(#%cons 'a (#%+ 1 2))");
    check(
        "`#(1 ,@xs)",
        "(#%list->vector (#%cons 1 (#%append t.xs '())))",
    );
    // Nested: only the innermost unquote, at depth 1 again, is evaluated.
    check(
        "`(a `(b ,(c ,(+ 1 2))))",
        "
        (#%cons
          'a
          (#%cons
            (#%list
              'quasiquote
              (#%cons
                'b
                (#%cons
                  (#%list 'unquote (#%cons 'c (#%cons (#%+ 1 2) '())))
                  '())))
            '()))
        ",
    );
    check(
        "`(a `(b ,,x))",
        "
        (#%cons
          'a
          (#%cons
            (#%list 'quasiquote (#%cons 'b (#%cons (#%list 'unquote t.x) '())))
            '()))
        ",
    );
    // The list builders are the primitives even where `cons` is shadowed.
    check(
        "(let ((cons 0)) `(,cons))",
        "(let ((cons.0 0)) (#%cons cons.0 '()))",
    );
}

#[test]
fn match_patterns() {
    check(
        r#"(match v
             (0 "zero")
             ((Cons h t) h)
             ((Some v) v)
             ((? string? s) s)
             (n (when (> n 10)) "big")
             (_ "other"))"#,
        r#"
        (match
          t.v
          (0 "zero")
          ((Cons h.0 t.1) h.0)
          ((Some v.2) v.2)
          ((? #%string? s.3) s.3)
          (n.4 (when (#%> n.4 10)) "big")
          (_ "other"))
        "#,
    );
    check(
        r#"(match 1
             ((list a b) a)
             ((a . rest) rest)
             ([a b] b)
             (() 0)
             (Nil 1)
             ((Nil) 2)
             (#(a b) a)
             ((None) 0)
             ((or 1 2) 'small)
             ((as whole (Some x)) whole)
             ('foo 1)
             ("s" 2)
             (#\a 3)
             (#t 4)
             (1.5 5)
             (:k 6)
             ((? pair?) 7)
             ((or (Some x) (Ok x)) x))"#,
        r#"
        (match
          1
          ((Cons a.0 (Cons b.1 Nil)) a.0)
          ((Cons a.2 rest.3) rest.3)
          ((Cons a.4 (Cons b.5 Nil)) b.5)
          (Nil 0)
          (Nil 1)
          (Nil 2)
          ((vector a.6 b.7) a.6)
          ((None) 0)
          ((or 1 2) 'small)
          ((as whole.9 (Some x.8)) whole.9)
          ('foo 1)
          ("s" 2)
          (#\a 3)
          (#t 4)
          (1.5 5)
          (:k 6)
          ((? #%pair? _) 7)
          ((or (Some x.10) (Ok x.10)) x.10))
        "#,
    );
    // Patterns nest; a predicate can be any expression.
    check(
        "(match 1
           ((Some (as x (Cons a _))) x)
           ([(list 1 b) #(c)] b)
           ((? (lambda (x) x) y) y))",
        "
        (match
          1
          ((Some (as x.1 (Cons a.0 _))) x.1)
          ((Cons (Cons 1 (Cons b.2 Nil)) (Cons (vector c.3) Nil)) b.2)
          ((? (lambda (x.4) x.4) y.5) y.5))
        ",
    );
}

#[test]
fn try_catch() {
    check(
        "(try (car 1) (catch e (display e) 0))",
        "(try (#%car 1) (catch e.0 (begin (#%display e.0) 0)))",
    );
}

#[test]
fn tagged_constructors() {
    check("(Some (+ 1 2))", "(Some (#%+ 1 2))");
    check("(None)", "(None)");
    // A capitalised name bound to something is called, not a tag.
    check(
        "(define (Make x) x)
         (Make 1)
         (let ((Point list)) (Point 1 2))",
        "
        (define t.Make (lambda #:name Make (x.0) x.0))

        (t.Make 1)

        (let ((Point.0 #%list)) (Point.0 1 2))
        ",
    );
}

#[test]
fn list_literals() {
    check("[1 2 (+ 1 2)]", "(#%list 1 2 (#%+ 1 2))");
    check("[]", "(#%list)");
    // Even where `list` is shadowed.
    check(
        "(let ((list 0)) [list])",
        "(let ((list.0 0)) (#%list list.0))",
    );
}

#[test]
fn primitives_and_what_shadows_them() {
    check("(car '(1))", "(#%car '(1))");
    check("car", "#%car");
    check(
        "(let ((car cdr)) (car '(1 2)))",
        "(let ((car.0 #%cdr)) (car.0 '(1 2)))",
    );
    // A top-level definition shadows the primitive in the whole module,
    // uses before it included.
    check(
        "(car 1)
         (define (car x) x)",
        "
        (t.car 1)

        (define t.car (lambda #:name car (x.0) x.0))
        ",
    );
}

#[test]
fn special_forms_can_be_shadowed() {
    check(
        "(let ((if (lambda (x) x))) (if 1))",
        "(let ((if.1 (lambda #:name if (x.0) x.0))) (if.1 1))",
    );
    check(
        "(define (when x) x)
         (when 1)",
        "
        (define t.when (lambda #:name when (x.0) x.0))

        (t.when 1)
        ",
    );
}

#[test]
fn prelude_names() {
    check(
        "(map car (fold-left + 0 '(1 2)))",
        "(prelude.map #%car (prelude.fold-left #%+ 0 '(1 2)))",
    );
    // The module's own definitions shadow the prelude's.
    check(
        "(define (map f) f)
         (map car)",
        "
        (define t.map (lambda #:name map (f.0) f.0))

        (t.map #%car)
        ",
    );
}

#[test]
fn top_level_begin_is_spliced_into_items() {
    check(
        "(begin (define a 1) (display a))",
        "
        (define t.a 1)

        (#%display t.a)
        ",
    );
}
