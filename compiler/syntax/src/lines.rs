//! Byte offsets to line/column positions, for diagnostics.
//!
//! Lines end at `\n` (a preceding `\r` is not part of the line text).
//! Columns count chars, not bytes, so a caret under non-ASCII text lines up.
//! The index keeps no copy of the text: only line starts and the places of
//! multi-byte chars, so building one per file is cheap.

/// Line starts and multi-byte char positions of one text.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LineIndex {
    /// Byte offset of the start of each line; the first is 0.
    starts: Vec<u32>,
    /// Each multi-byte char as (offset, its byte length, total extra bytes
    /// of all multi-byte chars before it), sorted by offset.
    wide: Vec<(u32, u32, u32)>,
    len: u32,
}

fn off(p: usize) -> u32 {
    u32::try_from(p).unwrap_or(u32::MAX)
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        let mut wide = Vec::new();
        let mut extra = 0u32;
        for (i, c) in text.char_indices() {
            if c == '\n' {
                starts.push(off(i + 1));
            }
            let n = c.len_utf8() as u32;
            if n > 1 {
                wide.push((off(i), n, extra));
                extra = extra.saturating_add(n - 1);
            }
        }
        LineIndex {
            starts,
            wide,
            len: off(text.len()),
        }
    }

    /// The number of lines: one more than the number of `\n`s, so a text
    /// ending in a newline has a final empty line (where its end offset is).
    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// 1-based line and 1-based char column of `offset`. Offsets past the
    /// end are clamped to the end; an offset inside a multi-byte char is
    /// taken as the start of that char.
    pub fn line_col(&self, offset: u32) -> (u32, u32) {
        let mut offset = offset.min(self.len);
        // The last multi-byte char starting at or before `offset`.
        let w = self.wide.partition_point(|&(o, _, _)| o <= offset);
        if let Some(&(o, n, _)) = w.checked_sub(1).and_then(|i| self.wide.get(i))
            && offset > o
            && offset < o.saturating_add(n)
        {
            offset = o;
        }
        let line = self.starts.partition_point(|&s| s <= offset).max(1) - 1;
        let start = self.starts.get(line).copied().unwrap_or(0);
        let extra = self
            .extra_before(offset)
            .saturating_sub(self.extra_before(start));
        let col = (offset - start).saturating_sub(extra);
        (off(line + 1), col + 1)
    }

    /// Extra (non-first) bytes of multi-byte chars that start before `offset`.
    fn extra_before(&self, offset: u32) -> u32 {
        let i = self.wide.partition_point(|&(o, _, _)| o < offset);
        match i.checked_sub(1).and_then(|i| self.wide.get(i)) {
            Some(&(_, n, extra)) => extra + n - 1,
            None => 0,
        }
    }

    /// The text of 1-based `line`, without its line ending; empty for a
    /// line that does not exist.
    pub fn line_text<'a>(&self, text: &'a str, line: u32) -> &'a str {
        let Some(i) = (line as usize).checked_sub(1) else {
            return "";
        };
        let Some(&start) = self.starts.get(i) else {
            return "";
        };
        let end = self.starts.get(i + 1).map_or(text.len(), |&e| e as usize);
        let s = text.get(start as usize..end.min(text.len())).unwrap_or("");
        let s = s.strip_suffix('\n').unwrap_or(s);
        s.strip_suffix('\r').unwrap_or(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_text() {
        let ix = LineIndex::new("");
        assert_eq!(ix.line_count(), 1);
        assert_eq!(ix.line_col(0), (1, 1));
        assert_eq!(ix.line_col(99), (1, 1));
        assert_eq!(ix.line_text("", 1), "");
        assert_eq!(ix.line_text("", 0), "");
        assert_eq!(ix.line_text("", 2), "");
    }

    #[test]
    fn ascii_lines() {
        let text = "ab\ncd\n\nef";
        let ix = LineIndex::new(text);
        assert_eq!(ix.line_count(), 4);
        assert_eq!(ix.line_col(0), (1, 1));
        assert_eq!(ix.line_col(1), (1, 2));
        assert_eq!(ix.line_col(2), (1, 3)); // the newline itself
        assert_eq!(ix.line_col(3), (2, 1));
        assert_eq!(ix.line_col(6), (3, 1));
        assert_eq!(ix.line_col(7), (4, 1));
        assert_eq!(ix.line_col(9), (4, 3));
        assert_eq!(ix.line_col(1000), (4, 3));
        assert_eq!(ix.line_text(text, 1), "ab");
        assert_eq!(ix.line_text(text, 2), "cd");
        assert_eq!(ix.line_text(text, 3), "");
        assert_eq!(ix.line_text(text, 4), "ef");
        assert_eq!(ix.line_text(text, 5), "");
    }

    #[test]
    fn crlf_and_trailing_newline() {
        let text = "one\r\ntwo\r\n";
        let ix = LineIndex::new(text);
        assert_eq!(ix.line_count(), 3);
        assert_eq!(ix.line_text(text, 1), "one");
        assert_eq!(ix.line_text(text, 2), "two");
        assert_eq!(ix.line_text(text, 3), "");
        assert_eq!(ix.line_col(5), (2, 1));
        assert_eq!(ix.line_col(10), (3, 1));
    }

    #[test]
    fn columns_count_chars() {
        // λ is 2 bytes, 😀 is 4, é is 2.
        let text = "λx 😀y\néz";
        let ix = LineIndex::new(text);
        assert_eq!(ix.line_col(0), (1, 1)); // λ
        assert_eq!(ix.line_col(1), (1, 1)); // inside λ
        assert_eq!(ix.line_col(2), (1, 2)); // x
        assert_eq!(ix.line_col(3), (1, 3)); // space
        assert_eq!(ix.line_col(4), (1, 4)); // 😀
        assert_eq!(ix.line_col(6), (1, 4)); // inside 😀
        assert_eq!(ix.line_col(8), (1, 5)); // y
        assert_eq!(ix.line_col(9), (1, 6)); // newline
        assert_eq!(ix.line_col(10), (2, 1)); // é
        assert_eq!(ix.line_col(12), (2, 2)); // z
        assert_eq!(ix.line_col(13), (2, 3)); // end
        assert_eq!(ix.line_text(text, 1), "λx 😀y");
        assert_eq!(ix.line_text(text, 2), "éz");
    }

    #[test]
    fn agrees_with_naive_count() {
        let text = "(define (f x)\r\n  ;; ünïcödé ✓\n  (+ x 1))\n\n\"λ\"\n";
        let ix = LineIndex::new(text);
        for offset in 0..=text.len() as u32 + 3 {
            let mut o = (offset as usize).min(text.len());
            while !text.is_char_boundary(o) {
                o -= 1;
            }
            let before = &text[..o];
            let line = before.matches('\n').count() as u32 + 1;
            let line_start = before.rfind('\n').map_or(0, |i| i + 1);
            let col = text[line_start..o].chars().count() as u32 + 1;
            assert_eq!(ix.line_col(offset), (line, col), "offset {offset}");
        }
        assert_eq!(ix.line_count(), 6);
        assert_eq!(ix.line_text(text, 2), "  ;; ünïcödé ✓");
    }

    #[test]
    fn foreign_text_does_not_panic() {
        let ix = LineIndex::new("aaaa\nbbbb\ncccc");
        assert_eq!(ix.line_text("λλ", 2), "");
        assert_eq!(ix.line_text("λλ", 1), "λλ");
        assert_eq!(ix.line_text("xy", 1), "xy");
        assert_eq!(ix.line_text("aaaaλ", 1), "");
    }
}
