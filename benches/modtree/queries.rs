//! Naming the entries of the database's query log (`Database::take_log`)
//! for the `modtree` bench and `tests/modtree.rs`: an entry such as
//! `lower_item(Id(9a))` becomes `lower_item(pkg5/m00.fl:p5m00-f3)`.
#![allow(dead_code)]

use fluent_driver::Database;
use fluent_ir::{Db, ItemKey, SourceFile, file_items};
use salsa::plumbing::AsId;
use std::collections::HashMap;

/// `log` with each id replaced by a name: a file by its path, an item by
/// `path:name` (`path:#n` for the `n`th top-level expression).
pub fn named(db: &Database, files: &[SourceFile], log: Vec<String>) -> Vec<String> {
    let mut names = HashMap::new();
    let prelude = db.prelude();
    for &f in files.iter().chain([&prelude]) {
        let path = f.path(db).to_string();
        names.insert(format!("{:?}", f.as_id()), path.clone());
        for item in file_items(db, f) {
            let key = match item.key(db) {
                ItemKey::Define(name) => name.to_string(),
                ItemKey::Form(n) => format!("#{n}"),
            };
            names.insert(format!("{:?}", item.as_id()), format!("{path}:{key}"));
        }
    }
    log.into_iter()
        .map(|entry| {
            let Some((query, id)) = entry.split_once('(') else {
                return entry;
            };
            let id = id.strip_suffix(')').unwrap_or(id);
            match names.get(id) {
                Some(name) => format!("{query}({name})"),
                None => entry,
            }
        })
        .collect()
}

/// The arguments `query` ran with, in log order.
pub fn ran<'a>(log: &'a [String], query: &str) -> Vec<&'a str> {
    log.iter()
        .filter_map(|e| e.strip_prefix(query)?.strip_prefix('(')?.strip_suffix(')'))
        .collect()
}
