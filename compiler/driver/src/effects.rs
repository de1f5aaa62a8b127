//! `fluent effects`: the effect audit of a program, and the `--deny`
//! check that `fluent run` and `fluent build` also accept.

use crate::db::Database;
use crate::pipeline::load;
use crate::session::Failure;
use fluent_effects::audit::{Policy, Report, audit, check};
use fluent_ir::SourceFile;
use fluent_linker::{Files, Loader};
use std::path::PathBuf;

/// How to print the audit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuditFormat {
    Text,
    Json,
}

/// How the program is reported on: [`audit`] or [`check`].
type Auditor = fn(&dyn fluent_ir::Db, SourceFile, &[SourceFile], &Policy) -> Report;

/// Compiles the program whose main file is `path` and audits it against
/// `policy` with `how`: the database (for rendering) and the report.
fn audited(
    path: &str,
    text: &str,
    roots: &[PathBuf],
    fs: &dyn Files,
    policy: &Policy,
    how: Auditor,
) -> Result<(Database, Report), Failure> {
    let mut db = Database::default();
    let mut loader = Loader::new(roots.to_vec());
    let tree =
        load(&mut db, &mut loader, fs, path, text).map_err(|ds| Failure::compile(&db, &ds))?;
    let report = how(&db, tree.main, &tree.order, policy);
    Ok((db, report))
}

/// The audit of the program whose main file is `path`, and whether it
/// breaks `policy`.
pub fn effects(
    path: &str,
    text: &str,
    roots: &[PathBuf],
    fs: &dyn Files,
    policy: &Policy,
    format: AuditFormat,
) -> Result<(String, bool), Failure> {
    let (db, report) = audited(path, text, roots, fs, policy, audit)?;
    let out = match format {
        AuditFormat::Text => report.text(&db),
        AuditFormat::Json => report.json(&db),
    };
    Ok((out, !report.violations.is_empty()))
}

/// Checks `policy` on the program: `Err` with the violations (or the
/// compile errors) if it breaks it.
pub fn check_policy(
    path: &str,
    text: &str,
    roots: &[PathBuf],
    fs: &dyn Files,
    policy: &Policy,
) -> Result<(), Failure> {
    let (db, report) = audited(path, text, roots, fs, policy, check)?;
    if report.violations.is_empty() {
        Ok(())
    } else {
        Err(Failure::Compile(vec![report.violations_text(&db)]))
    }
}
