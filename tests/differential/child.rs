//! Child processes: programs run in this test binary again, so a crash or a hang is a finding.

use super::*;

// ---------------------------------------------------------------------
// Child processes
// ---------------------------------------------------------------------

pub(super) fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(2 * bytes.len() + 1);
    s.push('x');
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

pub(super) fn unhex(s: &str) -> Option<Vec<u8>> {
    let s = s.strip_prefix('x')?;
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok())
        .collect()
}

pub(super) fn unhex_str(s: &str) -> Option<String> {
    unhex(s).map(|b| String::from_utf8_lossy(&b).into_owned())
}

/// In a child process (`FLUENT_DIFF_CHILD` set): does what it asks and
/// returns true. Otherwise false.
pub(super) fn serve_child() -> bool {
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
pub(super) fn serve_program() {
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
pub(super) fn serve_cases(seed: u64, n: u64) {
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
pub(super) fn child_command(job: &str) -> Command {
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
pub(super) fn collect_stderr(child: &mut Child) -> Arc<Mutex<String>> {
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
pub(super) fn crash_report(status: Option<ExitStatus>, stderr: &str) -> String {
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
pub(super) fn isolated(
    text: &str,
    specs: &[Spec],
    limit: Duration,
) -> Vec<Option<(Outcome, JitFacts)>> {
    let specs: Vec<String> = specs.iter().map(|s| s.encode()).collect();
    isolated_raw(text, &specs, limit)
}

/// As `isolated`, with the specs as the child reads them.
pub(super) fn isolated_raw(
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
pub(super) fn compare_isolated(
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
