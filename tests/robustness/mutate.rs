//! Mutations of the golden programs: tokens deleted, duplicated, swapped, replaced.

use super::*;

// ---------------------------------------------------------------------
// Mutation of the golden programs
// ---------------------------------------------------------------------

pub(super) fn golden_programs() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/programs");
    let mut files = Vec::new();
    collect(&root, &mut files);
    files.sort();
    let texts: Vec<String> = files
        .iter()
        .filter_map(|f| std::fs::read_to_string(f).ok())
        .collect();
    assert!(
        texts.len() >= 50,
        "expected the golden programs under {root:?}"
    );
    texts
}

pub(super) fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, out);
        } else if p.extension().is_some_and(|x| x == "fl") {
            out.push(p);
        }
    }
}

/// Splits source into tokens: parens and brackets, strings, comments,
/// whitespace runs and atoms (roughly as the reader does; exactness does
/// not matter, the pieces are only shuffled).
pub(super) fn tokens(text: &str) -> Vec<&str> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let start = i;
        match b[i] {
            b'(' | b')' | b'[' | b']' | b'\'' | b'`' => i += 1,
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                i = (i + 1).min(b.len());
            }
            b';' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            c if c.is_ascii_whitespace() => {
                while i < b.len() && b[i].is_ascii_whitespace() {
                    i += 1;
                }
            }
            _ => {
                while i < b.len() && !b"()[]\"; \t\r\n'`".contains(&b[i]) {
                    i += 1;
                }
            }
        }
        while !text.is_char_boundary(i) {
            i += 1;
        }
        out.push(&text[start..i]);
    }
    out
}

pub(super) fn mutate(g: &mut Gen, text: &str) -> String {
    let mut toks: Vec<String> = tokens(text).into_iter().map(String::from).collect();
    let rounds = 1 + g.rng.below(4);
    for _ in 0..rounds {
        if toks.is_empty() {
            toks.push(g.expr(2));
            continue;
        }
        let i = g.rng.below(toks.len());
        match g.rng.below(12) {
            0 => {
                toks.remove(i);
            }
            1 => {
                let t = toks[i].clone();
                toks.insert(i, t);
            }
            2 => {
                let j = g.rng.below(toks.len());
                toks.swap(i, j);
            }
            3 | 4 => {
                // Replace an atom.
                if !matches!(toks[i].as_str(), "(" | ")" | "[" | "]") && !toks[i].trim().is_empty()
                {
                    toks[i] = g.atom();
                }
            }
            5 => toks.insert(i, format!(" {} ", g.expr(3))),
            6 => {
                let p = g
                    .rng
                    .pick(&["(", ")", "[", "]", "'", "`", ",", ",@", "#", "#;"]);
                toks.insert(i, p.to_string());
            }
            7 => {
                // Delete a paren somewhere.
                if let Some(j) = toks.iter().position(|t| t == "(" || t == ")")
                    && g.rng.one_in(2)
                {
                    toks.remove(j);
                } else if let Some(j) = toks.iter().rposition(|t| t == "(" || t == ")") {
                    toks.remove(j);
                }
            }
            8 => {
                let special = pick_special(&mut g.rng).to_string();
                if !matches!(toks[i].as_str(), "(" | ")" | "[" | "]") {
                    toks[i] = special;
                }
            }
            9 => {
                // Duplicate a run of tokens.
                let j = (i + g.rng.below(20)).min(toks.len());
                let run: Vec<String> = toks[i..j].to_vec();
                toks.splice(i..i, run);
            }
            10 => {
                // Delete a run of tokens.
                let j = (i + g.rng.below(10)).min(toks.len());
                toks.drain(i..j);
            }
            _ => {
                // A random character, including ones the reader treats specially.
                let c = g.rng.pick(&[
                    "#",
                    "|",
                    "\\",
                    "\"",
                    "#|",
                    "|#",
                    "#\\",
                    ".",
                    " . ",
                    "\u{0}",
                    "\u{7f}",
                    "é",
                    "\u{1F600}",
                    "\r",
                    "#x",
                    "#b2",
                    "1e",
                    "+",
                    "-",
                    ":",
                    "::",
                ]);
                toks.insert(i, c.to_string());
            }
        }
    }
    toks.concat()
}
