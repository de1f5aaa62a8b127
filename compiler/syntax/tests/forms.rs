//! Every lexical form of the reader, and the spans it gives.

mod common;

use common::*;
use fluent_syntax::{DatumKind, Span, read_all};

#[test]
fn integers() {
    assert_eq!(one("42"), int(42));
    assert_eq!(one("-7"), int(-7));
    assert_eq!(one("+5"), int(5));
    assert_eq!(one("0"), int(0));
    assert_eq!(one("-0"), int(0));
    assert_eq!(one("007"), int(7));
    assert_eq!(one("0x1F"), int(31));
    assert_eq!(one("0X1f"), int(31));
    assert_eq!(one("-0x1f"), int(-31));
    assert_eq!(one("+0xff"), int(255));
    assert_eq!(one("9223372036854775807"), int(i64::MAX));
    assert_eq!(one("-9223372036854775808"), int(i64::MIN));
    assert_eq!(one("-0x8000000000000000"), int(i64::MIN));
    assert_eq!(one("0x7fffffffffffffff"), int(i64::MAX));
}

#[test]
fn radix_prefixes() {
    assert_eq!(one("#x1F"), int(31));
    assert_eq!(one("#X1f"), int(31));
    assert_eq!(one("#x-1F"), int(-31));
    assert_eq!(one("#x+10"), int(16));
    assert_eq!(one("#b101"), int(5));
    assert_eq!(one("#b-101"), int(-5));
    assert_eq!(one("#o17"), int(15));
    assert_eq!(one("#d10"), int(10));
    assert_eq!(one("#d-10"), int(-10));
    assert_eq!(one("#d1.5"), float(1.5));
    assert_eq!(
        one("#b111111111111111111111111111111111111111111111111111111111111111"),
        int(i64::MAX)
    );
    assert_eq!(one("#x-8000000000000000"), int(i64::MIN));
    assert_eq!(all("(#xff)"), vec![list(vec![int(255)])]);
}

#[test]
fn floats() {
    let cases: &[(&str, f64)] = &[
        ("1.5", 1.5),
        ("-0.0", -0.0),
        ("0.0", 0.0),
        (".5", 0.5),
        ("-.5", -0.5),
        ("1.", 1.0),
        ("1e10", 1e10),
        ("1E-3", 1e-3),
        ("-2.5e+3", -2500.0),
        ("2.5e-3", 0.0025),
        ("1.e2", 100.0),
        (".5e1", 5.0),
        ("+inf.0", f64::INFINITY),
        ("-inf.0", f64::NEG_INFINITY),
        ("0.1", 0.1),
        ("1e400", f64::INFINITY),
        ("5e-324", 5e-324),
        ("1.7976931348623157e308", f64::MAX),
    ];
    for &(src, x) in cases {
        assert_eq!(one(src), float(x), "{src}");
    }
    // -0.0 and 0.0 differ (floats compare by bits).
    assert_ne!(one("-0.0"), one("0.0"));
    for src in ["+nan.0", "-nan.0"] {
        match one(src).kind {
            DatumKind::Float(x) => assert!(x.is_nan(), "{src}"),
            k => panic!("{src}: {k:?}"),
        }
    }
    // Both NaN spellings read to one value, so NaN data compare equal.
    assert_eq!(one("+nan.0"), one("-nan.0"));
}

#[test]
fn number_like_symbols() {
    for s in [
        "+",
        "-",
        "...",
        "..",
        "1+",
        "-x",
        "->x",
        "a.b",
        "list->vector",
        "io:print",
        "math.square",
        "12abc",
        "1/2",
        "0x",
        "0xZZ",
        "1e",
        "e10",
        "inf.0",
        "nan.0",
        "+inf",
        "-nan",
        "1.2.3",
        "+-1",
        "--1",
        "0x-1",
        "+.",
        "-.e1",
        "1e+",
        "x1",
        "a:b:c",
        "1_000",
    ] {
        assert_eq!(one(s), sym(s), "{s}");
    }
}

#[test]
fn symbols_are_case_sensitive() {
    assert_eq!(all("Foo foo FOO"), vec![sym("Foo"), sym("foo"), sym("FOO")]);
    assert_eq!(one("λ"), sym("λ"));
    assert_eq!(one("set-car!"), sym("set-car!"));
    assert_eq!(one("a'b"), sym("a'b"));
    assert_eq!(one("a#b"), sym("a#b"));
    assert_eq!(one("Nil"), sym("Nil"));
    assert_eq!(one("True"), sym("True"));
}

#[test]
fn pipe_symbols() {
    assert_eq!(one("|foo bar|"), sym("foo bar"));
    assert_eq!(one("||"), sym(""));
    assert_eq!(one(r"|a\|b|"), sym("a|b"));
    assert_eq!(one(r"|a\\b|"), sym(r"a\b"));
    assert_eq!(one(r"|\x41;|"), sym("A"));
    assert_eq!(one("|42|"), sym("42"));
    assert_eq!(one("|nil|"), sym("nil"));
    assert_eq!(one("|:k|"), sym(":k"));
    assert_eq!(one("|a\nb|"), sym("a\nb"));
    assert_eq!(all("(|a b|)"), vec![list(vec![sym("a b")])]);
}

#[test]
fn keywords() {
    assert_eq!(one(":threshold"), kw("threshold"));
    assert_eq!(one(":a-b"), kw("a-b"));
    assert_eq!(one("::"), kw(":"));
    assert_eq!(one(":1"), kw("1"));
    assert_eq!(one(":"), sym(":"));
}

#[test]
fn booleans_and_nil() {
    for (s, b) in [
        ("#t", true),
        ("#f", false),
        ("#true", true),
        ("#false", false),
        ("true", true),
        ("false", false),
        ("#T", true),
        ("#F", false),
    ] {
        assert_eq!(one(s), boolean(b), "{s}");
    }
    assert_eq!(one("nil"), list(vec![]));
    assert_eq!(one("()"), list(vec![]));
    assert_eq!(one("( \n )"), list(vec![]));
    assert_eq!(one("(nil)"), list(vec![list(vec![])]));
}

#[test]
fn strings() {
    assert_eq!(one(r#""hello""#), string("hello"));
    assert_eq!(one(r#""""#), string(""));
    assert_eq!(one(r#""\n\t\r\\\"\a\b\0""#), string("\n\t\r\\\"\x07\x08\0"));
    assert_eq!(one(r#""\u{41}\u{3bb}\u{1F600}""#), string("Aλ😀"));
    assert_eq!(one(r#""\u{10FFFF}""#), string("\u{10FFFF}"));
    assert_eq!(one(r#""\x41;\x3BB;""#), string("Aλ"));
    assert_eq!(one("\"line1\nline2\""), string("line1\nline2"));
    assert_eq!(one("\"a\\\n    b\""), string("ab"));
    assert_eq!(one("\"a\\  \t\r\n  \tb\""), string("ab"));
    assert_eq!(one("\"a\\\nb\""), string("ab"));
    assert_eq!(one("\"λ😀\""), string("λ😀"));
    assert_eq!(one("\"(;)\""), string("(;)"));
    assert_eq!(all(r#""a""b""#), vec![string("a"), string("b")]);
}

#[test]
fn characters() {
    let cases: &[(&str, char)] = &[
        (r"#\a", 'a'),
        (r"#\A", 'A'),
        (r"#\(", '('),
        (r"#\)", ')'),
        (r"#\[", '['),
        (r"#\;", ';'),
        (r#"#\""#, '"'),
        (r"#\#", '#'),
        (r"#\\", '\\'),
        ("#\\ ", ' '),
        ("#\\\n", '\n'),
        (r"#\space", ' '),
        (r"#\newline", '\n'),
        (r"#\linefeed", '\n'),
        (r"#\tab", '\t'),
        (r"#\nul", '\0'),
        (r"#\null", '\0'),
        (r"#\return", '\r'),
        (r"#\alarm", '\x07'),
        (r"#\backspace", '\x08'),
        (r"#\delete", '\x7f'),
        (r"#\escape", '\x1b'),
        (r"#\altmode", '\x1b'),
        (r"#\x41", 'A'),
        (r"#\x3bb", 'λ'),
        (r"#\x", 'x'),
        (r"#\x0", '\0'),
        (r"#\λ", 'λ'),
        (r"#\😀", '😀'),
    ];
    for &(src, c) in cases {
        assert_eq!(one(src), ch(c), "{src:?}");
    }
    // The first char is always taken; what follows a delimiter is separate.
    assert_eq!(all(r"(#\))"), vec![list(vec![ch(')')])]);
    assert_eq!(all(r"(#\()"), vec![list(vec![ch('(')])]);
    assert_eq!(all("(#\\  x)"), vec![list(vec![ch(' '), sym("x")])]);
    assert_eq!(all(r"#\a #\b"), vec![ch('a'), ch('b')]);
}

#[test]
fn comments_and_whitespace() {
    assert_eq!(all("; nothing\n"), vec![]);
    assert_eq!(all(""), vec![]);
    assert_eq!(all(" \t\r\n\u{a0}\u{2028}"), vec![]);
    assert_eq!(all("a ; comment (\nb"), vec![sym("a"), sym("b")]);
    assert_eq!(all("a;comment"), vec![sym("a")]);
    assert_eq!(all("a\r\nb\r\n"), vec![sym("a"), sym("b")]);
    assert_eq!(all("#| block |# x"), vec![sym("x")]);
    assert_eq!(all("#| outer #| inner |# still |# x"), vec![sym("x")]);
    // `#|` only opens a comment where a token starts.
    assert_eq!(all("a#|b c"), vec![sym("a#|b"), sym("c")]);
    assert_eq!(all("(a #| c |# b)"), vec![list(vec![sym("a"), sym("b")])]);
    assert_eq!(all("#|#||#|#x"), vec![sym("x")]);
    assert_eq!(all("#;a b"), vec![sym("b")]);
    assert_eq!(all("#; a b"), vec![sym("b")]);
    assert_eq!(all("#;(a (b c)) d"), vec![sym("d")]);
    assert_eq!(all("#; #; a b c"), vec![sym("c")]);
    assert_eq!(all("(a #;b)"), vec![list(vec![sym("a")])]);
    assert_eq!(all("(#;a)"), vec![list(vec![])]);
    assert_eq!(all("#;'a b"), vec![sym("b")]);
    assert_eq!(all("'#;a b"), vec![list(vec![sym("quote"), sym("b")])]);
    assert_eq!(all("#;#|c|#a b"), vec![sym("b")]);
    assert_eq!(all("(a . #;b c)"), vec![dotted(vec![sym("a")], sym("c"))]);
    assert_eq!(all("(a . b #;c)"), vec![dotted(vec![sym("a")], sym("b"))]);
}

#[test]
fn quote_family() {
    let q = |h: &str, x| list(vec![sym(h), x]);
    assert_eq!(one("'x"), q("quote", sym("x")));
    assert_eq!(one("`x"), q("quasiquote", sym("x")));
    assert_eq!(one(",x"), q("unquote", sym("x")));
    assert_eq!(one(",@x"), q("unquote-splicing", sym("x")));
    assert_eq!(one("' x"), q("quote", sym("x")));
    assert_eq!(one("''x"), q("quote", q("quote", sym("x"))));
    assert_eq!(
        one("`(a ,b ,@c)"),
        q(
            "quasiquote",
            list(vec![
                sym("a"),
                q("unquote", sym("b")),
                q("unquote-splicing", sym("c"))
            ])
        )
    );
    assert_eq!(one("'()"), q("quote", list(vec![])));
    assert_eq!(one("'[1]"), q("quote", bracket(vec![int(1)])));
    assert_eq!(one(", @x"), q("unquote", sym("@x")));
}

#[test]
fn lists_brackets_vectors() {
    assert_eq!(one("(a b c)"), list(vec![sym("a"), sym("b"), sym("c")]));
    assert_eq!(
        one("(1 (2 (3)))"),
        list(vec![int(1), list(vec![int(2), list(vec![int(3)])])])
    );
    assert_eq!(one("[1 2 3]"), bracket(vec![int(1), int(2), int(3)]));
    assert_eq!(one("[]"), bracket(vec![]));
    assert_eq!(one("#(a b)"), vector(vec![sym("a"), sym("b")]));
    assert_eq!(one("#()"), vector(vec![]));
    assert_eq!(
        one("#([x] (y))"),
        vector(vec![bracket(vec![sym("x")]), list(vec![sym("y")])])
    );
    assert_eq!(
        all("(a)(b)"),
        vec![list(vec![sym("a")]), list(vec![sym("b")])]
    );
    assert_eq!(all("a(b)c"), vec![sym("a"), list(vec![sym("b")]), sym("c")]);
    assert_eq!(
        one("(a\"s\"b)"),
        list(vec![sym("a"), string("s"), sym("b")])
    );
}

#[test]
fn dotted_lists() {
    assert_eq!(one("(a . b)"), dotted(vec![sym("a")], sym("b")));
    assert_eq!(one("(a b . c)"), dotted(vec![sym("a"), sym("b")], sym("c")));
    assert_eq!(one("(a . (b c))"), list(vec![sym("a"), sym("b"), sym("c")]));
    assert_eq!(one("(a . ())"), list(vec![sym("a")]));
    assert_eq!(one("(a . nil)"), list(vec![sym("a")]));
    assert_eq!(
        one("(a . (b . c))"),
        dotted(vec![sym("a"), sym("b")], sym("c"))
    );
    assert_eq!(
        one("(a . (b . (c . d)))"),
        dotted(vec![sym("a"), sym("b"), sym("c")], sym("d"))
    );
    assert_eq!(
        one("(a . [b])"),
        dotted(vec![sym("a")], bracket(vec![sym("b")]))
    );
    // `'b` is the list `(quote b)`, so it merges like any list tail.
    assert_eq!(
        one("(a . 'b)"),
        list(vec![sym("a"), sym("quote"), sym("b")])
    );
    assert_eq!(one("(a .b)"), list(vec![sym("a"), sym(".b")]));
    assert_eq!(one("(a . .5)"), dotted(vec![sym("a")], float(0.5)));
    assert_eq!(
        one("(define (f a . rest) rest)"),
        list(vec![
            sym("define"),
            dotted(vec![sym("f"), sym("a")], sym("rest")),
            sym("rest"),
        ])
    );
}

fn spans(src: &str) -> Vec<Span> {
    read_all(src).unwrap().iter().map(|d| d.span).collect()
}

#[test]
fn atom_spans() {
    assert_eq!(spans("42"), vec![Span::new(0, 2)]);
    assert_eq!(
        spans("  foo  -1.5 "),
        vec![Span::new(2, 5), Span::new(7, 11)]
    );
    assert_eq!(spans(r#""a\nb""#), vec![Span::new(0, 6)]);
    assert_eq!(
        spans(r"#\space #\a"),
        vec![Span::new(0, 7), Span::new(8, 11)]
    );
    assert_eq!(
        spans("|a b| :kw #t nil"),
        vec![
            Span::new(0, 5),
            Span::new(6, 9),
            Span::new(10, 12),
            Span::new(13, 16),
        ]
    );
    // Byte offsets, not char offsets.
    assert_eq!(
        spans("λ \"😀\" x"),
        vec![Span::new(0, 2), Span::new(3, 9), Span::new(10, 11)]
    );
    assert_eq!(spans("; c\n#| b |# #;skipped x"), vec![Span::new(22, 23)]);
}

#[test]
fn compound_spans() {
    let v = read_all(" (a [b] #(c))").unwrap();
    let top = &v[0];
    assert_eq!(top.span, Span::new(1, 13));
    let DatumKind::List(xs) = &top.kind else {
        panic!("{top:?}")
    };
    assert_eq!(xs[0].span, Span::new(2, 3));
    assert_eq!(xs[1].span, Span::new(4, 7));
    assert_eq!(xs[2].span, Span::new(8, 12));
    let DatumKind::Vector(ys) = &xs[2].kind else {
        panic!()
    };
    assert_eq!(ys[0].span, Span::new(10, 11));

    let v = read_all("(a . b)").unwrap();
    assert_eq!(v[0].span, Span::new(0, 7));
    let DatumKind::Dotted(xs, t) = &v[0].kind else {
        panic!()
    };
    assert_eq!(xs[0].span, Span::new(1, 2));
    assert_eq!(t.span, Span::new(5, 6));

    // A merged tail keeps its elements' own spans; the whole list spans all.
    let v = read_all("(a . (b c))").unwrap();
    assert_eq!(v[0].span, Span::new(0, 11));
    let xs = v[0].as_list().unwrap();
    assert_eq!(
        xs.iter().map(|d| d.span).collect::<Vec<_>>(),
        vec![Span::new(1, 2), Span::new(6, 7), Span::new(8, 9),]
    );
}

#[test]
fn quote_spans() {
    let v = read_all("x ,@(a)").unwrap();
    let q = &v[1];
    assert_eq!(q.span, Span::new(2, 7));
    let xs = q.as_list().unwrap();
    assert_eq!(xs[0].span, Span::new(2, 4));
    assert_eq!(xs[0].as_symbol(), Some("unquote-splicing"));
    assert_eq!(xs[1].span, Span::new(4, 7));

    let v = read_all("' 'y").unwrap();
    assert_eq!(v[0].span, Span::new(0, 4));
    let outer = v[0].as_list().unwrap();
    assert_eq!(outer[0].span, Span::new(0, 1));
    assert_eq!(outer[1].span, Span::new(2, 4));
    let inner = outer[1].as_list().unwrap();
    assert_eq!(inner[0].span, Span::new(2, 3));
    assert_eq!(inner[1].span, Span::new(3, 4));
}

#[test]
fn many_top_level_data() {
    let src = "(define x 1)\n(define (f y) (+ x y))\n(f 2) ; done\n";
    let v = read_all(src).unwrap();
    assert_eq!(v.len(), 3);
    assert!(v[0].is_form("define"));
    assert!(v[1].is_form("define"));
    assert_eq!(
        &src[v[2].span.start as usize..v[2].span.end as usize],
        "(f 2)"
    );
}
