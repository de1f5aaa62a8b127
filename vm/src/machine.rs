//! The machine state the interpreter and native code share: the register
//! stack, the frame stack, and the fields native code reads at fixed
//! offsets (`#[repr(C)]`).
//!
//! Both stacks are allocated once, at their full capacity, and never move:
//! native frames keep raw pointers into the register stack across calls.
//! Only the pages actually used are committed by the operating system, so a
//! capacity of millions of frames costs address space, not memory.
//!
//! Registers in `[stack, high_water)` always hold valid values: growing the
//! high-water mark fills the new part with `()` first. That is what lets
//! the collector scan every register below the running frame's top without
//! knowing which ones a frame has written yet.

use crate::value::Value;
use std::alloc::{Layout, alloc, dealloc};

/// An activation record.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct Frame {
    /// The function's id.
    pub func: u32,
    /// The next instruction (saved when the frame calls out or raises).
    pub pc: u32,
    /// Index of register 0 in the register stack; `stack[base - 1]` holds
    /// the running closure and receives the return value.
    pub base: u32,
}

/// Status codes returned by native functions and the helpers they call.
pub mod status {
    /// Finished; the result is in the callee slot.
    pub const OK: i64 = 0;
    /// A raise is unwinding (see `Machine::unwind_depth`).
    pub const UNWIND: i64 = 1;
    /// The callee and arguments are in place: tail-call
    /// `Machine::pending_entry` with `Machine::pending_argc` arguments.
    pub const TAILCALL: i64 = 2;
}

/// The shared state. Field order is ABI: native code reads these at the
/// offsets in [`offsets`].
#[repr(C)]
pub struct Machine {
    /// The VM that owns this machine (set on every entry to native code).
    pub vm: *mut crate::interp::Vm,
    /// Register 0 of the whole stack.
    pub stack: *mut Value,
    /// One past the highest register ever initialised.
    pub high_water: *mut Value,
    /// One past the last register of the capacity.
    pub stack_end: *mut Value,
    pub frames: *mut Frame,
    /// The number of frames.
    pub depth: u64,
    /// The frame capacity (the configured depth limit).
    pub max_depth: u64,
    /// The global slots (refreshed whenever they move).
    pub globals: *mut Value,
    /// Native entry of each function (its code, or the interpreter adapter).
    pub func_table: *const *const u8,
    /// Nonzero when the collector wants to run at the next safepoint.
    pub gc_pending: u64,
    /// Native code below this stack pointer reports "stack overflow".
    pub sp_limit: u64,
    /// For `status::TAILCALL`: where to go, and with how many arguments.
    pub pending_entry: *const u8,
    pub pending_argc: u64,
    /// While unwinding: the depth of the frame whose `try` catches.
    pub unwind_depth: u64,
    /// Calls and loop iterations left (`VmConfig::fuel`).
    pub fuel: u64,
    /// Each function's accepted argument counts, `min | max << 32` (`max`
    /// is `u32::MAX` with rest arguments): native tail calls check them
    /// before they drop the calling frame.
    pub arity_table: *const u64,
}

/// Byte offsets of the fields native code uses.
pub mod offsets {
    use super::Machine;
    use std::mem::offset_of;
    pub const STACK: i32 = offset_of!(Machine, stack) as i32;
    pub const HIGH_WATER: i32 = offset_of!(Machine, high_water) as i32;
    pub const FRAMES: i32 = offset_of!(Machine, frames) as i32;
    pub const DEPTH: i32 = offset_of!(Machine, depth) as i32;
    pub const MAX_DEPTH: i32 = offset_of!(Machine, max_depth) as i32;
    pub const GLOBALS: i32 = offset_of!(Machine, globals) as i32;
    pub const FUNC_TABLE: i32 = offset_of!(Machine, func_table) as i32;
    pub const GC_PENDING: i32 = offset_of!(Machine, gc_pending) as i32;
    pub const SP_LIMIT: i32 = offset_of!(Machine, sp_limit) as i32;
    pub const PENDING_ENTRY: i32 = offset_of!(Machine, pending_entry) as i32;
    pub const PENDING_ARGC: i32 = offset_of!(Machine, pending_argc) as i32;
    pub const UNWIND_DEPTH: i32 = offset_of!(Machine, unwind_depth) as i32;
    pub const FUEL: i32 = offset_of!(Machine, fuel) as i32;
    pub const ARITY_TABLE: i32 = offset_of!(Machine, arity_table) as i32;
}

/// Why a stack could not grow.
#[derive(Debug)]
pub struct Exhausted;

impl Machine {
    /// Allocates stacks of `values` registers and `frames` frames.
    pub fn new(values: usize, frames: usize) -> Box<Machine> {
        let stack = alloc_array::<Value>(values);
        let frame_buf = alloc_array::<Frame>(frames.max(1));
        Box::new(Machine {
            vm: std::ptr::null_mut(),
            stack,
            high_water: stack,
            // SAFETY: `stack` was allocated with room for `values` values.
            stack_end: unsafe { stack.add(values) },
            frames: frame_buf,
            depth: 0,
            max_depth: frames as u64,
            globals: std::ptr::null_mut(),
            func_table: std::ptr::null(),
            gc_pending: 0,
            sp_limit: 0,
            pending_entry: std::ptr::null(),
            pending_argc: 0,
            unwind_depth: 0,
            fuel: u64::MAX,
            arity_table: std::ptr::null(),
        })
    }

    /// The number of initialised registers.
    #[inline]
    pub fn len(&self) -> usize {
        // SAFETY: both point into the same allocation, high_water >= stack.
        unsafe { self.high_water.offset_from(self.stack) as usize }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Makes registers `[0, len)` valid, filling new ones with `()`.
    #[inline]
    pub fn ensure(&mut self, len: usize) -> Result<(), Exhausted> {
        if len <= self.len() {
            return Ok(());
        }
        self.grow(len)
    }

    #[cold]
    fn grow(&mut self, len: usize) -> Result<(), Exhausted> {
        let cap = unsafe { self.stack_end.offset_from(self.stack) as usize };
        if len > cap {
            return Err(Exhausted);
        }
        let old = self.len();
        // SAFETY: [old, len) is inside the allocation and not yet initialised.
        unsafe {
            for i in old..len {
                self.stack.add(i).write(Value::NIL);
            }
            self.high_water = self.stack.add(len);
        }
        Ok(())
    }

    /// Forgets registers from `len` up (after a collection, so that stale
    /// values there are never scanned, see the module docs).
    pub fn shrink(&mut self, len: usize) {
        if len < self.len() {
            // SAFETY: len is below the high-water mark.
            self.high_water = unsafe { self.stack.add(len) };
        }
    }

    /// The initialised registers.
    #[inline]
    pub fn regs(&self) -> &[Value] {
        // SAFETY: [stack, high_water) is initialised (module docs).
        unsafe { std::slice::from_raw_parts(self.stack, self.len()) }
    }

    #[inline]
    pub fn regs_mut(&mut self) -> &mut [Value] {
        // SAFETY: as `regs`; `&mut self` makes the borrow unique.
        unsafe { std::slice::from_raw_parts_mut(self.stack, self.len()) }
    }

    /// The live frames, outermost first.
    #[inline]
    pub fn frames(&self) -> &[Frame] {
        // SAFETY: frames [0, depth) were written by `push_frame` (or by
        // native code, which writes the same layout before raising depth).
        unsafe { std::slice::from_raw_parts(self.frames, self.depth as usize) }
    }

    #[inline]
    pub fn frames_mut(&mut self) -> &mut [Frame] {
        // SAFETY: as `frames`.
        unsafe { std::slice::from_raw_parts_mut(self.frames, self.depth as usize) }
    }

    #[inline]
    pub fn depth(&self) -> usize {
        self.depth as usize
    }

    /// Pushes a frame; `Err` when the depth limit is reached.
    #[inline]
    pub fn push_frame(&mut self, f: Frame) -> Result<(), Exhausted> {
        if self.depth >= self.max_depth {
            return Err(Exhausted);
        }
        // SAFETY: depth < max_depth = the frame capacity.
        unsafe { self.frames.add(self.depth as usize).write(f) };
        self.depth += 1;
        Ok(())
    }

    #[inline]
    pub fn pop_frame(&mut self) -> Frame {
        debug_assert!(self.depth > 0);
        self.depth -= 1;
        // SAFETY: the frame at the old top was initialised.
        unsafe { self.frames.add(self.depth as usize).read() }
    }

    #[inline]
    pub fn top_frame(&self) -> Option<&Frame> {
        self.frames().last()
    }

    #[inline]
    pub fn top_frame_mut(&mut self) -> Option<&mut Frame> {
        self.frames_mut().last_mut()
    }

    pub fn truncate_frames(&mut self, depth: usize) {
        self.depth = self.depth.min(depth as u64);
    }
}

fn alloc_array<T>(n: usize) -> *mut T {
    let layout = Layout::array::<T>(n.max(1)).expect("stack size");
    // SAFETY: non-zero size. The memory is left uninitialised; pages the
    // program never touches are never committed.
    let p = unsafe { alloc(layout) } as *mut T;
    if p.is_null() {
        std::alloc::handle_alloc_error(layout);
    }
    p
}

impl Drop for Machine {
    fn drop(&mut self) {
        // SAFETY: allocated by `alloc_array` with these capacities.
        unsafe {
            let cap = self.stack_end.offset_from(self.stack) as usize;
            dealloc(
                self.stack as *mut u8,
                Layout::array::<Value>(cap.max(1)).expect("layout"),
            );
            dealloc(
                self.frames as *mut u8,
                Layout::array::<Frame>((self.max_depth as usize).max(1)).expect("layout"),
            );
        }
    }
}
