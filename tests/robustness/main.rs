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

mod generate;
mod mutate;
#[path = "../common/panic.rs"]
mod panic;
#[path = "../common/rng.rs"]
mod rng;
mod targeted;

use generate::*;
use mutate::*;

use fluent_driver::emit::{EmitKind, emit};
use fluent_driver::{Failure, Session, run_source};
use fluent_vm::interp::FUEL_EXHAUSTED;
use fluent_vm::primitives::TABLE;
use fluent_vm::runtime::Output;
use fluent_vm::{JitConfig, VmConfig};
use panic::panic_message;
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
