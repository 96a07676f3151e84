//! Social-mode patterns the word lexicon cannot see (reference mode never
//! runs them):
//! - a rating ("8/10", "4.5 stars", "1 star") carries the valence of its score;
//! - a "danger" adverb right before a word with valence ("dangerously
//!   drinkable", "stupidly good") is an intensifier, not a negative word;
//! - "would <one or two words> again" is an endorsement ("would buy again",
//!   "would lose sleep again"), unless negated ("would never go again");
//! - a question opened by an auxiliary or "which/what/how" asks whether
//!   something is good, it does not say so: its positive words go neutral
//!   ("is the latte sweet?"); negative ones stay, rhetorical complaints are
//!   complaints ("is the app always this slow?").

use super::vader::{Scratch, N_SCALAR};

/// VADER's booster increment.
const B_INCR: f64 = 0.293;
/// Valence of a perfect rating; the midpoint of the scale is neutral.
const RATING_SPAN: f64 = 4.0;
/// Valence of an endorsing "would … again".
const AGAIN_VALENCE: f64 = 2.0;

/// Adverbs that literally mean harm or folly but intensify in praise.
const DANGER_ADVERBS: &[&str] = &[
    "dangerously",
    "insanely",
    "stupidly",
    "ridiculously",
    "wickedly",
    "sinfully",
    "obscenely",
    "scarily",
    "frighteningly",
    "criminally",
    "absurdly",
    "crazy",
];

const NEGATIONS: &[&str] = &["not", "never", "no", "wouldn't", "wouldnt", "won't", "wont"];

/// Apply the patterns to the tokens of one post (any language: ratings are
/// numbers; the English word patterns match nothing elsewhere).
pub(crate) fn apply(s: &mut Scratch) {
    ratings(s);
    danger_adverbs(s);
    would_again(s);
    questions(s, Some(QUESTION_OPENERS));
}

/// The patterns for the other languages: ratings, and questions, where every
/// question counts (their word order marks no question reliably).
pub(crate) fn apply_intl(s: &mut Scratch) {
    ratings(s);
    questions(s, None);
}

/// Words that open a question asking about a quality.
const QUESTION_OPENERS: &[&str] = &[
    "is", "are", "was", "were", "does", "do", "did", "can", "could", "will", "has", "have", "any",
    "which", "what", "how",
];

fn questions(s: &mut Scratch, openers: Option<&[&str]>) {
    let n = s.toks.len();
    let mut start = 0;
    for end in 0..n {
        if !s.toks[end].clause_end {
            continue;
        }
        if s.toks[end].question && openers.is_none_or(|o| o.contains(&s.lower_of(start))) {
            for k in start..=end {
                let t = &s.toks[k];
                if !t.emoji && t.lex.is_some_and(|v| v > 0.0) {
                    s.neutralize(k);
                }
            }
        }
        start = end + 1;
    }
}

fn fix(s: &mut Scratch, i: usize, v: f64) {
    let t = &mut s.toks[i];
    t.lex = Some(v);
    t.emoji = true; // fixed valence: no booster, caps or negation changes it
    t.boost = None;
    t.neg = 0;
    t.contrast = false;
}

/// Score of a rating on a 0..1 scale, from "8/10" or from a number followed
/// by "star"/"stars" (out of five).
fn rating_at(s: &Scratch, i: usize) -> Option<f64> {
    let w = s.lower_of(i).trim_end_matches(['.', ',', '!']);
    if let Some((n, m)) = w.split_once('/') {
        let (n, m): (f64, f64) = (n.parse().ok()?, m.parse().ok()?);
        return (matches!(m as u32, 5 | 10 | 100) && m.fract() == 0.0 && (0.0..=m).contains(&n))
            .then(|| n / m);
    }
    let next = s.toks.get(i + 1).map(|_| s.lower_of(i + 1))?;
    let next = next.trim_end_matches(['.', ',', '!']);
    if matches!(next, "star" | "stars") {
        let n: f64 = w.parse().ok()?;
        return (0.0..=5.0).contains(&n).then(|| n / 5.0);
    }
    None
}

fn ratings(s: &mut Scratch) {
    for i in 0..s.toks.len() {
        if let Some(r) = rating_at(s, i) {
            // 0 -> -span, midpoint -> 0, full marks -> +span
            fix(
                s,
                i,
                ((r - 0.5) * 2.0 * RATING_SPAN * 100.0).round() / 100.0,
            );
        }
    }
}

fn danger_adverbs(s: &mut Scratch) {
    for i in 0..s.toks.len().saturating_sub(1) {
        if s.toks[i].clause_end || !DANGER_ADVERBS.contains(&s.lower_of(i)) {
            continue;
        }
        if s.toks[i + 1].lex.is_some_and(|v| v != 0.0) {
            let t = &mut s.toks[i];
            t.lex = None;
            t.boost = Some(B_INCR);
        }
    }
}

fn would_again(s: &mut Scratch) {
    let n = s.toks.len();
    for i in 0..n {
        if s.lower_of(i) != "would" {
            continue;
        }
        for gap in 1..=3 {
            let j = i + gap + 1;
            if j >= n || s.toks[j - 1].clause_end {
                break;
            }
            if s.lower_of(j).trim_end_matches(['.', ',', '!']) != "again" {
                continue;
            }
            let negated = (i + 1..j).any(|k| NEGATIONS.contains(&s.lower_of(k)));
            let strong = (i + 1..j).any(|k| s.toks[k].lex.is_some_and(|v| v.abs() >= 2.5));
            if strong {
                break;
            }
            (i..j).for_each(|k| s.neutralize(k));
            let v = if negated {
                AGAIN_VALENCE * N_SCALAR
            } else {
                AGAIN_VALENCE
            };
            fix(s, j, v);
            break;
        }
    }
}
