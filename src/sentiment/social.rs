//! Social-post pre-processing: @mentions and URLs removed, HTML entities
//! decoded, emoji normalised and mapped to curated valences, brand terms
//! neutralised, lexicon supplement and config overrides applied.

use std::collections::BTreeMap;

use super::emoji::{Normalizer, Step};
use super::lexicon::{self, FxMap};
use super::pytext::{is_py_space, push_lower, strip_punc_if_word};
use super::vader::{Lookup, Scratch};

pub(crate) struct Social {
    lexicon: FxMap<Box<str>, f64>,
    /// Curated emoji valences (also present in `lexicon`, keyed by the emoji).
    curated: FxMap<char, f64>,
    neutral: FxMap<Box<str>, ()>,
    /// Multi-word neutral terms, lowercased, split into tokens.
    phrases: Vec<Vec<String>>,
}

impl Social {
    pub(crate) fn new(
        base: &FxMap<Box<str>, f64>,
        neutral_terms: &[String],
        overrides: &BTreeMap<String, f64>,
    ) -> Self {
        let mut lexicon = base.clone();
        let mut curated = FxMap::default();
        for (k, v) in lexicon::parse_table(lexicon::SOCIAL_EMOJI) {
            if let Some(c) = k.chars().next() {
                curated.insert(c, v);
                lexicon.insert(k.into(), v);
            }
        }
        for (k, v) in lexicon::parse_table(lexicon::SOCIAL_WORDS) {
            lexicon.insert(k.into(), v);
        }
        for (k, v) in overrides {
            let mut key = String::new();
            push_lower(k.trim(), &mut key);
            lexicon.insert(key.into(), *v);
        }
        let mut neutral = FxMap::default();
        let mut phrases = Vec::new();
        for term in neutral_terms {
            let words: Vec<String> = term
                .split(is_py_space)
                .filter(|w| !w.is_empty())
                .map(|w| {
                    let mut s = String::new();
                    push_lower(term_word(w), &mut s);
                    s
                })
                .collect();
            match words.len() {
                0 => {}
                1 => {
                    neutral.insert(words[0].clone().into(), ());
                }
                _ => phrases.push(words),
            }
        }
        Social {
            lexicon,
            curated,
            neutral,
            phrases,
        }
    }

    /// Rewrite `text` into `out`: whitespace-separated chunks, URLs and
    /// mentions dropped, entities decoded, emoji normalised and isolated
    /// (curated ones kept as tokens, others replaced by the reference's
    /// description words). `!`/`?` counts are preserved outside URLs.
    pub(crate) fn preprocess(
        &self,
        text: &str,
        emoji: &FxMap<char, &'static str>,
        out: &mut String,
    ) {
        let mut norm = Normalizer::default();
        for chunk in text.split(is_py_space) {
            if chunk.is_empty() || is_url(chunk) {
                continue;
            }
            let mut prev_word = false;
            let mut rest = chunk;
            while let Some(c) = rest.chars().next() {
                rest = &rest[c.len_utf8()..];
                let c = if c == '&' {
                    match decode_entity(rest) {
                        Some((d, used)) => {
                            rest = &rest[used..];
                            d
                        }
                        None => c,
                    }
                } else {
                    c
                };
                if c == '@' && !prev_word {
                    let handle = rest.bytes().take_while(|b| is_handle_byte(*b)).count();
                    if handle > 0 {
                        rest = &rest[handle..];
                        continue;
                    }
                }
                prev_word = c.is_alphanumeric();
                let Step::Keep(c) = norm.step(c) else {
                    continue;
                };
                if c.is_ascii() {
                    out.push(c);
                } else if self.curated.contains_key(&c) {
                    out.push(' ');
                    out.push(c);
                    out.push(' ');
                } else if let Some(desc) = emoji.get(&c) {
                    out.push(' ');
                    out.push_str(desc);
                    out.push(' ');
                } else if c == '\u{a0}' {
                    out.push(' ');
                } else {
                    out.push(c);
                }
            }
            out.push(' ');
        }
    }

    /// Mark tokens that spell a multi-word neutral term as neutral.
    pub(crate) fn neutralize_phrases(&self, s: &mut Scratch) {
        if self.phrases.is_empty() {
            return;
        }
        let n = s.toks.len();
        for i in 0..n {
            for p in &self.phrases {
                let m = p.len();
                if i + m <= n && (0..m).all(|k| term_word(s.lower_of(i + k)) == p[k]) {
                    (i..i + m).for_each(|k| s.neutralize(k));
                }
            }
        }
    }
}

impl Lookup for Social {
    #[inline]
    fn valence(&self, lower: &str) -> Option<f64> {
        self.lexicon.get(lower).copied()
    }
    #[inline]
    fn is_neutral(&self, lower: &str) -> bool {
        !self.neutral.is_empty() && self.neutral.contains_key(term_word(lower))
    }
}

/// A brand term or handle as a bare word: "@Acme," -> "Acme".
fn term_word(w: &str) -> &str {
    strip_punc_if_word(w).trim_start_matches(['@', '#'])
}

fn is_handle_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn is_url(chunk: &str) -> bool {
    let c = chunk.trim_start_matches(['(', '[', '<', '"', '\'']);
    let b = c.as_bytes();
    let starts = |p: &str| b.len() >= p.len() && b[..p.len()].eq_ignore_ascii_case(p.as_bytes());
    starts("http://") || starts("https://") || starts("www.") || starts("pic.twitter.com/")
}

/// Decode the entity after a `&` (named ones social posts carry, or numeric);
/// returns the character and the bytes consumed including the `;`.
fn decode_entity(rest: &str) -> Option<(char, usize)> {
    let end = rest.bytes().take(10).position(|b| b == b';')?;
    let name = &rest[..end];
    let c = match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => '\u{a0}',
        _ => {
            let num = name.strip_prefix('#')?;
            let code = match num.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => num.parse().ok()?,
            };
            char::from_u32(code)?
        }
    };
    Some((c, end + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pre(text: &str) -> String {
        let soc = Social::new(&FxMap::default(), &[], &BTreeMap::new());
        let emoji = FxMap::default();
        let mut out = String::new();
        soc.preprocess(text, &emoji, &mut out);
        out.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    #[test]
    fn mentions_urls_entities() {
        assert_eq!(
            pre("@united thanks!! https://t.co/x &amp; more"),
            "thanks!! & more"
        );
        assert_eq!(pre(".@Delta_Air ok me@example.com"), ". ok me@example.com");
        assert_eq!(pre("&lt;3 &#128077;&#x1F44D;"), "<3 👍 👍");
        assert_eq!(pre("love(www.x.com) (http://y)"), "love(www.x.com)");
    }

    #[test]
    fn emoji_is_isolated_and_normalised() {
        assert_eq!(pre("great👍🏽!"), "great 👍 !");
        assert_eq!(pre("❤️‍🔥❤️"), "❤ ❤");
    }
}
