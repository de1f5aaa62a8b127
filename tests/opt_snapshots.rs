//! Snapshots of `fluent emit --emit opt -O3` for programs where a rewrite
//! is the point: `tests/opt/NAME.fl` (or `tests/opt/NAME/main.fl` for a
//! module tree) against `tests/opt/NAME.opt`. With `UPDATE_SNAPSHOTS=1`
//! the snapshots are written instead (review the diff before committing).

use std::path::{Path, PathBuf};
use std::process::Command;

fn emit_opt(root: &Path, program: &Path) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_fluent"))
        .current_dir(root)
        .args(["emit", "--emit", "opt", "-O3"])
        .arg(program)
        .output()
        .expect("fluent runs");
    assert!(
        out.status.success(),
        "emit failed for {}: {}",
        program.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8")
}

fn programs(dir: &Path) -> Vec<(PathBuf, PathBuf)> {
    let mut out = Vec::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("tests/opt")
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() && p.join("main.fl").is_file() {
            out.push((p.join("main.fl"), p.with_extension("opt")));
        } else if p.extension().is_some_and(|e| e == "fl") {
            out.push((p.clone(), p.with_extension("opt")));
        }
    }
    out
}

#[test]
fn optimized_core_matches_its_snapshot() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let all = programs(&root.join("tests/opt"));
    assert!(all.len() >= 2, "snapshot programs under tests/opt");
    let update = std::env::var_os("UPDATE_SNAPSHOTS").is_some();
    let mut stale = Vec::new();
    for (program, snapshot) in all {
        let rel = program.strip_prefix(&root).expect("under root");
        let got = emit_opt(&root, rel);
        if update {
            std::fs::write(&snapshot, &got).expect("write the snapshot");
            continue;
        }
        let want = std::fs::read_to_string(&snapshot).unwrap_or_default();
        if got != want {
            stale.push(format!(
                "{}:\n--- expected\n{want}--- got\n{got}",
                rel.display()
            ));
        }
    }
    assert!(
        stale.is_empty(),
        "snapshots differ (UPDATE_SNAPSHOTS=1 rewrites them):\n{}",
        stale.join("\n")
    );
}
