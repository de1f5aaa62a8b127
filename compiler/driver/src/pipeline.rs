//! The pipeline from source files to a linked program image.

use crate::db::Database;
use crate::units::{LinkItem, item_errors_of, link_items_of};
use fluent_codegen::{Compiled, compile_item};
use fluent_effects::declare::annotation_errors;
use fluent_ir::{
    Db, Diagnostic, Item, SourceFile, exports, lower_item, module_header, module_scope, parse_file,
};
use fluent_linker::graph::call_graph;
use fluent_linker::{Files, LinkInput, Linker, Loader, Tree};
use fluent_vm::image::{Image, SourceFile as ImageFile};
use std::collections::HashSet;
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

/// Links every item of `files`; file `i` gets image file index
/// `first_file + i`.
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
