//! Heap object layouts.
//!
//! Every object starts with a [`Header`] and is `#[repr(C)]`, so native code
//! can load a pair's `car` at a fixed offset. Variable-sized objects (strings,
//! vectors, closures, tagged values) keep their elements inline after the
//! fixed part, with the count in `Header::len`. Element access goes through
//! the [`Gc`] handle's raw pointer, which carries the provenance of the whole
//! allocation (a `&Vector` would only cover the fixed part).

use super::Gc;
use crate::symbol::Symbol;
use crate::value::Value;
use std::cell::Cell;

/// What kind of object a header belongs to.
#[repr(u8)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Pair = 0,
    Str = 1,
    Vector = 2,
    Closure = 3,
    Cell = 4,
    Tagged = 5,
    Map = 6,
    BigInt = 7,
    Error = 8,
}

/// The first word of every heap object.
#[repr(C)]
pub struct Header {
    pub kind: Kind,
    pub(crate) mark: Cell<bool>,
    pub(crate) _pad: [u8; 2],
    /// Element count of variable-sized objects (bytes for strings).
    pub len: u32,
}

/// A cons cell. Mutable only through `set-car!`-like primitives.
#[repr(C)]
pub struct Pair {
    pub hdr: Header,
    pub car: Cell<Value>,
    pub cdr: Cell<Value>,
}

/// An immutable UTF-8 string; the bytes follow inline.
#[repr(C)]
pub struct Str {
    pub hdr: Header,
    /// The number of chars (so `string-length` is O(1)).
    pub nchars: u64,
}

/// A fixed-length mutable vector; the elements follow inline.
#[repr(C)]
pub struct Vector {
    pub hdr: Header,
}

/// A function with its captured values; the captures follow inline.
/// Captures are `Cell`s because `letrec` closures are patched after
/// creation to refer to each other.
#[repr(C)]
pub struct Closure {
    pub hdr: Header,
    pub func: u32,
    pub _pad: u32,
}

/// A mutable box holding a captured variable that is assigned with `set!`.
#[repr(C)]
pub struct BoxCell {
    pub hdr: Header,
    pub value: Cell<Value>,
}

/// A tagged value such as `(Some 1)`; the fields follow inline.
#[repr(C)]
pub struct Tagged {
    pub hdr: Header,
    pub tag: Symbol,
    pub _pad: u32,
}

/// A persistent hash map.
#[repr(C)]
pub struct MapObj {
    pub hdr: Header,
    pub map: im::HashMap<crate::equal::MapKey, Value>,
}

/// A 64-bit integer outside the inline range.
#[repr(C)]
pub struct BigInt {
    pub hdr: Header,
    pub value: i64,
}

/// An R7RS error object: what `error` raises and what run-time faults become.
#[repr(C)]
pub struct ErrorObj {
    pub hdr: Header,
    pub message: Value,
    pub irritants: Value,
}

/// Objects whose elements follow the fixed part inline.
pub trait Inline {
    type Elem;
}
impl Inline for Str {
    type Elem = u8;
}
impl Inline for Vector {
    type Elem = Cell<Value>;
}
impl Inline for Closure {
    type Elem = Cell<Value>;
}
impl Inline for Tagged {
    type Elem = Value;
}

impl<T: Inline> Gc<T> {
    /// The inline elements.
    pub fn elems(&self) -> &[T::Elem] {
        let len = self.header().len as usize;
        // SAFETY: the allocation was made by `Heap::alloc_inline::<T>` with
        // room for `len` elements right after the fixed part, initialised
        // there, and this pointer carries the provenance of the whole block.
        unsafe {
            let first = (self.0.as_ptr() as *const u8).add(std::mem::size_of::<T>());
            std::slice::from_raw_parts(first as *const T::Elem, len)
        }
    }
}

impl Gc<Str> {
    pub fn as_str(&self) -> &str {
        // SAFETY: strings are only built from `&str` by `Heap::string`.
        unsafe { std::str::from_utf8_unchecked(self.elems()) }
    }
}

impl Gc<Vector> {
    pub fn items(&self) -> &[Cell<Value>] {
        self.elems()
    }
}

impl Gc<Closure> {
    pub fn captures(&self) -> &[Cell<Value>] {
        self.elems()
    }
}

impl Gc<Tagged> {
    pub fn fields(&self) -> &[Value] {
        self.elems()
    }
}

/// Byte offsets native code uses to read objects without calling out.
pub mod layout {
    use super::*;
    use std::mem::{offset_of, size_of};
    pub const KIND: i32 = offset_of!(Header, kind) as i32;
    pub const LEN: i32 = offset_of!(Header, len) as i32;
    pub const PAIR_CAR: i32 = offset_of!(Pair, car) as i32;
    pub const PAIR_CDR: i32 = offset_of!(Pair, cdr) as i32;
    pub const CLOSURE_FUNC: i32 = offset_of!(Closure, func) as i32;
    pub const CLOSURE_CAPTURES: i32 = size_of::<Closure>() as i32;
    pub const CELL_VALUE: i32 = offset_of!(BoxCell, value) as i32;
    pub const TAGGED_TAG: i32 = offset_of!(Tagged, tag) as i32;
    pub const TAGGED_FIELDS: i32 = size_of::<Tagged>() as i32;
    pub const VECTOR_ITEMS: i32 = size_of::<Vector>() as i32;
}
