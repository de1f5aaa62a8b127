//! Interned symbols (also used for keywords and tag names).
//!
//! The interner is process-wide: a symbol is just a name, so every VM in the
//! process can share one table, and any code (printers, `Debug`, error
//! messages) can turn a [`Symbol`] back into text without threading a table
//! through. Symbols are never freed; programs intern a bounded set of names
//! in practice, and `string->symbol` on unbounded input is the only way to
//! grow the table without bound (as in most Lisps).

use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock};

/// An interned name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Symbol(pub u32);

#[derive(Default)]
struct Interner {
    names: Vec<Arc<str>>,
    ids: HashMap<Arc<str>, u32>,
}

fn table() -> &'static RwLock<Interner> {
    static TABLE: OnceLock<RwLock<Interner>> = OnceLock::new();
    TABLE.get_or_init(Default::default)
}

impl Symbol {
    /// The symbol named `name`, interning it on first use.
    pub fn intern(name: &str) -> Symbol {
        if let Some(&id) = table().read().expect("symbol table").ids.get(name) {
            return Symbol(id);
        }
        let mut t = table().write().expect("symbol table");
        if let Some(&id) = t.ids.get(name) {
            return Symbol(id);
        }
        let id = t.names.len() as u32;
        let name: Arc<str> = name.into();
        t.names.push(name.clone());
        t.ids.insert(name, id);
        Symbol(id)
    }

    /// The symbol's name.
    pub fn name(self) -> Arc<str> {
        table().read().expect("symbol table").names[self.0 as usize].clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interning_is_idempotent() {
        let a = Symbol::intern("hello-symbol");
        let b = Symbol::intern("hello-symbol");
        let c = Symbol::intern("other-symbol");
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(&*a.name(), "hello-symbol");
    }
}
