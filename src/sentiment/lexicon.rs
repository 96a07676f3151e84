//! Lexicon loading: the two vaderSentiment 3.3.2 data files (embedded), the
//! curated social tables, and the hash maps the scorer looks words up in.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// vaderSentiment 3.3.2 word lexicon, byte for byte (MIT, see LICENSE-vaderSentiment.txt).
pub(crate) const VADER_LEXICON: &str = include_str!("../../assets/sentiment/vader_lexicon.txt");
/// vaderSentiment 3.3.2 emoji-to-description table, byte for byte.
pub(crate) const EMOJI_LEXICON: &str =
    include_str!("../../assets/sentiment/emoji_utf8_lexicon.txt");
/// Curated emoji valences for social mode (emoji, valence, name).
pub(crate) const SOCIAL_EMOJI: &str = include_str!("../../assets/sentiment/social_emoji.tsv");
/// Small social/customer-service word supplement for social mode.
pub(crate) const SOCIAL_WORDS: &str = include_str!("../../assets/sentiment/social_words.tsv");

/// FxHash: the lexicon keys are short, trusted strings, so a fast
/// non-cryptographic hash beats SipHash on the per-token lookups.
#[derive(Default, Clone, Copy)]
pub(crate) struct FxHasher(u64);

const FX_SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    #[inline]
    fn add(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(FX_SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut b = [0u8; 8];
            b.copy_from_slice(c);
            self.add(u64::from_le_bytes(b));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut b = [0u8; 8];
            b[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(b));
        }
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }
    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

pub(crate) type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// Word -> valence, as Python's `make_lex_dict` builds it (later lines win).
pub(crate) fn parse_vader_lexicon(src: &str, into: &mut FxMap<Box<str>, f64>) {
    for line in src.trim_end_matches('\n').split('\n') {
        if line.is_empty() {
            continue;
        }
        let mut cols = line.trim().split('\t');
        let (Some(word), Some(measure)) = (cols.next(), cols.next()) else {
            continue;
        };
        if let Ok(v) = measure.parse::<f64>() {
            into.insert(word.into(), v);
        }
    }
}

/// Emoji code point -> description, as `make_emoji_dict` builds it. Only
/// single-code-point keys can ever match, because the reference looks the
/// text up one code point at a time.
pub(crate) fn parse_emoji_lexicon(src: &'static str) -> FxMap<char, &'static str> {
    let mut map = FxMap::default();
    for line in src.trim_end_matches('\n').split('\n') {
        let mut cols = line.trim().split('\t');
        let (Some(key), Some(desc)) = (cols.next(), cols.next()) else {
            continue;
        };
        let mut chars = key.chars();
        if let (Some(c), None) = (chars.next(), chars.next()) {
            map.insert(c, desc);
        }
    }
    map
}

/// Parse a `key<TAB>valence[<TAB>comment]` table; `#` lines are comments.
pub(crate) fn parse_table(src: &'static str) -> impl Iterator<Item = (&'static str, f64)> {
    src.lines().filter_map(|line| {
        if line.starts_with('#') || line.trim().is_empty() {
            return None;
        }
        let mut cols = line.split('\t');
        let key = cols.next()?;
        let v = cols.next()?.trim().parse::<f64>().ok()?;
        Some((key, v))
    })
}

/// Booster/dampener words (BOOSTER_DICT) of the reference.
pub(crate) fn booster(word: &str) -> Option<f64> {
    const B_INCR: f64 = 0.293;
    const B_DECR: f64 = -0.293;
    let v = match word {
        "absolutely" | "amazingly" | "awfully" | "completely" | "considerable" | "considerably"
        | "decidedly" | "deeply" | "effing" | "enormous" | "enormously" | "entirely"
        | "especially" | "exceptional" | "exceptionally" | "extreme" | "extremely"
        | "fabulously" | "flipping" | "flippin" | "frackin" | "fracking" | "fricking"
        | "frickin" | "frigging" | "friggin" | "fully" | "fuckin" | "fucking" | "fuggin"
        | "fugging" | "greatly" | "hella" | "highly" | "hugely" | "incredible" | "incredibly"
        | "intensely" | "major" | "majorly" | "more" | "most" | "particularly" | "purely"
        | "quite" | "really" | "remarkably" | "so" | "substantially" | "thoroughly" | "total"
        | "totally" | "tremendous" | "tremendously" | "uber" | "unbelievably" | "unusually"
        | "utter" | "utterly" | "very" => B_INCR,
        "almost" | "barely" | "hardly" | "just enough" | "kind of" | "kinda" | "kindof"
        | "kind-of" | "less" | "little" | "marginal" | "marginally" | "occasional"
        | "occasionally" | "partly" | "scarce" | "scarcely" | "slight" | "slightly"
        | "somewhat" | "sort of" | "sorta" | "sortof" | "sort-of" => B_DECR,
        _ => return None,
    };
    Some(v)
}

/// The reference's `negated([word])` for one already-lowercased word.
pub(crate) fn is_negation(word: &str) -> bool {
    matches!(
        word,
        "aint"
            | "arent"
            | "cannot"
            | "cant"
            | "couldnt"
            | "darent"
            | "didnt"
            | "doesnt"
            | "ain't"
            | "aren't"
            | "can't"
            | "couldn't"
            | "daren't"
            | "didn't"
            | "doesn't"
            | "dont"
            | "hadnt"
            | "hasnt"
            | "havent"
            | "isnt"
            | "mightnt"
            | "mustnt"
            | "neither"
            | "don't"
            | "hadn't"
            | "hasn't"
            | "haven't"
            | "isn't"
            | "mightn't"
            | "mustn't"
            | "neednt"
            | "needn't"
            | "never"
            | "none"
            | "nope"
            | "nor"
            | "not"
            | "nothing"
            | "nowhere"
            | "oughtnt"
            | "shant"
            | "shouldnt"
            | "uhuh"
            | "wasnt"
            | "werent"
            | "oughtn't"
            | "shan't"
            | "shouldn't"
            | "uh-uh"
            | "wasn't"
            | "weren't"
            | "without"
            | "wont"
            | "wouldnt"
            | "won't"
            | "wouldn't"
            | "rarely"
            | "seldom"
            | "despite"
    ) || word.contains("n't")
}

/// SPECIAL_CASES of the reference, for two- and three-word sequences (the
/// one-word key "badass" can never match a multi-word sequence). The bool
/// says whether Python holds the value as an int (it matters for `sum`).
pub(crate) fn special_case(words: &[&str]) -> Option<(f64, bool)> {
    Some(match words {
        ["the", "shit"] | ["the", "bomb"] => (3.0, true),
        ["bad", "ass"] => (1.5, false),
        ["bus", "stop"] => (0.0, false),
        ["yeah", "right"] => (-2.0, true),
        ["kiss", "of", "death"] => (-1.5, false),
        ["to", "die", "for"] => (3.0, true),
        ["beating", "heart"] => (3.5, false),
        _ => return None,
    })
}

/// Two-word BOOSTER_DICT keys (the only n-grams `_special_idioms_check` can hit).
pub(crate) fn booster_bigram(a: &str, b: &str) -> Option<f64> {
    match (a, b) {
        ("just", "enough") | ("kind", "of") | ("sort", "of") => Some(-0.293),
        _ => None,
    }
}
