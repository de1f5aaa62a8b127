//! The garbage-collected heap: allocation and a non-moving mark-sweep
//! collector.
//!
//! # The safepoint invariant
//! Collection runs only when the VM calls [`Heap::collect`] at a safepoint
//! (a call, a loop back-edge, or after an allocating instruction), with
//! every live value reachable from the roots it passes (frame registers,
//! globals, constants, handler stacks). Allocation itself never collects.
//! So Rust code between safepoints (a primitive, the reader of a constant)
//! may hold [`Value`]s and [`Gc`] handles in locals freely: nothing can be
//! freed under it. Primitives never call back into Fluent code, which keeps
//! this true.
//!
//! Marking uses an explicit stack, so 1,000,000-deep data is fine. Objects
//! hold no Rust drop glue except maps, so freeing never recurses either.

mod object;

pub use object::*;

use crate::value::Value;
use std::alloc::{Layout, alloc, dealloc};
use std::marker::PhantomData;
use std::ptr::NonNull;

/// A typed handle to a live heap object. Valid until the next collection
/// that does not find it from the roots (see the module docs).
pub struct Gc<T>(NonNull<T>, PhantomData<T>);

impl<T> Clone for Gc<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Gc<T> {}

impl<T> Gc<T> {
    fn header(&self) -> &Header {
        // SAFETY: every object starts with a `Header` (all are `repr(C)`).
        unsafe { &*(self.0.as_ptr() as *const Header) }
    }

    /// The handle as a value.
    pub fn value(self) -> Value {
        Value::from_ptr(self.0.as_ptr() as *const Header)
    }
}

impl<T> std::ops::Deref for Gc<T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the handle points at a live, initialised `T` (module docs).
        unsafe { self.0.as_ref() }
    }
}

/// Objects with a fixed kind, for typed downcasts.
pub trait Object {
    const KIND: Kind;
}
macro_rules! object_kinds {
    ($($t:ty => $k:ident),* $(,)?) => {
        $(impl Object for $t { const KIND: Kind = Kind::$k; })*
    };
}
object_kinds!(
    Pair => Pair, Str => Str, Vector => Vector, Closure => Closure, BoxCell => Cell,
    Tagged => Tagged, MapObj => Map, BigInt => BigInt, ErrorObj => Error,
);

impl Value {
    /// The kind of heap object this points to, if it is a pointer.
    #[inline]
    pub fn kind(self) -> Option<Kind> {
        if self.is_ptr() {
            // SAFETY: pointer values only come from `Heap` allocations, and
            // live values are never freed (module docs).
            Some(unsafe { (*self.as_ptr()).kind })
        } else {
            None
        }
    }

    /// A typed handle if this value is an object of kind `T`.
    #[inline]
    pub fn get<T: Object>(self) -> Option<Gc<T>> {
        if self.kind() == Some(T::KIND) {
            Some(Gc(
                NonNull::new(self.as_ptr() as *mut T).expect("null heap pointer"),
                PhantomData,
            ))
        } else {
            None
        }
    }

    pub fn as_pair(self) -> Option<Gc<Pair>> {
        self.get()
    }
    pub fn as_str(self) -> Option<Gc<Str>> {
        self.get()
    }
    pub fn as_vector(self) -> Option<Gc<Vector>> {
        self.get()
    }
    pub fn as_closure(self) -> Option<Gc<Closure>> {
        self.get()
    }

    /// Any integer, inline or boxed.
    #[inline]
    pub fn as_i64(self) -> Option<i64> {
        if self.is_int() {
            Some(self.as_int_unchecked())
        } else {
            self.get::<BigInt>().map(|b| b.value)
        }
    }

    pub fn is_integer(self) -> bool {
        self.is_int() || self.kind() == Some(Kind::BigInt)
    }

    pub fn is_number(self) -> bool {
        self.is_float() || self.is_integer()
    }

    pub fn is_procedure(self) -> bool {
        self.as_prim().is_some() || self.kind() == Some(Kind::Closure)
    }
}

/// Collector tuning.
#[derive(Clone, Debug)]
pub struct GcConfig {
    /// Collect when this many bytes were allocated since the last
    /// collection (grows with the live heap, see `Heap::collect`).
    pub initial_threshold: usize,
    /// Stress mode (`FLUENT_GC_STRESS=1`), to flush out missing roots:
    /// collect at every safepoint that follows an allocation while the
    /// heap is small, and once the heap holds more than a few thousand
    /// objects, after every 1/64 of the live objects is allocated again.
    /// (Collecting after literally every allocation makes a program with a
    /// million live objects quadratic: hours, not seconds.)
    pub stress: bool,
}

impl Default for GcConfig {
    fn default() -> Self {
        GcConfig {
            initial_threshold: 8 << 20,
            stress: std::env::var_os("FLUENT_GC_STRESS").is_some_and(|v| v != "0"),
        }
    }
}

/// Counters shown by `--stats`.
#[derive(Clone, Debug, Default)]
pub struct GcStats {
    pub collections: u64,
    pub allocated_bytes: u64,
    pub freed_objects: u64,
}

/// The heap: every object, and when to collect.
pub struct Heap {
    objects: Vec<NonNull<Header>>,
    allocated_since_gc: usize,
    threshold: usize,
    live_bytes: usize,
    config: GcConfig,
    /// Allocations since the last collection, in stress mode.
    stress_allocs: usize,
    /// Freed small objects by size class, reused before asking the system
    /// allocator (sweeping pushes, allocation pops: a few instructions
    /// instead of a `malloc`/`free` pair per short-lived pair or number).
    free: [Vec<NonNull<u8>>; SMALL_MAX / CLASS],
    pub stats: GcStats,
}

/// Collects the roots during [`Heap::collect`].
pub struct Marker {
    stack: Vec<Value>,
}

impl Marker {
    /// Marks `v` (and, later, what it refers to) as live.
    #[inline]
    pub fn mark(&mut self, v: Value) {
        if v.is_ptr() {
            self.stack.push(v);
        }
    }

    pub fn mark_all(&mut self, vs: &[Value]) {
        for &v in vs {
            self.mark(v);
        }
    }
}

fn layout_of(kind: Kind, len: u32) -> Layout {
    let n = len as usize;
    let size = match kind {
        Kind::Pair => size_of::<Pair>(),
        Kind::Str => size_of::<Str>() + n,
        Kind::Vector => size_of::<Vector>() + n * 8,
        Kind::Closure => size_of::<Closure>() + n * 8,
        Kind::Cell => size_of::<BoxCell>(),
        Kind::Tagged => size_of::<Tagged>() + n * 8,
        Kind::Map => size_of::<MapObj>(),
        Kind::BigInt => size_of::<BigInt>(),
        Kind::Error => size_of::<ErrorObj>(),
    };
    // Small objects come in size classes (see `Heap::free`).
    let size = if size <= SMALL_MAX {
        size.max(1).next_multiple_of(CLASS)
    } else {
        size
    };
    Layout::from_size_align(size, 8).expect("object layout")
}

/// Objects of at most this many bytes are recycled through free lists.
const SMALL_MAX: usize = 64;
/// The size classes' step: 16, 32, 48, 64 bytes.
const CLASS: usize = 16;

/// The free list of a small layout.
#[inline(always)]
fn class_of(layout: Layout) -> Option<usize> {
    (layout.size() <= SMALL_MAX).then(|| layout.size() / CLASS - 1)
}

impl Default for Heap {
    fn default() -> Self {
        Heap::new(GcConfig::default())
    }
}

impl Heap {
    pub fn new(config: GcConfig) -> Heap {
        Heap {
            objects: Vec::new(),
            allocated_since_gc: 0,
            threshold: config.initial_threshold,
            live_bytes: 0,
            config,
            stress_allocs: 0,
            free: Default::default(),
            stats: GcStats::default(),
        }
    }

    /// Whether the VM should call [`Heap::collect`] at this safepoint.
    #[inline(always)]
    pub fn wants_collection(&self) -> bool {
        self.allocated_since_gc > self.threshold
    }

    /// Allocates an object of `kind` with `len` inline elements and writes
    /// its fixed part with `init`. `T` must be the struct of `kind`.
    fn alloc_obj<T: Object>(&mut self, len: u32, init: T) -> Gc<T> {
        let layout = layout_of(T::KIND, len);
        let recycled = class_of(layout).and_then(|c| self.free[c].pop());
        let p = match recycled {
            Some(p) => p.cast::<T>(),
            None => {
                // SAFETY: the layout is non-zero-sized; `T` fits in it
                // because `layout_of` starts from `size_of::<T>()`.
                let p = unsafe { alloc(layout) } as *mut T;
                let Some(p) = NonNull::new(p) else {
                    std::alloc::handle_alloc_error(layout)
                };
                p
            }
        };
        // SAFETY: fresh allocation of the right size and alignment.
        unsafe { p.as_ptr().write(init) };
        self.objects.push(p.cast());
        self.allocated_since_gc += layout.size();
        self.stats.allocated_bytes += layout.size() as u64;
        if self.config.stress {
            self.stress_allocs += 1;
            if self.stress_allocs >= self.objects.len() / 64 {
                self.allocated_since_gc = self.threshold + 1;
            }
        }
        Gc(p, PhantomData)
    }

    /// Allocates an object whose inline elements are copied from `elems`.
    fn alloc_inline<T: Object + Inline>(&mut self, init: T, elems: &[T::Elem]) -> Gc<T>
    where
        T::Elem: Copy,
    {
        let len = u32::try_from(elems.len()).expect("object too large");
        let g = self.alloc_obj(len, init);
        // SAFETY: `alloc_obj` reserved `len` elements after the fixed part.
        unsafe {
            let first = (g.0.as_ptr() as *mut u8).add(size_of::<T>()) as *mut T::Elem;
            std::ptr::copy_nonoverlapping(elems.as_ptr(), first, elems.len());
            (*(g.0.as_ptr() as *mut Header)).len = len;
        }
        g
    }

    fn header(kind: Kind, len: u32) -> Header {
        Header {
            kind,
            mark: std::cell::Cell::new(false),
            _pad: [0; 2],
            len,
        }
    }

    pub fn cons(&mut self, car: Value, cdr: Value) -> Value {
        let hdr = Heap::header(Kind::Pair, 0);
        self.alloc_obj(
            0,
            Pair {
                hdr,
                car: car.into(),
                cdr: cdr.into(),
            },
        )
        .value()
    }

    /// A proper list of `items`.
    pub fn list(&mut self, items: &[Value]) -> Value {
        self.list_with_tail(items, Value::NIL)
    }

    /// `(items ... . tail)`.
    pub fn list_with_tail(&mut self, items: &[Value], tail: Value) -> Value {
        items.iter().rev().fold(tail, |acc, &x| self.cons(x, acc))
    }

    pub fn string(&mut self, s: &str) -> Value {
        let init = Str {
            hdr: Heap::header(Kind::Str, 0),
            nchars: s.chars().count() as u64,
        };
        self.alloc_inline(init, s.as_bytes()).value()
    }

    pub fn vector(&mut self, items: &[Value]) -> Value {
        let cells: Vec<std::cell::Cell<Value>> = items.iter().map(|&v| v.into()).collect();
        // `Cell<Value>` is `repr(transparent)` but not `Copy`; copy the bits.
        let init = Vector {
            hdr: Heap::header(Kind::Vector, 0),
        };
        let len = u32::try_from(items.len()).expect("vector too large");
        let g = self.alloc_obj(len, init);
        // SAFETY: room for `len` cells after the fixed part.
        unsafe {
            let first = (g.0.as_ptr() as *mut u8).add(size_of::<Vector>()) as *mut Value;
            std::ptr::copy_nonoverlapping(cells.as_ptr() as *const Value, first, cells.len());
            (*(g.0.as_ptr() as *mut Header)).len = len;
        }
        g.value()
    }

    pub fn closure(&mut self, func: u32, captures: &[Value]) -> Value {
        let init = Closure {
            hdr: Heap::header(Kind::Closure, 0),
            func,
            _pad: 0,
        };
        let len = u32::try_from(captures.len()).expect("closure too large");
        let g = self.alloc_obj(len, init);
        // SAFETY: room for `len` captures after the fixed part.
        unsafe {
            let first = (g.0.as_ptr() as *mut u8).add(size_of::<Closure>()) as *mut Value;
            std::ptr::copy_nonoverlapping(captures.as_ptr(), first, captures.len());
            (*(g.0.as_ptr() as *mut Header)).len = len;
        }
        g.value()
    }

    pub fn box_cell(&mut self, v: Value) -> Value {
        let hdr = Heap::header(Kind::Cell, 0);
        self.alloc_obj(
            0,
            BoxCell {
                hdr,
                value: v.into(),
            },
        )
        .value()
    }

    pub fn tagged(&mut self, tag: crate::symbol::Symbol, fields: &[Value]) -> Value {
        let init = Tagged {
            hdr: Heap::header(Kind::Tagged, 0),
            tag,
            _pad: 0,
        };
        self.alloc_inline(init, fields).value()
    }

    pub fn map(&mut self, map: im::HashMap<crate::equal::MapKey, Value>) -> Value {
        let hdr = Heap::header(Kind::Map, 0);
        self.alloc_obj(0, MapObj { hdr, map }).value()
    }

    /// An integer, boxed when it does not fit inline.
    #[inline(always)]
    pub fn int(&mut self, i: i64) -> Value {
        match Value::try_int(i) {
            Some(v) => v,
            None => self.big_int(i),
        }
    }

    #[cold]
    fn big_int(&mut self, i: i64) -> Value {
        let hdr = Heap::header(Kind::BigInt, 0);
        self.alloc_obj(0, BigInt { hdr, value: i }).value()
    }

    pub fn error_obj(&mut self, message: Value, irritants: Value) -> Value {
        let hdr = Heap::header(Kind::Error, 0);
        self.alloc_obj(
            0,
            ErrorObj {
                hdr,
                message,
                irritants,
            },
        )
        .value()
    }

    /// Marks everything reachable from the roots `mark_roots` reports and
    /// frees the rest. Call only at a safepoint (module docs).
    pub fn collect(&mut self, mark_roots: impl FnOnce(&mut Marker)) {
        let mut marker = Marker {
            stack: Vec::with_capacity(256),
        };
        mark_roots(&mut marker);
        while let Some(v) = marker.stack.pop() {
            trace(v, &mut marker);
        }
        let mut live = 0usize;
        let mut freed = 0u64;
        let free = &mut self.free;
        self.objects.retain(|&p| {
            // SAFETY: every entry is a live allocation made by `alloc_obj`.
            unsafe {
                let h = p.as_ptr();
                let layout = layout_of((*h).kind, (*h).len);
                if (*h).mark.get() {
                    (*h).mark.set(false);
                    live += layout.size();
                    true
                } else {
                    if (*h).kind == Kind::Map {
                        std::ptr::drop_in_place(&mut (*(h as *mut MapObj)).map);
                    }
                    match class_of(layout) {
                        Some(c) => free[c].push(p.cast()),
                        None => dealloc(h as *mut u8, layout),
                    }
                    freed += 1;
                    false
                }
            }
        });
        self.live_bytes = live;
        self.allocated_since_gc = 0;
        self.stress_allocs = 0;
        self.threshold = self.config.initial_threshold.max(live);
        self.stats.collections += 1;
        self.stats.freed_objects += freed;
    }

    /// Bytes in objects that survived the last collection.
    pub fn live_bytes(&self) -> usize {
        self.live_bytes
    }

    pub fn object_count(&self) -> usize {
        self.objects.len()
    }
}

/// Marks `v` and pushes its children.
fn trace(v: Value, m: &mut Marker) {
    // SAFETY: `v` is a pointer value reachable from the roots, so it is a
    // live allocation (module docs).
    let h = unsafe { &*v.as_ptr() };
    if h.mark.get() {
        return;
    }
    h.mark.set(true);
    match h.kind {
        Kind::Pair => {
            let p = v.as_pair().expect("pair");
            m.mark(p.car.get());
            m.mark(p.cdr.get());
        }
        Kind::Vector => v
            .as_vector()
            .expect("vector")
            .items()
            .iter()
            .for_each(|c| m.mark(c.get())),
        Kind::Closure => v
            .as_closure()
            .expect("closure")
            .captures()
            .iter()
            .for_each(|c| m.mark(c.get())),
        Kind::Cell => m.mark(v.get::<BoxCell>().expect("cell").value.get()),
        Kind::Tagged => m.mark_all(v.get::<Tagged>().expect("tagged").fields()),
        Kind::Map => {
            for (k, x) in v.get::<MapObj>().expect("map").map.iter() {
                m.mark(k.0);
                m.mark(*x);
            }
        }
        Kind::Error => {
            let e = v.get::<ErrorObj>().expect("error");
            m.mark(e.message);
            m.mark(e.irritants);
        }
        Kind::Str | Kind::BigInt => {}
    }
}

impl Drop for Heap {
    fn drop(&mut self) {
        self.collect(|_| {});
        for (c, list) in self.free.iter_mut().enumerate() {
            let layout = Layout::from_size_align((c + 1) * CLASS, 8).expect("class layout");
            for p in list.drain(..) {
                // SAFETY: allocated by `alloc_obj` with this class's layout,
                // and no longer in `objects`.
                unsafe { dealloc(p.as_ptr(), layout) };
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn heap() -> Heap {
        Heap::new(GcConfig {
            initial_threshold: 1 << 20,
            stress: false,
        })
    }

    #[test]
    fn unreachable_objects_are_freed_and_reachable_ones_kept() {
        let mut h = heap();
        let keep = h.list(&[Value::int_unchecked(1), Value::int_unchecked(2)]);
        for i in 0..100 {
            h.cons(Value::int_unchecked(i), Value::NIL);
        }
        assert_eq!(h.object_count(), 102);
        h.collect(|m| m.mark(keep));
        assert_eq!(h.object_count(), 2);
        let p = keep.as_pair().unwrap();
        assert_eq!(p.car.get().as_int(), Some(1));
    }

    #[test]
    fn cycles_are_collected() {
        let mut h = heap();
        let a = h.cons(Value::NIL, Value::NIL);
        let b = h.cons(a, a);
        a.as_pair().unwrap().cdr.set(b);
        h.collect(|_| {});
        assert_eq!(h.object_count(), 0);
    }

    #[test]
    fn marking_a_million_deep_list_does_not_overflow() {
        let mut h = heap();
        let mut v = Value::NIL;
        for _ in 0..1_000_000 {
            v = h.cons(v, Value::NIL); // nested in the car direction
        }
        h.collect(|m| m.mark(v));
        assert_eq!(h.object_count(), 1_000_000);
    }

    #[test]
    fn inline_objects_hold_their_elements() {
        let mut h = heap();
        let s = h.string("héllo");
        let s = s.as_str().unwrap();
        assert_eq!(s.as_str(), "héllo");
        assert_eq!(s.nchars, 5);
        let v = h.vector(&[Value::TRUE, Value::FALSE, Value::NIL]);
        let vg = v.as_vector().unwrap();
        assert_eq!(vg.items().len(), 3);
        vg.items()[1].set(Value::int_unchecked(9));
        assert_eq!(vg.items()[1].get().as_int(), Some(9));
        let c = h.closure(7, &[v]);
        let cg = c.as_closure().unwrap();
        assert_eq!(cg.func, 7);
        assert_eq!(cg.captures()[0].get(), v);
        h.collect(|m| m.mark(c));
        assert_eq!(h.object_count(), 2, "the closure keeps the vector alive");
    }

    #[test]
    fn big_ints_are_boxed() {
        let mut h = heap();
        let v = h.int(i64::MAX);
        assert!(v.is_ptr());
        assert_eq!(v.as_i64(), Some(i64::MAX));
        assert_eq!(h.int(5).as_i64(), Some(5));
    }
}
