//! `fluent effects` on a small module tree (text and JSON, `--deny`,
//! `--in`), and `--deny` on `fluent run` and `fluent build`.

#[path = "common/cli.rs"]
mod cli;

use cli::{fluent_in, temp, text};
use std::path::PathBuf;

/// `main.fl` imports `util`: `report` performs io through `util.log-twice`
/// and `util.say`, `area` is pure, `bump!` assigns a module variable.
const MAIN: &str = "\
(import \"util\" (log-twice square))
(define counter 0)
(define (report x) (log-twice x))
(define (area r) (square r))
(define (bump!) (set! counter (+ counter 1)))
(report (area 3))
";

const UTIL: &str = "\
(module util (export log-twice square))
(define (say x) (display x) (newline))
(define (log-twice x) (say x) (say x))
(define (square x) (* x x))
";

/// What the program prints when it runs.
const PRINTS: &str = "9\n9\n";

/// The paths of `util.fl`'s io definitions, as the violations show them.
const UTIL_VIOLATIONS: &str = concat!(
    "  util.say (util.fl:2:1) may perform io: say (util.fl:2:17) -> display\n",
    "  util.log-twice (util.fl:3:1) may perform io: log-twice (util.fl:3:23) -> say (util.fl:2:17) -> display\n",
);

/// A tree in a fresh folder of its own (tests run in parallel), removed
/// on drop.
struct Tree(PathBuf);

impl Tree {
    fn new(name: &str, files: &[(&str, &str)]) -> Tree {
        let dir = temp(&format!("effects-{name}"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("make the tree's folder");
        for (path, body) in files {
            std::fs::write(dir.join(path), body).expect("write a module");
        }
        Tree(dir)
    }

    /// `main.fl` and `util.fl`.
    fn modules(name: &str) -> Tree {
        Tree::new(name, &[("main.fl", MAIN), ("util.fl", UTIL)])
    }

    /// `fluent ARGS` in the tree's folder, which must not panic.
    fn fluent(&self, args: &[&str]) -> Ran {
        let r = fluent_in(&self.0, args);
        let ran = Ran {
            code: r.status.code(),
            out: text(&r.stdout),
            err: text(&r.stderr),
        };
        assert!(!ran.err.contains("panicked"), "{args:?}: {}", ran.err);
        ran
    }

    fn path(&self, file: &str) -> PathBuf {
        self.0.join(file)
    }
}

impl Drop for Tree {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// What a run of `fluent` did.
struct Ran {
    code: Option<i32>,
    out: String,
    err: String,
}

/// The error part of `fluent effects` output (it follows the listing).
fn violations(out: &str) -> &str {
    out.find("error[E0502]").map_or("", |i| &out[i..])
}

#[test]
fn the_audit_lists_every_definition_with_its_paths() {
    let t = Tree::modules("text");
    let r = t.fluent(&["effects", "main.fl"]);
    assert_eq!(r.code, Some(0), "{}", r.err);
    // The imported module first; each io path goes through `log-twice`
    // in the other module and ends at `display`.
    assert_eq!(
        r.out,
        "\
util.fl:
  say (2:1): io
    io: say (util.fl:2:17) -> display
  log-twice (3:1): io
    io: log-twice (util.fl:3:23) -> say (util.fl:2:17) -> display
  square (4:1): pure
main.fl:
  counter (2:1): pure
  report (3:1): io
    io: report (main.fl:3:20) -> log-twice (util.fl:3:23) -> say (util.fl:2:17) -> display
  area (4:1): pure
  bump! (5:1): state
    state: bump! (main.fl:5:17) -> set! counter
  <form 1> (6:1): io
    io: <form 1> (main.fl:6:1) -> report (main.fl:3:20) -> log-twice (util.fl:3:23) -> say (util.fl:2:17) -> display
"
    );
}

#[test]
fn the_json_audit_follows_schema_version_1() {
    // One function, one value, one expression; the expected text was
    // checked with a JSON parser (`python3 -m json.tool`).
    let t = Tree::new(
        "json",
        &[(
            "main.fl",
            "(define (shout x) (display x))\n(define twice (* 2 21))\n(shout twice)\n",
        )],
    );
    let r = t.fluent(&["effects", "main.fl", "--format", "json", "--deny", "io"]);
    assert_eq!(r.code, Some(1), "a violation fails");
    let step_display =
        r#"{"in": "shout", "file": "main.fl", "line": 1, "column": 19, "does": "display"}"#;
    let step_call =
        r#"{"in": "<form 1>", "file": "main.fl", "line": 3, "column": 1, "does": "calls shout"}"#;
    let expected = format!(
        r#"{{
  "version": 1,
  "definitions": [
    {{"name": "shout", "module": "main", "file": "main.fl", "line": 1, "column": 1, "kind": "function", "effects": ["io"], "paths": {{"io": [{step_display}]}}}},
    {{"name": "twice", "module": "main", "file": "main.fl", "line": 2, "column": 1, "kind": "value", "effects": [], "paths": {{}}}},
    {{"name": "<form 1>", "module": "main", "file": "main.fl", "line": 3, "column": 1, "kind": "expression", "effects": ["io"], "paths": {{"io": [{step_call}, {step_display}]}}}}
  ],
  "denied": ["io"],
  "violations": [
    {{"name": "shout", "module": "main", "effect": "io", "path": [{step_display}]}},
    {{"name": "<form 1>", "module": "main", "effect": "io", "path": [{step_call}, {step_display}]}}
  ]
}}
"#
    );
    assert_eq!(r.out, expected);
    // The module tree: the imported module's definitions carry its name,
    // and without --deny nothing is denied or violated.
    let r = Tree::modules("json-tree").fluent(&["effects", "main.fl", "--format", "json"]);
    assert_eq!(r.code, Some(0), "{}", r.err);
    let out = r.out;
    assert!(out.starts_with("{\n  \"version\": 1,\n"), "{out}");
    assert!(
        out.contains(r#"{"name": "log-twice", "module": "util", "file": "util.fl", "line": 3, "column": 1, "kind": "function", "effects": ["io"], "paths": {"io": [{"in": "log-twice", "file": "util.fl", "line": 3, "column": 23, "does": "calls say"}, {"in": "say", "file": "util.fl", "line": 2, "column": 17, "does": "display"}]}}"#),
        "{out}"
    );
    assert!(out.contains("\"denied\": [],"), "{out}");
    assert!(out.ends_with("\"violations\": [\n\n  ]\n}\n"), "{out}");
}

#[test]
fn deny_fails_with_the_paths_of_the_violations() {
    let t = Tree::modules("deny");
    let r = t.fluent(&["effects", "main.fl", "--deny", "io"]);
    assert_eq!(r.code, Some(1), "io is performed");
    let out = r.out;
    assert_eq!(
        violations(&out),
        format!(
            "error[E0502]: 4 violations of --deny io\n{UTIL_VIOLATIONS}{}{}",
            "  main.report (main.fl:3:1) may perform io: report (main.fl:3:20) -> log-twice (util.fl:3:23) -> say (util.fl:2:17) -> display\n",
            "  main.<form 1> (main.fl:6:1) may perform io: <form 1> (main.fl:6:1) -> report (main.fl:3:20) -> log-twice (util.fl:3:23) -> say (util.fl:2:17) -> display\n",
        )
    );
    // Nothing performs network: no violation.
    let r = t.fluent(&["effects", "main.fl", "--deny", "network"]);
    assert_eq!(r.code, Some(0), "{}", r.out);
    assert_eq!(violations(&r.out), "");
    // Several kinds at once: state only in `bump!`.
    let r = t.fluent(&["effects", "main.fl", "--deny", "network,state"]);
    assert_eq!(r.code, Some(1));
    assert_eq!(
        violations(&r.out),
        "error[E0502]: 1 violation of --deny state,network\n  \
         main.bump! (main.fl:5:1) may perform state: bump! (main.fl:5:17) -> set! counter\n"
    );
}

#[test]
fn in_restricts_the_check_to_matching_modules() {
    let t = Tree::modules("in");
    let r = t.fluent(&["effects", "main.fl", "--deny", "io", "--in", "util*"]);
    assert_eq!(r.code, Some(1), "util performs io");
    assert_eq!(
        violations(&r.out),
        format!("error[E0502]: 2 violations of --deny io\n{UTIL_VIOLATIONS}")
    );
    // The glob matches file paths too.
    let r = t.fluent(&["effects", "main.fl", "--deny", "io", "--in", "*.fl"]);
    assert!(violations(&r.out).starts_with("error[E0502]: 4 violations"));
    // `util` does not assign, though `main` does.
    let r = t.fluent(&["effects", "main.fl", "--deny", "state", "--in", "util"]);
    assert_eq!(r.code, Some(0), "{}", r.out);
    assert_eq!(violations(&r.out), "");
}

#[test]
fn bad_flags_are_usage_errors() {
    let t = Tree::modules("usage");
    // `--in` restricts `--deny`: alone it means nothing.
    let r = t.fluent(&["effects", "main.fl", "--in", "util"]);
    assert_eq!(r.code, Some(2), "clap's usage error");
    assert!(r.err.contains("--deny"), "{}", r.err);
    assert!(r.out.is_empty(), "no audit");
    // An unknown kind is named.
    for cmd in ["effects", "run"] {
        let r = t.fluent(&[cmd, "main.fl", "--deny", "io,disk"]);
        assert_eq!(r.code, Some(2), "{cmd}: {}", r.err);
        assert!(
            r.err.contains("unknown effect kind `disk`"),
            "{cmd}: {}",
            r.err
        );
        assert!(r.out.is_empty(), "{cmd}: nothing audited or run");
    }
}

#[test]
fn run_checks_deny_before_running() {
    let t = Tree::modules("run");
    let r = t.fluent(&["run", "main.fl", "--deny", "io"]);
    assert_eq!(r.code, Some(1));
    assert_eq!(r.out, "", "the program does not run");
    assert!(
        r.err.contains("error[E0502]: 4 violations of --deny io\n"),
        "{}",
        r.err
    );
    assert!(r.err.contains(UTIL_VIOLATIONS), "{}", r.err);
    // A kind the program does not perform: it runs as without --deny.
    let r = t.fluent(&["run", "main.fl", "--deny", "network"]);
    assert_eq!(r.code, Some(0), "{}", r.err);
    assert_eq!(r.out, PRINTS);
    assert_eq!(r.err, "");
}

#[test]
fn build_checks_deny_before_writing_the_image() {
    let t = Tree::modules("build");
    let image = t.path("x.fimg");
    let r = t.fluent(&["build", "main.fl", "-o", "x.fimg", "--deny", "io"]);
    assert_eq!(r.code, Some(1));
    assert!(
        r.err.contains("error[E0502]: 4 violations of --deny io\n"),
        "{}",
        r.err
    );
    assert!(!image.exists(), "no image is written");
    // Allowed: the image is written, and runs.
    let r = t.fluent(&["build", "main.fl", "-o", "x.fimg", "--deny", "network"]);
    assert_eq!(r.code, Some(0), "{}", r.err);
    assert!(image.exists(), "the image is written");
    let r = t.fluent(&["run", "x.fimg"]);
    assert_eq!(r.out, PRINTS);
}
