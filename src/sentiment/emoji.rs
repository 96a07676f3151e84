//! Emoji handling: the reference's per-code-point translation to words, and
//! social mode's normalisation (variation selectors, skin tones, ZWJ
//! sequences, tag sequences) before lookup in the curated table.

use super::lexicon::FxMap;

/// The reference's emoji loop: each code point found in the emoji lexicon is
/// replaced by its description, preceded by a space unless one precedes it.
pub(crate) fn translate_reference(text: &str, emoji: &FxMap<char, &'static str>, out: &mut String) {
    let mut prev_space = true;
    for c in text.chars() {
        if let Some(desc) = emoji.get(&c) {
            if !prev_space {
                out.push(' ');
            }
            out.push_str(desc);
            prev_space = false;
        } else {
            out.push(c);
            prev_space = c == ' ';
        }
    }
}

/// What to do with one code point of an emoji sequence.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Step {
    /// Part of the sequence that carries no meaning of its own: drop it.
    Drop,
    /// A regular character (possibly an emoji base): keep it.
    Keep(char),
}

/// Normalises emoji sequences one code point at a time: a ZWJ sequence is
/// reduced to its first component (👩‍💻 -> 👩, ❤️‍🔥 -> ❤), modifiers and
/// selectors are removed (👍🏽 -> 👍, ❤️ -> ❤).
#[derive(Default)]
pub(crate) struct Normalizer {
    after_zwj: bool,
}

impl Normalizer {
    #[inline]
    pub(crate) fn step(&mut self, c: char) -> Step {
        if c.is_ascii() {
            self.after_zwj = false;
            return Step::Keep(c);
        }
        match c {
            // variation selectors (text/emoji presentation)
            '\u{FE0E}' | '\u{FE0F}' => Step::Drop,
            // Fitzpatrick skin-tone modifiers
            '\u{1F3FB}'..='\u{1F3FF}' => Step::Drop,
            // tag characters of subdivision flags
            '\u{E0020}'..='\u{E007F}' => Step::Drop,
            '\u{200D}' => {
                self.after_zwj = true;
                Step::Drop
            }
            _ if std::mem::take(&mut self.after_zwj) && is_pictographic(c) => Step::Drop,
            _ => Step::Keep(c),
        }
    }
}

/// Rough Extended_Pictographic test, enough to recognise ZWJ sequence tails.
#[inline]
pub(crate) fn is_pictographic(c: char) -> bool {
    matches!(c,
        '\u{00A9}' | '\u{00AE}' | '\u{203C}' | '\u{2049}' | '\u{2122}' | '\u{2139}'
        | '\u{2194}'..='\u{21AA}' | '\u{231A}'..='\u{23FF}' | '\u{24C2}'
        | '\u{25AA}'..='\u{27BF}' | '\u{2934}' | '\u{2935}' | '\u{2B05}'..='\u{2B55}'
        | '\u{3030}' | '\u{303D}' | '\u{3297}' | '\u{3299}'
        | '\u{1F000}'..='\u{1FAFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(s: &str) -> String {
        let mut n = Normalizer::default();
        s.chars()
            .filter_map(|c| match n.step(c) {
                Step::Keep(c) => Some(c),
                Step::Drop => None,
            })
            .collect()
    }

    #[test]
    fn sequences_reduce_to_their_base() {
        assert_eq!(norm("👍🏽"), "👍");
        assert_eq!(norm("❤️"), "❤");
        assert_eq!(norm("❤️‍🔥"), "❤");
        assert_eq!(norm("👩🏾‍💻 ok"), "👩 ok");
        assert_eq!(norm("🤦‍♀️"), "🤦");
        assert_eq!(norm("👨‍👩‍👧"), "👨");
        assert_eq!(norm("a\u{200D}b"), "ab");
    }
}
