//! Lowering tests in the data-driven style: a small program in, its Core
//! (printed by `pretty`) or its errors out, compared as text.
//!
//! `check` lowers every item of a program and compares the printed items,
//! one per paragraph, with the expectation (whose common indentation is
//! ignored, so expectations can be indented with the test). `check_error`
//! lowers a program that must fail and compares its one error.

mod errors;
mod forms;

use crate::db::{MemoryDb, SourceFile};
use crate::{file_items, lower_item, pretty};

/// Two prelude definitions, enough to see prelude names resolve
/// (`prelude.map`) without the real prelude's noise.
const PRELUDE: &str = "(define (map f xs) xs)\n(define (fold-left f acc xs) acc)\n";

/// A database with the two-definition prelude.
fn test_db() -> MemoryDb {
    MemoryDb::with_prelude(PRELUDE)
}

/// Lowers each item of `src` (module `t`): its printed Core, or its errors
/// as `CODE start..end: message` lines with item-relative spans.
fn lower(src: &str) -> String {
    let db = test_db();
    let file = SourceFile::new(&db, "t.fl".into(), src.into());
    let items: Vec<String> = file_items(&db, file)
        .iter()
        .map(|&item| {
            let lowered = lower_item(&db, item);
            match &lowered.core {
                Some(core) => pretty::print_item(core),
                None => lowered
                    .errors
                    .iter()
                    .map(|e| format!("{} {}..{}: {}", e.code, e.span.start, e.span.end, e.message))
                    .collect::<Vec<_>>()
                    .join("\n"),
            }
        })
        .collect();
    items.join("\n\n")
}

/// Lowers `src` and compares the printed Core of its items with `expect`.
#[track_caller]
fn check(src: &str, expect: &str) {
    assert_text(&trim_indent(expect), &lower(src), src);
}

/// Lowers `src` after an unrelated first item (so the failing item does not
/// start at offset 0) and checks that it fails with exactly one error: this
/// code, this item-relative span, and a message containing `message`.
#[track_caller]
fn check_error(src: &str, code: &str, span: (u32, u32), message: &str) {
    let db = test_db();
    let text = format!("(define pad 0)\n{src}");
    let file = SourceFile::new(&db, "t.fl".into(), text.as_str().into());
    let items = file_items(&db, file);
    assert_eq!(items.len(), 2, "{src:?} should be one item");
    let errors = &lower_item(&db, items[1]).errors;
    let [e] = errors.as_slice() else {
        panic!("{src:?}: expected one error, got {errors:#?}");
    };
    let got = (e.code, (e.span.start, e.span.end));
    assert_eq!(got, (code, span), "{src:?}: {}", e.message);
    assert!(
        e.message.contains(message),
        "{src:?}: message {:?} does not contain {message:?}",
        e.message
    );
}

/// Removes leading and trailing blank lines and the indentation common to
/// every non-blank line.
fn trim_indent(s: &str) -> String {
    let lines: Vec<&str> = s.lines().collect();
    let first = lines.iter().position(|l| !l.trim().is_empty());
    let last = lines.iter().rposition(|l| !l.trim().is_empty());
    let (Some(first), Some(last)) = (first, last) else {
        return String::new();
    };
    let lines = &lines[first..=last];
    let indent = lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    lines
        .iter()
        .map(|l| l.get(indent..).unwrap_or("").trim_end())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Asserts `actual == expect`, showing both and a line diff if not.
#[track_caller]
fn assert_text(expect: &str, actual: &str, src: &str) {
    if expect == actual {
        return;
    }
    panic!(
        "\nlowering of\n{src}\n\n--- expected\n{expect}\n\n+++ actual\n{actual}\n\n--- diff (- expected, + actual)\n{}",
        line_diff(expect, actual)
    );
}

/// A line diff by longest common subsequence: `-` lines only in `a`, `+`
/// lines only in `b`, two spaces for lines in both.
fn line_diff(a: &str, b: &str) -> String {
    let a: Vec<&str> = a.lines().collect();
    let b: Vec<&str> = b.lines().collect();
    // lcs[i][j]: the LCS length of a[i..] and b[j..].
    let mut lcs = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, String::new());
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            out += &format!("  {}\n", a[i]);
            i += 1;
            j += 1;
        } else if i < a.len() && (j == b.len() || lcs[i + 1][j] >= lcs[i][j + 1]) {
            out += &format!("- {}\n", a[i]);
            i += 1;
        } else {
            out += &format!("+ {}\n", b[j]);
            j += 1;
        }
    }
    out
}

#[test]
fn the_helpers_compare_what_they_should() {
    assert_eq!(trim_indent("\n    (a\n      b)\n  "), "(a\n  b)");
    assert_eq!(line_diff("a\nb\nc", "a\nx\nc"), "  a\n- b\n+ x\n  c\n");
    let failed = std::panic::catch_unwind(|| check("1", "2")).is_err();
    assert!(failed, "`check` accepted a wrong expectation");
}
