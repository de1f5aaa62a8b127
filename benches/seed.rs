//! The seed's performance table, interpreter against JIT (criterion).
//!
//! `benches/seed.fl` is compiled once into an image. For each benchmark
//! and each configuration (bytecode interpreter; JIT with threshold 0, so
//! every function is compiled before its first call) a VM is created, the
//! program's top level is run, and the timed routine is one host call
//! `(bench-... n)`: a loop doing one operation `n` times. Compilation (to
//! bytecode and, in eager mode, to native code at the first call during
//! warm-up) is outside the measurement.
//!
//! ```sh
//! cargo bench --bench seed                # everything, then a summary table
//! cargo bench --bench seed -- seed-loop   # one group
//! ```
//!
//! After criterion's own report, the bench prints a table of per-operation
//! medians read back from criterion's `estimates.json` files of this run:
//! the median time of one call divided by the operations it does, and for
//! arithmetic, calls and matches also the median minus the empty loop's
//! (the cost the operation adds to a loop iteration).

#[path = "criterion_home.rs"]
mod home;
use criterion::{Criterion, SamplingMode, Throughput};
use fluent_driver::{Database, build, render};
use fluent_vm::runtime::Output;
use fluent_vm::{Image, JitConfig, Value, Vm, VmConfig};
use home::criterion_home;
use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// The program; its file name makes its module `seed`.
const SOURCE: &str = include_str!("seed.fl");
const PATH: &str = "benches/seed.fl";

/// Iterations of the single-operation loops.
const N: i64 = 1_000_000;

/// What a benchmark's result must be (checked once, before timing).
#[derive(Clone, Copy)]
enum Expect {
    Int(i64),
    Float(f64),
}

/// How the per-operation figure of a benchmark is derived.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    /// The empty loop: per iteration.
    Loop,
    /// `ops` operations per iteration on top of the empty loop.
    Op { ops: u32 },
    /// A whole algorithm: per element (call, inner iteration).
    Algorithm,
}

struct Case {
    /// Criterion group name (`seed-<name>`).
    name: &'static str,
    /// The Fluent function called with `arg`.
    func: &'static str,
    arg: i64,
    /// Elements one call processes (loop iterations, calls, ...).
    elements: u64,
    /// What an element is, for the table.
    unit: &'static str,
    kind: Kind,
    expect: Expect,
    /// The seed's targets, ns per op: (JIT, interpreter floor).
    target: (Option<f64>, Option<f64>),
}

/// fib(25) makes 2 * fib(26) - 1 calls.
const FIB_CALLS: u64 = 242_785;
/// Inner-loop iterations of mandelbrot on the 200x200 grid (the sum of
/// the escape counts, which is also the result).
const MANDEL_ITERS: i64 = 1_214_379;

fn cases() -> Vec<Case> {
    let n = N as u64;
    vec![
        Case {
            name: "loop",
            func: "bench-loop",
            arg: N,
            elements: n,
            unit: "iteration",
            kind: Kind::Loop,
            expect: Expect::Int(N),
            target: (Some(10.0), Some(100.0)),
        },
        Case {
            name: "arith-int",
            func: "bench-arith-int",
            arg: N,
            elements: n,
            unit: "iteration (2 ops)",
            kind: Kind::Op { ops: 2 },
            expect: Expect::Int(3 * (N - 1) * N / 2),
            target: (Some(2.0), Some(30.0)),
        },
        Case {
            name: "arith-float",
            func: "bench-arith-float",
            arg: N,
            elements: n,
            unit: "iteration (2 ops)",
            kind: Kind::Op { ops: 2 },
            expect: Expect::Float(2.0),
            target: (Some(2.0), Some(30.0)),
        },
        Case {
            name: "call",
            func: "bench-call",
            arg: N,
            elements: n,
            unit: "iteration (1 call)",
            kind: Kind::Op { ops: 1 },
            expect: Expect::Int(N),
            target: (Some(5.0), Some(50.0)),
        },
        Case {
            name: "match-tagged",
            func: "bench-match-tagged",
            arg: N,
            elements: n,
            unit: "iteration (1 match)",
            kind: Kind::Op { ops: 1 },
            expect: Expect::Int(3 * N),
            target: (Some(20.0), None),
        },
        Case {
            name: "match-list",
            func: "bench-match-list",
            arg: N,
            elements: n,
            unit: "iteration (1 match)",
            kind: Kind::Op { ops: 1 },
            expect: Expect::Int(2 * N),
            target: (Some(20.0), None),
        },
        Case {
            name: "fib",
            func: "bench-fib",
            arg: 25,
            elements: FIB_CALLS,
            unit: "call of fib",
            kind: Kind::Algorithm,
            expect: Expect::Int(75_025),
            target: (None, None),
        },
        Case {
            name: "mandelbrot",
            func: "bench-mandelbrot",
            arg: 200,
            elements: MANDEL_ITERS as u64,
            unit: "inner iteration",
            kind: Kind::Algorithm,
            expect: Expect::Int(MANDEL_ITERS),
            target: (None, None),
        },
    ]
}

/// The two configurations: (criterion id, VM config).
fn configs() -> [(&'static str, VmConfig); 2] {
    let interp = VmConfig {
        jit: JitConfig {
            enabled: false,
            ..JitConfig::default()
        },
        ..VmConfig::default()
    };
    let jit = VmConfig {
        jit: JitConfig {
            enabled: true,
            threshold: 0,
            ..JitConfig::default()
        },
        ..VmConfig::default()
    };
    [("interp", interp), ("jit", jit)]
}

fn compile() -> Arc<Image> {
    let db = Database::default();
    let file = db.add_file(PATH, SOURCE);
    match build(&db, &[file]) {
        Ok(image) => Arc::new(image),
        Err(ds) => {
            let text: String = ds.iter().map(|d| render(&db, d)).collect();
            panic!("benches/seed.fl does not compile:\n{text}");
        }
    }
}

/// A VM with the program loaded and its top level run, and the function
/// to call.
fn instantiate(image: &Arc<Image>, config: &VmConfig, func: &str) -> (Vm, Value) {
    let out = Output::new(Box::new(std::io::sink()));
    let mut vm = Vm::new(image.clone(), config.clone(), out).expect("the VM starts");
    vm.run_init().expect("the top level runs");
    let f = vm
        .global_named("seed", func)
        .unwrap_or_else(|| panic!("seed.fl defines no `{func}`"));
    (vm, f)
}

fn check(vm: &Vm, case: &Case, config: &str, v: Value) {
    let ok = match case.expect {
        Expect::Int(i) => v.as_int() == Some(i),
        Expect::Float(x) => v.as_float().is_some_and(|y| (y - x).abs() < 1e-9),
    };
    assert!(
        ok,
        "{} ({config}) returned {}, not the expected result",
        case.func,
        vm.show(v)
    );
}

fn bench_all(c: &mut Criterion, image: &Arc<Image>) {
    for case in cases() {
        let mut group = c.benchmark_group(format!("seed-{}", case.name));
        group
            .sampling_mode(SamplingMode::Flat)
            .throughput(Throughput::Elements(case.elements));
        for (id, config) in configs() {
            let (mut vm, f) = instantiate(image, &config, case.func);
            let arg = Value::try_int(case.arg).expect("a small int");
            // The first call compiles (eagerly, with the JIT) and checks
            // the result; the timed calls reuse the compiled code.
            let first = vm.call(f, &[arg]).expect("the benchmark runs");
            check(&vm, &case, id, first);
            group.bench_function(id, |b| {
                b.iter(|| vm.call(f, &[black_box(arg)]).expect("the benchmark runs"))
            });
        }
        group.finish();
    }
}

/// The median time of one call (ns) measured by criterion for
/// `seed-<name>/<id>` in this run (its `estimates.json` written after
/// `since`).
fn median_ns(home: &std::path::Path, name: &str, id: &str, since: SystemTime) -> Option<f64> {
    let path = home
        .join(format!("seed-{name}"))
        .join(id)
        .join("new")
        .join("estimates.json");
    let modified = std::fs::metadata(&path).ok()?.modified().ok()?;
    if modified < since {
        return None;
    }
    let text = std::fs::read_to_string(&path).ok()?;
    // {"mean":{...},"median":{"confidence_interval":{...},"point_estimate":X,...},...}
    let median = &text[text.find("\"median\":")?..];
    let rest = &median[median.find("\"point_estimate\":")? + "\"point_estimate\":".len()..];
    let end = rest.find([',', '}'])?;
    rest[..end].trim().parse().ok()
}

fn fmt_ns(x: Option<f64>) -> String {
    match x {
        Some(x) if x.abs() >= 100.0 => format!("{x:.0}"),
        Some(x) if x.abs() >= 10.0 => format!("{x:.1}"),
        Some(x) => format!("{x:.2}"),
        None => "-".into(),
    }
}

fn verdict(value: Option<f64>, target: Option<f64>) -> String {
    match (value, target) {
        (Some(v), Some(t)) if v <= t => format!("<= {t} met"),
        (Some(_), Some(t)) => format!("<= {t} NOT met"),
        _ => "-".into(),
    }
}

/// Prints the per-operation table (markdown) from this run's medians.
fn summary(home: &std::path::Path, since: SystemTime) {
    let cases = cases();
    let per_elem = |case: &Case, id: &str| {
        median_ns(home, case.name, id, since).map(|t| t / case.elements as f64)
    };
    let empty = |id: &str| {
        cases
            .iter()
            .find(|c| c.kind == Kind::Loop)
            .and_then(|c| per_elem(c, id))
    };
    let rows: Vec<_> = cases
        .iter()
        .filter_map(|case| {
            let raw = (per_elem(case, "interp"), per_elem(case, "jit"));
            if raw.0.is_none() && raw.1.is_none() {
                return None;
            }
            // The figure the target applies to.
            let op = |id: &str, raw: Option<f64>| match case.kind {
                Kind::Op { ops } => Some((raw? - empty(id)?) / ops as f64),
                _ => raw,
            };
            let ops = (op("interp", raw.0), op("jit", raw.1));
            Some((case, raw, ops))
        })
        .collect();
    if rows.is_empty() {
        return;
    }
    println!();
    println!("Seed table: medians of this run, ns (N = {N} for the loops)");
    println!();
    println!(
        "| benchmark | per | interp raw | JIT raw | interp per op | JIT per op | interp / JIT | JIT target | interp floor |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for (case, raw, ops) in rows {
        let ratio = match ops {
            (Some(i), Some(j)) if j > 0.0 => format!("{:.1}x", i / j),
            _ => "-".into(),
        };
        println!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            case.name,
            case.unit,
            fmt_ns(raw.0),
            fmt_ns(raw.1),
            fmt_ns(ops.0),
            fmt_ns(ops.1),
            ratio,
            verdict(ops.1, case.target.0),
            verdict(ops.0, case.target.1),
        );
    }
    println!();
    println!(
        "raw: median time of one call / elements; per op: for arith, call and match, \
         (raw - empty loop raw) / ops per iteration."
    );
}

fn main() {
    let image = compile();
    let home = criterion_home();
    let since = SystemTime::now();
    // 16 benchmarks of about 2.5 s each (the whole run takes about 50 s
    // on an idle machine); no plots, and fewer bootstrap resamples than
    // criterion's 100,000, to keep the analysis short.
    let mut c = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .nresamples(20_000)
        .without_plots()
        .output_directory(&home)
        .configure_from_args();
    bench_all(&mut c, &image);
    c.final_summary();
    summary(&home, since);
}
