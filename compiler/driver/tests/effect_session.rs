//! The effect session against inference from scratch: a module tree goes
//! through random edits (effects added and removed, calls between
//! functions and across modules added and removed, `set!` of variables and
//! of functions, handlers, functions and top-level forms added and
//! removed); after each, the session updated in the database that saw
//! every edit must hold exactly what `program_effects` computes in a fresh
//! database, and its audits (with call paths) must read as the
//! whole-program audits do.

#[path = "../../../tests/common/rng.rs"]
mod rng;

use fluent_driver::{Database, MemoryFiles, load, render, search_roots};
use fluent_effects::audit::{Policy, audit, check};
use fluent_effects::session::Updated;
use fluent_effects::{EffectSession, EffectSet, program_effects};
use fluent_ir::SourceFile;
use fluent_linker::{Loader, Tree};
use rng::Rng;
use std::path::{Path, PathBuf};

/// What a generated function does, in order, before returning `x`.
#[derive(Clone, Debug, PartialEq)]
enum Stmt {
    Display,
    /// `(f x)`.
    Call(String),
    /// `(M-apply f x)`: `f` passed to a function that calls it.
    Pass(String),
    /// `(set! M-count ...)`.
    Count,
    /// `(set! f M-apply)`: a function of the same module reassigned.
    Assign(String),
}

#[derive(Clone, Debug)]
struct Function {
    name: String,
    body: Vec<Stmt>,
    /// The body runs under a handler that discharges io.
    handled: bool,
}

#[derive(Clone, Debug)]
struct Module {
    name: String,
    functions: Vec<Function>,
    /// Top-level forms: the function each calls.
    forms: Vec<String>,
    /// Functions whose definitions were dropped while uses stayed.
    dropped: Vec<String>,
}

/// A tree of modules `m0` ... and `main`; each imports every module before
/// it, so calls go to the same module or an earlier one.
struct Program {
    modules: Vec<Module>,
    next: usize,
}

impl Program {
    fn new(rng: &mut Rng, count: usize) -> Program {
        let mut p = Program {
            modules: Vec::new(),
            next: 0,
        };
        for i in 0..count {
            let name = if i + 1 == count {
                "main".to_string()
            } else {
                format!("m{i}")
            };
            p.modules.push(Module {
                name,
                functions: Vec::new(),
                forms: Vec::new(),
                dropped: Vec::new(),
            });
            for _ in 0..4 {
                p.add_function(rng, i);
            }
        }
        let last = count - 1;
        let first = p.modules[last].functions[0].name.clone();
        p.modules[last].forms.push(first);
        p
    }

    fn path(&self, m: usize) -> String {
        format!("{}.fl", self.modules[m].name)
    }

    fn text(&self, m: usize) -> String {
        let module = &self.modules[m];
        let mut out = String::new();
        for earlier in &self.modules[..m] {
            out.push_str(&format!("(import \"{}\" *)\n", earlier.name));
        }
        let p = &module.name;
        out.push_str(&format!("(define {p}-count 0)\n"));
        out.push_str(&format!("(define ({p}-apply f x) (f x))\n"));
        for f in &module.functions {
            let stmts: Vec<String> = f
                .body
                .iter()
                .map(|s| match s {
                    Stmt::Display => "(display x)".to_string(),
                    Stmt::Call(g) => format!("({g} x)"),
                    Stmt::Pass(g) => format!("({p}-apply {g} x)"),
                    Stmt::Count => format!("(set! {p}-count (+ {p}-count 1))"),
                    Stmt::Assign(g) => format!("(set! {g} {p}-apply)"),
                })
                .collect();
            let body = format!("{} x", stmts.join("\n    "));
            let body = if f.handled {
                format!("(handler ((io (lambda (op . args) #f)))\n    {body})")
            } else {
                body
            };
            out.push_str(&format!("(define ({} x)\n  {body})\n", f.name));
        }
        for g in &module.forms {
            out.push_str(&format!("({g} 1)\n"));
        }
        out
    }

    fn files(&self) -> MemoryFiles {
        MemoryFiles(
            (0..self.modules.len())
                .map(|m| (PathBuf::from(self.path(m)), self.text(m)))
                .collect(),
        )
    }

    /// The functions module `m` may call: its own and earlier modules'.
    fn callable(&self, m: usize) -> Vec<String> {
        self.modules[..=m]
            .iter()
            .flat_map(|md| md.functions.iter().map(|f| f.name.clone()))
            .collect()
    }

    fn random_stmt(&self, rng: &mut Rng, m: usize) -> Stmt {
        let callable = self.callable(m);
        let own: Vec<String> = self.modules[m]
            .functions
            .iter()
            .map(|f| f.name.clone())
            .collect();
        match rng.below(10) {
            0..=1 => Stmt::Display,
            2 => Stmt::Count,
            3 if !own.is_empty() && rng.one_in(2) => Stmt::Assign(rng.pick(&own).clone()),
            4 if !callable.is_empty() => Stmt::Pass(rng.pick(&callable).clone()),
            _ if !callable.is_empty() => Stmt::Call(rng.pick(&callable).clone()),
            _ => Stmt::Display,
        }
    }

    /// A new function in module `m`.
    fn add_function(&mut self, rng: &mut Rng, m: usize) -> String {
        let name = format!("{}-f{}", self.modules[m].name, self.next);
        self.next += 1;
        self.define(rng, m, name)
    }

    fn define(&mut self, rng: &mut Rng, m: usize, name: String) -> String {
        let mut body = Vec::new();
        for _ in 0..rng.below(3) {
            // Mostly calls, so the effects of a few reach many.
            let s = self.random_stmt(rng, m);
            if !matches!(s, Stmt::Display | Stmt::Count | Stmt::Assign(_)) || rng.one_in(3) {
                body.push(s);
            }
        }
        self.modules[m].functions.push(Function {
            name: name.clone(),
            body,
            handled: rng.one_in(8),
        });
        name
    }

    /// Removes function `name` and every use of it.
    fn remove_function(&mut self, name: &str) {
        for md in &mut self.modules {
            md.functions.retain(|f| f.name != name);
            md.forms.retain(|g| g != name);
            for f in &mut md.functions {
                f.body.retain(
                    |s| !matches!(s, Stmt::Call(g) | Stmt::Pass(g) | Stmt::Assign(g) if g == name),
                );
            }
        }
    }

    /// One random edit of module `m`: what it was, and whether only
    /// function bodies changed (so only this file's facts are read again).
    fn edit(&mut self, rng: &mut Rng, m: usize) -> (String, bool) {
        let nf = self.modules[m].functions.len();
        if nf == 0 {
            let name = self.add_function(rng, m);
            return (format!("add {name}"), false);
        }
        let fi = rng.below(nf);
        let stmt = self.random_stmt(rng, m);
        let f = &mut self.modules[m].functions[fi];
        let name = f.name.clone();
        match rng.below(13) {
            0..=2 => {
                match f.body.iter().position(|s| *s == Stmt::Display) {
                    Some(i) => {
                        f.body.remove(i);
                    }
                    None => {
                        let at = rng.below(f.body.len() + 1);
                        f.body.insert(at, Stmt::Display);
                    }
                }
                (format!("toggle display in {name}"), true)
            }
            3..=5 => {
                let at = rng.below(f.body.len() + 1);
                let what = format!("insert {stmt:?} in {name}");
                f.body.insert(at, stmt);
                (what, true)
            }
            6..=7 if !f.body.is_empty() => {
                let s = f.body.remove(rng.below(f.body.len()));
                (format!("remove {s:?} from {name}"), true)
            }
            8 => {
                f.handled = !f.handled;
                (format!("toggle the handler of {name}"), true)
            }
            9 => {
                let added = self.add_function(rng, m);
                (format!("add {added}"), false)
            }
            10 if nf > 1 && !(m + 1 == self.modules.len() && fi == 0) => {
                if rng.one_in(2) {
                    self.remove_function(&name);
                    (format!("remove {name} and its uses"), false)
                } else {
                    // Its uses now call a global nothing defines.
                    self.modules[m].functions.remove(fi);
                    self.modules[m].dropped.push(name.clone());
                    (format!("remove {name}, not its uses"), false)
                }
            }
            11 if !self.modules[m].dropped.is_empty() => {
                let dropped = &mut self.modules[m].dropped;
                let name = dropped.remove(rng.below(dropped.len()));
                self.define(rng, m, name.clone());
                (format!("define {name} again"), false)
            }
            _ => {
                let forms = &mut self.modules[m].forms;
                if !forms.is_empty() && rng.one_in(2) {
                    let g = forms.remove(rng.below(forms.len()));
                    (format!("remove the form calling {g}"), false)
                } else {
                    forms.push(name.clone());
                    (format!("add a form calling {name}"), false)
                }
            }
        }
    }
}

/// Loads the tree of `fs` into `db` (with `loader`); the tree.
fn load_in(db: &mut Database, loader: &mut Loader, fs: &MemoryFiles) -> Tree {
    let main = fs.0[Path::new("main.fl")].clone();
    match load(db, loader, fs, "main.fl", &main) {
        Ok(t) => t,
        Err(ds) => {
            let shown: Vec<String> = ds.iter().map(|d| render(db, d)).collect();
            panic!("the generated tree does not compile:\n{}", shown.concat());
        }
    }
}

fn new_loader() -> Loader {
    Loader::new(search_roots(Path::new("main.fl"), &[]))
}

fn file_named(db: &Database, tree: &Tree, path: &str) -> SourceFile {
    *tree
        .order
        .iter()
        .find(|f| &**f.path(db) == path)
        .expect("the edited file is in the tree")
}

/// How the updates went, over a run.
#[derive(Default, Debug)]
struct Tally {
    incremental: usize,
    whole: usize,
    partial: usize,
}

/// `steps` random edits from `seed`; after each, the session against a
/// fresh database.
fn run(seed: u64, steps: usize, tally: &mut Tally) {
    let mut rng = Rng::new(seed);
    let mut program = Program::new(&mut rng, 4);
    let mut db = Database::default();
    let mut loader = new_loader();
    let mut session = EffectSession::new();
    let policy = Policy {
        deny: EffectSet::parse("io,state").expect("kinds"),
        scope: Some("m?".into()),
    };
    let tree = load_in(&mut db, &mut loader, &program.files());
    session.update(&db, tree.main);
    for step in 0..steps {
        let m = rng.below(program.modules.len());
        let (what, body_only) = program.edit(&mut rng, m);
        let context = format!("seed {seed}, step {step}: {what} in {}", program.path(m));
        let fs = program.files();
        let tree = load_in(&mut db, &mut loader, &fs);
        let updated: Updated = session.update(&db, tree.main);

        let mut fresh = Database::default();
        let fresh_tree = load_in(&mut fresh, &mut new_loader(), &fs);
        let expected = program_effects(&fresh, fresh_tree.main);
        assert_eq!(session.table(), *expected, "{context}");

        let all = session.audit(&db, &tree.order, &policy);
        let fresh_all = audit(&fresh, fresh_tree.main, &fresh_tree.order, &policy);
        assert_eq!(all.text(&db), fresh_all.text(&fresh), "{context}");
        assert_eq!(all.json(&db), fresh_all.json(&fresh), "{context}");
        // One file, searched from its definitions alone: the same paths.
        let path = program.path(m);
        let one = session.audit(&db, &[file_named(&db, &tree, &path)], &policy);
        let fresh_one = audit(
            &fresh,
            fresh_tree.main,
            &[file_named(&fresh, &fresh_tree, &path)],
            &policy,
        );
        assert_eq!(one.text(&db), fresh_one.text(&fresh), "{context}");
        // The violations alone, as the full audit lists them.
        let violations = session
            .check(&db, &tree.order, &policy)
            .violations_text(&db);
        assert_eq!(violations, all.violations_text(&db), "{context}");
        let fresh_check = check(&fresh, fresh_tree.main, &fresh_tree.order, &policy);
        assert_eq!(violations, fresh_check.violations_text(&fresh), "{context}");

        if body_only {
            assert!(updated.files <= 1, "{context}: {updated:?}");
        }
        if updated.whole {
            tally.whole += 1;
        } else if updated.files > 0 {
            tally.incremental += 1;
            if updated.solved < expected.defs.len() / 2 {
                tally.partial += 1;
            }
        }
    }
}

#[test]
fn the_session_after_random_edits_is_inference_from_scratch() {
    let mut tally = Tally::default();
    for seed in 0..6 {
        run(seed, 30, &mut tally);
    }
    // Both ways of updating ran, and the incremental one solved only part
    // of the program most of the time.
    assert!(tally.whole >= 3, "{tally:?}");
    assert!(tally.incremental >= 60, "{tally:?}");
    assert!(tally.partial * 2 >= tally.incremental, "{tally:?}");
}

#[test]
fn an_unchanged_program_updates_nothing() {
    let mut rng = Rng::new(7);
    let program = Program::new(&mut rng, 3);
    let mut db = Database::default();
    let mut loader = new_loader();
    let fs = program.files();
    let tree = load_in(&mut db, &mut loader, &fs);
    let mut session = EffectSession::new();
    let first = session.update(&db, tree.main);
    assert!(first.whole && first.files == 4, "{first:?}");
    let tree = load_in(&mut db, &mut loader, &fs);
    assert_eq!(session.update(&db, tree.main), Updated::default());
}
