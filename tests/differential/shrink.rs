//! Shrinking a program while a difference persists.

use super::*;

// ---------------------------------------------------------------------
// Shrinking
// ---------------------------------------------------------------------

/// The smaller programs to try in place of the node at `path`: its
/// children, literals, and the node without one of its items.
pub(super) fn replacements(node: &Sx) -> Vec<Sx> {
    let mut out = Vec::new();
    match node {
        Sx::Atom(s) => {
            if s != "0" {
                out.push(a("0"));
            }
        }
        Sx::List(xs) => {
            out.extend(xs.iter().cloned());
            for lit in ["0", "#f", "'()"] {
                out.push(a(lit));
            }
            // Runs of items, longest first (the statements of a long
            // body), then single items; never the head.
            let mut size = xs.len().saturating_sub(1) / 2;
            while size >= 2 {
                let mut i = 1;
                while i + size <= xs.len() {
                    let mut ys = xs.clone();
                    ys.drain(i..i + size);
                    out.push(lv(ys));
                    i += size;
                }
                size /= 2;
            }
            for i in (1..xs.len()).rev() {
                let mut ys = xs.clone();
                ys.remove(i);
                out.push(lv(ys));
            }
        }
    }
    out
}

pub(super) fn measure(forms: &[Sx]) -> (usize, usize) {
    (forms.iter().map(Sx::nodes).sum(), program_text(forms).len())
}

/// Shrinks `forms` while `fails` holds, within a time budget.
pub(super) fn shrink(forms: Vec<Sx>, fails: &dyn Fn(&[Sx]) -> bool) -> Vec<Sx> {
    let deadline = Instant::now() + Duration::from_secs(240);
    let mut cur = forms;
    let mut progress = true;
    while progress && Instant::now() < deadline {
        progress = false;
        // Runs of top-level forms, longest first, last first.
        let mut size = cur.len().div_ceil(2);
        while size >= 1 {
            let mut end = cur.len();
            while end >= size && end > 0 {
                let mut cand = cur.clone();
                cand.drain(end - size..end);
                if fails(&cand) {
                    cur = cand;
                    progress = true;
                    end = end.min(cur.len());
                } else {
                    end -= 1;
                }
            }
            size /= 2;
        }
        // Subexpressions, outermost first.
        let mut k = 0;
        loop {
            if Instant::now() >= deadline {
                break;
            }
            let mut paths = Vec::new();
            for (f, form) in cur.iter().enumerate() {
                form.paths(&mut vec![f], &mut paths);
            }
            let Some(path) = paths.get(k) else {
                break;
            };
            let Some(node) = cur[path[0]].at(&path[1..]) else {
                break;
            };
            let size = measure(&cur);
            let mut replaced = false;
            for r in replacements(node) {
                let mut cand = cur.clone();
                if let Some(slot) = cand[path[0]].at_mut(&path[1..]) {
                    *slot = r;
                }
                if measure(&cand) < size && fails(&cand) {
                    cur = cand;
                    replaced = true;
                    progress = true;
                    break;
                }
            }
            if !replaced {
                k += 1;
            }
        }
    }
    cur
}
