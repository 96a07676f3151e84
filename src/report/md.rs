//! Markdown output: escaping for text from posts, tables, and number formatting.
//!
//! Anything a stranger wrote goes through [`text`]: escape sequences are removed by
//! `crate::sanitize`, lines are joined, and every character that means something to
//! markdown or HTML is escaped, so a post cannot break a table, open a code span, add a
//! link or inject a tag.

use std::fmt::Write;

/// Escapes one line of untrusted text for markdown (inline or in a table cell).
pub fn text(raw: &str) -> String {
    let clean = crate::sanitize::inert_line(raw);
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

/// A markdown table. Cells must already be escaped. Columns whose every cell is a
/// figure are right-aligned.
pub fn table(out: &mut String, header: &[&str], rows: &[Vec<String>]) {
    let _ = writeln!(out, "| {} |", header.join(" | "));
    let rule: Vec<&str> = (0..header.len())
        .map(|i| {
            let numeric = rows.iter().all(|r| {
                let cell = r.get(i).map(|c| c.trim_start_matches('*')).unwrap_or("");
                cell.is_empty()
                    || cell.starts_with(|c: char| c.is_ascii_digit() || "+-–".contains(c))
            });
            if i > 0 && numeric {
                "---:"
            } else {
                "---"
            }
        })
        .collect();
    let _ = writeln!(out, "|{}|", rule.join("|"));
    for row in rows {
        let _ = writeln!(out, "| {} |", row.join(" | "));
    }
    out.push('\n');
}

/// A left-aligned table (for text columns).
pub fn text_table(out: &mut String, header: &[&str], rows: &[Vec<String>]) {
    let _ = writeln!(out, "| {} |", header.join(" | "));
    let _ = writeln!(out, "|{}|", vec!["---"; header.len()].join("|"));
    for row in rows {
        let _ = writeln!(out, "| {} |", row.join(" | "));
    }
    out.push('\n');
}

/// A duration in seconds as "42m", "3h 05m", "2d 4h".
pub fn duration(secs: i64) -> String {
    let secs = secs.max(0);
    if secs < 60 {
        format!("{secs}s")
    } else if secs < 3600 {
        format!("{}m", secs / 60)
    } else if secs < 86_400 {
        format!("{}h {:02}m", secs / 3600, (secs % 3600) / 60)
    } else {
        format!("{}d {}h", secs / 86_400, (secs % 86_400) / 3600)
    }
}

/// A percentage with no decimals, or "–" when there is nothing to divide.
pub fn percent(part: u64, whole: u64) -> String {
    (part * 100 + whole / 2)
        .checked_div(whole)
        .map(|p| format!("{p}%"))
        .unwrap_or_else(|| "–".to_string())
}

/// A signed number: "+12", "-3", "0".
pub fn signed(n: i64) -> String {
    if n > 0 {
        format!("+{n}")
    } else {
        n.to_string()
    }
}

/// "120 items (previous week: 98, +22%)".
pub fn with_previous(now: u64, before: u64, unit: &str, label: &str) -> String {
    let change = if before == 0 {
        String::new()
    } else {
        let diff = (now as i64 - before as i64) * 100;
        let pct = (diff + diff.signum() * before as i64 / 2) / before as i64;
        format!(", {}%", signed(pct))
    };
    format!("{now} {unit} ({label}: {before}{change})")
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

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration(59), "59s");
        assert_eq!(duration(42 * 60), "42m");
        assert_eq!(duration(3 * 3600 + 5 * 60), "3h 05m");
        assert_eq!(duration(2 * 86_400 + 4 * 3600), "2d 4h");
    }
}
