//! A deterministic generator of a large module tree, shared by the
//! `modtree` bench and `tests/modtree.rs` (each includes it with `#[path]`).
//!
//! The tree has `folders` x `files` modules (`pkg3/m07.fl`, module name
//! `p3m07`), each exactly `lines` lines long, and a `main.fl`. Module `k`
//! imports 2-4 modules before it in the order `pkg0/m00, pkg0/m01, ...`
//! (so there are no cycles), among them the oldest module nobody imports
//! yet, so that every module is reachable from `main.fl`. Imports are
//! `*`, selected names (one renamed with `as`) or `()` with qualified
//! access; every other module has a `(module name (export ...) ...)` form
//! exporting part of its functions, the rest export every define.
//!
//! A module's functions are small (arithmetic, `let*`, named-let loops,
//! list operations, `if`/`cond`/`match`) and call earlier functions of the
//! module and exported functions of its imports. All values stay in
//! `0..MODULUS`. Each module ends with `(define pXmYY-check ...)`: the sum
//! of its functions at fixed arguments and of its imports' checks, modulo
//! `MODULUS`; `main.fl` displays the sum of the checks of the modules it
//! imports. [`Tree::checksum`] computes that number in Rust, from the same
//! description the text is rendered from.
//!
//! Every random choice comes from a fixed-seed splitmix64: the same
//! [`Config`] always gives the same text.
#![allow(dead_code)]

use std::collections::HashMap;
use std::fmt::Write;

/// Every function's result is reduced modulo this.
pub const MODULUS: i64 = 10007;

/// The shape of a tree.
#[derive(Clone, Copy, Debug)]
pub struct Config {
    pub folders: usize,
    pub files: usize,
    /// Lines per module file.
    pub lines: usize,
    pub seed: u64,
}

impl Default for Config {
    /// 10 folders x 20 files x 250 lines: 200 modules, 50,000 lines.
    fn default() -> Config {
        Config {
            folders: 10,
            files: 20,
            lines: 250,
            seed: 1,
        }
    }
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % (hi - lo + 1) as u64) as i64
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// A function another one calls: (module, function) and how the caller
/// writes it.
#[derive(Clone, Debug)]
struct Callee {
    module: usize,
    func: usize,
    text: String,
}

/// A function body; `a` is the constant an edit changes.
#[derive(Clone, Debug)]
enum Body {
    /// One line: `(+ x a)`.
    Tiny {
        a: i64,
    },
    Arith {
        a: i64,
        b: i64,
    },
    Let {
        a: i64,
        b: i64,
    },
    Loop {
        a: i64,
        n: i64,
    },
    List {
        a: i64,
        b: i64,
    },
    Filter {
        a: i64,
        b: i64,
    },
    If {
        a: i64,
        c1: Callee,
        c2: Callee,
    },
    Calls {
        a: i64,
        c1: Callee,
        c2: Callee,
    },
    Cond {
        a: i64,
        c1: Callee,
    },
    MapCall {
        a: i64,
        c1: Callee,
    },
    Match {
        a: i64,
        c1: Callee,
    },
}

impl Body {
    fn bumped(&self, delta: i64) -> Body {
        let mut b = self.clone();
        match &mut b {
            Body::Tiny { a }
            | Body::Arith { a, .. }
            | Body::Let { a, .. }
            | Body::Loop { a, .. }
            | Body::List { a, .. }
            | Body::Filter { a, .. }
            | Body::If { a, .. }
            | Body::Calls { a, .. }
            | Body::Cond { a, .. }
            | Body::MapCall { a, .. }
            | Body::Match { a, .. } => *a += delta,
        }
        b
    }

    fn callees(&self) -> Vec<&Callee> {
        match self {
            Body::If { c1, c2, .. } | Body::Calls { c1, c2, .. } => vec![c1, c2],
            Body::Cond { c1, .. } | Body::MapCall { c1, .. } | Body::Match { c1, .. } => vec![c1],
            _ => vec![],
        }
    }
}

struct Func {
    body: Body,
    exported: bool,
    /// Calls made by one call, at most (bounds the run time).
    cost: u32,
}

enum Spec {
    All,
    /// (exported name, local name if renamed).
    Only(Vec<(String, Option<String>)>),
    Qualified,
}

struct Import {
    target: usize,
    path: String,
    spec: Spec,
}

struct Module {
    folder: usize,
    file: usize,
    /// Has a `(module name (export ...) ...)` form.
    declared: bool,
    imports: Vec<Import>,
    funcs: Vec<Func>,
    /// Comment lines that bring the file to exactly `lines` lines.
    padding: usize,
}

/// The function whose body the bench edits.
#[derive(Clone, Debug)]
pub struct Edit {
    pub module: usize,
    pub func: usize,
    /// The module's path (`pkg4/m10.fl`).
    pub path: String,
    /// The function's name (`p4m10-f3`).
    pub name: String,
    /// Functions of other modules that call it.
    pub callers: Vec<String>,
}

/// A generated tree.
pub struct Tree {
    pub config: Config,
    modules: Vec<Module>,
    /// The modules `main.fl` imports.
    top: Vec<usize>,
    pub edit: Edit,
}

const MAX_COST: u32 = 30;

fn tag(m: &Module) -> String {
    format!("p{}m{:02}", m.folder, m.file)
}

fn fname(m: &Module, f: usize) -> String {
    format!("{}-f{f}", tag(m))
}

impl Tree {
    pub fn generate(config: Config) -> Tree {
        let mut rng = Rng(config.seed);
        let mut modules: Vec<Module> = Vec::new();
        let mut imported = vec![false; config.folders * config.files];
        for k in 0..config.folders * config.files {
            let m = gen_module(&config, &mut rng, &modules, &mut imported, k);
            modules.push(m);
        }
        let n = modules.len();
        let mut top: Vec<usize> = (0..n).filter(|&k| !imported[k]).collect();
        for k in n.saturating_sub(3)..n {
            if !top.contains(&k) {
                top.push(k);
            }
        }
        top.sort_unstable();
        let edit = pick_edit(&modules);
        Tree {
            config,
            modules,
            top,
            edit,
        }
    }

    pub fn modules(&self) -> usize {
        self.modules.len()
    }

    /// The path of module `k`, from the main file's folder.
    pub fn module_path(&self, k: usize) -> String {
        let m = &self.modules[k];
        format!("pkg{}/m{:02}.fl", m.folder, m.file)
    }

    /// Module `k`'s text; `delta` is added to the edited function's
    /// constant (0: as generated).
    pub fn module_text(&self, k: usize, delta: i64) -> String {
        let (before, rest) = self.modules.split_at(k);
        render(before, &rest[0], k, self.edit_delta(k, delta))
    }

    fn edit_delta(&self, k: usize, delta: i64) -> Option<(usize, i64)> {
        (k == self.edit.module && delta != 0).then_some((self.edit.func, delta))
    }

    pub fn main_text(&self) -> String {
        let mut s = format!(
            ";; Generated by benches/modtree/gen.rs: the main file of {} modules.\n",
            self.modules.len()
        );
        let mut terms = Vec::new();
        for &k in &self.top {
            let m = &self.modules[k];
            let check = format!("{}-check", tag(m));
            let path = &self.module_path(k);
            let path = path.strip_suffix(".fl").unwrap_or(path);
            writeln!(s, "(import \"{path}\" ({check}))").unwrap();
            terms.push(check);
        }
        writeln!(s, "(display (modulo (+ {}) {MODULUS}))", terms.join(" ")).unwrap();
        s.push_str("(newline)\n");
        s
    }

    /// Every module file: (path, text), in generation order.
    pub fn files(&self) -> Vec<(String, String)> {
        (0..self.modules.len())
            .map(|k| (self.module_path(k), self.module_text(k, 0)))
            .collect()
    }

    /// Lines of all module files (without `main.fl`).
    pub fn lines(&self) -> usize {
        self.modules.len() * self.config.lines
    }

    /// What `main.fl` prints when the edited function's constant is
    /// bumped by `delta`.
    pub fn checksum(&self, delta: i64) -> i64 {
        let mut ev = Eval {
            modules: &self.modules,
            edit: (self.edit.module, self.edit.func, delta),
            memo: HashMap::new(),
        };
        let mut checks = Vec::new();
        for k in 0..self.modules.len() {
            let m = &self.modules[k];
            let mut sum = 0;
            for f in 0..m.funcs.len() {
                sum += ev.call(k, f, check_arg(k, f));
            }
            for imp in &m.imports {
                sum += checks[imp.target];
            }
            checks.push(sum.rem_euclid(MODULUS));
        }
        self.top.iter().map(|&k| checks[k]).sum::<i64>() % MODULUS
    }
}

/// The argument module `k`'s check passes to function `f`.
fn check_arg(k: usize, f: usize) -> i64 {
    ((k * 13 + f * 37) % 1000) as i64
}

fn gen_module(
    config: &Config,
    rng: &mut Rng,
    before: &[Module],
    imported: &mut [bool],
    k: usize,
) -> Module {
    let (folder, file) = (k / config.files, k % config.files);
    let mut m = Module {
        folder,
        file,
        declared: k % 2 == 1,
        imports: Vec::new(),
        funcs: Vec::new(),
        padding: 0,
    };
    // Targets: the oldest module not imported yet, then a recent one and
    // one anywhere before.
    let want = if k == 0 { 0 } else { rng.range(2, 4) as usize }.min(k);
    let mut targets: Vec<usize> = Vec::new();
    if let Some(oldest) = (0..k).find(|&t| !imported[t]) {
        targets.push(oldest);
    }
    while targets.len() < want {
        let t = if targets.len() % 2 == 1 {
            k - 1 - rng.below(k.min(10))
        } else {
            rng.below(k)
        };
        if !targets.contains(&t) {
            targets.push(t);
        }
    }
    // What the module can call: (module, function, text).
    let mut pool: Vec<Callee> = Vec::new();
    for &t in &targets {
        imported[t] = true;
        let target = &before[t];
        let exported: Vec<usize> = (0..target.funcs.len())
            .filter(|&f| target.funcs[f].exported)
            .collect();
        let spec = match rng.below(3) {
            _ if exported.is_empty() => Spec::All,
            0 => Spec::All,
            1 if target.declared => Spec::Qualified,
            _ => {
                let mut names = vec![(format!("{}-check", tag(target)), None)];
                for i in 0..3 {
                    let f = exported[rng.below(exported.len())];
                    let name = fname(target, f);
                    if names.iter().any(|(n, _)| *n == name) {
                        continue;
                    }
                    let alias = (i == 0).then(|| format!("use-{name}"));
                    names.push((name, alias));
                }
                Spec::Only(names)
            }
        };
        match &spec {
            Spec::All | Spec::Qualified => {
                for &f in &exported {
                    let name = fname(target, f);
                    let text = match spec {
                        Spec::Qualified => format!("{}.{name}", tag(target)),
                        _ => name,
                    };
                    pool.push(Callee {
                        module: t,
                        func: f,
                        text,
                    });
                }
            }
            Spec::Only(names) => {
                for (name, alias) in &names[1..] {
                    let f = exported
                        .iter()
                        .copied()
                        .find(|&f| fname(target, f) == *name)
                        .expect("an exported function");
                    pool.push(Callee {
                        module: t,
                        func: f,
                        text: alias.clone().unwrap_or_else(|| name.clone()),
                    });
                }
            }
        }
        let path = if target.folder == folder {
            format!("m{:02}", target.file)
        } else {
            format!("../pkg{}/m{:02}", target.folder, target.file)
        };
        m.imports.push(Import {
            target: t,
            path,
            spec,
        });
    }
    // Functions of every kind while they fit, then one-line ones, then
    // comment lines.
    let lines = |m: &Module| render(before, m, k, None).lines().count();
    loop {
        let f = gen_func(rng, before, &m, &pool, false);
        m.funcs.push(f);
        if lines(&m) > config.lines {
            m.funcs.pop();
            break;
        }
    }
    loop {
        let f = gen_func(rng, before, &m, &pool, true);
        m.funcs.push(f);
        if lines(&m) > config.lines {
            m.funcs.pop();
            break;
        }
    }
    m.padding = config.lines.saturating_sub(lines(&m));
    m
}

fn cost(before: &[Module], m: &Module, c: &Callee) -> u32 {
    before.get(c.module).unwrap_or(m).funcs[c.func].cost
}

fn gen_func(rng: &mut Rng, before: &[Module], m: &Module, pool: &[Callee], tiny: bool) -> Func {
    let k = before.len();
    let a = rng.range(1, 97);
    let b = rng.range(2, 40);
    // A callee of at most `limit` cost: half the time an imported one.
    let pick = |rng: &mut Rng, limit: u32| -> Option<Callee> {
        for _ in 0..8 {
            let c = if !pool.is_empty() && (m.funcs.is_empty() || rng.below(2) == 0) {
                pool[rng.below(pool.len())].clone()
            } else if !m.funcs.is_empty() {
                let f = rng.below(m.funcs.len());
                Callee {
                    module: k,
                    func: f,
                    text: fname(m, f),
                }
            } else {
                return None;
            };
            if cost(before, m, &c) <= limit {
                return Some(c);
            }
        }
        None
    };
    let body = if tiny {
        Body::Tiny { a }
    } else {
        let kind = rng.below(11);
        let called = match kind {
            6 => pick(rng, 12)
                .zip(pick(rng, 12))
                .map(|(c1, c2)| Body::If { a, c1, c2 }),
            7 => pick(rng, 12)
                .zip(pick(rng, 12))
                .map(|(c1, c2)| Body::Calls { a, c1, c2 }),
            8 => pick(rng, 20).map(|c1| Body::Cond { a, c1 }),
            9 => pick(rng, 9).map(|c1| Body::MapCall { a, c1 }),
            10 => pick(rng, 20).map(|c1| Body::Match { a, c1 }),
            _ => None,
        };
        called.unwrap_or_else(|| match kind % 5 {
            0 => Body::Arith { a, b },
            1 => Body::Let { a, b },
            2 => Body::Loop {
                a: a % 40,
                n: rng.range(3, 12),
            },
            3 => Body::List { a, b },
            _ => Body::Filter { a, b },
        })
    };
    let c = |c: &Callee| cost(before, m, c);
    let cost = match &body {
        Body::Loop { n, .. } => 1 + *n as u32,
        Body::List { .. } | Body::Filter { .. } => 4,
        Body::If { c1, c2, .. } => 1 + c(c1).max(c(c2)),
        Body::Calls { c1, c2, .. } => 1 + c(c1) + c(c2),
        Body::Cond { c1, .. } | Body::Match { c1, .. } => 1 + c(c1),
        Body::MapCall { c1, .. } => 1 + 3 * c(c1),
        _ => 1,
    };
    debug_assert!(cost <= MAX_COST);
    Func {
        body,
        exported: !m.declared || rng.below(3) != 0,
        cost,
    }
}

/// Module `k`, `m`, as text (`before`: the modules before it); `edit`:
/// (function, delta).
fn render(before: &[Module], m: &Module, k: usize, edit: Option<(usize, i64)>) -> String {
    let t = tag(m);
    let ind = if m.declared { "  " } else { "" };
    let mut s = format!(
        ";; Generated by benches/modtree/gen.rs: module {t} (pkg{}/m{:02}.fl).\n",
        m.folder, m.file
    );
    if m.declared {
        writeln!(s, "(module {t}").unwrap();
        let mut names = vec![format!("{t}-check")];
        names.extend(
            (0..m.funcs.len())
                .filter(|&f| m.funcs[f].exported)
                .map(|f| fname(m, f)),
        );
        let mut line = format!("{ind}(export");
        for n in names {
            if line.len() + n.len() > 76 {
                writeln!(s, "{line}").unwrap();
                line = format!("{ind}       ");
            }
            write!(line, " {n}").unwrap();
        }
        writeln!(s, "{line})").unwrap();
    }
    for imp in &m.imports {
        let spec = match &imp.spec {
            Spec::All => "*".to_string(),
            Spec::Qualified => "()".to_string(),
            Spec::Only(names) => {
                let names: Vec<String> = names
                    .iter()
                    .map(|(n, alias)| match alias {
                        Some(a) => format!("{n} as {a}"),
                        None => n.clone(),
                    })
                    .collect();
                format!("({})", names.join(" "))
            }
        };
        writeln!(s, "{ind}(import \"{}\" {spec})", imp.path).unwrap();
    }
    s.push('\n');
    for (f, func) in m.funcs.iter().enumerate() {
        let body = match edit {
            Some((e, delta)) if e == f => func.body.bumped(delta),
            _ => func.body.clone(),
        };
        if let Some(doc) = doc(&body) {
            writeln!(s, "{ind};; {doc}").unwrap();
        }
        let text = func_text(&fname(m, f), &body);
        for line in text.lines() {
            writeln!(s, "{ind}{line}").unwrap();
        }
        if !matches!(body, Body::Tiny { .. }) {
            s.push('\n');
        }
    }
    for _ in 0..m.padding {
        writeln!(s, "{ind};;").unwrap();
    }
    // The check: every function at a fixed argument, and every import's.
    let mut terms: Vec<String> = (0..m.funcs.len())
        .map(|f| format!("({} {})", fname(m, f), check_arg(k, f)))
        .collect();
    for imp in &m.imports {
        let other = &before[imp.target];
        let check = format!("{}-check", tag(other));
        terms.push(match imp.spec {
            Spec::Qualified => format!("{}.{check}", tag(other)),
            _ => check,
        });
    }
    writeln!(s, "{ind}(define {t}-check").unwrap();
    let chunks: Vec<String> = terms.chunks(5).map(|c| c.join(" ")).collect();
    for (i, chunk) in chunks.iter().enumerate() {
        let lead = if i == 0 { "(modulo (+ " } else { "           " };
        let end = if i + 1 == chunks.len() { ")" } else { "" };
        writeln!(s, "{ind}  {lead}{chunk}{end}").unwrap();
    }
    let close = if m.declared { ")" } else { "" };
    writeln!(s, "{ind}          {MODULUS})){close}").unwrap();
    s
}

/// The comment line before a function (none for one-line functions).
fn doc(body: &Body) -> Option<String> {
    let callee = |c: &Callee| c.text.clone();
    Some(match body {
        Body::Tiny { .. } => return None,
        Body::Arith { .. } => "An affine map modulo the modulus.".into(),
        Body::Let { .. } => "Two bindings, then a combination of them.".into(),
        Body::Loop { n, .. } => format!("A named-let loop of {n} steps."),
        Body::List { .. } => "A sum over a mapped list of three elements.".into(),
        Body::Filter { .. } => "Counts the even elements and sums the list.".into(),
        Body::If { c1, c2, .. } => format!("Halves into {} or shifts {}.", callee(c1), callee(c2)),
        Body::Calls { c1, c2, .. } => format!("Combines {} and {}.", callee(c1), callee(c2)),
        Body::Cond { c1, .. } => format!("Three ranges, the middle one through {}.", callee(c1)),
        Body::MapCall { c1, .. } => format!("Sums {} over three points.", callee(c1)),
        Body::Match { c1, .. } => format!("Dispatches on x modulo 3, once to {}.", callee(c1)),
    })
}

fn func_text(name: &str, body: &Body) -> String {
    let m = MODULUS;
    match body {
        Body::Tiny { a } => format!("(define ({name} x) (modulo (+ x {a}) {m}))"),
        Body::Arith { a, b } => {
            format!("(define ({name} x)\n  (modulo (+ (* x {a}) {b})\n          {m}))")
        }
        Body::Let { a, b } => format!(
            "(define ({name} x)\n  (let* ((p (+ x {a}))\n         (q (modulo (* p {b}) {m})))\n    (modulo (- (* q 3) p)\n            {m})))"
        ),
        Body::Loop { a, n } => format!(
            "(define ({name} x)\n  (let loop ((i 0) (acc x))\n    (if (= i {n})\n        acc\n        (loop (+ i 1)\n              (modulo (+ (* acc {a}) i) {m})))))"
        ),
        Body::List { a, b } => format!(
            "(define ({name} x)\n  (let ((xs (list x (+ x {b}) (* x 3))))\n    (modulo (fold-left + 0\n                       (map (lambda (y) (modulo (* y {a}) 101)) xs))\n            {m})))"
        ),
        Body::Filter { a, b } => format!(
            "(define ({name} x)\n  (let ((xs (list x (+ x 1) (+ x {a}) (* x {b}))))\n    (modulo (+ (length (filter even? xs))\n               (fold-left + 0 xs))\n            {m})))"
        ),
        Body::If { a, c1, c2 } => format!(
            "(define ({name} x)\n  (if (even? x)\n      ({} (quotient x 2))\n      (modulo (+ ({} x) {a})\n              {m})))",
            c1.text, c2.text
        ),
        Body::Calls { a, c1, c2 } => format!(
            "(define ({name} x)\n  (let ((u ({} x))\n        (v ({} (+ x 3))))\n    (modulo (+ u (* v {a})) {m})))",
            c1.text, c2.text
        ),
        Body::Cond { a, c1 } => format!(
            "(define ({name} x)\n  (cond ((< x 1000) (modulo (+ (* x x) {a}) {m}))\n        ((< x 5000)\n         (modulo (+ ({} x) 1) {m}))\n        (else\n         (modulo (+ x {a}) {m}))))",
            c1.text
        ),
        Body::MapCall { a, c1 } => format!(
            "(define ({name} x)\n  (modulo (fold-left + 0\n                     (map {}\n                          (list x (+ x 1) (+ x {a}))))\n          {m}))",
            c1.text
        ),
        Body::Match { a, c1 } => format!(
            "(define ({name} x)\n  (match (list (modulo x 3) x)\n    ((0 y) (modulo (+ y {a}) {m}))\n    ((1 y) ({} y))\n    ((_ y) (modulo (* y 2) {m}))))",
            c1.text
        ),
    }
}

/// The function of the middle half of the modules that most functions of
/// other modules call (the first such).
fn pick_edit(modules: &[Module]) -> Edit {
    let mut callers: HashMap<(usize, usize), Vec<String>> = HashMap::new();
    for (k, m) in modules.iter().enumerate() {
        for (f, func) in m.funcs.iter().enumerate() {
            for c in func.body.callees() {
                let list = callers.entry((c.module, c.func)).or_default();
                if c.module != k && !list.contains(&fname(m, f)) {
                    list.push(fname(m, f));
                }
            }
        }
    }
    let n = modules.len();
    let (module, func) = (n / 4..n - n / 4)
        .flat_map(|k| (0..modules[k].funcs.len()).map(move |f| (k, f)))
        .max_by_key(|&(k, f)| {
            let count = callers.get(&(k, f)).map_or(0, Vec::len);
            (count, usize::MAX - k, usize::MAX - f)
        })
        .expect("a module has functions");
    let m = &modules[module];
    Edit {
        module,
        func,
        path: format!("pkg{}/m{:02}.fl", m.folder, m.file),
        name: fname(m, func),
        callers: callers.remove(&(module, func)).unwrap_or_default(),
    }
}

/// Evaluates generated functions as the program does.
struct Eval<'a> {
    modules: &'a [Module],
    /// (module, function, delta): the edit.
    edit: (usize, usize, i64),
    memo: HashMap<(usize, usize, i64), i64>,
}

impl Eval<'_> {
    fn call(&mut self, k: usize, f: usize, x: i64) -> i64 {
        if let Some(&v) = self.memo.get(&(k, f, x)) {
            return v;
        }
        let body = &self.modules[k].funcs[f].body;
        let body = if (k, f) == (self.edit.0, self.edit.1) {
            body.bumped(self.edit.2)
        } else {
            body.clone()
        };
        let m = MODULUS;
        let v = match &body {
            Body::Tiny { a } => (x + a).rem_euclid(m),
            Body::Arith { a, b } => (x * a + b).rem_euclid(m),
            Body::Let { a, b } => {
                let p = x + a;
                let q = (p * b).rem_euclid(m);
                (q * 3 - p).rem_euclid(m)
            }
            Body::Loop { a, n } => (0..*n).fold(x, |acc, i| (acc * a + i).rem_euclid(m)),
            Body::List { a, b } => {
                let s: i64 = [x, x + b, x * 3]
                    .iter()
                    .map(|y| (y * a).rem_euclid(101))
                    .sum();
                s.rem_euclid(m)
            }
            Body::Filter { a, b } => {
                let xs = [x, x + 1, x + a, x * b];
                let even = xs.iter().filter(|y| *y % 2 == 0).count() as i64;
                (even + xs.iter().sum::<i64>()).rem_euclid(m)
            }
            Body::If { a, c1, c2 } => {
                if x % 2 == 0 {
                    self.call(c1.module, c1.func, x / 2)
                } else {
                    (self.call(c2.module, c2.func, x) + a).rem_euclid(m)
                }
            }
            Body::Calls { a, c1, c2 } => {
                let u = self.call(c1.module, c1.func, x);
                let v = self.call(c2.module, c2.func, x + 3);
                (u + v * a).rem_euclid(m)
            }
            Body::Cond { a, c1 } => {
                if x < 1000 {
                    (x * x + a).rem_euclid(m)
                } else if x < 5000 {
                    (self.call(c1.module, c1.func, x) + 1).rem_euclid(m)
                } else {
                    (x + a).rem_euclid(m)
                }
            }
            Body::MapCall { a, c1 } => {
                let s: i64 = [x, x + 1, x + a]
                    .iter()
                    .map(|&y| self.call(c1.module, c1.func, y))
                    .sum();
                s.rem_euclid(m)
            }
            Body::Match { a, c1 } => match x % 3 {
                0 => (x + a).rem_euclid(m),
                1 => self.call(c1.module, c1.func, x),
                _ => (x * 2).rem_euclid(m),
            },
        };
        self.memo.insert((k, f, x), v);
        v
    }
}
