//! Terminal escape sequences carried in text, recognised so they can be dropped whole.
//!
//! Only what a terminal would really run as a sequence is dropped; when the bytes after
//! an ESC do not form one, only the ESC goes and the text after it stays visible (an
//! ESC followed by a space must not hide the next letter).

use std::iter::Peekable;
use std::str::Chars;

pub(super) const ESC: char = '\u{1b}';
const BEL: char = '\u{7}';
const ST: char = '\u{9c}';

/// After an ESC: drops the sequence it opens, if any.
pub(super) fn skip_after_esc(chars: &mut Peekable<Chars<'_>>) {
    let Some(&next) = chars.peek() else {
        return;
    };
    match next {
        '[' => {
            chars.next();
            skip_csi(chars);
        }
        // OSC, DCS, SOS, PM, APC: a string up to its terminator.
        ']' | 'P' | 'X' | '^' | '_' => {
            chars.next();
            skip_string(chars);
        }
        '\u{20}'..='\u{2f}' => {
            if let Some(len) = nf_len(chars.clone()) {
                for _ in 0..len {
                    chars.next();
                }
            }
        }
        // Two-character escapes: ESC 7, ESC c (reset), ESC M…
        '\u{30}'..='\u{7e}' => {
            chars.next();
        }
        _ => {}
    }
}

/// The length of an nF sequence (intermediates then a final byte) starting at `chars`,
/// if it is one a terminal acts on: ESC SP F/G/L/M/N (7/8-bit controls, conformance
/// level), or intermediates from `!` to `/` (charset designation, DEC line size…) and a
/// final byte. ESC SP followed by anything else is not a sequence.
fn nf_len(mut chars: Peekable<Chars<'_>>) -> Option<usize> {
    let first = chars.next()?;
    if first == ' ' {
        return matches!(chars.next()?, 'F' | 'G' | 'L' | 'M' | 'N').then_some(2);
    }
    let mut len = 1;
    for c in chars {
        len += 1;
        match c {
            '\u{20}'..='\u{2f}' => {}
            '\u{30}'..='\u{7e}' => return Some(len),
            _ => return None,
        }
    }
    None
}

/// CSI: parameter and intermediate bytes, then one final byte in `@`..`~`. A character
/// that cannot be part of it ends it and is kept.
pub(super) fn skip_csi(chars: &mut Peekable<Chars<'_>>) {
    while let Some(&c) = chars.peek() {
        match c {
            '\u{20}'..='\u{3f}' => {
                chars.next();
            }
            '\u{40}'..='\u{7e}' => {
                chars.next();
                return;
            }
            _ => return,
        }
    }
}

/// OSC/DCS/SOS/PM/APC: runs until BEL or ST (ESC \ or U+9C). Another ESC ends the
/// string and starts its own sequence, as it does on a terminal.
pub(super) fn skip_string(chars: &mut Peekable<Chars<'_>>) {
    while let Some(&c) = chars.peek() {
        match c {
            BEL | ST => {
                chars.next();
                return;
            }
            ESC => {
                chars.next();
                if chars.peek() == Some(&'\\') {
                    chars.next();
                } else {
                    skip_after_esc(chars);
                }
                return;
            }
            _ => {
                chars.next();
            }
        }
    }
}
