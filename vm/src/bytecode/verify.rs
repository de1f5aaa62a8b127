//! Checking that compiled code stays within its function's registers,
//! constants, captures and code, and within the program's globals and
//! functions. The interpreter relies on it to index without bounds checks,
//! so a buggy compiler or a corrupt image is an error at load, never memory
//! unsafety while running. Inline scope tables are checked too (the
//! backtrace walk relies on parents coming first).

use super::{CaptureSrc, Const, Op, Proto};
use crate::primitives::{self, PrimId};

/// Checks every function of a program with `nglobals` global slots.
/// `protos` are all functions (earlier ones already loaded included);
/// only `protos[first..]` are checked.
pub fn verify(protos: &[Proto], first: usize, nglobals: usize) -> Result<(), String> {
    for (i, p) in protos.iter().enumerate().skip(first) {
        check_proto(p, protos, nglobals)
            .map_err(|e| format!("invalid bytecode in function #{i} {}: {e}", p.name))?;
    }
    Ok(())
}

fn check_proto(p: &Proto, protos: &[Proto], nglobals: usize) -> Result<(), String> {
    let n = p.nregs as usize;
    let len = p.code.len();
    let reg = |r: u16| {
        if (r as usize) < n {
            Ok(())
        } else {
            Err(format!("register {r} out of {n}"))
        }
    };
    let window = |base: u16, count: usize| {
        if base as usize + count <= n {
            Ok(())
        } else {
            Err(format!("registers {base}+{count} out of {n}"))
        }
    };
    let konst = |k: usize| {
        p.consts
            .get(k)
            .ok_or_else(|| format!("constant {k} out of {}", p.consts.len()))
    };
    let target = |t: u32| {
        if (t as usize) < len {
            Ok(())
        } else {
            Err(format!("jump to {t} out of {len}"))
        }
    };
    let global = |g: u32| {
        if (g as usize) < nglobals {
            Ok(())
        } else {
            Err(format!("global {g} out of {nglobals}"))
        }
    };
    let tag = |k: u16, arity: Option<u16>| match konst(k as usize)? {
        Const::Tag { arity: a, .. } if arity.is_none_or(|x| x == *a) => Ok(()),
        _ => Err(format!("constant {k} is not a tag of the right arity")),
    };
    if p.spans.len() != len {
        return Err("spans and code differ in length".into());
    }
    super::inline::check(p)?;
    if (p.arity.required as usize + p.arity.rest as usize) > n {
        return Err("parameters exceed registers".into());
    }
    match p.code.last() {
        Some(
            Op::Return { .. }
            | Op::TailCall { .. }
            | Op::Jump { .. }
            | Op::Loop { .. }
            | Op::NoMatch { .. },
        ) => {}
        _ => return Err("code can run past its end".into()),
    }
    for op in &p.code {
        match *op {
            Op::LoadConst { dst, k } => {
                reg(dst)?;
                konst(k as usize)?;
            }
            Op::LoadInt { dst, .. } => reg(dst)?,
            Op::LoadImm { dst, imm } => {
                reg(dst)?;
                if imm as usize >= super::Imm::VALUES.len() {
                    return Err(format!("immediate {imm}"));
                }
            }
            Op::GetGlobal { dst: r, g }
            | Op::SetGlobal { src: r, g }
            | Op::DefGlobal { src: r, g } => {
                reg(r)?;
                global(g)?;
            }
            Op::GetUpval { dst, idx } => {
                reg(dst)?;
                if idx as usize >= p.captures.len() {
                    return Err(format!("capture {idx} out of {}", p.captures.len()));
                }
            }
            Op::MakeClosure { dst, func } => {
                reg(dst)?;
                let callee = protos
                    .get(func as usize)
                    .ok_or_else(|| format!("function {func} does not exist"))?;
                for c in &callee.captures {
                    match *c {
                        CaptureSrc::Local(r) => reg(r)?,
                        CaptureSrc::Upval(i) if (i as usize) < p.captures.len() => {}
                        CaptureSrc::Upval(i) => {
                            return Err(format!("captured capture {i} out of range"));
                        }
                    }
                }
            }
            Op::Move { dst: a, src: b }
            | Op::MakeBox { dst: a, src: b }
            | Op::BoxGet { dst: a, src: b }
            | Op::BoxSet { cell: a, src: b }
            | Op::AddImm { dst: a, a: b, .. }
            | Op::SubImm { dst: a, a: b, .. }
            | Op::Not { dst: a, src: b }
            | Op::Car { dst: a, src: b }
            | Op::Cdr { dst: a, src: b }
            | Op::IsNull { dst: a, src: b }
            | Op::IsPair { dst: a, src: b }
            | Op::TagField { dst: a, src: b, .. }
            | Op::VecLenIs { dst: a, src: b, .. }
            | Op::VecRefK { dst: a, src: b, .. }
            | Op::PatchCapture { clo: a, src: b, .. } => {
                reg(a)?;
                reg(b)?;
            }
            Op::Add { dst, a, b }
            | Op::Sub { dst, a, b }
            | Op::Mul { dst, a, b }
            | Op::Quotient { dst, a, b }
            | Op::Remainder { dst, a, b }
            | Op::Modulo { dst, a, b }
            | Op::Lt { dst, a, b }
            | Op::Le { dst, a, b }
            | Op::Gt { dst, a, b }
            | Op::Ge { dst, a, b }
            | Op::NumEq { dst, a, b }
            | Op::Eq { dst, a, b }
            | Op::Cons { dst, a, b } => {
                reg(dst)?;
                reg(a)?;
                reg(b)?;
            }
            Op::Jump { to } => target(to)?,
            Op::JumpIfFalse { cond, to } | Op::JumpIfTrue { cond, to } => {
                reg(cond)?;
                target(to)?;
            }
            Op::Loop { counter, to } => {
                target(to)?;
                if counter >= p.loops {
                    return Err(format!("loop counter {counter} out of {}", p.loops));
                }
            }
            Op::Call { base, argc } | Op::TailCall { base, argc } => {
                window(base, argc as usize + 1)?
            }
            Op::CallPrim { base, argc, prim } => {
                window(base, (argc as usize).max(1))?;
                let info = primitives::TABLE
                    .get(prim as usize)
                    .ok_or_else(|| format!("primitive {prim}"))?;
                if !primitives::info(PrimId(prim)).accepts(argc as usize) {
                    return Err(format!("{} called with {argc} arguments", info.name));
                }
            }
            Op::Return { src } | Op::NoMatch { src } => reg(src)?,
            Op::MakeTagged { base, argc, k } => {
                window(base, (argc as usize).max(1))?;
                tag(k, Some(argc))?;
            }
            Op::TagIs { dst, src, k } => {
                reg(dst)?;
                reg(src)?;
                tag(k, None)?;
            }
            Op::PushCatch { dst, to } => {
                reg(dst)?;
                target(to)?;
            }
            Op::PopCatch {} => {}
        }
    }
    Ok(())
}
