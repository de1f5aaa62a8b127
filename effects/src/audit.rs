//! The effect audit: every definition of a program with its effects and,
//! per effect, the shortest call path to where it is performed; and the
//! `--deny` check.
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
use crate::infer::{program_effects, program_files};
use crate::paths::{Explainer, Lines, Step, def_label, render_path};
use fluent_ir::items::module_key;
use fluent_ir::{Db, SourceFile, file_items};
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
    let table = program_effects(db, main);
    let files = program_files(db, main);
    let explain = Explainer::new(db, &files, table);
    let mut entries = Vec::new();
    let mut violations = Vec::new();
    for &file in user {
        let module = module_key(db, file).to_string();
        let path = file.path(db).to_string();
        let lines = LineIndex::new(file.text(db));
        let in_scope = policy
            .scope
            .as_deref()
            .is_none_or(|g| glob(g, &module) || glob(g, &path));
        for &item in file_items(db, file) {
            if declare_body(item.syntax(db)).is_some() {
                continue;
            }
            let def = &item_refs(db, item).def;
            let Some(d) = table.defs.get(def) else {
                continue;
            };
            let kind = match def {
                Def::Global(_) if d.call.is_some() => "function",
                Def::Global(_) => "value",
                Def::Expr(..) => "expression",
            };
            let name = def_label(def);
            let effects = d.reported();
            let paths = effects
                .kinds()
                .map(|k| (k, explain.path(db, def, k)))
                .collect();
            let (line, column) = lines.line_col(item.offset(db));
            if in_scope {
                for k in effects.kinds().filter(|k| policy.deny.contains(*k)) {
                    violations.push((entries.len(), k));
                }
            }
            entries.push(Entry {
                name,
                module: module.clone(),
                file: path.clone(),
                line,
                column,
                kind,
                effects,
                paths,
            });
        }
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
            self.denied
                .kinds()
                .map(EffectKind::name)
                .collect::<Vec<_>>()
                .join(",")
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
