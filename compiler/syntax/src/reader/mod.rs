//! The parser: tokens to [`Datum`]s, with reader sugar expanded.
//!
//! Nesting is tracked on an explicit stack of open frames (sequences and
//! pending prefixes) rather than by recursion, so the depth of the input
//! cannot overflow the host stack; past [`ReaderConfig::max_depth`] frames
//! the read stops with E0008, because later stages walk data recursively.

mod lexer;

use crate::datum::{Datum, DatumKind, Span};
use lexer::{Close, Lexer, Open, Prefix, Tok};
use std::fmt;
use std::sync::Arc;

/// Limits for [`read_all_with`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReaderConfig {
    /// The most frames (open lists, brackets, vectors, pending quote and
    /// `#;` prefixes) that may be open at once.
    pub max_depth: usize,
}

impl Default for ReaderConfig {
    fn default() -> Self {
        ReaderConfig { max_depth: 10_000 }
    }
}

/// A located read error with a stable code (`E0001`..`E0010`).
#[derive(Debug, Clone, PartialEq)]
pub struct ReadError {
    pub span: Span,
    pub message: String,
    pub code: &'static str,
    /// The input ended inside an unfinished datum, so more text could make
    /// it valid (the REPL asks for another line).
    pub incomplete: bool,
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ReadError {}

fn error(code: &'static str, span: Span, message: impl Into<String>) -> ReadError {
    ReadError {
        span,
        message: message.into(),
        code,
        incomplete: false,
    }
}

/// Reads every datum in `text` with the default limits.
pub fn read_all(text: &str) -> Result<Vec<Datum>, ReadError> {
    read_all_with(text, &ReaderConfig::default())
}

/// Reads every datum in `text`, stopping at the first error.
pub fn read_all_with(text: &str, cfg: &ReaderConfig) -> Result<Vec<Datum>, ReadError> {
    let mut lexer = Lexer::new(text);
    let mut parser = Parser {
        stack: Vec::new(),
        out: Vec::new(),
    };
    while let Some((tok, span)) = lexer.next_token()? {
        match tok {
            Tok::Atom(kind) => parser.complete(Datum::new(kind, span))?,
            Tok::Open(open) => parser.push(
                Frame::Seq {
                    open,
                    start: span.start,
                    items: Vec::new(),
                    dot: None,
                    tail: None,
                },
                span,
                cfg,
            )?,
            Tok::Prefix(prefix) => parser.push(Frame::Prefix { prefix, span }, span, cfg)?,
            Tok::Close(close) => parser.close(close, span)?,
            Tok::Dot => parser.dot(span)?,
        }
    }
    match parser.stack.first() {
        None => Ok(parser.out),
        // The outermost open frame names the top-level form that is cut off.
        Some(frame) => Err(ReadError {
            incomplete: true,
            ..frame.unfinished()
        }),
    }
}

enum Frame {
    Seq {
        open: Open,
        start: u32,
        items: Vec<Datum>,
        /// The `.` of a dotted list, once seen.
        dot: Option<Span>,
        /// The datum after the `.`.
        tail: Option<Datum>,
    },
    Prefix {
        prefix: Prefix,
        span: Span,
    },
}

impl Frame {
    fn unfinished(&self) -> ReadError {
        match self {
            Frame::Seq { open, start, .. } => {
                let len = open.text().len() as u32;
                error(
                    "E0002",
                    Span::new(*start, start.saturating_add(len)),
                    format!("unclosed `{}`", open.text()),
                )
            }
            Frame::Prefix { prefix, span } => error(
                "E0002",
                *span,
                format!("expected a datum after `{}`", prefix.text()),
            ),
        }
    }
}

struct Parser {
    stack: Vec<Frame>,
    out: Vec<Datum>,
}

impl Parser {
    fn push(&mut self, frame: Frame, span: Span, cfg: &ReaderConfig) -> Result<(), ReadError> {
        if self.stack.len() >= cfg.max_depth {
            return Err(error(
                "E0008",
                span,
                format!("nesting too deep (more than {} levels)", cfg.max_depth),
            ));
        }
        self.stack.push(frame);
        Ok(())
    }

    /// Hands a finished datum to the innermost open frame, finishing any
    /// prefixes that were waiting for it.
    fn complete(&mut self, mut d: Datum) -> Result<(), ReadError> {
        loop {
            match self.stack.last_mut() {
                None => {
                    self.out.push(d);
                    return Ok(());
                }
                Some(Frame::Seq {
                    items, dot, tail, ..
                }) => {
                    return match (dot, tail) {
                        (None, _) => {
                            items.push(d);
                            Ok(())
                        }
                        (Some(_), tail @ None) => {
                            *tail = Some(d);
                            Ok(())
                        }
                        (Some(_), Some(_)) => Err(error(
                            "E0009",
                            d.span,
                            "only one datum may follow `.` in a dotted list",
                        )),
                    };
                }
                Some(Frame::Prefix { prefix, span }) => {
                    let (prefix, span) = (*prefix, *span);
                    self.stack.pop();
                    match prefix {
                        Prefix::DatumComment => return Ok(()),
                        Prefix::Quote(head, _) => {
                            let whole = span.to(d.span);
                            let head = Datum::new(DatumKind::Symbol(Arc::from(head)), span);
                            d = Datum::new(DatumKind::List(vec![head, d]), whole);
                        }
                    }
                }
            }
        }
    }

    fn close(&mut self, close: Close, span: Span) -> Result<(), ReadError> {
        let (open, start, mut items, dot, tail) = match self.stack.pop() {
            None => {
                return Err(error(
                    "E0003",
                    span,
                    format!("unexpected `{}`", close.text()),
                ));
            }
            Some(Frame::Prefix { prefix, .. }) => {
                return Err(error(
                    "E0001",
                    span,
                    format!(
                        "expected a datum after `{}`, found `{}`",
                        prefix.text(),
                        close.text()
                    ),
                ));
            }
            Some(Frame::Seq {
                open,
                start,
                items,
                dot,
                tail,
            }) => (open, start, items, dot, tail),
        };
        if open.closer() != close {
            return Err(error(
                "E0003",
                span,
                format!(
                    "mismatched `{}`: expected `{}` to close `{}`",
                    close.text(),
                    open.closer().text(),
                    open.text()
                ),
            ));
        }
        let whole = Span::new(start, span.end);
        let kind = match (open, dot, tail) {
            (Open::Paren, None, _) => DatumKind::List(items),
            (Open::Bracket, ..) => DatumKind::Bracket(items),
            (Open::Vector, ..) => DatumKind::Vector(items),
            (Open::Paren, Some(dot), None) => {
                return Err(error("E0009", dot, "expected a datum after `.`"));
            }
            // `(a . (b c))` is the list `(a b c)`: one shape per meaning.
            (Open::Paren, Some(_), Some(tail)) => match tail.kind {
                DatumKind::List(rest) => {
                    items.extend(rest);
                    DatumKind::List(items)
                }
                DatumKind::Dotted(rest, last) => {
                    items.extend(rest);
                    DatumKind::Dotted(items, last)
                }
                kind => DatumKind::Dotted(items, Box::new(Datum::new(kind, tail.span))),
            },
        };
        self.complete(Datum::new(kind, whole))
    }

    fn dot(&mut self, span: Span) -> Result<(), ReadError> {
        match self.stack.last_mut() {
            Some(Frame::Seq {
                open: Open::Paren,
                items,
                dot,
                ..
            }) => {
                if dot.is_some() {
                    Err(error("E0009", span, "more than one `.` in a dotted list"))
                } else if items.is_empty() {
                    Err(error(
                        "E0009",
                        span,
                        "`.` must follow at least one datum in a dotted list",
                    ))
                } else {
                    *dot = Some(span);
                    Ok(())
                }
            }
            Some(Frame::Seq { open, .. }) => Err(error(
                "E0009",
                span,
                format!("`.` is not allowed inside `{}`", open.text()),
            )),
            Some(Frame::Prefix { prefix, .. }) => Err(error(
                "E0001",
                span,
                format!("expected a datum after `{}`, found `.`", prefix.text()),
            )),
            None => Err(error("E0001", span, "unexpected `.`")),
        }
    }
}
