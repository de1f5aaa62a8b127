//! The linker: places position-independent compiled units into one
//! program, resolving global names to slots and unit-local function
//! numbers to program-wide ones, and making spans absolute.
//!
//! The [`Linker`] keeps its global table between calls, so a REPL (and,
//! later, a watcher) can link more units into a running program: a name
//! linked again gets the slot it had.
//!
//! Code inlined from another definition has spans relative to that
//! definition's item, in its module's file (a unit's origins, see
//! `fluent_vm::bytecode`): the linker makes them absolute with the origin's
//! offset and finds the file through the module→file table its caller
//! keeps up to date ([`Linker::set_module_file`], kept between calls like
//! the globals). A module it does not know gives no location (`NO_FILE`)
//! rather than a wrong one.

pub mod graph;
pub mod load;

pub use load::{Disk, Files, Loader, MemoryFiles, Tree};

use fluent_syntax::Span;
use fluent_vm::bytecode::{GlobalName, NO_FILE, Op, Proto, Unit};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

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
    /// The image file holding each module's text, as inlined code from it
    /// is located.
    module_files: FxMap<Arc<str>, u32>,
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

    /// Records that `module`'s current text is image file `file` (inlined
    /// code from it, linked from now on, is located there).
    pub fn set_module_file(&mut self, module: Arc<str>, file: u32) {
        self.module_files.insert(module, file);
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
        let mut files = Vec::new();
        for input in inputs {
            let base = self.nprotos;
            slots.clear();
            slots.extend(input.unit.globals.iter().map(|g| self.slot(g)));
            files.clear();
            files.push(Home {
                file: input.file,
                offset: input.offset,
            });
            files.extend(input.unit.origins.iter().map(|o| Home {
                file: self.module_files.get(&o.module).copied().unwrap_or(NO_FILE),
                offset: o.offset,
            }));
            for p in &input.unit.protos {
                out.protos.push(place(p, base, &slots, &files));
            }
            self.nprotos += input.unit.protos.len() as u32;
            out.init.push(base);
        }
        out
    }
}

/// Where a unit-local file is: its image file and the item's offset.
#[derive(Clone, Copy)]
struct Home {
    file: u32,
    offset: u32,
}

impl Home {
    fn shift(self, s: Span) -> Span {
        s.shift(self.offset as i64)
    }
}

/// A copy of `p` with program-wide numbers and absolute spans. `files`
/// places the unit's files (0: the item's own; see the module docs).
fn place(p: &Proto, base: u32, slots: &[u32], files: &[Home]) -> Proto {
    let home = |k: u32| {
        files.get(k as usize).copied().unwrap_or(Home {
            file: NO_FILE,
            offset: 0,
        })
    };
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
    let own = home(p.file);
    // Each instruction's span is in its scope's file, each call's span in
    // the parent scope's (or the function's own).
    let scope_home: Vec<Home> = p.scopes.iter().map(|s| home(s.file)).collect();
    let at = |scope: Option<u32>| scope.and_then(|s| scope_home.get(s as usize).copied());
    for s in &mut p.scopes {
        s.call = at(s.parent).unwrap_or(own).shift(s.call);
        s.file = home(s.file).file;
    }
    let mut runs = p.scope_runs.iter().peekable();
    let mut h = own;
    for (pc, s) in p.spans.iter_mut().enumerate() {
        while let Some(r) = runs.next_if(|r| r.start as usize <= pc) {
            h = at(r.scope).unwrap_or(own);
        }
        *s = h.shift(*s);
    }
    p.span = own.shift(p.span);
    p.file = own.file;
    p
}

#[cfg(test)]
mod tests {
    use super::*;
    use fluent_vm::bytecode::{Arity, InlineScope, Origin, ScopeRun};

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
            scopes: vec![],
            scope_runs: vec![],
            scope_tail_calls: vec![],
        };
        let lambda = Proto {
            name: Arc::from("f"),
            ..proto.clone()
        };
        Unit {
            protos: vec![proto, lambda],
            globals: vec![gname(global)],
            origins: vec![],
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

    #[test]
    fn inlined_code_is_placed_in_its_origins_file() {
        // The item's code at 0, code of `m.g` (item at 50 of m's file)
        // from pc 1, and of `n.h` (at 7 in n's file) inlined into it from
        // pc 2; a lambda written in g's code; n is a module the linker does
        // not know.
        let mut u = unit("x");
        let scope = |parent, name: &str, file, call| InlineScope {
            parent,
            name: name.into(),
            file,
            call: Span::new(call, call + 1),
            tail: false,
        };
        let top = &mut u.protos[0];
        top.code.insert(1, Op::Return { src: 0 });
        top.code.insert(1, Op::Return { src: 0 });
        top.spans = vec![
            Span::new(1, 2),
            Span::new(3, 4),
            Span::new(5, 6),
            Span::new(7, 8),
        ];
        top.scopes = vec![scope(None, "g", 1, 20), scope(Some(0), "h", 2, 30)];
        top.scope_runs = vec![
            ScopeRun {
                start: 1,
                scope: Some(0),
            },
            ScopeRun {
                start: 2,
                scope: Some(1),
            },
            ScopeRun {
                start: 3,
                scope: None,
            },
        ];
        u.protos[1].file = 1;
        u.origins = vec![
            Origin {
                module: "m".into(),
                offset: 50,
            },
            Origin {
                module: "n".into(),
                offset: 7,
            },
        ];
        let mut l = Linker::new();
        l.set_module_file("m".into(), 4);
        let linked = l.link(&[LinkInput {
            unit: &u,
            file: 2,
            offset: 100,
        }]);
        let top = &linked.protos[0];
        let starts: Vec<u32> = top.spans.iter().map(|s| s.start).collect();
        assert_eq!(starts, [101, 53, 12, 107]);
        assert_eq!(
            (top.file, top.scopes[0].file, top.scopes[1].file),
            (2, 4, NO_FILE)
        );
        // Calls are in the parent's coordinates: g's in the item's, h's in g's.
        assert_eq!(top.scopes[0].call.start, 120);
        assert_eq!(top.scopes[1].call.start, 80);
        let lambda = &linked.protos[1];
        assert_eq!(
            (lambda.file, lambda.spans[0].start, lambda.span.start),
            (4, 51, 50)
        );
    }
}
