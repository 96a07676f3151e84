//! Keyword lists: case-insensitive, on word boundaries, any number of words.
//!
//! One Aho-Corasick automaton finds every keyword in one pass however long the list (a
//! banned-word list of 20,000 entries is ordinary), where one big regex alternation runs
//! into the regex crate's size limit. The semantics are the regex ones hark had:
//! - case-insensitive (each character folded to one lower-case form, like `(?i)`),
//! - any run of whitespace matches a space in a phrase ("gift  card" = "gift card"),
//! - a keyword is bounded only on the sides where it starts or ends with a word
//!   character, so "airdrop" does not match "airdropped" and "#recall" or "€5,000" work.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

#[derive(Debug, Clone)]
pub struct Keywords {
    automaton: AhoCorasick,
    /// Per keyword: (bounded at its start, bounded at its end).
    bounds: Vec<(bool, bool)>,
}

impl Keywords {
    /// `words` are non-empty after trimming (the config checks).
    pub fn new(words: &[String]) -> Result<Keywords, String> {
        let patterns: Vec<String> = words.iter().map(|w| fold(w.trim())).collect();
        let bounds = patterns
            .iter()
            .map(|p| {
                (
                    p.chars().next().is_some_and(is_word),
                    p.chars().last().is_some_and(is_word),
                )
            })
            .collect();
        let automaton = AhoCorasickBuilder::new()
            // Standard semantics allow overlapping search: every candidate is checked,
            // so a keyword that fails its boundary never hides one that passes.
            .match_kind(MatchKind::Standard)
            .build(&patterns)
            .map_err(|e| format!("the keyword list cannot be compiled: {e}"))?;
        Ok(Keywords { automaton, bounds })
    }

    pub fn is_match(&self, text: &str) -> bool {
        let text = fold(text);
        self.automaton.find_overlapping_iter(&text).any(|m| {
            let (start, end) = self.bounds[m.pattern().as_usize()];
            (!start || !text[..m.start()].chars().next_back().is_some_and(is_word))
                && (!end || !text[m.end()..].chars().next().is_some_and(is_word))
        })
    }
}

/// Lower-cased with every whitespace run as one space, so matching is a plain search.
fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_space = false;
    for c in text.chars() {
        if c.is_whitespace() {
            if !in_space {
                out.push(' ');
            }
            in_space = true;
            continue;
        }
        in_space = false;
        out.push(fold_char(c));
    }
    out
}

/// One representative per simple case-folding class, as `(?i)` treats them: 'ς' and 'Σ'
/// fold to 'σ', 'ſ' to 's'. A character whose case mapping is several characters
/// ('ß' → "SS") stays itself, as in the regex crate.
fn fold_char(c: char) -> char {
    let upper = single(c.to_uppercase()).unwrap_or(c);
    single(upper.to_lowercase())
        .or_else(|| single(c.to_lowercase()))
        .unwrap_or(c)
}

/// The only character of `chars`, if it has exactly one.
fn single(mut chars: impl Iterator<Item = char>) -> Option<char> {
    let first = chars.next()?;
    chars.next().is_none().then_some(first)
}

pub fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keywords(words: &[&str]) -> Keywords {
        Keywords::new(&words.iter().map(|w| w.to_string()).collect::<Vec<_>>()).unwrap()
    }

    #[test]
    fn case_folds_like_the_regex_crate() {
        let k = keywords(&["straße", "σοφία", "kelvin"]);
        assert!(k.is_match("STRAẞE"));
        assert!(!k.is_match("strasse"));
        assert!(k.is_match("ΣΟΦΊΑ"));
        assert!(k.is_match("\u{212a}elvin"));
    }

    #[test]
    fn a_failed_boundary_does_not_hide_a_later_match() {
        let k = keywords(&["air", "airdrop"]);
        assert!(!k.is_match("airdropped airdrops"));
        assert!(k.is_match("airdropped air"));
        assert!(k.is_match("the airdropper, then an airdrop"));
    }

    #[test]
    fn twenty_thousand_keywords_compile_and_match() {
        let words: Vec<String> = (0..20_000).map(|i| format!("banned{i}word")).collect();
        let k = Keywords::new(&words).unwrap();
        assert!(k.is_match("this has BANNED19999WORD in it"));
        assert!(k.is_match("banned0word"));
        assert!(!k.is_match("banned0words and banned20000word"));
    }
}
