//! The image file format: a linked program saved by `fluent build` and
//! loaded by `fluent run`.
//!
//! A 30-byte header, then the payload. Integers are little-endian, strings
//! a u32 byte length and UTF-8, tables (`x*` below) a u32 count and the
//! entries.
//!
//! ```text
//! header   MAGIC (10 bytes)  FORMAT_VERSION u32  payload length u64
//!          FNV-1a 64 of the payload u64
//! payload  instruction-set fingerprint u64
//!          files    (path str, text str)*
//!          globals  (module str, name str)*
//!          init     u32*
//!          protos   (name str, arity (required u16, rest u8), nregs u16,
//!                    code op*, consts const*, captures capture*,
//!                    spans span*, loops u16, file u32, span,
//!                    scopes scope*, runs (start u32, scope index)*,
//!                    tail calls u32*)*
//! op       table position u8, then each operand at its type's width
//! const    tag u8: 0 int i64 | 1 float f64 bits | 2 string | 3 symbol
//!          | 4 keyword | 5 char u32 | 6 datum | 7 tag (name, arity u16)
//!          | 8 primitive name
//! datum    tag u8, span (start u32, end u32), then: 0 int | 1 float
//!          | 2 str | 3 char | 4 bool u8 | 5 symbol | 6 keyword
//!          | 7 list, 9 bracket, 10 vector: datum* | 8 dotted: datum* tail
//! capture  0 local u16 | 1 upvalue u16
//! scope    parent index, name str, file u32, call span, tail u8
//!          (an inline scope; an index is a u32, u32::MAX for none)
//! ```
//!
//! The fingerprint hashes the op table (names and operand widths) and the
//! primitive table (names and arities): code names both by position, so an
//! image from a fluent whose tables differ is refused rather than misread.
//!
//! Decoding trusts nothing: every length is checked against the bytes
//! left before anything is allocated for it, quoted data is rebuilt
//! without recursion and no deeper than the reader allows, and the decoded
//! program must pass the bytecode verifier (plus the checks on `init` and
//! file indices the verifier does not make). Any fault is an `Err`.

mod read;
mod write;

use super::Image;
use crate::bytecode::{NO_FILE, Op, verify};
use crate::primitives;
use fluent_syntax::ReaderConfig;
pub(super) use read::Reader;
pub(super) use write::Writer;

/// The first bytes of every image file.
pub const MAGIC: &[u8; 10] = b"FLUENTIMG\0";
/// The version of the layout above. Bump it when the layout changes.
pub const FORMAT_VERSION: u32 = 2;

const HEADER_LEN: usize = MAGIC.len() + 4 + 8 + 8;

// Ops are stored by table position in one byte.
const _: () = assert!(Op::COUNT <= 256);

/// The image file holding `image`.
///
/// Panics if a string or table holds more than `u32::MAX` entries.
pub fn encode(image: &Image) -> Vec<u8> {
    let mut w = Writer(Vec::new());
    w.image(image);
    frame(&w.0)
}

/// The image in `bytes`, or why they are not a valid image for this fluent.
pub fn decode(bytes: &[u8]) -> Result<Image, String> {
    decode_with_depth(bytes, ReaderConfig::default().max_depth)
}

/// As [`decode`], refusing quoted data nested deeper than `max_depth`.
pub(super) fn decode_with_depth(bytes: &[u8], max_depth: usize) -> Result<Image, String> {
    let payload = unframe(bytes)?;
    let mut r = Reader {
        bytes: payload,
        pos: 0,
        max_depth,
    };
    let image = r.image()?;
    let extra = payload.len() - r.pos;
    if extra > 0 {
        return Err(format!(
            "corrupt image: {extra} unexpected bytes after the program"
        ));
    }
    check(&image).map_err(|e| format!("corrupt image: {e}"))?;
    Ok(image)
}

/// `payload` with its header.
pub(super) fn frame(payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_LEN + payload.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&fnv1a(payload).to_le_bytes());
    out.extend_from_slice(payload);
    out
}

/// The payload of an image file, its header checked.
pub(super) fn unframe(bytes: &[u8]) -> Result<&[u8], String> {
    let n = bytes.len().min(MAGIC.len());
    if bytes[..n] != MAGIC[..n] {
        return Err("not a Fluent image (bad magic)".into());
    }
    if bytes.len() < HEADER_LEN {
        return Err(format!(
            "truncated image: {} bytes, shorter than the {HEADER_LEN}-byte header",
            bytes.len()
        ));
    }
    let word = |at: usize| {
        let mut b = [0; 8];
        b.copy_from_slice(&bytes[at..at + 8]);
        u64::from_le_bytes(b)
    };
    let mut v = [0; 4];
    v.copy_from_slice(&bytes[MAGIC.len()..MAGIC.len() + 4]);
    let version = u32::from_le_bytes(v);
    if version != FORMAT_VERSION {
        return Err(format!(
            "image format version {version}, this fluent reads version {FORMAT_VERSION}"
        ));
    }
    let (promised, sum) = (word(MAGIC.len() + 4), word(MAGIC.len() + 12));
    let payload = &bytes[HEADER_LEN..];
    if promised > payload.len() as u64 {
        return Err(format!(
            "truncated image: the header promises {promised} bytes of program, the file has {}",
            payload.len()
        ));
    }
    if promised < payload.len() as u64 {
        return Err(format!(
            "corrupt image: {} unexpected bytes after the {promised} bytes of program",
            payload.len() as u64 - promised
        ));
    }
    if fnv1a(payload) != sum {
        return Err("corrupt image: checksum mismatch".into());
    }
    Ok(payload)
}

/// FNV-1a, 64 bits.
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// A hash of what code refers to by position: the op table and the
/// primitive table.
pub(super) fn fingerprint() -> u64 {
    let mut w = Writer(Vec::new());
    for i in 0..Op::COUNT {
        let op = Op::from_operands(i, |width| {
            w.u8(width.bytes as u8);
            w.u8(width.signed as u8);
            Ok(0)
        });
        w.str(op.as_ref().map_or("?", |op| op.name()));
    }
    for p in primitives::TABLE {
        w.str(p.name);
        w.u16(p.min_args);
        w.u32(p.max_args.map_or(u32::MAX, u32::from));
    }
    fnv1a(&w.0)
}

/// What the verifier leaves to the loader: file and `init` indices, and
/// that `init` functions can run as the VM runs them (no arguments, no
/// captures). A file index may be `NO_FILE` (a location the linker did
/// not know).
fn check(image: &Image) -> Result<(), String> {
    verify(&image.protos, 0, image.globals.len())?;
    let nfiles = image.files.len();
    let bad = |f: u32| f as usize >= nfiles && f != NO_FILE;
    for (i, p) in image.protos.iter().enumerate() {
        if bad(p.file) {
            return Err(format!(
                "function #{i} {} is in file {} of {nfiles}",
                p.name, p.file
            ));
        }
        if let Some(s) = p.scopes.iter().find(|s| bad(s.file)) {
            return Err(format!(
                "function #{i} {} inlines {} from file {} of {nfiles}",
                p.name, s.name, s.file
            ));
        }
    }
    for &f in &image.init {
        let p = image
            .protos
            .get(f as usize)
            .ok_or_else(|| format!("initialiser {f} out of {} functions", image.protos.len()))?;
        if p.arity.required != 0 || !p.captures.is_empty() {
            return Err(format!(
                "initialiser #{f} {} takes arguments or captures",
                p.name
            ));
        }
    }
    Ok(())
}
