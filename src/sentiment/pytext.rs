//! Python-compatible string primitives the reference relies on: `str.split()`
//! whitespace, `str.strip(string.punctuation)`, `str.lower()` and
//! `str.isupper()`. Parity depends on each matching CPython exactly.

/// `str.isspace()`: Rust's White_Space plus the four C0 separators
/// U+001C..U+001F, which CPython counts (bidi class B/S) and Rust does not.
#[inline]
pub(crate) fn is_py_space(c: char) -> bool {
    if c.is_ascii() {
        matches!(
            c,
            ' ' | '\t' | '\n' | '\x0b' | '\x0c' | '\r' | '\x1c'..='\x1f'
        )
    } else {
        c.is_whitespace()
    }
}

/// `str.split()` with no argument: the non-empty runs between whitespace.
/// ASCII bytes are classified directly; only non-ASCII ones are decoded.
pub(crate) fn py_words(s: &str) -> PyWords<'_> {
    PyWords { s, pos: 0 }
}

pub(crate) struct PyWords<'a> {
    s: &'a str,
    pos: usize,
}

impl PyWords<'_> {
    /// Length of the whitespace character at byte `i`, or 0 if it is none.
    #[inline]
    fn space_len(&self, i: usize) -> usize {
        let b = self.s.as_bytes()[i];
        if b < 0x80 {
            usize::from(is_py_space(char::from(b)))
        } else {
            match self.s[i..].chars().next() {
                Some(c) if c.is_whitespace() => c.len_utf8(),
                _ => 0,
            }
        }
    }
}

impl<'a> Iterator for PyWords<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let n = self.s.len();
        let mut i = self.pos;
        loop {
            if i >= n {
                self.pos = n;
                return None;
            }
            match self.space_len(i) {
                0 => break,
                l => i += l,
            }
        }
        let start = i;
        while i < n && self.space_len(i) == 0 {
            // step over a whole UTF-8 character
            i += 1;
            while i < n && !self.s.is_char_boundary(i) {
                i += 1;
            }
        }
        self.pos = i;
        Some(&self.s[start..i])
    }
}

/// `str.strip()` with no argument.
#[inline]
pub(crate) fn py_strip(s: &str) -> &str {
    s.trim_matches(is_py_space)
}

/// `_strip_punc_if_word`: strip ASCII punctuation from both ends; if that
/// leaves two code points or fewer the token was probably an emoticon, so it
/// is kept whole.
#[inline]
pub(crate) fn strip_punc_if_word(token: &str) -> &str {
    let stripped = token.trim_matches(|c: char| c.is_ascii_punctuation());
    let short = if stripped.is_ascii() {
        stripped.len() <= 2
    } else {
        stripped.chars().nth(2).is_none()
    };
    if short {
        token
    } else {
        stripped
    }
}

/// Append `str.lower()` of `s` to `out`. ASCII is the hot path; anything else
/// goes through Rust's full Unicode lowercasing, which like CPython maps
/// U+0130 to "i\u{307}" and handles the final sigma.
#[inline]
pub(crate) fn push_lower(s: &str, out: &mut String) {
    if s.is_ascii() {
        out.extend(s.bytes().map(|b| char::from(b.to_ascii_lowercase())));
    } else if s.contains('\u{3A3}') {
        // capital sigma lowercases by context (final form): let std decide
        out.push_str(&s.to_lowercase());
    } else {
        // per-character mapping: same result, no temporary String
        s.chars()
            .flat_map(char::to_lowercase)
            .for_each(|c| out.push(c));
    }
}

/// Titlecase letters (general category Lt): CPython's `isupper()` rejects
/// them like lowercase letters.
fn is_titlecase(c: char) -> bool {
    matches!(c,
        '\u{01C5}' | '\u{01C8}' | '\u{01CB}' | '\u{01F2}'
        | '\u{1F88}'..='\u{1F8F}' | '\u{1F98}'..='\u{1F9F}' | '\u{1FA8}'..='\u{1FAF}'
        | '\u{1FBC}' | '\u{1FCC}' | '\u{1FFC}')
}

/// `str.isupper()`: at least one cased character and no lowercase or
/// titlecase one (CPython uses the Lowercase/Uppercase derived properties).
#[inline]
pub(crate) fn py_isupper(s: &str) -> bool {
    let mut cased = false;
    if s.is_ascii() {
        for b in s.bytes() {
            if b.is_ascii_lowercase() {
                return false;
            }
            cased |= b.is_ascii_uppercase();
        }
        return cased;
    }
    for c in s.chars() {
        if c.is_lowercase() || is_titlecase(c) {
            return false;
        }
        cased |= c.is_uppercase();
    }
    cased
}

/// CPython's `round(x, digits)`: the exact binary value correctly rounded to
/// `digits` decimals, ties to even, then the nearest double. The fast path is
/// exact whenever the scaled value is not near a half; otherwise Rust's exact
/// decimal formatting (same rounding rule) decides.
pub(crate) fn py_round(x: f64, digits: i32) -> f64 {
    let scale = 10f64.powi(digits);
    let y = x * scale;
    let frac = y - y.floor();
    if y.abs() < 1e12 && (frac - 0.5).abs() > 1e-6 {
        let r = y.round() / scale;
        // keep Python's sign on a rounded-away zero (round(-0.00001, 4) == -0.0)
        return if r == 0.0 { 0.0f64.copysign(x) } else { r };
    }
    let d = usize::try_from(digits).unwrap_or(0);
    format!("{x:.d$}").parse().unwrap_or(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whitespace_includes_c0_separators() {
        assert!(is_py_space('\x1c') && is_py_space('\u{3000}') && is_py_space('\u{85}'));
        assert!(!is_py_space('\u{200b}') && !is_py_space('a'));
    }

    #[test]
    fn words_split_like_python() {
        let w: Vec<&str> = py_words(" a\u{1c}bé\u{3000}c\u{a0}\u{a0} d\u{200b}e  ").collect();
        assert_eq!(w, ["a", "bé", "c", "d\u{200b}e"]);
        assert_eq!(py_words(" \t ").count(), 0);
    }

    #[test]
    fn punctuation_strip_keeps_emoticons() {
        assert_eq!(strip_punc_if_word(":)"), ":)");
        assert_eq!(strip_punc_if_word("good!!!"), "good");
        assert_eq!(strip_punc_if_word("(ok)"), "(ok)");
        assert_eq!(strip_punc_if_word("'héllo'"), "héllo");
    }

    #[test]
    fn isupper_matches_python() {
        assert!(py_isupper("GOOD!") && py_isupper("ÉTÉ"));
        assert!(!py_isupper("Good") && !py_isupper(":)") && !py_isupper("\u{01C5}A"));
    }

    #[test]
    fn lower_matches_python() {
        let lower = |s: &str| {
            let mut out = String::new();
            push_lower(s, &mut out);
            out
        };
        assert_eq!(lower("GoOD"), "good");
        assert_eq!(lower("\u{130}X"), "i\u{307}x");
        assert_eq!(lower("ΟΔΟΣ ΣΑ"), "οδος σα");
        assert_eq!(lower("ΟΔΟΣ"), "οδος");
        assert_eq!(lower("\u{212A}ILL"), "kill");
    }

    #[test]
    fn round_matches_python() {
        assert_eq!(py_round(0.0625, 3), 0.062);
        assert_eq!(py_round(2.675, 2), 2.67);
        assert_eq!(py_round(0.00005, 4), 0.0001);
        assert_eq!(py_round(0.43235, 4), 0.4324);
        assert_eq!(py_round(-0.6597, 4), -0.6597);
    }
}
