//! The one markdown escaper, for the report and every export. Anything a stranger wrote
//! goes through [`text`]: `crate::sanitize` makes it inert and joins its lines, then
//! every character that means something to markdown or HTML is escaped, so a post cannot
//! break a table, open a code span, add a link or inject a tag. Link targets go through
//! [`url`]: http(s) only.

use std::fmt::Write;

/// Escapes one line of untrusted text for markdown (inline or in a table cell).
pub fn text(raw: &str) -> String {
    escape(&crate::sanitize::inert_line(raw))
}

/// A handle, escaped, its invisible characters shown ([`crate::sanitize::handle`]).
pub fn handle(raw: &str) -> String {
    escape(&crate::sanitize::handle(raw))
}

fn escape(clean: &str) -> String {
    let mut out = String::with_capacity(clean.len() + 8);
    for c in clean.trim().chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' | '#' | '!' | '(' | ')' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// [`text`] cut to `max` characters, with an ellipsis.
pub fn snippet(raw: &str, max: usize) -> String {
    let line = crate::sanitize::inert_line(raw);
    let line = line.trim();
    if line.chars().count() <= max {
        return text(line);
    }
    let cut: String = line.chars().take(max.saturating_sub(1)).collect();
    format!("{}…", text(cut.trim_end()))
}

/// A link target that cannot close the link or carry markup: only http(s) URLs, with
/// every character outside a safe set percent-encoded.
pub fn url(raw: &str) -> Option<String> {
    let raw = raw.trim();
    if !(raw.starts_with("https://") || raw.starts_with("http://")) {
        return None;
    }
    let mut out = String::with_capacity(raw.len());
    for b in raw.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~:/?=&%+,;@".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pipes_backticks_and_tags_are_escaped() {
        assert_eq!(text("a|b"), "a\\|b");
        assert_eq!(text("`rm -rf`"), "\\`rm -rf\\`");
        assert_eq!(
            text("<script>alert(1)</script>"),
            "&lt;script&gt;alert\\(1\\)&lt;/script&gt;"
        );
        assert_eq!(text("[click](http://x)"), "\\[click\\]\\(http://x\\)");
    }

    #[test]
    fn newlines_and_escape_sequences_cannot_break_a_row() {
        assert_eq!(text("one\n\ntwo\u{1b}[31m red"), "one two red");
        assert_eq!(text("# heading\n| x |"), "\\# heading \\| x \\|");
    }

    #[test]
    fn a_snippet_cuts_on_characters_not_bytes() {
        assert_eq!(snippet("café con leche", 6), "café…");
    }

    #[test]
    fn urls_are_http_only_and_cannot_close_the_link() {
        assert_eq!(url("javascript:alert(1)"), None);
        assert_eq!(
            url("https://x.example/a b)<c>").unwrap(),
            "https://x.example/a%20b%29%3Cc%3E"
        );
    }
}
