//! What the optimizer did, per definition: `fluent emit --emit opt` (a
//! comment above each definition) and `--emit opt-report` (a table).

use crate::egraph::RunStats;
use fluent_vm::bytecode::GlobalName;
use std::fmt::Write;

/// What the optimizer did to one item.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// Core expressions before and after.
    pub size_before: usize,
    pub size_after: usize,
    /// The e-graph run, if the item had anything a rule could match.
    pub egraph: Option<RunStats>,
    /// The functions inlined into it (and those they had inlined).
    pub inlined: Vec<GlobalName>,
    /// The functions it calls specialized clones of.
    pub specialized: Vec<GlobalName>,
}

impl Report {
    /// One line: sizes, the e-graph run, what was inlined and specialized.
    pub fn summary(&self) -> String {
        let mut s = format!("size {} -> {}", self.size_before, self.size_after);
        match &self.egraph {
            Some(r) => {
                let _ = write!(
                    s,
                    "; e-graph: {} after {} iterations, {} nodes",
                    r.stop, r.iterations, r.nodes
                );
            }
            None => s.push_str("; e-graph: not needed"),
        }
        let copied = self.copied();
        if !copied.is_empty() {
            let _ = write!(s, "; {copied}");
        }
        s
    }

    /// What was inlined and specialized, as `inlined: f g; specialized: h`
    /// (empty if nothing).
    pub fn copied(&self) -> String {
        let names = |gs: &[GlobalName]| {
            gs.iter()
                .map(|g| g.to_string())
                .collect::<Vec<_>>()
                .join(" ")
        };
        let mut parts = Vec::new();
        if !self.inlined.is_empty() {
            parts.push(format!("inlined: {}", names(&self.inlined)));
        }
        if !self.specialized.is_empty() {
            parts.push(format!("specialized: {}", names(&self.specialized)));
        }
        parts.join("; ")
    }
}

/// The report of every item: a row each, then the totals.
pub fn table(level: u8, rows: &[(String, &Report)]) -> String {
    let mut out = format!("optimization level {level}\n");
    let width = rows.iter().map(|(n, _)| n.len()).max().unwrap_or(0).max(10);
    let _ = writeln!(
        out,
        "{:width$}  {:>6}  {:>6}  {:>5}  {:>6}  {:<15}  copied",
        "definition", "before", "after", "iters", "nodes", "stop"
    );
    let (mut before, mut after, mut runs) = (0, 0, 0);
    for (name, r) in rows {
        before += r.size_before;
        after += r.size_after;
        let (iters, nodes, stop) = match &r.egraph {
            Some(e) => {
                runs += 1;
                (
                    e.iterations.to_string(),
                    e.nodes.to_string(),
                    e.stop.to_string(),
                )
            }
            None => ("-".into(), "-".into(), "-".into()),
        };
        let _ = writeln!(
            out,
            "{name:width$}  {:>6}  {:>6}  {iters:>5}  {nodes:>6}  {stop:<15}  {}",
            r.size_before,
            r.size_after,
            r.copied()
        );
    }
    let _ = writeln!(
        out,
        "total: {} definitions, size {before} -> {after}, {runs} e-graph runs",
        rows.len()
    );
    out
}
