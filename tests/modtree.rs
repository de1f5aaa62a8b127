//! The generated module tree of the `modtree` bench (200 modules, 50,000
//! lines): `fluent run` compiles and runs it and prints the checksum the
//! generator computes; and after an edit of one function body, a rebuild
//! in the same database lowers and compiles only that function and runs
//! the new checksum.

#[path = "../compiler/driver/tests/common/mod.rs"]
mod common;
#[path = "../benches/modtree/gen.rs"]
mod generator;
#[path = "../benches/modtree/queries.rs"]
mod queries;

use common::SharedBuf;
use fluent_driver::{Database, MemoryFiles, build, load, search_roots};
use fluent_ir::file_items;
use fluent_linker::Loader;
use fluent_vm::{Vm, VmConfig};
use generator::{Config, Tree};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

#[test]
fn the_generated_tree_has_its_size_and_is_deterministic() {
    let tree = Tree::generate(Config::default());
    assert_eq!(tree.modules(), 200);
    let files = tree.files();
    let lines: usize = files.iter().map(|(_, text)| text.lines().count()).sum();
    assert_eq!(lines, 50_000);
    assert_eq!(files, Tree::generate(Config::default()).files());
    assert!(
        tree.edit.callers.len() >= 3,
        "the edited function has callers in other modules: {:?}",
        tree.edit
    );
}

/// A fresh folder under the system's temporary folder, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        let dir = std::env::temp_dir().join(format!("fluent-modtree-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create the temporary folder");
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn fluent_run_prints_the_checksum() {
    let tree = Tree::generate(Config::default());
    let dir = TempDir::new();
    for (path, text) in tree.files() {
        let path = dir.0.join(path);
        std::fs::create_dir_all(path.parent().expect("a folder")).expect("create a folder");
        std::fs::write(path, text).expect("write a module");
    }
    let main = dir.0.join("main.fl");
    std::fs::write(&main, tree.main_text()).expect("write main.fl");
    let out = Command::new(env!("CARGO_BIN_EXE_fluent"))
        .arg("run")
        .arg(&main)
        .current_dir(&dir.0)
        .output()
        .expect("run fluent");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "fluent run failed:\n{stderr}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("{}\n", tree.checksum(0)),
        "stderr:\n{stderr}"
    );
}

#[test]
fn editing_one_body_rebuilds_only_that_function() {
    let tree = Tree::generate(Config::default());
    let mut fs = MemoryFiles(
        tree.files()
            .into_iter()
            .map(|(path, text)| (PathBuf::from(path), text))
            .collect::<HashMap<_, _>>(),
    );
    let main = tree.main_text();
    let mut db = Database::default();
    let mut loader = Loader::new(search_roots(Path::new("main.fl"), &[]));
    let loaded = load(&mut db, &mut loader, &fs, "main.fl", &main).expect("the tree loads");
    assert_eq!(
        loaded.order.len(),
        tree.modules() + 1,
        "every module is loaded"
    );
    build(&db, &loaded.order).expect("the tree compiles");

    db.start_log();
    let edit = &tree.edit;
    fs.0.insert(PathBuf::from(&edit.path), tree.module_text(edit.module, 1));
    let loaded = load(&mut db, &mut loader, &fs, "main.fl", &main).expect("the tree loads");
    let image = build(&db, &loaded.order).expect("the edited tree compiles");
    let log = queries::named(&db, &loaded.order, db.take_log());
    let name = format!("{}:{}", edit.path, edit.name);
    assert_eq!(queries::ran(&log, "lower_item"), [&*name], "{log:#?}");
    // Recompiled: the function, the check values whose calls into it
    // with constant arguments the optimizer folded (their values change),
    // and the functions that inlined it.
    let compiled = queries::ran(&log, "compile_item");
    assert!(compiled.contains(&&*name), "{log:#?}");
    let inliners: Vec<String> = loaded
        .order
        .iter()
        .flat_map(|&f| file_items(&db, f).iter().map(move |&i| (f, i)))
        .filter(|&(_, i)| {
            fluent_opt::optimization(&db, i)
                .report
                .inlined
                .iter()
                .any(|g| *g.name == *edit.name)
        })
        .map(|(f, i)| match i.key(&db) {
            fluent_ir::ItemKey::Define(n) => format!("{}:{n}", f.path(&db)),
            fluent_ir::ItemKey::Form(n) => format!("{}:#{n}", f.path(&db)),
        })
        .collect();
    assert!(
        compiled
            .iter()
            .all(|c| *c == name || c.ends_with("-check") || inliners.iter().any(|i| i == c)),
        "{log:#?}"
    );

    let buf = SharedBuf::default();
    let out = buf.output();
    let mut vm = Vm::new(Arc::new(image), VmConfig::default(), out).expect("the image loads");
    vm.run_init().expect("the program runs");
    vm.rt.out.flush();
    let printed = buf.take();
    assert_eq!(printed, format!("{}\n", tree.checksum(1)));
    assert_ne!(
        tree.checksum(1),
        tree.checksum(0),
        "the edit changes the result"
    );
}
