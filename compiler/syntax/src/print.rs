//! Printing data back as source text (`write` style).

use crate::datum::{Datum, DatumKind};
use std::fmt;

/// Writes `d` in `write` style. Strings and characters are quoted and
/// escaped, floats use [`crate::floatfmt::format_float`].
pub fn write_datum(f: &mut fmt::Formatter<'_>, d: &Datum) -> fmt::Result {
    // Recursion depth is bounded by the reader's nesting limit.
    match &d.kind {
        DatumKind::Int(i) => write!(f, "{i}"),
        DatumKind::Float(x) => f.write_str(&crate::floatfmt::format_float(*x)),
        DatumKind::Str(s) => write_string_literal(f, s),
        DatumKind::Char(c) => f.write_str(&char_name(*c)),
        DatumKind::Bool(b) => f.write_str(if *b { "#t" } else { "#f" }),
        DatumKind::Symbol(s) => write_symbol(f, s),
        DatumKind::Keyword(s) => write!(f, ":{s}"),
        DatumKind::List(xs) => write_seq(f, "(", xs, None, ")"),
        DatumKind::Dotted(xs, t) => write_seq(f, "(", xs, Some(t), ")"),
        DatumKind::Bracket(xs) => write_seq(f, "[", xs, None, "]"),
        DatumKind::Vector(xs) => write_seq(f, "#(", xs, None, ")"),
    }
}

fn write_seq(
    f: &mut fmt::Formatter<'_>,
    open: &str,
    xs: &[Datum],
    tail: Option<&Datum>,
    close: &str,
) -> fmt::Result {
    f.write_str(open)?;
    for (i, x) in xs.iter().enumerate() {
        if i > 0 {
            f.write_str(" ")?;
        }
        write_datum(f, x)?;
    }
    if let Some(t) = tail {
        f.write_str(" . ")?;
        write_datum(f, t)?;
    }
    f.write_str(close)
}

/// Writes a symbol so that it reads back as the same symbol: bare when it
/// would, else as `|...|` (a symbol read from `|a b|` or `|42|` must not
/// print as two symbols or a number).
pub fn write_symbol(f: &mut impl fmt::Write, s: &str) -> fmt::Result {
    if symbol_is_plain(s) {
        return f.write_str(s);
    }
    f.write_char('|')?;
    for c in s.chars() {
        match c {
            '|' => f.write_str("\\|")?,
            '\\' => f.write_str("\\\\")?,
            c => f.write_char(c)?,
        }
    }
    f.write_char('|')
}

/// True when `s` written bare reads back as the symbol `s`.
fn symbol_is_plain(s: &str) -> bool {
    // The common case, decided without reading: a name that starts like no
    // number, keyword or `#` syntax and has no delimiters in it.
    let initial = |c: char| c.is_alphabetic() || "!$%&*/<=>?^_~".contains(c);
    let subsequent = |c: char| c.is_alphanumeric() || "!$%&*/<=>?^_~+-.@:".contains(c);
    let mut chars = s.chars();
    if chars.next().is_some_and(initial)
        && chars.all(subsequent)
        && !matches!(s, "nil" | "true" | "false")
    {
        return true;
    }
    matches!(crate::reader::read_all(s).as_deref(), Ok([d]) if d.as_symbol() == Some(s))
}

/// Writes `s` as a string literal with R7RS escapes.
pub fn write_string_literal(f: &mut impl fmt::Write, s: &str) -> fmt::Result {
    f.write_char('"')?;
    for c in s.chars() {
        match c {
            '"' => f.write_str("\\\"")?,
            '\\' => f.write_str("\\\\")?,
            '\n' => f.write_str("\\n")?,
            '\t' => f.write_str("\\t")?,
            '\r' => f.write_str("\\r")?,
            c => f.write_char(c)?,
        }
    }
    f.write_char('"')
}

/// The `write` form of a character: `#\a`, `#\space`, `#\newline`, `#\x7f`.
pub fn char_name(c: char) -> String {
    let named = match c {
        ' ' => "space",
        '\n' => "newline",
        '\t' => "tab",
        '\r' => "return",
        '\0' => "null",
        '\x07' => "alarm",
        '\x08' => "backspace",
        '\x7f' => "delete",
        '\x1b' => "escape",
        _ => "",
    };
    if !named.is_empty() {
        format!("#\\{named}")
    } else if c.is_control() {
        format!("#\\x{:x}", c as u32)
    } else {
        format!("#\\{c}")
    }
}
