//! The pipeline from source files to a linked program image.

use crate::db::Database;
use fluent_codegen::{Compiled, compile_item};
use fluent_ir::{Db, Diagnostic, Item, SourceFile, file_items, lower_item, parse_file};
use fluent_linker::{LinkInput, Linker};
use fluent_vm::image::{Image, SourceFile as ImageFile};

/// The problems found in `files`, in order: syntax errors, then each
/// item's lowering errors with absolute spans.
pub fn diagnostics(db: &dyn Db, files: &[SourceFile]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for &file in files {
        out.extend(
            parse_file::accumulated::<Diagnostic>(db, file)
                .into_iter()
                .cloned(),
        );
        for &item in file_items(db, file) {
            out.extend(item_diagnostics(db, item));
        }
    }
    out
}

fn item_diagnostics<'db>(db: &'db dyn Db, item: Item<'db>) -> Vec<Diagnostic> {
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
    let mut linker = Linker::new();
    let (protos, init) = link_files(db, &mut linker, &all, 0);
    let image_files = all
        .iter()
        .map(|f| ImageFile::new(f.path(db).clone(), f.text(db).clone()))
        .collect();
    Ok(Image {
        files: image_files,
        protos,
        globals: linker.globals().to_vec(),
        init,
    })
}

/// Links every item of `files`; file `i` gets image file index
/// `first_file + i`.
pub fn link_files(
    db: &Database,
    linker: &mut Linker,
    files: &[SourceFile],
    first_file: u32,
) -> (Vec<fluent_vm::bytecode::Proto>, Vec<u32>) {
    let mut units = Vec::new();
    for (i, &file) in files.iter().enumerate() {
        for &item in file_items(db, file) {
            if let Compiled::Unit(u) = compile_item(db, item) {
                units.push((u.clone(), first_file + i as u32, item.offset(db)));
            }
        }
    }
    let inputs: Vec<LinkInput> = units
        .iter()
        .map(|(u, file, offset)| LinkInput {
            unit: u,
            file: *file,
            offset: *offset,
        })
        .collect();
    let linked = linker.link(&inputs);
    (linked.protos, linked.init)
}
