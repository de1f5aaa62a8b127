//! A readable listing of compiled functions (`fluent emit --emit bytecode`).
//!
//! Inlined code is shown by its inline scopes: a line per scope after the
//! header (the inlined function, where its code is, and the call it
//! replaces), a `-- in ... --` line wherever the code's scope changes, and
//! a note on calls in tail position of their inlined body.

use super::{Const, Proto};
use fluent_syntax::Span;
use std::fmt::Write;

/// Disassembles `proto`. `global_name` names global slots; `locate` shows
/// a file, or a span of it (for inline scopes).
pub fn disassemble(
    proto: &Proto,
    id: usize,
    global_name: &dyn Fn(u32) -> String,
    locate: &dyn Fn(u32, Option<Span>) -> String,
) -> String {
    let mut s = String::new();
    let rest = if proto.arity.rest { " . rest" } else { "" };
    let _ = writeln!(
        s,
        "function #{id} {} (params {}{rest}, registers {}, captures {})",
        proto.name,
        proto.arity.required,
        proto.nregs,
        proto.captures.len()
    );
    for (i, sc) in proto.scopes.iter().enumerate() {
        let parent = sc.parent.map_or(proto.file, |q| {
            proto
                .scopes
                .get(q as usize)
                .map_or(super::NO_FILE, |p| p.file)
        });
        let _ = write!(
            s,
            "  inline #{i} {} (code in {}), called at {}",
            sc.name,
            locate(sc.file, None),
            locate(parent, Some(sc.call))
        );
        if let Some(q) = sc.parent {
            let _ = write!(s, " in #{q}");
        }
        s.push_str(if sc.tail { ", a tail call\n" } else { "\n" });
    }
    let mut runs = proto.scope_runs.iter().peekable();
    for (pc, op) in proto.code.iter().enumerate() {
        if let Some(r) = runs.next_if(|r| r.start as usize == pc) {
            let _ = match r
                .scope
                .and_then(|q| Some((q, proto.scopes.get(q as usize)?)))
            {
                Some((q, sc)) => writeln!(s, "  -- in #{q} {} --", sc.name),
                None => writeln!(s, "  -- in {} --", proto.name),
            };
        }
        let operands: Vec<String> = op
            .operands()
            .iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect();
        let _ = write!(s, "  {pc:4}  {:<12} {:<28}", op.name(), operands.join(" "));
        let note = match *op {
            super::Op::LoadConst { k, .. } => proto.consts.get(k as usize).map(show_const),
            super::Op::GetGlobal { g, .. }
            | super::Op::SetGlobal { g, .. }
            | super::Op::DefGlobal { g, .. } => Some(global_name(g)),
            super::Op::CallPrim { prim, .. } => Some(
                crate::primitives::info(crate::primitives::PrimId(prim))
                    .name
                    .to_string(),
            ),
            _ => None,
        };
        // A call that leaves the inlined body it is in (see `inline.rs`).
        let note = match proto.scope_tail_calls.binary_search(&(pc as u32)) {
            Ok(_) => {
                let leaves = "tail call of this inlined body";
                Some(note.map_or_else(|| leaves.to_string(), |n| format!("{n}, {leaves}")))
            }
            Err(_) => note,
        };
        if let Some(n) = note {
            let _ = write!(s, " ; {n}");
        }
        s.push('\n');
    }
    s
}

fn show_const(c: &Const) -> String {
    match c {
        Const::Int(i) => i.to_string(),
        Const::Float(x) => fluent_syntax::floatfmt::format_float(*x),
        Const::Str(x) => format!("{x:?}"),
        Const::Symbol(x) => format!("'{x}"),
        Const::Keyword(x) => format!(":{x}"),
        Const::Char(c) => fluent_syntax::print::char_name(*c),
        Const::Datum(d) => format!("'{d}"),
        Const::Tag { name, arity } => format!("tag {name}/{arity}"),
        Const::Prim(name) => format!("#%{name}"),
    }
}
