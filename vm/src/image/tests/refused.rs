//! Refusing every kind of bad input with an error rather than a panic.

use super::*;
use crate::image::codec::{decode_with_depth, frame, unframe};

fn err(bytes: &[u8]) -> String {
    match std::panic::catch_unwind(|| decode(bytes)) {
        Ok(Ok(_)) => panic!("decoded {} bytes of bad input", bytes.len()),
        Ok(Err(e)) => e,
        Err(_) => panic!("decode panicked on {bytes:?}"),
    }
}

#[test]
fn bad_headers_are_refused_with_their_reason() {
    let bytes = encode(&sample());
    assert!(err(b"").contains("truncated"));
    assert!(err(b"FLUENT").contains("truncated"));
    assert!(err(&bytes[..MAGIC.len() + 5]).contains("truncated"));
    assert!(err(b"#!/bin/sh\necho hi").contains("bad magic"));
    assert!(err(b"\x7fELF").contains("bad magic"));

    let mut v = bytes.clone();
    v[MAGIC.len()..MAGIC.len() + 4].copy_from_slice(&3u32.to_le_bytes());
    assert_eq!(
        err(&v),
        format!("image format version 3, this fluent reads version {FORMAT_VERSION}")
    );

    let mut v = bytes.clone();
    *v.last_mut().unwrap() ^= 1;
    assert_eq!(err(&v), "corrupt image: checksum mismatch");

    let mut v = bytes.clone();
    v.push(0);
    assert!(err(&v).contains("1 unexpected bytes"), "{}", err(&v));
    assert!(err(&bytes[..bytes.len() - 1]).starts_with("truncated image"));
}

#[test]
fn every_truncation_is_refused() {
    let bytes = encode(&sample());
    let payload = unframe(&bytes).unwrap();
    for n in 0..bytes.len() {
        err(&bytes[..n]);
    }
    // With a header that agrees: the parser itself must notice.
    for n in 0..payload.len() {
        let e = err(&frame(&payload[..n]));
        assert!(e.starts_with("corrupt image"), "{n}: {e}");
    }
}

#[test]
fn every_changed_byte_is_refused() {
    let bytes = encode(&sample());
    for i in 0..bytes.len() {
        for mask in [0x01, 0x80, 0xff] {
            let mut v = bytes.clone();
            v[i] ^= mask;
            err(&v);
        }
    }
}

/// Corruption a checksum cannot catch (a file written wrong, or forged):
/// whatever decodes must be exactly what the bytes say.
#[test]
fn resealed_changes_decode_to_an_error_or_to_those_bytes() {
    let bytes = encode(&sample());
    let payload = unframe(&bytes).unwrap().to_vec();
    let mut refused = 0;
    for i in 0..payload.len() {
        for mask in [0x01, 0x02, 0x10, 0x80, 0xff] {
            let mut v = payload.clone();
            v[i] ^= mask;
            let framed = frame(&v);
            match std::panic::catch_unwind(|| decode(&framed)) {
                Err(_) => panic!("decode panicked with byte {i} ^ {mask:#x}"),
                Ok(Err(_)) => refused += 1,
                Ok(Ok(image)) => assert_eq!(encode(&image), framed, "byte {i} ^ {mask:#x}"),
            }
        }
    }
    // Most of the payload is structure, not free text or numbers.
    assert!(refused > payload.len(), "only {refused} refused");
}

fn reseal_with(image: &Image, edit: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    let mut payload = unframe(&encode(image)).unwrap().to_vec();
    edit(&mut payload);
    frame(&payload)
}

fn find(hay: &[u8], needle: &[u8]) -> usize {
    hay.windows(needle.len())
        .position(|w| w == needle)
        .expect("marker")
}

#[test]
fn malformed_payloads_are_refused_with_their_reason() {
    let image = sample();
    let e = err(&reseal_with(&image, |p| p[0] ^= 1));
    assert!(e.contains("different instruction set"), "{e}");

    let mut marked = sample();
    marked.files[0].path = "MARK".into();
    let e = err(&reseal_with(&marked, |p| {
        let at = find(p, b"MARK");
        p[at + 1] = 0xff;
    }));
    assert!(e.contains("not UTF-8"), "{e}");
    let e = err(&reseal_with(&marked, |p| {
        let at = find(p, b"MARK");
        p[at - 4..at].copy_from_slice(&u32::MAX.to_le_bytes());
    }));
    assert!(e.contains("ends inside a file path"), "{e}");
    let e = err(&reseal_with(&marked, |p| {
        p[8..12].copy_from_slice(&u32::MAX.to_le_bytes());
    }));
    assert!(e.contains("cannot fit"), "{e}");
}

fn read<T>(bytes: &[u8], f: impl FnOnce(&mut Reader) -> Result<T, String>) -> Result<T, String> {
    let mut r = Reader {
        bytes,
        pos: 0,
        max_depth: 4,
    };
    f(&mut r)
}

#[test]
fn bad_tags_are_refused() {
    let e = read(&[200], |r| r.op()).unwrap_err();
    assert!(
        e.starts_with("corrupt image: unknown instruction 200"),
        "{e}"
    );
    let e = read(&[0, 1], |r| r.op()).unwrap_err();
    assert!(
        e.starts_with("corrupt image: the program ends inside an operand"),
        "{e}"
    );
    let e = read(&[11, 0, 0, 0, 0, 0, 0, 0, 0], |r| r.datum()).unwrap_err();
    assert!(e.contains("unknown datum kind 11"), "{e}");
    let e = read(&[4, 0, 0, 0, 0, 0, 0, 0, 0, 2], |r| r.datum()).unwrap_err();
    assert!(e.contains("not 0 or 1"), "{e}");
    let e = read(&[3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xd8, 0, 0], |r| r.datum()).unwrap_err();
    assert!(e.contains("not a character"), "{e}");
    // A dotted list with nothing before the dot.
    let e = read(&[8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], |r| r.datum()).unwrap_err();
    assert!(e.contains("nothing before the dot"), "{e}");
}

/// `depth` lists, each holding the next, around the integer 7.
fn nested(depth: usize) -> Vec<u8> {
    let mut v = Vec::new();
    for _ in 0..depth {
        v.extend_from_slice(&[7, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0]);
    }
    v.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0, 0]);
    v.extend_from_slice(&7i64.to_le_bytes());
    v
}

#[test]
fn quoted_data_nests_only_as_deep_as_allowed() {
    let mut at_limit = read(&nested(4), |r| r.datum()).unwrap();
    for _ in 0..4 {
        let DatumKind::List(mut xs) = at_limit.kind else {
            panic!("not a list")
        };
        at_limit = xs.pop().unwrap();
    }
    assert_eq!(at_limit.kind, DatumKind::Int(7));
    let e = read(&nested(5), |r| r.datum()).unwrap_err();
    assert!(e.contains("more than 4 levels"), "{e}");
    // Far deeper than any stack: refused, without recursion.
    let mut r = Reader {
        bytes: &nested(1_000_000),
        pos: 0,
        max_depth: fluent_syntax::ReaderConfig::default().max_depth,
    };
    assert!(r.datum().unwrap_err().contains("more than 10000 levels"));
    // The limit applies inside whole images too: the sample's quoted
    // data is 4 levels deep (list, bracket, dotted list, empty vector).
    let bytes = encode(&sample());
    assert!(decode_with_depth(&bytes, 4).is_ok());
    let e = decode_with_depth(&bytes, 3).unwrap_err();
    assert!(e.contains("more than 3 levels"), "{e}");
}

#[test]
fn inconsistent_images_are_refused() {
    type Edit = fn(&mut Image);
    let cases: [(&str, Edit); 11] = [
        ("initialiser 3 out of 3", |i| i.init.push(3)),
        ("takes arguments", |i| i.init.push(1)),
        ("takes arguments or captures", |i| i.init.push(2)),
        ("in file 2 of 2", |i| i.protos[2].file = 2),
        ("inlines inl from file 2 of 2", |i| {
            i.protos[1].scopes[0].file = 2
        }),
        ("scope 0 has a parent that is not before it", |i| {
            i.protos[1].scopes[0].parent = Some(1)
        }),
        ("run at 2 out of order", |i| {
            i.protos[1].scope_runs[1].start = 2
        }),
        ("run at 5 names no scope", |i| {
            i.protos[1].scope_runs[2].scope = Some(2)
        }),
        ("5 is not a call in an inline scope", |i| {
            i.protos[1].scope_tail_calls.push(5)
        }),
        ("global 1 out of 1", |i| {
            i.globals.pop();
        }),
        ("register 9 out of 1", |i| {
            i.protos[2].code[0] = Op::Return { src: 9 }
        }),
    ];
    for (want, edit) in cases {
        let mut image = sample();
        edit(&mut image);
        let e = err(&encode(&image));
        assert!(e.starts_with("corrupt image: "), "{e}");
        assert!(e.contains(want), "{want}: {e}");
    }
}
