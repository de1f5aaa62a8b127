//! Code generation tests: compile one small definition and look for the
//! instructions that matter in its disassembly (presence or absence of
//! opcodes, not whole listings, so register allocation can change freely).

use crate::{Compiled, compile_item};
use fluent_ir::{MemoryDb, SourceFile, file_items};
use fluent_vm::bytecode::disassemble;

/// One compiled function: its disassembly, and the mnemonics read from it.
struct Function {
    listing: String,
    ops: Vec<String>,
}

impl Function {
    fn count(&self, op: &str) -> usize {
        self.ops.iter().filter(|o| *o == op).count()
    }

    #[track_caller]
    fn has(&self, op: &str) -> &Self {
        assert!(self.count(op) > 0, "no `{op}` in\n{}", self.listing);
        self
    }

    #[track_caller]
    fn lacks(&self, op: &str) -> &Self {
        assert_eq!(self.count(op), 0, "unexpected `{op}` in\n{}", self.listing);
        self
    }

    #[track_caller]
    fn has_n(&self, op: &str, n: usize) -> &Self {
        assert_eq!(
            self.count(op),
            n,
            "expected {n} `{op}` in\n{}",
            self.listing
        );
        self
    }
}

/// Compiles the one item of `src` and disassembles each of its functions,
/// by name (`<top level>` runs the item; anonymous lambdas are `lambda`).
fn functions(src: &str) -> Vec<(String, Function)> {
    let db = MemoryDb::with_prelude("");
    let file = SourceFile::new(&db, "t.fl".into(), src.into());
    let items = file_items(&db, file);
    assert_eq!(items.len(), 1, "{src:?} should be one item");
    let unit = match compile_item(&db, items[0]) {
        Compiled::Unit(u) => u.clone(),
        other => panic!("{src:?} did not compile: {other:?}"),
    };
    let global = |g: u32| unit.globals[g as usize].to_string();
    unit.protos
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let listing = disassemble(p, i, &global, &|f, s| format!("{f}:{s:?}"));
            // Instruction lines are `  pc  Mnemonic operands...`.
            let ops = listing
                .lines()
                .skip(1)
                .filter(|l| {
                    l.split_whitespace()
                        .next()
                        .is_some_and(|w| w.parse::<u32>().is_ok())
                })
                .filter_map(|l| l.split_whitespace().nth(1).map(String::from))
                .collect();
            (p.name.to_string(), Function { listing, ops })
        })
        .collect()
}

/// The function called `name` in the compiled `src`.
#[track_caller]
fn function(src: &str, name: &str) -> Function {
    let mut fs = functions(src);
    let names: Vec<String> = fs.iter().map(|(n, _)| n.clone()).collect();
    let i = fs
        .iter()
        .position(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no function `{name}` in {names:?}"));
    fs.swap_remove(i).1
}

/// Every function of the compiled `src`, as one.
fn all(src: &str) -> Function {
    let fs = functions(src);
    Function {
        listing: fs.iter().map(|(_, f)| f.listing.as_str()).collect(),
        ops: fs.into_iter().flat_map(|(_, f)| f.ops).collect(),
    }
}

#[test]
fn the_listing_reader_sees_every_instruction() {
    // Guards the helpers: a function returning its argument plus one is
    // exactly `AddImm`, `Return`.
    assert_eq!(
        function("(define (f x) (+ x 1))", "f").ops,
        ["AddImm", "Return"]
    );
}

#[test]
fn named_let_loop_is_a_back_edge_without_calls() {
    function(
        "(define (f n)
           (let loop ((i 0) (acc 0))
             (if (< i n) (loop (+ i 1) (+ acc i)) acc)))",
        "f",
    )
    .has_n("Loop", 1)
    .lacks("Call")
    .lacks("TailCall");
}

#[test]
fn do_loop_is_a_back_edge_without_calls() {
    function(
        "(define (f n) (do ((i 0 (+ i 1)) (acc 0 (+ acc i))) ((= i n) acc)))",
        "f",
    )
    .has_n("Loop", 1)
    .lacks("Call")
    .lacks("TailCall");
}

#[test]
fn self_tail_call_is_a_tail_call() {
    function("(define (f n) (if (= n 0) 0 (f (- n 1))))", "f")
        .has("TailCall")
        .lacks("Call");
    // In a local lambda too.
    function(
        "(define (g)
           (letrec ((h (lambda (n) (if (= n 0) 0 (h (- n 1)))))) h))",
        "h",
    )
    .has("TailCall")
    .lacks("Call");
    // Not in an argument position.
    function("(define (f n) (if (= n 0) 0 (+ 1 (f (- n 1)))))", "f")
        .has("Call")
        .lacks("TailCall");
}

#[test]
fn small_constant_addition_and_subtraction_are_immediate() {
    function("(define (f x) (+ x 1))", "f")
        .has("AddImm")
        .lacks("Add")
        .lacks("CallPrim");
    function("(define (f x) (+ 1 x))", "f")
        .has("AddImm")
        .lacks("Add");
    // Subtraction has its own immediate form, so errors name `-`.
    function("(define (f x) (- x 1))", "f")
        .has("SubImm")
        .lacks("AddImm");
    // Past 16 bits, an ordinary `Add`.
    function("(define (f x) (+ x 100000))", "f")
        .has("Add")
        .lacks("AddImm");
}

#[test]
fn variadic_multiplication_is_chained() {
    function("(define (f a b c) (* a b c))", "f")
        .has_n("Mul", 2)
        .lacks("CallPrim")
        .lacks("Call");
}

#[test]
fn integer_divisions_are_instructions() {
    function(
        "(define (f a b) (list (quotient a b) (remainder a b) (modulo a b)))",
        "f",
    )
    .has_n("Quotient", 1)
    .has_n("Remainder", 1)
    .has_n("Modulo", 1)
    .has_n("CallPrim", 1); // `list`
    // A wrong argument count stays a call, which fails at run time.
    function("(define (f a) (modulo a))", "f")
        .lacks("Modulo")
        .has("TailCall");
}

#[test]
fn captured_and_assigned_variable_is_boxed() {
    let src = "(define (counter) (let ((n 0)) (lambda () (set! n (+ n 1)) n)))";
    function(src, "counter").has("MakeBox");
    function(src, "lambda")
        .has("BoxGet")
        .has("BoxSet")
        .lacks("MakeBox");
}

#[test]
fn captured_but_not_assigned_variable_is_not_boxed() {
    let f = all("(define (adder n) (lambda (x) (+ x n)))");
    f.has("MakeClosure").has("GetUpval");
    f.lacks("MakeBox").lacks("BoxGet").lacks("BoxSet");
}

#[test]
fn assigned_but_not_captured_variable_is_not_boxed() {
    all("(define (f n) (set! n (+ n 1)) n)")
        .lacks("MakeBox")
        .lacks("BoxGet")
        .lacks("BoxSet");
}

#[test]
fn letrec_of_mutually_recursive_lambdas_patches_captures() {
    function(
        "(define (f)
           (letrec ((ev? (lambda (n) (if (= n 0) #t (od? (- n 1)))))
                    (od? (lambda (n) (if (= n 0) #f (ev? (- n 1))))))
             ev?))",
        "f",
    )
    .has_n("MakeClosure", 2)
    .has_n("PatchCapture", 1)
    .lacks("MakeBox");
}

#[test]
fn named_let_called_with_the_wrong_argument_count_is_a_call() {
    // Lowering keeps it a function; as a loop it used to index past the
    // loop's variables.
    let src = "(define (f) (let loop ((i 0)) (if (< i 3) (loop 1 2) i)))";
    function(src, "f").lacks("Loop");
    function(src, "loop").has("TailCall").lacks("Loop");
}
