//! The embedding API (`fluent::VMBuilder`): building VMs with each JIT
//! setting, evaluating code in them, and refusing bad settings.

use fluent::{JitConfig, OptLevel, VMBuilder};

fn vm(jit: JitConfig) -> fluent::VM {
    VMBuilder::new()
        .with_jit_config(jit)
        .with_output(fluent::Output::new(Box::new(std::io::sink())))
        .build()
        .expect("a VM")
}

fn stats_row(stats: &str, name: &str) -> String {
    stats
        .lines()
        .find(|l| l.split_whitespace().next() == Some(name))
        .unwrap_or_else(|| panic!("no row for {name} in\n{stats}"))
        .to_string()
}

#[test]
fn eager_jit_compiles_before_the_first_call() {
    let mut vm = vm(JitConfig {
        threshold: 0,
        ..Default::default()
    });
    vm.eval("(define (square x) (* x x))").unwrap();
    assert_eq!(vm.eval("(square 12)").unwrap().as_deref(), Some("144"));
    assert!(stats_row(&vm.jit_stats(), "square").contains("native"));
}

#[test]
fn functions_tier_up_at_the_threshold() {
    let mut vm = vm(JitConfig {
        threshold: 10,
        optimization_level: OptLevel::None,
        ..Default::default()
    });
    vm.eval("(define (inc x) (+ x 1))").unwrap();
    vm.eval("(inc 1)").unwrap();
    assert!(stats_row(&vm.jit_stats(), "inc").contains("interpreted"));
    let sum = vm
        .eval("(let loop ((i 0) (s 0)) (if (= i 50) s (loop (+ i 1) (+ s (inc i)))))")
        .unwrap();
    assert_eq!(sum.as_deref(), Some("1275"));
    let row = stats_row(&vm.jit_stats(), "inc");
    assert!(row.contains("native"), "{row}");
    assert!(row.contains(" 51 "), "51 calls: {row}");
}

#[test]
fn a_disabled_jit_interprets_everything() {
    let mut vm = vm(JitConfig {
        enabled: false,
        ..Default::default()
    });
    vm.eval("(define (f x) (* x 2))").unwrap();
    assert_eq!(vm.eval("(jit-compile f)").unwrap().as_deref(), Some("#f"));
    assert_eq!(vm.eval("(f 21)").unwrap().as_deref(), Some("42"));
    assert!(vm.jit_stats().starts_with("jit: off"));
}

#[test]
fn errors_in_native_code_come_back_as_runtime_errors() {
    let mut vm = vm(JitConfig {
        threshold: 0,
        ..Default::default()
    });
    vm.eval("(define (first xs) (car xs))").unwrap();
    let err = vm.eval("(first 5)").unwrap_err().to_string();
    assert!(err.contains("car: expected a pair, got 5"), "{err}");
    assert!(err.contains("first at <repl>"), "{err}");
    // The VM is still usable afterwards.
    assert_eq!(vm.eval("(first '(7))").unwrap().as_deref(), Some("7"));
}

#[test]
fn a_target_cpu_the_machine_lacks_or_does_not_know_is_refused() {
    let r = VMBuilder::new()
        .with_jit_config(JitConfig {
            target_cpu: "pentium-9000".into(),
            ..Default::default()
        })
        .build();
    let err = r.err().expect("refused").to_string();
    assert!(err.contains("target_cpu"), "{err}");
}
