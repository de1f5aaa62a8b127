//! The lexer: source text to tokens, with comments and whitespace skipped.
//!
//! Atoms (numbers, strings, characters, symbols, keywords, booleans, `nil`)
//! are fully decoded here, so the parser only deals with structure. Every
//! read goes through `str::get` or `chars()` at a position that is known to
//! be a char boundary, so no input can make slicing panic.

use super::ReadError;
use crate::datum::{DatumKind, Span};
use std::sync::Arc;

/// Which opener started a sequence.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Open {
    Paren,
    Bracket,
    Vector,
}

impl Open {
    pub(super) fn text(self) -> &'static str {
        match self {
            Open::Paren => "(",
            Open::Bracket => "[",
            Open::Vector => "#(",
        }
    }

    pub(super) fn closer(self) -> Close {
        match self {
            Open::Paren | Open::Vector => Close::Paren,
            Open::Bracket => Close::Bracket,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Close {
    Paren,
    Bracket,
}

impl Close {
    pub(super) fn text(self) -> &'static str {
        match self {
            Close::Paren => ")",
            Close::Bracket => "]",
        }
    }
}

/// A reader prefix: the quote family or `#;`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Prefix {
    /// The symbol the prefix desugars to, and the prefix text.
    Quote(&'static str, &'static str),
    DatumComment,
}

impl Prefix {
    pub(super) fn text(self) -> &'static str {
        match self {
            Prefix::Quote(_, t) => t,
            Prefix::DatumComment => "#;",
        }
    }
}

#[derive(Debug)]
pub(super) enum Tok {
    Open(Open),
    Close(Close),
    Prefix(Prefix),
    Dot,
    Atom(DatumKind),
}

/// Byte offset to span offset. Texts over 4 GiB saturate rather than wrap,
/// so spans there are imprecise but never panic.
fn off(p: usize) -> u32 {
    u32::try_from(p).unwrap_or(u32::MAX)
}

pub(super) fn span(a: usize, b: usize) -> Span {
    Span::new(off(a), off(b))
}

/// Characters that end a token. `{`/`}` are included because R7RS reserves
/// them; they are rejected where a datum would start.
fn is_delimiter(c: char) -> bool {
    c.is_whitespace() || matches!(c, '(' | ')' | '[' | ']' | '{' | '}' | '"' | ';')
}

fn err(code: &'static str, sp: Span, msg: impl Into<String>) -> ReadError {
    ReadError {
        span: sp,
        message: msg.into(),
        code,
        incomplete: false,
    }
}

fn incomplete(code: &'static str, sp: Span, msg: impl Into<String>) -> ReadError {
    ReadError {
        incomplete: true,
        ..err(code, sp, msg)
    }
}

/// Named characters for `#\name`. Case-sensitive, as R7RS.
fn named_char(name: &str) -> Option<char> {
    Some(match name {
        "space" => ' ',
        "newline" | "linefeed" => '\n',
        "tab" => '\t',
        "nul" | "null" => '\0',
        "return" => '\r',
        "alarm" => '\x07',
        "backspace" => '\x08',
        "delete" => '\x7f',
        "escape" | "altmode" => '\x1b',
        _ => return None,
    })
}

/// Parses 1 to 6 hex digits as a Unicode scalar value.
fn hex_scalar(digits: &str) -> Option<char> {
    if digits.is_empty() || digits.len() > 6 || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u32::from_str_radix(digits, 16)
        .ok()
        .and_then(char::from_u32)
}

pub(super) struct Lexer<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Lexer<'a> {
    pub(super) fn new(text: &'a str) -> Lexer<'a> {
        Lexer { text, pos: 0 }
    }

    fn rest(&self) -> &'a str {
        self.text.get(self.pos..).unwrap_or("")
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn peek2(&self) -> Option<char> {
        let mut it = self.rest().chars();
        it.next();
        it.next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    /// Advances to the next delimiter (or the end) and returns the text passed.
    fn take_token(&mut self, start: usize) -> &'a str {
        while let Some(c) = self.peek() {
            if is_delimiter(c) {
                break;
            }
            self.pos += c.len_utf8();
        }
        self.text.get(start..self.pos).unwrap_or("")
    }

    fn skip_trivia(&mut self) -> Result<(), ReadError> {
        loop {
            let rest = self.rest();
            if rest.starts_with(';') {
                // The newline itself is whitespace and is skipped next round.
                let len = rest.find('\n').unwrap_or(rest.len());
                self.pos += len;
            } else if rest.starts_with("#|") {
                self.skip_block_comment()?;
            } else if self.peek().is_some_and(char::is_whitespace) {
                self.bump();
            } else {
                return Ok(());
            }
        }
    }

    fn skip_block_comment(&mut self) -> Result<(), ReadError> {
        let start = self.pos;
        self.pos += 2;
        let mut depth = 1usize;
        while depth > 0 {
            let rest = self.rest();
            if rest.starts_with("#|") {
                depth += 1;
                self.pos += 2;
            } else if rest.starts_with("|#") {
                depth -= 1;
                self.pos += 2;
            } else if self.bump().is_none() {
                return Err(incomplete(
                    "E0010",
                    span(start, start + 2),
                    "unterminated block comment",
                ));
            }
        }
        Ok(())
    }

    /// The next token and its span, or `None` at the end of the input.
    pub(super) fn next_token(&mut self) -> Result<Option<(Tok, Span)>, ReadError> {
        self.skip_trivia()?;
        let start = self.pos;
        let Some(c) = self.peek() else {
            return Ok(None);
        };
        let simple = |tok, len: usize| Ok(Some((tok, span(start, start + len))));
        match c {
            '(' => {
                self.pos += 1;
                simple(Tok::Open(Open::Paren), 1)
            }
            '[' => {
                self.pos += 1;
                simple(Tok::Open(Open::Bracket), 1)
            }
            ')' => {
                self.pos += 1;
                simple(Tok::Close(Close::Paren), 1)
            }
            ']' => {
                self.pos += 1;
                simple(Tok::Close(Close::Bracket), 1)
            }
            '{' | '}' => Err(err(
                "E0001",
                span(start, start + 1),
                format!("unexpected `{c}`"),
            )),
            '\'' | '`' | ',' => {
                self.pos += 1;
                let prefix = match c {
                    '\'' => Prefix::Quote("quote", "'"),
                    '`' => Prefix::Quote("quasiquote", "`"),
                    _ if self.peek() == Some('@') => {
                        self.pos += 1;
                        Prefix::Quote("unquote-splicing", ",@")
                    }
                    _ => Prefix::Quote("unquote", ","),
                };
                Ok(Some((Tok::Prefix(prefix), span(start, self.pos))))
            }
            '"' => {
                let s = self.delimited('"', start)?;
                Ok(Some((
                    Tok::Atom(DatumKind::Str(s.into())),
                    self.span_from(start),
                )))
            }
            '|' => {
                let s = self.delimited('|', start)?;
                Ok(Some((
                    Tok::Atom(DatumKind::Symbol(s.into())),
                    self.span_from(start),
                )))
            }
            '#' => self.hash(start),
            _ => {
                let tok = self.take_token(start);
                let sp = self.span_from(start);
                classify(tok, sp).map(|t| Some((t, sp)))
            }
        }
    }

    fn span_from(&self, start: usize) -> Span {
        span(start, self.pos)
    }

    /// `#` syntax: vectors, datum comments, characters, booleans, radix numbers.
    fn hash(&mut self, start: usize) -> Result<Option<(Tok, Span)>, ReadError> {
        match self.peek2() {
            Some('(') => {
                self.pos += 2;
                Ok(Some((Tok::Open(Open::Vector), self.span_from(start))))
            }
            Some(';') => {
                self.pos += 2;
                Ok(Some((
                    Tok::Prefix(Prefix::DatumComment),
                    self.span_from(start),
                )))
            }
            Some('\\') => {
                let c = self.character(start)?;
                Ok(Some((Tok::Atom(DatumKind::Char(c)), self.span_from(start))))
            }
            // A lone `#` at the end may yet become `#(`, `#t`, ...: the REPL
            // should ask for more rather than report an error.
            None => Err(incomplete(
                "E0002",
                span(start, start + 1),
                "expected more after `#`",
            )),
            _ => {
                self.pos += 1;
                let tok = self.take_token(start);
                let sp = self.span_from(start);
                hash_token(tok, sp).map(|k| Some((Tok::Atom(k), sp)))
            }
        }
    }

    /// `#\c`, `#\name`, `#\xHH`. The first character after `#\` is always
    /// part of the literal, even a delimiter, so `#\(` and `#\ ` work.
    fn character(&mut self, start: usize) -> Result<char, ReadError> {
        self.pos += 2;
        let Some(first) = self.bump() else {
            return Err(incomplete(
                "E0002",
                self.span_from(start),
                "expected a character after `#\\`",
            ));
        };
        let name_start = self.pos - first.len_utf8();
        let name = self.take_token(name_start);
        if name.len() == first.len_utf8() {
            return Ok(first);
        }
        if let Some(c) = named_char(name) {
            return Ok(c);
        }
        if let Some(hex) = name.strip_prefix('x')
            && hex.bytes().all(|b| b.is_ascii_hexdigit())
        {
            return hex_scalar(hex).ok_or_else(|| {
                err(
                    "E0006",
                    self.span_from(start),
                    format!("invalid character code `#\\{name}`"),
                )
            });
        }
        Err(err(
            "E0006",
            self.span_from(start),
            format!("unknown character name `#\\{name}`"),
        ))
    }

    /// The body of a string (`"`) or a `|symbol|`, escapes decoded.
    fn delimited(&mut self, quote: char, start: usize) -> Result<String, ReadError> {
        self.pos += 1;
        let mut out = String::new();
        let unterminated = || {
            let what = if quote == '"' { "string" } else { "`|` symbol" };
            incomplete(
                "E0007",
                span(start, start + 1),
                format!("unterminated {what}"),
            )
        };
        loop {
            match self.bump() {
                None => return Err(unterminated()),
                Some(c) if c == quote => return Ok(out),
                Some('\\') => {
                    if let Some(c) = self.escape(quote, unterminated)? {
                        out.push(c);
                    }
                }
                Some(c) => out.push(c),
            }
        }
    }

    /// Decodes one escape; the backslash has been consumed. `None` is a line
    /// continuation, which contributes nothing.
    fn escape(
        &mut self,
        quote: char,
        unterminated: impl Fn() -> ReadError,
    ) -> Result<Option<char>, ReadError> {
        let esc_start = self.pos - 1;
        let Some(c) = self.bump() else {
            return Err(unterminated());
        };
        let bad = |lx: &Self, what: String| Err(err("E0005", lx.span_from(esc_start), what));
        let simple = match c {
            'n' => Some('\n'),
            't' => Some('\t'),
            'r' => Some('\r'),
            'a' => Some('\x07'),
            'b' => Some('\x08'),
            '0' => Some('\0'),
            '\\' => Some('\\'),
            c if c == quote => Some(c),
            _ => None,
        };
        if let Some(s) = simple {
            return Ok(Some(s));
        }
        match c {
            'x' => {
                // R7RS `\x41;`.
                let digits_start = self.pos;
                while self.peek().is_some_and(|c| c.is_ascii_hexdigit()) {
                    self.pos += 1;
                }
                let digits = self.text.get(digits_start..self.pos).unwrap_or("");
                match self.bump() {
                    None => Err(unterminated()),
                    Some(';') => match hex_scalar(digits) {
                        Some(c) => Ok(Some(c)),
                        None => bad(self, format!("bad escape `\\x{digits};`")),
                    },
                    Some(_) => bad(self, "`\\x` escape must be hex digits ending in `;`".into()),
                }
            }
            'u' => {
                match self.peek() {
                    None => return Err(unterminated()),
                    Some('{') => {}
                    Some(_) => return bad(self, "expected `{` after `\\u`".into()),
                }
                self.pos += 1;
                let digits_start = self.pos;
                while self.peek().is_some_and(|c| c.is_ascii_hexdigit()) {
                    self.pos += 1;
                }
                let digits = self.text.get(digits_start..self.pos).unwrap_or("");
                match self.bump() {
                    None => Err(unterminated()),
                    Some('}') => match hex_scalar(digits) {
                        Some(c) => Ok(Some(c)),
                        None => bad(self, format!("bad escape `\\u{{{digits}}}`")),
                    },
                    Some(_) => bad(
                        self,
                        "expected 1 to 6 hex digits and `}` in `\\u{...}`".into(),
                    ),
                }
            }
            ' ' | '\t' | '\n' | '\r' => self.line_continuation(c, esc_start).map(|()| None),
            c => bad(self, format!("unknown escape `\\{c}`")),
        }
    }

    /// `\<spaces><newline><spaces>` inside a string reads as nothing.
    fn line_continuation(&mut self, first: char, esc_start: usize) -> Result<(), ReadError> {
        let is_intraline = |c: char| c == ' ' || c == '\t';
        let mut c = Some(first);
        while c.is_some_and(is_intraline) {
            c = self.bump();
        }
        match c {
            Some('\n') => {}
            Some('\r') if self.peek() == Some('\n') => {
                self.pos += 1;
            }
            Some('\r') => {}
            _ => {
                return Err(err(
                    "E0005",
                    span(esc_start, esc_start + 2),
                    "`\\` followed by spaces must end the line",
                ));
            }
        }
        while self.peek().is_some_and(is_intraline) {
            self.pos += 1;
        }
        Ok(())
    }
}

/// Classifies a plain token: dot, number, boolean, `nil`, keyword, symbol.
fn classify(tok: &str, sp: Span) -> Result<Tok, ReadError> {
    if tok == "." {
        return Ok(Tok::Dot);
    }
    if let Some(n) = parse_number(tok) {
        return n.map(Tok::Atom).map_err(|m| err("E0004", sp, m));
    }
    let kind = match tok {
        "true" => DatumKind::Bool(true),
        "false" => DatumKind::Bool(false),
        "nil" => DatumKind::List(vec![]),
        _ => match tok.strip_prefix(':') {
            Some(name) if !name.is_empty() => DatumKind::Keyword(Arc::from(name)),
            _ => DatumKind::Symbol(Arc::from(tok)),
        },
    };
    Ok(Tok::Atom(kind))
}

/// Tokens that start with `#` (other than `#(`, `#;`, `#\`, `#|`).
fn hash_token(tok: &str, sp: Span) -> Result<DatumKind, ReadError> {
    let lower = tok.to_ascii_lowercase();
    match lower.as_str() {
        "#t" | "#true" => return Ok(DatumKind::Bool(true)),
        "#f" | "#false" => return Ok(DatumKind::Bool(false)),
        _ => {}
    }
    let radix = match lower.get(..2) {
        Some("#x") => 16,
        Some("#b") => 2,
        Some("#o") => 8,
        Some("#d") => 10,
        _ => return Err(err("E0001", sp, format!("unexpected `{tok}`"))),
    };
    let body = tok.get(2..).unwrap_or("");
    let parsed = if radix == 10 {
        decimal(body)
    } else {
        radix_int(body, radix)
    };
    match parsed {
        Some(r) => r.map_err(|m| err("E0004", sp, m)),
        None => Err(err("E0004", sp, format!("bad number literal `{tok}`"))),
    }
}

const OUT_OF_RANGE: &str = "integer literal out of range";

/// A number in the default syntax (decimal, `0x` hex, floats), or `None`
/// when the token is not a number and so is a symbol.
pub(super) fn parse_number(tok: &str) -> Option<Result<DatumKind, String>> {
    let (sign, body) = split_sign(tok);
    if let Some(hex) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        if hex.starts_with(['+', '-']) {
            return None;
        }
        let signed = format!("{sign}{hex}");
        return radix_int(&signed, 16);
    }
    decimal(tok)
}

fn split_sign(tok: &str) -> (&str, &str) {
    match tok.as_bytes().first() {
        Some(b'+' | b'-') => tok.split_at(1),
        _ => ("", tok),
    }
}

/// An optionally signed integer in `radix`.
fn radix_int(tok: &str, radix: u32) -> Option<Result<DatumKind, String>> {
    let (_, digits) = split_sign(tok);
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    // The digits are valid, so the only possible failure is overflow.
    Some(
        i64::from_str_radix(tok, radix)
            .map(DatumKind::Int)
            .map_err(|_| OUT_OF_RANGE.to_string()),
    )
}

/// A decimal integer or float (R7RS `<decimal 10>` plus `±inf.0`/`±nan.0`).
fn decimal(tok: &str) -> Option<Result<DatumKind, String>> {
    let (sign, body) = split_sign(tok);
    if !sign.is_empty() {
        match body {
            "inf.0" => {
                let inf = if sign == "-" {
                    f64::NEG_INFINITY
                } else {
                    f64::INFINITY
                };
                return Some(Ok(DatumKind::Float(inf)));
            }
            // One NaN bit pattern, so reading what was printed gives an equal datum.
            "nan.0" => return Some(Ok(DatumKind::Float(f64::NAN))),
            _ => {}
        }
    }
    if let Some(r) = radix_int(tok, 10) {
        return Some(r);
    }
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let (mantissa, exp) = match body.find(['e', 'E']) {
        Some(i) => (body.get(..i)?, Some(body.get(i + 1..)?)),
        None => (body, None),
    };
    let (int, frac) = match mantissa.find('.') {
        Some(i) => (mantissa.get(..i)?, Some(mantissa.get(i + 1..)?)),
        None => (mantissa, None),
    };
    let frac_digits = frac.unwrap_or("");
    if !digits(int) || !digits(frac_digits) || (int.is_empty() && frac_digits.is_empty()) {
        return None;
    }
    if let Some(e) = exp {
        let (_, e_digits) = split_sign(e);
        if e_digits.is_empty() || !digits(e_digits) {
            return None;
        }
    }
    if frac.is_none() && exp.is_none() {
        return None;
    }
    // Rust's parser is correctly rounded; normalise `1.`/`.5` forms for it.
    let int = if int.is_empty() { "0" } else { int };
    let frac = if frac_digits.is_empty() {
        "0"
    } else {
        frac_digits
    };
    let exp = exp.unwrap_or("0");
    let text = format!("{sign}{int}.{frac}e{exp}");
    Some(
        text.parse::<f64>()
            .map(DatumKind::Float)
            .map_err(|_| format!("bad number literal `{tok}`")),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn num(s: &str) -> Option<Result<DatumKind, String>> {
        parse_number(s)
    }

    #[test]
    fn numbers_and_non_numbers() {
        assert_eq!(num("42"), Some(Ok(DatumKind::Int(42))));
        assert_eq!(num("-0x1f"), Some(Ok(DatumKind::Int(-31))));
        assert_eq!(num("+0X1F"), Some(Ok(DatumKind::Int(31))));
        assert_eq!(num("1."), Some(Ok(DatumKind::Float(1.0))));
        assert_eq!(num(".5"), Some(Ok(DatumKind::Float(0.5))));
        assert_eq!(num("1.e2"), Some(Ok(DatumKind::Float(100.0))));
        assert_eq!(
            num("1e99999999999999999999"),
            Some(Ok(DatumKind::Float(f64::INFINITY)))
        );
        assert_eq!(
            num("1e-99999999999999999999"),
            Some(Ok(DatumKind::Float(0.0)))
        );
        for s in [
            "+", "-", ".", "...", "1+", "-x", "e5", "1e", "1e+", ".e1", "0x", "0xg", "inf.0",
            "nan.0", "+inf", "infinity", "1.2.3", "1e5e5", "--1", "+-1", "0x-1", "1_000",
        ] {
            assert_eq!(num(s), None, "{s}");
        }
    }

    #[test]
    fn hex_scalars() {
        assert_eq!(hex_scalar("41"), Some('A'));
        assert_eq!(hex_scalar("10FFFF"), Some('\u{10FFFF}'));
        assert_eq!(hex_scalar("110000"), None);
        assert_eq!(hex_scalar("D800"), None);
        assert_eq!(hex_scalar("0000041"), None);
        assert_eq!(hex_scalar(""), None);
        assert_eq!(hex_scalar("+41"), None);
    }
}
