//! `fluent repl`: read, compile into the running VM, print.

use fluent_driver::Session;
use fluent_vm::VmConfig;
use fluent_vm::runtime::Output;
use rustyline::DefaultEditor;
use rustyline::error::ReadlineError;

fn history_path() -> Option<std::path::PathBuf> {
    std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".fluent_history"))
}

/// Runs the session until end of input; the exit code.
pub fn run(config: VmConfig) -> i32 {
    let mut session = match Session::new(config, Output::stdout()) {
        Ok(s) => s,
        Err(e) => {
            eprint!("{e}");
            return 1;
        }
    };
    let mut editor = match DefaultEditor::new() {
        Ok(e) => e,
        Err(e) => {
            eprintln!("error: cannot start line editing: {e}");
            return 1;
        }
    };
    if let Some(h) = history_path() {
        let _ = editor.load_history(&h);
    }
    println!(
        "Fluent {} — :q or Ctrl-D to quit",
        env!("CARGO_PKG_VERSION")
    );
    let mut buffer = String::new();
    loop {
        let prompt = if buffer.is_empty() {
            "fluent> "
        } else {
            "   ...> "
        };
        match editor.readline(prompt) {
            Ok(line) => {
                if buffer.is_empty() && matches!(line.trim(), ":q" | ":quit") {
                    break;
                }
                buffer.push_str(&line);
                buffer.push('\n');
                // Wait for the rest of an unfinished form.
                if let Err(e) = fluent_syntax::read_all(&buffer)
                    && e.incomplete
                {
                    continue;
                }
                let input = std::mem::take(&mut buffer);
                let _ = editor.add_history_entry(input.trim_end());
                match session.eval(&input) {
                    Ok(Some(v)) => println!("{v}"),
                    Ok(None) => {}
                    Err(e) => eprint!("{e}"),
                }
            }
            Err(ReadlineError::Interrupted) => buffer.clear(),
            Err(ReadlineError::Eof) => break,
            Err(e) => {
                eprintln!("error: {e}");
                return 1;
            }
        }
    }
    if let Some(h) = history_path() {
        let _ = editor.save_history(&h);
    }
    0
}
