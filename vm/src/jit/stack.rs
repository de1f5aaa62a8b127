//! Host facts the JIT needs: how far native code may grow the thread's
//! stack, and which CPU features a target level allows.

use cranelift_codegen::isa;
use cranelift_codegen::settings::Configurable;

/// Bytes of native stack left free below the limit, for helpers, the
/// collector and the interpreter that takes over (none of them recurse
/// deeply).
const MARGIN: usize = 1 << 20;

/// The lowest stack address native code may use on this thread (see
/// `Machine::sp_limit`). Below it, calls fall back to the interpreter,
/// whose frames live on the heap, so deep recursion continues there.
pub fn native_stack_limit() -> u64 {
    // The address of a local is close enough to the stack pointer.
    let probe = 0u8;
    let sp = std::hint::black_box(&probe) as *const u8 as usize;
    match thread_stack_low() {
        Some(low) if low + MARGIN < sp => (low + MARGIN) as u64,
        // Unknown bounds: allow only a little below the current point.
        _ => sp.saturating_sub(MARGIN) as u64,
    }
}

/// The lowest address of the current thread's stack, from the C library.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn thread_stack_low() -> Option<usize> {
    // `pthread_attr_t` is at most 64 bytes on the glibc targets we support;
    // a larger, aligned buffer is always enough.
    #[repr(C, align(16))]
    struct Attr([u8; 128]);
    unsafe extern "C" {
        fn pthread_self() -> usize;
        fn pthread_getattr_np(thread: usize, attr: *mut Attr) -> i32;
        fn pthread_attr_getstack(attr: *const Attr, addr: *mut *mut u8, size: *mut usize) -> i32;
        fn pthread_attr_destroy(attr: *mut Attr) -> i32;
    }
    let mut attr = Attr([0; 128]);
    let mut addr: *mut u8 = std::ptr::null_mut();
    let mut size = 0usize;
    // SAFETY: glibc's documented API, called with valid pointers; the
    // attribute object is initialised by `pthread_getattr_np` and destroyed
    // after use.
    unsafe {
        if pthread_getattr_np(pthread_self(), &mut attr) != 0 {
            return None;
        }
        let ok = pthread_attr_getstack(&attr, &mut addr, &mut size) == 0;
        pthread_attr_destroy(&mut attr);
        ok.then_some(addr as usize)
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn thread_stack_low() -> Option<usize> {
    None
}

/// Limits the instruction set to x86-64 microarchitecture `level`
/// (`x86-64`, `x86-64-v2`, `x86-64-v3`, `x86-64-v4`), refusing a level
/// whose features this machine lacks.
pub fn restrict_to_level(builder: &mut isa::Builder, level: &str) -> Result<(), String> {
    #[cfg(target_arch = "x86_64")]
    {
        let v2: &[&str] = &["sse3", "ssse3", "sse4.1", "sse4.2", "popcnt", "cmpxchg16b"];
        let v3: &[&str] = &["avx", "avx2", "bmi1", "bmi2", "lzcnt", "fma"];
        let v4: &[&str] = &["avx512f", "avx512dq", "avx512vl"];
        let levels: Vec<&[&str]> = match level {
            "x86-64" | "x86-64-v1" => vec![],
            "x86-64-v2" => vec![v2],
            "x86-64-v3" => vec![v2, v3],
            "x86-64-v4" => vec![v2, v3, v4],
            other => {
                return Err(format!(
                    "unknown target_cpu `{other}`: use native, x86-64, x86-64-v2, x86-64-v3 or x86-64-v4"
                ));
            }
        };
        let wanted: Vec<&str> = levels.into_iter().flatten().copied().collect();
        for f in &wanted {
            if !host_has(f) {
                return Err(format!(
                    "target_cpu {level} needs {f}, which this machine lacks"
                ));
            }
        }
        let all = [v2, v3, v4].concat();
        for f in all {
            let name = format!("has_{}", f.replace('.', ""));
            if !wanted.contains(&f) {
                builder
                    .set(&name, "false")
                    .map_err(|e| format!("{name}: {e}"))?;
            }
        }
        Ok(())
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = builder;
        Err(format!(
            "target_cpu `{level}` is only meaningful on x86-64; use native"
        ))
    }
}

#[cfg(target_arch = "x86_64")]
fn host_has(feature: &str) -> bool {
    match feature {
        "sse3" => std::is_x86_feature_detected!("sse3"),
        "ssse3" => std::is_x86_feature_detected!("ssse3"),
        "sse4.1" => std::is_x86_feature_detected!("sse4.1"),
        "sse4.2" => std::is_x86_feature_detected!("sse4.2"),
        "popcnt" => std::is_x86_feature_detected!("popcnt"),
        "cmpxchg16b" => std::is_x86_feature_detected!("cmpxchg16b"),
        "avx" => std::is_x86_feature_detected!("avx"),
        "avx2" => std::is_x86_feature_detected!("avx2"),
        "bmi1" => std::is_x86_feature_detected!("bmi1"),
        "bmi2" => std::is_x86_feature_detected!("bmi2"),
        "lzcnt" => std::is_x86_feature_detected!("lzcnt"),
        "fma" => std::is_x86_feature_detected!("fma"),
        "avx512f" => std::is_x86_feature_detected!("avx512f"),
        "avx512dq" => std::is_x86_feature_detected!("avx512dq"),
        "avx512vl" => std::is_x86_feature_detected!("avx512vl"),
        _ => false,
    }
}
