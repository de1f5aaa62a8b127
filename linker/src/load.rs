//! Loading a module tree: from the main file, every file its imports name,
//! found on disk (or in memory, for tests) and made salsa inputs.
//!
//! An import string is looked up in the importing file's folder, then in
//! each search root: `<dir>/<name>.fl`, `<dir>/<name>.ai`,
//! `<dir>/<name>/module.fl`, `<dir>/<name>/module.ai`. Absolute paths, and
//! paths that lead out of every root (the main file's folder and the search
//! roots), are refused. The loader records each file's import targets in
//! [`SourceFile::imports`], gives each module a unique identity (its path
//! from its root, with dots: `geometry.shapes`), and orders the files for
//! initialisation: dependencies first, each once, the main file last. An
//! import cycle is an error that shows the cycle.
//!
//! The loader keeps its files between loads, so loading again after an
//! edit updates the existing inputs (and salsa re-runs only what depends on
//! what changed).

use fluent_ir::modules::ImportTarget;
use fluent_ir::{Db, Diagnostic, SourceFile, module_header};
use salsa::Setter;
use std::collections::{HashMap, HashSet};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

/// Where source files come from.
pub trait Files {
    /// The text of the file at `path`, or why it cannot be read.
    fn read(&self, path: &Path) -> Result<String, String>;
    fn is_file(&self, path: &Path) -> bool;
}

/// The file system.
pub struct Disk;

impl Files for Disk {
    fn read(&self, path: &Path) -> Result<String, String> {
        let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
        String::from_utf8(bytes)
            .map_err(|e| format!("not valid UTF-8 (byte {})", e.utf8_error().valid_up_to()))
    }

    fn is_file(&self, path: &Path) -> bool {
        path.is_file()
    }
}

/// Files held in memory, by path (for tests and tools).
#[derive(Default, Clone)]
pub struct MemoryFiles(pub HashMap<PathBuf, String>);

impl MemoryFiles {
    /// Splits a fixture into files: each starts at a line `;;- /path`.
    pub fn from_fixture(text: &str) -> MemoryFiles {
        let mut files = HashMap::new();
        let mut current: Option<(PathBuf, String)> = None;
        for line in text.lines() {
            if let Some(path) = line.strip_prefix(";;- /") {
                files.extend(current.take());
                current = Some((PathBuf::from(path.trim()), String::new()));
            } else if let Some((_, body)) = current.as_mut() {
                body.push_str(line);
                body.push('\n');
            }
        }
        files.extend(current);
        MemoryFiles(files)
    }
}

impl Files for MemoryFiles {
    fn read(&self, path: &Path) -> Result<String, String> {
        self.0
            .get(&normalize(path))
            .cloned()
            .ok_or_else(|| "no such file".to_string())
    }

    fn is_file(&self, path: &Path) -> bool {
        self.0.contains_key(&normalize(path))
    }
}

/// A loaded tree.
#[derive(Debug, Clone)]
pub struct Tree {
    pub main: SourceFile,
    /// Every file of the tree, dependencies before their importers, the
    /// main file last.
    pub order: Vec<SourceFile>,
}

/// Loads module trees, keeping the files it made between loads.
pub struct Loader {
    /// Search roots after the importing file's folder.
    roots: Vec<PathBuf>,
    files: HashMap<PathBuf, SourceFile>,
}

/// What the depth-first walk knows of a file.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mark {
    Visiting,
    Done,
}

struct Walk<'a> {
    fs: &'a dyn Files,
    /// Folders an import may lead into (the main file's and the roots).
    allowed: Vec<PathBuf>,
    marks: HashMap<SourceFile, Mark>,
    /// Files being visited, outermost first (for cycle messages).
    stack: Vec<SourceFile>,
    order: Vec<SourceFile>,
    diags: Vec<Diagnostic>,
    ids: HashSet<Arc<str>>,
}

impl Loader {
    pub fn new(roots: Vec<PathBuf>) -> Loader {
        Loader {
            roots,
            files: HashMap::new(),
        }
    }

    /// The input of the file at `path`, if it was loaded.
    pub fn loaded(&self, path: &Path) -> Option<SourceFile> {
        self.files.get(&absolute(path)).copied()
    }

    /// Every file loaded so far (absolute paths).
    pub fn paths(&self) -> impl Iterator<Item = &Path> {
        self.files.keys().map(PathBuf::as_path)
    }

    /// Loads the tree whose main file is `main` with text `text`.
    pub fn load(
        &mut self,
        db: &mut dyn Db,
        fs: &dyn Files,
        main: &Path,
        text: &str,
    ) -> Result<Tree, Vec<Diagnostic>> {
        let main_dir = parent(main);
        let mut allowed = vec![absolute(&main_dir)];
        allowed.extend(self.roots.iter().map(|r| absolute(r)));
        let main_file = self.file(db, main, text);
        self.set_id(db, main_file, module_id(main, &main_dir));
        let mut walk = Walk {
            fs,
            allowed,
            marks: HashMap::new(),
            stack: Vec::new(),
            order: Vec::new(),
            diags: Vec::new(),
            ids: HashSet::from([Arc::from("prelude")]),
        };
        walk.ids.insert(main_file.module_id(db).clone());
        self.visit(db, &mut walk, main_file);
        if walk.diags.is_empty() {
            Ok(Tree {
                main: main_file,
                order: walk.order,
            })
        } else {
            Err(walk.diags)
        }
    }

    /// The input for `path`, made or updated to hold `text`.
    fn file(&mut self, db: &mut dyn Db, path: &Path, text: &str) -> SourceFile {
        let key = absolute(path);
        // All files have salsa's default (LOW) durability. Starting them at
        // MEDIUM and lowering an edited file to LOW made rebuilds much
        // faster (unedited files' memos verify in constant time), but
        // salsa does not backdate across a durability drop, so the first
        // edit of a file re-ran every query of that file and of its
        // importers: measured, and not kept (BENCHMARKS.md).
        match self.files.get(&key) {
            Some(&f) => {
                if **f.text(db) != *text {
                    f.set_text(db).to(text.into());
                }
                f
            }
            None => {
                let name = normalize(path).display().to_string();
                let f = SourceFile::new(db, name.into(), text.into());
                self.files.insert(key, f);
                f
            }
        }
    }

    fn set_id(&self, db: &mut dyn Db, file: SourceFile, id: Arc<str>) {
        if *file.module_id(db) != id {
            file.set_module_id(db).to(id);
        }
    }

    fn visit(&mut self, db: &mut dyn Db, w: &mut Walk<'_>, file: SourceFile) {
        w.marks.insert(file, Mark::Visiting);
        w.stack.push(file);
        let imports = module_header(db, file).imports.clone();
        let dir = parent(Path::new(&**file.path(db)));
        let mut targets = Vec::with_capacity(imports.len());
        for imp in &imports {
            let target = match self.resolve(w, &dir, &imp.path) {
                Ok((path, root)) => match w.fs.read(&path) {
                    Ok(text) => {
                        let known = self.files.contains_key(&absolute(&path));
                        let f = self.file(db, &path, &text);
                        if !known {
                            let id = unique(&mut w.ids, module_id(&path, &root));
                            self.set_id(db, f, id);
                        }
                        Some(f)
                    }
                    Err(e) => {
                        let msg = format!("cannot read {}: {e}", path.display());
                        w.diags
                            .push(Diagnostic::error("E0404", file, imp.span, msg));
                        None
                    }
                },
                Err((code, msg)) => {
                    w.diags.push(Diagnostic::error(code, file, imp.span, msg));
                    None
                }
            };
            if let Some(f) = target {
                match w.marks.get(&f) {
                    Some(Mark::Visiting) => {
                        let from = w.stack.iter().position(|&s| s == f).unwrap_or(0);
                        let mut names: Vec<String> = w.stack[from..]
                            .iter()
                            .map(|s| s.path(db).to_string())
                            .collect();
                        names.push(f.path(db).to_string());
                        w.diags.push(Diagnostic::error(
                            "E0407",
                            file,
                            imp.span,
                            format!("import cycle: {}", names.join(" -> ")),
                        ));
                    }
                    Some(Mark::Done) => {}
                    None => self.visit(db, w, f),
                }
            }
            targets.push(target.map_or(ImportTarget::Failed, ImportTarget::File));
        }
        if **file.imports(db) != *targets {
            file.set_imports(db).to(targets.into());
        }
        w.stack.pop();
        w.marks.insert(file, Mark::Done);
        w.order.push(file);
    }

    /// The file an import string names from folder `dir`: its path and
    /// the root it was found under.
    fn resolve(
        &self,
        w: &Walk<'_>,
        dir: &Path,
        spec: &str,
    ) -> Result<(PathBuf, PathBuf), (&'static str, String)> {
        if spec.is_empty() {
            return Err(("E0408", "an import path cannot be empty".into()));
        }
        if Path::new(spec).is_absolute() || spec.starts_with('/') || spec.starts_with('\\') {
            return Err((
                "E0408",
                format!("import paths are relative: \"{spec}\" is absolute"),
            ));
        }
        // From the importing file's folder the path may lead anywhere in
        // the program's folders; from a search root, only into that root.
        let mut looked = Vec::new();
        let mut bases: Vec<(PathBuf, Option<PathBuf>)> = vec![(dir.to_path_buf(), None)];
        bases.extend(self.roots.iter().map(|r| (r.clone(), Some(absolute(r)))));
        for (i, (base, own_root)) in bases.iter().enumerate() {
            let stem = normalize(&base.join(spec));
            let abs = absolute(&stem);
            let root = match own_root {
                Some(r) => abs.starts_with(r).then_some(r),
                None => w.allowed.iter().find(|r| abs.starts_with(r)),
            };
            let Some(root) = root else {
                if i == 0 {
                    return Err((
                        "E0408",
                        format!("import path \"{spec}\" leads out of the program's folders"),
                    ));
                }
                continue;
            };
            for suffix in [".fl", ".ai", "/module.fl", "/module.ai"] {
                let cand = PathBuf::from(format!("{}{suffix}", stem.display()));
                if w.fs.is_file(&cand) {
                    return Ok((cand, relative_root(root, &stem)));
                }
            }
            looked.push(stem.display().to_string());
        }
        Err((
            "E0404",
            format!(
                "cannot find module \"{spec}\" (looked for {} with .fl, .ai, /module.fl or /module.ai)",
                looked.join(", ")
            ),
        ))
    }
}

/// The folder of `path` ("" for a bare file name).
fn parent(path: &Path) -> PathBuf {
    path.parent().map(Path::to_path_buf).unwrap_or_default()
}

/// `path` made absolute (against the current folder, read once per
/// thread: a loader walk makes thousands of these) and normalized.
fn absolute(path: &Path) -> PathBuf {
    thread_local! {
        static CWD: PathBuf = std::env::current_dir().unwrap_or_default();
    }
    if path.is_absolute() {
        normalize(path)
    } else {
        CWD.with(|cwd| normalize(&cwd.join(path)))
    }
}

/// `path` without `.` components and with `..` applied where it can be.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out: Vec<Component> = Vec::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => match out.last() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir) | Some(Component::Prefix(_)) => {}
                _ => out.push(c),
            },
            c => out.push(c),
        }
    }
    out.iter().collect()
}

/// The part of `root` (absolute) that `stem` (as written) starts from,
/// written as `stem` is: so that `stem` minus it is the module's path.
fn relative_root(root: &Path, stem: &Path) -> PathBuf {
    let abs = absolute(stem);
    let rest = abs.strip_prefix(root).unwrap_or(&abs);
    let keep = stem
        .components()
        .count()
        .saturating_sub(rest.components().count());
    stem.components().take(keep).collect()
}

/// A module's identity: its path from `root` without the extension, with
/// dots (`geometry/shapes.fl` is `geometry.shapes`; a `module.fl` is its
/// folder).
fn module_id(path: &Path, root: &Path) -> Arc<str> {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let mut parts: Vec<String> = rel
        .components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect();
    if let Some(last) = parts.pop() {
        let stem = Path::new(&last)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or(last);
        if stem != "module" || parts.is_empty() {
            parts.push(stem);
        }
    }
    parts.join(".").into()
}

/// `id`, or `id#2`, `id#3`... if it is taken.
fn unique(ids: &mut HashSet<Arc<str>>, id: Arc<str>) -> Arc<str> {
    let mut candidate = id.clone();
    let mut n = 2;
    while ids.contains(&candidate) {
        candidate = format!("{id}#{n}").into();
        n += 1;
    }
    ids.insert(candidate.clone());
    candidate
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_ids_follow_the_path_from_the_root() {
        let id = |p: &str, r: &str| module_id(Path::new(p), Path::new(r)).to_string();
        assert_eq!(id("app/main.fl", "app"), "main");
        assert_eq!(id("app/geometry/shapes.fl", "app"), "geometry.shapes");
        assert_eq!(id("app/geometry/module.ai", "app"), "geometry");
        assert_eq!(id("main.fl", ""), "main");
    }

    #[test]
    fn normalize_applies_parent_components() {
        assert_eq!(
            normalize(Path::new("a/./b/../c.fl")),
            PathBuf::from("a/c.fl")
        );
        assert_eq!(normalize(Path::new("../x")), PathBuf::from("../x"));
    }

    #[test]
    fn fixtures_split_into_files() {
        let fs = MemoryFiles::from_fixture(";;- /a.fl\n(x)\n;;- /b/c.fl\n(y)\n");
        assert_eq!(fs.read(Path::new("a.fl")).unwrap(), "(x)\n");
        assert!(fs.is_file(Path::new("b/./c.fl")));
        assert!(!fs.is_file(Path::new("c.fl")));
    }
}
