//! S-expressions: programs as trees, so that they can be shrunk.

use super::*;

// ---------------------------------------------------------------------
// S-expressions: programs as trees, so that they can be shrunk
// ---------------------------------------------------------------------

#[derive(Clone, Debug, PartialEq)]
pub(super) enum Sx {
    Atom(String),
    List(Vec<Sx>),
}

pub(super) fn a(s: impl Into<String>) -> Sx {
    Sx::Atom(s.into())
}

pub(super) fn l<const N: usize>(items: [Sx; N]) -> Sx {
    Sx::List(items.into())
}

pub(super) fn lv(items: Vec<Sx>) -> Sx {
    Sx::List(items)
}

impl fmt::Display for Sx {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Sx::Atom(s) => f.write_str(s),
            Sx::List(xs) => {
                f.write_str("(")?;
                for (i, x) in xs.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" ")?;
                    }
                    write!(f, "{x}")?;
                }
                f.write_str(")")
            }
        }
    }
}

impl Sx {
    pub(super) fn nodes(&self) -> usize {
        match self {
            Sx::Atom(_) => 1,
            Sx::List(xs) => 1 + xs.iter().map(Sx::nodes).sum::<usize>(),
        }
    }

    pub(super) fn at(&self, path: &[usize]) -> Option<&Sx> {
        match path.split_first() {
            None => Some(self),
            Some((&i, rest)) => match self {
                Sx::List(xs) => xs.get(i)?.at(rest),
                Sx::Atom(_) => None,
            },
        }
    }

    pub(super) fn at_mut(&mut self, path: &[usize]) -> Option<&mut Sx> {
        match path.split_first() {
            None => Some(self),
            Some((&i, rest)) => match self {
                Sx::List(xs) => xs.get_mut(i)?.at_mut(rest),
                Sx::Atom(_) => None,
            },
        }
    }

    /// The paths of every node, parents before children.
    pub(super) fn paths(&self, prefix: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
        out.push(prefix.clone());
        if let Sx::List(xs) = self {
            for (i, x) in xs.iter().enumerate() {
                prefix.push(i);
                x.paths(prefix, out);
                prefix.pop();
            }
        }
    }
}

pub(super) fn program_text(forms: &[Sx]) -> String {
    let mut s = String::new();
    for f in forms {
        let _ = writeln!(s, "{f}");
    }
    s
}
