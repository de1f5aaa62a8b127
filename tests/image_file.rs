//! The image file format (`fluent_vm::image::{encode, decode}`) on images
//! the compiler builds: every golden program survives the round trip and
//! runs the same from the decoded image, and damaged files of a real
//! program are refused without a panic.

use fluent_driver::Database;
use fluent_vm::image::{FORMAT_VERSION, Image, MAGIC, decode, encode};
use fluent_vm::runtime::Output;
use fluent_vm::{JitConfig, Vm, VmConfig};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// The prelude and `text` compiled and linked (no tree shaking), or the
/// rendered diagnostics.
fn build(path: &str, text: &str) -> Result<Image, String> {
    let db = Database::default();
    let file = db.add_file(path, text);
    fluent_driver::build(&db, &[file]).map_err(|ds| {
        ds.iter()
            .map(|d| fluent_driver::render(&db, d))
            .collect::<Vec<_>>()
            .join("\n")
    })
}

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// What running `image` in the interpreter prints, and whether it
/// finished without an error.
fn run(image: Image) -> (String, bool) {
    let out = Captured::default();
    let config = VmConfig {
        jit: JitConfig {
            enabled: false,
            ..Default::default()
        },
        ..Default::default()
    };
    let mut vm = Vm::new(Arc::new(image), config, Output::new(Box::new(out.clone())))
        .expect("the image loads");
    let ok = vm.run_init().is_ok();
    drop(vm);
    let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
    (text, ok)
}

/// The golden programs that run on their own (no imports, no flags) and
/// succeed, with their expected output.
fn golden() -> Vec<(PathBuf, String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/programs");
    let mut out = Vec::new();
    for dir in ["fluent", "r7rs", "jit"] {
        let mut paths: Vec<_> = std::fs::read_dir(root.join(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "fl"))
            .collect();
        paths.sort();
        for path in paths {
            let text = std::fs::read_to_string(&path).unwrap();
            if text.lines().any(|l| l.starts_with(";;!")) {
                continue;
            }
            let mut want: String = text
                .lines()
                .filter_map(|l| l.strip_prefix(";;> ").or((l == ";;>").then_some("")))
                .map(|l| format!("{l}\n"))
                .collect();
            if want.is_empty() {
                want.push('\n');
            }
            out.push((path, text, want));
        }
    }
    out
}

#[test]
fn golden_programs_round_trip_and_run_from_the_decoded_image() {
    let programs = golden();
    assert!(programs.len() > 100, "only {} programs", programs.len());
    for (path, text, want) in programs {
        let name = path.display().to_string();
        let image = build(&name, &text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let bytes = encode(&image);
        let back = decode(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(back == image, "{name}: the decoded image differs");
        assert_eq!(encode(&back), bytes, "{name}: re-encoding differs");
        let (mut got, ok) = run(back);
        if !got.ends_with('\n') {
            got.push('\n');
        }
        assert!(ok, "{name}: failed at run time");
        assert_eq!(got, want, "{name}");
    }
}

/// FNV-1a 64, written from the format's description.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
    })
}

/// `payload` behind a header that agrees with it.
fn seal(payload: &[u8]) -> Vec<u8> {
    let mut v = MAGIC.to_vec();
    v.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    v.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    v.extend_from_slice(&fnv1a(payload).to_le_bytes());
    v.extend_from_slice(payload);
    v
}

const HEADER: usize = 30;

/// About `n` positions spread over `0..len`, the first and last included.
fn sample(len: usize, n: usize) -> Vec<usize> {
    let mut at: Vec<usize> = (0..n).map(|k| k * 7919 % len).collect();
    at.extend([0, 1, HEADER - 1, HEADER, len - 1]);
    at.sort();
    at.dedup();
    at
}

fn refused(bytes: &[u8], what: &str) -> String {
    match std::panic::catch_unwind(|| decode(bytes)) {
        Ok(Err(e)) => e,
        Ok(Ok(_)) => panic!("{what}: decoded"),
        Err(_) => panic!("{what}: decode panicked"),
    }
}

#[test]
fn damaged_files_of_a_real_program_are_refused() {
    let text = "(define (f x) (match x ((Some v) (list 'got v \"s\" #\\a 1.5)) (_ '(a [b] #(c) . d))))\n\
                (write (f (Some 2))) (newline) (write (f 0))";
    let bytes = encode(&build("main.fl", text).unwrap());
    assert_eq!(seal(&bytes[HEADER..]), bytes, "the header is as documented");
    let payload = &bytes[HEADER..];

    for n in sample(bytes.len(), 400) {
        let e = refused(&bytes[..n], &format!("cut to {n}"));
        assert!(
            e.starts_with("truncated image") || e.contains("bad magic"),
            "{n}: {e}"
        );
        let e = refused(&seal(&payload[..n.min(payload.len() - 1)]), "resealed cut");
        assert!(e.starts_with("corrupt image"), "{n}: {e}");
    }
    let mut reseal_ok = 0;
    for i in sample(bytes.len(), 400) {
        let mut v = bytes.clone();
        v[i] ^= 0x5a;
        refused(&v, &format!("byte {i} changed"));
        if i >= HEADER {
            let mut p = payload.to_vec();
            p[i - HEADER] ^= 0x5a;
            let sealed = seal(&p);
            match std::panic::catch_unwind(|| decode(&sealed)) {
                Err(_) => panic!("decode panicked on resealed byte {i}"),
                Ok(Err(_)) => {}
                Ok(Ok(image)) => {
                    reseal_ok += 1;
                    assert_eq!(encode(&image), sealed, "resealed byte {i}");
                }
            }
        }
    }
    // Source text is most of a real image: changing it is still an image.
    assert!(reseal_ok > 0);

    let (out, ok) = run(decode(&bytes).unwrap());
    assert!(ok);
    assert_eq!(out, "(got 2 \"s\" #\\a 1.5)\n(a (b) #(c) . d)");
}
