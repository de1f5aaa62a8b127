//! Incremental compilation: edit a file in the database, build again, and
//! read from the query log which per-item queries ran again.
//!
//! Items store their syntax relative to their own start, so an edit
//! re-lowers and recompiles only the items whose text changed, even when
//! it moves the items after it.

mod common;

use fluent_driver::{Database, build};
use fluent_ir::{Db, ItemKey, SourceFile, file_items};
use fluent_vm::{Vm, VmConfig};
use salsa::Setter;
use salsa::plumbing::AsId;
use std::collections::HashMap;
use std::sync::Arc;

const SRC: &str = "\
(define (a) 1)
(define (b) 2)
(define (c) (car (list)))
(display (list (a) (b)))
(c)
";

/// A database holding `SRC` as `m.fl`, built once, logging from now on.
fn built() -> (Database, SourceFile) {
    let db = Database::default();
    let file = db.add_file("m.fl", SRC);
    build(&db, &[file]).expect("SRC compiles");
    db.start_log();
    (db, file)
}

/// Replaces the file's text and builds again. Returns the queries that ran,
/// with their ids replaced by names: items by their key (`b`, or `#0` for
/// the first expression), prelude items as `prelude:map`, files by path.
fn edit(db: &mut Database, file: SourceFile, text: &str) -> Vec<String> {
    file.set_text(db).to(text.into());
    build(db, &[file]).expect("the edited text compiles");
    let log = db.take_log();
    let mut names = HashMap::new();
    let prelude = db.prelude();
    for (f, prefix) in [(file, ""), (prelude, "prelude:")] {
        names.insert(format!("{:?}", f.as_id()), f.path(db).to_string());
        for item in file_items(db, f) {
            let key = match item.key(db) {
                ItemKey::Define(name) => name.to_string(),
                ItemKey::Form(n) => format!("#{n}"),
            };
            names.insert(format!("{:?}", item.as_id()), format!("{prefix}{key}"));
        }
    }
    // Entries look like `lower_item(Id(9a))`.
    log.into_iter()
        .map(|entry| match entry.split_once('(') {
            Some((query, id)) => {
                let id = id.strip_suffix(')').unwrap_or(id);
                match names.get(id) {
                    Some(name) => format!("{query}({name})"),
                    None => entry,
                }
            }
            None => entry,
        })
        .collect()
}

/// The arguments `query` ran with, in order.
fn ran<'a>(log: &'a [String], query: &str) -> Vec<&'a str> {
    log.iter()
        .filter_map(|e| e.strip_prefix(query)?.strip_prefix('(')?.strip_suffix(')'))
        .collect()
}

#[test]
fn the_first_build_runs_every_item_once() {
    let db = Database::default();
    db.start_log();
    let file = db.add_file("m.fl", SRC);
    build(&db, &[file]).expect("SRC compiles");
    let log = db.take_log();
    let ids: Vec<String> = file_items(&db, file)
        .iter()
        .map(|it| format!("{:?}", it.as_id()))
        .collect();
    for query in ["lower_item", "compile_item"] {
        for id in &ids {
            let entry = format!("{query}({id})");
            let n = log.iter().filter(|e| **e == entry).count();
            assert_eq!(n, 1, "{entry} in {log:#?}");
        }
    }
}

#[test]
fn editing_a_body_reruns_only_that_item() {
    let (mut db, file) = built();
    let log = edit(&mut db, file, &SRC.replace("(b) 2", "(b) 3"));
    assert_eq!(ran(&log, "file_items"), ["m.fl"], "{log:#?}");
    assert_eq!(ran(&log, "lower_item"), ["b"], "{log:#?}");
    assert_eq!(ran(&log, "compile_item"), ["b"], "{log:#?}");
    // The set of defined names did not change.
    assert_eq!(ran(&log, "module_env"), [] as [&str; 0], "{log:#?}");
}

#[test]
fn an_edit_that_moves_later_items_does_not_rerun_them() {
    let (mut db, file) = built();
    let c_offset = |db: &Database| {
        let items = file_items(db, file);
        let c = items
            .iter()
            .find(|it| *it.key(db) == ItemKey::Define("c".into()));
        c.expect("c is defined").offset(db)
    };
    let before = c_offset(&db);
    // `b` grows by a line: `c` and both expressions move.
    let text = SRC.replace("(b) 2", "(b)\n  (+ 2 20)");
    let log = edit(&mut db, file, &text);
    let grown = (text.len() - SRC.len()) as u32;
    assert_eq!(c_offset(&db), before + grown, "c moved");
    assert_eq!(ran(&log, "lower_item"), ["b"], "{log:#?}");
    assert_eq!(ran(&log, "compile_item"), ["b"], "{log:#?}");

    // `c` was not recompiled, yet the program runs the new `b` and reports
    // `c`'s error at its new place.
    let image = build(&db, &[file]).expect("compiles");
    let out = common::SharedBuf::default();
    let mut vm = Vm::new(Arc::new(image), VmConfig::default(), out.output()).expect("loads");
    let err = vm.run_init().expect_err("(c) fails");
    vm.rt.out.flush();
    assert_eq!(out.take(), "(1 22)");
    assert_eq!(err.message, "car: expected a pair, got ()");
    let at = err.location.expect("located");
    assert_eq!((&*at.path, at.line, at.col), ("m.fl", 4, 13));
}

#[test]
fn editing_whitespace_and_comments_between_items_reruns_no_item() {
    let (mut db, file) = built();
    let text = format!(
        ";; a header\n\n{}",
        SRC.replace(")\n(define (b)", ")\n\n;; b:\n(define (b)")
    );
    let log = edit(&mut db, file, &text);
    // The file was read again...
    assert_eq!(ran(&log, "file_items"), ["m.fl"], "{log:#?}");
    // ...but no item changed.
    let none: [&str; 0] = [];
    assert_eq!(ran(&log, "module_env"), none, "{log:#?}");
    assert_eq!(ran(&log, "lower_item"), none, "{log:#?}");
    assert_eq!(ran(&log, "compile_item"), none, "{log:#?}");
}

#[test]
fn editing_an_expression_reruns_only_it() {
    let (mut db, file) = built();
    let log = edit(
        &mut db,
        file,
        &SRC.replace("(list (a) (b))", "(list (b) (a))"),
    );
    assert_eq!(ran(&log, "lower_item"), ["#0"], "{log:#?}");
    assert_eq!(ran(&log, "compile_item"), ["#0"], "{log:#?}");
}

#[test]
fn adding_a_definition_reruns_the_module_env_and_the_new_item() {
    let (mut db, file) = built();
    let text = SRC.replace("(display", "(define (d) 4)\n(display");
    let log = edit(&mut db, file, &text);
    assert_eq!(ran(&log, "module_env"), ["m.fl"], "{log:#?}");
    // Every item of the file reads the module's set of names, so all are
    // lowered again (the prelude's are not); only the new one lowers to
    // different Core, so only it is compiled.
    let mut lowered = ran(&log, "lower_item");
    lowered.sort_unstable();
    assert_eq!(lowered, ["#0", "#1", "a", "b", "c", "d"], "{log:#?}");
    assert_eq!(ran(&log, "compile_item"), ["d"], "{log:#?}");
}
