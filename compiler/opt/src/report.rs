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
    /// The functions inlined into it.
    pub inlined: Vec<GlobalName>,
}

impl Report {
    /// One line: sizes, the e-graph run, what was inlined.
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
        if !self.inlined.is_empty() {
            let names: Vec<String> = self.inlined.iter().map(|g| g.to_string()).collect();
            let _ = write!(s, "; inlined: {}", names.join(" "));
        }
        s
    }
}

/// The report of every item: a row each, then the totals.
pub fn table(level: u8, rows: &[(String, &Report)]) -> String {
    let mut out = format!("optimization level {level}\n");
    let width = rows.iter().map(|(n, _)| n.len()).max().unwrap_or(0).max(10);
    let _ = writeln!(
        out,
        "{:width$}  {:>6}  {:>6}  {:>5}  {:>6}  {:<15}  inlined",
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
        let inlined: Vec<String> = r.inlined.iter().map(|g| g.to_string()).collect();
        let _ = writeln!(
            out,
            "{name:width$}  {:>6}  {:>6}  {iters:>5}  {nodes:>6}  {stop:<15}  {}",
            r.size_before,
            r.size_after,
            inlined.join(" ")
        );
    }
    let _ = writeln!(
        out,
        "total: {} definitions, size {before} -> {after}, {runs} e-graph runs",
        rows.len()
    );
    out
}
