//! Incremental compilation across a module tree: an edit re-runs the
//! queries of what it changed and of the modules that really depend on
//! the change, read from salsa's event log.

use fluent_driver::{Database, MemoryFiles, build, load, search_roots};
use fluent_ir::{ItemKey, SourceFile, file_items};
use fluent_linker::Loader;
use salsa::plumbing::AsId;
use std::collections::HashMap;
use std::path::Path;

const TREE: &str = "\
;;- /main.fl
(import \"geo/shapes\" (area))
(import \"util\" *)
(display (list (area 2) (twice 5)))
;;- /geo/shapes.fl
(module shapes
  (export area)
  (import \"../util\" (twice))
  (define (area r) (twice (* r r)))
  (define (unused) 0))
;;- /util.fl
(define (twice x) (* 2 x))
(define (thrice x) (* 3 x))
";

struct Tree {
    db: Database,
    loader: Loader,
    fs: MemoryFiles,
}

impl Tree {
    /// The tree at -O1: these tests are about what modules see of each
    /// other, which inlining (-O2) would blur; see
    /// [`an_edit_reoptimizes_the_definitions_that_inlined_it`].
    fn new() -> Tree {
        Tree::at(1)
    }

    fn at(level: u8) -> Tree {
        let fs = MemoryFiles::from_fixture(TREE);
        let mut t = Tree {
            db: Database::with_opt_level(level),
            loader: Loader::new(search_roots(Path::new("main.fl"), &[])),
            fs,
        };
        t.build();
        t.db.start_log();
        t
    }

    /// Loads and builds; the files in initialisation order.
    fn build(&mut self) -> Vec<SourceFile> {
        let main = self.fs.0[Path::new("main.fl")].clone();
        let tree = load(&mut self.db, &mut self.loader, &self.fs, "main.fl", &main)
            .expect("the tree compiles");
        build(&self.db, &tree.order).expect("the tree links");
        tree.order
    }

    /// Replaces `from` by `to` in file `path`, builds again, and returns
    /// the queries that ran, named: items by `module:key`, files by path.
    fn edit(&mut self, path: &str, from: &str, to: &str) -> Vec<String> {
        let text = self.fs.0.get_mut(Path::new(path)).expect("a fixture file");
        assert!(text.contains(from), "{from:?} in {path}");
        *text = text.replace(from, to);
        let files = self.build();
        let log = self.db.take_log();
        let mut names = HashMap::new();
        for f in files {
            let path = f.path(&self.db).to_string();
            names.insert(format!("{:?}", f.as_id()), path.clone());
            for item in file_items(&self.db, f) {
                let key = match item.key(&self.db) {
                    ItemKey::Define(name) => name.to_string(),
                    ItemKey::Form(n) => format!("#{n}"),
                };
                names.insert(format!("{:?}", item.as_id()), format!("{path}:{key}"));
            }
        }
        log.into_iter()
            .filter_map(|entry| {
                let (query, id) = entry.split_once('(')?;
                let id = id.strip_suffix(')').unwrap_or(id);
                Some(format!("{query}({})", names.get(id).map_or(id, |n| n)))
            })
            .collect()
    }
}

/// The arguments `query` ran with, sorted.
fn ran<'a>(log: &'a [String], query: &str) -> Vec<&'a str> {
    let mut v: Vec<&str> = log
        .iter()
        .filter_map(|e| e.strip_prefix(query)?.strip_prefix('(')?.strip_suffix(')'))
        .collect();
    v.sort_unstable();
    v
}

const NONE: [&str; 0] = [];

#[test]
fn editing_a_body_in_an_imported_module_reruns_only_that_function() {
    let mut t = Tree::new();
    let log = t.edit("util.fl", "(* 2 x)", "(+ x x)");
    assert_eq!(ran(&log, "lower_item"), ["util.fl:twice"], "{log:#?}");
    assert_eq!(ran(&log, "compile_item"), ["util.fl:twice"], "{log:#?}");
    // Nobody's view of the module changed.
    assert_eq!(ran(&log, "module_scope"), NONE, "{log:#?}");
    assert_eq!(ran(&log, "exports"), NONE, "{log:#?}");
}

#[test]
fn editing_exports_re_resolves_only_the_importers() {
    let mut t = Tree::new();
    let log = t.edit("geo/shapes.fl", "(export area)", "(export area unused)");
    assert_eq!(ran(&log, "exports"), ["geo/shapes.fl"], "{log:#?}");
    // shapes' own scope reads its header; main imports shapes; util does
    // not, and nothing of util re-ran.
    assert_eq!(
        ran(&log, "module_scope"),
        ["geo/shapes.fl", "main.fl"],
        "{log:#?}"
    );
    assert!(
        !log.iter().any(|e| e.contains("util.fl")),
        "util.fl is not an importer: {log:#?}"
    );
    // main's items see a new qualified name but lower to the same Core.
    assert_eq!(ran(&log, "compile_item"), NONE, "{log:#?}");
}

#[test]
fn adding_an_unused_definition_leaves_importers_alone() {
    let mut t = Tree::new();
    // shapes exports only `area`: a new private definition changes its
    // defined names, not what importers see.
    let log = t.edit(
        "geo/shapes.fl",
        "(define (unused) 0)",
        "(define (unused) 0)\n  (define (more) 1)",
    );
    assert_eq!(ran(&log, "module_scope"), ["geo/shapes.fl"], "{log:#?}");
    assert!(
        !log.iter().any(|e| e.contains("main.fl:")),
        "no item of main.fl re-ran: {log:#?}"
    );
}

#[test]
fn a_body_edit_that_keeps_what_a_function_does_does_not_rerun_inference() {
    let mut t = Tree::new();
    let log = t.edit("util.fl", "(* 2 x)", "(* x 2)");
    assert_eq!(ran(&log, "item_analysis"), ["util.fl:twice"], "{log:#?}");
    // The same calls and effects: the program's inference does not run.
    assert_eq!(ran(&log, "program_effects"), NONE, "{log:#?}");
    assert_eq!(ran(&log, "effects_of"), NONE, "{log:#?}");
    assert_eq!(ran(&log, "compile_item"), ["util.fl:twice"], "{log:#?}");
}

#[test]
fn an_edit_that_keeps_a_function_pure_leaves_its_callers_optimized_code_alone() {
    let mut t = Tree::new();
    // twice now calls thrice: a new edge, the same (pure) effects.
    let log = t.edit("util.fl", "(* 2 x)", "(- (thrice x) x)");
    assert_eq!(ran(&log, "program_effects").len(), 1, "{log:#?}");
    // area calls twice; what it knows of twice (pure) did not change, so
    // it is not optimized again (main's `(twice 5)` is: it was folded
    // by running twice's code).
    let optimized = ran(&log, "optimized_item");
    assert!(!optimized.contains(&"geo/shapes.fl:area"), "{log:#?}");
    assert!(optimized.contains(&"util.fl:twice"), "{log:#?}");
    assert_eq!(ran(&log, "compile_item"), ["util.fl:twice"], "{log:#?}");
}

#[test]
fn an_edit_reoptimizes_the_definitions_that_inlined_it() {
    let mut t = Tree::at(2);
    // area inlines twice, and main's expression inlines area and twice.
    let log = t.edit("util.fl", "(* 2 x)", "(+ x x)");
    let inliners = ["geo/shapes.fl:area", "main.fl:#0", "util.fl:twice"];
    assert_eq!(ran(&log, "optimization"), inliners, "{log:#?}");
    // main's calls fold to the same constants, so its code is not
    // compiled again.
    let changed = ["geo/shapes.fl:area", "util.fl:twice"];
    assert_eq!(ran(&log, "compile_item"), changed, "{log:#?}");
    // Nobody calls thrice: an edit of it re-optimizes it alone.
    let log = t.edit("util.fl", "(* 3 x)", "(+ x x x)");
    assert_eq!(ran(&log, "optimization"), ["util.fl:thrice"], "{log:#?}");
    assert_eq!(ran(&log, "compile_item"), ["util.fl:thrice"], "{log:#?}");
}
