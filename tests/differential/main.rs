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

mod cases;
mod child;
mod generate;
#[path = "../common/panic.rs"]
mod panic;
#[path = "../common/rng.rs"]
mod rng;
mod shrink;
mod sx;

use child::*;
use generate::*;
use shrink::*;
use sx::*;

use fluent_driver::{Failure, run_source_then};
use fluent_vm::heap::GcConfig;
use fluent_vm::jit::Tier;
use fluent_vm::runtime::Output;
use fluent_vm::{JitConfig, VmConfig};
use panic::panic_message;
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
    /// The optimization level (`-O`).
    opt_level: u8,
}

impl Spec {
    /// The interpreter, as the generated programs run.
    const INTERP: Spec = Spec {
        threshold: None,
        max_depth: MAX_DEPTH,
        fuel: Some(FUEL),
        gc_stress: false,
        opt_level: fluent_ir::DEFAULT_OPT_LEVEL,
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
            // The runs compared share one optimization level:
            // optimization changes how much fuel a program uses (a folded
            // call costs none). The golden suite compares -O0 with -O3.
            opt_level: self.opt_level,
            ..VmConfig::default()
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
            "{},{},{},{},{}",
            self.threshold.map_or("off".into(), |t| t.to_string()),
            self.max_depth,
            self.fuel.map_or("none".into(), |f| f.to_string()),
            self.gc_stress as u8,
            self.opt_level
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
        let opt_level = it.next()?.parse().ok()?;
        Some(Spec {
            threshold,
            max_depth,
            fuel,
            gc_stress,
            opt_level,
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
                        Tier::Failed(why) => format!("failed: {why}"),
                        other => other.to_string(),
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
