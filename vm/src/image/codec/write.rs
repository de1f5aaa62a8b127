//! Writing the payload (the layout is in the parent module's docs).

use crate::bytecode::{CaptureSrc, Const, Op, Proto};
use crate::image::Image;
use fluent_syntax::{Datum, DatumKind, Span};

/// The payload being written.
pub(in crate::image) struct Writer(pub(in crate::image) Vec<u8>);

impl Writer {
    pub(super) fn u8(&mut self, x: u8) {
        self.0.push(x);
    }

    pub(super) fn u16(&mut self, x: u16) {
        self.0.extend_from_slice(&x.to_le_bytes());
    }

    pub(super) fn u32(&mut self, x: u32) {
        self.0.extend_from_slice(&x.to_le_bytes());
    }

    fn u64(&mut self, x: u64) {
        self.0.extend_from_slice(&x.to_le_bytes());
    }

    /// A table's entry count.
    pub(in crate::image) fn len(&mut self, n: usize) {
        self.u32(u32::try_from(n).expect("an image table or string of 2^32 entries or more"));
    }

    pub(in crate::image) fn str(&mut self, s: &str) {
        self.len(s.len());
        self.0.extend_from_slice(s.as_bytes());
    }

    fn span(&mut self, s: Span) {
        self.u32(s.start);
        self.u32(s.end);
    }

    pub(super) fn image(&mut self, image: &Image) {
        self.u64(super::fingerprint());
        self.len(image.files.len());
        for f in &image.files {
            self.str(&f.path);
            self.str(&f.text);
        }
        self.len(image.globals.len());
        for g in &image.globals {
            self.str(&g.module);
            self.str(&g.name);
        }
        self.len(image.init.len());
        for &f in &image.init {
            self.u32(f);
        }
        self.len(image.protos.len());
        for p in &image.protos {
            self.proto(p);
        }
    }

    fn proto(&mut self, p: &Proto) {
        self.str(&p.name);
        self.u16(p.arity.required);
        self.u8(p.arity.rest as u8);
        self.u16(p.nregs);
        self.len(p.code.len());
        for op in &p.code {
            self.op(op);
        }
        self.len(p.consts.len());
        for c in &p.consts {
            self.konst(c);
        }
        self.len(p.captures.len());
        for c in &p.captures {
            match *c {
                CaptureSrc::Local(r) => {
                    self.u8(0);
                    self.u16(r);
                }
                CaptureSrc::Upval(i) => {
                    self.u8(1);
                    self.u16(i);
                }
            }
        }
        self.len(p.spans.len());
        for &s in &p.spans {
            self.span(s);
        }
        self.u16(p.loops);
        self.u32(p.file);
        self.span(p.span);
        self.len(p.scopes.len());
        for s in &p.scopes {
            self.index(s.parent);
            self.str(&s.name);
            self.u32(s.file);
            self.span(s.call);
            self.u8(s.tail as u8);
        }
        self.len(p.scope_runs.len());
        for r in &p.scope_runs {
            self.u32(r.start);
            self.index(r.scope);
        }
        self.len(p.scope_tail_calls.len());
        for &pc in &p.scope_tail_calls {
            self.u32(pc);
        }
    }

    /// An optional index: `u32::MAX` for none.
    fn index(&mut self, i: Option<u32>) {
        self.u32(i.unwrap_or(u32::MAX));
    }

    /// The op's table position, then each operand's low `width` bytes.
    pub(in crate::image) fn op(&mut self, op: &Op) {
        self.u8(op.index() as u8);
        op.for_each_operand(|v, width| {
            self.0
                .extend_from_slice(&v.to_le_bytes()[..width.bytes.min(8)])
        });
    }

    fn konst(&mut self, c: &Const) {
        match c {
            Const::Int(i) => {
                self.u8(0);
                self.u64(*i as u64);
            }
            Const::Float(x) => {
                self.u8(1);
                self.u64(x.to_bits());
            }
            Const::Str(s) => {
                self.u8(2);
                self.str(s);
            }
            Const::Symbol(s) => {
                self.u8(3);
                self.str(s);
            }
            Const::Keyword(s) => {
                self.u8(4);
                self.str(s);
            }
            Const::Char(ch) => {
                self.u8(5);
                self.u32(*ch as u32);
            }
            Const::Datum(d) => {
                self.u8(6);
                self.datum(d);
            }
            Const::Tag { name, arity } => {
                self.u8(7);
                self.str(name);
                self.u16(*arity);
            }
            Const::Prim(name) => {
                self.u8(8);
                self.str(name);
            }
        }
    }

    /// A datum in prefix order, walked with a stack (quoted data can be
    /// as deep as the reader allows).
    pub(in crate::image) fn datum(&mut self, d: &Datum) {
        let mut todo = vec![d];
        while let Some(d) = todo.pop() {
            let (tag, items, tail): (u8, &[Datum], _) = match &d.kind {
                DatumKind::Int(_) => (0, &[], None),
                DatumKind::Float(_) => (1, &[], None),
                DatumKind::Str(_) => (2, &[], None),
                DatumKind::Char(_) => (3, &[], None),
                DatumKind::Bool(_) => (4, &[], None),
                DatumKind::Symbol(_) => (5, &[], None),
                DatumKind::Keyword(_) => (6, &[], None),
                DatumKind::List(xs) => (7, xs, None),
                DatumKind::Dotted(xs, t) => (8, xs, Some(&**t)),
                DatumKind::Bracket(xs) => (9, xs, None),
                DatumKind::Vector(xs) => (10, xs, None),
            };
            self.u8(tag);
            self.span(d.span);
            match &d.kind {
                DatumKind::Int(i) => self.u64(*i as u64),
                DatumKind::Float(x) => self.u64(x.to_bits()),
                DatumKind::Str(s) | DatumKind::Symbol(s) | DatumKind::Keyword(s) => self.str(s),
                DatumKind::Char(c) => self.u32(*c as u32),
                DatumKind::Bool(b) => self.u8(*b as u8),
                _ => self.len(items.len()),
            }
            todo.extend(tail);
            todo.extend(items.iter().rev());
        }
    }
}
