//! Helpers shared by the reader tests: span-free datum builders and
//! shorthands for reading one datum or one error.

#![allow(dead_code)]

use fluent_syntax::{Datum, DatumKind, ReadError, Span, read_all};
use std::sync::Arc;

/// `d` with every span set to the default, for comparing shapes only.
pub fn strip(d: &Datum) -> Datum {
    use DatumKind::*;
    let all = |xs: &[Datum]| xs.iter().map(strip).collect();
    let kind = match &d.kind {
        List(xs) => List(all(xs)),
        Bracket(xs) => Bracket(all(xs)),
        Vector(xs) => Vector(all(xs)),
        Dotted(xs, t) => Dotted(all(xs), Box::new(strip(t))),
        k => k.clone(),
    };
    Datum::new(kind, Span::default())
}

fn d(kind: DatumKind) -> Datum {
    Datum::new(kind, Span::default())
}

pub fn int(i: i64) -> Datum {
    d(DatumKind::Int(i))
}
pub fn float(x: f64) -> Datum {
    d(DatumKind::Float(x))
}
pub fn sym(s: &str) -> Datum {
    d(DatumKind::Symbol(Arc::from(s)))
}
pub fn kw(s: &str) -> Datum {
    d(DatumKind::Keyword(Arc::from(s)))
}
pub fn string(s: &str) -> Datum {
    d(DatumKind::Str(Arc::from(s)))
}
pub fn ch(c: char) -> Datum {
    d(DatumKind::Char(c))
}
pub fn boolean(b: bool) -> Datum {
    d(DatumKind::Bool(b))
}
pub fn list(xs: Vec<Datum>) -> Datum {
    d(DatumKind::List(xs))
}
pub fn bracket(xs: Vec<Datum>) -> Datum {
    d(DatumKind::Bracket(xs))
}
pub fn vector(xs: Vec<Datum>) -> Datum {
    d(DatumKind::Vector(xs))
}
pub fn dotted(xs: Vec<Datum>, t: Datum) -> Datum {
    d(DatumKind::Dotted(xs, Box::new(t)))
}

/// Reads `src`, which must hold exactly one datum, and strips its spans.
pub fn one(src: &str) -> Datum {
    let v = read_all(src).unwrap_or_else(|e| panic!("{src:?}: {e:?}"));
    assert_eq!(v.len(), 1, "{src:?} read as {v:?}");
    strip(&v[0])
}

/// Reads `src` and strips the spans of every datum.
pub fn all(src: &str) -> Vec<Datum> {
    read_all(src)
        .unwrap_or_else(|e| panic!("{src:?}: {e:?}"))
        .iter()
        .map(strip)
        .collect()
}

/// Reads `src`, which must fail.
pub fn fail(src: &str) -> ReadError {
    match read_all(src) {
        Ok(v) => panic!("{src:?} read as {v:?}, expected an error"),
        Err(e) => e,
    }
}

/// Asserts the error of `src`: code, span and incompleteness.
pub fn fails_with(src: &str, code: &str, span: (u32, u32), incomplete: bool) -> ReadError {
    let e = fail(src);
    assert_eq!(e.code, code, "{src:?}: {e:?}");
    assert_eq!(e.span, Span::new(span.0, span.1), "{src:?}: {e:?}");
    assert_eq!(e.incomplete, incomplete, "{src:?}: {e:?}");
    e
}
