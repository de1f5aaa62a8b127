//! Inline frames: a program whose calls are inlined (by the test inliner
//! in `inline/`, as the optimizer would) reports errors exactly as the same
//! program making the calls: the same message, location and backtrace, in
//! every execution tier, with inlining one or more levels deep, across
//! modules, in tail position or not.

mod common;
mod inline;

use common::SharedBuf;
use fluent_driver::{Database, MemoryFiles, load, search_roots};
use fluent_ir::items::module_key;
use fluent_ir::{Db, file_items, lower_item};
use fluent_linker::{LinkInput, Linker, Loader};
use fluent_vm::bytecode::{GlobalName, disassemble};
use fluent_vm::image::{SourceFile as ImageFile, decode, encode};
use fluent_vm::{Image, JitConfig, Vm, VmConfig};
use inline::{Def, Inliner};
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

/// Compiles the module tree `fixture` (main file `main.fl`) unoptimized,
/// inlining the calls of `targets` (`module.name`) up to `depth` levels,
/// and links every item into an image.
fn compile(fixture: &str, targets: &[&str], depth: usize) -> Image {
    let fs = MemoryFiles::from_fixture(fixture);
    let mut db = Database::with_opt_level(0);
    let mut loader = Loader::new(search_roots(Path::new("main.fl"), &[]));
    let main = fs.0[Path::new("main.fl")].clone();
    let tree = load(&mut db, &mut loader, &fs, "main.fl", &main).expect("the tree compiles");
    let mut files = vec![db.prelude()];
    files.extend_from_slice(&tree.order);
    let mut defs = HashMap::new();
    for &f in &files {
        for &item in file_items(&db, f) {
            if let Some(core) = &lower_item(&db, item).core
                && let fluent_ir::core::ItemKind::Define { name, .. } = &core.kind
            {
                let offset = item.offset(&db);
                let item = core.clone();
                defs.insert(name.clone(), Def { item, offset });
            }
        }
    }
    let inliner = Inliner {
        defs: &defs,
        targets: targets
            .iter()
            .map(|t| {
                let (module, name) = t.rsplit_once('.').expect("module.name");
                GlobalName {
                    module: module.into(),
                    name: name.into(),
                }
            })
            .collect(),
        depth,
    };
    let mut linker = Linker::new();
    let mut units = Vec::new();
    for (i, &f) in files.iter().enumerate() {
        linker.set_module_file(module_key(&db, f).clone(), i as u32);
        for &item in file_items(&db, f) {
            let core = lower_item(&db, item).core.clone().expect("lowers");
            let unit = fluent_codegen::generate(&inliner.item(&core)).expect("compiles");
            units.push((unit, i as u32, item.offset(&db)));
        }
    }
    let inputs: Vec<LinkInput> = units
        .iter()
        .map(|(unit, file, offset)| LinkInput {
            unit,
            file: *file,
            offset: *offset,
        })
        .collect();
    let linked = linker.link(&inputs);
    Image {
        files: files
            .iter()
            .map(|&f| ImageFile::new(f.path(&db).clone(), f.text(&db).clone()))
            .collect(),
        protos: linked.protos,
        globals: linker.globals().to_vec(),
        init: linked.init,
    }
}

/// The execution tiers: the interpreter alone, every function compiled
/// before its first call, and compiled once hot.
fn tiers() -> [(&'static str, JitConfig); 3] {
    let off = JitConfig {
        enabled: false,
        ..Default::default()
    };
    let eager = JitConfig {
        threshold: 0,
        ..Default::default()
    };
    [
        ("interp", off),
        ("jit-eager", eager),
        ("jit-default", JitConfig::default()),
    ]
}

/// What running `image` prints, then its error report.
fn run(image: &Image, jit: JitConfig) -> String {
    let out = SharedBuf::default();
    let config = VmConfig {
        jit,
        opt_level: 0,
        ..Default::default()
    };
    let mut vm = Vm::new(Arc::new(image.clone()), config, out.output()).expect("the image loads");
    let result = vm.run_init();
    vm.rt.out.flush();
    let mut s = out.take();
    if let Err(e) = result {
        s.push_str(&e.to_string());
    }
    s
}

/// How many inline scopes the functions of `image` have.
fn scopes(image: &Image) -> usize {
    image.protos.iter().map(|p| p.scopes.len()).sum()
}

/// Runs `fixture` as written (the interpreter's output is the expectation,
/// and every tier must agree), then with `targets` inlined in every tier:
/// the output must be the same. Returns it.
#[track_caller]
fn same_with_inlining(fixture: &str, targets: &[&str], want_scopes: usize) -> String {
    let plain = compile(fixture, &[], 0);
    assert_eq!(scopes(&plain), 0);
    let want = run(&plain, tiers()[0].1.clone());
    assert!(
        want.contains("backtrace:"),
        "the program must fail:\n{want}"
    );
    let inlined = compile(fixture, targets, 3);
    assert_eq!(scopes(&inlined), want_scopes, "inline scopes");
    for (tier, jit) in tiers() {
        assert_eq!(run(&plain, jit.clone()), want, "as written, {tier}");
        assert_eq!(run(&inlined, jit), want, "inlined, {tier}");
    }
    want
}

#[test]
fn an_error_in_inlined_code_is_at_the_origin_with_a_frame_for_it() {
    let got = same_with_inlining(
        "\
;;- /main.fl
(define (f x) (car x))
(define (g x) (+ 1 (f x)))
(display \"start\")
(g 5)
",
        &["main.f"],
        1,
    );
    assert_eq!(
        got,
        "start\
         error: car: expected a pair, got 5\n\
         \x20 --> main.fl:1:15\n\
         backtrace:\n\
         \x20 0: f at main.fl:1:15\n\
         \x20 1: g at main.fl:2:20\n\
         \x20 2: <top level> at main.fl:4:1\n"
    );
}

#[test]
fn a_tail_call_inlined_drops_its_callers_entry() {
    let got = same_with_inlining(
        "\
;;- /main.fl
(define (f x) (car x))
(define (g x) (if (pair? x) 0 (let ((y x)) (f y))))
(g 5)
",
        &["main.f"],
        1,
    );
    assert!(!got.contains(" g at"), "{got}");
}

/// `f` fails; `h` calls `f` and `g` calls `h`, each in tail position or
/// not; both calls are inlined (`f` into `h`'s body inside `g`).
fn nested(h_tail: bool, g_tail: bool) -> String {
    let call = |tail: bool, f: &str| {
        if tail {
            format!("(if (null? x) 0 (begin (display 1) ({f} x)))")
        } else {
            format!("(* 2 ({f} x))")
        }
    };
    format!(
        ";;- /main.fl\n\
         (define (f x) (vector-ref x 9))\n\
         (define (h x) {})\n\
         (define (g x) {})\n\
         (display (g (vector 1 2)))\n",
        call(h_tail, "f"),
        call(g_tail, "h")
    )
}

#[test]
fn nested_inlining_reports_every_level() {
    for (h_tail, g_tail) in [(false, false), (true, false), (false, true), (true, true)] {
        let got = same_with_inlining(&nested(h_tail, g_tail), &["main.f", "main.h"], 3);
        // The entries a tail call drops are dropped.
        assert_eq!(got.contains(" h at"), !h_tail, "{got}");
        assert_eq!(got.contains(" g at"), !g_tail, "{got}");
        assert!(got.contains("0: f at main.fl:1:15"), "{got}");
    }
}

const MODULES: &str = "\
;;- /main.fl
(import \"m\" (first-of))
(import \"n\" (via))
(define (g x) (+ 1 (via x)))
(display (first-of (list 1)))
(g 7)
;;- /m.fl
;; Comments, so that the origin's lines differ from the caller's.

(define (first-of x)
  (car x))
;;- /n.fl
(import \"m\" (first-of))
(define (via x) (* 3 (first-of x)))
";

#[test]
fn code_inlined_from_other_modules_is_located_in_their_files() {
    // Into `g` (two levels), `via` and the top level.
    let got = same_with_inlining(MODULES, &["m.first-of", "n.via"], 4);
    assert!(got.contains("0: first-of at m.fl:4:3"), "{got}");
    assert!(got.contains("1: via at n.fl:2:22"), "{got}");
    assert!(got.contains("2: g at main.fl:3:20"), "{got}");
}

#[test]
fn a_lambda_in_inlined_code_is_located_in_the_origins_file() {
    same_with_inlining(
        "\
;;- /main.fl
(import \"m\" (firsts))
(define (g xs) (length (firsts xs)))
(g (list (cons 1 2) 3))
;;- /m.fl
(define (firsts xs)
  (map (lambda (p) (car p)) xs))
",
        &["m.firsts"],
        1,
    );
}

#[test]
fn deep_backtraces_elide_the_same_entries() {
    // 2 entries a level, 60 levels: the middle is elided, counted in
    // entries, and the kept tail starts inside a frame.
    let got = same_with_inlining(
        "\
;;- /main.fl
(define (f n) (if (= n 0) (car n) (+ 1 (g n))))
(define (g n) (* 2 (f (- n 1))))
(f 30)
",
        &["main.g"],
        1,
    );
    assert!(got.contains("frames omitted"), "{got}");
}

#[test]
fn raised_errors_and_effects_in_inlined_code() {
    same_with_inlining(
        "\
;;- /main.fl
(define (f x) (if (> x 2) (error \"too big:\" x) x))
(define (g x) (+ (f 1) (f x)))
(display (handler ((error (lambda (op . args) 0))) (g 5)))
(newline)
(g 5)
",
        &["main.f"],
        2,
    );
}

#[test]
fn an_image_file_keeps_inline_scopes() {
    let image = compile(MODULES, &["m.first-of", "n.via"], 2);
    let back = decode(&encode(&image)).expect("decodes");
    assert_eq!(back, image);
    assert_eq!(scopes(&back), 4);
    for (tier, jit) in tiers() {
        assert_eq!(run(&back, jit.clone()), run(&image, jit), "{tier}");
    }
}

#[test]
fn the_listing_shows_inline_scopes() {
    let image = compile(MODULES, &["m.first-of", "n.via"], 2);
    let (i, g) = image
        .protos
        .iter()
        .enumerate()
        .find(|(_, p)| &*p.name == "g")
        .expect("g");
    let global = |n: u32| image.globals[n as usize].to_string();
    let locate = |f: u32, s: Option<fluent_syntax::Span>| match s {
        Some(s) => image.locate(f, s).expect("a location").to_string(),
        None => image.files[f as usize].path.to_string(),
    };
    let listing = disassemble(g, i, &global, &locate);
    for want in [
        "inline #0 via (code in n.fl), called at main.fl:3:20\n",
        "inline #1 first-of (code in m.fl), called at n.fl:2:22 in #0\n",
        "-- in #0 via --",
        "-- in #1 first-of --",
        "-- in g --",
    ] {
        assert!(listing.contains(want), "{want:?} in\n{listing}");
    }
}

/// `k` (never inlined) fails; `j` calls it, `h` calls `j`, `g` calls `h`,
/// each call in tail position or not, `j` and `h` inlined. `how` is `j`'s
/// call of `k`: directly or through `apply`.
fn calls_out(tails: [bool; 3], how: &str) -> String {
    let call = |tail: bool, call: &str| {
        if tail {
            format!("(if (null? x) 0 {call})")
        } else {
            format!("(+ 1 {call})")
        }
    };
    let k = match how {
        "apply" => "(apply k (list x))",
        _ => "(k x)",
    };
    format!(
        ";;- /main.fl\n\
         (define (k x) (vector-ref x 5))\n\
         (define (j x) {})\n\
         (define (h x) {})\n\
         (define (g x) {})\n\
         (display (g (vector 1)))\n",
        call(tails[0], k),
        call(tails[1], "(j x)"),
        call(tails[2], "(h x)")
    )
}

#[test]
fn calls_out_of_inlined_bodies_drop_what_tail_calls_drop() {
    // Inlined into `h` (1) and `g` (2, nested).
    for how in ["call", "apply"] {
        for bits in 0..8 {
            let tails = [bits & 1 != 0, bits & 2 != 0, bits & 4 != 0];
            let got = same_with_inlining(&calls_out(tails, how), &["main.j", "main.h"], 3);
            assert!(got.contains("0: k at main.fl:1:15"), "{got}");
            assert_eq!(got.contains(" j at"), !tails[0], "{tails:?}: {got}");
        }
    }
}

#[test]
fn a_fault_at_a_call_in_tail_position_keeps_its_caller() {
    // Calling a non-procedure, and calling with the wrong argument count:
    // the call itself fails, in the inlined body's frame.
    for call in ["(x 1)", "((lambda (a b) a) x)", "(apply car (list x x))"] {
        let got = same_with_inlining(
            &format!(
                ";;- /main.fl\n\
                 (define (h x) {call})\n\
                 (define (g x) (+ 1 (h x)))\n\
                 (g 5)\n"
            ),
            &["main.h"],
            1,
        );
        assert!(got.contains("0: h at main.fl:1:15"), "{call}: {got}");
    }
}

#[test]
fn loops_and_matches_inside_inlined_code() {
    same_with_inlining(
        "\
;;- /main.fl
(define (sum xs)
  (let loop ((xs xs) (acc 0))
    (match xs
      (() acc)
      ((x . rest) (loop rest (+ acc (car x)))))))
(define (g xs) (let loop ((i 0)) (if (< i 2) (loop (+ i 1)) (sum xs))))
(display (g (list (list 1) (list 2))))
(newline)
(g (list (list 1) 2))
",
        &["main.sum"],
        1,
    );
}

#[test]
fn hot_inlined_code_fails_the_same_once_compiled() {
    // `g` runs 500 times before it fails: compiled to native code at the
    // default threshold.
    same_with_inlining(
        "\
;;- /main.fl
(define (f x) (vector-ref x 0))
(define (g x) (* 2 (f x)))
(define (run n acc)
  (if (= n 0) (g 0) (run (- n 1) (+ acc (g (vector n))))))
(display (run 500 0))
",
        &["main.f"],
        1,
    );
}
