//! `fluent build -o app.fimg` then `fluent run app.fimg`: the image runs
//! as the source does, and a damaged image is refused before it runs.

#[path = "common/cli.rs"]
mod cli;

use cli::{fluent, temp, text};
use std::path::Path;

#[test]
fn built_images_run_like_their_sources() {
    for (main, extra) in [
        ("tests/programs/modules/basic/main.fl", &[][..]),
        (
            "tests/programs/modules/folders/main.fl",
            &["--path", "tests/programs/modules/folders/vendor"][..],
        ),
        ("tests/programs/modules/runtime-error/main.fl", &[][..]),
        ("examples/fib.fl", &[][..]),
    ] {
        let img = temp(&main.replace('/', "_"));
        let img_s = img.to_str().unwrap();
        let mut build = vec!["build", main, "-o", img_s];
        build.extend_from_slice(extra);
        let b = fluent(&build);
        assert!(b.status.success(), "{main}: {}", text(&b.stderr));
        let mut run = vec!["run", main];
        run.extend_from_slice(extra);
        let from_source = fluent(&run);
        for tier in ["off", "eager", "on"] {
            let from_image = fluent(&["run", img_s, "--jit", tier]);
            assert_eq!(
                text(&from_image.stdout),
                text(&from_source.stdout),
                "{main} --jit {tier}"
            );
            assert_eq!(
                from_image.status.code(),
                from_source.status.code(),
                "{main}"
            );
            // Errors are located in the module files the image carries.
            if !from_source.status.success() {
                assert!(
                    text(&from_image.stderr).contains("checked.fl:2:"),
                    "{}",
                    text(&from_image.stderr)
                );
            }
        }
        let _ = std::fs::remove_file(&img);
    }
}

#[test]
fn damaged_images_are_refused() {
    let img = temp("good.fimg");
    let b = fluent(&["build", "examples/fib.fl", "-o", img.to_str().unwrap()]);
    assert!(b.status.success(), "{}", text(&b.stderr));
    let bytes = std::fs::read(&img).unwrap();
    let cases: [(&str, Vec<u8>, &str); 4] = [
        (
            "truncated",
            bytes[..bytes.len() / 2].to_vec(),
            "truncated image",
        ),
        (
            "flipped",
            {
                let mut b = bytes.clone();
                let i = b.len() - 7;
                b[i] ^= 0x55;
                b
            },
            "corrupt image",
        ),
        ("empty", Vec::new(), "image"),
        ("text", b"(display 1)".to_vec(), "not a Fluent image"),
    ];
    for (name, data, want) in cases {
        let path = temp(&format!("{name}.fimg"));
        std::fs::write(&path, data).unwrap();
        let r = fluent(&["run", path.to_str().unwrap()]);
        let err = text(&r.stderr);
        assert_eq!(r.status.code(), Some(1), "{name}: {err}");
        assert!(err.contains(want), "{name}: {err}");
        assert!(r.stdout.is_empty(), "{name}: nothing runs");
        assert!(!err.contains("panicked"), "{name}: {err}");
        let _ = std::fs::remove_file(&path);
    }
    let _ = std::fs::remove_file(&img);
    // A file that is not there.
    let r = fluent(&["run", "no/such/app.fimg"]);
    assert_eq!(r.status.code(), Some(1));
    assert!(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("examples/fib.fl")
            .exists()
    );
}
