//! The effect audit: every definition of a program with its effects and,
//! per effect, the shortest call path to where it is performed; and the
//! `--deny` check.
//!
//! [`audit`] and [`check`] read whole-program inference; an
//! [`crate::EffectSession`] reports through the same [`report`], which
//! searches call paths forward from the reported definitions only (see
//! `paths`), so auditing one file reads little beyond that file.
//!
//! The JSON form (`--format json`) is a stable schema, version 1:
//!
//! ```json
//! { "version": 1,
//!   "definitions": [
//!     { "name": "log-sum", "module": "main", "file": "main.fl",
//!       "line": 3, "column": 1, "kind": "function",
//!       "effects": ["io"],
//!       "paths": { "io": [ { "in": "log-sum", "file": "main.fl", "line": 4,
//!                            "column": 3, "does": "calls helper" }, ... ] } } ],
//!   "denied": ["io"],
//!   "violations": [ { "name": "log-sum", "module": "main", "effect": "io",
//!                     "path": [ ...steps as above... ] } ] }
//! ```
//!
//! `kind` is `function` (effects of calling it), `value` (of evaluating
//! the definition) or `expression` (a top-level expression, named
//! `<form N>`). Effects are listed in the order io, state, error, time,
//! random, network, async. Fields may be added in a later version; none is
//! removed or changes meaning within version 1.

use crate::EffectSet;
use crate::declare::declare_body;
use crate::infer::{EffectTable, program_effects, program_files};
use crate::paths::{Explainer, Lines, Modules, Step, def_label, render_path};
use fluent_ir::items::module_key;
use fluent_ir::{Db, Item, SourceFile, file_items};
use fluent_linker::graph::{Def, item_refs};
use fluent_syntax::LineIndex;
use fluent_vm::effect::EffectKind;
use std::fmt::Write as _;

/// What to check.
#[derive(Clone, Debug, Default)]
pub struct Policy {
    /// Kinds no definition in scope may perform.
    pub deny: EffectSet,
    /// Module glob (`*`, `?`) restricting the check; `None`: every module.
    pub scope: Option<String>,
}

/// One definition's line of the audit.
#[derive(Clone, Debug)]
pub struct Entry {
    pub name: String,
    pub module: String,
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub kind: &'static str,
    pub effects: EffectSet,
    pub paths: Vec<(EffectKind, Vec<Step>)>,
}

/// The audit of a program.
#[derive(Clone, Debug)]
pub struct Report {
    pub entries: Vec<Entry>,
    pub denied: EffectSet,
    /// Entries (by index) and kinds that break the policy.
    pub violations: Vec<(usize, EffectKind)>,
}

/// Audits the program `main`; `user` are the files to report on (the
/// program's own, not the prelude), in order.
pub fn audit(db: &dyn Db, main: SourceFile, user: &[SourceFile], policy: &Policy) -> Report {
    whole_program(db, main, user, policy, Paths::Every)
}

/// Checks `policy` on the program `main`: a report of the violating
/// definitions of `user` alone, each with the paths of its violations.
pub fn check(db: &dyn Db, main: SourceFile, user: &[SourceFile], policy: &Policy) -> Report {
    whole_program(db, main, user, policy, Paths::Violations)
}

/// [`report`] under whole-program inference.
fn whole_program(
    db: &dyn Db,
    main: SourceFile,
    user: &[SourceFile],
    policy: &Policy,
    paths: Paths,
) -> Report {
    let modules = Modules::new(db, &program_files(db, main));
    report(db, program_effects(db, main), &modules, user, policy, paths)
}

/// Which definitions a report lists, with which call paths.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Paths {
    /// Every definition, with a path per effect.
    Every,
    /// The definitions that break the policy, with a path per violation.
    Violations,
}

/// A definition to report, before its paths.
struct Row<'db> {
    /// Where its effects come from: its item, or for a name defined
    /// twice, the last definition.
    from: Item<'db>,
    def: Def,
    kind: &'static str,
    effects: EffectSet,
    /// The kinds it must not perform.
    denied: EffectSet,
    /// Index into the files' names.
    file: usize,
    line: u32,
    column: u32,
}

/// The audit of `user`'s definitions under `table` (whole-program
/// inference or a session), with the program's `modules` to follow calls.
pub fn report(
    db: &dyn Db,
    table: &dyn EffectTable,
    modules: &Modules,
    user: &[SourceFile],
    policy: &Policy,
    paths: Paths,
) -> Report {
    let mut explain = Explainer::new(db, table, modules);
    let mut names = Vec::new();
    let mut rows = Vec::new();
    for &file in user {
        let module = module_key(db, file).to_string();
        let path = file.path(db).to_string();
        // Indexed when a row needs it: a check reports few files.
        let mut lines = None;
        let in_scope = policy
            .scope
            .as_deref()
            .is_none_or(|g| glob(g, &module) || glob(g, &path));
        let denied = if in_scope {
            policy.deny
        } else {
            EffectSet::PURE
        };
        names.push((module, path));
        for &item in file_items(db, file) {
            if declare_body(item.syntax(db)).is_some() {
                continue;
            }
            let def = &item_refs(db, item).def;
            let Some(d) = table.def_effects(def) else {
                continue;
            };
            let effects = d.reported();
            if paths == Paths::Violations && effects.meet(denied).is_pure() {
                continue;
            }
            let kind = match def {
                Def::Global(_) if d.call.is_some() => "function",
                Def::Global(_) => "value",
                Def::Expr(..) => "expression",
            };
            let lines = lines.get_or_insert_with(|| LineIndex::new(file.text(db)));
            let (line, column) = lines.line_col(item.offset(db));
            rows.push(Row {
                from: explain.item_of(def).unwrap_or(item),
                def: def.clone(),
                kind,
                effects,
                denied,
                file: names.len() - 1,
                line,
                column,
            });
        }
    }
    // The kinds each row needs a path for.
    let wanted = |r: &Row| match paths {
        Paths::Every => r.effects,
        Paths::Violations => r.effects.meet(r.denied),
    };
    for kind in EffectKind::ALL {
        let roots: Vec<_> = rows
            .iter()
            .filter(|r| wanted(r).contains(kind))
            .map(|r| r.from)
            .collect();
        if !roots.is_empty() {
            explain.search(kind, &roots);
        }
    }
    let mut entries = Vec::new();
    let mut violations = Vec::new();
    for r in rows {
        for k in r.effects.kinds().filter(|k| r.denied.contains(*k)) {
            violations.push((entries.len(), k));
        }
        let (module, file) = &names[r.file];
        entries.push(Entry {
            name: def_label(&r.def),
            module: module.clone(),
            file: file.clone(),
            line: r.line,
            column: r.column,
            kind: r.kind,
            effects: r.effects,
            paths: wanted(&r)
                .kinds()
                .map(|k| (k, explain.path(r.from, k)))
                .collect(),
        });
    }
    Report {
        entries,
        denied: policy.deny,
        violations,
    }
}

impl Report {
    /// The path of a violation.
    fn path_of(&self, entry: usize, kind: EffectKind) -> &[Step] {
        self.entries[entry]
            .paths
            .iter()
            .find(|(k, _)| *k == kind)
            .map_or(&[], |(_, p)| p)
    }

    /// The audit as text: per file, each definition with its effects and
    /// a path per effect; then the violations, if any.
    pub fn text(&self, db: &dyn Db) -> String {
        let mut out = String::new();
        let mut file = None;
        for e in &self.entries {
            if file != Some(&e.file) {
                let _ = writeln!(out, "{}:", e.file);
                file = Some(&e.file);
            }
            let _ = writeln!(out, "  {} ({}:{}): {}", e.name, e.line, e.column, e.effects);
            for (k, p) in &e.paths {
                let _ = writeln!(out, "    {}: {}", k.name(), render_path(db, p));
            }
        }
        out.push_str(&self.violations_text(db));
        out
    }

    /// The violations as text (empty if none).
    pub fn violations_text(&self, db: &dyn Db) -> String {
        if self.violations.is_empty() {
            return String::new();
        }
        let mut out = format!(
            "error[E0502]: {} violation{} of --deny {}\n",
            self.violations.len(),
            if self.violations.len() == 1 { "" } else { "s" },
            self.denied.list()
        );
        for &(i, k) in &self.violations {
            let e = &self.entries[i];
            let _ = writeln!(
                out,
                "  {}.{} ({}:{}:{}) may perform {}: {}",
                e.module,
                e.name,
                e.file,
                e.line,
                e.column,
                k.name(),
                render_path(db, self.path_of(i, k))
            );
        }
        out
    }

    /// The audit as JSON (see the module docs for the schema).
    pub fn json(&self, db: &dyn Db) -> String {
        let mut lines = Lines::default();
        let mut steps = |p: &[Step]| {
            let items: Vec<String> = p
                .iter()
                .map(|s| {
                    let (line, col) = lines.line_col(db, s.file, s.span.start);
                    let name = def_label(&s.def);
                    format!(
                        "{{\"in\": {}, \"file\": {}, \"line\": {line}, \"column\": {col}, \"does\": {}}}",
                        quote(&name),
                        quote(s.file.path(db)),
                        quote(&s.what)
                    )
                })
                .collect();
            format!("[{}]", items.join(", "))
        };
        let kinds = |s: EffectSet| {
            let ks: Vec<String> = s.kinds().map(|k| quote(k.name())).collect();
            format!("[{}]", ks.join(", "))
        };
        let mut defs = Vec::new();
        for e in &self.entries {
            let paths: Vec<String> = e
                .paths
                .iter()
                .map(|(k, p)| format!("{}: {}", quote(k.name()), steps(p)))
                .collect();
            defs.push(format!(
                "    {{\"name\": {}, \"module\": {}, \"file\": {}, \"line\": {}, \"column\": {}, \"kind\": {}, \"effects\": {}, \"paths\": {{{}}}}}",
                quote(&e.name),
                quote(&e.module),
                quote(&e.file),
                e.line,
                e.column,
                quote(e.kind),
                kinds(e.effects),
                paths.join(", ")
            ));
        }
        let violations: Vec<String> = self
            .violations
            .iter()
            .map(|&(i, k)| {
                let e = &self.entries[i];
                format!(
                    "    {{\"name\": {}, \"module\": {}, \"effect\": {}, \"path\": {}}}",
                    quote(&e.name),
                    quote(&e.module),
                    quote(k.name()),
                    steps(self.path_of(i, k))
                )
            })
            .collect();
        format!(
            "{{\n  \"version\": 1,\n  \"definitions\": [\n{}\n  ],\n  \"denied\": {},\n  \"violations\": [\n{}\n  ]\n}}\n",
            defs.join(",\n"),
            kinds(self.denied),
            violations.join(",\n")
        )
    }
}

/// A JSON string.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Whether `text` matches the glob `pattern` (`*`: any run, `?`: one
/// character).
pub fn glob(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    // The classic two-pointer match with backtracking to the last `*`.
    let (mut i, mut j, mut star, mut mark) = (0, 0, None, 0);
    while j < t.len() {
        if i < p.len() && (p[i] == '?' || p[i] == t[j]) {
            i += 1;
            j += 1;
        } else if i < p.len() && p[i] == '*' {
            star = Some(i);
            mark = j;
            i += 1;
        } else if let Some(s) = star {
            i = s + 1;
            mark += 1;
            j = mark;
        } else {
            return false;
        }
    }
    p[i..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_runs_and_single_characters() {
        assert!(glob("net*", "network"));
        assert!(glob("*", "anything"));
        assert!(glob("a?c", "abc"));
        assert!(!glob("a?c", "abbc"));
        assert!(glob("lib/*/x", "lib/a/b/x"));
        assert!(!glob("net", "network"));
    }

    #[test]
    fn json_strings_are_escaped() {
        assert_eq!(quote("a\"b\\c\n"), "\"a\\\"b\\\\c\\n\"");
        assert_eq!(quote("\u{1}"), "\"\\u0001\"");
    }
}
