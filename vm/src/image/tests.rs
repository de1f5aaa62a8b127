//! The image file format: round trips (bad input is in `refused`).

use super::codec::{Reader, Writer};
use super::*;
use crate::bytecode::{Arity, CaptureSrc, Const, InlineScope, NO_FILE, Op, ScopeRun, verify};
use crate::primitives;
use fluent_syntax::{Datum, DatumKind};

mod refused;

fn d(kind: DatumKind, at: u32) -> Datum {
    Datum::new(kind, Span::new(at, at + 1))
}

/// Quoted data with every kind of datum, nested.
fn quoted() -> Datum {
    use DatumKind::*;
    let sym = |s: &str, at| d(Symbol(s.into()), at);
    let atoms = vec![
        d(Int(i64::MIN), 1),
        d(Float(-0.0), 2),
        d(Float(f64::from_bits(0x7ff8_0000_dead_beef)), 3),
        d(Str("a \"string\" ✓".into()), 4),
        d(Char('λ'), 5),
        d(Bool(true), 6),
        d(Bool(false), 7),
        sym("quote", 8),
        d(Keyword("key".into()), 9),
        d(List(vec![]), 10),
    ];
    let dotted = d(
        Dotted(
            vec![sym("a", 11), d(Vector(vec![]), 12)],
            Box::new(sym("b", 13)),
        ),
        14,
    );
    let inner = d(Bracket(vec![dotted, d(Vector(atoms.clone()), 15)]), 16);
    d(
        List(vec![inner, d(List(atoms), 17), sym("end", u32::MAX - 1)]),
        0,
    )
}

fn span(a: u32) -> Span {
    Span::new(a, a + 3)
}

fn proto(name: &str, required: u16, rest: bool, nregs: u16, code: Vec<Op>) -> Proto {
    Proto {
        name: name.into(),
        arity: Arity { required, rest },
        nregs,
        spans: (0..code.len() as u32).map(span).collect(),
        code,
        consts: vec![],
        captures: vec![],
        loops: 0,
        file: 0,
        span: span(0),
        scopes: vec![],
        scope_runs: vec![],
        scope_tail_calls: vec![],
    }
}

/// A small valid program using every kind of constant and capture.
fn sample() -> Image {
    let cons = primitives::lookup("cons").expect("cons").0;
    let mut init = proto(
        "<top level>",
        0,
        false,
        4,
        vec![
            Op::LoadConst { dst: 0, k: 0 },
            Op::DefGlobal { src: 0, g: 0 },
            Op::LoadInt { dst: 1, i: -5 },
            Op::AddImm {
                dst: 1,
                a: 1,
                imm: i16::MIN,
            },
            Op::LoadImm { dst: 2, imm: 4 },
            Op::CallPrim {
                base: 1,
                argc: 2,
                prim: cons,
            },
            Op::MakeTagged {
                base: 1,
                argc: 2,
                k: 7,
            },
            Op::MakeClosure { dst: 3, func: 1 },
            Op::DefGlobal { src: 3, g: 1 },
            Op::Return { src: 0 },
        ],
    );
    init.consts = vec![
        Const::Datum(Arc::new(quoted())),
        Const::Int(i64::MAX),
        Const::Float(f64::NEG_INFINITY),
        Const::Str("naïve\n".into()),
        Const::Symbol("sym".into()),
        Const::Keyword("kw".into()),
        Const::Char('\u{10FFFF}'),
        Const::Tag {
            name: "pair".into(),
            arity: 2,
        },
        Const::Prim("car".into()),
    ];
    let mut f = proto(
        "f",
        1,
        true,
        5,
        vec![
            Op::JumpIfFalse { cond: 0, to: 3 },
            Op::GetUpval { dst: 2, idx: 0 },
            Op::Loop { counter: 1, to: 0 },
            Op::PushCatch { dst: 3, to: 6 },
            Op::Call { base: 0, argc: 1 },
            Op::MakeClosure { dst: 4, func: 2 },
            Op::PopCatch {},
            Op::TagIs {
                dst: 4,
                src: 0,
                k: 0,
            },
            Op::TailCall { base: 0, argc: 1 },
        ],
    );
    f.consts = vec![Const::Tag {
        name: "t".into(),
        arity: 0,
    }];
    f.captures = vec![CaptureSrc::Local(3)];
    f.loops = 2;
    f.file = 1;
    // Code inlined from file 0, and into that from a file the linker did
    // not know, in tail position.
    f.scopes = vec![
        InlineScope {
            parent: None,
            name: "inl".into(),
            file: 0,
            call: span(40),
            tail: false,
        },
        InlineScope {
            parent: Some(0),
            name: "deep ✓".into(),
            file: NO_FILE,
            call: span(50),
            tail: true,
        },
    ];
    f.scope_runs = [(2, Some(0)), (3, Some(1)), (5, None)]
        .map(|(start, scope)| ScopeRun { start, scope })
        .to_vec();
    f.scope_tail_calls = vec![4];
    let mut g = proto("g", 0, false, 1, vec![Op::Return { src: 0 }]);
    g.captures = vec![CaptureSrc::Upval(0), CaptureSrc::Local(1)];
    g.file = 1;
    g.span = Span::new(7, u32::MAX);
    Image {
        files: vec![
            SourceFile::new("prelude.fl", "(define x 1)"),
            SourceFile::new("dir/main ✓.fl", ""),
        ],
        protos: vec![init, f, g],
        globals: vec![
            GlobalName {
                module: "main".into(),
                name: "x".into(),
            },
            GlobalName {
                module: "".into(),
                name: "f".into(),
            },
        ],
        init: vec![0, 0],
    }
}

#[test]
fn the_sample_is_a_valid_program() {
    let image = sample();
    verify(&image.protos, 0, image.globals.len()).unwrap();
}

#[test]
fn an_image_round_trips() {
    let image = sample();
    let bytes = encode(&image);
    assert_eq!(&bytes[..MAGIC.len()], MAGIC);
    let back = decode(&bytes).unwrap();
    assert_eq!(back, image);
    // Floats by bits: -0.0 and a NaN payload survive.
    let Const::Datum(q) = &back.protos[0].consts[0] else {
        panic!("not a datum")
    };
    assert_eq!(**q, quoted());
    assert_eq!(back.protos[1].scopes.len(), 2);
    assert_eq!(back.protos[1].scope_at(3), Some(1));
    assert_eq!(encode(&back), bytes);
    assert_eq!(
        decode(&encode(&Image::default())).unwrap(),
        Image::default()
    );
}

#[test]
fn every_op_round_trips_at_its_operands_extremes() {
    for i in 0..Op::COUNT {
        for extreme in [i64::MIN, i64::MAX, 0, 1] {
            let op = Op::from_operands(i, |w| {
                Ok(match (extreme, w.signed) {
                    (i64::MIN, true) => -(1 << (8 * w.bytes - 1)),
                    (i64::MIN, false) => 0,
                    (i64::MAX, true) => (1 << (8 * w.bytes - 1)) - 1,
                    (i64::MAX, false) => (1 << (8 * w.bytes)) - 1,
                    (x, _) => x,
                })
            })
            .unwrap();
            assert_eq!(op.index(), i);
            let mut w = Writer(Vec::new());
            w.op(&op);
            let mut r = Reader {
                bytes: &w.0,
                pos: 0,
                max_depth: 1,
            };
            assert_eq!(r.op().unwrap(), op);
            assert_eq!(r.pos, w.0.len(), "{op:?} left bytes unread");
            for cut in 0..w.0.len() {
                let mut r = Reader {
                    bytes: &w.0[..cut],
                    pos: 0,
                    max_depth: 1,
                };
                assert!(r.op().is_err(), "{op:?} cut to {cut} bytes");
            }
        }
    }
    let e = Op::from_operands(Op::COUNT, |_| Ok(0)).unwrap_err();
    assert!(e.contains("unknown instruction"), "{e}");
    let e = Op::from_operands(0, |_| Ok(1 << 40)).unwrap_err();
    assert!(e.contains("out of range"), "{e}");
}
