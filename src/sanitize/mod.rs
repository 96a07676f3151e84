//! Makes text from platforms inert before it reaches a terminal, an export or a report.
//!
//! Anyone can post text, so a post may carry ANSI/OSC escape sequences (recolour the
//! screen, set the window title, write to the clipboard), raw control characters, bidi
//! overrides that make a line read differently from what it is, invisible characters
//! that make a look-alike handle, or characters whose width terminals disagree on, which
//! leave stray text on screen. Escape sequences are removed whole; other
//! control characters become visible control pictures (␇) so nothing hides; line and
//! paragraph separators become newlines; invisible characters are dropped from bodies
//! and shown in handles; what is left has one width everywhere ([`width`]).

mod escape;
mod invisible;
mod width;

pub use width::{truncate_to_width, width};

use escape::ESC;

/// Returns `text` with escape sequences removed, control characters made visible and
/// invisible characters dropped. Newlines are kept; tabs become spaces.
pub fn inert(text: &str) -> String {
    let chars = controls(text);
    width::settle(&invisible::strip(&chars).into_iter().collect::<String>())
}

/// Like [`inert`] but on one line: line breaks become one space so a list row never breaks.
pub fn inert_line(text: &str) -> String {
    width::settle(&one_line(&inert(text)))
}

/// A handle or an account name, on one line: like [`inert_line`] but every invisible
/// character is shown as `<U+200B>`, so a look-alike cannot pass for the real one.
pub fn handle(text: &str) -> String {
    let chars = controls(text);
    let shown: String = invisible::reveal(&chars).into_iter().collect();
    width::settle(&one_line(&shown))
}

fn one_line(clean: &str) -> String {
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

/// Escape sequences removed, C0 and C1 controls made visible, separators made newlines.
fn controls(text: &str) -> Vec<char> {
    let mut out = Vec::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            ESC => escape::skip_after_esc(&mut chars),
            // C1 CSI/OSC/DCS/SOS/PM/APC introducers act like their ESC forms on some terminals.
            '\u{9b}' => escape::skip_csi(&mut chars),
            '\u{9d}' | '\u{90}' | '\u{98}' | '\u{9e}' | '\u{9f}' => escape::skip_string(&mut chars),
            '\n' | '\u{85}' | '\u{2028}' | '\u{2029}' => out.push('\n'),
            '\t' => out.extend([' '; 4]),
            '\r' => {}
            c if (c as u32) < 0x20 => out.push(char::from_u32(0x2400 + c as u32).unwrap_or('?')),
            '\u{7f}' => out.push('\u{2421}'),
            c if ('\u{80}'..='\u{9f}').contains(&c) => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests;
