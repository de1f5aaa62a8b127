//! Command-line parsing and the subcommands.
//!
//! Every subcommand runs on a thread with a large stack: the compiler walks
//! syntax recursively (nesting is bounded by the reader), and the VM's own
//! stack lives on the heap, so this is the only native recursion there is.

mod repl;

use clap::{Parser, Subcommand, ValueEnum};
use fluent_driver::effects::{AuditFormat, check_policy, effects};
use fluent_driver::emit::{EmitKind, emit_with_roots};
use fluent_driver::watch::{WatchOptions, watch};
use fluent_driver::{Disk, Failure, build_image, run_image_then, run_program_then, search_roots};
use fluent_effects::EffectSet;
use fluent_effects::audit::Policy;
use fluent_vm::runtime::Output;
use fluent_vm::{JitConfig, VmConfig};
use std::path::PathBuf;

/// Fluent: an effect-aware, whole-program optimizing compiler and JIT VM
/// for a Lisp.
#[derive(Parser)]
#[command(name = "fluent", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Options that shape how a program runs.
#[derive(clap::Args, Clone)]
struct RunFlags {
    /// Frames deeper than this stop the program with "stack overflow".
    #[arg(long, value_name = "N", default_value_t = VmConfig::default().max_depth)]
    max_depth: usize,
    /// Native code: `on` compiles functions once they are hot, `eager`
    /// compiles each function before its first call, `off` interprets.
    #[arg(long, value_enum, default_value_t = JitMode::On)]
    jit: JitMode,
    /// Calls (or 100x as many loop iterations) before a function is
    /// compiled, with `--jit on`.
    #[arg(long, value_name = "N", default_value_t = JitConfig::default().threshold)]
    jit_threshold: u32,
    /// At exit, print per function to stderr: tier, calls, loop
    /// iterations, compile time and code size.
    #[arg(long)]
    stats: bool,
    /// At exit, print to stderr every effect the program performed, in
    /// order (`io:display "hi"`, `random:int 0 10`), handled or not.
    #[arg(long)]
    trace_effects: bool,
    /// A folder to search for imported modules (after the importing
    /// file's folder; may repeat; `./modules` and the main file's
    /// `modules` folder are searched last).
    #[arg(long = "path", value_name = "DIR")]
    paths: Vec<PathBuf>,
    /// Optimization level: 0 compiles Core as written; 1 simplifies each
    /// definition (e-graph rules, folding of pure calls with constant
    /// arguments); 2, the default, also inlines small functions across
    /// modules and local functions called once; 3 also specializes
    /// functions for constant arguments (see `--emit opt`).
    #[arg(short = 'O', value_name = "LEVEL", default_value_t = fluent_vm::interp::DEFAULT_OPT_LEVEL,
          value_parser = clap::value_parser!(u8).range(0..=3))]
    opt: u8,
}

/// The effect policy `fluent effects`, `run` and `build` check.
#[derive(clap::Args, Clone, Default)]
struct DenyFlags {
    /// Fail (exit 1) if a definition may perform one of these effect
    /// kinds (comma-separated: io,state,error,time,random,network,async),
    /// listing each with the call path that brings the effect in.
    #[arg(long, value_name = "KINDS", value_parser = parse_kinds)]
    deny: Option<EffectSet>,
    /// Check `--deny` only in modules whose name or file path matches
    /// this glob (`*` any run, `?` one character).
    #[arg(long = "in", value_name = "GLOB", requires = "deny")]
    scope: Option<String>,
}

fn parse_kinds(s: &str) -> Result<EffectSet, String> {
    EffectSet::parse(s)
}

impl DenyFlags {
    fn policy(&self) -> Option<Policy> {
        self.deny.map(|deny| Policy {
            deny,
            scope: self.scope.clone(),
        })
    }

    /// For `run` and `build`: the exit code if the program breaks the
    /// policy (its violations printed), `None` if it may go on.
    fn refuses(&self, path: &str, text: &str, roots: &[PathBuf]) -> Option<i32> {
        let policy = self.policy()?;
        match check_policy(path, text, roots, &Disk, &policy) {
            Ok(()) => None,
            Err(f) => Some(report(Err(f))),
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum JitMode {
    On,
    Off,
    Eager,
}

impl RunFlags {
    fn vm_config(&self) -> VmConfig {
        let jit = JitConfig {
            enabled: self.jit != JitMode::Off,
            threshold: match self.jit {
                JitMode::Eager => 0,
                _ => self.jit_threshold,
            },
            ..JitConfig::default()
        };
        VmConfig {
            max_depth: self.max_depth,
            jit,
            opt_level: self.opt,
            trace_effects: self.trace_effects,
            ..VmConfig::default()
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Compile and run a program (or run an image from `fluent build`).
    Run {
        /// The program's main file (`.fl` or `.ai`), or a `.fimg` image.
        file: PathBuf,
        #[command(flatten)]
        flags: RunFlags,
        #[command(flatten)]
        deny: DenyFlags,
    },
    /// Compile a program into a linked image file, for `fluent run`.
    Build {
        /// The program's main file.
        file: PathBuf,
        /// The image file to write.
        #[arg(short, long, value_name = "FILE")]
        output: PathBuf,
        /// A folder to search for imported modules (may repeat).
        #[arg(long = "path", value_name = "DIR")]
        paths: Vec<PathBuf>,
        #[command(flatten)]
        deny: DenyFlags,
        /// Optimization level: 0 compiles Core as written; 1 simplifies each
        /// definition (e-graph rules, folding of pure calls with constant
        /// arguments); 2, the default, also inlines small functions across
        /// modules and local functions called once; 3 also specializes
        /// functions for constant arguments (see `--emit opt`).
        #[arg(short = 'O', value_name = "LEVEL", default_value_t = fluent_vm::interp::DEFAULT_OPT_LEVEL,
          value_parser = clap::value_parser!(u8).range(0..=3))]
        opt: u8,
    },
    /// Run a program, swapping in the definitions you edit as you save.
    ///
    /// When one of the program's files is saved it is rebuilt and the
    /// changed definitions are swapped into the running program; a save
    /// with errors prints them and the old code keeps running. When the
    /// program ends it runs again after the next save. With `--deny`,
    /// every build is audited and its violations printed (the program
    /// runs regardless). Stop with Ctrl-C.
    Watch {
        /// The program's main file.
        file: PathBuf,
        #[command(flatten)]
        flags: RunFlags,
        #[command(flatten)]
        deny: DenyFlags,
        /// How often to look at the files, in milliseconds.
        #[arg(long, value_name = "MS", default_value_t = 200)]
        poll_ms: u64,
    },
    /// Start an interactive session (line editing and history).
    Repl {
        #[command(flatten)]
        flags: RunFlags,
    },
    /// Print each definition's effects, with the call path that brings
    /// each effect in; with `--deny`, fail where a definition may perform
    /// a denied kind.
    Effects {
        file: PathBuf,
        #[command(flatten)]
        deny: DenyFlags,
        /// `text`, or `json` (a stable schema: see the README).
        #[arg(long, value_enum, default_value_t = AuditArg::Text)]
        format: AuditArg,
        /// A folder to search for imported modules (may repeat).
        #[arg(long = "path", value_name = "DIR")]
        paths: Vec<PathBuf>,
    },
    /// Print the module graph and the call graph of a program.
    Graph {
        file: PathBuf,
        /// `text`, or `dot` for Graphviz.
        #[arg(long, value_enum, default_value_t = GraphFormat::Text)]
        format: GraphFormat,
        /// A folder to search for imported modules (may repeat).
        #[arg(long = "path", value_name = "DIR")]
        paths: Vec<PathBuf>,
    },
    /// Print an intermediate form of a program.
    Emit {
        file: PathBuf,
        /// Which form to print.
        #[arg(long, value_enum)]
        emit: EmitArg,
        /// Only this function (or, for core, this definition).
        #[arg(long, value_name = "NAME")]
        function: Option<String>,
        /// A folder to search for imported modules (may repeat).
        #[arg(long = "path", value_name = "DIR")]
        paths: Vec<PathBuf>,
        /// Optimization level: 0 compiles Core as written; 1 simplifies each
        /// definition (e-graph rules, folding of pure calls with constant
        /// arguments); 2, the default, also inlines small functions across
        /// modules and local functions called once; 3 also specializes
        /// functions for constant arguments (see `--emit opt`).
        #[arg(short = 'O', value_name = "LEVEL", default_value_t = fluent_vm::interp::DEFAULT_OPT_LEVEL,
          value_parser = clap::value_parser!(u8).range(0..=3))]
        opt: u8,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum GraphFormat {
    Text,
    Dot,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum AuditArg {
    Text,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum EmitArg {
    /// Core IR, per top-level item, as the optimizer leaves it.
    Core,
    /// Optimized Core, each definition under a line of what was done.
    Opt,
    /// What the optimizer did to each definition, as a table.
    OptReport,
    /// Bytecode, per function.
    Bytecode,
    /// Cranelift IR, per function, as the JIT builds it.
    Clif,
    /// Machine code, per function, as the JIT compiles it.
    Asm,
}

/// Runs the command line; returns the process exit code.
pub fn main() -> i32 {
    let cli = Cli::parse();
    let worker = std::thread::Builder::new()
        .name("fluent".into())
        .stack_size(fluent_driver::COMPILER_STACK)
        .spawn(move || run_command(cli.command));
    match worker.map(|h| h.join()) {
        Ok(Ok(code)) => code,
        Ok(Err(_)) => {
            eprintln!("error: internal compiler error (a bug in Fluent; please report it)");
            101
        }
        Err(e) => {
            eprintln!("error: cannot start the compiler thread: {e}");
            1
        }
    }
}

fn run_command(cmd: Command) -> i32 {
    match cmd {
        Command::Run { file, flags, deny } => {
            let stats = |vm: &mut fluent_vm::Vm| {
                if flags.stats {
                    eprint!("{}", vm.jit_stats_text());
                }
                for line in vm.effect_trace().unwrap_or_default() {
                    eprintln!("effect {line}");
                }
            };
            if is_image(&file) {
                let bytes = match std::fs::read(&file) {
                    Ok(b) => b,
                    Err(e) => {
                        eprintln!("error: cannot read {}: {e}", file.display());
                        return 1;
                    }
                };
                let name = file.display().to_string();
                return report(run_image_then(
                    &name,
                    &bytes,
                    flags.vm_config(),
                    Output::stdout(),
                    stats,
                ));
            }
            let Some(Program { path, text, roots }) = read_program(&file, &flags.paths) else {
                return 1;
            };
            if let Some(code) = deny.refuses(&path, &text, &roots) {
                return code;
            }
            report(run_program_then(
                &path,
                &text,
                &roots,
                &Disk,
                flags.vm_config(),
                Output::stdout(),
                stats,
            ))
        }
        Command::Build {
            file,
            output,
            paths,
            deny,
            opt,
        } => {
            let Some(Program { path, text, roots }) = read_program(&file, &paths) else {
                return 1;
            };
            if let Some(code) = deny.refuses(&path, &text, &roots) {
                return code;
            }
            match build_image(&path, &text, &roots, &Disk, opt) {
                Ok(bytes) => match std::fs::write(&output, bytes) {
                    Ok(()) => 0,
                    Err(e) => {
                        eprintln!("error: cannot write {}: {e}", output.display());
                        1
                    }
                },
                Err(f) => report(Err(f)),
            }
        }
        Command::Repl { flags } => repl::run(flags.vm_config()),
        Command::Watch {
            file,
            flags,
            deny,
            poll_ms,
        } => {
            let roots = search_roots(&file, &flags.paths);
            let options = WatchOptions {
                poll: std::time::Duration::from_millis(poll_ms.max(1)),
                stats: flags.stats,
                deny: deny.policy(),
                ..WatchOptions::default()
            };
            let log: fluent_driver::watch::Log = Box::new(|s: &str| eprint!("{s}"));
            match watch(
                &file.display().to_string(),
                roots,
                flags.vm_config(),
                options,
                Output::stdout,
                log,
            ) {
                Ok(()) => 0,
                Err(e) => {
                    eprintln!("error: {e}");
                    1
                }
            }
        }
        Command::Effects {
            file,
            deny,
            format,
            paths,
        } => {
            let Some(Program { path, text, roots }) = read_program(&file, &paths) else {
                return 1;
            };
            let format = match format {
                AuditArg::Text => AuditFormat::Text,
                AuditArg::Json => AuditFormat::Json,
            };
            let policy = deny.policy().unwrap_or_default();
            match effects(&path, &text, &roots, &Disk, &policy, format) {
                Ok((out, violated)) => printed(&out, i32::from(violated)),
                Err(f) => report(Err(f)),
            }
        }
        Command::Graph {
            file,
            format,
            paths,
        } => {
            let Some(Program { path, text, roots }) = read_program(&file, &paths) else {
                return 1;
            };
            match fluent_driver::graph::graph(
                &path,
                &text,
                &roots,
                &Disk,
                format == GraphFormat::Dot,
            ) {
                Ok(s) => printed(&s, 0),
                Err(f) => report(Err(f)),
            }
        }
        Command::Emit {
            file,
            emit: kind,
            function,
            paths,
            opt,
        } => {
            let Some(Program { path, text, roots }) = read_program(&file, &paths) else {
                return 1;
            };
            let kind = match kind {
                EmitArg::Core => EmitKind::Core,
                EmitArg::Opt => EmitKind::Opt,
                EmitArg::OptReport => EmitKind::OptReport,
                EmitArg::Bytecode => EmitKind::Bytecode,
                EmitArg::Clif => EmitKind::Clif,
                EmitArg::Asm => EmitKind::Asm,
            };
            match emit_with_roots(&path, &text, &roots, kind, function.as_deref(), opt) {
                Ok(s) => printed(&s, 0),
                Err(f) => report(Err(f)),
            }
        }
    }
}

/// Whether `file` is a linked image: by its extension, or by its first
/// bytes (so a renamed image still runs, and is checked as one).
fn is_image(file: &std::path::Path) -> bool {
    if file.extension().is_some_and(|e| e == "fimg") {
        return true;
    }
    use std::io::Read;
    let mut head = [0u8; 10];
    std::fs::File::open(file)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok_and(|()| head[..] == fluent_vm::image::MAGIC[..])
}

/// A program's main file, read, and where its imports are searched.
struct Program {
    path: String,
    text: String,
    roots: Vec<PathBuf>,
}

/// Reads the main file `file` (an error printed if it cannot be read);
/// imports are searched in `paths`, then the default folders.
fn read_program(file: &PathBuf, paths: &[PathBuf]) -> Option<Program> {
    Some(Program {
        path: file.display().to_string(),
        text: read_source(file)?,
        roots: search_roots(file, paths),
    })
}

fn read_source(file: &PathBuf) -> Option<String> {
    match std::fs::read(file) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(s) => Some(s),
            Err(e) => {
                eprintln!(
                    "error: {} is not valid UTF-8 (byte {})",
                    file.display(),
                    e.utf8_error().valid_up_to()
                );
                None
            }
        },
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", file.display());
            None
        }
    }
}

/// Prints `out` to stdout; the exit code `code`.
fn printed(out: &str, code: i32) -> i32 {
    print!("{out}");
    code
}

/// Prints a failure to stderr; the exit code.
fn report(r: Result<(), Failure>) -> i32 {
    match r {
        Ok(()) => 0,
        Err(f) => {
            eprint!("{f}");
            1
        }
    }
}
