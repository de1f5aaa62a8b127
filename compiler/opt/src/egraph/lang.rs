//! The e-graph language: Core expressions as egg nodes.
//!
//! The forms the rules are about have their own operators: the binary
//! numeric operators and comparisons, `not`, `if` and `seq` (a two-part
//! `begin`), with integer, float and boolean constants and local variables
//! as leaves. Every other Core form is a [`Node::Shell`]: the form with its
//! subexpressions taken out (kept by the converter, see `convert`), whose
//! children are its subexpressions in evaluation order. Rules look inside
//! shells (their children are ordinary e-classes) but never rewrite one.
//!
//! An operator that can fail (`+` of a string, an overflow) takes a
//! [`Site`] as its first child: the span its error would report. Two
//! additions at different places are then different nodes, so merging
//! e-classes never gives an error another expression's location; rules
//! carry the site through (`(+ ?s ?a 0) => ?a`).
//!
//! Variables are unique per item (lowering numbers every binding, and the
//! inliner renumbers what it copies), so no rule can capture one; a shell
//! is unique per occurrence, so nothing is shared across scopes except
//! constants, which extraction prefers to anything else.

use egg::{Id, define_language};
use std::fmt;
use std::str::FromStr;

define_language! {
    /// See the module docs.
    pub enum Node {
        "+" = Add([Id; 3]),
        "-" = Sub([Id; 3]),
        "*" = Mul([Id; 3]),
        "/" = Div([Id; 3]),
        "=" = NumEq([Id; 3]),
        "<" = Lt([Id; 3]),
        ">" = Gt([Id; 3]),
        "<=" = Le([Id; 3]),
        ">=" = Ge([Id; 3]),
        "not" = Not([Id; 1]),
        "if" = If([Id; 3]),
        "seq" = Seq([Id; 2]),
        Int(i64),
        Float(Float),
        Bool(Bool),
        Var(Var),
        Site(Site),
        Shell(Shell, Vec<Id>),
    }
}

impl Node {
    /// The operator of a binary numeric node, by primitive name.
    pub fn binary(name: &str, c: [Id; 3]) -> Option<Node> {
        Some(match name {
            "+" => Node::Add(c),
            "-" => Node::Sub(c),
            "*" => Node::Mul(c),
            "/" => Node::Div(c),
            "=" => Node::NumEq(c),
            "<" => Node::Lt(c),
            ">" => Node::Gt(c),
            "<=" => Node::Le(c),
            ">=" => Node::Ge(c),
            _ => return None,
        })
    }

    /// The primitive name and children of a binary numeric node.
    pub fn as_binary(&self) -> Option<(&'static str, [Id; 3])> {
        Some(match self {
            Node::Add(c) => ("+", *c),
            Node::Sub(c) => ("-", *c),
            Node::Mul(c) => ("*", *c),
            Node::Div(c) => ("/", *c),
            Node::NumEq(c) => ("=", *c),
            Node::Lt(c) => ("<", *c),
            Node::Gt(c) => (">", *c),
            Node::Le(c) => ("<=", *c),
            Node::Ge(c) => (">=", *c),
            _ => return None,
        })
    }
}

/// A float constant, compared bit for bit (`-0.0` is not `0.0`, a NaN
/// equals itself), written with a `.` or an exponent so that it does not
/// read as an integer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Float(pub u64);

impl Float {
    pub fn new(x: f64) -> Float {
        Float(x.to_bits())
    }

    pub fn get(self) -> f64 {
        f64::from_bits(self.0)
    }
}

impl fmt::Display for Float {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.get())
    }
}

impl FromStr for Float {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        let float_like = s.contains(['.', 'e', 'E']) || s.ends_with("inf") || s == "NaN";
        match s.parse::<f64>() {
            Ok(x) if float_like => Ok(Float::new(x)),
            _ => Err(()),
        }
    }
}

/// A boolean constant: `#t` or `#f`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Bool(pub bool);

impl fmt::Display for Bool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0 { "#t" } else { "#f" })
    }
}

impl FromStr for Bool {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        match s {
            "#t" => Ok(Bool(true)),
            "#f" => Ok(Bool(false)),
            _ => Err(()),
        }
    }
}

/// Writes and reads a number behind a one-character prefix.
macro_rules! prefixed {
    ($(#[$doc:meta])* $name:ident, $prefix:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub u32);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!($prefix, "{}"), self.0)
            }
        }

        impl FromStr for $name {
            type Err = ();
            fn from_str(s: &str) -> Result<Self, ()> {
                s.strip_prefix($prefix)
                    .and_then(|n| n.parse().ok())
                    .map($name)
                    .ok_or(())
            }
        }
    };
}

prefixed!(
    /// A local variable (`v3`: Core's `VarId(3)`).
    Var,
    "v"
);
prefixed!(
    /// Where an operator's error is reported (`@2`: the converter's span
    /// number 2).
    Site,
    "@"
);
prefixed!(
    /// A Core form with its subexpressions taken out (`s5`: the
    /// converter's form number 5).
    Shell,
    "s"
);

#[cfg(test)]
mod tests {
    use super::*;
    use egg::RecExpr;

    #[test]
    fn leaves_read_back_as_what_they_were() {
        let e: RecExpr<Node> = "(if (< @0 v1 2.5) (+ @1 v1 -3) (seq (s4 v2) #f))"
            .parse()
            .unwrap();
        assert_eq!(
            e.to_string(),
            "(if (< @0 v1 2.5) (+ @1 v1 -3) (seq (s4 v2) #f))"
        );
        let leaves: Vec<String> = e
            .as_ref()
            .iter()
            .filter(|n| matches!(n, Node::Int(_) | Node::Float(_) | Node::Bool(_)))
            .map(|n| format!("{n:?}"))
            .collect();
        assert_eq!(leaves.len(), 3, "{leaves:?}");
        assert!("2".parse::<Float>().is_err());
        assert_eq!(
            "-0.0".parse::<Float>().unwrap().get().to_bits(),
            (-0.0f64).to_bits()
        );
    }
}
