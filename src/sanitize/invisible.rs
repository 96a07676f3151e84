//! Characters that draw nothing (Unicode's Default_Ignorable_Code_Point: zero-width
//! spaces and joiners, bidi controls, variation selectors, tag characters, Hangul
//! fillers, the soft hyphen…). Terminals disagree on their width and a reader cannot see
//! them, so a body keeps only those that change how it looks (a joiner inside an emoji
//! sequence) and a handle shows every one of them.

use unicode_width::UnicodeWidthChar;

const ZWNJ: char = '\u{200c}';
const ZWJ: char = '\u{200d}';
const VS16: char = '\u{fe0f}';

/// Unicode 15.1 Default_Ignorable_Code_Point.
pub(super) fn is_default_ignorable(c: char) -> bool {
    matches!(c as u32,
        0x00AD | 0x034F | 0x061C | 0x115F..=0x1160 | 0x17B4..=0x17B5 | 0x180B..=0x180F
        | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x206F | 0x3164 | 0xFE00..=0xFE0F
        | 0xFEFF | 0xFFA0 | 0xFFF0..=0xFFF8 | 0x1BCA0..=0x1BCA3 | 0x1D173..=0x1D17A
        | 0xE0000..=0xE0FFF)
}

/// Close to Unicode's Extended_Pictographic: what an emoji ZWJ sequence is built from.
fn is_pictographic(c: char) -> bool {
    matches!(c as u32,
        0x00A9 | 0x00AE | 0x203C | 0x2049 | 0x2122 | 0x2139 | 0x2194..=0x2199
        | 0x21A9..=0x21AA | 0x231A..=0x231B | 0x2328 | 0x23CF | 0x23E9..=0x23F3
        | 0x23F8..=0x23FA | 0x24C2 | 0x25AA..=0x25AB | 0x25B6 | 0x25C0 | 0x25FB..=0x25FE
        | 0x2600..=0x27BF | 0x2934..=0x2935 | 0x2B05..=0x2B07 | 0x2B1B..=0x2B1C | 0x2B50
        | 0x2B55 | 0x3030 | 0x303D | 0x3297 | 0x3299 | 0x1F000..=0x1FAFF)
}

/// Body text: drops the ignorables that carry no meaning. Kept: a ZWJ (and the VS16s
/// inside) joining emoji into one sequence, so 👩‍💻 stays one glyph, and a ZWNJ between
/// two non-Latin letters (Persian and Indic words need it). A VS16 anywhere else is
/// dropped: terminals draw `⚠️` one or two columns wide and the list cannot know which,
/// while `⚠` is one column everywhere. A joiner whose sequence is not fully emoji is
/// dropped too, so every terminal draws its parts side by side.
pub(super) fn strip(chars: &[char]) -> Vec<char> {
    let at = |i: usize| chars.get(i).copied();
    let mut out: Vec<char> = Vec::with_capacity(chars.len());
    for (i, &c) in chars.iter().enumerate() {
        if !is_default_ignorable(c) {
            out.push(c);
            continue;
        }
        let keep = match c {
            ZWJ => joins_emoji(&out, at(i + 1), at(i + 2)),
            // Inside a sequence: before its joiner, or closing the emoji after one.
            VS16 => {
                let before = out.last().copied().is_some_and(is_pictographic);
                let opens = at(i + 1) == Some(ZWJ) && joins_emoji(&[VS16], at(i + 2), at(i + 3));
                let closes = out.len() >= 2 && out[out.len() - 2] == ZWJ;
                before && (opens || closes)
            }
            ZWNJ => {
                let letter =
                    |c: Option<char>| c.is_some_and(|c| c.is_alphabetic() && !c.is_ascii());
                let next = chars[i + 1..]
                    .iter()
                    .copied()
                    .find(|c| !is_default_ignorable(*c));
                letter(out.last().copied()) && letter(next)
            }
            _ => false,
        };
        if keep {
            out.push(c);
        }
    }
    out
}

/// A ZWJ after `done` and before `after` (followed by `then`) joins two emoji that are
/// both drawn as emoji: wide by default, or followed by a VS16. A skin-tone modifier
/// counts only on the emoji it modifies.
fn joins_emoji(done: &[char], after: Option<char>, then: Option<char>) -> bool {
    let emoji = |c: char| is_pictographic(c) && !is_modifier(c) && c.width() == Some(2);
    let before = match done {
        [.., base, m] if is_modifier(*m) => emoji(*base),
        [.., c] => *c == VS16 || emoji(*c),
        [] => false,
    };
    let after = after.is_some_and(|c| emoji(c) || (is_pictographic(c) && then == Some(VS16)));
    before && after
}

fn is_modifier(c: char) -> bool {
    ('\u{1f3fb}'..='\u{1f3ff}').contains(&c)
}

/// A handle: every ignorable becomes a visible `<U+200B>`, so `@brand\u{200b}` cannot
/// pass for `@brand`.
pub(super) fn reveal(chars: &[char]) -> Vec<char> {
    let mut out = Vec::with_capacity(chars.len());
    for &c in chars {
        if is_default_ignorable(c) {
            out.extend(format!("<U+{:04X}>", c as u32).chars());
        } else {
            out.push(c);
        }
    }
    out
}
