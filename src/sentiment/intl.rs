//! VADER's rules carried over to the other languages: the same valence
//! arithmetic (boosters with distance decay, caps, punctuation emphasis,
//! normalisation), with three changes the languages need:
//! - a negation word anywhere in the three words before (same clause) flips
//!   the valence once, so French "ne … pas" does not flip it twice;
//! - post-posed negation ("j'aime pas", "gefällt mir nicht") and elided
//!   negation ("n'aime") flip the word too;
//! - the contrast word is the language's ("pero", "mais", "aber"), weighting
//!   before it by 0.5 and after it by 1.5, by position.

use super::langs::Pack;
use super::lexicon::FxMap;
use super::social::Social;
use super::vader::{
    scalar_inc_dec, score_valence, Lookup, Raw, Scratch, Tok, Val, C_INCR, NEG_POST, NEG_PRE,
    NEG_SELF, N_SCALAR,
};

/// A language pack seen through the social pre-processing: brand terms stay
/// neutral, emoji keep their own valence.
pub(crate) struct IntlLookup<'a> {
    pub pack: &'a Pack,
    pub social: &'a Social,
    /// The config's lexicon overrides, keyed as this language keys words.
    pub overrides: &'a FxMap<Box<str>, f64>,
}

impl Lookup for IntlLookup<'_> {
    #[inline]
    fn valence(&self, key: &str) -> Option<f64> {
        if let Some(v) = self.social.emoji_valence(key) {
            return Some(v);
        }
        if let Some(v) = self.overrides.get(key) {
            return Some(*v);
        }
        self.pack.valence(key)
    }
    #[inline]
    fn is_neutral(&self, lower: &str) -> bool {
        self.social.is_neutral_term(lower)
    }
    #[inline]
    fn is_emoji(&self, key: &str) -> bool {
        self.social.emoji_valence(key).is_some()
    }
    #[inline]
    fn push_key(&self, word: &str, out: &mut String) {
        self.pack.push_key(word, out);
    }
    #[inline]
    fn booster(&self, key: &str) -> Option<f64> {
        self.pack.booster(key)
    }
    #[inline]
    fn negation(&self, key: &str) -> u8 {
        self.pack.negation(key)
    }
    #[inline]
    fn contrast(&self, key: &str) -> bool {
        self.pack.contrast(key)
    }
}

/// Apply the language's set phrases: the last word takes the phrase's valence,
/// fixed (no negation, booster or caps rule changes it), the others go neutral.
pub(crate) fn apply_phrases(pack: &Pack, s: &mut Scratch) {
    if pack.phrases.is_empty() {
        return;
    }
    let n = s.toks.len();
    let mut i = 0;
    while i < n {
        let hit = pack.phrases.iter().find(|(words, _)| {
            i + words.len() <= n
                && words
                    .iter()
                    .enumerate()
                    .all(|(k, w)| s.lower_of(i + k).trim_end_matches(['.', ',']) == w)
        });
        match hit {
            Some((words, v)) => {
                let last = i + words.len() - 1;
                for k in i..last {
                    s.neutralize(k);
                }
                let t = &mut s.toks[last];
                t.lex = (*v != 0.0).then_some(*v);
                t.emoji = *v != 0.0;
                t.boost = None;
                t.neg = 0;
                t.contrast = false;
                i = last + 1;
            }
            None => i += 1,
        }
    }
}

/// `polarity_scores` under the carried-over rules, over the tokens in `s`.
pub(crate) fn score(punct: f64, s: &mut Scratch) -> Raw {
    let Scratch { toks, sent, .. } = s;
    let n = toks.len();
    let upper_count = toks.iter().filter(|t| t.upper).count();
    let cap_diff = upper_count > 0 && upper_count < n;
    sent.clear();
    for i in 0..n {
        if toks[i].boost.is_some() && toks[i].lex.is_none() {
            sent.push(Val::INT0);
            continue;
        }
        sent.push(valence(toks, i, cap_diff));
    }
    contrast(toks, sent);
    score_valence(sent, punct)
}

fn valence(toks: &[Tok], i: usize, cap_diff: bool) -> Val {
    let t = &toks[i];
    let Some(lex) = t.lex else {
        return Val::INT0;
    };
    if t.emoji {
        return Val::f(lex);
    }
    let mut v = lex;
    if t.upper && cap_diff {
        v += if v > 0.0 { C_INCR } else { -C_INCR };
    }
    let mut negated = t.neg & NEG_SELF != 0;
    for k in 1..=3 {
        if k > i || toks[i - k].clause_end {
            break;
        }
        let w = &toks[i - k];
        if w.lex.is_none() {
            let decay = [1.0, 0.95, 0.9][k - 1];
            v += scalar_inc_dec(w, v, cap_diff) * decay;
        }
        if w.neg & NEG_PRE != 0 && w.lex.is_none() {
            negated = true;
        }
    }
    // "j'aime pas", "gefällt mir nicht": a negation right after a positive
    // word, or after one neutral word, in the same clause ("leider nicht"
    // stays negative)
    for k in 1..=3 {
        if v <= 0.0 {
            break;
        }
        if i + k >= toks.len() || toks[i + k - 1].clause_end {
            break;
        }
        let w = &toks[i + k];
        if w.neg & NEG_POST != 0 {
            negated = true;
            break;
        }
        if w.lex.is_some() || w.neg != 0 {
            break;
        }
    }
    if negated {
        v *= N_SCALAR;
    }
    Val::f(v)
}

/// The first contrast word halves what comes before it and weighs what
/// follows by 1.5, as VADER's "but".
fn contrast(toks: &[Tok], sent: &mut [Val]) {
    let Some(ci) = toks.iter().position(|t| t.contrast) else {
        return;
    };
    for (k, v) in sent.iter_mut().enumerate() {
        if v.v == 0.0 {
            continue;
        }
        if k < ci {
            *v = Val::f(v.v * 0.5);
        } else if k > ci {
            *v = Val::f(v.v * 1.5);
        }
    }
}
