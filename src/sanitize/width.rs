//! Width as the screen sees it. ratatui gives each grapheme the unicode-width of that
//! grapheme; unicode-width on a whole string also knows ligatures that span graphemes
//! (Arabic lam-alef is one column). When the two disagree, list columns drift and a
//! popup leaves characters behind, so sanitized text is settled until they agree.

use unicode_segmentation::UnicodeSegmentation;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// More combining marks than this on one letter are "zalgo": they only smear the rows
/// above and below.
const MAX_MARKS: usize = 4;
const ZWNJ: char = '\u{200c}';

/// The columns `text` takes on screen: the sum of its graphemes' widths, as ratatui
/// lays them out.
pub fn width(text: &str) -> usize {
    if text.is_ascii() {
        return text.len();
    }
    text.graphemes(true).map(UnicodeWidthStr::width).sum()
}

/// Cuts `text` to at most `max_cols` terminal columns, ending with `…` when it was cut.
/// Wide characters (CJK, emoji) count as two columns so list columns stay aligned.
pub fn truncate_to_width(text: &str, max_cols: usize) -> String {
    if width(text) <= max_cols {
        return text.to_string();
    }
    if max_cols == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for grapheme in text.graphemes(true) {
        let w = grapheme.width();
        if used + w + 1 > max_cols {
            break;
        }
        used += w;
        out.push_str(grapheme);
    }
    out.push('…');
    out
}

/// Drops marks with no letter to sit on, caps stacked marks, and breaks ligatures that
/// span graphemes, so `text.width()` equals [`width`].
pub(super) fn settle(text: &str) -> String {
    if text.is_ascii() {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut last_start: Option<usize> = None;
    for grapheme in text.graphemes(true) {
        if grapheme != "\n" && grapheme.width() == 0 {
            continue;
        }
        let grapheme = cap_marks(grapheme);
        let grapheme = no_stray_modifier(grapheme);
        if let Some(start) = last_start.filter(|&start| !out[start..].is_ascii()) {
            let last = &out[start..];
            let joined = format!("{last}{grapheme}");
            if joined.width() != last.width() + grapheme.width() {
                // A joiner left dangling goes; letters get a non-joiner between them.
                if out.ends_with('\u{200d}') {
                    out.pop();
                } else {
                    out.push(ZWNJ);
                }
            }
        }
        last_start = Some(out.len());
        out.push_str(&grapheme);
    }
    out
}

fn cap_marks(grapheme: &str) -> std::borrow::Cow<'_, str> {
    let is_mark = |c: char| c.width() == Some(0) && !matches!(c, '\u{200d}' | '\u{fe0f}');
    if grapheme.chars().skip(1).filter(|c| is_mark(*c)).count() <= MAX_MARKS {
        return grapheme.into();
    }
    let mut marks = 0;
    grapheme
        .chars()
        .enumerate()
        .filter(|&(i, c)| {
            if i == 0 || !is_mark(c) {
                return true;
            }
            marks += 1;
            marks <= MAX_MARKS
        })
        .map(|(_, c)| c)
        .collect::<String>()
        .into()
}

/// A skin-tone modifier belongs to the emoji before it; after anything else it joins
/// that letter into a three-column grapheme no terminal draws as one, so it goes.
fn no_stray_modifier(grapheme: std::borrow::Cow<'_, str>) -> std::borrow::Cow<'_, str> {
    let is_modifier = |c: char| ('\u{1f3fb}'..='\u{1f3ff}').contains(&c);
    if grapheme.width() <= 2 || !grapheme.chars().skip(1).any(is_modifier) {
        return grapheme;
    }
    grapheme
        .chars()
        .filter(|c| !is_modifier(*c))
        .collect::<String>()
        .into()
}
