//! A readable listing of compiled functions (`fluent emit --emit bytecode`).

use super::{Const, Proto};
use std::fmt::Write;

/// Disassembles `proto`. `global_name` names global slots.
pub fn disassemble(proto: &Proto, id: usize, global_name: &dyn Fn(u32) -> String) -> String {
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
    for (pc, op) in proto.code.iter().enumerate() {
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
