//! The pipeline from source files to a linked program image.

use crate::db::Database;
use crate::units::{LinkItem, item_errors_of, link_items_of};
use fluent_codegen::{Compiled, compile_item};
use fluent_effects::declare::annotation_errors;
use fluent_ir::items::module_key;
use fluent_ir::{
    Db, Diagnostic, Item, SourceFile, exports, lower_item, module_header, module_scope, parse_file,
};
use fluent_linker::graph::call_graph;
use fluent_linker::{Files, LinkInput, Linker, Loader, Tree};
use fluent_vm::bytecode::Unit;
use fluent_vm::image::{Image, SourceFile as ImageFile};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

/// The problems found in `files`, in order: per file, syntax errors,
/// module form and import errors, then each item's lowering errors with
/// absolute spans. Each once (a query's accumulated diagnostics include
/// those of the queries it ran).
pub fn diagnostics(db: &dyn Db, files: &[SourceFile]) -> Vec<Diagnostic> {
    // Attached, so that queries run through `accumulated` are named in
    // the event log as the others are.
    salsa::attach(db, || collect_diagnostics(db, files))
}

fn collect_diagnostics(db: &dyn Db, files: &[SourceFile]) -> Vec<Diagnostic> {
    // A file that does not read has no items and no exports: what its
    // importers would say about it only repeats the syntax error.
    let syntax: Vec<Diagnostic> = files
        .iter()
        .flat_map(|&f| parse_file::accumulated::<Diagnostic>(db, f))
        .cloned()
        .collect();
    if !syntax.is_empty() {
        return syntax;
    }
    let mut out = Vec::new();
    for &file in files {
        out.extend(
            module_header::accumulated::<Diagnostic>(db, file)
                .into_iter()
                .cloned(),
        );
        out.extend(
            exports::accumulated::<Diagnostic>(db, file)
                .into_iter()
                .cloned(),
        );
        out.extend(
            module_scope::accumulated::<Diagnostic>(db, file)
                .into_iter()
                .cloned(),
        );
        out.extend(item_errors_of(db, file).iter().cloned());
    }
    let mut seen = HashSet::new();
    out.retain(|d| seen.insert(d.clone()));
    out
}

/// The search roots of a program whose main file is `main`: `extra`
/// (`--path`), then `./modules` and the main file's `modules` folder.
pub fn search_roots(main: &Path, extra: &[PathBuf]) -> Vec<PathBuf> {
    let mut roots = extra.to_vec();
    roots.push(PathBuf::from("modules"));
    let beside = main.parent().unwrap_or(Path::new("")).join("modules");
    if !roots.contains(&beside) {
        roots.push(beside);
    }
    roots
}

/// Loads the module tree of the main file `path` (text `text`, other files
/// from `fs`) and checks it (effect annotations included): the tree, or
/// every diagnostic.
pub fn load(
    db: &mut Database,
    loader: &mut Loader,
    fs: &dyn Files,
    path: &str,
    text: &str,
) -> Result<Tree, Vec<Diagnostic>> {
    let tree = loader.load(db, fs, Path::new(path), text)?;
    db.set_main(tree.main);
    let mut diags = diagnostics(db, &tree.order);
    if diags.is_empty() {
        // Effect annotations are checked once the program compiles.
        diags = annotation_errors(db, tree.main).clone();
    }
    if diags.is_empty() {
        Ok(tree)
    } else {
        Err(diags)
    }
}

pub(crate) fn item_diagnostics<'db>(db: &'db dyn Db, item: Item<'db>) -> Vec<Diagnostic> {
    let file = item.file(db);
    let offset = item.offset(db) as i64;
    let mut out: Vec<Diagnostic> = lower_item(db, item)
        .errors
        .iter()
        .map(|e| Diagnostic::error(e.code, file, e.span.shift(offset), e.message.clone()))
        .collect();
    if out.is_empty() && *compile_item(db, item) == Compiled::TooLarge {
        let span = item.syntax(db).span.shift(offset);
        out.push(Diagnostic::error(
            "E0301",
            file,
            span,
            "this definition is too large to compile",
        ));
    }
    out
}

/// Compiles and links the prelude and `files` (in that order) into an
/// image, or returns the diagnostics that prevent it.
pub fn build(db: &Database, files: &[SourceFile]) -> Result<Image, Vec<Diagnostic>> {
    let mut all = vec![db.prelude()];
    all.extend_from_slice(files);
    let diags = diagnostics(db, &all);
    if !diags.is_empty() {
        return Err(diags);
    }
    Ok(link_image(db, &mut Linker::new(), &all, |_| true))
}

/// As [`build`] for a tree from [`load`] (which checked it), keeping only
/// the definitions its call graph reaches from the items that run for more
/// than a value (top-level expressions, definitions whose value is not a
/// lambda or a literal): an unused function, of the program or of the
/// prelude, is not linked.
pub fn build_tree(db: &Database, tree: &Tree) -> Image {
    let reachable = call_graph(db, tree.main).reachable();
    let mut all = vec![db.prelude()];
    all.extend_from_slice(&tree.order);
    link_image(db, &mut Linker::new(), &all, |item| {
        item.root || reachable.contains(&item.def)
    })
}

/// Links the items of `files` that `keep` accepts into an image, with
/// `linker` (whose slots the image's globals are).
pub(crate) fn link_image(
    db: &Database,
    linker: &mut Linker,
    files: &[SourceFile],
    keep: impl Fn(&LinkItem) -> bool,
) -> Image {
    let (protos, init) = link_items(db, linker, files, 0, keep);
    let image_files = files.iter().map(|&f| image_file(db, f)).collect();
    Image {
        files: image_files,
        protos,
        globals: linker.globals().to_vec(),
        init,
    }
}

/// The image's copy of source file `f` (for error locations).
pub(crate) fn image_file(db: &dyn Db, f: SourceFile) -> ImageFile {
    ImageFile::new(f.path(db).clone(), f.text(db).clone())
}

/// The source files one link adds to a running program's image (a
/// watcher's swap), each once and as it is now, numbered on from the
/// image's; each becomes its module's file for the linker.
pub(crate) struct AddedFiles {
    pub files: Vec<ImageFile>,
    index: HashMap<SourceFile, u32>,
    first: u32,
}

impl AddedFiles {
    /// None yet; the image has `first` files.
    pub fn new(first: u32) -> AddedFiles {
        AddedFiles {
            files: Vec::new(),
            index: HashMap::new(),
            first,
        }
    }

    /// The image file index of `f`, added on first use.
    pub fn index(&mut self, db: &dyn Db, linker: &mut Linker, f: SourceFile) -> u32 {
        if let Some(&i) = self.index.get(&f) {
            return i;
        }
        let i = self.first + self.files.len() as u32;
        self.files.push(image_file(db, f));
        self.index.insert(f, i);
        linker.set_module_file(module_key(db, f).clone(), i);
        i
    }

    /// Adds the files (of `tree`) of the modules that code in `units` was
    /// inlined from: an edit that moved an inlined function changes its
    /// inliners, not its own code, so its file may not be added otherwise.
    pub fn add_origins<'u>(
        &mut self,
        db: &dyn Db,
        linker: &mut Linker,
        tree: &[SourceFile],
        units: impl IntoIterator<Item = &'u Unit>,
    ) {
        let modules: HashSet<&str> = units
            .into_iter()
            .flat_map(|u| u.origins.iter().map(|o| &*o.module))
            .collect();
        if modules.is_empty() {
            return;
        }
        for &f in tree {
            if modules.contains(&**module_key(db, f)) {
                self.index(db, linker, f);
            }
        }
    }
}

/// Links every item of `files`; file `i` gets image file index
/// `first_file + i` (and is where the linker locates code inlined from
/// its module from now on).
pub fn link_files(
    db: &Database,
    linker: &mut Linker,
    files: &[SourceFile],
    first_file: u32,
) -> (Vec<fluent_vm::bytecode::Proto>, Vec<u32>) {
    link_items(db, linker, files, first_file, |_| true)
}

/// As [`link_files`], only the items `keep` accepts.
fn link_items(
    db: &Database,
    linker: &mut Linker,
    files: &[SourceFile],
    first_file: u32,
    keep: impl Fn(&LinkItem) -> bool,
) -> (Vec<fluent_vm::bytecode::Proto>, Vec<u32>) {
    for (i, &file) in files.iter().enumerate() {
        linker.set_module_file(module_key(db, file).clone(), first_file + i as u32);
    }
    let mut inputs = Vec::new();
    for (i, &file) in files.iter().enumerate() {
        for item in link_items_of(db, file).iter() {
            if let Some(unit) = &item.unit
                && keep(item)
            {
                inputs.push(LinkInput {
                    unit,
                    file: first_file + i as u32,
                    offset: item.offset,
                });
            }
        }
    }
    let linked = linker.link(&inputs);
    (linked.protos, linked.init)
}

#[cfg(test)]
mod tests {
    use super::*;
    use fluent_syntax::Span;
    use fluent_vm::bytecode::{Arity, InlineScope, Op, Origin, Proto};

    /// A unit whose one function has code inlined from module `m`.
    fn inlining_from_m() -> Unit {
        let proto = Proto {
            name: "f".into(),
            arity: Arity {
                required: 0,
                rest: false,
            },
            nregs: 1,
            code: vec![Op::Return { src: 0 }],
            consts: vec![],
            captures: vec![],
            spans: vec![Span::new(1, 2)],
            loops: 0,
            file: 0,
            span: Span::new(0, 3),
            scopes: vec![InlineScope {
                parent: None,
                name: "g".into(),
                file: 1,
                call: Span::new(1, 2),
                tail: false,
            }],
            scope_runs: vec![],
            scope_tail_calls: vec![],
        };
        Unit {
            protos: vec![proto],
            globals: vec![],
            origins: vec![Origin {
                module: "m".into(),
                offset: 3,
            }],
        }
    }

    #[test]
    fn a_swap_adds_the_files_its_inlined_code_comes_from() {
        let db = Database::default();
        let a = SourceFile::new(&db, "a.fl".into(), "(define (f) (g))".into());
        let m = SourceFile::new(&db, "m.fl".into(), "\n\n(define (g) 2)".into());
        let n = SourceFile::new(&db, "n.fl".into(), "".into());
        let mut linker = Linker::new();
        // The image has 5 files; `m` is one of them, as it was.
        linker.set_module_file("m".into(), 2);
        let mut added = AddedFiles::new(5);
        assert_eq!(added.index(&db, &mut linker, a), 5);
        assert_eq!(added.index(&db, &mut linker, a), 5);
        let unit = inlining_from_m();
        added.add_origins(&db, &mut linker, &[a, m, n], [&unit]);
        let paths: Vec<&str> = added.files.iter().map(|f| &*f.path).collect();
        assert_eq!(paths, ["a.fl", "m.fl"]);
        // Code linked from now on points into m's text as it is now.
        let linked = linker.link(&[LinkInput {
            unit: &unit,
            file: 5,
            offset: 0,
        }]);
        assert_eq!(linked.protos[0].scopes[0].file, 6);
        assert_eq!(linked.protos[0].scopes[0].call, Span::new(1, 2));
    }
}
