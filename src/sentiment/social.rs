//! Social-post pre-processing: @mentions and URLs removed, HTML entities
//! decoded, emoji normalised and mapped to curated valences, brand terms
//! neutralised, lexicon supplement and config overrides applied.

use std::collections::BTreeMap;

use super::emoji::{Normalizer, Step};
use super::lexicon::{self, FxMap};
use super::pytext::{is_py_space, push_lower, py_words, strip_punc_if_word};
use super::vader::{self, Lookup, Scratch};

pub(crate) struct Social {
    lexicon: FxMap<Box<str>, f64>,
    /// Emoji valences: the curated table over the Emoji Sentiment Ranking
    /// (also present in `lexicon`, keyed by the emoji).
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
        let mut curated = super::emoji_rank::valences();
        for (k, v) in lexicon::parse_table(lexicon::SOCIAL_EMOJI) {
            if let Some(c) = k.chars().next() {
                curated.insert(c, v);
            }
        }
        for (c, v) in &curated {
            lexicon.insert(c.to_string().into(), *v);
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

    /// Tokenise a post for scoring: links dropped; chunks with mentions,
    /// entities or non-ASCII characters rewritten into `buf` (mentions
    /// removed, entities decoded, emoji normalised and isolated: curated ones
    /// kept as tokens, others replaced by the reference's description words);
    /// plain chunks tokenised in place. Returns the `!`/`?` counts outside links.
    pub(crate) fn tokenize<L: Lookup>(
        &self,
        lx: &L,
        text: &str,
        emoji: Option<&FxMap<char, &'static str>>,
        buf: &mut String,
        s: &mut Scratch,
    ) -> (usize, usize) {
        s.clear();
        let (mut ep, mut qm) = (0, 0);
        let base = text.as_ptr() as usize;
        let mut norm = Normalizer::default();
        for chunk in py_words(text) {
            if is_url(chunk) {
                continue;
            }
            let piece = if chunk
                .bytes()
                .all(|b| b.is_ascii() && b != b'&' && b != b'@')
            {
                vader::push_token(chunk, chunk.as_ptr() as usize - base, false, lx, s);
                chunk
            } else {
                let from = buf.len();
                self.rewrite_chunk(chunk, emoji, &mut norm, buf);
                for w in py_words(&buf[from..]) {
                    vader::push_token(w, w.as_ptr() as usize - buf.as_ptr() as usize, true, lx, s);
                }
                &buf[from..]
            };
            let (e, q) = vader::count_marks(piece);
            ep += e;
            qm += q;
        }
        (ep, qm)
    }

    /// Rewrite one whitespace-free chunk (see `tokenize`) onto `out`.
    fn rewrite_chunk(
        &self,
        chunk: &str,
        emoji: Option<&FxMap<char, &'static str>>,
        norm: &mut Normalizer,
        out: &mut String,
    ) {
        if chunk.bytes().all(|b| b.is_ascii() && b != b'&') {
            push_without_mentions(chunk, out);
            out.push(' ');
            return;
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
            } else if let Some(desc) = emoji.and_then(|e| e.get(&c)) {
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

impl Social {
    /// Valence of a one-emoji key.
    #[inline]
    pub(crate) fn emoji_valence(&self, key: &str) -> Option<f64> {
        let mut cs = key.chars();
        match (cs.next(), cs.next()) {
            (Some(c), None) if !c.is_ascii() => self.curated.get(&c).copied(),
            _ => None,
        }
    }

    #[inline]
    pub(crate) fn is_neutral_term(&self, lower: &str) -> bool {
        !self.neutral.is_empty() && self.neutral.contains_key(term_word(lower))
    }

    /// The config's lexicon overrides (they apply in every language).
    pub(crate) fn overrides(
        overrides: &BTreeMap<String, f64>,
    ) -> impl Iterator<Item = (&str, f64)> {
        overrides.iter().map(|(k, v)| (k.trim(), *v))
    }
}

impl Lookup for Social {
    #[inline]
    fn valence(&self, lower: &str) -> Option<f64> {
        self.lexicon.get(lower).copied()
    }
    #[inline]
    fn is_emoji(&self, lower: &str) -> bool {
        let mut cs = lower.chars();
        matches!((cs.next(), cs.next()), (Some(c), None) if !c.is_ascii() && self.curated.contains_key(&c))
    }
    #[inline]
    fn is_neutral(&self, lower: &str) -> bool {
        !self.neutral.is_empty() && self.neutral.contains_key(term_word(lower))
    }
}

/// ASCII fast path of the mention rule in `preprocess`: an `@` not preceded
/// by a letter or digit, followed by handle characters, is dropped with them.
fn push_without_mentions(chunk: &str, out: &mut String) {
    let b = chunk.as_bytes();
    let (mut i, mut seg, mut prev_word) = (0, 0, false);
    while i < b.len() {
        if b[i] == b'@' && !prev_word {
            let handle = b[i + 1..]
                .iter()
                .take_while(|c| is_handle_byte(**c))
                .count();
            if handle > 0 {
                out.push_str(&chunk[seg..i]);
                i += 1 + handle;
                seg = i;
                continue;
            }
        }
        prev_word = b[i].is_ascii_alphanumeric();
        i += 1;
    }
    out.push_str(&chunk[seg..]);
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

    /// The words social mode scores, joined by spaces.
    fn pre(text: &str) -> String {
        let soc = Social::new(&FxMap::default(), &[], &BTreeMap::new());
        let emoji = FxMap::default();
        let (mut buf, mut s) = (String::new(), Scratch::default());
        soc.tokenize(&soc, text, Some(&emoji), &mut buf, &mut s);
        let word = |t: &vader::Tok| {
            let src = if t.in_buf { buf.as_str() } else { text };
            // the unstripped word: widen to the surrounding whitespace
            let (a, b) = (t.start as usize, t.end as usize);
            let a = src[..a].rfind(char::is_whitespace).map_or(0, |i| i + 1);
            let b = src[b..]
                .find(char::is_whitespace)
                .map_or(src.len(), |i| b + i);
            src[a..b].to_string()
        };
        s.toks.iter().map(word).collect::<Vec<_>>().join(" ")
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
        assert_eq!(pre("@a@b x@y (@z) @ @_"), "x@y () @");
        assert_eq!(pre("@a@b é (@z)"), "é ()");
    }

    #[test]
    fn emoji_is_isolated_and_normalised() {
        assert_eq!(pre("great👍🏽!"), "great 👍 !");
        assert_eq!(pre("❤️‍🔥❤️"), "❤ ❤");
    }
}
