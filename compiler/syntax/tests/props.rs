//! Property-style tests: printing read data reads back to equal data, random
//! data survive print-then-read, incomplete prefixes are flagged, and no
//! input (random bytes or Lisp-ish noise) makes the reader panic.

mod common;

use common::*;
use fluent_syntax::{Datum, DatumKind, ReadError, read_all};

/// A tiny xorshift64* generator: deterministic and dependency-free.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
    fn char(&mut self) -> char {
        loop {
            let limit = *self.pick(&[0x80u32, 0x800, 0x11_0000]);
            if let Some(c) = char::from_u32((self.next() % limit as u64) as u32) {
                return c;
            }
        }
    }
}

/// Prints every datum and reads the text back.
fn reprint(data: &[Datum]) -> Result<Vec<Datum>, ReadError> {
    let text: Vec<String> = data.iter().map(|d| d.to_string()).collect();
    read_all(&text.join("\n"))
}

fn assert_round_trip(src: &str) {
    let first = read_all(src).unwrap_or_else(|e| panic!("{src:?}: {e:?}"));
    let again = reprint(&first).unwrap_or_else(|e| panic!("reprint of {src:?}: {e:?}"));
    let strip_all = |v: &[Datum]| v.iter().map(strip).collect::<Vec<_>>();
    assert_eq!(strip_all(&first), strip_all(&again), "{src:?}");
}

#[test]
fn display_reads_back() {
    for src in [
        "42 -7 0x1F #b101 -9223372036854775808 9223372036854775807",
        "1.5 -0.0 0.0 .5 1. 1e10 1E-3 -2.5e+3 +inf.0 -inf.0 +nan.0 -nan.0 1e21 1e-7 5e-324",
        "0.1 123.456 1e20 1.7976931348623157e308 2.5e-300",
        r#""plain" "esc\n\t\r\\\"\a\b\0" "\u{3bb}\x41;" "multi
line" "a\
   b""#,
        r"#\a #\A #\( #\) #\; #\space #\newline #\tab #\nul #\x7f #\x1 #\λ #\x #\\ #\|",
        "#t #f #true #false true false nil ()",
        "foo list->vector io:print math.square + - ... 1+ -x ->x a.b",
        "|foo bar| || |42| |nil| |true| |:k| |a\\|b| |a\\\\b| |.| |#t| |a;b| |(| |'x|",
        ":threshold :a-b :: :1",
        "'x `x ,x ,@x ''x `(a ,b ,@c)",
        "(a b . c) (a . (b c)) (a . (b . c)) (define (f a . rest) rest)",
        "[1 2 3] [] #(a b) #() #([x] (y . z))",
        "(#| comment |# a #;skipped b ; line\n c)",
        "(\"(\" #\\( [\"]\"])",
    ] {
        assert_round_trip(src);
    }
}

#[test]
fn display_forms() {
    // What printing produces, not just that it reads back.
    let shown = |src: &str| read_all(src).unwrap()[0].to_string();
    assert_eq!(shown("'x"), "(quote x)");
    assert_eq!(shown("(a . (b . c))"), "(a b . c)");
    assert_eq!(shown("nil"), "()");
    assert_eq!(shown("true"), "#t");
    assert_eq!(shown("1e21"), "1e+21");
    assert_eq!(shown("3."), "3.0");
    assert_eq!(shown("|a b|"), "|a b|");
    assert_eq!(shown("|42|"), "|42|");
    assert_eq!(shown("|nil|"), "|nil|");
    assert_eq!(shown(r"|a\|b|"), "a|b");
    assert_eq!(shown(r"|\|a|"), r"|\|a|");
    assert_eq!(shown(r"|a\\ b|"), r"|a\\ b|");
    assert_eq!(shown("a|b"), "a|b");
    assert_eq!(shown("|abc|"), "abc");
    assert_eq!(shown("|λ-x|"), "λ-x");
    assert_eq!(shown(":k"), ":k");
    assert_eq!(shown(r#""a\u{41}\n""#), r#""aA\n""#);
    assert_eq!(shown(r"#\x41"), r"#\A");
    assert_eq!(shown("#(1 [2])"), "#(1 [2])");
}

/// A random datum in the shapes the reader produces (normalised dotted
/// tails, canonical NaN), `depth` levels deep at most.
fn gen_datum(r: &mut Rng, depth: usize) -> Datum {
    let any = |r: &mut Rng| gen_datum(r, depth.saturating_sub(1));
    let n_items = |r: &mut Rng| r.below(4);
    let choice = if depth == 0 { r.below(8) } else { r.below(12) };
    match choice {
        0 => int(match r.below(3) {
            0 => r.next() as i64,
            1 => r.below(200) as i64 - 100,
            _ => *r.pick(&[i64::MIN, i64::MAX, 0, -1]),
        }),
        1 => {
            let x = match r.below(3) {
                0 => f64::from_bits(r.next()),
                1 => (r.below(1_000_000) as f64 - 500_000.0) / 1000.0,
                _ => *r.pick(&[
                    0.0,
                    -0.0,
                    f64::INFINITY,
                    f64::NEG_INFINITY,
                    1e21,
                    1e-7,
                    5e-324,
                ]),
            };
            float(if x.is_nan() { f64::NAN } else { x })
        }
        2 => string(&(0..r.below(8)).map(|_| r.char()).collect::<String>()),
        3 => ch(r.char()),
        4 => boolean(r.below(2) == 0),
        5 => {
            const PARTS: &[&str] = &[
                "a", "λ", "x1", "-", "+", ".", "1", "0x", "#", "|", "\\", " ", ";", "(", "]", "'",
                ":", "\"", "nil", "e", "->", "\n", "@", "inf.0",
            ];
            sym(&(0..r.below(4)).map(|_| *r.pick(PARTS)).collect::<String>())
        }
        6 => {
            const NAME: &[char] = &['a', 'z', 'K', '0', '9', '-', '?', '!', ':', '.', 'é'];
            kw(&(0..1 + r.below(5))
                .map(|_| *r.pick(NAME))
                .collect::<String>())
        }
        7 => list(vec![]),
        8 => list((0..n_items(r)).map(|_| any(r)).collect()),
        9 => bracket((0..n_items(r)).map(|_| any(r)).collect()),
        10 => vector((0..n_items(r)).map(|_| any(r)).collect()),
        _ => {
            let items = (0..1 + n_items(r)).map(|_| any(r)).collect();
            let mut tail = any(r);
            while matches!(tail.kind, DatumKind::List(_) | DatumKind::Dotted(..)) {
                tail = gen_datum(r, 0);
            }
            dotted(items, tail)
        }
    }
}

#[test]
fn random_data_print_and_read_back() {
    let mut r = Rng(0x1234_5678_9ABC_DEF1);
    for i in 0..3000 {
        let data: Vec<Datum> = (0..1 + r.below(3)).map(|_| gen_datum(&mut r, 4)).collect();
        let back = reprint(&data).unwrap_or_else(|e| {
            let text: Vec<String> = data.iter().map(|d| d.to_string()).collect();
            panic!("case {i}: {text:?}: {e:?}")
        });
        let back: Vec<Datum> = back.iter().map(strip).collect();
        assert_eq!(back, data, "case {i}");
    }
}

#[test]
fn every_prefix_of_a_form_is_incomplete() {
    let src =
        "(define (f x . r) '(a . b) [1 2] #(3) \"s\\n\\u{41}\" ,@y `z #| c |# #;w -1.5 |p q|)";
    assert!(read_all(src).is_ok());
    for (cut, _) in src.char_indices().skip(1) {
        let e = read_all(&src[..cut]).expect_err(&src[..cut]);
        assert!(e.incomplete, "{:?}: {e:?}", &src[..cut]);
    }
}

/// Checks what must hold for any input: no panic (the call returns), spans
/// inside the text on char boundaries, a known error code.
fn check_any(text: &str) -> bool {
    let in_text = |s: fluent_syntax::Span| {
        s.start <= s.end
            && (s.end as usize) <= text.len()
            && text.is_char_boundary(s.start as usize)
            && text.is_char_boundary(s.end as usize)
    };
    match read_all(text) {
        Ok(data) => {
            let mut stack: Vec<&Datum> = data.iter().collect();
            while let Some(d) = stack.pop() {
                assert!(in_text(d.span), "{text:?}: {d:?}");
                match &d.kind {
                    DatumKind::List(xs) | DatumKind::Bracket(xs) | DatumKind::Vector(xs) => {
                        stack.extend(xs)
                    }
                    DatumKind::Dotted(xs, t) => {
                        assert!(!xs.is_empty());
                        assert!(!matches!(
                            t.kind,
                            DatumKind::List(_) | DatumKind::Dotted(..)
                        ));
                        stack.extend(xs);
                        stack.push(t);
                    }
                    _ => {}
                }
            }
            // Whatever reads, reprints to the same data.
            let again = reprint(&data).unwrap_or_else(|e| panic!("{text:?}: {e:?}"));
            let strip_all = |v: &[Datum]| v.iter().map(strip).collect::<Vec<_>>();
            assert_eq!(strip_all(&data), strip_all(&again), "{text:?}");
            true
        }
        Err(e) => {
            assert!(in_text(e.span), "{text:?}: {e:?}");
            let n: u32 = e
                .code
                .strip_prefix("E00")
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
            assert!((1..=10).contains(&n), "{text:?}: {e:?}");
            assert!(!e.message.is_empty());
            assert_eq!(
                e.incomplete,
                matches!(e.code, "E0002" | "E0007" | "E0010"),
                "{e:?}"
            );
            false
        }
    }
}

#[test]
fn lisp_ish_noise_never_panics() {
    const ALPHABET: &[&str] = &[
        "(",
        ")",
        "[",
        "]",
        "{",
        "}",
        "#(",
        "#",
        "'",
        "`",
        ",",
        ",@",
        "\"",
        "\\",
        "|",
        ";",
        "\n",
        " ",
        "\t",
        "\r\n",
        ".",
        "..",
        "a",
        "x",
        "λ",
        "😀",
        "1",
        "0x",
        "#x",
        "#b",
        "e",
        "+",
        "-",
        "#\\",
        "#|",
        "|#",
        "#;",
        ":",
        "nil",
        "#t",
        "u{",
        "}",
        "x41;",
        "space",
        "inf.0",
        "nan.0",
        "99999999999999999999",
        "\u{a0}",
        "\u{0}",
        "\u{301}",
    ];
    let mut r = Rng(0xDEAD_BEEF_CAFE_F00D);
    let mut ok = 0;
    for _ in 0..5000 {
        let len = r.below(40);
        let text: String = (0..len).map(|_| *r.pick(ALPHABET)).collect();
        ok += usize::from(check_any(&text));
    }
    eprintln!("lisp-ish noise: {ok} of 5000 read");
    // Both paths must be exercised for the test to mean anything.
    assert!((100..4900).contains(&ok), "{ok}");
}

#[test]
fn random_bytes_never_panic() {
    let mut r = Rng(0x0BAD_5EED_0000_0001);
    let mut ok = 0;
    for _ in 0..3000 {
        let len = r.below(64);
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                if r.below(2) == 0 {
                    *r.pick(b"()[]#'`,@\"\\|;. \n:ax01")
                } else {
                    r.next() as u8
                }
            })
            .collect();
        ok += usize::from(check_any(&String::from_utf8_lossy(&bytes)));
        let chars: String = (0..len).map(|_| r.char()).collect();
        ok += usize::from(check_any(&chars));
    }
    eprintln!("random bytes/chars: {ok} of 6000 read");
    assert!((100..5900).contains(&ok), "{ok}");
}

#[test]
fn huge_flat_input() {
    let text = "(x \"s\" 1.5 #\\a) ".repeat(200_000);
    let v = read_all(&text).unwrap();
    assert_eq!(v.len(), 200_000);
    assert_eq!(v[199_999].span.end as usize, text.len() - 1);
    let long_symbol = "a".repeat(5_000_000);
    assert_eq!(
        read_all(&long_symbol).unwrap()[0].as_symbol().map(str::len),
        Some(5_000_000)
    );
    let long_string = format!("\"{}\"", "λ".repeat(1_000_000));
    match &read_all(&long_string).unwrap()[0].kind {
        DatumKind::Str(s) => assert_eq!(s.chars().count(), 1_000_000),
        k => panic!("{k:?}"),
    }
}
