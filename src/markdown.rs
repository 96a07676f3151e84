//! The one markdown escaper, for the report and every export. Anything a stranger wrote
//! goes through [`text`]: `crate::sanitize` makes it inert and joins its lines, then every
//! character that would mean something to markdown or HTML *where it stands* is escaped, so
//! a post cannot break a table, open a code span, add a link, start a heading or inject a
//! tag, and ordinary punctuation ("back!!", "(baseline", quotes) is left as written.
//! Link targets go through [`url`]: http(s) only.

use std::fmt::Write;

/// Escapes one line of untrusted text for markdown (inline or in a table cell).
pub fn text(raw: &str) -> String {
    escape(&crate::sanitize::inert_line(raw))
}

/// A handle, escaped, its invisible characters shown ([`crate::sanitize::handle`]).
pub fn handle(raw: &str) -> String {
    escape(&crate::sanitize::handle(raw))
}

/// Escapes only what would change the meaning; the text stays readable pasted as plain
/// text into mail or chat. The edges of the text count as "anything could be here", so
/// escaped pieces stay safe however they are joined, at a line start or inside `**…**`.
fn escape(clean: &str) -> String {
    let chars: Vec<char> = clean.trim().chars().collect();
    let mut out = String::with_capacity(clean.len() + 8);
    let block = block_marker(&chars);
    let closing_at = closes_email_autolink(&chars);
    for (i, &c) in chars.iter().enumerate() {
        let prev = i.checked_sub(1).map(|j| chars[j]);
        let next = chars.get(i + 1).copied();
        // What HTML would read (a tag, an entity) is written as an entity: every markdown
        // flavour and HTML decode that, while some older ones ignore `\<` and `\&`.
        match c {
            '<' if next.is_none_or(|n| n.is_ascii_alphabetic() || "/!?".contains(n))
                || opens_email_autolink(&chars[i + 1..]) =>
            {
                out.push_str("&lt;");
                continue;
            }
            '&' if is_reference(&chars[i + 1..]) => {
                out.push_str("&amp;");
                continue;
            }
            _ => {}
        }
        let needed = match c {
            // Table cells, code spans, links and images (`!` is inert without a `[`).
            '|' | '`' | '[' | ']' => true,
            // Not needed once `]` is escaped, but `](` then reads as no link target to a
            // renderer (or a filter) that ignores the escape.
            '(' => prev == Some(']'),
            // A backslash escapes the punctuation after it, or whatever follows the text.
            '\\' => next.is_none_or(|n| n.is_ascii_punctuation()),
            // Emphasis and strikethrough: a delimiter with a space on both sides is
            // literal; `_` inside a word cannot open or close emphasis either.
            '*' | '~' => !(spaced(prev) && spaced(next)),
            '_' => !(spaced(prev) && spaced(next) || word(prev) && word(next)),
            // A heading's closing sequence would be dropped.
            '#' => chars[i..].iter().all(|&c| c == '#') && prev.is_none_or(|p| p == ' '),
            _ => false,
        } || block == Some(i)
            || closing_at == Some(i);
        if needed {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Whitespace (the edge of the text is not: something may be joined there).
fn spaced(c: Option<char>) -> bool {
    c.is_some_and(char::is_whitespace)
}

fn word(c: Option<char>) -> bool {
    c.is_some_and(char::is_alphanumeric)
}

/// Where the text would open a block if it started a line: a heading (`# `), a quote,
/// a list item (`- `, `+ `, `* `, `1. `, `1) `), a rule or setext underline (`-`, `=`).
/// Returns the index of the character to escape.
fn block_marker(chars: &[char]) -> Option<usize> {
    let first = *chars.first()?;
    let next = chars.get(1).copied();
    match first {
        '>' => Some(0),
        '#' => {
            let run = chars.iter().take_while(|&&c| c == '#').count();
            chars.get(run).is_none_or(|&c| c == ' ').then_some(0)
        }
        // `-5 degrees` and `+1` stay as written; `- x`, `--`, `==` would not.
        '-' | '+' | '=' | '*' => next.is_none_or(|n| n == ' ' || n == first).then_some(0),
        '0'..='9' => {
            let digits = chars.iter().take_while(|c| c.is_ascii_digit()).count();
            let after = chars.get(digits).copied();
            let then = chars.get(digits + 1).copied();
            (digits <= 9 && matches!(after, Some('.' | ')')) && then.is_none_or(|c| c == ' '))
                .then_some(digits)
        }
        _ => None,
    }
}

/// `&amp;`, `&#38;`, `&#x26;`: what follows an `&` that markdown would decode.
fn is_reference(rest: &[char]) -> bool {
    let mut body: Vec<char> = Vec::new();
    for &c in rest {
        if c == ';' {
            return match body.as_slice() {
                [] => false,
                ['#', 'x' | 'X', hex @ ..] => {
                    !hex.is_empty() && hex.iter().all(char::is_ascii_hexdigit)
                }
                ['#', dec @ ..] => !dec.is_empty() && dec.iter().all(char::is_ascii_digit),
                name => {
                    name[0].is_ascii_alphabetic() && name.iter().all(char::is_ascii_alphanumeric)
                }
            };
        }
        if !(c.is_ascii_alphanumeric() || c == '#') || body.len() >= 32 {
            return false;
        }
        body.push(c);
    }
    // The text ends inside what could still become a reference: escaped pieces are joined
    // (a report line, a table row), and the next one may complete it (`…&#` + `5;…`).
    match body.as_slice() {
        [] | ['#'] | ['#', 'x' | 'X'] => true,
        ['#', 'x' | 'X', hex @ ..] => hex.iter().all(char::is_ascii_hexdigit),
        ['#', dec @ ..] => dec.iter().all(char::is_ascii_digit),
        name => name[0].is_ascii_alphabetic() && name.iter().all(char::is_ascii_alphanumeric),
    }
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

/// Whether `rest`, what follows a `<`, is an email autolink (`<fan#1@example.org>` reads
/// as a link), or has its `@` and could still close as one in a piece joined after it.
/// (`<3` alone is left as written: without an `@` nothing can make it a link here.)
fn opens_email_autolink(rest: &[char]) -> bool {
    let name = rest.iter().take_while(|c| email_local(c)).count();
    name > 0 && rest.get(name) == Some(&'@') && closes_at_host(&rest[name + 1..])
}

/// The `@` of a text that starts by closing an email autolink a piece joined before it
/// could have opened (`1@example.org>`, `@example.org>`): escaped, as no autolink holds
/// `\@`. Only with its `>`: a handle or an address alone (`@nimbus`) stays as written.
fn closes_email_autolink(chars: &[char]) -> Option<usize> {
    let name = chars.iter().take_while(|c| email_local(c)).count();
    if chars.get(name) != Some(&'@') {
        return None;
    }
    let host = host_len(&chars[name + 1..]);
    (chars.get(name + 1 + host) == Some(&'>')).then_some(name)
}

fn email_local(c: &char) -> bool {
    c.is_ascii_alphanumeric() || ".!#$%&'*+/=?^_`{|}~-".contains(*c)
}

/// A host name then `>`, or a host name running to the end of the text.
fn closes_at_host(rest: &[char]) -> bool {
    rest.get(host_len(rest)).is_none_or(|c| *c == '>')
}

fn host_len(rest: &[char]) -> usize {
    rest.iter()
        .take_while(|c| c.is_ascii_alphanumeric() || **c == '-' || **c == '.')
        .count()
}
#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

    /// The GitHub-flavoured extensions chat and mail renderers use (no smart quotes: they
    /// change the text, not its meaning).
    fn gfm() -> Options {
        Options::ENABLE_TABLES
            | Options::ENABLE_STRIKETHROUGH
            | Options::ENABLE_TASKLISTS
            | Options::ENABLE_FOOTNOTES
            | Options::ENABLE_GFM
    }

    /// What a reader sees of `md`: its plain text, and every markup event other than the
    /// ones `allowed` (the context the test put the text in).
    fn read_back(md: &str, allowed: &[&str]) -> (String, Vec<String>) {
        let mut text = String::new();
        let mut markup = Vec::new();
        for event in Parser::new_ext(md, gfm()) {
            match event {
                Event::Text(t) => text.push_str(&t),
                Event::Start(tag) => {
                    let name = tag_name(&tag);
                    if !allowed.contains(&name.as_str()) {
                        markup.push(format!("{tag:?}"));
                    }
                }
                Event::End(end) => {
                    let name = end_name(end);
                    if !allowed.contains(&name.as_str()) {
                        markup.push(format!("{end:?}"));
                    }
                }
                other => markup.push(format!("{other:?}")),
            }
        }
        (text, markup)
    }

    fn tag_name(tag: &Tag) -> String {
        let debug = format!("{tag:?}");
        debug
            .split(['(', ' ', '{'])
            .next()
            .unwrap_or("")
            .to_string()
    }

    fn end_name(end: TagEnd) -> String {
        let debug = format!("{end:?}");
        debug
            .split(['(', ' ', '{'])
            .next()
            .unwrap_or("")
            .to_string()
    }

    /// Checks that `raw`, escaped, reads back as exactly its text in a paragraph, a table
    /// cell, inside bold, and joined to itself.
    fn reads_as_written(raw: &str) {
        let expected = crate::sanitize::inert_line(raw).trim().to_string();
        let escaped = text(raw);
        let (read, markup) = read_back(&escaped, &["Paragraph"]);
        assert_eq!(read, expected, "paragraph: {escaped:?}");
        assert!(markup.is_empty(), "paragraph {escaped:?} became {markup:?}");
        let table = format!("| a | b |\n|---|---|\n| {escaped} | x |\n");
        let (read, markup) = read_back(&table, &["Table", "TableHead", "TableRow", "TableCell"]);
        assert_eq!(read, format!("ab{expected}x"), "table: {table:?}");
        assert!(markup.is_empty(), "table {table:?} became {markup:?}");
        if !expected.is_empty() {
            let bold = format!("**{escaped}**");
            let (read, markup) = read_back(&bold, &["Paragraph", "Strong"]);
            assert_eq!(read, expected, "bold: {bold:?}");
            assert!(markup.is_empty(), "bold {bold:?} became {markup:?}");
        }
        let twice = format!("{escaped}{escaped}");
        let (read, markup) = read_back(&twice, &["Paragraph"]);
        assert_eq!(read, format!("{expected}{expected}"), "joined: {twice:?}");
        assert!(markup.is_empty(), "joined {twice:?} became {markup:?}");
    }

    const HOSTILE: &[&str] = &[
        "<#@1>",
        "write to <support@nimbus.example> today",
        "1@nimbus.example> is where",
        "a|b",
        "`rm -rf`",
        "<script>alert(1)</script>",
        "<https://evil.example>",
        "[click](http://x)",
        "![img](http://x/a.png)",
        "[ref]: http://x",
        "# heading",
        "## also",
        "> quoted",
        "- item",
        "+ item",
        "* item",
        "1. first",
        "12) twelfth",
        "---",
        "===",
        "~~struck~~ and ~single~",
        "**bold** and *em* and __strong__ and _em_",
        "snake_case_name and 2*3*4",
        "&amp; &#38; &#x26; &copy;",
        "ends with a backslash \\",
        "\\*not bold*",
        "title #",
        "[^1] footnote",
        "- [ ] task",
        "```\nfenced\n```",
        "~~~",
        "<!-- comment -->",
        "a\n\n# two paragraphs",
    ];

    const ORDINARY: &[&str] = &[
        "back!!",
        "(baseline)",
        "he said \"no\"",
        "AT&T & friends",
        "love it <3 and 2 < 3 > 1",
        "5 * 3 = 15",
        "-5 degrees, +1 from me",
        "#hashtag in the middle #nimbus",
        "@maria_lopez",
        "ana@nimbus.example",
        "love you guys <3",
        "~5 minutes",
        "café con leche: ¿por qué?",
        "2026. A year",
        "",
    ];

    #[test]
    fn hostile_text_reads_back_as_written_with_no_markup() {
        for raw in HOSTILE.iter().chain(ORDINARY) {
            reads_as_written(raw);
        }
    }

    #[test]
    fn ordinary_punctuation_is_left_alone() {
        assert_eq!(text("back!!"), "back!!");
        assert_eq!(text("(baseline 3)"), "(baseline 3)");
        assert_eq!(text("he said \"no\""), "he said \"no\"");
        assert_eq!(text("AT&T <3"), "AT&T <3");
        assert_eq!(text("@maria_lopez #nimbus"), "@maria_lopez #nimbus");
        assert_eq!(text("5 * 3"), "5 * 3");
    }

    #[test]
    fn what_would_change_the_meaning_is_escaped() {
        assert_eq!(text("a|b"), "a\\|b");
        assert_eq!(text("`rm -rf`"), "\\`rm -rf\\`");
        assert_eq!(
            text("<script>alert(1)</script>"),
            "&lt;script>alert(1)&lt;/script>"
        );
        assert_eq!(text("[click](http://x)"), "\\[click\\]\\(http://x)");
        assert_eq!(text("**bold**"), "\\*\\*bold\\*\\*");
        assert_eq!(text("1. first"), "1\\. first");
        assert_eq!(text("&amp;"), "&amp;amp;");
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

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Any mix of markdown's punctuation, letters and spaces reads back as written.
        #[test]
        fn any_text_reads_back_as_written(
            raw in proptest::collection::vec(
                prop_oneof![
                    proptest::sample::select(
                        "\\`*_{}[]()#+-.!|~<>&;:/?=\"'@ \n\t1aZé".chars().collect::<Vec<_>>()
                    ),
                    any::<char>(),
                ],
                0..24,
            )
        ) {
            let raw: String = raw.into_iter().collect();
            reads_as_written(&raw);
        }
    }
}
