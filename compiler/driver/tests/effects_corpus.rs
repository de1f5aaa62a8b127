//! The effect inference corpus (`tests/effects/`, see its README): each
//! module tree's definitions must have exactly the expected effects.

use fluent_driver::{Database, MemoryFiles, load, search_roots};
use fluent_effects::program_effects;
use fluent_linker::Loader;
use fluent_linker::graph::Def;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/effects")
}

/// `;;= module.name: kinds` lines.
fn expectations(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|l| l.strip_prefix(";;= "))
        .filter_map(|l| l.split_once(": "))
        .map(|(d, k)| (d.trim().to_string(), k.trim().to_string()))
        .collect()
}

/// The mismatches of one corpus file.
fn check(file: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(file).expect("corpus file reads");
    let fs = MemoryFiles::from_fixture(&text);
    let main = fs.0[Path::new("main.fl")].clone();
    let mut db = Database::default();
    let mut loader = Loader::new(search_roots(Path::new("main.fl"), &[]));
    let tree = match load(&mut db, &mut loader, &fs, "main.fl", &main) {
        Ok(t) => t,
        Err(ds) => {
            let shown: Vec<String> = ds.iter().map(|d| fluent_driver::render(&db, d)).collect();
            return vec![format!("does not compile:\n{}", shown.concat())];
        }
    };
    let table = program_effects(&db, tree.main);
    let expected = expectations(&text);
    let mut problems = Vec::new();
    for (def, want) in &expected {
        let got = table
            .defs
            .iter()
            .find(|(d, _)| d.to_string() == *def)
            .map(|(_, e)| e.reported().to_string());
        match got {
            Some(got) if got == *want => {}
            Some(got) => problems.push(format!("{def}: expected {want}, inferred {got}")),
            None => problems.push(format!("{def}: no such definition")),
        }
    }
    // Every definition of main.fl is checked.
    for def in table.defs.keys() {
        let in_main = match def {
            Def::Global(g) => &*g.module == "main",
            Def::Expr(m, _) => &**m == "main",
        };
        if in_main && !expected.contains_key(&def.to_string()) && matches!(def, Def::Global(_)) {
            problems.push(format!("{def}: no expectation"));
        }
    }
    problems
}

#[test]
fn every_corpus_program_has_its_expected_effects() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus_dir())
        .expect("tests/effects exists")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "fl"))
        .collect();
    files.sort();
    assert!(files.len() >= 6, "the corpus is there");
    let mut failures = Vec::new();
    for f in &files {
        for p in check(f) {
            failures.push(format!("{}: {p}", f.file_name().unwrap().to_string_lossy()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
