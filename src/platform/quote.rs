//! A quoted post inside an item's body, the same on every platform: `> @handle: text`,
//! each further line of the quoted text behind `> ` too.

/// The quote block for a post by `handle` (with or without its `@`) saying `text`.
pub fn block(handle: &str, text: &str) -> String {
    let handle = handle.trim_start_matches('@');
    let mut lines = text.trim().lines();
    let mut out = format!("> @{handle}: {}", lines.next().unwrap_or("").trim_end());
    for line in lines.map(str::trim_end) {
        out.push_str(if line.is_empty() { "\n>" } else { "\n> " });
        out.push_str(line);
    }
    out.trim_end().to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_quoted_line_is_marked() {
        assert_eq!(
            super::block("@ana.test", "first\nsecond\n"),
            "> @ana.test: first\n> second"
        );
        assert_eq!(super::block("ana", ""), "> @ana:");
    }
}
