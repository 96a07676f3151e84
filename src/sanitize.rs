//! Makes text from platforms inert before it reaches a terminal or a report.
//!
//! Anyone can post text, so a post may carry ANSI/OSC escape sequences (recolour the
//! screen, set the window title, write to the clipboard), raw control characters, or
//! bidi overrides that make a line read differently from what it is (DESIGN.md §7).
//! Escape sequences are removed whole; other control characters become visible
//! control pictures (␇) so nothing hides; bidi controls are removed.

use unicode_width::UnicodeWidthStr;

const ESC: char = '\u{1b}';
const BEL: char = '\u{7}';

/// Returns `text` with escape sequences removed, control characters made visible and bidi
/// controls stripped. Newlines are kept; tabs become spaces.
pub fn inert(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            ESC => skip_escape_sequence(&mut chars),
            // C1 CSI/OSC/DCS introducers act like ESC [ / ESC ] / ESC P on some terminals.
            '\u{9b}' => skip_csi(&mut chars),
            '\u{9d}' | '\u{90}' | '\u{9e}' | '\u{9f}' => skip_string(&mut chars),
            '\n' => out.push('\n'),
            '\t' => out.push_str("    "),
            '\r' => {}
            c if is_bidi_control(c) => {}
            c if (c as u32) < 0x20 => out.push(char::from_u32(0x2400 + c as u32).unwrap_or('?')),
            '\u{7f}' => out.push('\u{2421}'),
            c if ('\u{80}'..='\u{9f}').contains(&c) => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// Like [`inert`] but on one line: newlines become a visible `⏎ ` so a list row never breaks.
pub fn inert_line(text: &str) -> String {
    let clean = inert(text);
    let mut out = String::with_capacity(clean.len());
    let mut last_space = false;
    for c in clean.chars() {
        if c == '\n' {
            if !last_space {
                out.push(' ');
            }
            last_space = true;
        } else {
            last_space = c == ' ';
            out.push(c);
        }
    }
    out
}

/// Cuts `text` to at most `max_cols` terminal columns, ending with `…` when it was cut.
/// Wide characters (CJK, emoji) count as two columns so list columns stay aligned.
pub fn truncate_to_width(text: &str, max_cols: usize) -> String {
    if text.width() <= max_cols {
        return text.to_string();
    }
    if max_cols == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for grapheme in unicode_segmentation::UnicodeSegmentation::graphemes(text, true) {
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

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{61c}')
}

fn skip_escape_sequence(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    match chars.peek().copied() {
        Some('[') => {
            chars.next();
            skip_csi(chars);
        }
        Some(']') | Some('P') | Some('X') | Some('^') | Some('_') => {
            chars.next();
            skip_string(chars);
        }
        // Two-character escapes such as ESC c (reset) or ESC 7.
        Some(c) if ('\u{20}'..='\u{7e}').contains(&c) => {
            chars.next();
            // ESC ( B and friends take one more intermediate byte.
            if ('\u{20}'..='\u{2f}').contains(&c) {
                chars.next();
            }
        }
        _ => {}
    }
}

/// CSI: parameter and intermediate bytes, then one final byte in @..~.
fn skip_csi(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    for c in chars.by_ref() {
        if ('\u{40}'..='\u{7e}').contains(&c) {
            return;
        }
        if !('\u{20}'..='\u{3f}').contains(&c) {
            return;
        }
    }
}

/// OSC/DCS/APC/PM: runs until BEL or ST (ESC \ or U+9C).
fn skip_string(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    while let Some(c) = chars.next() {
        match c {
            BEL | '\u{9c}' => return,
            ESC => {
                if chars.peek() == Some(&'\\') {
                    chars.next();
                }
                return;
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ansi_colour_codes_are_removed_and_the_words_kept() {
        assert_eq!(inert("\u{1b}[31mFREE\u{1b}[0m coins"), "FREE coins");
        assert_eq!(inert("a\u{1b}[38;2;255;0;0mb"), "ab");
    }

    #[test]
    fn osc_window_title_and_clipboard_writes_are_removed() {
        assert_eq!(inert("hi\u{1b}]0;pwned\u{7}there"), "hithere");
        assert_eq!(inert("x\u{1b}]52;c;ZXZpbA==\u{1b}\\y"), "xy");
        assert_eq!(inert("x\u{9d}0;t\u{9c}y"), "xy");
    }

    #[test]
    fn bare_control_characters_become_visible_pictures() {
        assert_eq!(inert("ding\u{7}dong"), "ding\u{2407}dong");
        assert_eq!(inert("back\u{8}space"), "back\u{2408}space");
        assert_eq!(inert("a\rb"), "ab");
    }

    #[test]
    fn bidi_overrides_cannot_reorder_the_line() {
        let hostile = "invoice_\u{202e}fdp.exe";
        assert_eq!(inert(hostile), "invoice_fdp.exe");
        assert_eq!(inert("a\u{2066}b\u{2069}c"), "abc");
    }

    #[test]
    fn ordinary_text_emoji_and_accents_pass_unchanged() {
        let text = "¡Qué café! 👨‍👩‍👧 🇪🇸 — ok";
        assert_eq!(inert(text), text);
    }

    #[test]
    fn a_trailing_lone_escape_does_not_panic() {
        assert_eq!(inert("end\u{1b}"), "end");
        assert_eq!(inert("end\u{1b}["), "end");
    }

    #[test]
    fn one_line_form_joins_lines() {
        assert_eq!(inert_line("one\ntwo\n\nthree"), "one two three");
    }

    #[test]
    fn truncation_counts_wide_characters_as_two_columns() {
        assert_eq!(truncate_to_width("コーヒー最高", 7), "コーヒ…");
        assert_eq!(truncate_to_width("short", 10), "short");
        assert_eq!(truncate_to_width("👍👍👍👍", 5), "👍👍…");
        assert!(truncate_to_width("👨‍👩‍👧 family reunion", 6).width() <= 6);
    }
}
