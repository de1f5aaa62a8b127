//! The golden programs of `tests/programs/`: each runs through the `fluent`
//! binary in every execution tier, unoptimized (`-O0`), at the default
//! level and fully optimized (`-O3`), and must print what its expectation
//! comments say (see `tests/programs/README.md`). The interpreter's runs
//! at `-O0` and `-O3` also trace effects (`--trace-effects`): the effects
//! the program performs, in order, must be the same (optimization never
//! adds, drops, duplicates or reorders an effect).

use libtest_mimic::{Arguments, Failed, Trial};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The execution tiers every program runs in, with the flags that select
/// them: the interpreter alone, every function compiled before its first
/// call, and the default (compiled once hot).
const TIERS: &[(&str, &[&str])] = &[
    ("interp", &["--jit", "off"]),
    ("jit-eager", &["--jit", "eager"]),
    ("jit-default", &[]),
];

/// The optimization levels each tier runs at besides the default (the
/// interpreter's `-O0` and `-O3` runs are the effect-trace trial's).
const LEVELS: &[&str] = &["-O0", "-O3"];

/// A program that runs longer than this fails.
const TIMEOUT: Duration = Duration::from_secs(120);

/// What a program is expected to do.
#[derive(Debug, Default)]
struct Expect {
    stdout: String,
    exit: i32,
    stderr: Vec<String>,
    args: Vec<String>,
}

fn parse_expect(src: &str) -> Expect {
    let mut e = Expect::default();
    for line in src.lines() {
        let line = line.trim_end_matches('\r');
        if line == ";;>" {
            e.stdout.push('\n');
        } else if let Some(rest) = line.strip_prefix(";;> ") {
            e.stdout.push_str(rest);
            e.stdout.push('\n');
        } else if let Some(rest) = line.strip_prefix(";;! exit:") {
            e.exit = rest.trim().parse().expect("`;;! exit:` takes a number");
        } else if let Some(rest) = line.strip_prefix(";;! stderr:") {
            e.stderr
                .push(rest.strip_prefix(' ').unwrap_or(rest).to_string());
        } else if let Some(rest) = line.strip_prefix(";;! args:") {
            e.args.extend(rest.split_whitespace().map(String::from));
        }
    }
    e
}

struct Outcome {
    stdout: String,
    stderr: String,
    code: Option<i32>,
}

/// Runs `fluent run <file> <args>` from the repository root.
fn run_fluent(root: &Path, rel: &Path, args: &[String], tier: &[&str]) -> Result<Outcome, String> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fluent"))
        .current_dir(root)
        .arg("run")
        .arg(rel)
        .args(tier)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start fluent: {e}"))?;
    let mut out = child.stdout.take().expect("stdout");
    let mut err = child.stderr.take().expect("stderr");
    let out_reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = out.read_to_end(&mut s);
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = err.read_to_end(&mut s);
        s
    });
    let start = Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().map_err(|e| e.to_string())? {
            break st;
        }
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("timed out after {TIMEOUT:?}"));
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let stdout = String::from_utf8_lossy(&out_reader.join().expect("stdout reader")).into_owned();
    let stderr = String::from_utf8_lossy(&err_reader.join().expect("stderr reader")).into_owned();
    Ok(Outcome {
        stdout,
        stderr,
        code: status.code(),
    })
}

fn check(root: &Path, rel: &Path, tier: &[&str]) -> Result<(), Failed> {
    check_outcome(root, rel, tier).map(|_| ())
}

/// The effect trace property: unoptimized (`-O0`) and fully optimized
/// (`-O3`), the program performs the same effects in the same order (and
/// both print what is expected).
fn check_trace(root: &Path, rel: &Path) -> Result<(), Failed> {
    let trace = |level: &'static str| -> Result<Vec<String>, Failed> {
        let flags = ["--jit", "off", "--trace-effects", level];
        let got = check_outcome(root, rel, &flags)
            .map_err(|e| format!("at {level}: {}", e.message().unwrap_or_default()))?;
        Ok(got
            .stderr
            .lines()
            .filter(|l| l.starts_with("effect "))
            .map(String::from)
            .collect())
    };
    let (plain, optimized) = (trace("-O0")?, trace("-O3")?);
    if plain == optimized {
        return Ok(());
    }
    let at = plain
        .iter()
        .zip(&optimized)
        .take_while(|(a, b)| a == b)
        .count();
    Err(format!(
        "effect traces differ at effect {at} (of {} at -O0, {} at -O3): -O0 {:?}, -O3 {:?}",
        plain.len(),
        optimized.len(),
        plain.get(at),
        optimized.get(at)
    )
    .into())
}

fn check_outcome(root: &Path, rel: &Path, tier: &[&str]) -> Result<Outcome, Failed> {
    let src = std::fs::read_to_string(root.join(rel)).map_err(|e| e.to_string())?;
    let expect = parse_expect(&src);
    let got = run_fluent(root, rel, &expect.args, tier)?;
    let mut stdout = got.stdout.clone();
    if !stdout.is_empty() && !stdout.ends_with('\n') {
        stdout.push('\n');
    }
    let mut problems = Vec::new();
    if stdout != expect.stdout {
        problems.push(format!(
            "stdout differs\n--- expected\n{}--- got\n{}",
            expect.stdout, stdout
        ));
    }
    if got.code != Some(expect.exit) {
        problems.push(format!(
            "exit code {:?}, expected {}",
            got.code, expect.exit
        ));
    }
    for want in &expect.stderr {
        if !got.stderr.contains(want.as_str()) {
            problems.push(format!("stderr lacks {want:?}"));
        }
    }
    if problems.is_empty() {
        Ok(got)
    } else {
        Err(format!("{}\n--- stderr\n{}", problems.join("\n"), got.stderr).into())
    }
}

fn programs(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    // A module tree: its `main.fl` is the program, the rest are modules.
    if dir.join("main.fl").is_file() {
        out.push(dir.join("main.fl"));
        return;
    }
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            programs(&p, out);
        } else if p.extension().is_some_and(|e| e == "fl") {
            out.push(p);
        }
    }
}

fn main() {
    let args = Arguments::from_args();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    programs(&root.join("tests/programs"), &mut files);
    assert!(
        files.len() >= 80,
        "expected the golden programs under tests/programs"
    );
    // Examples that state their output are golden programs too.
    let mut examples = Vec::new();
    programs(&root.join("examples"), &mut examples);
    files.extend(examples.into_iter().filter(|f| {
        std::fs::read_to_string(f).is_ok_and(|s| s.lines().any(|l| l.starts_with(";;>")))
    }));
    let mut trials = Vec::new();
    for file in files {
        let rel = file.strip_prefix(&root).expect("under root").to_path_buf();
        let name = rel
            .strip_prefix("tests/programs")
            .unwrap_or(&rel)
            .with_extension("");
        let (r, f) = (root.clone(), rel.clone());
        trials.push(Trial::test(
            format!("effect-trace::{}", name.display()),
            move || check_trace(&r, &f),
        ));
        for (tier, flags) in TIERS {
            let (r, f) = (root.clone(), rel.clone());
            let flags: &'static [&'static str] = flags;
            trials.push(Trial::test(
                format!("{tier}::{}", name.display()),
                move || check(&r, &f, flags),
            ));
            if *tier == "interp" {
                continue;
            }
            for level in LEVELS {
                let (root, rel) = (root.clone(), rel.clone());
                let flags: Vec<&'static str> = flags.iter().copied().chain([*level]).collect();
                trials.push(Trial::test(
                    format!("{tier}{level}::{}", name.display()),
                    move || check(&root, &rel, &flags),
                ));
            }
        }
    }
    libtest_mimic::run(&args, trials).exit();
}
