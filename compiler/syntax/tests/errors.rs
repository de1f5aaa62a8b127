//! Every error code with its span and message, the `incomplete` flag the
//! REPL relies on, and the iterative nesting limit.

mod common;

use common::*;
use fluent_syntax::{ReaderConfig, read_all, read_all_with};
use std::time::{Duration, Instant};

#[test]
fn e0001_unexpected() {
    let e = fails_with("{", "E0001", (0, 1), false);
    assert_eq!(e.message, "unexpected `{`");
    fails_with("(a })", "E0001", (3, 4), false);
    let e = fails_with("x #foo", "E0001", (2, 6), false);
    assert_eq!(e.message, "unexpected `#foo`");
    fails_with("# x", "E0001", (0, 1), false);
    let e = fails_with("a . b", "E0001", (2, 3), false);
    assert_eq!(e.message, "unexpected `.`");
    let e = fails_with("(a ')", "E0001", (4, 5), false);
    assert_eq!(e.message, "expected a datum after `'`, found `)`");
    let e = fails_with("(#;)", "E0001", (3, 4), false);
    assert_eq!(e.message, "expected a datum after `#;`, found `)`");
    fails_with("(a ,@]", "E0001", (5, 6), false);
    fails_with("(a '. b)", "E0001", (4, 5), false);
}

#[test]
fn e0002_unclosed() {
    let e = fails_with("(a b", "E0002", (0, 1), true);
    assert_eq!(e.message, "unclosed `(`");
    let e = fails_with("x [a", "E0002", (2, 3), true);
    assert_eq!(e.message, "unclosed `[`");
    let e = fails_with("  #(a", "E0002", (2, 4), true);
    assert_eq!(e.message, "unclosed `#(`");
    // The outermost open form is the one reported.
    fails_with("(define (f x)\n  (+ x 1)", "E0002", (0, 1), true);
    fails_with("(a (b (c", "E0002", (0, 1), true);
    fails_with("(a . ", "E0002", (0, 1), true);
    fails_with("(a '", "E0002", (0, 1), true);
    // A prefix with nothing after it.
    let e = fails_with("'", "E0002", (0, 1), true);
    assert_eq!(e.message, "expected a datum after `'`");
    fails_with("x ,@", "E0002", (2, 4), true);
    fails_with("`  ; comment", "E0002", (0, 1), true);
    let e = fails_with("#;", "E0002", (0, 2), true);
    assert_eq!(e.message, "expected a datum after `#;`");
    fails_with("#; #; a", "E0002", (0, 2), true);
    let e = fails_with("x #", "E0002", (2, 3), true);
    assert_eq!(e.message, "expected more after `#`");
    let e = fails_with("#\\", "E0002", (0, 2), true);
    assert_eq!(e.message, "expected a character after `#\\`");
}

#[test]
fn e0003_unexpected_close() {
    let e = fails_with(")", "E0003", (0, 1), false);
    assert_eq!(e.message, "unexpected `)`");
    let e = fails_with("(a) ]", "E0003", (4, 5), false);
    assert_eq!(e.message, "unexpected `]`");
    let e = fails_with("(a]", "E0003", (2, 3), false);
    assert_eq!(e.message, "mismatched `]`: expected `)` to close `(`");
    let e = fails_with("[a)", "E0003", (2, 3), false);
    assert_eq!(e.message, "mismatched `)`: expected `]` to close `[`");
    let e = fails_with("#(a]", "E0003", (3, 4), false);
    assert_eq!(e.message, "mismatched `]`: expected `)` to close `#(`");
    fails_with("(a [b)]", "E0003", (5, 6), false);
}

#[test]
fn e0004_bad_numbers() {
    let e = fails_with("9223372036854775808", "E0004", (0, 19), false);
    assert_eq!(e.message, "integer literal out of range");
    fails_with("-9223372036854775809", "E0004", (0, 20), false);
    fails_with("(x 0x8000000000000000)", "E0004", (3, 21), false);
    fails_with("-0x8000000000000001", "E0004", (0, 19), false);
    fails_with("99999999999999999999999999", "E0004", (0, 26), false);
    fails_with("#x10000000000000000", "E0004", (0, 19), false);
    fails_with(
        "#b1111111111111111111111111111111111111111111111111111111111111111",
        "E0004",
        (0, 66),
        false,
    );
    let e = fails_with("#x1G", "E0004", (0, 4), false);
    assert_eq!(e.message, "bad number literal `#x1G`");
    fails_with("#b102", "E0004", (0, 5), false);
    fails_with("#o8", "E0004", (0, 3), false);
    fails_with("#x", "E0004", (0, 2), false);
    fails_with("#x1.5", "E0004", (0, 5), false);
    fails_with("#dabc", "E0004", (0, 5), false);
    fails_with("#x--1", "E0004", (0, 5), false);
}

#[test]
fn e0005_bad_escapes() {
    let e = fails_with(r#""a\qb""#, "E0005", (2, 4), false);
    assert_eq!(e.message, "unknown escape `\\q`");
    fails_with(r#""\u{110000}""#, "E0005", (1, 11), false);
    fails_with(r#""\u{D800}""#, "E0005", (1, 9), false);
    fails_with(r#""\u{}""#, "E0005", (1, 5), false);
    fails_with(r#""\u{1234567}""#, "E0005", (1, 12), false);
    fails_with(r#""\u41""#, "E0005", (1, 3), false);
    fails_with(r#""\u{41x}""#, "E0005", (1, 7), false);
    fails_with(r#""\x41""#, "E0005", (1, 6), false);
    fails_with(r#""\x;""#, "E0005", (1, 4), false);
    fails_with(r#""\xD800;""#, "E0005", (1, 8), false);
    // `\` then spaces must reach the end of the line.
    fails_with("\"a\\  b\"", "E0005", (2, 4), false);
    // `\|` is for `|symbols|`, `\"` for strings.
    fails_with(r#""\|""#, "E0005", (1, 3), false);
    fails_with(r#"|\"|"#, "E0005", (1, 3), false);
    fails_with(r"|a\q|", "E0005", (2, 4), false);
}

#[test]
fn e0006_bad_character_names() {
    let e = fails_with(r"#\foo", "E0006", (0, 5), false);
    assert_eq!(e.message, "unknown character name `#\\foo`");
    fails_with(r"(#\Space)", "E0006", (1, 8), false);
    fails_with(r"#\xD800", "E0006", (0, 7), false);
    fails_with(r"#\x110000", "E0006", (0, 9), false);
    fails_with(r"#\a#\b", "E0006", (0, 6), false);
    fails_with(r"#\(abc", "E0006", (0, 6), false);
    fails_with(r"#\λλ", "E0006", (0, 6), false);
}

#[test]
fn e0007_unterminated_string() {
    let e = fails_with(r#"(display "abc)"#, "E0007", (9, 10), true);
    assert_eq!(e.message, "unterminated string");
    fails_with("\"", "E0007", (0, 1), true);
    fails_with("\"abc\\", "E0007", (0, 1), true);
    fails_with("\"abc\\u{4", "E0007", (0, 1), true);
    fails_with("\"abc\\u", "E0007", (0, 1), true);
    fails_with("\"abc\\x4", "E0007", (0, 1), true);
    fails_with("\"a\\\n", "E0007", (0, 1), true);
    let e = fails_with("x |abc", "E0007", (2, 3), true);
    assert_eq!(e.message, "unterminated `|` symbol");
}

#[test]
fn e0008_too_deep() {
    let cfg = ReaderConfig { max_depth: 3 };
    assert!(read_all_with("(((a)))", &cfg).is_ok());
    let e = read_all_with("((((a))))", &cfg).unwrap_err();
    assert_eq!(e.code, "E0008");
    assert_eq!(e.span, fluent_syntax::Span::new(3, 4));
    assert_eq!(e.message, "nesting too deep (more than 3 levels)");
    assert!(!e.incomplete);
    // Quote prefixes and datum comments count while they wait for a datum.
    assert!(read_all_with("''(a)", &cfg).is_ok());
    assert!(read_all_with("[#([a])]", &cfg).is_ok());
    assert_eq!(read_all_with("'''(a)", &cfg).unwrap_err().code, "E0008");
    assert_eq!(
        read_all_with("#;#;#;#;a b c d", &cfg).unwrap_err().code,
        "E0008"
    );
    assert_eq!(read_all_with("[#([(a)])]", &cfg).unwrap_err().code, "E0008");
    // Depth is about nesting, not length.
    let wide = format!("({})", "(a) ".repeat(100_000));
    assert_eq!(
        read_all_with(&wide, &cfg).unwrap()[0]
            .as_list()
            .unwrap()
            .len(),
        100_000
    );
    let zero = ReaderConfig { max_depth: 0 };
    assert!(read_all_with("a 1 \"s\"", &zero).is_ok());
    assert_eq!(read_all_with("()", &zero).unwrap_err().code, "E0008");
}

#[test]
fn default_limit_is_ten_thousand() {
    assert_eq!(ReaderConfig::default().max_depth, 10_000);
    let ok = format!("{}{}", "(".repeat(10_000), ")".repeat(10_000));
    // Build and drop the deep datum on a big stack: dropping and comparing
    // `Datum` recurse, which is the caller's business, not the reader's.
    std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(move || {
            let v = read_all(&ok).unwrap();
            assert_eq!(v.len(), 1);
        })
        .unwrap()
        .join()
        .unwrap();
    let bad = format!("{}{}", "(".repeat(10_001), ")".repeat(10_001));
    let e = fails_with(&bad, "E0008", (10_000, 10_001), false);
    assert_eq!(e.message, "nesting too deep (more than 10000 levels)");
}

#[test]
fn a_million_opens_fail_fast_without_recursion() {
    // Runs on a small stack: any recursion per level would overflow it.
    std::thread::Builder::new()
        .stack_size(64 << 10)
        .spawn(|| {
            for src in [
                "(".repeat(1_000_000),
                "[".repeat(1_000_000),
                "#(".repeat(1_000_000),
                "'".repeat(1_000_000),
                "#;".repeat(1_000_000),
                "(a '".repeat(1_000_000),
            ] {
                let t = Instant::now();
                let e = read_all(&src).unwrap_err();
                assert_eq!(e.code, "E0008", "{}", &src[..4]);
                assert!(t.elapsed() < Duration::from_secs(5));
            }
            // With the limit raised, the same input is read iteratively and
            // only ends as incomplete.
            let cfg = ReaderConfig {
                max_depth: usize::MAX,
            };
            let e = read_all_with(&"(".repeat(1_000_000), &cfg).unwrap_err();
            assert_eq!(e.code, "E0002");
            assert!(e.incomplete);
        })
        .unwrap()
        .join()
        .unwrap();
}

#[test]
fn e0009_bad_dotted_lists() {
    let e = fails_with("( . x)", "E0009", (2, 3), false);
    assert_eq!(
        e.message,
        "`.` must follow at least one datum in a dotted list"
    );
    fails_with("(#;a . x)", "E0009", (5, 6), false);
    let e = fails_with("(a . b c)", "E0009", (7, 8), false);
    assert_eq!(e.message, "only one datum may follow `.` in a dotted list");
    fails_with("(a . b (c d))", "E0009", (7, 12), false);
    let e = fails_with("(a .)", "E0009", (3, 4), false);
    assert_eq!(e.message, "expected a datum after `.`");
    fails_with("(a . . b)", "E0009", (5, 6), false);
    fails_with("(a . b . c)", "E0009", (7, 8), false);
    let e = fails_with("[a . b]", "E0009", (3, 4), false);
    assert_eq!(e.message, "`.` is not allowed inside `[`");
    let e = fails_with("#(a . b)", "E0009", (4, 5), false);
    assert_eq!(e.message, "`.` is not allowed inside `#(`");
}

#[test]
fn e0010_unterminated_block_comment() {
    let e = fails_with("a #| never closed", "E0010", (2, 4), true);
    assert_eq!(e.message, "unterminated block comment");
    fails_with("#| #| |#", "E0010", (0, 2), true);
    fails_with("(a #|", "E0010", (3, 5), true);
}

#[test]
fn incomplete_only_when_more_text_could_help() {
    for src in [
        "(", "(a", "[", "#(", "'", "`", ",", ",@", "#;", "\"", "|a", "#|", "(a . ", "(\"a", "#\\",
    ] {
        let e = fail(src);
        assert!(e.incomplete, "{src:?}: {e:?}");
        // Closing the input does not make it worse: appending text can finish it.
    }
    for src in [
        ")",
        "(a]",
        "{",
        "9999999999999999999999",
        "\"\\q\"",
        "#\\bad",
        "( . a)",
        "#foo",
    ] {
        let e = fail(src);
        assert!(!e.incomplete, "{src:?}: {e:?}");
    }
    // Each incomplete input becomes valid with more text.
    for (src, more) in [
        ("(a", ")"),
        ("[a", "]"),
        ("#(a", ")"),
        ("'", "x"),
        (",@", "x"),
        ("#;", "x"),
        ("\"a", "\""),
        ("|a", "|"),
        ("#| a", "|#"),
        ("(a . ", "b)"),
        ("(define (f)\n", "1)"),
        ("\"a\\", "n\""),
    ] {
        assert!(fail(src).incomplete, "{src:?}");
        assert!(
            read_all(&format!("{src}{more}")).is_ok(),
            "{src:?} + {more:?}"
        );
    }
}

#[test]
fn first_error_wins() {
    let e = fail("(a] )");
    assert_eq!(e.code, "E0003");
    let e = fail(") (");
    assert_eq!(e.code, "E0003");
    let e = fail("\"\\q\" (");
    assert_eq!(e.code, "E0005");
}

#[test]
fn display_is_the_message() {
    let e = fail("(a]");
    assert_eq!(e.to_string(), e.message);
    let boxed: Box<dyn std::error::Error> = Box::new(e.clone());
    assert_eq!(
        boxed.to_string(),
        "mismatched `]`: expected `)` to close `(`"
    );
}
