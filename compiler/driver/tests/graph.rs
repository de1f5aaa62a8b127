//! The module graph, the call graph, and linking only what the program
//! reaches.

mod common;

use fluent_driver::{Database, MemoryFiles, build_tree, load, search_roots};

use fluent_linker::graph::{Def, call_graph, module_graph};
use fluent_linker::{Loader, Tree};
use fluent_vm::bytecode::GlobalName;
use fluent_vm::{Vm, VmConfig};
use std::path::Path;
use std::sync::Arc;

const TREE: &str = "\
;;- /main.fl
(import \"geo/shapes\" (area))
(import \"util\" *)
(display (list (area 2) (map twice '(1 2))))
;;- /geo/shapes.fl
(module shapes
  (export area unused)
  (import \"../util\" (twice))
  (define (area r) (twice (* r r)))
  (define (unused) (twice 0)))
;;- /util.fl
(define (twice x) (* 2 x))
(define (thrice x) (* 3 x))
(define noisy (begin (display \"util \") 0))
";

fn loaded() -> (Database, Tree) {
    let fs = MemoryFiles::from_fixture(TREE);
    let mut db = Database::default();
    let mut loader = Loader::new(search_roots(Path::new("main.fl"), &[]));
    let main = fs.0[Path::new("main.fl")].clone();
    let tree = load(&mut db, &mut loader, &fs, "main.fl", &main).expect("compiles");
    (db, tree)
}

fn global(module: &str, name: &str) -> Def {
    Def::Global(GlobalName {
        module: module.into(),
        name: name.into(),
    })
}

#[test]
fn the_module_graph_has_every_import() {
    let (db, tree) = loaded();
    let g = &module_graph(&db, tree.main).graph;
    let mut edges: Vec<(String, String)> = g
        .raw_edges()
        .iter()
        .map(|e| {
            let name = |n: petgraph::graph::NodeIndex| g[n].path(&db).to_string();
            (name(e.source()), name(e.target()))
        })
        .collect();
    edges.sort();
    let want = [
        ("geo/shapes.fl", "util.fl"),
        ("main.fl", "geo/shapes.fl"),
        ("main.fl", "util.fl"),
    ];
    let want: Vec<(String, String)> = want
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    assert_eq!(edges, want);
    // Initialisation order: dependencies first, each once.
    let order: Vec<String> = tree.order.iter().map(|f| f.path(&db).to_string()).collect();
    assert_eq!(order, ["util.fl", "geo/shapes.fl", "main.fl"]);
}

#[test]
fn the_call_graph_crosses_modules() {
    let (db, tree) = loaded();
    let cg = call_graph(&db, tree.main);
    let callees = |d: &Def| {
        let n = cg
            .graph
            .node_indices()
            .find(|&n| cg.graph[n] == *d)
            .expect("a node");
        let mut v: Vec<String> = cg
            .graph
            .neighbors(n)
            .map(|m| cg.graph[m].to_string())
            .collect();
        v.sort();
        v
    };
    assert_eq!(callees(&global("geo.shapes", "area")), ["util.twice"]);
    assert_eq!(callees(&global("geo.shapes", "unused")), ["util.twice"]);
    let reach = cg.reachable();
    assert!(reach.contains(&global("geo.shapes", "area")));
    assert!(reach.contains(&global("util", "twice")));
    assert!(reach.contains(&global("prelude", "map")));
    assert!(!reach.contains(&global("geo.shapes", "unused")));
    assert!(!reach.contains(&global("util", "thrice")));
    assert!(!reach.contains(&global("prelude", "filter")));
}

#[test]
fn the_image_holds_only_what_the_program_reaches() {
    let (db, tree) = loaded();
    let image = build_tree(&db, &tree);
    let names: Vec<String> = image.protos.iter().map(|p| p.name.to_string()).collect();
    assert!(names.iter().any(|n| n == "area"), "{names:?}");
    assert!(
        !names.iter().any(|n| n == "unused" || n == "thrice"),
        "{names:?}"
    );
    assert!(!names.iter().any(|n| n == "filter"), "{names:?}");
    let out = common::SharedBuf::default();
    let mut vm = Vm::new(Arc::new(image), VmConfig::default(), out.output()).expect("loads");
    vm.run_init().expect("runs");
    vm.rt.out.flush();
    // `noisy` is unused, but its definition prints: it stays.
    assert_eq!(out.take(), "util (8 (2 4))");
}
