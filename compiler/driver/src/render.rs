//! Rendering diagnostics: the one place where problems become text.
//!
//! ```text
//! error[E0002]: unclosed `(`
//!   --> main.fl:3:1
//!    |
//!  3 | (display (+ 1 2)
//!    | ^
//! ```

use fluent_ir::{Db, Diagnostic, Severity};
use fluent_syntax::{LineIndex, Span};
use std::fmt::Write;

/// The text of a diagnostic, with the source line and a caret under the
/// span, then each note likewise.
pub fn render(db: &dyn Db, d: &Diagnostic) -> String {
    let path = d.file.path(db);
    let text = d.file.text(db);
    let lines = LineIndex::new(text);
    let kind = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let mut out = format!("{kind}[{}]: {}\n", d.code, d.message);
    snippet(&mut out, path, text, &lines, d.span, None);
    for (span, note) in &d.notes {
        snippet(&mut out, path, text, &lines, *span, Some(note));
    }
    for h in &d.help {
        let _ = writeln!(out, "   = {h}");
    }
    out
}

fn snippet(
    out: &mut String,
    path: &str,
    text: &str,
    lines: &LineIndex,
    span: Span,
    label: Option<&str>,
) {
    let (line, col) = lines.line_col(span.start);
    let src = lines.line_text(text, line);
    let gutter = line.to_string().len();
    let pad = " ".repeat(gutter);
    let _ = writeln!(out, "{pad}--> {path}:{line}:{col}");
    let _ = writeln!(out, "{pad} |");
    let _ = writeln!(out, "{line} | {src}");
    // The caret runs to the span's end, or to the end of its first line.
    let (end_line, end_col) = lines.line_col(span.end.max(span.start + 1));
    let width = if end_line == line {
        end_col.saturating_sub(col).max(1)
    } else {
        1
    };
    let lead: String = src
        .chars()
        .take(col as usize - 1)
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    let _ = write!(out, "{pad} | {lead}{}", "^".repeat(width as usize));
    match label {
        Some(l) => {
            let _ = writeln!(out, " {l}");
        }
        None => out.push('\n'),
    }
}
