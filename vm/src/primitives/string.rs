//! Strings, characters, symbols and keywords.
//!
//! Strings are immutable UTF-8; indices count chars, not bytes. A string
//! whose char count equals its byte length is ASCII, and indexing it is
//! O(1); other strings are walked from the start.

use super::{Fault, args};
use crate::heap::{Gc, Str};
use crate::runtime::Runtime;
use crate::symbol::Symbol;
use crate::value::Value;
use std::cmp::Ordering;

/// The most bytes a string may hold (the heap stores lengths in 32 bits).
const STRING_LIMIT: usize = u32::MAX as usize;

/// A new string built by `who`: growing past the limit is an error, not
/// an abort (`string-append` in a doubling loop gets there quickly).
fn new_string(rt: &mut Runtime, who: &'static str, s: &str) -> Result<Value, Fault> {
    if s.len() > STRING_LIMIT {
        return Err(Fault::Msg(format!(
            "{who}: a string of {} bytes is too long (the limit is {STRING_LIMIT})",
            s.len()
        )));
    }
    Ok(rt.heap.string(s))
}

/// The byte offset of char index `i` (at most the char count) in `s`.
fn byte_offset(s: &Gc<Str>, i: usize) -> usize {
    let text = s.as_str();
    if s.nchars as usize == text.len() {
        return i;
    }
    text.char_indices().nth(i).map_or(text.len(), |(b, _)| b)
}

/// The chars `[start, end)` of `s`, with the bounds in `a[from..]`.
fn slice<'a>(
    who: &'static str,
    s: &'a Gc<Str>,
    a: &[Value],
    from: usize,
) -> Result<&'a str, Fault> {
    let (start, end) = args::bounds(who, a, from, s.nchars as usize)?;
    let (b0, b1) = (byte_offset(s, start), byte_offset(s, end));
    Ok(&s.as_str()[b0..b1])
}

pub fn string_length(rt: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    let n = args::string("string-length", a[0])?.nchars;
    Ok(rt.heap.int(n as i64))
}

pub fn string_ref(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    let s = args::string("string-ref", a[0])?;
    let i = args::index("string-ref", a[1], s.nchars as usize, false)?;
    let text = s.as_str();
    let c = if s.nchars as usize == text.len() {
        text.as_bytes()[i] as char
    } else {
        text.chars()
            .nth(i)
            .expect("index checked against the char count")
    };
    Ok(Value::char(c))
}

/// `(substring s start [end])`.
pub fn substring(rt: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    let s = args::string("substring", a[0])?;
    let part = slice("substring", &s, a, 1)?;
    Ok(rt.heap.string(part))
}

/// `(string-copy s [start [end]])`.
pub fn string_copy(rt: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    let s = args::string("string-copy", a[0])?;
    let part = slice("string-copy", &s, a, 1)?;
    Ok(rt.heap.string(part))
}

pub fn string_append(rt: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    let mut out = String::new();
    for &v in a {
        out.push_str(args::string("string-append", v)?.as_str());
    }
    new_string(rt, "string-append", &out)
}

/// A chained comparison of strings; every argument is type-checked.
fn compare_strings(
    who: &'static str,
    a: &[Value],
    key: fn(&str) -> std::borrow::Cow<'_, str>,
    ok: fn(Ordering) -> bool,
) -> Result<Value, Fault> {
    let strs = a
        .iter()
        .map(|&v| args::string(who, v))
        .collect::<Result<Vec<_>, Fault>>()?;
    // Rust orders `str`s by bytes, which for UTF-8 is the order of chars.
    let all = strs
        .windows(2)
        .all(|w| ok(key(w[0].as_str()).cmp(&key(w[1].as_str()))));
    Ok(Value::bool(all))
}

fn same(s: &str) -> std::borrow::Cow<'_, str> {
    s.into()
}

/// Case folding for `string-ci=?` (full Unicode lower-casing).
fn folded(s: &str) -> std::borrow::Cow<'_, str> {
    s.to_lowercase().into()
}

pub fn string_eq(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    compare_strings("string=?", a, same, Ordering::is_eq)
}

pub fn string_lt(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    compare_strings("string<?", a, same, Ordering::is_lt)
}

pub fn string_gt(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    compare_strings("string>?", a, same, Ordering::is_gt)
}

pub fn string_le(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    compare_strings("string<=?", a, same, Ordering::is_le)
}

pub fn string_ge(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    compare_strings("string>=?", a, same, Ordering::is_ge)
}

pub fn string_ci_eq(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    compare_strings("string-ci=?", a, folded, Ordering::is_eq)
}

/// `(string->list s [start [end]])`.
pub fn string_to_list(rt: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    let s = args::string("string->list", a[0])?;
    let chars: Vec<Value> = slice("string->list", &s, a, 1)?
        .chars()
        .map(Value::char)
        .collect();
    Ok(rt.heap.list(&chars))
}

/// The string of the chars in `items`.
fn chars_to_string(who: &'static str, items: &[Value]) -> Result<String, Fault> {
    items.iter().map(|&c| args::char(who, c)).collect()
}

pub fn list_to_string(rt: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    let items = args::list("list->string", a[0])?;
    let s = chars_to_string("list->string", &items)?;
    new_string(rt, "list->string", &s)
}

/// `(string char ...)`.
pub fn string(rt: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    let s = chars_to_string("string", a)?;
    new_string(rt, "string", &s)
}

pub fn string_upcase(rt: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    let s = args::string("string-upcase", a[0])?.as_str().to_uppercase();
    new_string(rt, "string-upcase", &s)
}

pub fn string_downcase(rt: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    let s = args::string("string-downcase", a[0])?
        .as_str()
        .to_lowercase();
    new_string(rt, "string-downcase", &s)
}

/// `(string-contains s pattern)`: the char index of the first occurrence
/// of `pattern` in `s`, or `#f` (SRFI 13's name and argument order).
pub fn string_contains(rt: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    let s = args::string("string-contains", a[0])?;
    let pat = args::string("string-contains", a[1])?;
    let text = s.as_str();
    Ok(match text.find(pat.as_str()) {
        Some(b) => rt.heap.int(text[..b].chars().count() as i64),
        None => Value::FALSE,
    })
}

/// `(string-split s sep)`: the pieces of `s` between occurrences of `sep`
/// (a char, or a non-empty string). Empty pieces are kept, so joining the
/// result with `sep` gives `s` back: `(string-split "a,,b" #\,)` is
/// `("a" "" "b")`, and `(string-split "" #\,)` is `("")`.
pub fn string_split(rt: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    const WHO: &str = "string-split";
    let s = args::string(WHO, a[0])?;
    let text = s.as_str();
    let pieces: Vec<&str> = if let Some(c) = a[1].as_char() {
        text.split(c).collect()
    } else if let Some(sep) = a[1].as_str().filter(|p| !p.as_str().is_empty()) {
        text.split(sep.as_str()).collect()
    } else {
        return Err(Fault::Type {
            who: WHO,
            expected: "a char or a non-empty string",
            got: a[1],
        });
    };
    let values: Vec<Value> = pieces.into_iter().map(|p| rt.heap.string(p)).collect();
    Ok(rt.heap.list(&values))
}

/// `(string-join strings [sep])`: the strings of a list joined with `sep`
/// between them (default `" "`, as in Racket).
pub fn string_join(rt: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    const WHO: &str = "string-join";
    let items = args::list(WHO, a[0])?;
    let sep = match a.get(1) {
        Some(&v) => args::string(WHO, v)?.as_str().to_owned(),
        None => " ".to_owned(),
    };
    let parts = items
        .iter()
        .map(|&v| args::string(WHO, v))
        .collect::<Result<Vec<_>, Fault>>()?;
    let joined = parts
        .iter()
        .map(|p| p.as_str())
        .collect::<Vec<&str>>()
        .join(&sep);
    new_string(rt, "string-join", &joined)
}

pub fn char_to_integer(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    Ok(Value::int_unchecked(
        args::char("char->integer", a[0])? as i64
    ))
}

pub fn integer_to_char(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    let n = args::int("integer->char", a[0])?;
    let c = u32::try_from(n).ok().and_then(char::from_u32);
    c.map(Value::char)
        .ok_or_else(|| Fault::Msg(format!("integer->char: {n} is not a Unicode scalar value")))
}

/// A chained comparison of chars; every argument is type-checked.
fn compare_chars(who: &'static str, a: &[Value], ok: fn(Ordering) -> bool) -> Result<Value, Fault> {
    let cs = a
        .iter()
        .map(|&v| args::char(who, v))
        .collect::<Result<Vec<char>, Fault>>()?;
    Ok(Value::bool(cs.windows(2).all(|w| ok(w[0].cmp(&w[1])))))
}

pub fn char_eq(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    compare_chars("char=?", a, Ordering::is_eq)
}

pub fn char_lt(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    compare_chars("char<?", a, Ordering::is_lt)
}

pub fn char_gt(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    compare_chars("char>?", a, Ordering::is_gt)
}

pub fn char_le(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    compare_chars("char<=?", a, Ordering::is_le)
}

pub fn char_ge(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    compare_chars("char>=?", a, Ordering::is_ge)
}

fn char_test(who: &'static str, v: Value, test: fn(char) -> bool) -> Result<Value, Fault> {
    Ok(Value::bool(test(args::char(who, v)?)))
}

pub fn is_char_alphabetic(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    char_test("char-alphabetic?", a[0], char::is_alphabetic)
}

/// Rust's `is_numeric` (Unicode Nd, Nl and No): wider than R7RS's Nd,
/// which only matters beyond ASCII (`#\½` is numeric here).
pub fn is_char_numeric(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    char_test("char-numeric?", a[0], char::is_numeric)
}

pub fn is_char_whitespace(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    char_test("char-whitespace?", a[0], char::is_whitespace)
}

pub fn is_char_upper_case(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    char_test("char-upper-case?", a[0], char::is_uppercase)
}

pub fn is_char_lower_case(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    char_test("char-lower-case?", a[0], char::is_lowercase)
}

/// A char's case mapping when it is a single char (`ß` upper-cases to
/// "SS", so `(char-upcase #\ß)` stays `#\ß`, as R7RS's simple mapping).
fn map_case<I: Iterator<Item = char>>(c: char, mapped: I) -> char {
    let mut it = mapped;
    match (it.next(), it.next()) {
        (Some(m), None) => m,
        _ => c,
    }
}

pub fn char_upcase(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    let c = args::char("char-upcase", a[0])?;
    Ok(Value::char(map_case(c, c.to_uppercase())))
}

pub fn char_downcase(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    let c = args::char("char-downcase", a[0])?;
    Ok(Value::char(map_case(c, c.to_lowercase())))
}

/// The value of a decimal digit char, or `#f`. Only ASCII digits count:
/// the Rust standard library has no table of other Unicode digit values.
pub fn digit_value(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    let c = args::char("digit-value", a[0])?;
    Ok(c.to_digit(10)
        .map_or(Value::FALSE, |d| Value::int_unchecked(d as i64)))
}

pub fn string_to_symbol(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    let s = args::string("string->symbol", a[0])?;
    Ok(Value::symbol(Symbol::intern(s.as_str())))
}

pub fn symbol_to_string(rt: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    let s = args::symbol("symbol->string", a[0])?;
    Ok(rt.heap.string(&s.name()))
}

pub fn symbol_eq(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    let syms = a
        .iter()
        .map(|&v| args::symbol("symbol=?", v))
        .collect::<Result<Vec<_>, Fault>>()?;
    Ok(Value::bool(syms.windows(2).all(|w| w[0] == w[1])))
}

/// `(string->keyword "k")` is `:k`.
pub fn string_to_keyword(_: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    let s = args::string("string->keyword", a[0])?;
    Ok(Value::keyword(Symbol::intern(s.as_str())))
}

/// `(keyword->string :k)` is `"k"`, without the colon.
pub fn keyword_to_string(rt: &mut Runtime, a: &[Value]) -> Result<Value, Fault> {
    let k = a[0].as_keyword().ok_or(Fault::Type {
        who: "keyword->string",
        expected: "a keyword",
        got: a[0],
    })?;
    Ok(rt.heap.string(&k.name()))
}

#[cfg(test)]
mod tests {
    use super::super::testing::{call, check, rt};
    use super::*;

    #[test]
    fn lengths_and_indexing_count_chars() {
        check(&[
            ("string-length", "\"hello\"", "5"),
            ("string-length", "\"héllo→\"", "6"),
            ("string-length", "\"\"", "0"),
            ("string-ref", "\"abc\" 1", "#\\b"),
            ("string-ref", "\"héllo\" 1", "#\\é"),
            ("string-ref", "\"héllo\" 4", "#\\o"),
            (
                "string-ref",
                "\"abc\" 3",
                "error: string-ref: index 3 out of range",
            ),
            (
                "string-ref",
                "\"abc\" -1",
                "error: string-ref: index -1 out of range",
            ),
            (
                "string-ref",
                "abc 0",
                "error: string-ref: expected a string, got abc",
            ),
            ("substring", "\"hello, world\" 7 12", "\"world\""),
            ("substring", "\"hello\" 2", "\"llo\""),
            ("substring", "\"hello\" 3 3", "\"\""),
            ("substring", "\"héllo\" 1 3", "\"él\""),
            (
                "substring",
                "\"hello\" 3 2",
                "error: substring: index 3 out of range",
            ),
            (
                "substring",
                "\"hello\" 0 6",
                "error: substring: index 6 out of range",
            ),
            ("string-copy", "\"héllo\" 1", "\"éllo\""),
            (
                "string-length",
                "5",
                "error: string-length: expected a string, got 5",
            ),
        ]);
    }

    #[test]
    fn building_and_comparing() {
        check(&[
            ("string-append", "", "\"\""),
            ("string-append", "\"a\" \"\" \"bc\"", "\"abc\""),
            (
                "string-append",
                "\"a\" #\\b",
                "error: string-append: expected a string, got #\\b",
            ),
            ("string", "#\\a #\\λ", "\"aλ\""),
            ("string", "", "\"\""),
            ("string", "#\\a 1", "error: string: expected a char, got 1"),
            ("string=?", "\"a\" \"a\" \"a\"", "#t"),
            ("string=?", "\"a\"", "#t"),
            ("string<?", "\"ab\" \"abc\" \"b\"", "#t"),
            ("string<?", "\"Zebra\" \"apple\"", "#t"),
            ("string>?", "\"b\" \"a\"", "#t"),
            ("string<=?", "\"a\" \"a\" \"b\"", "#t"),
            ("string>=?", "\"a\" \"b\"", "#f"),
            (
                "string=?",
                "\"a\" \"b\" 5",
                "error: string=?: expected a string, got 5",
            ),
            ("string-ci=?", "\"HeLLo\" \"hello\"", "#t"),
            ("string-ci=?", "\"a\" \"b\"", "#f"),
            (
                "string-upcase",
                "\"Hello, World 42\"",
                "\"HELLO, WORLD 42\"",
            ),
            ("string-downcase", "\"ÀB\"", "\"àb\""),
            ("string->list", "\"a b\"", "(#\\a #\\space #\\b)"),
            ("string->list", "\"héllo\" 1 3", "(#\\é #\\l)"),
            ("list->string", "(#\\x #\\y)", "\"xy\""),
            ("list->string", "()", "\"\""),
            (
                "list->string",
                "(#\\x 1)",
                "error: list->string: expected a char, got 1",
            ),
        ]);
    }

    #[test]
    fn searching_splitting_and_joining() {
        check(&[
            ("string-contains", "\"hello world\" \"o w\"", "4"),
            ("string-contains", "\"héllo\" \"l\"", "2"),
            ("string-contains", "\"abc\" \"\"", "0"),
            ("string-contains", "\"abc\" \"x\"", "#f"),
            (
                "string-split",
                "\"a,b,,c\" #\\,",
                "(\"a\" \"b\" \"\" \"c\")",
            ),
            ("string-split", "\"\" #\\,", "(\"\")"),
            ("string-split", "\"a::b\" \"::\"", "(\"a\" \"b\")"),
            (
                "string-split",
                "\"a\" \"\"",
                "error: string-split: expected a char or a non-empty string, got \"\"",
            ),
            ("string-join", "(\"a\" \"b\" \"c\") \", \"", "\"a, b, c\""),
            ("string-join", "(\"a\" \"b\")", "\"a b\""),
            ("string-join", "()", "\"\""),
            (
                "string-join",
                "(\"a\" b)",
                "error: string-join: expected a string, got b",
            ),
        ]);
    }

    #[test]
    fn chars() {
        check(&[
            ("char->integer", "#\\A", "65"),
            ("char->integer", "#\\λ", "955"),
            ("integer->char", "97", "#\\a"),
            (
                "integer->char",
                "55296",
                "error: integer->char: 55296 is not a Unicode scalar value",
            ),
            (
                "integer->char",
                "-1",
                "error: integer->char: -1 is not a Unicode scalar value",
            ),
            (
                "integer->char",
                "1114112",
                "error: integer->char: 1114112 is not a Unicode scalar value",
            ),
            ("char=?", "#\\a #\\a #\\a", "#t"),
            ("char<?", "#\\a #\\b #\\c", "#t"),
            ("char<?", "#\\A #\\a", "#t"),
            ("char>?", "#\\b #\\a", "#t"),
            ("char<=?", "#\\a #\\a", "#t"),
            ("char>=?", "#\\a #\\b", "#f"),
            (
                "char=?",
                "#\\a \"a\"",
                "error: char=?: expected a char, got \"a\"",
            ),
            ("char-alphabetic?", "#\\λ", "#t"),
            ("char-alphabetic?", "#\\1", "#f"),
            ("char-numeric?", "#\\7", "#t"),
            ("char-whitespace?", "#\\space", "#t"),
            ("char-whitespace?", "#\\a", "#f"),
            ("char-upper-case?", "#\\A", "#t"),
            ("char-lower-case?", "#\\A", "#f"),
            ("char-upcase", "#\\a", "#\\A"),
            ("char-upcase", "#\\ß", "#\\ß"),
            ("char-downcase", "#\\Σ", "#\\σ"),
            ("digit-value", "#\\7", "7"),
            ("digit-value", "#\\a", "#f"),
        ]);
    }

    #[test]
    fn symbols_and_keywords() {
        check(&[
            ("string->symbol", "\"hello\"", "hello"),
            ("symbol->string", "foo-bar", "\"foo-bar\""),
            (
                "symbol->string",
                "\"x\"",
                "error: symbol->string: expected a symbol, got \"x\"",
            ),
            ("symbol=?", "a a a", "#t"),
            ("symbol=?", "a b", "#f"),
            ("string->keyword", "\"k\"", ":k"),
            ("keyword->string", ":threshold", "\"threshold\""),
            (
                "keyword->string",
                "k",
                "error: keyword->string: expected a keyword, got k",
            ),
        ]);
        let mut rt = rt();
        let s = rt.heap.string("abc");
        let sym = call(&mut rt, "string->symbol", &[s]).unwrap();
        assert_eq!(
            sym,
            Value::symbol(Symbol::intern("abc")),
            "symbols are interned"
        );
    }

    #[test]
    fn long_non_ascii_strings_index_correctly() {
        let mut rt = rt();
        let text: String = (0..1000)
            .map(|i| if i % 2 == 0 { 'é' } else { 'x' })
            .collect();
        let s = rt.heap.string(&text);
        let c = call(&mut rt, "string-ref", &[s, Value::int_unchecked(999)]).unwrap();
        assert_eq!(c.as_char(), Some('x'));
        let sub = call(
            &mut rt,
            "substring",
            &[s, Value::int_unchecked(998), Value::int_unchecked(1000)],
        )
        .unwrap();
        assert_eq!(sub.as_str().unwrap().as_str(), "éx");
    }
}
