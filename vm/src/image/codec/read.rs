//! Reading the payload back, checking every length and tag.

use crate::bytecode::{
    Arity, CaptureSrc, Const, GlobalName, InlineScope, Op, Proto, ScopeRun, Width,
};
use crate::image::{Image, SourceFile};
use fluent_syntax::{Datum, DatumKind, Span};
use std::sync::Arc;

/// The fewest bytes each kind of table entry takes, so that a count can be
/// checked against the bytes left before anything is allocated for it.
const FILE_BYTES: usize = 8;
const GLOBAL_BYTES: usize = 8;
const INIT_BYTES: usize = 4;
const PROTO_BYTES: usize = 4 + 3 + 2 + 4 * 4 + 2 + 4 + 8 + 4 * 3;
const OP_BYTES: usize = 1;
const CONST_BYTES: usize = 5;
const CAPTURE_BYTES: usize = 3;
const SPAN_BYTES: usize = 8;
const DATUM_BYTES: usize = 9;
const SCOPE_BYTES: usize = 4 + 4 + 4 + 8 + 1;
const RUN_BYTES: usize = 8;

/// The payload being read.
pub(in crate::image) struct Reader<'a> {
    pub(in crate::image) bytes: &'a [u8],
    pub(in crate::image) pos: usize,
    /// The deepest nesting of quoted data accepted.
    pub(in crate::image) max_depth: usize,
}

/// A list, bracket, vector or dotted list whose elements are being read.
struct Open {
    tag: u8,
    span: Span,
    /// Elements to read, a dotted list's tail included.
    want: usize,
    items: Vec<Datum>,
}

impl<'a> Reader<'a> {
    fn left(&self) -> usize {
        self.bytes.len() - self.pos
    }

    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], String> {
        if n > self.left() {
            return Err(format!(
                "corrupt image: the program ends inside {what} (offset {}, {n} bytes needed, {} left)",
                self.pos,
                self.left()
            ));
        }
        let s = &self.bytes[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    fn array<const N: usize>(&mut self, what: &str) -> Result<[u8; N], String> {
        let mut a = [0; N];
        a.copy_from_slice(self.take(N, what)?);
        Ok(a)
    }

    fn u8(&mut self, what: &str) -> Result<u8, String> {
        Ok(self.array::<1>(what)?[0])
    }

    fn u16(&mut self, what: &str) -> Result<u16, String> {
        Ok(u16::from_le_bytes(self.array(what)?))
    }

    fn u32(&mut self, what: &str) -> Result<u32, String> {
        Ok(u32::from_le_bytes(self.array(what)?))
    }

    pub(in crate::image) fn u64(&mut self, what: &str) -> Result<u64, String> {
        Ok(u64::from_le_bytes(self.array(what)?))
    }

    fn bool(&mut self, what: &str) -> Result<bool, String> {
        match self.u8(what)? {
            0 => Ok(false),
            1 => Ok(true),
            b => Err(format!("corrupt image: {what} is {b}, not 0 or 1")),
        }
    }

    /// A table's entry count, each entry taking at least `min` bytes.
    fn count(&mut self, min: usize, what: &str) -> Result<usize, String> {
        let n = self.u32(what)? as usize;
        if n.saturating_mul(min) > self.left() {
            return Err(format!(
                "corrupt image: {n} {what} cannot fit in the {} bytes left (offset {})",
                self.left(),
                self.pos
            ));
        }
        Ok(n)
    }

    /// `n` entries read by `one`, `n` checked first.
    fn table<T>(
        &mut self,
        min: usize,
        what: &str,
        mut one: impl FnMut(&mut Self) -> Result<T, String>,
    ) -> Result<Vec<T>, String> {
        let n = self.count(min, what)?;
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            out.push(one(self)?);
        }
        Ok(out)
    }

    fn str(&mut self, what: &str) -> Result<Arc<str>, String> {
        let n = self.u32(what)? as usize;
        let bytes = self.take(n, what)?;
        match std::str::from_utf8(bytes) {
            Ok(s) => Ok(s.into()),
            Err(e) => Err(format!("corrupt image: {what} is not UTF-8 ({e})")),
        }
    }

    fn span(&mut self, what: &str) -> Result<Span, String> {
        Ok(Span::new(self.u32(what)?, self.u32(what)?))
    }

    fn char(&mut self, what: &str) -> Result<char, String> {
        let c = self.u32(what)?;
        char::from_u32(c).ok_or_else(|| format!("corrupt image: {what} {c:#x} is not a character"))
    }

    pub(in crate::image) fn image(&mut self) -> Result<Image, String> {
        let print = self.u64("the instruction-set fingerprint")?;
        if print != super::fingerprint() {
            return Err(
                "image built by a fluent with a different instruction set or \
                        primitive table; rebuild it with this one"
                    .into(),
            );
        }
        let files = self.table(FILE_BYTES, "source files", |r| {
            Ok(SourceFile::new(
                r.str("a file path")?,
                r.str("a file text")?,
            ))
        })?;
        let globals = self.table(GLOBAL_BYTES, "globals", |r| {
            Ok(GlobalName {
                module: r.str("a global's module")?,
                name: r.str("a global's name")?,
            })
        })?;
        let init = self.table(INIT_BYTES, "initialisers", |r| r.u32("an initialiser"))?;
        let mut i = 0;
        let protos = self.table(PROTO_BYTES, "functions", |r| {
            i += 1;
            r.proto()
                .map_err(|e| format!("{e}, in function #{}", i - 1))
        })?;
        Ok(Image {
            files,
            protos,
            globals,
            init,
        })
    }

    fn proto(&mut self) -> Result<Proto, String> {
        let name = self.str("a function name")?;
        let arity = Arity {
            required: self.u16("an arity")?,
            rest: self.bool("a rest flag")?,
        };
        let nregs = self.u16("a register count")?;
        let code = self.table(OP_BYTES, "instructions", Reader::op)?;
        let consts = self.table(CONST_BYTES, "constants", Reader::konst)?;
        let captures = self.table(CAPTURE_BYTES, "captures", |r| match r.u8("a capture")? {
            0 => Ok(CaptureSrc::Local(r.u16("a capture")?)),
            1 => Ok(CaptureSrc::Upval(r.u16("a capture")?)),
            t => Err(format!("corrupt image: unknown capture kind {t}")),
        })?;
        let spans = self.table(SPAN_BYTES, "spans", |r| r.span("a span"))?;
        let loops = self.u16("a loop count")?;
        let file = self.u32("a file index")?;
        let span = self.span("a function span")?;
        let scopes = self.table(SCOPE_BYTES, "inline scopes", |r| {
            Ok(InlineScope {
                parent: r.index("an inline scope's parent")?,
                name: r.str("an inlined function's name")?,
                file: r.u32("an inline scope's file")?,
                call: r.span("an inlined call's span")?,
                tail: r.bool("an inline scope's tail flag")?,
            })
        })?;
        let scope_runs = self.table(RUN_BYTES, "inline scope runs", |r| {
            Ok(ScopeRun {
                start: r.u32("an inline scope run")?,
                scope: r.index("an inline scope run")?,
            })
        })?;
        let scope_tail_calls = self.table(INIT_BYTES, "inline tail calls", |r| {
            r.u32("an inline tail call")
        })?;
        Ok(Proto {
            name,
            arity,
            nregs,
            code,
            consts,
            captures,
            spans,
            loops,
            file,
            span,
            scopes,
            scope_runs,
            scope_tail_calls,
        })
    }

    /// An optional index (`u32::MAX`: none).
    fn index(&mut self, what: &str) -> Result<Option<u32>, String> {
        let i = self.u32(what)?;
        Ok((i != u32::MAX).then_some(i))
    }

    pub(in crate::image) fn op(&mut self) -> Result<Op, String> {
        let at = self.pos;
        let index = self.u8("an instruction")? as usize;
        Op::from_operands(index, |w| self.operand(w)).map_err(|e| {
            if e.starts_with("corrupt image") {
                e
            } else {
                format!("corrupt image: {e} (offset {at})")
            }
        })
    }

    /// An operand of width `w`, sign- or zero-extended.
    fn operand(&mut self, w: Width) -> Result<i64, String> {
        if w.bytes > 8 {
            return Err(format!("an operand of {} bytes", w.bytes));
        }
        let b = self.take(w.bytes, "an operand")?;
        let negative = w.signed && b.last().is_some_and(|&x| x & 0x80 != 0);
        let mut all = [if negative { 0xff } else { 0 }; 8];
        all[..b.len()].copy_from_slice(b);
        Ok(i64::from_le_bytes(all))
    }

    fn konst(&mut self) -> Result<Const, String> {
        Ok(match self.u8("a constant")? {
            0 => Const::Int(self.u64("an integer")? as i64),
            1 => Const::Float(f64::from_bits(self.u64("a float")?)),
            2 => Const::Str(self.str("a string")?),
            3 => Const::Symbol(self.str("a symbol")?),
            4 => Const::Keyword(self.str("a keyword")?),
            5 => Const::Char(self.char("a character")?),
            6 => Const::Datum(Arc::new(self.datum()?)),
            7 => Const::Tag {
                name: self.str("a tag name")?,
                arity: self.u16("a tag arity")?,
            },
            8 => Const::Prim(self.str("a primitive name")?),
            t => return Err(format!("corrupt image: unknown constant kind {t}")),
        })
    }

    /// A datum, rebuilt with a stack of open compounds rather than by
    /// recursion, at most `max_depth` compounds deep.
    pub(in crate::image) fn datum(&mut self) -> Result<Datum, String> {
        let mut open: Vec<Open> = Vec::new();
        'next: loop {
            let tag = self.u8("a datum")?;
            let span = self.span("a datum span")?;
            let mut done = match tag {
                0 => DatumKind::Int(self.u64("an integer")? as i64),
                1 => DatumKind::Float(f64::from_bits(self.u64("a float")?)),
                2 => DatumKind::Str(self.str("a string")?),
                3 => DatumKind::Char(self.char("a character")?),
                4 => DatumKind::Bool(self.bool("a boolean")?),
                5 => DatumKind::Symbol(self.str("a symbol")?),
                6 => DatumKind::Keyword(self.str("a keyword")?),
                7..=10 => {
                    if open.len() >= self.max_depth {
                        return Err(format!(
                            "corrupt image: quoted data nested more than {} levels deep",
                            self.max_depth
                        ));
                    }
                    let n = self.count(DATUM_BYTES, "list elements")?;
                    if tag == 8 && n == 0 {
                        return Err(
                            "corrupt image: a dotted list with nothing before the dot".into()
                        );
                    }
                    let want = n + (tag == 8) as usize;
                    if want > 0 {
                        // Not preallocated: `want` is only bounded by the
                        // bytes left, and every open level could claim it.
                        open.push(Open {
                            tag,
                            span,
                            want,
                            items: Vec::new(),
                        });
                        continue 'next;
                    }
                    compound(tag, Vec::new())?
                }
                t => return Err(format!("corrupt image: unknown datum kind {t}")),
            };
            let mut span = span;
            while let Some(mut top) = open.pop() {
                top.items.push(Datum::new(done, span));
                if top.items.len() < top.want {
                    open.push(top);
                    continue 'next;
                }
                done = compound(top.tag, top.items)?;
                span = top.span;
            }
            return Ok(Datum::new(done, span));
        }
    }
}

/// The compound of kind `tag` with `items` (a dotted list's tail last).
fn compound(tag: u8, mut items: Vec<Datum>) -> Result<DatumKind, String> {
    Ok(match tag {
        7 => DatumKind::List(items),
        9 => DatumKind::Bracket(items),
        10 => DatumKind::Vector(items),
        _ => match items.pop() {
            Some(tail) if !items.is_empty() => DatumKind::Dotted(items, Box::new(tail)),
            _ => return Err("corrupt image: a dotted list with nothing before the dot".into()),
        },
    })
}
