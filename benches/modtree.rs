//! The compiler on a large module tree (criterion).
//!
//! `modtree/gen.rs` generates a tree of 200 modules in 10 folders, 250
//! lines each (50,000 lines), with 2-4 imports per module, and a `main.fl`.
//! The files are held in memory (`MemoryFiles`), so no disk is read.
//!
//! - `modtree/cold-build`: a new `Database` and `Loader`, then `load` (the
//!   loader walks the imports and makes the inputs; the tree is checked)
//!   and `build` (every item lowered and compiled, the prelude's too, and
//!   linked into an image).
//! - `modtree/edit-one-body`: in a database that has built the tree, one
//!   function body of one module changes (a constant alternates between
//!   two values, so every iteration is a real change), then `load` and
//!   `build` again. Only `load` and `build` are timed.
//! - `modtree/edit-one-body-watch`: the same edit, then what `fluent watch`
//!   does on a save, at the level it compiles at (-O1).
//! - `modtree/cold-build-O0`, `modtree/cold-build-O3`: the cold build at
//!   optimization levels 0 and 3; the difference is the optimizer's cost.
//! - `effects/infer-cold`: effect inference (`program_effects`) in a new
//!   database where the tree has been loaded and every item lowered and
//!   compiled (`Loader::load` and `diagnostics`, untimed; `load` itself
//!   would already infer, to check the effect declarations).
//! - `effects/audit-one-edit`: the edited function alternates between its
//!   body and the body after a `(display x)`, so its effects and those of
//!   its callers change at every iteration. After the (untimed) load, an
//!   `EffectSession` kept since the first load is updated (it finds the
//!   edited file, reads its items' facts and solves the edited function
//!   and its callers again) and audits the edited module (with the call
//!   path of each effect): what `fluent watch --deny` does after a save.
//! - `effects/audit-one-edit-whole`: the same edits, audited without a
//!   session: `program_effects` (whole-program inference, one salsa query)
//!   and `audit` restricted to the edited file.
//!
//! ```sh
//! cargo bench --bench modtree
//! cargo bench --bench modtree -- effects
//! ```
//!
//! After criterion's report the bench prints the tree's size, this run's
//! medians against the targets (cold build <= 1 s, rebuild <= 20 ms,
//! inference <= 100 ms, audit after an edit <= 5 ms), how one rebuild
//! splits between `load` and `build`, how the audit after an edit splits
//! between inference and the audit, with a session and without (also for
//! an edit that leaves every effect as it was), and the salsa queries that
//! one edit re-executed.

#[path = "modtree/gen.rs"]
mod generator;
#[path = "modtree/queries.rs"]
mod queries;

#[path = "criterion_home.rs"]
mod home;
use criterion::measurement::WallTime;
use criterion::{BatchSize, Bencher, BenchmarkGroup, Criterion, SamplingMode};
use fluent_driver::units::Changes;
use fluent_driver::{Database, MemoryFiles, build_tree, diagnostics, load, render, search_roots};
use fluent_effects::audit::{Policy, Report, audit};
use fluent_effects::session::Updated;
use fluent_effects::{EffectSession, program_effects};
use fluent_ir::{Diagnostic, SourceFile, file_items};
use fluent_linker::{LinkInput, Linker, Loader, Tree as Loaded};
use fluent_vm::Image;
use generator::{Config, Tree};
use home::criterion_home;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

const MAIN: &str = "main.fl";

fn fail(db: &Database, what: &str, ds: Vec<Diagnostic>) -> ! {
    let text: String = ds.iter().take(5).map(|d| render(db, d)).collect();
    panic!("the generated tree does not {what}:\n{text}");
}

/// `load` then `build_tree` in `db` (what `fluent run` and `fluent build`
/// do): the image and the files in order.
fn rebuild(
    db: &mut Database,
    loader: &mut Loader,
    fs: &MemoryFiles,
    main: &str,
) -> (Image, Vec<SourceFile>) {
    let tree = load(db, loader, fs, MAIN, main).unwrap_or_else(|ds| fail(db, "load", ds));
    let image = build_tree(db, &tree);
    (image, tree.order)
}

/// A new database and loader, and `rebuild` in them.
fn cold(fs: &MemoryFiles, main: &str) -> (Database, Loader, Image, Vec<SourceFile>) {
    cold_at(fs, main, Database::default())
}

/// [`cold`] in `db` (new, at the optimization level it was made for).
fn cold_at(
    fs: &MemoryFiles,
    main: &str,
    mut db: Database,
) -> (Database, Loader, Image, Vec<SourceFile>) {
    let mut loader = Loader::new(search_roots(Path::new(MAIN), &[]));
    let (image, order) = rebuild(&mut db, &mut loader, fs, main);
    (db, loader, image, order)
}

/// What `load` does but the effect declarations' check (which infers
/// the program's effects): read the tree, lower and compile every item.
fn load_uninferred(db: &mut Database, loader: &mut Loader, fs: &MemoryFiles, main: &str) -> Loaded {
    let tree = loader
        .load(db, fs, Path::new(MAIN), main)
        .unwrap_or_else(|ds| fail(db, "load", ds));
    let ds = diagnostics(db, &tree.order);
    if !ds.is_empty() {
        fail(db, "compile", ds);
    }
    tree
}

/// The inferred effects of the program, then the audit of `file` alone.
fn infer_and_audit(db: &Database, tree: &Loaded, file: SourceFile) -> Report {
    assert!(!program_effects(db, tree.main).defs.is_empty());
    audit(db, tree.main, &[file], &Policy::default())
}

/// A group sampled flat (every sample runs the same number of iterations):
/// `samples` samples in about `secs` seconds, until [`resample`].
fn flat_group<'a>(
    c: &'a mut Criterion,
    name: &str,
    samples: usize,
    secs: u64,
) -> BenchmarkGroup<'a, WallTime> {
    let mut group = c.benchmark_group(name);
    group.sampling_mode(SamplingMode::Flat);
    resample(&mut group, samples, secs);
    group
}

/// `samples` samples in about `secs` seconds for the next benchmarks.
fn resample(group: &mut BenchmarkGroup<WallTime>, samples: usize, secs: u64) {
    group
        .sample_size(samples)
        .measurement_time(Duration::from_secs(secs));
}

/// Times `once` per iteration: it prepares, then returns how long its
/// measured part took.
fn per_iteration(b: &mut Bencher, mut once: impl FnMut() -> Duration) {
    b.iter_custom(|iters| (0..iters).map(|_| once()).sum())
}

/// The median of `xs`, in ms.
fn median_ms(mut xs: Vec<Duration>) -> f64 {
    xs.sort_unstable();
    xs[xs.len() / 2].as_secs_f64() * 1e3
}

/// The tree's files, by path, as the loader reads them.
fn memory_files(tree: &Tree) -> MemoryFiles {
    MemoryFiles(
        tree.files()
            .into_iter()
            .map(|(path, text)| (PathBuf::from(path), text))
            .collect(),
    )
}

/// This run's median (ns) of `<group>/<id>`, from its `estimates.json`.
fn median_ns(home: &Path, id: &str, since: SystemTime) -> Option<f64> {
    let path = home.join(id).join("new/estimates.json");
    if std::fs::metadata(&path).ok()?.modified().ok()? < since {
        return None;
    }
    let text = std::fs::read_to_string(&path).ok()?;
    let median = &text[text.find("\"median\":")?..];
    let rest = &median[median.find("\"point_estimate\":")? + "\"point_estimate\":".len()..];
    rest[..rest.find([',', '}'])?].trim().parse().ok()
}

fn verdict(ns: Option<f64>, target_ms: f64) -> String {
    match ns {
        Some(ns) if ns / 1e6 <= target_ms => format!("{:.1} ms (<= {target_ms} ms: met)", ns / 1e6),
        Some(ns) => format!(
            "{:.1} ms (<= {target_ms} ms: NOT met, {:.1}x the target)",
            ns / 1e6,
            ns / 1e6 / target_ms
        ),
        None => "not measured in this run".into(),
    }
}

fn main() {
    let tree = Tree::generate(Config::default());
    let mut fs = memory_files(&tree);
    let main = tree.main_text();
    let edit = tree.edit.clone();
    let edit_path = PathBuf::from(&edit.path);
    // The edited module's two versions; `version` is the one in `fs`.
    let texts = [
        tree.module_text(edit.module, 0),
        tree.module_text(edit.module, 1),
    ];
    let mut version = 0;
    let mut flip = |fs: &mut MemoryFiles| {
        version = 1 - version;
        fs.0.insert(edit_path.clone(), texts[version].clone());
    };

    // Built once: what the edits start from (that the program runs and
    // prints its checksum is checked by `tests/modtree.rs`).
    let (mut db, mut loader, _, order) = cold(&fs, &main);
    assert_eq!(order.len(), tree.modules() + 1, "every module loads");

    let home = criterion_home();
    let since = SystemTime::now();
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .nresamples(20_000)
        .without_plots()
        .output_directory(&home)
        .configure_from_args();
    let mut group = flat_group(&mut c, "modtree", 10, 10);
    // The database and image are dropped outside the timing.
    group.bench_function("cold-build", |b| {
        b.iter_batched(|| (), |()| cold(&fs, &main), BatchSize::PerIteration)
    });
    resample(&mut group, 50, 5);
    group.bench_function("edit-one-body", |b| {
        per_iteration(b, || {
            flip(&mut fs);
            let start = Instant::now();
            let built = rebuild(&mut db, &mut loader, &fs, &main);
            let took = start.elapsed();
            drop(built);
            took
        })
    });
    // What `fluent watch` does on a save: load (with the diagnostics of
    // every file), find the changed definitions, and link only those.
    // At the level `fluent watch` compiles at (-O1 at most: no inlining).
    let watch_db = Database::with_opt_level(fluent_driver::watch::WATCH_MAX_OPT_LEVEL);
    let (mut wdb, mut wloader, _, worder) = cold_at(&fs, &main, watch_db);
    let mut changes = Changes::default();
    changes.remember(&wdb, &worder);
    let mut wlinker = Linker::new();
    group.bench_function("edit-one-body-watch", |b| {
        per_iteration(b, || {
            flip(&mut fs);
            let start = Instant::now();
            let tree = load(&mut wdb, &mut wloader, &fs, MAIN, &main)
                .unwrap_or_else(|ds| fail(&wdb, "load", ds));
            let changed = changes.since_last(&wdb, &tree.order);
            let inputs: Vec<LinkInput> = changed
                .iter()
                .filter_map(|c| {
                    Some(LinkInput {
                        unit: c.item.unit.as_deref()?,
                        file: 0,
                        offset: c.item.offset,
                    })
                })
                .collect();
            let linked = wlinker.link(&inputs);
            let took = start.elapsed();
            // The function, and the definitions whose optimized code
            // holds it (its inliners, and check values that folded it).
            assert!(
                changed.iter().any(|c| c
                    .item
                    .def
                    .to_string()
                    .ends_with(&format!(".{}", edit.name))),
                "the edited function changed"
            );
            drop(linked);
            took
        })
    });
    // The optimizer's own cost: the cold build at -O0 (no optimization)
    // and at -O3 (every pass; the default -O2 does all but specialization).
    resample(&mut group, 10, 10);
    for level in [0, 3] {
        group.bench_function(format!("cold-build-O{level}"), |b| {
            b.iter_batched(
                || (),
                |()| cold_at(&fs, &main, Database::with_opt_level(level)),
                BatchSize::PerIteration,
            )
        });
    }
    group.finish();

    // Effect inference, cold: the untimed part loads, lowers and compiles.
    let mut effects = flat_group(&mut c, "effects", 10, 3);
    effects.bench_function("infer-cold", |b| {
        per_iteration(b, || {
            let mut db = Database::default();
            let mut loader = Loader::new(search_roots(Path::new(MAIN), &[]));
            let loaded = load_uninferred(&mut db, &mut loader, &fs, &main);
            let start = Instant::now();
            let defs = program_effects(&db, loaded.main).defs.len();
            let took = start.elapsed();
            assert!(defs > tree.modules(), "every definition is inferred");
            drop(db);
            took
        })
    });
    // The audit after an edit that changes effects: the edited function
    // prints, or does not.
    let pure_text = tree.module_text(edit.module, 0);
    let io_text = pure_text.replacen(
        &format!("(define ({} x)", edit.name),
        &format!("(define ({} x) (display x)", edit.name),
        1,
    );
    assert_ne!(pure_text, io_text, "the edit finds its function");
    let mut efs = memory_files(&tree);
    let mut edb = Database::default();
    let mut eloader = Loader::new(search_roots(Path::new(MAIN), &[]));
    // Loads the tree with the edited module's `text`: the tree and the
    // edited file.
    let mut reload = |edb: &mut Database, text: &String| {
        efs.0.insert(edit_path.clone(), text.clone());
        let loaded = load_uninferred(edb, &mut eloader, &efs, &main);
        let file = *loaded
            .order
            .iter()
            .find(|f| f.path(&*edb).ends_with(&edit.path))
            .expect("the edited module is loaded");
        (loaded, file)
    };
    let (loaded, file) = reload(&mut edb, &pure_text);
    infer_and_audit(&edb, &loaded, file);
    let mut session = EffectSession::new();
    session.update(&edb, loaded.main);
    // Checks that the edited function's effects follow the edit.
    let edited = |report: &Report, io: bool| {
        let entry = report.entries.iter().find(|e| e.name == edit.name);
        let effects = entry.expect("the edited function is audited").effects;
        assert_eq!(effects.is_pure(), !io, "{}: {effects}", edit.name);
    };
    let mut io = false;
    resample(&mut effects, 50, 5);
    effects.bench_function("audit-one-edit", |b| {
        per_iteration(b, || {
            io = !io;
            let (loaded, file) = reload(&mut edb, if io { &io_text } else { &pure_text });
            let start = Instant::now();
            session.update(&edb, loaded.main);
            let report = session.audit(&edb, &[file], &Policy::default());
            let took = start.elapsed();
            edited(&report, io);
            took
        })
    });
    effects.bench_function("audit-one-edit-whole", |b| {
        per_iteration(b, || {
            io = !io;
            let (loaded, file) = reload(&mut edb, if io { &io_text } else { &pure_text });
            let start = Instant::now();
            let report = infer_and_audit(&edb, &loaded, file);
            let took = start.elapsed();
            edited(&report, io);
            took
        })
    });
    effects.finish();
    c.final_summary();

    // The audit after an edit in two parts, inference and the audit of
    // the edited module, for edits that alternate between `texts`: with
    // the session (and what its updates did), and without.
    let mut split = |texts: [&String; 2]| {
        let (mut updates, mut session_audits) = (Vec::new(), Vec::new());
        let (mut infers, mut audits) = (Vec::new(), Vec::new());
        let mut did = Vec::new();
        let (loaded, file) = reload(&mut edb, texts[1]);
        infer_and_audit(&edb, &loaded, file);
        session.update(&edb, loaded.main);
        for i in 0..21 {
            let (loaded, file) = reload(&mut edb, texts[i % 2]);
            let start = Instant::now();
            did.push(session.update(&edb, loaded.main));
            updates.push(start.elapsed());
            let start = Instant::now();
            let report = session.audit(&edb, &[file], &Policy::default());
            session_audits.push(start.elapsed());
            assert!(!report.entries.is_empty());
            let start = Instant::now();
            program_effects(&edb, loaded.main);
            infers.push(start.elapsed());
            let start = Instant::now();
            let report = audit(&edb, loaded.main, &[file], &Policy::default());
            audits.push(start.elapsed());
            assert!(!report.entries.is_empty());
        }
        (updates, session_audits, infers, audits, did)
    };
    let effect_edits = split([&io_text, &pure_text]);
    let constant_edits = split([&texts[1], &texts[0]]);

    // Edits timed in two parts: `load` (the loader's walk, then the
    // diagnostics of every file) and `build` (the diagnostics again with
    // the prelude, then linking every unit).
    let (mut loads, mut builds) = (Vec::new(), Vec::new());
    for _ in 0..21 {
        flip(&mut fs);
        let start = Instant::now();
        let loaded =
            load(&mut db, &mut loader, &fs, MAIN, &main).unwrap_or_else(|ds| fail(&db, "load", ds));
        loads.push(start.elapsed());
        let start = Instant::now();
        let image = build_tree(&db, &loaded);
        builds.push(start.elapsed());
        drop(image);
    }
    // Cold builds, and dropping what they made (not in `cold-build`).
    let (mut colds, mut drops) = (Vec::new(), Vec::new());
    for _ in 0..5 {
        let start = Instant::now();
        let built = cold(&fs, &main);
        colds.push(start.elapsed());
        let start = Instant::now();
        drop(built);
        drops.push(start.elapsed());
    }
    // One more edit, with the query log.
    flip(&mut fs);
    db.start_log();
    let (_, order) = rebuild(&mut db, &mut loader, &fs, &main);
    let log = queries::named(&db, &order, db.take_log());
    let cold_log = {
        let mut db = Database::default();
        db.start_log();
        let mut loader = Loader::new(search_roots(Path::new(MAIN), &[]));
        rebuild(&mut db, &mut loader, &fs, &main);
        db.take_log()
    };
    let items: usize = order.iter().map(|&f| file_items(&db, f).len()).sum();

    println!();
    println!(
        "Tree: {} modules, {} lines ({} with main.fl), {items} top-level items; \
         main.fl imports {} modules.",
        tree.modules(),
        tree.lines(),
        tree.lines() + main.lines().count(),
        main.lines().filter(|l| l.starts_with("(import")).count(),
    );
    println!(
        "Edited: {} in {} (called by {} functions of other modules: {}).",
        edit.name,
        edit.path,
        edit.callers.len(),
        edit.callers.join(" ")
    );
    println!(
        "Medians: cold build {}; edit-one-body {}; edit-one-body-watch {}.",
        verdict(median_ns(&home, "modtree/cold-build", since), 1000.0),
        verdict(median_ns(&home, "modtree/edit-one-body", since), 20.0),
        verdict(median_ns(&home, "modtree/edit-one-body-watch", since), 20.0)
    );
    let at = |level: u8| median_ns(&home, &format!("modtree/cold-build-O{level}"), since);
    if let (Some(o0), Some(o3)) = (at(0), at(3)) {
        let cost = (o3 - o0) / 1e6;
        println!(
            "Optimizer: cold build -O0 {:.1} ms, -O3 {:.1} ms: the optimizer costs {cost:.1} ms \
             on {} lines, {:.2} ms per 1,000 lines (target: under 1 s in all: {}).",
            o0 / 1e6,
            o3 / 1e6,
            tree.lines(),
            cost / tree.lines() as f64 * 1000.0,
            if cost < 1000.0 { "met" } else { "NOT met" }
        );
    }
    println!(
        "Medians: effects/infer-cold {}; effects/audit-one-edit {}; \
         effects/audit-one-edit-whole {:.1} ms.",
        verdict(median_ns(&home, "effects/infer-cold", since), 100.0),
        verdict(median_ns(&home, "effects/audit-one-edit", since), 5.0),
        median_ns(&home, "effects/audit-one-edit-whole", since).unwrap_or(f64::NAN) / 1e6
    );
    for (what, (updates, session_audits, infers, audits, did)) in [
        ("effects change", effect_edits),
        ("effects stay", constant_edits),
    ] {
        let solved: Vec<usize> = did.iter().map(|u: &Updated| u.solved).collect();
        println!(
            "Audit after an edit ({what}), medians of {}: with the session, update {:.2} ms \
             (files read again: {:?}, definitions solved again: {:?}) and audit of the \
             edited module {:.2} ms; without, program_effects {:.2} ms and audit {:.2} ms.",
            updates.len(),
            median_ms(updates),
            did.iter().map(|u| u.files).max().unwrap_or(0),
            solved.iter().min().zip(solved.iter().max()),
            median_ms(session_audits),
            median_ms(infers),
            median_ms(audits)
        );
    }
    println!(
        "Rebuild after an edit, medians of {}: load {:.1} ms, build {:.1} ms.",
        loads.len(),
        median_ms(loads),
        median_ms(builds)
    );
    println!(
        "Cold build, medians of {}: {:.1} ms, then {:.1} ms to drop the database and image.",
        colds.len(),
        median_ms(colds),
        median_ms(drops)
    );
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for e in &cold_log {
        *counts.entry(e.split('(').next().unwrap_or(e)).or_default() += 1;
    }
    println!("Queries executed by a cold build: {counts:?}");
    println!("Queries re-executed by the edit ({}):", log.len());
    for e in &log {
        println!("  {e}");
    }
}
