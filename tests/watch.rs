//! `fluent watch` swaps code into a running program: start it, edit a
//! module, see the new output without a restart; a broken edit keeps the
//! old code running.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

/// Kills the watcher when the test ends, however it ends.
struct Watcher(Child);

impl Drop for Watcher {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Lines of a stream, as they come.
fn lines(r: impl std::io::Read + Send + 'static) -> Receiver<String> {
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        for line in BufReader::new(r).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// Waits for a line satisfying `want` (the watcher may be slow in a
/// debug build on a loaded machine: the deadline only stops a hang).
fn wait_for(rx: &Receiver<String>, what: &str, want: impl Fn(&str) -> bool) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut seen = Vec::new();
    while Instant::now() < deadline {
        if let Ok(line) = rx.recv_timeout(Duration::from_millis(100)) {
            let done = want(&line);
            seen.push(line);
            if done {
                return seen;
            }
        }
    }
    panic!("no line {what} within the deadline; saw {seen:?}");
}

/// Starts `fluent watch main.fl` in folder `d`: the watcher and the lines
/// of its stdout and stderr.
fn start(d: &Path) -> (Watcher, Receiver<String>, Receiver<String>) {
    start_with(d, &[])
}

/// As [`start`], with more arguments.
fn start_with(d: &Path, more: &[&str]) -> (Watcher, Receiver<String>, Receiver<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fluent"))
        .args(["watch", "main.fl", "--poll-ms", "50"])
        .args(more)
        .current_dir(d)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start fluent watch");
    let out = lines(child.stdout.take().expect("stdout"));
    let err = lines(child.stderr.take().expect("stderr"));
    (Watcher(child), out, err)
}

/// A program that prints `(message i)` for i = 0, 1, ... forever, from
/// the module `greeting`.
const TICKING_MAIN: &str = "(import \"greeting\" (message))\n\
     (define (tick i) (when (= 0 (remainder i 200000)) (display (message (quotient i 200000))) (newline)))\n\
     (let loop ((i 0)) (tick i) (loop (+ i 1)))\n";

/// A fresh folder of this test process for test `name`.
fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("fluent-watch-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

#[test]
fn an_edited_module_is_swapped_into_the_running_program() {
    let d = dir("swap");
    let module = d.join("greeting.fl");
    std::fs::write(
        &module,
        "(define (message i) (string-append \"hello \" (number->string i)))\n",
    )
    .unwrap();
    std::fs::write(d.join("main.fl"), TICKING_MAIN).unwrap();
    let (mut w, out, err) = start(&d);

    wait_for(&out, "from the first version", |l| l.starts_with("hello "));
    // A broken edit: reported, and the old code keeps running.
    std::fs::write(&module, "(define (message i) (string-append \"oops \"\n").unwrap();
    wait_for(&err, "keeping the old code", |l| {
        l.contains("keeps running its previous code")
    });
    let before = wait_for(&out, "after the broken edit", |l| l.starts_with("hello "));
    assert!(before.iter().all(|l| l.starts_with("hello ")), "{before:?}");
    // A good edit: the same process now prints the new text.
    std::fs::write(
        &module,
        "(define (message i) (string-append \"bonjour \" (number->string i)))\n",
    )
    .unwrap();
    wait_for(&out, "from the new version", |l| l.starts_with("bonjour "));
    wait_for(&err, "the swap report", |l| {
        l.contains("swapped in greeting.message")
    });
    assert!(
        w.0.try_wait().expect("status").is_none(),
        "the program did not restart or stop"
    );
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn a_program_that_does_not_compile_runs_once_it_is_fixed() {
    let d = dir("broken");
    let module = d.join("part.fl");
    std::fs::write(&module, "(define (answer) (+ 40 2)\n").unwrap();
    std::fs::write(
        d.join("main.fl"),
        "(import \"part\" (answer))\n(display (answer))\n(newline)\n",
    )
    .unwrap();
    let (_w, out, err) = start(&d);
    wait_for(&err, "the syntax error", |l| l.contains("error[E0002]"));
    std::fs::write(&module, "(define (answer) (+ 40 2))\n").unwrap();
    wait_for(&out, "the program's output", |l| l == "42");
    wait_for(&err, "the end of the run", |l| {
        l.contains("the program ended")
    });
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn watch_with_deny_audits_every_save_incrementally() {
    let d = dir("deny");
    let module = d.join("greeting.fl");
    let pure = "(define (shout s) (string-append s \"!\"))\n\
                (define (message i) (shout (number->string i)))\n";
    std::fs::write(&module, pure).unwrap();
    std::fs::write(d.join("main.fl"), TICKING_MAIN).unwrap();
    // main prints, but only `greeting` is checked.
    let (_w, out, err) = start_with(&d, &["--deny", "io,state", "--in", "greeting"]);
    wait_for(&err, "the first audit", |l| {
        l == "watch: no violations of --deny io,state"
    });
    wait_for(&out, "the program's output", |l| l == "0!");
    // `shout` now prints: it and `message`, which calls it, violate.
    std::fs::write(
        &module,
        pure.replace("(string-append", "(display s) (string-append"),
    )
    .unwrap();
    let seen = wait_for(&err, "the second violation", |l| {
        l.starts_with("  greeting.message ")
    });
    let at = seen
        .iter()
        .position(|l| l.starts_with("error[E0502]"))
        .expect("the violations' header");
    assert_eq!(
        seen[at..],
        [
            "error[E0502]: 2 violations of --deny io,state",
            "  greeting.shout (greeting.fl:1:1) may perform io: shout (greeting.fl:1:19) -> display",
            "  greeting.message (greeting.fl:2:1) may perform io: message (greeting.fl:2:21) -> shout (greeting.fl:1:19) -> display",
        ],
        "{seen:?}"
    );
    // Fixed again.
    std::fs::write(&module, pure).unwrap();
    wait_for(&err, "the audit after the fix", |l| {
        l == "watch: no violations of --deny io,state"
    });
    let _ = std::fs::remove_dir_all(&d);
}
