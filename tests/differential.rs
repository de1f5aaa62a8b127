//! Differential testing: the interpreter against the JIT.
//!
//! A generator builds random *well-formed* programs from a seeded tiny
//! PRNG: typed expressions over ints (with values at the edges of the
//! 51-bit inline encoding, ±2^50, and of i64, so boxed ints and overflow
//! are exercised), floats (NaN and infinities included), booleans,
//! strings, lists, vectors and tagged values; `let`, `let*`, `if`, `cond`,
//! `case`, named-let and `do` loops; functions that call each other,
//! variadic functions and lambdas, bounded non-tail recursion (some
//! deeper than the JIT's native stack comfortably holds, some past
//! `max_depth`), tree recursion, tail loops and mutual tail recursion
//! (20,000 steps against a frame limit of 10,000); loops long enough to
//! go native in the middle (on-stack replacement); closures capturing
//! variables that `set!` mutates, closures passed to and returned from
//! functions, functions as values, `apply`; the prelude's `map`/`filter`/
//! `fold-left`/`fold-right`/`reduce`/`sort`/`any`; `try`/`catch` with
//! `error`, `raise` and run-time faults (type errors, overflow, bad
//! indices, arity, no match); `match` on ints, lists, vectors and tagged
//! values. Each program prints what its calls return (or raise), and some
//! end with an uncaught error. Two programs in three define their
//! functions inside `main` (closures calling closures), the others at top
//! level. A cost estimate keeps programs well within the fuel budget, and
//! what loops accumulate is truncated (`cap`), so nothing grows
//! exponentially.
//!
//! The programs run in batches of [`BATCH`]: one source file, one VM (the
//! JIT compiles the prelude's top-level code once per batch, not once per
//! program). Each batch runs three times: interpreted only, with every
//! function compiled before its first call (JIT threshold 0), and with
//! threshold 3 (functions tier up mid-run, so interpreted and native code
//! call each other; every fourth batch also with the collector in stress
//! mode). Stdout bytes and the error (message, location and backtrace)
//! must be identical. A mismatch is shrunk (top-level forms deleted,
//! subexpressions replaced by their children or by literals, list items
//! dropped, while the mismatch persists) and reported with the seed, the
//! small program and both outcomes.
//!
//! A JIT bug can abort the process (a panic cannot unwind out of the
//! native code's `extern "C"` helpers) or hang it, so programs run in
//! child processes: this test binary again, running
//! [`SERVER`] with `FLUENT_DIFF_CHILD` set. A crash or a hang is a finding
//! like any other mismatch.
//!
//! `FLUENT_DIFF_CASES` sets the number of programs (default 2000),
//! `FLUENT_DIFF_SEED` the seed, `FLUENT_DIFF_WORKERS` the child processes
//! running at once, `FLUENT_DIFF_SHRINK_SECS` the time to shrink each
//! finding (default 300), `FLUENT_DIFF_GC_STRESS=0` turns the stress
//! mode off. Hand-written programs for what random programs rarely reach
//! (deep recursion, long mutual tail recursion across tiers, errors
//! crossing tiers, overflow in native code) follow the generator, then
//! the reproductions of what it found.

#[path = "common/rng.rs"]
mod rng;

use fluent_driver::{Failure, run_source_then};
use fluent_vm::heap::GcConfig;
use fluent_vm::jit::Tier;
use fluent_vm::runtime::Output;
use fluent_vm::{JitConfig, VmConfig};
use rng::Rng;
use std::collections::HashSet;
use std::fmt::{self, Write as _};
use std::io::{BufRead, BufReader, Read, Write as _};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// The CLI's thread stack (see `src/cli/mod.rs`); address space only.
const STACK: usize = 512 << 20;

/// Calls and loop iterations a batch may make (a safety net: the
/// generator keeps programs well under it).
const FUEL: u64 = 2_000_000;

/// The frame limit of the generated programs' runs.
const MAX_DEPTH: usize = 10_000;

/// Programs per batch (per VM).
const BATCH: u64 = 10;

/// A batch (three runs) taking longer than this is a hang.
const CASE_LIMIT: Duration = Duration::from_secs(60);

/// The most findings shrunk and reported per run.
const MAX_REPORTED: usize = 3;

/// The test whose process serves as a child (see `serve_child`).
const SERVER: &str = "interpreter_and_jit_agree_on_generated_programs";

/// What a child is asked to do (`cases ...` or `program`).
const CHILD_ENV: &str = "FLUENT_DIFF_CHILD";
/// A `program` child's source text and run specs.
const TEXT_ENV: &str = "FLUENT_DIFF_TEXT";
const SPECS_ENV: &str = "FLUENT_DIFF_SPECS";
/// Lines from a child to its parent start with this.
const TAG: &str = "@@diff ";

// ---------------------------------------------------------------------
// Running programs in this process
// ---------------------------------------------------------------------

/// How a program is run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Spec {
    /// The JIT threshold, or `None` for the JIT off.
    threshold: Option<u32>,
    max_depth: usize,
    fuel: Option<u64>,
    gc_stress: bool,
}

impl Spec {
    /// The interpreter, as the generated programs run.
    const INTERP: Spec = Spec {
        threshold: None,
        max_depth: MAX_DEPTH,
        fuel: Some(FUEL),
        gc_stress: false,
    };

    /// The JIT with `threshold`, otherwise as `INTERP`.
    const fn jit(threshold: u32) -> Spec {
        Spec {
            threshold: Some(threshold),
            ..Spec::INTERP
        }
    }

    fn config(self) -> VmConfig {
        let jit = match self.threshold {
            None => JitConfig {
                enabled: false,
                ..Default::default()
            },
            Some(threshold) => JitConfig {
                enabled: true,
                threshold,
                ..Default::default()
            },
        };
        VmConfig {
            jit,
            fuel: self.fuel,
            max_depth: self.max_depth,
            gc: GcConfig {
                stress: self.gc_stress,
                ..Default::default()
            },
        }
    }

    fn describe(self) -> String {
        let mut s = match self.threshold {
            None => "interpreter".to_string(),
            Some(t) => format!("jit threshold {t}"),
        };
        if self.gc_stress {
            s.push_str(", gc stress");
        }
        s
    }

    fn encode(self) -> String {
        format!(
            "{},{},{},{}",
            self.threshold.map_or("off".into(), |t| t.to_string()),
            self.max_depth,
            self.fuel.map_or("none".into(), |f| f.to_string()),
            self.gc_stress as u8
        )
    }

    fn decode(s: &str) -> Option<Spec> {
        let mut it = s.split(',');
        let threshold = match it.next()? {
            "off" => None,
            t => Some(t.parse().ok()?),
        };
        let max_depth = it.next()?.parse().ok()?;
        let fuel = match it.next()? {
            "none" => None,
            f => Some(f.parse().ok()?),
        };
        let gc_stress = it.next()? == "1";
        Some(Spec {
            threshold,
            max_depth,
            fuel,
            gc_stress,
        })
    }
}

/// The three runs of batch `b`: the interpreter, then the JIT runs
/// compared with it. Every fourth batch runs the collector in stress mode
/// in the last run (unless `FLUENT_DIFF_GC_STRESS=0`).
fn batch_specs(b: u64) -> [Spec; 3] {
    let stress = env_u64("FLUENT_DIFF_GC_STRESS", 1) != 0;
    [
        Spec::INTERP,
        Spec::jit(0),
        Spec {
            gc_stress: stress && b % 4 == 3,
            ..Spec::jit(3)
        },
    ]
}

/// What a run did: its stdout and its error, if any.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Outcome {
    stdout: Vec<u8>,
    error: Option<Error>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Error {
    /// A run-time error, as the CLI prints it (message, location,
    /// backtrace).
    Runtime(String),
    /// A compile error (never expected of a generated program).
    Compile(String),
    /// Always a bug: the VM refused the compiler's code, a panic, a
    /// crash, a hang.
    Bug(String),
}

impl Outcome {
    fn render(&self) -> String {
        let mut s = format!("stdout ({} bytes):\n", self.stdout.len());
        s.push_str(&excerpt(&String::from_utf8_lossy(&self.stdout)));
        if !s.ends_with('\n') {
            s.push('\n');
        }
        match &self.error {
            None => s.push_str("(no error)\n"),
            Some(Error::Runtime(e)) => s.push_str(e),
            Some(Error::Compile(e)) => {
                let _ = write!(s, "compile error:\n{e}");
            }
            Some(Error::Bug(e)) => {
                let _ = writeln!(s, "BUG: {e}");
            }
        }
        s
    }

    fn fuel_exhausted(&self) -> bool {
        matches!(&self.error, Some(Error::Runtime(e))
            if e.contains(fluent_vm::interp::FUEL_EXHAUSTED))
    }

    fn is_valid_reference(&self) -> bool {
        !matches!(self.error, Some(Error::Compile(_) | Error::Bug(_)))
    }
}

/// `s` with every run of digits replaced by `N`: `index 17 out of range
/// for slice of length 16` is the same bug as with 14 and 13.
fn without_numbers(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if !c.is_ascii_digit() {
            out.push(c);
        } else if !out.ends_with('N') {
            out.push('N');
        }
    }
    out
}

/// What differs between a reference outcome `x` and another `y` (or what
/// `y`'s crash is), so that shrinking keeps to the same difference:
/// stdout, the error message, its location, or the backtrace.
fn difference(x: &Outcome, y: &Outcome) -> String {
    let lines = |o: &Outcome| -> Vec<String> {
        match &o.error {
            None => vec!["no error".into()],
            Some(Error::Runtime(e)) => e.lines().map(String::from).collect(),
            Some(Error::Compile(_)) => vec!["compile error".into()],
            Some(Error::Bug(e)) => {
                // A crash: where it panicked, if it did.
                let at = e.find("panicked at ").unwrap_or(0);
                vec![format!("bug: {}", e[at..].lines().next().unwrap_or(""))]
            }
        }
    };
    let (a, b) = (lines(x), lines(y));
    let kind = if matches!(y.error, Some(Error::Bug(_))) {
        b[0].clone()
    } else if x.stdout != y.stdout {
        "stdout".into()
    } else if a[0] != b[0] {
        format!("message: {} | {}", a[0], b[0])
    } else if a.get(1) != b.get(1) {
        format!("location: {}", a[0])
    } else {
        format!("backtrace: {}", a[0])
    };
    without_numbers(&kind)
}

/// Locks `m`, also after a panic elsewhere (the data stays usable here).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A `Write` into a shared buffer: the program's stdout.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Capture {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        lock(&self.0).extend_from_slice(b);
        Ok(b.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Where the functions a run called ended up: `(name, tier)`, the tier
/// as `native`, `interpreted` or `failed: why`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct JitFacts {
    called: Vec<(String, String)>,
}

impl JitFacts {
    fn tier_of(&self, name: &str) -> Option<&str> {
        self.called
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, t)| t.as_str())
    }

    fn count(&self, prefix: &str) -> usize {
        self.called
            .iter()
            .filter(|(_, t)| t.starts_with(prefix))
            .count()
    }

    fn encode(&self) -> String {
        let mut s = String::new();
        for (n, t) in &self.called {
            let _ = writeln!(s, "{n}\t{t}");
        }
        s
    }

    fn decode(s: &str) -> JitFacts {
        let called = s
            .lines()
            .filter_map(|l| l.split_once('\t'))
            .map(|(n, t)| (n.to_string(), t.to_string()))
            .collect();
        JitFacts { called }
    }
}

/// Runs `text` in this process with `config`.
fn run_here(text: &str, config: VmConfig) -> (Outcome, JitFacts) {
    let buf = Capture::default();
    let out = Output::new(Box::new(buf.clone()));
    let mut facts = JitFacts::default();
    let r = catch_unwind(AssertUnwindSafe(|| {
        run_source_then("t.fl", text, config, out, |vm| {
            facts.called = vm
                .jit_report()
                .into_iter()
                .filter(|r| r.calls > 0)
                .map(|r| {
                    let tier = match r.tier {
                        Tier::Native => "native".to_string(),
                        Tier::Interpreted => "interpreted".to_string(),
                        Tier::Failed(why) => format!("failed: {why}"),
                    };
                    (r.name, tier)
                })
                .collect();
        })
    }));
    let error = match r {
        Ok(Ok(())) => None,
        Ok(Err(Failure::Runtime(e))) => Some(Error::Runtime(e.to_string())),
        Ok(Err(f @ Failure::Compile(_))) => Some(Error::Compile(f.to_string())),
        Ok(Err(f @ Failure::Internal(_))) => Some(Error::Bug(f.to_string())),
        Err(p) => Some(Error::Bug(format!("panic: {}", panic_message(&*p)))),
    };
    let stdout = std::mem::take(&mut *lock(&buf.0));
    (Outcome { stdout, error }, facts)
}

fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "(non-string panic)".into()
    }
}

fn excerpt(text: &str) -> String {
    const MAX: usize = 4000;
    if text.len() <= MAX {
        return text.to_string();
    }
    let mut end = MAX;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}... ({} bytes)", &text[..end], text.len())
}

/// Runs `f` on a thread with the CLI's stack and waits for it.
fn on_big_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    match std::thread::Builder::new().stack_size(STACK).spawn(f) {
        Ok(h) => match h.join() {
            Ok(v) => v,
            Err(p) => panic!("the test thread panicked: {}", panic_message(&*p)),
        },
        Err(e) => panic!("cannot spawn a test thread: {e}"),
    }
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

// ---------------------------------------------------------------------
// Child processes
// ---------------------------------------------------------------------

fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(2 * bytes.len() + 1);
    s.push('x');
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    let s = s.strip_prefix('x')?;
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok())
        .collect()
}

fn unhex_str(s: &str) -> Option<String> {
    unhex(s).map(|b| String::from_utf8_lossy(&b).into_owned())
}

/// In a child process (`FLUENT_DIFF_CHILD` set): does what it asks and
/// returns true. Otherwise false.
fn serve_child() -> bool {
    let Ok(job) = std::env::var(CHILD_ENV) else {
        return false;
    };
    on_big_stack(move || {
        let words: Vec<&str> = job.split_whitespace().collect();
        match words.as_slice() {
            ["program"] => serve_program(),
            ["cases", seed, n] => match (seed.parse(), n.parse()) {
                (Ok(seed), Ok(n)) => serve_cases(seed, n),
                _ => panic!("bad {CHILD_ENV}: {job}"),
            },
            _ => panic!("bad {CHILD_ENV}: {job}"),
        }
    });
    true
}

/// Runs the program of `FLUENT_DIFF_TEXT` under each spec of
/// `FLUENT_DIFF_SPECS`, printing each outcome as it is known.
fn serve_program() {
    let text = std::env::var(TEXT_ENV).unwrap_or_default();
    let specs = std::env::var(SPECS_ENV).unwrap_or_default();
    for (k, spec) in specs.split(';').enumerate() {
        // `abort` and `hang` test the parent's handling of children that
        // die or hang.
        if spec == "abort" {
            std::process::abort();
        }
        if spec == "hang" {
            loop {
                std::thread::sleep(Duration::from_secs(1));
            }
        }
        let Some(spec) = Spec::decode(spec) else {
            panic!("bad spec {spec:?}");
        };
        let (o, facts) = run_here(&text, spec.config());
        let (kind, err) = match &o.error {
            None => ("ok", String::new()),
            Some(Error::Runtime(e)) => ("runtime", e.clone()),
            Some(Error::Compile(e)) => ("compile", e.clone()),
            Some(Error::Bug(e)) => ("bug", e.clone()),
        };
        println!(
            "{TAG}outcome {k} {} {kind} {} {}",
            hex(&o.stdout),
            hex(err.as_bytes()),
            hex(facts.encode().as_bytes())
        );
    }
}

/// Runs the batches of `n` cases whose numbers come in on stdin, one a
/// line, reporting each as it starts, each run, and the verdict.
fn serve_cases(seed: u64, n: u64) {
    let mut notes = HashSet::new();
    for line in std::io::stdin().lock().lines() {
        let Some(b) = line.ok().and_then(|l| l.trim().parse::<u64>().ok()) else {
            break;
        };
        println!("{TAG}begin {b}");
        let start = Instant::now();
        let text = program_text(&batch_program(seed, b, n));
        let specs = batch_specs(b);
        println!("{TAG}run {b} 0");
        let (reference, _) = run_here(&text, specs[0].config());
        let verdict = match &reference.error {
            Some(Error::Compile(e)) => format!("broken {}", hex(e.as_bytes())),
            Some(Error::Bug(e)) => format!("interp-bug {}", hex(e.as_bytes())),
            _ => {
                let mut verdict = None;
                let (mut native, mut failed) = (0, 0);
                for (r, spec) in specs.iter().enumerate().skip(1) {
                    println!("{TAG}run {b} {r}");
                    let (o, facts) = run_here(&text, spec.config());
                    if r == 1 {
                        native = facts.count("native");
                        failed = facts.count("failed");
                        for (name, tier) in &facts.called {
                            if tier.starts_with("failed") && notes.insert(tier.clone()) {
                                let note = format!("{name}: {tier}");
                                println!("{TAG}note {}", hex(note.as_bytes()));
                            }
                        }
                    }
                    if o != reference {
                        verdict = Some(format!("mismatch {r}"));
                        break;
                    }
                }
                verdict.unwrap_or_else(|| {
                    let status = match &reference.error {
                        None => "completed",
                        Some(_) if reference.fuel_exhausted() => "fuel",
                        Some(_) => "uncaught",
                    };
                    format!("same {status} {} {native} {failed}", reference.stdout.len())
                })
            }
        };
        println!("{TAG}time {b} {}", start.elapsed().as_millis());
        println!("{TAG}end {b} {verdict}");
    }
}

/// A command running this test binary as a child doing `job`.
fn child_command(job: &str) -> Command {
    let exe = match std::env::current_exe() {
        Ok(e) => e,
        Err(e) => panic!("cannot find the test binary: {e}"),
    };
    let mut cmd = Command::new(exe);
    cmd.args([SERVER, "--exact", "--nocapture", "--test-threads=1", "-q"])
        .env(CHILD_ENV, job)
        .env("RUST_BACKTRACE", "0")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// Collects a child's stderr (the first 64 KiB) on a thread.
fn collect_stderr(child: &mut Child) -> Arc<Mutex<String>> {
    let buf = Arc::new(Mutex::new(String::new()));
    if let Some(mut err) = child.stderr.take() {
        let buf = buf.clone();
        std::thread::spawn(move || {
            let mut chunk = [0u8; 4096];
            while let Ok(n) = err.read(&mut chunk) {
                if n == 0 {
                    break;
                }
                let mut b = lock(&buf);
                if b.len() < 64 << 10 {
                    b.push_str(&String::from_utf8_lossy(&chunk[..n]));
                }
            }
        });
    }
    buf
}

/// How a child died, with the panic that killed it if there was one.
fn crash_report(status: Option<ExitStatus>, stderr: &str) -> String {
    let how = match status {
        Some(s) => format!("crash ({s})"),
        None => "crash".to_string(),
    };
    let lines: Vec<&str> = stderr.lines().collect();
    let mut what = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if line.contains("panicked at ") {
            what.push(line.trim().to_string());
            if let Some(next) = lines.get(i + 1) {
                what.push(next.trim().to_string());
            }
        }
    }
    if what.is_empty() {
        what.extend(lines.iter().rev().take(3).rev().map(|l| l.to_string()));
    }
    format!("{how}: {}", what.join(" / "))
}

/// Runs `text` under each of `specs` in a child process, which may
/// crash or hang (killed after `limit`) without harm here. A run that
/// did not finish has a `Bug` outcome; the runs after it, none.
fn isolated(text: &str, specs: &[Spec], limit: Duration) -> Vec<Option<(Outcome, JitFacts)>> {
    let specs: Vec<String> = specs.iter().map(|s| s.encode()).collect();
    isolated_raw(text, &specs, limit)
}

/// As `isolated`, with the specs as the child reads them.
fn isolated_raw(
    text: &str,
    specs_text: &[String],
    limit: Duration,
) -> Vec<Option<(Outcome, JitFacts)>> {
    let specs = specs_text;
    let mut cmd = child_command("program");
    cmd.env(TEXT_ENV, text).env(SPECS_ENV, specs_text.join(";"));
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => panic!("cannot start a child process: {e}"),
    };
    let stderr = collect_stderr(&mut child);
    let reader = child.stdout.take().map(|mut out| {
        std::thread::spawn(move || {
            let mut s = String::new();
            let _ = out.read_to_string(&mut s);
            s
        })
    });
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(st)) => break Some(st),
            Ok(None) if start.elapsed() > limit => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(2)),
            Err(_) => break None,
        }
    };
    let stdout = reader.and_then(|r| r.join().ok()).unwrap_or_default();
    let mut results: Vec<Option<(Outcome, JitFacts)>> = vec![None; specs.len()];
    for line in stdout.lines() {
        let Some(rest) = line.strip_prefix(TAG) else {
            continue;
        };
        let w: Vec<&str> = rest.split(' ').collect();
        if let ["outcome", k, out, kind, err, facts] = w.as_slice() {
            let (Some(k), Some(out), Some(err), Some(facts)) = (
                k.parse::<usize>().ok(),
                unhex(out),
                unhex_str(err),
                unhex_str(facts),
            ) else {
                continue;
            };
            let error = match *kind {
                "ok" => None,
                "runtime" => Some(Error::Runtime(err)),
                "compile" => Some(Error::Compile(err)),
                _ => Some(Error::Bug(err)),
            };
            if let Some(slot) = results.get_mut(k) {
                *slot = Some((Outcome { stdout: out, error }, JitFacts::decode(&facts)));
            }
        }
    }
    if let Some(k) = results.iter().position(Option::is_none) {
        std::thread::sleep(Duration::from_millis(20));
        let what = match status {
            None => format!("hang: no result within {limit:?}"),
            Some(st) => crash_report(Some(st), &lock(&stderr)),
        };
        results[k] = Some((
            Outcome {
                stdout: Vec::new(),
                error: Some(Error::Bug(what)),
            },
            JitFacts::default(),
        ));
    }
    results
}

/// Runs `text` under `reference` and `other` in a child (for at most
/// `limit`): both outcomes.
fn compare_isolated(
    text: &str,
    reference: Spec,
    other: Spec,
    limit: Duration,
) -> (Outcome, Outcome) {
    let mut r = isolated(text, &[reference, other], limit).into_iter();
    let missing = || Outcome {
        stdout: Vec::new(),
        error: Some(Error::Bug("not run".into())),
    };
    let x = r.next().flatten().map_or_else(missing, |(o, _)| o);
    let y = r.next().flatten().map_or_else(missing, |(o, _)| o);
    (x, y)
}

// ---------------------------------------------------------------------
// S-expressions: programs as trees, so that they can be shrunk
// ---------------------------------------------------------------------

#[derive(Clone, Debug, PartialEq)]
enum Sx {
    Atom(String),
    List(Vec<Sx>),
}

fn a(s: impl Into<String>) -> Sx {
    Sx::Atom(s.into())
}

fn l<const N: usize>(items: [Sx; N]) -> Sx {
    Sx::List(items.into())
}

fn lv(items: Vec<Sx>) -> Sx {
    Sx::List(items)
}

impl fmt::Display for Sx {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Sx::Atom(s) => f.write_str(s),
            Sx::List(xs) => {
                f.write_str("(")?;
                for (i, x) in xs.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" ")?;
                    }
                    write!(f, "{x}")?;
                }
                f.write_str(")")
            }
        }
    }
}

impl Sx {
    fn nodes(&self) -> usize {
        match self {
            Sx::Atom(_) => 1,
            Sx::List(xs) => 1 + xs.iter().map(Sx::nodes).sum::<usize>(),
        }
    }

    fn at(&self, path: &[usize]) -> Option<&Sx> {
        match path.split_first() {
            None => Some(self),
            Some((&i, rest)) => match self {
                Sx::List(xs) => xs.get(i)?.at(rest),
                Sx::Atom(_) => None,
            },
        }
    }

    fn at_mut(&mut self, path: &[usize]) -> Option<&mut Sx> {
        match path.split_first() {
            None => Some(self),
            Some((&i, rest)) => match self {
                Sx::List(xs) => xs.get_mut(i)?.at_mut(rest),
                Sx::Atom(_) => None,
            },
        }
    }

    /// The paths of every node, parents before children.
    fn paths(&self, prefix: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
        out.push(prefix.clone());
        if let Sx::List(xs) = self {
            for (i, x) in xs.iter().enumerate() {
                prefix.push(i);
                x.paths(prefix, out);
                prefix.pop();
            }
        }
    }
}

fn program_text(forms: &[Sx]) -> String {
    let mut s = String::new();
    for f in forms {
        let _ = writeln!(s, "{f}");
    }
    s
}

// ---------------------------------------------------------------------
// Program generation
// ---------------------------------------------------------------------

/// The types the generator keeps track of (a guide, not a guarantee: a
/// `car` of an empty list or a bad index is an error, and errors are
/// compared too).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ty {
    Int,
    Float,
    Bool,
    Str,
    /// A list of ints.
    List,
    /// A vector of ints.
    Vector,
    /// `(Some int)`, `(None)` or `(Pair int int)`.
    Tag,
    /// A procedure from an int to an int.
    Fun,
}

/// Parameter types (ints most often).
const PARAM_TYPES: &[Ty] = &[
    Ty::Int,
    Ty::Int,
    Ty::Int,
    Ty::Int,
    Ty::Float,
    Ty::Float,
    Ty::Bool,
    Ty::Str,
    Ty::List,
    Ty::List,
    Ty::Vector,
    Ty::Tag,
    Ty::Fun,
];

/// Result types of functions and statements.
const RESULT_TYPES: &[Ty] = &[
    Ty::Int,
    Ty::Int,
    Ty::Int,
    Ty::Float,
    Ty::Float,
    Ty::Bool,
    Ty::Str,
    Ty::List,
    Ty::List,
    Ty::Vector,
    Ty::Tag,
];

/// Ints at the edges: the inline encoding (51 bits: -2^50 ..= 2^50 - 1),
/// 32 bits, i64, and square roots of i64::MAX (products that just fit or
/// just overflow).
const EDGE_INTS: &[i64] = &[
    1_125_899_906_842_623,
    1_125_899_906_842_624,
    -1_125_899_906_842_624,
    -1_125_899_906_842_625,
    562_949_953_421_312,
    2_251_799_813_685_248,
    i64::MAX,
    i64::MIN,
    i64::MAX - 1,
    i64::MIN + 1,
    1 << 62,
    -(1 << 62),
    3_037_000_499,
    3_037_000_500,
    -3_037_000_500,
    // Where ints stop being exact as floats.
    9_007_199_254_740_992,
    9_007_199_254_740_993,
    -9_007_199_254_740_993,
    4_294_967_296,
    2_147_483_647,
    -2_147_483_648,
    1_000_000_007,
];

const FLOATS: &[&str] = &[
    "0.0",
    "-0.0",
    "0.5",
    "1.5",
    "-2.25",
    "0.1",
    "0.2",
    "3.0",
    "-7.75",
    "100.0",
    "1e10",
    "1e300",
    "-1e-300",
    "2.5e-7",
    "1125899906842624.0",
    "9007199254740992.0",
    "9.223372036854776e18",
    "-9.223372036854776e18",
    "9.3e18",
    "-9.3e18",
    "+inf.0",
    "-inf.0",
    "+nan.0",
];

const STRINGS: &[&str] = &[
    "\"\"",
    "\"a\"",
    "\"abc\"",
    "\"hello world\"",
    "\"héllo→\"",
    "\"日本\"",
    "\"x\\ny\"",
    "\"Zz9\"",
];

/// Names of errors raised with `error`.
const MESSAGES: &[&str] = &["\"bad\"", "\"oops\"", "\"too big\"", "\"négatif\""];

/// Calls (times the enclosing loops' iterations) a call site may cost.
const BUDGET: u64 = 3000;

struct Var {
    name: String,
    ty: Ty,
    /// Loop counters are not assigned (that could make a loop endless).
    mutable: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Plain,
    /// The first parameter counts down to 0 and callers pass at most
    /// this much.
    Bounded(u32),
}

#[derive(Clone, Debug)]
struct Func {
    name: String,
    /// The fixed parameters.
    params: Vec<Ty>,
    /// Whether it takes more arguments, as a list.
    rest: bool,
    ret: Ty,
    kind: Kind,
    /// Estimated calls and loop iterations of one call.
    cost: u64,
}

struct Gen {
    rng: Rng,
    /// Typed local variables in scope.
    scope: Vec<Var>,
    /// Top-level functions defined so far (callable).
    funcs: Vec<Func>,
    /// Top-level int variables (assigned with `set!`).
    globals: Vec<String>,
    fresh: usize,
    /// Iterations of the enclosing loops, per call of the function being
    /// generated.
    mult: u64,
    /// Estimated cost of the function being generated so far.
    cost: u64,
    /// Appended to every name, so that the programs of a batch do not
    /// clash.
    tag: String,
}

impl Gen {
    fn new(seed: u64, tag: &str) -> Gen {
        Gen {
            tag: tag.to_string(),
            rng: Rng::new(seed),
            scope: Vec::new(),
            funcs: Vec::new(),
            globals: Vec::new(),
            fresh: 0,
            mult: 1,
            cost: 0,
        }
    }

    fn fresh(&mut self, stem: &str) -> String {
        self.fresh += 1;
        format!("{stem}{}{}", self.fresh, self.tag)
    }

    /// Runs `f` with `vars` in scope.
    fn bind<T>(&mut self, vars: &[(String, Ty)], f: impl FnOnce(&mut Gen) -> T) -> T {
        self.bind_loop(None, vars, f)
    }

    /// Runs `f` with the loop counter `counter` (an int that is never
    /// assigned) and `vars` in scope.
    fn bind_loop<T>(
        &mut self,
        counter: Option<&str>,
        vars: &[(String, Ty)],
        f: impl FnOnce(&mut Gen) -> T,
    ) -> T {
        let mark = self.scope.len();
        if let Some(c) = counter {
            self.scope.push(Var {
                name: c.to_string(),
                ty: Ty::Int,
                mutable: false,
            });
        }
        for (name, ty) in vars {
            self.scope.push(Var {
                name: name.clone(),
                ty: *ty,
                mutable: true,
            });
        }
        let r = f(self);
        self.scope.truncate(mark);
        r
    }

    /// Runs `f` as the body of a loop of `k` iterations.
    fn looped<T>(&mut self, k: u64, f: impl FnOnce(&mut Gen) -> T) -> T {
        let saved = self.mult;
        self.mult = self.mult.saturating_mul(k.max(1));
        self.cost = self.cost.saturating_add(self.mult);
        let r = f(self);
        self.mult = saved;
        r
    }

    /// A variable of type `ty` in scope, if any.
    /// `e`, truncated by `cap` if it is a string, list or vector: what a
    /// loop or a recursion accumulates, or an assignment stores, must
    /// not double at every step.
    fn capped(ty: Ty, e: Sx) -> Sx {
        match ty {
            Ty::Str | Ty::List | Ty::Vector => l([a("cap"), e]),
            _ => e,
        }
    }

    fn var_of(&mut self, ty: Ty) -> Option<String> {
        self.pick_var(|v| v.ty == ty)
    }

    /// A variable of type `ty` that may be assigned, if any.
    fn mutable_var_of(&mut self, ty: Ty) -> Option<String> {
        self.pick_var(|v| v.ty == ty && v.mutable)
    }

    fn pick_var(&mut self, ok: impl Fn(&Var) -> bool) -> Option<String> {
        let n = self.scope.iter().filter(|v| ok(v)).count();
        if n == 0 {
            return None;
        }
        let k = self.rng.below(n);
        self.scope
            .iter()
            .filter(|v| ok(v))
            .nth(k)
            .map(|v| v.name.clone())
    }

    fn int_lit(&mut self) -> String {
        match self.rng.below(10) {
            0..=5 => (self.rng.below(31) as i64 - 10).to_string(),
            6 | 7 => self.rng.choose(EDGE_INTS).to_string(),
            _ => {
                let e = self.rng.choose(EDGE_INTS);
                let off = self.rng.below(5) as i64 - 2;
                e.checked_add(off).unwrap_or(e).to_string()
            }
        }
    }

    fn small(&mut self, n: usize) -> Sx {
        a(self.rng.below(n).to_string())
    }

    fn float_lit(&mut self) -> String {
        if self.rng.one_in(3) {
            format!(
                "{}.{}",
                self.rng.below(100) as i64 - 30,
                self.rng.below(100)
            )
        } else {
            self.rng.choose(FLOATS).to_string()
        }
    }

    fn literal(&mut self, ty: Ty) -> Sx {
        match ty {
            Ty::Int => a(self.int_lit()),
            Ty::Float => a(self.float_lit()),
            Ty::Bool => a(self.rng.choose(&["#t", "#f"])),
            Ty::Str => a(self.rng.choose(STRINGS)),
            Ty::List => match self.rng.below(5) {
                0 => a("'()"),
                1 => a(self
                    .rng
                    .choose(&["'(1 2 3)", "'(5 -3 8 0)", "'(1125899906842623 1)"])),
                2 => l([a("range"), self.small(6)]),
                3 => lv(vec![a("list"), a(self.int_lit()), a(self.int_lit())]),
                _ => {
                    let n = self.rng.below(4);
                    let mut xs = vec![a("list")];
                    for _ in 0..n {
                        xs.push(a(self.int_lit()));
                    }
                    lv(xs)
                }
            },
            Ty::Vector => match self.rng.below(4) {
                0 => a("#(1 2 3)"),
                1 => l([a("make-vector"), self.small(5), a(self.int_lit())]),
                _ => {
                    let n = 1 + self.rng.below(3);
                    let mut xs = vec![a("vector")];
                    for _ in 0..n {
                        xs.push(a(self.int_lit()));
                    }
                    lv(xs)
                }
            },
            Ty::Tag => match self.rng.below(3) {
                0 => l([a("None")]),
                1 => l([a("Some"), a(self.int_lit())]),
                _ => l([a("Pair"), a(self.int_lit()), a(self.int_lit())]),
            },
            Ty::Fun => {
                let x = self.fresh("x");
                let op = self.rng.choose(&["+", "-", "*"]);
                l([
                    a("lambda"),
                    l([a(&x)]),
                    l([a(op), a(&x), a(self.int_lit())]),
                ])
            }
        }
    }

    fn leaf(&mut self, ty: Ty) -> Sx {
        if ty == Ty::Int && !self.globals.is_empty() && self.rng.one_in(8) {
            let g = self.rng.below(self.globals.len());
            return a(&self.globals[g]);
        }
        if !self.rng.one_in(3)
            && let Some(v) = self.var_of(ty)
        {
            return a(v);
        }
        self.literal(ty)
    }

    fn expr(&mut self, ty: Ty, depth: u32) -> Sx {
        if depth == 0 || self.rng.one_in(5) {
            return self.leaf(ty);
        }
        let d = depth - 1;
        match self.rng.below(16) {
            0 => l([
                a("if"),
                self.expr(Ty::Bool, d),
                self.expr(ty, d),
                self.expr(ty, d),
            ]),
            1 => self.let_form(ty, d),
            2 | 3 => match self.call(ty, d) {
                Some(c) => c,
                None => self.typed(ty, d),
            },
            4 | 5 => self.control(ty, d),
            _ => self.typed(ty, d),
        }
    }

    fn i(&mut self, d: u32) -> Sx {
        self.expr(Ty::Int, d)
    }

    fn f(&mut self, d: u32) -> Sx {
        self.expr(Ty::Float, d)
    }

    fn b(&mut self, d: u32) -> Sx {
        self.expr(Ty::Bool, d)
    }

    fn s(&mut self, d: u32) -> Sx {
        self.expr(Ty::Str, d)
    }

    fn li(&mut self, d: u32) -> Sx {
        self.expr(Ty::List, d)
    }

    fn v(&mut self, d: u32) -> Sx {
        self.expr(Ty::Vector, d)
    }

    /// An int or a float.
    fn num(&mut self, d: u32) -> Sx {
        if self.rng.one_in(3) {
            self.f(d)
        } else {
            self.i(d)
        }
    }

    fn typed(&mut self, ty: Ty, d: u32) -> Sx {
        match ty {
            Ty::Int => self.int_expr(d),
            Ty::Float => self.float_expr(d),
            Ty::Bool => self.bool_expr(d),
            Ty::Str => self.str_expr(d),
            Ty::List => self.list_expr(d),
            Ty::Vector => self.vec_expr(d),
            Ty::Tag => self.tag_expr(d),
            Ty::Fun => self.fun_expr(d),
        }
    }

    /// `(lambda (x ...) body)` with the parameters of types `params` in
    /// scope, called about `calls` times.
    fn lambda(&mut self, params: &[Ty], ret: Ty, calls: u64, d: u32) -> Sx {
        let vars: Vec<(String, Ty)> = params.iter().map(|&t| (self.fresh("x"), t)).collect();
        let names = lv(vars.iter().map(|(n, _)| a(n)).collect());
        let body = self.looped(calls, |g| g.bind(&vars, |g| g.expr(ret, d)));
        l([a("lambda"), names, body])
    }

    fn let_form(&mut self, ty: Ty, d: u32) -> Sx {
        let n = 1 + self.rng.below(2);
        let star = self.rng.one_in(2);
        let mut binds = Vec::new();
        let mut vars = Vec::new();
        for _ in 0..n {
            let t = self.rng.choose(PARAM_TYPES);
            let name = self.fresh("y");
            let init = if star {
                self.bind(&vars, |g| g.expr(t, d))
            } else {
                self.expr(t, d)
            };
            binds.push(l([a(&name), init]));
            vars.push((name, t));
        }
        let body = self.bind(&vars, |g| g.expr(ty, d));
        l([a(if star { "let*" } else { "let" }), lv(binds), body])
    }

    /// A statement for effect, before a `begin`'s value.
    fn side_effect(&mut self, d: u32) -> Sx {
        match self.rng.below(6) {
            0 => l([a("display"), self.num(d)]),
            1 if !self.globals.is_empty() => {
                let g = self.globals[self.rng.below(self.globals.len())].clone();
                l([a("set!"), a(&g), l([a("+"), a(&g), self.i(d)])])
            }
            2 if self.scope.iter().any(|v| v.mutable) => {
                let ty = self.rng.choose(PARAM_TYPES);
                match self.mutable_var_of(ty) {
                    Some(name) => l([a("set!"), a(name), Gen::capped(ty, self.expr(ty, d))]),
                    None => l([a("display"), self.i(d)]),
                }
            }
            3 => l([a("vector-set!"), self.v(d), a("0"), self.i(d)]),
            4 => l([a("when"), self.b(d), l([a("raise"), self.i(d)])]),
            _ => l([a("display"), self.s(d)]),
        }
    }

    /// An expression that fails at run time.
    fn fault(&mut self, d: u32) -> Sx {
        match self.rng.below(11) {
            0 => l([a("raise"), self.i(d)]),
            1 => l([a("raise"), self.s(d)]),
            2 => l([a("error"), a(self.rng.choose(MESSAGES)), self.i(d)]),
            3 => l([
                a("error"),
                a(self.rng.choose(MESSAGES)),
                self.i(d),
                self.li(d),
            ]),
            4 => l([a("car"), a("'()")]),
            5 => l([a("vector-ref"), self.v(d), a("10")]),
            6 => l([a("+"), self.i(d), self.s(d)]),
            7 => l([a("*"), a("3037000500"), a("-3037000500"), self.i(d)]),
            8 => l([a("quotient"), self.i(d), a("0")]),
            9 => l([l([a("lambda"), l([a("x")]), a("x")])]),
            _ => l([a("match"), self.i(d), l([a("0"), a("0")])]),
        }
    }

    /// Generic control forms producing a `ty`.
    fn control(&mut self, ty: Ty, d: u32) -> Sx {
        match self.rng.below(12) {
            0 => l([
                a("cond"),
                l([self.b(d), self.expr(ty, d)]),
                l([self.b(d), self.expr(ty, d)]),
                l([a("else"), self.expr(ty, d)]),
            ]),
            1 => l([
                a("case"),
                self.i(d),
                l([l([a("0"), a("1")]), self.expr(ty, d)]),
                l([l([a("2"), a("3"), a("4")]), self.expr(ty, d)]),
                l([a("else"), self.expr(ty, d)]),
            ]),
            2 => {
                let body = self.expr(ty, d);
                self.try_form(body, ty, d)
            }
            3 => {
                let body = l([
                    a("begin"),
                    l([a("if"), self.b(d), self.fault(d), a("#f")]),
                    self.expr(ty, d),
                ]);
                self.try_form(body, ty, d)
            }
            4 => self.named_loop(ty, d),
            5 => self.do_loop(ty, d),
            6 => l([a("begin"), self.side_effect(d), self.expr(ty, d)]),
            7 => {
                // A local function: a closure over the enclosing scope.
                let h = self.fresh("h");
                let y = self.fresh("y");
                let hbody = self.looped(2, |g| g.bind(&[(y.clone(), Ty::Int)], |g| g.i(d)));
                let def = l([a("define"), l([a(&h), a(&y)]), hbody]);
                let body = self.bind(&[(h, Ty::Fun)], |g| g.expr(ty, d));
                l([a("let"), l([]), def, body])
            }
            8 => self.match_tag(ty, d),
            9 => self.match_list(ty, d),
            10 => self.match_int(ty, d),
            _ => {
                // A value computed with the counter a closure keeps.
                let c = self.fresh("c");
                let g = self.fresh("g");
                let x = self.fresh("x");
                let bump = l([
                    a("lambda"),
                    l([a(&x)]),
                    l([a("set!"), a(&c), l([a("+"), a(&c), a(&x)])]),
                    a(&c),
                ]);
                let init = self.i(d);
                let body = self.bind(&[(c.clone(), Ty::Int), (g.clone(), Ty::Fun)], |gn| {
                    l([
                        a("begin"),
                        l([a(&g), gn.i(d)]),
                        l([a(&g), gn.i(d)]),
                        gn.expr(ty, d),
                    ])
                });
                l([
                    a("let"),
                    l([l([a(&c), init])]),
                    l([a("let"), l([l([a(&g), bump])]), body]),
                ])
            }
        }
    }

    fn try_form(&mut self, body: Sx, ty: Ty, d: u32) -> Sx {
        let e = self.fresh("e");
        let handler = match ty {
            Ty::Int if self.rng.one_in(2) => l([
                a("if"),
                l([a("error-object?"), a(&e)]),
                l([a("length"), l([a("error-object-irritants"), a(&e)])]),
                l([a("if"), l([a("integer?"), a(&e)]), a(&e), a("-1")]),
            ]),
            Ty::Str if self.rng.one_in(2) => l([
                a("if"),
                l([a("error-object?"), a(&e)]),
                l([a("error-object-message"), a(&e)]),
                a("\"raised\""),
            ]),
            _ => self.expr(ty, d),
        };
        l([a("try"), body, l([a("catch"), a(&e), handler])])
    }

    /// Iterations of a loop: few mostly, sometimes enough for a loop
    /// still interpreted to go native in the middle (on-stack
    /// replacement after `threshold * 100` back-edges); within the budget
    /// of what the enclosing loops and recursions already repeat.
    fn loop_count(&mut self) -> u64 {
        let k = match self.rng.below(16) {
            0 | 1 => 0,
            2..=10 => self.rng.below(8) as u64,
            11..=14 => 10 + self.rng.below(30) as u64,
            _ => 300 + self.rng.below(900) as u64,
        };
        k.min((BUDGET / self.mult).max(1))
    }

    /// `(let loop ((i 0) (acc init)) (if (>= i k) acc (loop (+ i 1) step)))`
    fn named_loop(&mut self, ty: Ty, d: u32) -> Sx {
        let (lp, i, acc) = (self.fresh("loop"), self.fresh("i"), self.fresh("acc"));
        let k = self.loop_count();
        let init = self.expr(ty, d);
        let vars = [(acc.clone(), ty)];
        let step = self.looped(k, |g| g.bind_loop(Some(&i), &vars, |g| g.expr(ty, d)));
        let step = Gen::capped(ty, step);
        let test = if self.rng.one_in(2) {
            l([a(">="), a(&i), a(k.to_string())])
        } else {
            l([a("="), a(&i), a(k.to_string())])
        };
        let again = l([a(&lp), l([a("+"), a(&i), a("1")]), step]);
        let body = if self.rng.one_in(3) {
            // The recursive call in the else branch of a cond, after a
            // test that may leave early.
            let early = self.looped(k, |g| g.bind_loop(Some(&i), &vars, |g| g.b(d.min(1))));
            l([
                a("cond"),
                l([test, a(&acc)]),
                l([early, a(&acc)]),
                l([a("else"), again]),
            ])
        } else {
            l([a("if"), test, a(&acc), again])
        };
        l([
            a("let"),
            a(&lp),
            l([l([a(&i), a("0")]), l([a(&acc), init])]),
            body,
        ])
    }

    /// `(do ((i 0 (+ i 1)) (acc init step)) ((>= i k) acc))`
    fn do_loop(&mut self, ty: Ty, d: u32) -> Sx {
        let (i, acc) = (self.fresh("i"), self.fresh("acc"));
        let k = self.loop_count();
        let init = self.expr(ty, d);
        let vars = [(acc.clone(), ty)];
        let step = self.looped(k, |g| g.bind_loop(Some(&i), &vars, |g| g.expr(ty, d)));
        let step = Gen::capped(ty, step);
        l([
            a("do"),
            l([
                l([a(&i), a("0"), l([a("+"), a(&i), a("1")])]),
                l([a(&acc), init, step]),
            ]),
            l([l([a(">="), a(&i), a(k.to_string())]), a(&acc)]),
        ])
    }

    fn match_tag(&mut self, ty: Ty, d: u32) -> Sx {
        let scrutinee = self.expr(Ty::Tag, d);
        let (v, x, y, w) = (
            self.fresh("v"),
            self.fresh("x"),
            self.fresh("y"),
            self.fresh("w"),
        );
        let mut clauses = vec![a("match"), scrutinee];
        let some = self.bind(&[(v.clone(), Ty::Int)], |g| g.expr(ty, d));
        if self.rng.one_in(3) {
            clauses.push(l([
                l([a("as"), a(&w), l([a("Some"), a(&v)])]),
                l([a("when"), l([a(">"), a(&v), a("0")])]),
                some,
            ]));
        } else {
            clauses.push(l([l([a("Some"), a(&v)]), some]));
        }
        clauses.push(l([l([a("None")]), self.expr(ty, d)]));
        if !self.rng.one_in(6) {
            // Leaving this out makes `(Pair ...)` fail to match.
            let pair = self.bind(&[(x.clone(), Ty::Int), (y.clone(), Ty::Int)], |g| {
                g.expr(ty, d)
            });
            clauses.push(l([l([a("Pair"), a(&x), a(&y)]), pair]));
        }
        if self.rng.one_in(3) {
            clauses.push(l([a("_"), self.expr(ty, d)]));
        }
        lv(clauses)
    }

    fn match_list(&mut self, ty: Ty, d: u32) -> Sx {
        let (h, t, x, y) = (
            self.fresh("h"),
            self.fresh("t"),
            self.fresh("x"),
            self.fresh("y"),
        );
        let two = [(x.clone(), Ty::Int), (y.clone(), Ty::Int)];
        let cons = [(h.clone(), Ty::Int), (t.clone(), Ty::List)];
        match self.rng.below(4) {
            0 => l([
                a("match"),
                self.li(d),
                l([a("()"), self.expr(ty, d)]),
                l([
                    l([a(&h), a("."), a(&t)]),
                    self.bind(&cons, |g| g.expr(ty, d)),
                ]),
            ]),
            1 => l([
                a("match"),
                self.li(d),
                l([
                    l([a("list"), a(&x), a(&y)]),
                    self.bind(&two, |g| g.expr(ty, d)),
                ]),
                l([
                    l([a("Cons"), a(&h), a(&t)]),
                    self.bind(&cons, |g| g.expr(ty, d)),
                ]),
                l([a("Nil"), self.expr(ty, d)]),
            ]),
            2 => l([
                a("match"),
                self.v(d),
                l([a(format!("#({x} {y})")), self.bind(&two, |g| g.expr(ty, d))]),
                l([a("_"), self.expr(ty, d)]),
            ]),
            _ => l([
                a("match"),
                self.li(d),
                l([
                    l([a(&h), a("."), a(&t)]),
                    l([a("when"), l([a("pair?"), a(&t)])]),
                    self.bind(&cons, |g| g.expr(ty, d)),
                ]),
                l([a("_"), self.expr(ty, d)]),
            ]),
        }
    }

    fn match_int(&mut self, ty: Ty, d: u32) -> Sx {
        let (n, m) = (self.fresh("n"), self.fresh("m"));
        let mut clauses = vec![
            a("match"),
            self.i(d),
            l([a("0"), self.expr(ty, d)]),
            l([l([a("or"), a("1"), a("2")]), self.expr(ty, d)]),
            l([
                a(&n),
                l([a("when"), l([a(">"), a(&n), a("100")])]),
                self.bind(&[(n.clone(), Ty::Int)], |g| g.expr(ty, d)),
            ]),
            l([
                l([a("?"), a("even?"), a(&m)]),
                self.bind(&[(m.clone(), Ty::Int)], |g| g.expr(ty, d)),
            ]),
        ];
        if !self.rng.one_in(5) {
            clauses.push(l([a("_"), self.expr(ty, d)]));
        }
        lv(clauses)
    }

    fn int_expr(&mut self, d: u32) -> Sx {
        match self.rng.below(36) {
            0..=5 => {
                let op = self.rng.choose(&["+", "-", "*", "+", "-"]);
                l([a(op), self.i(d), self.i(d)])
            }
            6 => {
                let op = self.rng.choose(&["+", "-", "*"]);
                l([a(op), self.i(d), self.i(d), self.i(d)])
            }
            7 => l([a("-"), self.i(d)]),
            8 => {
                let op = self.rng.choose(&["+", "-"]);
                let k = self.rng.choose(&["1", "2", "-1", "1000"]);
                l([a(op), self.i(d), a(k)])
            }
            9 => {
                let op = self.rng.choose(&["quotient", "remainder", "modulo"]);
                let divisor = if self.rng.one_in(3) {
                    self.i(d)
                } else {
                    a(self.rng.choose(&["3", "-7", "2", "1000000007", "-1"]))
                };
                l([a(op), self.i(d), divisor])
            }
            10 => l([a(self.rng.choose(&["abs", "square"])), self.i(d)]),
            11 => l([a(self.rng.choose(&["min", "max"])), self.i(d), self.i(d)]),
            12 => l([a("length"), self.li(d)]),
            13 => match self.rng.below(2) {
                0 => l([a("vector-length"), self.v(d)]),
                _ => l([a("string-length"), self.s(d)]),
            },
            14 => {
                let vv = self.fresh("v");
                let init = self.v(d);
                let idx = self.i(d);
                l([
                    a("let"),
                    l([l([a(&vv), init])]),
                    l([
                        a("vector-ref"),
                        a(&vv),
                        l([
                            a("modulo"),
                            idx,
                            l([a("max"), a("1"), l([a("vector-length"), a(&vv)])]),
                        ]),
                    ]),
                ])
            }
            15 => match self.rng.below(3) {
                0 => l([a("car"), self.li(d)]),
                1 => l([a("cadr"), self.li(d)]),
                _ => l([a("list-ref"), self.li(d), self.small(3)]),
            },
            16 => {
                let f = self.lambda(&[Ty::Int, Ty::Int], Ty::Int, 5, d);
                l([a("fold-left"), f, self.i(d), self.li(d)])
            }
            17 => {
                let f = self.lambda(&[Ty::Int, Ty::Int], Ty::Int, 5, d);
                l([a("fold-right"), f, self.i(d), self.li(d)])
            }
            18 => match self.rng.below(3) {
                0 => l([a("reduce"), a("+"), a("0"), self.li(d)]),
                1 => l([a("apply"), a("+"), self.li(d)]),
                _ => l([a("apply"), a("max"), l([a("cons"), a("0"), self.li(d)])]),
            },
            19 => l([
                a("char->integer"),
                l([a("string-ref"), self.s(d), self.small(2)]),
            ]),
            20 => {
                let r = self.rng.choose(&["round", "floor", "truncate", "ceiling"]);
                l([a("exact"), l([a(r), self.f(d)])])
            }
            21 => {
                // A closure accumulates into a captured variable.
                let acc = self.fresh("acc");
                let init = self.i(d);
                let x = self.fresh("x");
                let step = self.looped(5, |g| {
                    g.bind(&[(acc.clone(), Ty::Int), (x.clone(), Ty::Int)], |g| g.i(d))
                });
                let lst = self.li(d);
                l([
                    a("let"),
                    l([l([a(&acc), init])]),
                    l([
                        a("for-each"),
                        l([a("lambda"), l([a(&x)]), l([a("set!"), a(&acc), step])]),
                        lst,
                    ]),
                    a(&acc),
                ])
            }
            22 => {
                let vv = self.fresh("v");
                let init = self.v(d);
                let x = self.i(d);
                l([
                    a("let"),
                    l([l([a(&vv), init])]),
                    l([a("vector-set!"), a(&vv), a("0"), x]),
                    l([a("vector-ref"), a(&vv), a("0")]),
                ])
            }
            23 if !self.globals.is_empty() => {
                let g = self.globals[self.rng.below(self.globals.len())].clone();
                l([
                    a("begin"),
                    l([a("set!"), a(&g), l([a("+"), a(&g), self.i(d)])]),
                    a(&g),
                ])
            }
            24 => match self.mutable_var_of(Ty::Int) {
                Some(x) => l([a("begin"), l([a("set!"), a(&x), self.i(d)]), a(&x)]),
                None => self.i(d),
            },
            25 => l([self.fun_expr(d), self.i(d)]),
            26 if self.rng.one_in(3) => self.fault(d),
            27 => l([
                a("expt"),
                a(self.rng.choose(&["2", "-3", "10"])),
                self.small(66),
            ]),
            28 => self.named_loop(Ty::Int, d),
            29 => l([a(self.rng.choose(&["gcd", "lcm"])), self.i(d), self.i(d)]),
            30 => match self.var_of(Ty::Fun) {
                Some(f) => l([a(f), self.i(d)]),
                None => self.i(d),
            },
            _ => l([a("+"), self.i(d), self.i(d)]),
        }
    }

    fn float_expr(&mut self, d: u32) -> Sx {
        match self.rng.below(16) {
            0..=3 => {
                let op = self.rng.choose(&["+", "-", "*", "/"]);
                l([a(op), self.f(d), self.f(d)])
            }
            4 | 5 => {
                let op = self.rng.choose(&["+", "-", "*", "/"]);
                if self.rng.one_in(2) {
                    l([a(op), self.f(d), self.i(d)])
                } else {
                    l([a(op), self.i(d), self.f(d)])
                }
            }
            6 => l([
                a(self.rng.choose(&["exact->inexact", "inexact"])),
                self.i(d),
            ]),
            7 => l([a(self.rng.choose(&["sqrt", "abs", "-"])), self.f(d)]),
            8 => {
                let r = self.rng.choose(&["round", "floor", "truncate", "ceiling"]);
                l([a(r), self.f(d)])
            }
            9 => l([a(self.rng.choose(&["min", "max"])), self.f(d), self.num(d)]),
            10 => l([a("fold-left"), a("+"), a("0.5"), self.li(d)]),
            11 => a(self.rng.choose(&[
                "(- +inf.0 +inf.0)",
                "(* 0.0 +inf.0)",
                "(/ 0.0 0.0)",
                "(sqrt -1.0)",
                "(- (/ 0.0 0.0))",
            ])),
            12 => l([a("*"), a("1.0"), self.i(d)]),
            13 => l([
                a(self.rng.choose(&["exp", "sin", "atan", "log"])),
                self.f(d),
            ]),
            14 => l([a("expt"), self.f(d), self.small(4)]),
            _ => self.named_loop(Ty::Float, d),
        }
    }

    fn bool_expr(&mut self, d: u32) -> Sx {
        match self.rng.below(16) {
            0..=3 => {
                let op = self.rng.choose(&["<", "<=", ">", ">=", "="]);
                l([a(op), self.num(d), self.num(d)])
            }
            4 => {
                let op = self.rng.choose(&["<", "<=", "="]);
                l([a(op), self.i(d), self.i(d), self.i(d)])
            }
            5 => {
                let op = self.rng.choose(&["eq?", "eqv?", "equal?"]);
                l([a(op), self.i(d), self.i(d)])
            }
            6 => {
                let t = self
                    .rng
                    .choose(&[Ty::List, Ty::Tag, Ty::Vector, Ty::Str, Ty::Float]);
                let op = self.rng.choose(&["equal?", "eqv?"]);
                l([a(op), self.expr(t, d), self.expr(t, d)])
            }
            7 => l([a(self.rng.choose(&["null?", "pair?", "list?"])), self.li(d)]),
            8 => {
                let p = self
                    .rng
                    .choose(&["zero?", "even?", "odd?", "positive?", "negative?"]);
                l([a(p), self.i(d)])
            }
            9 => l([a("not"), self.b(d)]),
            10 => l([a(self.rng.choose(&["and", "or"])), self.b(d), self.b(d)]),
            11 => l([
                a(self.rng.choose(&["string=?", "string<?"])),
                self.s(d),
                self.s(d),
            ]),
            12 => {
                let t = self.rng.choose(PARAM_TYPES);
                let p = self.rng.choose(&[
                    "integer?",
                    "float?",
                    "number?",
                    "string?",
                    "vector?",
                    "procedure?",
                    "pair?",
                    "tagged?",
                ]);
                l([a(p), self.expr(t, d)])
            }
            13 => l([
                a("if"),
                l([a("member"), self.i(d), self.li(d)]),
                a("#t"),
                a("#f"),
            ]),
            14 => {
                let f = self.lambda(&[Ty::Int], Ty::Bool, 5, d);
                l([a(self.rng.choose(&["any", "every"])), f, self.li(d)])
            }
            _ => l([a(self.rng.choose(&["nan?", "infinite?"])), self.f(d)]),
        }
    }

    fn str_expr(&mut self, d: u32) -> Sx {
        match self.rng.below(9) {
            0 | 1 => l([a("string-append"), self.s(d), self.s(d)]),
            2 => l([a("number->string"), self.num(d)]),
            3 => {
                let s = self.fresh("s");
                let init = self.s(d);
                l([
                    a("let"),
                    l([l([a(&s), init])]),
                    l([
                        a("substring"),
                        a(&s),
                        a("0"),
                        l([a("min"), self.small(4), l([a("string-length"), a(&s)])]),
                    ]),
                ])
            }
            4 => l([
                a(self.rng.choose(&["string-upcase", "string-downcase"])),
                self.s(d),
            ]),
            5 => l([
                a("symbol->string"),
                a(self.rng.choose(&["'abc", "'x-y", "'λ"])),
            ]),
            6 => l([a("list->string"), a("(list #\\a #\\é #\\z)")]),
            7 => {
                let body = self.fault(d);
                self.try_form(body, Ty::Str, d)
            }
            _ => l([a("string"), a("#\\q"), a("#\\→")]),
        }
    }

    fn list_expr(&mut self, d: u32) -> Sx {
        match self.rng.below(16) {
            0 | 1 => l([a("cons"), self.i(d), self.li(d)]),
            2 => l([a("list"), self.i(d), self.i(d), self.i(d)]),
            3 => l([a("append"), self.li(d), self.li(d)]),
            4 => l([a("reverse"), self.li(d)]),
            5 => {
                let f = self.lambda(&[Ty::Int], Ty::Int, 5, d);
                l([a("map"), f, self.li(d)])
            }
            6 => {
                let f = self.lambda(&[Ty::Int, Ty::Int], Ty::Int, 5, d);
                l([a("map"), f, self.li(d), self.li(d)])
            }
            7 => {
                let f = self.lambda(&[Ty::Int], Ty::Bool, 5, d);
                l([a(self.rng.choose(&["filter", "remove"])), f, self.li(d)])
            }
            8 => l([a("cdr"), self.li(d)]),
            9 => l([a("range"), l([a("min"), self.i(d), a("8")])]),
            10 => l([a("vector->list"), self.v(d)]),
            11 => l([a("list-tail"), self.li(d), self.small(3)]),
            12 => {
                if self.rng.one_in(2) {
                    l([a("sort"), self.li(d), a("<")])
                } else {
                    l([a("list-sort"), a(">"), self.li(d)])
                }
            }
            13 => l([a("or"), l([a("member"), self.i(d), self.li(d)]), a("'()")]),
            14 => l([a("list-copy"), self.li(d)]),
            _ => self.named_loop(Ty::List, d),
        }
    }

    fn vec_expr(&mut self, d: u32) -> Sx {
        match self.rng.below(8) {
            0 => l([a("vector"), self.i(d), self.i(d)]),
            1 => l([a("make-vector"), self.small(5), self.i(d)]),
            2 => l([a("list->vector"), self.li(d)]),
            3 => {
                let vv = self.fresh("v");
                let init = self.v(d);
                let (idx, x) = (self.i(d), self.i(d));
                l([
                    a("let"),
                    l([l([a(&vv), init])]),
                    l([
                        a("vector-set!"),
                        a(&vv),
                        l([a("modulo"), idx, l([a("vector-length"), a(&vv)])]),
                        x,
                    ]),
                    a(&vv),
                ])
            }
            4 => {
                let vv = self.fresh("v");
                let init = self.v(d);
                let x = self.i(d);
                l([
                    a("let"),
                    l([l([a(&vv), init])]),
                    l([a("vector-fill!"), a(&vv), x]),
                    a(&vv),
                ])
            }
            5 => l([a("vector-copy"), self.v(d)]),
            6 => l([a("vector-append"), self.v(d), self.v(d)]),
            _ => {
                let f = self.lambda(&[Ty::Int], Ty::Int, 4, d);
                l([a("vector-map"), f, self.v(d)])
            }
        }
    }

    fn tag_expr(&mut self, d: u32) -> Sx {
        match self.rng.below(5) {
            0 | 1 => l([a("Some"), self.i(d)]),
            2 => l([a("None")]),
            3 => l([a("Pair"), self.i(d), self.i(d)]),
            _ => {
                let (v, x, y, o) = (
                    self.fresh("v"),
                    self.fresh("x"),
                    self.fresh("y"),
                    self.fresh("o"),
                );
                let scrutinee = self.expr(Ty::Tag, d);
                let some = self.bind(&[(v.clone(), Ty::Int)], |g| l([a("Pair"), a(&v), g.i(d)]));
                let pair = self.bind(&[(x.clone(), Ty::Int), (y.clone(), Ty::Int)], |g| {
                    l([a("Some"), g.i(d)])
                });
                l([
                    a("match"),
                    scrutinee,
                    l([l([a("Some"), a(&v)]), some]),
                    l([l([a("Pair"), a(&x), a(&y)]), pair]),
                    l([a(&o), a(&o)]),
                ])
            }
        }
    }

    fn fun_expr(&mut self, d: u32) -> Sx {
        match self.rng.below(6) {
            0 => self.lambda(&[Ty::Int], Ty::Int, 4, d),
            1 => {
                // `(lambda xs ...)`: the arguments as a list.
                let xs = self.fresh("xs");
                let body = self.looped(4, |g| g.bind(&[(xs.clone(), Ty::List)], |g| g.i(d)));
                l([a("lambda"), a(&xs), body])
            }
            5 => self.lambda(&[Ty::Int], Ty::Int, 4, d),
            2 => {
                // A counter: the closure mutates what it captured.
                let (c, x) = (self.fresh("c"), self.fresh("x"));
                let init = self.i(d);
                l([
                    a("let"),
                    l([l([a(&c), init])]),
                    l([
                        a("lambda"),
                        l([a(&x)]),
                        l([a("set!"), a(&c), l([a("+"), a(&c), a(&x)])]),
                        a(&c),
                    ]),
                ])
            }
            3 => {
                let (f, g, x) = (self.fresh("f"), self.fresh("g"), self.fresh("x"));
                let (fe, ge) = (self.fun_expr(d), self.fun_expr(d));
                l([
                    a("let"),
                    l([l([a(&f), fe]), l([a(&g), ge])]),
                    l([a("lambda"), l([a(&x)]), l([a(&f), l([a(&g), a(&x)])])]),
                ])
            }
            _ => {
                // A top-level function from an int to an int, as a value.
                let cands: Vec<String> = self
                    .funcs
                    .iter()
                    .filter(|f| {
                        f.kind == Kind::Plain
                            && f.params == [Ty::Int]
                            && f.ret == Ty::Int
                            && self.mult.saturating_mul(f.cost) <= BUDGET
                    })
                    .map(|f| f.name.clone())
                    .collect();
                if cands.is_empty() {
                    self.lambda(&[Ty::Int], Ty::Int, 4, d)
                } else {
                    a(&cands[self.rng.below(cands.len())])
                }
            }
        }
    }

    /// A call of a top-level function returning `ty`, if one is cheap
    /// enough here.
    fn call(&mut self, ty: Ty, d: u32) -> Option<Sx> {
        let cands: Vec<usize> = (0..self.funcs.len())
            .filter(|&k| {
                self.funcs[k].ret == ty && self.mult.saturating_mul(self.funcs[k].cost) <= BUDGET
            })
            .collect();
        if cands.is_empty() {
            return None;
        }
        let f = self.funcs[cands[self.rng.below(cands.len())]].clone();
        self.cost = self.cost.saturating_add(self.mult.saturating_mul(f.cost));
        Some(self.call_of(&f, d, false))
    }

    /// A call of `f` with generated arguments; `deep` passes a bounded
    /// function its bound.
    fn call_of(&mut self, f: &Func, d: u32, deep: bool) -> Sx {
        let mut args = Vec::new();
        for (k, &p) in f.params.iter().enumerate() {
            match f.kind {
                Kind::Bounded(bound) if k == 0 => {
                    if deep {
                        args.push(a(bound.to_string()));
                    } else {
                        args.push(l([a("min"), self.i(d), a(bound.min(25).to_string())]));
                    }
                }
                _ => args.push(self.expr(p, d)),
            }
        }
        if f.rest {
            for _ in 0..self.rng.below(4) {
                args.push(self.i(d));
            }
        }
        if self.rng.one_in(40) {
            // One argument too many or too few: an arity error (of a call
            // in tail position, often).
            if args.is_empty() || self.rng.one_in(2) {
                args.push(a("0"));
            } else {
                args.pop();
            }
        }
        match self.rng.below(10) {
            0 => {
                let mut list = vec![a("list")];
                list.extend(args);
                l([a("apply"), a(&f.name), lv(list)])
            }
            1 => {
                let h = self.fresh("h");
                let mut call = vec![a(&h)];
                call.extend(args);
                l([a("let"), l([l([a(&h), a(&f.name)])]), lv(call)])
            }
            _ => {
                let mut call = vec![a(&f.name)];
                call.extend(args);
                lv(call)
            }
        }
    }

    fn start_function(&mut self) {
        self.scope.clear();
        self.mult = 1;
        self.cost = 1;
    }

    fn params(&mut self, n: usize) -> Vec<(String, Ty)> {
        (0..n)
            .map(|_| (self.fresh("p"), self.rng.choose(PARAM_TYPES)))
            .collect()
    }

    fn define(name: &str, params: &[(String, Ty)], body: Vec<Sx>) -> Sx {
        let mut head = vec![a(name)];
        head.extend(params.iter().map(|(p, _)| a(p)));
        let mut form = vec![a("define"), lv(head)];
        form.extend(body);
        lv(form)
    }

    /// A function of 0 to 3 parameters (and maybe a rest parameter):
    /// maybe an internal definition
    /// and a side effect, then an expression.
    fn plain_function(&mut self, out: &mut Vec<Sx>) {
        self.start_function();
        let name = self.fresh("f");
        let n = self.rng.below(4);
        let mut params = self.params(n);
        // Maybe variadic: the extra arguments as a list.
        let rest = self.rng.one_in(5).then(|| self.fresh("rest"));
        if let Some(r) = &rest {
            params.push((r.clone(), Ty::List));
        }
        let ret = if self.rng.one_in(12) {
            Ty::Fun
        } else {
            self.rng.choose(RESULT_TYPES)
        };
        let depth = 3 + self.rng.below(2) as u32;
        let body = self.bind(&params, |g| {
            let mut body = Vec::new();
            let mut locals = Vec::new();
            if g.rng.one_in(4) {
                let t = g.rng.choose(PARAM_TYPES);
                let x = g.fresh("x");
                body.push(l([a("define"), a(&x), g.expr(t, 2)]));
                locals.push((x, t));
            }
            g.bind(&locals, |g| {
                if g.rng.one_in(4) {
                    body.push(g.side_effect(1));
                }
                body.push(g.expr(ret, depth));
            });
            body
        });
        let mut form = Gen::define(&name, &params, body);
        if let (Some(rest), Sx::List(items)) = (&rest, &mut form)
            && let Some(Sx::List(head)) = items.get_mut(1)
        {
            // `(define (f a b . rest) ...)`
            head.pop();
            head.push(a("."));
            head.push(a(rest));
        }
        out.push(form);
        let fixed = params.len() - rest.is_some() as usize;
        self.funcs.push(Func {
            name,
            params: params[..fixed].iter().map(|(_, t)| *t).collect(),
            rest: rest.is_some(),
            ret,
            kind: Kind::Plain,
            cost: self.cost,
        });
    }

    /// The type a recursion accumulates: any, or for a deep one, a number
    /// or a boolean (a deep recursion's steps must be cheap: no list
    /// operations, no `cap`).
    fn step_type(&mut self, bound: u32) -> Ty {
        if bound > 25 {
            self.rng.choose(&[Ty::Int, Ty::Int, Ty::Float, Ty::Bool])
        } else {
            self.rng.choose(RESULT_TYPES)
        }
    }

    /// How deep the expressions of a recursion's step are.
    fn step_depth(bound: u32) -> u32 {
        if bound > 25 { 1 } else { 2 }
    }

    /// The bound of a recursive function: small mostly, sometimes deep
    /// (the JIT's native stack), rarely past `MAX_DEPTH`.
    fn recursion_bound(&mut self, tail: bool) -> u32 {
        match self.rng.below(12) {
            0 => 2000 + self.rng.below(3000) as u32,
            1 if !tail => MAX_DEPTH as u32 + 500,
            1 => 20_000,
            _ => 5 + self.rng.below(30) as u32,
        }
    }

    /// `(define (r n a) (if (<= n 0) base (let ((rv (r (- n 1) arg))) step)))`
    /// or the recursive call as an argument.
    fn recursive_function(&mut self, out: &mut Vec<Sx>) {
        self.start_function();
        let name = self.fresh("r");
        let bound = self.recursion_bound(false);
        let (n, acc, rv) = (self.fresh("n"), self.fresh("a"), self.fresh("rv"));
        let (at, ret) = (self.step_type(bound), self.step_type(bound));
        let sd = Gen::step_depth(bound);
        let params = vec![(n.clone(), Ty::Int), (acc.clone(), at)];
        let body = self.looped(bound as u64, |g| {
            g.bind(&params, |g| {
                let base = g.expr(ret, 2);
                let arg = Gen::capped(at, g.expr(at, sd));
                let rec = l([a(&name), l([a("-"), a(&n), a("1")]), arg]);
                let step = if ret == Ty::Int && g.rng.one_in(2) {
                    let op = g.rng.choose(&["+", "-", "*"]);
                    l([a(op), g.i(sd), rec])
                } else {
                    let step = g.bind(&[(rv.clone(), ret)], |g| g.expr(ret, sd));
                    let step = Gen::capped(ret, step);
                    l([a("let"), l([l([a(&rv), rec])]), step])
                };
                l([a("if"), l([a("<="), a(&n), a("0")]), base, step])
            })
        });
        out.push(Gen::define(&name, &params, vec![body]));
        let cost = self.cost;
        self.funcs.push(Func {
            name,
            params: vec![Ty::Int, at],
            rest: false,
            ret,
            kind: Kind::Bounded(bound),
            cost,
        });
    }

    /// `(define (fib n) (if (< n 2) base (+ (fib (- n 1)) (fib (- n 2)))))`
    fn tree_recursive_function(&mut self, out: &mut Vec<Sx>) {
        self.start_function();
        let name = self.fresh("fib");
        let n = self.fresh("n");
        let params = vec![(n.clone(), Ty::Int)];
        let bound = 8 + self.rng.below(6) as u32;
        let body = self.looped(1 << (bound / 2 + 1), |g| {
            g.bind(&params, |g| {
                let base = g.i(1);
                let op = g.rng.choose(&["+", "-", "*"]);
                l([
                    a("if"),
                    l([a("<"), a(&n), a("2")]),
                    base,
                    l([
                        a(op),
                        l([a(&name), l([a("-"), a(&n), a("1")])]),
                        l([a(&name), l([a("-"), a(&n), a("2")])]),
                    ]),
                ])
            })
        });
        out.push(Gen::define(&name, &params, vec![body]));
        let cost = self.cost;
        self.funcs.push(Func {
            name,
            params: vec![Ty::Int],
            rest: false,
            ret: Ty::Int,
            kind: Kind::Bounded(bound),
            cost,
        });
    }

    /// `(define (t n acc) (if (<= n 0) acc (t (- n 1) step)))`: a loop as
    /// tail recursion.
    fn tail_function(&mut self, out: &mut Vec<Sx>) {
        self.start_function();
        let name = self.fresh("t");
        let bound = self.recursion_bound(true);
        let (n, acc) = (self.fresh("n"), self.fresh("acc"));
        let ty = self.step_type(bound);
        let sd = Gen::step_depth(bound);
        let params = vec![(n.clone(), Ty::Int), (acc.clone(), ty)];
        let body = self.looped(bound as u64, |g| {
            g.bind(&params, |g| {
                let step = Gen::capped(ty, g.expr(ty, sd));
                let again = l([a(&name), l([a("-"), a(&n), a("1")]), step]);
                if g.rng.one_in(2) {
                    let other = Gen::capped(ty, g.expr(ty, 1));
                    let twice = l([a(&name), l([a("-"), a(&n), a("2")]), other]);
                    l([
                        a("cond"),
                        l([l([a("<="), a(&n), a("0")]), a(&acc)]),
                        l([l([a("even?"), a(&n)]), again]),
                        l([a("else"), twice]),
                    ])
                } else {
                    l([a("if"), l([a("<="), a(&n), a("0")]), a(&acc), again])
                }
            })
        });
        out.push(Gen::define(&name, &params, vec![body]));
        let cost = self.cost;
        self.funcs.push(Func {
            name,
            params: vec![Ty::Int, ty],
            rest: false,
            ret: ty,
            kind: Kind::Bounded(bound),
            cost,
        });
    }

    /// Two functions that tail-call each other.
    fn mutual_functions(&mut self, out: &mut Vec<Sx>) {
        self.start_function();
        let (ev, od) = (self.fresh("ev"), self.fresh("od"));
        let bound = self.recursion_bound(true);
        let ty = self.step_type(bound);
        let sd = Gen::step_depth(bound);
        for (me, other) in [(&ev, &od), (&od, &ev)] {
            let (n, acc) = (self.fresh("n"), self.fresh("acc"));
            let params = vec![(n.clone(), Ty::Int), (acc.clone(), ty)];
            let body = self.looped(bound as u64, |g| {
                g.bind(&params, |g| {
                    let base = if g.rng.one_in(2) {
                        a(&acc)
                    } else {
                        g.expr(ty, 1)
                    };
                    let step = Gen::capped(ty, g.expr(ty, sd));
                    l([
                        a("if"),
                        l([a("<="), a(&n), a("0")]),
                        base,
                        l([a(other), l([a("-"), a(&n), a("1")]), step]),
                    ])
                })
            });
            out.push(Gen::define(me, &params, vec![body]));
        }
        let cost = self.cost;
        for name in [ev, od] {
            self.funcs.push(Func {
                name,
                params: vec![Ty::Int, ty],
                rest: false,
                ret: ty,
                kind: Kind::Bounded(bound),
                cost,
            });
        }
    }

    /// A statement of `main` that calls `f` and prints what it returns
    /// (or what it raised), maybe several times.
    fn statement(&mut self, f: &Func) -> Sx {
        self.scope.clear();
        self.mult = 1;
        // Recursion as deep as the bound, in a statement of its own.
        let deep = matches!(f.kind, Kind::Bounded(b) if b > 25) && self.rng.one_in(2);
        let call = |g: &mut Gen, deep: bool| {
            let c = g.call_of(f, 2, deep);
            if f.ret == Ty::Fun { l([c, g.i(1)]) } else { c }
        };
        let shown = |g: &mut Gen, deep: bool| {
            if g.rng.one_in(4) {
                // Through `show`, which calls a thunk inside a `try`.
                l([a("show"), l([a("lambda"), l([]), call(g, deep)])])
            } else {
                let e = g.fresh("e");
                l([
                    a("begin"),
                    l([
                        a("display"),
                        l([
                            a("try"),
                            call(g, deep),
                            l([a("catch"), a(&e), l([a("show-error"), a(&e)])]),
                        ]),
                    ]),
                    l([a("newline")]),
                ])
            }
        };
        match self.rng.below(8) {
            _ if deep => shown(self, true),
            0 => {
                let k = self.fresh("k");
                let body = self.bind_loop(Some(&k), &[], |g| shown(g, false));
                l([
                    a("for-each"),
                    l([a("lambda"), l([a(&k)]), body]),
                    l([a("range"), a((2 + self.rng.below(5)).to_string())]),
                ])
            }
            1..=3 => {
                // Repeated calls: with threshold 3, `f` tiers up mid-loop.
                let k = self.fresh("k");
                let n = 2 + self.rng.below(5);
                let body = self.bind_loop(Some(&k), &[], |g| shown(g, false));
                l([
                    a("do"),
                    l([l([a(&k), a("0"), l([a("+"), a(&k), a("1")])])]),
                    l([l([a("="), a(&k), a(n.to_string())])]),
                    body,
                ])
            }
            _ => shown(self, false),
        }
    }

    /// One program: globals, functions, and a `main` of statements that
    /// call each function, then `(main)`. Two programs in three define
    /// everything inside `main` (closures calling closures), the others at
    /// top level (calls through globals; each top-level form is one more
    /// function for the JIT to compile). With `uncaught`, maybe a last
    /// statement whose error nothing catches.
    fn program(&mut self, uncaught: bool) -> Vec<Sx> {
        let local = !self.rng.one_in(3);
        let mut defs = Vec::new();
        for _ in 0..self.rng.below(3) {
            let g = self.fresh("g");
            defs.push(l([a("define"), a(&g), a(self.int_lit())]));
            self.globals.push(g);
        }
        let nfuncs = 2 + self.rng.below(4);
        for _ in 0..nfuncs {
            match self.rng.below(12) {
                0 => self.tail_function(&mut defs),
                1 => self.recursive_function(&mut defs),
                2 => self.mutual_functions(&mut defs),
                3 => self.tree_recursive_function(&mut defs),
                _ => self.plain_function(&mut defs),
            }
        }
        let funcs = self.funcs.clone();
        let mut statements = Vec::new();
        for f in &funcs {
            statements.push(self.statement(f));
        }
        for _ in 0..self.rng.below(3) {
            let f = funcs[self.rng.below(funcs.len())].clone();
            statements.push(self.statement(&f));
        }
        if uncaught && !self.rng.one_in(4) {
            // An error nothing catches: the only way a location and a
            // backtrace get compared.
            self.scope.clear();
            self.mult = 1;
            let f = funcs[self.rng.below(funcs.len())].clone();
            let last = match self.rng.below(4) {
                0 => self.fault(1),
                1 => {
                    // A call in tail position with one argument too many.
                    let h = self.fresh("fail");
                    let mut call = self.call_of(&f, 1, false);
                    if let Sx::List(items) = &mut call {
                        items.push(a("0"));
                    }
                    defs.push(l([a("define"), l([a(&h)]), call]));
                    l([a(&h)])
                }
                2 => {
                    // A fault a few frames down a recursion.
                    let (h, n) = (self.fresh("deep"), self.fresh("n"));
                    let fault = self.fault(1);
                    let again = l([a(&h), l([a("-"), a(&n), a("1")])]);
                    defs.push(l([
                        a("define"),
                        l([a(&h), a(&n)]),
                        l([
                            a("if"),
                            l([a("<="), a(&n), a("0")]),
                            fault,
                            l([a("+"), a("1"), again]),
                        ]),
                    ]));
                    l([a(&h), self.small(5)])
                }
                _ if f.ret == Ty::Fun => self.fault(1),
                _ => self.call_of(&f, 1, false),
            };
            statements.push(l([a("display"), last]));
        }
        let main = self.fresh("main");
        let mut forms = Vec::new();
        let mut body = Vec::new();
        if local {
            body.extend(defs);
        } else {
            forms.extend(defs);
        }
        body.extend(statements);
        forms.push(Gen::define(&main, &[], body));
        forms.push(l([a(&main)]));
        forms
    }
}

/// What every batch starts with: printing a value or what was raised,
/// and `cap`, which truncates strings, lists and vectors to 24 items.
fn batch_prelude() -> Vec<Sx> {
    let cap = "(define (cap x) \
        (cond ((string? x) (if (> (string-length x) 24) (substring x 0 24) x)) \
              ((pair? x) (if (> (length x) 24) (list-head x 24) x)) \
              ((vector? x) \
               (if (> (vector-length x) 24) (list->vector (list-head (vector->list x) 24)) x)) \
              (else x)))";
    vec![
        a(cap),
        l([
            a("define"),
            l([a("show-error"), a("e")]),
            l([
                a("if"),
                l([a("error-object?"), a("e")]),
                l([
                    a("list"),
                    a("'error"),
                    l([a("error-object-message"), a("e")]),
                    l([a("error-object-irritants"), a("e")]),
                ]),
                l([a("list"), a("'raised"), a("e")]),
            ]),
        ]),
        l([
            a("define"),
            l([a("show"), a("thunk")]),
            l([
                a("display"),
                l([
                    a("try"),
                    l([a("thunk")]),
                    l([a("catch"), a("e"), l([a("show-error"), a("e")])]),
                ]),
            ]),
            l([a("newline")]),
        ]),
    ]
}

fn case_seed(seed: u64, i: u64) -> u64 {
    seed ^ i.wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// The cases of batch `b` of `n` cases.
fn batch_cases(b: u64, n: u64) -> std::ops::Range<u64> {
    b * BATCH..((b + 1) * BATCH).min(n)
}

/// Batch `b`: the programs of its cases one after the other in one
/// source file, run in one VM (which then compiles the prelude once).
/// Only the last program may end with an uncaught error.
fn batch_program(seed: u64, b: u64, n: u64) -> Vec<Sx> {
    let mut forms = batch_prelude();
    let cases = batch_cases(b, n);
    for i in cases.clone() {
        let tag = char::from(b'a' + (i - cases.start) as u8).to_string();
        let mut g = Gen::new(case_seed(seed, i), &tag);
        forms.extend(g.program(i + 1 == cases.end));
    }
    forms
}

// ---------------------------------------------------------------------
// Shrinking
// ---------------------------------------------------------------------

/// The smaller programs to try in place of the node at `path`: its
/// children, literals, and the node without one of its items.
fn replacements(node: &Sx) -> Vec<Sx> {
    let mut out = Vec::new();
    match node {
        Sx::Atom(s) => {
            if s != "0" {
                out.push(a("0"));
            }
        }
        Sx::List(xs) => {
            out.extend(xs.iter().cloned());
            for lit in ["0", "#f", "'()"] {
                out.push(a(lit));
            }
            // Runs of items, longest first (the statements of a long
            // body), then single items; never the head.
            let mut size = xs.len().saturating_sub(1) / 2;
            while size >= 2 {
                let mut i = 1;
                while i + size <= xs.len() {
                    let mut ys = xs.clone();
                    ys.drain(i..i + size);
                    out.push(lv(ys));
                    i += size;
                }
                size /= 2;
            }
            for i in (1..xs.len()).rev() {
                let mut ys = xs.clone();
                ys.remove(i);
                out.push(lv(ys));
            }
        }
    }
    out
}

fn measure(forms: &[Sx]) -> (usize, usize) {
    (forms.iter().map(Sx::nodes).sum(), program_text(forms).len())
}

/// Shrinks `forms` while `fails` holds, within a time budget.
fn shrink(forms: Vec<Sx>, fails: &dyn Fn(&[Sx]) -> bool) -> Vec<Sx> {
    let deadline = Instant::now() + Duration::from_secs(240);
    let mut cur = forms;
    let mut progress = true;
    while progress && Instant::now() < deadline {
        progress = false;
        // Runs of top-level forms, longest first, last first.
        let mut size = cur.len().div_ceil(2);
        while size >= 1 {
            let mut end = cur.len();
            while end >= size && end > 0 {
                let mut cand = cur.clone();
                cand.drain(end - size..end);
                if fails(&cand) {
                    cur = cand;
                    progress = true;
                    end = end.min(cur.len());
                } else {
                    end -= 1;
                }
            }
            size /= 2;
        }
        // Subexpressions, outermost first.
        let mut k = 0;
        loop {
            if Instant::now() >= deadline {
                break;
            }
            let mut paths = Vec::new();
            for (f, form) in cur.iter().enumerate() {
                form.paths(&mut vec![f], &mut paths);
            }
            let Some(path) = paths.get(k) else {
                break;
            };
            let Some(node) = cur[path[0]].at(&path[1..]) else {
                break;
            };
            let size = measure(&cur);
            let mut replaced = false;
            for r in replacements(node) {
                let mut cand = cur.clone();
                if let Some(slot) = cand[path[0]].at_mut(&path[1..]) {
                    *slot = r;
                }
                if measure(&cand) < size && fails(&cand) {
                    cur = cand;
                    replaced = true;
                    progress = true;
                    break;
                }
            }
            if !replaced {
                k += 1;
            }
        }
    }
    cur
}

// ---------------------------------------------------------------------
// The differential driver
// ---------------------------------------------------------------------

/// What a batch showed that is wrong.
#[derive(Clone, Debug)]
enum Problem {
    /// The generated program does not compile (a generator bug).
    Broken { batch: u64, what: String },
    /// The interpreter itself failed (a panic, an internal error).
    InterpBug { batch: u64, what: String },
    /// Run `run` (an index into `batch_specs`) differs from the
    /// interpreter's.
    Mismatch { batch: u64, run: usize },
    /// The child crashed (or was killed as hung) during run `run`.
    Crash {
        batch: u64,
        run: usize,
        what: String,
    },
}

#[derive(Default, Debug)]
struct Stats {
    batches: u64,
    cases: u64,
    completed: u64,
    uncaught: u64,
    fuel: u64,
    stdout_bytes: u64,
    native: u64,
    failed: u64,
    notes: Vec<String>,
    problems: Vec<Problem>,
    /// `(milliseconds, batch)` of the slowest batches.
    slowest: Vec<(u64, u64)>,
    /// Milliseconds spent in batches with and without the collector's
    /// stress mode.
    stress_ms: u64,
    plain_ms: u64,
}

/// A worker child and what it is doing.
struct Worker {
    child: Child,
    /// Batch numbers go in, one a line; closed when there are no more.
    stdin: Option<ChildStdin>,
    stderr: Arc<Mutex<String>>,
    /// The batch it was given and has not finished, the run it is in,
    /// and when it began.
    assigned: Option<(u64, usize, Instant)>,
    killed: bool,
}

impl Worker {
    /// Gives the worker batch `next` if there is one left (and no reason
    /// to stop); otherwise lets it exit.
    fn feed(&mut self, next: &mut u64, nbatches: u64, stop: bool) {
        if *next < nbatches && !stop {
            let sent = self
                .stdin
                .as_mut()
                .is_some_and(|s| writeln!(s, "{next}").and_then(|()| s.flush()).is_ok());
            if sent {
                self.assigned = Some((*next, 0, Instant::now()));
                *next += 1;
                return;
            }
        }
        self.stdin = None;
    }
}

fn spawn_worker(
    slot: usize,
    seed: u64,
    n: u64,
    tx: &mpsc::Sender<(usize, Option<String>)>,
) -> Worker {
    let mut cmd = child_command(&format!("cases {seed} {n}"));
    cmd.stdin(Stdio::piped());
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => panic!("cannot start a worker process: {e}"),
    };
    let stderr = collect_stderr(&mut child);
    if let Some(out) = child.stdout.take() {
        let tx = tx.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines() {
                let Ok(line) = line else { break };
                if let Some(rest) = line.strip_prefix(TAG)
                    && tx.send((slot, Some(rest.to_string()))).is_err()
                {
                    return;
                }
            }
            let _ = tx.send((slot, None));
        });
    }
    Worker {
        stdin: child.stdin.take(),
        child,
        stderr,
        assigned: None,
        killed: false,
    }
}

/// Records a worker's line about a batch; whether it finished one.
fn worker_line(w: &mut Worker, line: &str, s: &mut Stats, n: u64) -> bool {
    let words: Vec<&str> = line.split(' ').collect();
    let num = |i: usize| words.get(i).and_then(|x| x.parse::<u64>().ok());
    match words.first().copied() {
        Some("begin") => {
            if let Some(a) = &mut w.assigned {
                a.2 = Instant::now();
            }
            false
        }
        Some("run") => {
            if let (Some(a), Some(r)) = (&mut w.assigned, num(2)) {
                a.1 = r as usize;
            }
            false
        }
        Some("time") => {
            if let (Some(b), Some(ms)) = (num(1), num(2)) {
                if batch_specs(b).iter().any(|s| s.gc_stress) {
                    s.stress_ms += ms;
                } else {
                    s.plain_ms += ms;
                }
                s.slowest.push((ms, b));
                s.slowest.sort_unstable_by(|x, y| y.cmp(x));
                s.slowest.truncate(5);
            }
            false
        }
        Some("note") => {
            if let Some(note) = words.get(1).and_then(|h| unhex_str(h))
                && s.notes.len() < 10
            {
                s.notes.push(note);
            }
            false
        }
        Some("end") => {
            let Some(b) = num(1) else {
                return false;
            };
            w.assigned = None;
            s.batches += 1;
            s.cases += batch_cases(b, n).count() as u64;
            match words.get(2).copied() {
                Some("same") => {
                    match words.get(3).copied() {
                        Some("completed") => s.completed += 1,
                        Some("fuel") => s.fuel += 1,
                        _ => s.uncaught += 1,
                    }
                    s.stdout_bytes += num(4).unwrap_or(0);
                    s.native += num(5).unwrap_or(0);
                    s.failed += num(6).unwrap_or(0);
                }
                Some("mismatch") => s.problems.push(Problem::Mismatch {
                    batch: b,
                    run: num(3).unwrap_or(1) as usize,
                }),
                Some("interp-bug") => s.problems.push(Problem::InterpBug {
                    batch: b,
                    what: words.get(3).and_then(|h| unhex_str(h)).unwrap_or_default(),
                }),
                _ => s.problems.push(Problem::Broken {
                    batch: b,
                    what: words.get(3).and_then(|h| unhex_str(h)).unwrap_or_default(),
                }),
            }
            true
        }
        _ => false,
    }
}

/// Runs the batches of `n` cases from `seed` on `workers` child
/// processes, each given a batch as it finishes the last one. A child
/// that crashes or hangs (and is killed) is replaced; the batch it was
/// running is a finding. Stops early after enough findings.
fn differential(seed: u64, n: u64, workers: usize) -> Stats {
    let nbatches = n.div_ceil(BATCH);
    let (tx, rx) = mpsc::channel::<(usize, Option<String>)>();
    let mut next = 0u64;
    let mut slots: Vec<Option<Worker>> = Vec::new();
    for k in 0..workers.min(nbatches as usize) {
        let mut w = spawn_worker(k, seed, n, &tx);
        w.feed(&mut next, nbatches, false);
        slots.push(Some(w));
    }
    let mut stats = Stats::default();
    let enough = |s: &Stats| s.problems.len() >= 2 * MAX_REPORTED;
    while slots.iter().any(Option::is_some) {
        match rx.recv_timeout(Duration::from_millis(100)) {
            Ok((k, Some(line))) => {
                let stop = enough(&stats);
                if let Some(w) = slots[k].as_mut()
                    && worker_line(w, &line, &mut stats, n)
                {
                    w.feed(&mut next, nbatches, stop);
                }
            }
            Ok((k, None)) => {
                // The worker's stdout closed: it is done, crashed, or was
                // killed.
                let Some(mut w) = slots[k].take() else {
                    continue;
                };
                let status = w.child.wait().ok();
                if let Some((b, run, _)) = w.assigned {
                    // Let the stderr reader catch up.
                    std::thread::sleep(Duration::from_millis(50));
                    let what = if w.killed {
                        format!("hang: ran for more than {CASE_LIMIT:?}")
                    } else {
                        crash_report(status, &lock(&w.stderr))
                    };
                    stats.batches += 1;
                    stats.cases += batch_cases(b, n).count() as u64;
                    stats.problems.push(Problem::Crash {
                        batch: b,
                        run,
                        what,
                    });
                    if next < nbatches && !enough(&stats) {
                        let mut w = spawn_worker(k, seed, n, &tx);
                        w.feed(&mut next, nbatches, false);
                        slots[k] = Some(w);
                    }
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
        for w in slots.iter_mut().flatten() {
            let hung = w
                .assigned
                .is_some_and(|(_, _, start)| start.elapsed() > CASE_LIMIT);
            if hung && !w.killed {
                // Our own child: its stdout then closes, handled above.
                let _ = w.child.kill();
                w.killed = true;
            }
        }
    }
    stats
}

/// The report of one problem, with a shrunk reproduction (unless a
/// problem with the same difference, in `seen`, was shrunk already).
fn report(
    seed: u64,
    n: u64,
    p: &Problem,
    shrink_budget: Duration,
    seen: &mut HashSet<String>,
) -> String {
    let (batch, run, what) = match p {
        Problem::Broken { batch, what } => {
            let text = program_text(&batch_program(seed, *batch, n));
            return format!(
                "=== batch {batch}: the generated program is not valid (a generator bug): \
                 {what}\n--- program:\n{}",
                excerpt(&text)
            );
        }
        Problem::InterpBug { batch, what } => (*batch, 0, what.clone()),
        Problem::Mismatch { batch, run } => (*batch, *run, String::new()),
        Problem::Crash { batch, run, what } => (*batch, *run, what.clone()),
    };
    let specs = batch_specs(batch);
    let (reference, spec) = (specs[0], specs[run.min(2)]);
    let forms = batch_program(seed, batch, n);
    let text = program_text(&forms);
    let cases = batch_cases(batch, n);
    let mut out = format!(
        "=== batch {batch} (cases {}..{} of seed {seed}): ",
        cases.start, cases.end
    );
    if run == 0 {
        let _ = write!(out, "the interpreter fails");
    } else {
        let _ = write!(
            out,
            "the {} differs from the {}",
            spec.describe(),
            reference.describe()
        );
    }
    if !what.is_empty() {
        let _ = write!(out, " ({what})");
    }
    out.push('\n');
    // Both outcomes of a program, in a fresh child; with `run == 0`, the
    // interpreter's twice.
    let outcomes = |text: &str, limit: Duration| {
        if run == 0 {
            let (x, _) = compare_isolated(text, reference, reference, limit);
            (x.clone(), x)
        } else {
            compare_isolated(text, reference, spec, limit)
        }
    };
    let start = Instant::now();
    let (x, y) = outcomes(&text, CASE_LIMIT);
    // Candidates get a few times as long as the original took.
    let limit = (start.elapsed() * 3).clamp(Duration::from_secs(5), CASE_LIMIT);
    let failing = |x: &Outcome, y: &Outcome| {
        if run == 0 {
            !x.is_valid_reference()
        } else {
            x.is_valid_reference() && x != y
        }
    };
    if !failing(&x, &y) {
        let _ = writeln!(
            out,
            "(not reproduced in a fresh process)\n--- program:\n{}--- {}:\n{}--- {}:\n{}",
            excerpt(&text),
            reference.describe(),
            x.render(),
            spec.describe(),
            y.render()
        );
        return out;
    }
    let kind = difference(&x, &y);
    if !seen.insert(kind.clone()) {
        let _ = writeln!(out, "(the same difference as above: {kind}; not shrunk)");
        return out;
    }
    let fuel = x.fuel_exhausted();
    let deadline = Instant::now() + shrink_budget;
    let fails = |cand: &[Sx]| {
        if Instant::now() > deadline {
            return false;
        }
        let (cx, cy) = outcomes(&program_text(cand), limit);
        // The same kind of failure, and no endless loop where there was
        // none.
        failing(&cx, &cy) && difference(&cx, &cy) == kind && (fuel || !cx.fuel_exhausted())
    };
    let small = if kind.starts_with("bug: hang") {
        forms.clone()
    } else {
        shrink(forms.clone(), &fails)
    };
    let small_text = program_text(&small);
    let (sx, sy) = outcomes(&small_text, CASE_LIMIT);
    let _ = write!(
        out,
        "--- shrunk program ({} bytes, from {}):\n{small_text}--- {}:\n{}",
        small_text.len(),
        text.len(),
        reference.describe(),
        sx.render()
    );
    if run != 0 {
        let _ = write!(out, "--- {}:\n{}", spec.describe(), sy.render());
    }
    if spec.gc_stress {
        // Whether the collector's stress mode alone is enough.
        let alone = Spec {
            gc_stress: true,
            ..reference
        };
        let (z, _) = compare_isolated(&small_text, alone, alone, CASE_LIMIT);
        let _ = write!(out, "--- {}:\n{}", alone.describe(), z.render());
    }
    let _ = write!(
        out,
        "--- original outcomes:\n--- {}:\n{}",
        reference.describe(),
        x.render()
    );
    if run != 0 {
        let _ = write!(out, "--- {}:\n{}", spec.describe(), y.render());
    }
    out
}

#[test]
fn interpreter_and_jit_agree_on_generated_programs() {
    if serve_child() {
        return;
    }
    let n = env_u64("FLUENT_DIFF_CASES", 2000);
    let seed = env_u64("FLUENT_DIFF_SEED", 0xD1FF_5EED);
    let cores = std::thread::available_parallelism().map_or(2, |c| c.get());
    let workers = env_u64("FLUENT_DIFF_WORKERS", cores.clamp(1, 8) as u64).max(1) as usize;
    let shrink_budget = Duration::from_secs(env_u64("FLUENT_DIFF_SHRINK_SECS", 300));
    let start = Instant::now();
    let s = differential(seed, n, workers);
    let elapsed = start.elapsed();
    println!(
        "{} programs in {} batches (seed {seed}, {workers} workers) in {elapsed:.1?}: \
         batches that ran to the end {}, stopped at an uncaught error {}, ran out of fuel {}; \
         {} bytes of output; functions compiled {}, failed to compile {}",
        s.cases, s.batches, s.completed, s.uncaught, s.fuel, s.stdout_bytes, s.native, s.failed
    );
    for note in &s.notes {
        println!("not compiled: {note}");
    }
    println!(
        "time in batches: {} ms with the collector in stress mode, {} ms without; \
         slowest (ms, batch): {:?}",
        s.stress_ms, s.plain_ms, s.slowest
    );
    if !s.problems.is_empty() {
        let mut text = format!(
            "{} findings (FLUENT_DIFF_SEED={seed} FLUENT_DIFF_CASES={n}):\n",
            s.problems.len()
        );
        let mut seen = HashSet::new();
        for p in s.problems.iter().take(MAX_REPORTED) {
            let _ = writeln!(text, "{}", report(seed, n, p, shrink_budget, &mut seen));
        }
        for p in s.problems.iter().skip(MAX_REPORTED) {
            let _ = writeln!(text, "(not shrunk) {p:?}");
        }
        panic!("{text}");
    }
    assert_eq!(s.cases, n, "every program ran");
    // The generator must make programs worth comparing: batches that run
    // to the end, batches that end with an uncaught error (where
    // locations and backtraces are compared), few that run out of fuel;
    // all print, and the JIT compiles what they call.
    assert!(
        s.completed * 10 >= s.batches && s.uncaught * 3 >= s.batches,
        "of {} batches, {} ran to the end and {} stopped at an uncaught error",
        s.batches,
        s.completed,
        s.uncaught
    );
    assert!(
        s.fuel * 50 <= s.batches,
        "{} of {} batches ran out of fuel",
        s.fuel,
        s.batches
    );
    assert!(s.stdout_bytes >= 50 * s.cases, "programs print too little");
    assert!(
        s.native >= 10 * s.cases && s.failed * 100 <= s.native,
        "the JIT compiled {} functions and failed on {}",
        s.native,
        s.failed
    );
}

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
        ];
        let mut seen = [0usize; 12];
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
    };
    assert_eq!(Spec::decode(&spec.encode()), Some(spec));
    let report = crash_report(None, "x\nthread 'main' panicked at a.rs:1:2:\nboom\nmore\n");
    assert_eq!(report, "crash: thread 'main' panicked at a.rs:1:2: / boom");
}

// ---------------------------------------------------------------------
// Hand-written programs
// ---------------------------------------------------------------------

/// No fuel, `max_depth` frames, the JIT with `threshold` (or off).
fn spec(threshold: Option<u32>, max_depth: usize) -> Spec {
    Spec {
        threshold,
        max_depth,
        fuel: None,
        gc_stress: false,
    }
}

/// Runs `text` in a child under the interpreter and each JIT threshold
/// of `jits`, asserts that every outcome equals the interpreter's, and
/// returns it with each JIT run's facts.
fn agree(text: &str, jits: &[u32], max_depth: usize) -> (Outcome, Vec<JitFacts>) {
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

fn stdout(o: &Outcome) -> &str {
    std::str::from_utf8(&o.stdout).unwrap_or("(not UTF-8)")
}

fn assert_tier(facts: &JitFacts, name: &str, tier: &str) {
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
fn errors_across_tiers(first: &str, second: &str) {
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
        // `(- x 1)` is compiled to an add of -1: both tiers name `+`.
        (
            "(define (f x) (- x 1))\n(display (f -9223372036854775807))\n(newline)\n\
             (f -9223372036854775808)\n",
            "+",
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
