//! The linker: places position-independent compiled units into one
//! program, resolving global names to slots and unit-local function
//! numbers to program-wide ones, and making spans absolute.
//!
//! The [`Linker`] keeps its global table between calls, so a REPL (and,
//! later, a watcher) can link more units into a running program: a name
//! linked again gets the slot it had.

pub mod graph;
pub mod load;

pub use load::{Disk, Files, Loader, MemoryFiles, Tree};

use fluent_vm::bytecode::{GlobalName, Op, Proto, Unit};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// The Firefox/rustc "Fx" hash: a multiply and a rotate per word. Linking
/// hashes every global reference of every unit; SipHash's protection
/// against chosen keys buys nothing for names the compiler made.
#[derive(Default)]
pub struct FxHasher(u64);

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes(c.try_into().expect("8 bytes")));
        }
        for &b in chunks.remainder() {
            self.add(b as u64);
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(i as u64);
    }

    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

impl FxHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

/// A hash map with [`FxHasher`].
pub type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;
/// A hash set with [`FxHasher`].
pub type FxSet<K> = std::collections::HashSet<K, BuildHasherDefault<FxHasher>>;

/// A unit to place, and where its item is.
pub struct LinkInput<'a> {
    pub unit: &'a Unit,
    /// The image file index of the item's source.
    pub file: u32,
    /// The item's offset in that file (unit spans are item-relative).
    pub offset: u32,
}

/// Newly placed functions and the order their items run in.
#[derive(Debug, Default)]
pub struct Linked {
    /// Functions numbered from the linker's count before this call.
    pub protos: Vec<Proto>,
    /// The function of each item, in the order given.
    pub init: Vec<u32>,
}

/// Global slots and function numbering, kept across link calls.
#[derive(Debug, Default)]
pub struct Linker {
    globals: Vec<GlobalName>,
    slots: FxMap<GlobalName, u32>,
    nprotos: u32,
}

impl Linker {
    pub fn new() -> Linker {
        Linker::default()
    }

    /// Every global slot so far, by slot number.
    pub fn globals(&self) -> &[GlobalName] {
        &self.globals
    }

    /// The slot of `name`, assigning a new one on first sight.
    pub fn slot(&mut self, name: &GlobalName) -> u32 {
        if let Some(&s) = self.slots.get(name) {
            return s;
        }
        let s = self.globals.len() as u32;
        self.globals.push(name.clone());
        self.slots.insert(name.clone(), s);
        s
    }

    /// Places `inputs` after everything linked so far.
    pub fn link(&mut self, inputs: &[LinkInput<'_>]) -> Linked {
        let nprotos: usize = inputs.iter().map(|i| i.unit.protos.len()).sum();
        let nrefs: usize = inputs.iter().map(|i| i.unit.globals.len()).sum();
        let mut out = Linked {
            protos: Vec::with_capacity(nprotos),
            init: Vec::with_capacity(inputs.len()),
        };
        // At most one new slot per reference: no rehashing as it grows.
        self.slots
            .reserve(nrefs.saturating_sub(self.slots.len()) / 2);
        let mut slots = Vec::new();
        for input in inputs {
            let base = self.nprotos;
            slots.clear();
            slots.extend(input.unit.globals.iter().map(|g| self.slot(g)));
            for p in &input.unit.protos {
                out.protos.push(place(p, base, &slots, input));
            }
            self.nprotos += input.unit.protos.len() as u32;
            out.init.push(base);
        }
        out
    }
}

/// A copy of `p` with program-wide numbers and absolute spans.
fn place(p: &Proto, base: u32, slots: &[u32], input: &LinkInput<'_>) -> Proto {
    let mut p = p.clone();
    for op in &mut p.code {
        match op {
            Op::MakeClosure { func, .. } => *func += base,
            Op::GetGlobal { g, .. } | Op::SetGlobal { g, .. } | Op::DefGlobal { g, .. } => {
                *g = slots[*g as usize]
            }
            _ => {}
        }
    }
    let delta = input.offset as i64;
    for s in &mut p.spans {
        *s = s.shift(delta);
    }
    p.span = p.span.shift(delta);
    p.file = input.file;
    p
}

#[cfg(test)]
mod tests {
    use super::*;
    use fluent_syntax::Span;
    use fluent_vm::bytecode::Arity;
    use std::sync::Arc;

    fn gname(n: &str) -> GlobalName {
        GlobalName {
            module: "m".into(),
            name: n.into(),
        }
    }

    fn unit(global: &str) -> Unit {
        let proto = Proto {
            name: Arc::from("<top level>"),
            arity: Arity {
                required: 0,
                rest: false,
            },
            nregs: 1,
            code: vec![
                Op::MakeClosure { dst: 0, func: 1 },
                Op::DefGlobal { src: 0, g: 0 },
            ],
            consts: vec![],
            captures: vec![],
            spans: vec![Span::new(1, 2), Span::new(3, 4)],
            loops: 0,
            file: 0,
            span: Span::new(0, 5),
        };
        let lambda = Proto {
            name: Arc::from("f"),
            ..proto.clone()
        };
        Unit {
            protos: vec![proto, lambda],
            globals: vec![gname(global)],
        }
    }

    #[test]
    fn units_are_renumbered_and_globals_shared() {
        let (a, b) = (unit("x"), unit("x"));
        let mut l = Linker::new();
        let linked = l.link(&[
            LinkInput {
                unit: &a,
                file: 0,
                offset: 0,
            },
            LinkInput {
                unit: &b,
                file: 1,
                offset: 100,
            },
        ]);
        assert_eq!(linked.init, vec![0, 2]);
        assert_eq!(
            linked.protos[2].code[0],
            Op::MakeClosure { dst: 0, func: 3 }
        );
        assert_eq!(linked.protos[2].code[1], Op::DefGlobal { src: 0, g: 0 });
        assert_eq!(linked.protos[2].spans[0], Span::new(101, 102));
        assert_eq!(linked.protos[2].file, 1);
        assert_eq!(l.globals().len(), 1);
        // A later link continues the numbering and keeps slots.
        let c = unit("y");
        let more = l.link(&[LinkInput {
            unit: &c,
            file: 0,
            offset: 0,
        }]);
        assert_eq!(more.init, vec![4]);
        assert_eq!(more.protos[0].code[1], Op::DefGlobal { src: 0, g: 1 });
    }
}
