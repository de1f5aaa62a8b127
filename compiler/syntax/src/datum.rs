//! The spanned S-expression type the reader produces.
//!
//! Reader sugar is expanded here, so later stages see one shape per meaning:
//! `'x` is `(quote x)`, `` `x `` is `(quasiquote x)`, `,x` is `(unquote x)`,
//! `,@x` is `(unquote-splicing x)`; `nil` reads as the empty list and
//! `true`/`false` as booleans. `[a b]` stays distinct (`Bracket`) because in
//! an expression it means `(list a b)`, while in a pattern it is a list pattern.

use std::fmt;
use std::sync::Arc;

/// A byte range in a source text. Offsets are absolute in the file as read;
/// the IR stores item-relative spans (see [`Datum::shifted`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: u32, end: u32) -> Span {
        Span { start, end }
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }

    /// This span moved by `delta` bytes (negative moves it left).
    pub fn shift(self, delta: i64) -> Span {
        let mv = |x: u32| (x as i64 + delta).max(0) as u32;
        Span::new(mv(self.start), mv(self.end))
    }
}

/// One datum with the span of its text.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Datum {
    pub kind: DatumKind,
    pub span: Span,
}

/// The kinds of datum. Floats compare by bits so that `Datum` can be `Eq`
/// (salsa compares results to backdate them).
#[derive(Clone, Debug)]
pub enum DatumKind {
    Int(i64),
    Float(f64),
    Str(Arc<str>),
    Char(char),
    Bool(bool),
    Symbol(Arc<str>),
    /// `:name`, stored without the colon.
    Keyword(Arc<str>),
    /// `(a b c)`; the empty list `()` / `nil` is `List(vec![])`.
    List(Vec<Datum>),
    /// `(a b . c)`: at least one element before the dot.
    Dotted(Vec<Datum>, Box<Datum>),
    /// `[a b c]`.
    Bracket(Vec<Datum>),
    /// `#(a b c)`.
    Vector(Vec<Datum>),
}

impl PartialEq for DatumKind {
    fn eq(&self, other: &Self) -> bool {
        use DatumKind::*;
        match (self, other) {
            (Int(a), Int(b)) => a == b,
            (Float(a), Float(b)) => a.to_bits() == b.to_bits(),
            (Str(a), Str(b)) | (Symbol(a), Symbol(b)) | (Keyword(a), Keyword(b)) => a == b,
            (Char(a), Char(b)) => a == b,
            (Bool(a), Bool(b)) => a == b,
            (List(a), List(b)) | (Bracket(a), Bracket(b)) | (Vector(a), Vector(b)) => a == b,
            (Dotted(a, x), Dotted(b, y)) => a == b && x == y,
            _ => false,
        }
    }
}

impl Eq for DatumKind {}

impl std::hash::Hash for DatumKind {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        use DatumKind::*;
        std::mem::discriminant(self).hash(h);
        match self {
            Int(i) => i.hash(h),
            Float(f) => f.to_bits().hash(h),
            Str(s) | Symbol(s) | Keyword(s) => s.hash(h),
            Char(c) => c.hash(h),
            Bool(b) => b.hash(h),
            List(xs) | Bracket(xs) | Vector(xs) => xs.hash(h),
            Dotted(xs, t) => {
                xs.hash(h);
                t.hash(h)
            }
        }
    }
}

impl Datum {
    pub fn new(kind: DatumKind, span: Span) -> Datum {
        Datum { kind, span }
    }

    /// The symbol's name, if this is a symbol.
    pub fn as_symbol(&self) -> Option<&str> {
        match &self.kind {
            DatumKind::Symbol(s) => Some(s),
            _ => None,
        }
    }

    /// The elements, if this is a proper list `( ... )`.
    pub fn as_list(&self) -> Option<&[Datum]> {
        match &self.kind {
            DatumKind::List(xs) => Some(xs),
            _ => None,
        }
    }

    /// True for a list whose first element is the symbol `head`.
    pub fn is_form(&self, head: &str) -> bool {
        self.as_list()
            .and_then(|xs| xs.first())
            .and_then(Datum::as_symbol)
            == Some(head)
    }

    /// A copy with every span moved by `delta` bytes. Used to make spans
    /// relative to the start of a top-level item, so that editing one item
    /// leaves the others' syntax equal (and their queries unexecuted).
    pub fn shifted(&self, delta: i64) -> Datum {
        use DatumKind::*;
        let sh = |xs: &[Datum]| xs.iter().map(|d| d.shifted(delta)).collect();
        let kind = match &self.kind {
            List(xs) => List(sh(xs)),
            Bracket(xs) => Bracket(sh(xs)),
            Vector(xs) => Vector(sh(xs)),
            Dotted(xs, t) => Dotted(sh(xs), Box::new(t.shifted(delta))),
            k => k.clone(),
        };
        Datum::new(kind, self.span.shift(delta))
    }
}

/// Prints the datum back as Fluent source (`write` style: strings and
/// characters quoted and escaped). `(quote x)` prints as `(quote x)`.
impl fmt::Display for Datum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        crate::print::write_datum(f, self)
    }
}
