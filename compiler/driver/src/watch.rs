//! `fluent watch`: runs a program and, when one of its files is saved,
//! rebuilds and swaps the changed definitions into the running VM.
//!
//! The VM runs with a fuel allowance and a refuel hook ([`Vm::set_refuel`]),
//! so every so many calls and loop iterations, interpreted or native, it
//! stops at a safe point and the hook looks at the files (at most every
//! [`WatchOptions::poll`]). After a change the tree is loaded again through
//! salsa (only the queries of what changed re-run); if it has errors they
//! are printed and the old code keeps running. Otherwise every definition
//! whose compiled code changed (or that is new) is linked into the VM and
//! its definition runs again, which points the global at the new code;
//! top-level expressions are not run again. Callers compiled to native code
//! call through the global, so they reach the new function at once (a
//! caller's fast path for the closure the global held when it was compiled
//! compares the closure, so it falls back to the generic call). The old
//! function is retired: its native code is not entered again (closures
//! made before the change still run it, interpreted), though its memory is
//! only freed with the VM's JIT module. The watcher compiles at -O1 at
//! most ([`WATCH_MAX_OPT_LEVEL`]), without inlining, so no other function
//! holds a copy of its code.
//!
//! When the program ends (or fails), the watcher waits for the next change
//! and runs it again from the start.
//!
//! With `--deny` ([`WatchOptions::deny`]), every build that compiles is
//! audited against the policy and its violations printed, with their call
//! paths, as `fluent effects --deny` prints them (or a line saying there
//! are none); the program runs either way. The audit keeps an
//! [`EffectSession`] between builds, so after a save only the edited
//! files' definitions and their callers are inferred again, and the paths
//! are searched from the violating definitions only.

use crate::db::Database;
use crate::pipeline::{AddedFiles, link_image, load};
use crate::render::render;
use crate::units::Changes;
use fluent_effects::EffectSession;
use fluent_effects::audit::Policy;
use fluent_ir::Db;
use fluent_linker::graph::Def;
use fluent_linker::{Disk, Files, LinkInput, Linker, Loader, Tree};
use fluent_vm::runtime::Output;
use fluent_vm::{Image, Vm, VmConfig};
use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The highest optimization level the watcher compiles at: -O1 rewrites
/// within a definition only, while inlining (-O2) would copy a function
/// into its callers, and into code that is already running (a loop at
/// module level is never run again), where a swapped-in definition would
/// not be seen.
pub const WATCH_MAX_OPT_LEVEL: u8 = 1;

/// How the watcher works.
#[derive(Clone, Debug)]
pub struct WatchOptions {
    /// How often files are looked at.
    pub poll: Duration,
    /// Calls and loop iterations between two looks at the clock.
    pub slice: u64,
    /// Print the JIT's per-function table (`--stats`) when a run ends.
    pub stats: bool,
    /// Audit every build against this policy (`--deny`, `--in`).
    pub deny: Option<Policy>,
}

impl Default for WatchOptions {
    fn default() -> Self {
        WatchOptions {
            poll: Duration::from_millis(200),
            slice: 100_000,
            stats: false,
            deny: None,
        }
    }
}

/// What the watcher reports (to stderr in the CLI).
pub type Log = Box<dyn FnMut(&str) + Send>;

/// A file's modification time and length, to notice saves.
type Stamp = Option<(SystemTime, u64)>;

fn stamp(path: &Path) -> Stamp {
    let m = std::fs::metadata(path).ok()?;
    Some((m.modified().ok()?, m.len()))
}

/// Everything the watcher keeps between rebuilds.
struct State {
    db: Database,
    loader: Loader,
    linker: Linker,
    main: String,
    /// Each file of the tree with its stamp when last read.
    stamps: HashMap<PathBuf, Stamp>,
    /// What was linked last, to find what a save changed.
    changes: Changes,
    /// Files in the VM's image so far.
    nfiles: u32,
    /// With `--deny`: inference kept up to date across builds, and the
    /// policy.
    effects: Option<(EffectSession, Policy)>,
    log: Log,
}

/// Runs the program whose main file is `main` forever, rebuilding on
/// changes; returns only if the main file cannot be read at the start.
/// `out` makes the output of each run.
pub fn watch(
    main: &str,
    roots: Vec<PathBuf>,
    config: VmConfig,
    options: WatchOptions,
    mut out: impl FnMut() -> Output,
    log: Log,
) -> Result<(), String> {
    Disk.read(Path::new(main))
        .map_err(|e| format!("cannot read {main}: {e}"))?;
    // Shared by this loop and the VM's refuel hook, which runs while the
    // program does (never both at once: the hook runs inside `run_init`).
    let state = Rc::new(RefCell::new(State {
        db: Database::with_opt_level(config.opt_level.min(WATCH_MAX_OPT_LEVEL)),
        loader: Loader::new(roots),
        linker: Linker::new(),
        main: main.to_string(),
        stamps: HashMap::new(),
        changes: Changes::default(),
        nfiles: 0,
        effects: options.deny.clone().map(|p| (EffectSession::new(), p)),
        log,
    }));
    loop {
        let built = state.borrow_mut().build_all();
        if let Some((image, tree)) = built {
            state.borrow_mut().remember(&tree);
            match Vm::new(Arc::new(image), with_fuel(&config, &options), out()) {
                Ok(mut vm) => {
                    let hook_state = state.clone();
                    let (slice, poll) = (options.slice, options.poll);
                    let mut last = Instant::now();
                    vm.set_refuel(Box::new(move |vm: &mut Vm| {
                        if last.elapsed() >= poll {
                            last = Instant::now();
                            vm.rt.out.flush();
                            hook_state.borrow_mut().swap_if_changed(vm);
                        }
                        slice
                    }));
                    let result = vm.run_init();
                    vm.rt.out.flush();
                    let mut st = state.borrow_mut();
                    if let Err(e) = result {
                        (st.log)(&format!("{e}"));
                    }
                    if options.stats {
                        (st.log)(&vm.jit_stats_text());
                    }
                    (st.log)("watch: the program ended; it runs again after the next change\n");
                }
                Err(e) => {
                    let mut st = state.borrow_mut();
                    (st.log)(&format!("error: internal compiler error: {e}\n"));
                }
            }
        }
        state.borrow_mut().wait_for_change(&options);
    }
}

fn with_fuel(config: &VmConfig, options: &WatchOptions) -> VmConfig {
    VmConfig {
        fuel: Some(options.slice),
        ..config.clone()
    }
}

impl State {
    /// Loads and links the whole tree from scratch (a new VM's image).
    fn build_all(&mut self) -> Option<(Image, Tree)> {
        let tree = self.load()?;
        self.audit_effects(&tree);
        self.linker = Linker::new();
        let mut all = vec![self.db.prelude()];
        all.extend_from_slice(&tree.order);
        let image = link_image(&self.db, &mut self.linker, &all, |_| true);
        self.nfiles = image.files.len() as u32;
        Some((image, tree))
    }

    /// Loads the tree again; on errors prints them and returns `None`.
    /// Either way every file read so far is watched from the state it was
    /// read in, so a save made while loading is a change too.
    fn load(&mut self) -> Option<Tree> {
        let before: HashMap<PathBuf, Stamp> = self
            .loader
            .paths()
            .map(|p| (p.to_path_buf(), stamp(p)))
            .collect();
        let tree = self.load_tree();
        let paths: Vec<PathBuf> = self.loader.paths().map(Path::to_path_buf).collect();
        self.stamps.clear();
        for p in paths {
            let s = match before.get(&p) {
                Some(&s) => s,
                None => self.first_stamp(&p),
            };
            self.stamps.insert(p, s);
        }
        tree
    }

    /// The stamp of a file read for the first time by the last load: its
    /// stamp now if it still holds what was read, else one that differs
    /// from any real stamp (so it counts as changed).
    fn first_stamp(&self, path: &Path) -> Stamp {
        let s = stamp(path);
        let same = self
            .loader
            .loaded(path)
            .is_some_and(|f| Disk.read(path).is_ok_and(|t| *t == **f.text(&self.db)));
        if same {
            s
        } else {
            Some((UNIX_EPOCH, u64::MAX))
        }
    }

    fn load_tree(&mut self) -> Option<Tree> {
        let text = match Disk.read(Path::new(&self.main)) {
            Ok(t) => t,
            Err(e) => {
                (self.log)(&format!("error: cannot read {}: {e}\n", self.main));
                return None;
            }
        };
        let main = self.main.clone();
        match load(&mut self.db, &mut self.loader, &Disk, &main, &text) {
            Ok(tree) => Some(tree),
            Err(diags) => {
                for d in &diags {
                    let text = render(&self.db, d);
                    (self.log)(&text);
                }
                None
            }
        }
    }

    /// With `--deny`: brings the effect session up to date with `tree`
    /// and prints the violations of the policy, or that there are none.
    fn audit_effects(&mut self, tree: &Tree) {
        let Some((session, policy)) = &mut self.effects else {
            return;
        };
        session.update(&self.db, tree.main);
        let report = session.check(&self.db, &tree.order, policy);
        let text = if report.violations.is_empty() {
            format!("watch: no violations of --deny {}\n", policy.deny.list())
        } else {
            report.violations_text(&self.db)
        };
        (self.log)(&text);
    }

    /// Records what was linked.
    fn remember(&mut self, tree: &Tree) {
        self.changes.remember(&self.db, &tree.order);
    }

    fn changed(&self) -> bool {
        self.stamps.iter().any(|(p, s)| stamp(p) != *s)
    }

    fn wait_for_change(&mut self, options: &WatchOptions) {
        while !self.changed() {
            std::thread::sleep(options.poll);
        }
    }

    /// If a file changed: rebuild, and link the changed definitions into
    /// `vm` (or report why not).
    fn swap_if_changed(&mut self, vm: &mut Vm) {
        if !self.changed() {
            return;
        }
        let Some(tree) = self.load() else {
            (self.log)("watch: the program keeps running its previous code\n");
            return;
        };
        self.audit_effects(&tree);
        let changed = self.changes.since_last(&self.db, &tree.order);
        if changed.is_empty() {
            (self.log)("watch: no definition changed\n");
            return;
        }
        // The changed files as they are now (spans point into them).
        let mut added = AddedFiles::new(self.nfiles);
        let mut inputs = Vec::new();
        for c in &changed {
            let index = added.index(&self.db, &mut self.linker, c.file);
            if let Some(unit) = &c.item.unit {
                inputs.push(LinkInput {
                    unit,
                    file: index,
                    offset: c.item.offset,
                });
            }
        }
        let units = changed.iter().filter_map(|c| c.item.unit.as_deref());
        added.add_origins(&self.db, &mut self.linker, &tree.order, units);
        let files = added.files;
        let linked = self.linker.link(&inputs);
        self.nfiles += files.len() as u32;
        let names: Vec<String> = changed.iter().map(|c| c.item.def.to_string()).collect();
        // The replaced functions' native code is not entered again.
        for c in &changed {
            if let Def::Global(g) = &c.item.def
                && let Some(clo) = vm
                    .global_named(&g.module, &g.name)
                    .and_then(|v| v.as_closure())
            {
                vm.retire(clo.func);
            }
        }
        match vm.load_more(linked.protos, self.linker.globals(), files, &linked.init) {
            Ok(_) => (self.log)(&format!("watch: swapped in {}\n", names.join(", "))),
            Err(e) => (self.log)(&format!("watch: redefining failed: {e}")),
        }
    }
}
