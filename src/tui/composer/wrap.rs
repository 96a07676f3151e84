//! The composer's text wrapped to the pane's width, knowing which screen row holds the
//! cursor: the view scrolls to that row, so a reply longer than the pane is never typed
//! blind. Words wrap at spaces; a word wider than the pane breaks where it must.

use unicode_width::UnicodeWidthChar;

/// One screen row: the logical line it comes from and its chars `start..end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Row {
    pub line: usize,
    pub start: usize,
    pub end: usize,
}

/// The rows of `lines` in `width` columns (at least one row per line).
pub fn rows(lines: &[String], width: usize) -> Vec<Row> {
    let width = width.max(1);
    let mut out = Vec::new();
    for (line, text) in lines.iter().enumerate() {
        let chars: Vec<char> = text.chars().collect();
        let mut start = 0;
        loop {
            let end = row_end(&chars, start, width);
            out.push(Row { line, start, end });
            if end >= chars.len() {
                break;
            }
            start = end;
        }
    }
    out
}

/// Where the row starting at `start` ends: after the last space that fits, or at the
/// width when the word alone is wider.
fn row_end(chars: &[char], start: usize, width: usize) -> usize {
    let mut used = 0;
    let mut last_space = None;
    for (i, c) in chars.iter().enumerate().skip(start) {
        let w = c.width().unwrap_or(0);
        if used + w > width {
            // The cursor after a full row's last char still needs a cell: a space there
            // may overflow (it is drawn as the next row's start).
            return match last_space {
                Some(s) if s > start => s,
                _ if i == start => i + 1,
                _ => i,
            };
        }
        used += w;
        if *c == ' ' {
            last_space = Some(i + 1);
        }
    }
    chars.len()
}

/// The row holding the cursor at (`line`, `col`): a column at a row's end belongs to
/// the next row of the same line when there is one.
pub fn cursor_row(rows: &[Row], line: usize, col: usize) -> usize {
    rows.iter()
        .enumerate()
        .filter(|(_, r)| r.line == line)
        .find(|(i, r)| {
            let last = rows.get(i + 1).is_none_or(|n| n.line != line);
            col < r.end || (last && col >= r.start)
        })
        .map(|(i, _)| i)
        .unwrap_or(rows.len().saturating_sub(1))
}

/// The first row to show so the cursor row stays in view, moving `previous` as little
/// as possible (a textarea's usual scrolling).
pub fn scroll(previous: usize, cursor: usize, visible: usize, total: usize) -> usize {
    let visible = visible.max(1);
    let top = if cursor < previous {
        cursor
    } else if cursor >= previous + visible {
        cursor + 1 - visible
    } else {
        previous
    };
    top.min(total.saturating_sub(visible))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(lines: &[&str], width: usize) -> Vec<String> {
        let lines: Vec<String> = lines.iter().map(|s| s.to_string()).collect();
        rows(&lines, width)
            .iter()
            .map(|r| {
                lines[r.line]
                    .chars()
                    .skip(r.start)
                    .take(r.end - r.start)
                    .collect()
            })
            .collect()
    }

    #[test]
    fn words_wrap_at_spaces_and_long_words_break() {
        assert_eq!(texts(&["one two three"], 8), vec!["one two ", "three"]);
        assert_eq!(texts(&["abcdefghij"], 4), vec!["abcd", "efgh", "ij"]);
        assert_eq!(texts(&["", "x"], 4), vec!["", "x"]);
        assert_eq!(texts(&["コーヒー最高"], 5), vec!["コー", "ヒー", "最高"]);
    }

    #[test]
    fn the_cursor_row_follows_the_wrapped_text() {
        let lines = vec!["one two three".to_string(), "four".to_string()];
        let rows = rows(&lines, 8);
        assert_eq!(cursor_row(&rows, 0, 0), 0);
        assert_eq!(cursor_row(&rows, 0, 8), 1);
        assert_eq!(cursor_row(&rows, 0, 13), 1);
        assert_eq!(cursor_row(&rows, 1, 4), 2);
    }

    #[test]
    fn scrolling_keeps_the_cursor_in_view_and_moves_little() {
        assert_eq!(scroll(0, 9, 4, 10), 6);
        assert_eq!(scroll(6, 7, 4, 10), 6);
        assert_eq!(scroll(6, 2, 4, 10), 2);
        assert_eq!(scroll(6, 3, 4, 4), 0);
    }
}
