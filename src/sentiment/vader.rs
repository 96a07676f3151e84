//! The VADER 3.3.2 rules, ported line by line from `vaderSentiment.py` over
//! pre-tokenised input. Every lookup is done once per token up front, so the
//! rule loop itself does no hashing and no allocation.

use super::lexicon::{booster, booster_bigram, is_negation, special_case};
use super::pytext::{push_lower, py_isupper, py_round, strip_punc_if_word};

pub(crate) const C_INCR: f64 = 0.733;
pub(crate) const N_SCALAR: f64 = -0.74;

/// Negation roles a word can play (other languages' rules; the English rules
/// keep the reference's own word tests).
pub(crate) const NEG_PRE: u8 = 1;
/// Negates the word right before it ("j'aime pas", "gefällt mir nicht").
pub(crate) const NEG_POST: u8 = 2;
/// The word carries its own negation ("n'aime").
pub(crate) const NEG_SELF: u8 = 4;

/// One token: byte ranges into the scored text and into the lowercase buffer,
/// plus everything the rules ask about it.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Tok {
    pub start: u32,
    pub end: u32,
    /// Token text lives in the rewrite buffer, not the scored text.
    pub in_buf: bool,
    lo: (u32, u32),
    pub upper: bool,
    pub emoji: bool,
    pub lex: Option<f64>,
    pub boost: Option<f64>,
    /// Negation roles (`NEG_*`), contrast word, last word of a clause.
    pub neg: u8,
    pub contrast: bool,
    pub clause_end: bool,
    /// The raw token ends a question ("sweet?").
    pub question: bool,
}

/// A sentiments-list entry; `int` records whether Python holds it as an int,
/// which changes how CPython's `sum` adds it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Val {
    pub v: f64,
    int: bool,
}

impl Val {
    pub(crate) const INT0: Val = Val { v: 0.0, int: true };
    pub(crate) fn f(v: f64) -> Val {
        Val { v, int: false }
    }
}

/// Reusable per-thread buffers: after warm-up, scoring allocates nothing.
#[derive(Default)]
pub(crate) struct Scratch {
    pub text: String,
    pub lower: String,
    pub toks: Vec<Tok>,
    pub sent: Vec<Val>,
}

impl Scratch {
    pub(crate) fn clear(&mut self) {
        self.toks.clear();
        self.lower.clear();
    }

    /// Lowercase form of token `i`.
    pub(crate) fn lower_of(&self, i: usize) -> &str {
        let t = &self.toks[i];
        &self.lower[t.lo.0 as usize..t.lo.1 as usize]
    }

    /// Make token `i` a plain neutral word.
    pub(crate) fn neutralize(&mut self, i: usize) {
        let t = &mut self.toks[i];
        t.lo.1 = t.lo.0;
        t.lex = None;
        t.boost = None;
    }
}

/// Raw result of one text, before labelling.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Raw {
    pub compound: f64,
    pub pos: f64,
    pub neu: f64,
    pub neg: f64,
    pub punct: f64,
}

/// Lexicon access the rules need; reference and social differ only here.
pub(crate) trait Lookup {
    fn valence(&self, lower: &str) -> Option<f64>;
    /// Tokens that must count as plain neutral words (brand names, handles).
    fn is_neutral(&self, _lower: &str) -> bool {
        false
    }
    /// Emoji with their own valence: they state the author's affect, so the
    /// word rules (negation, boosters, "least", "no") do not apply to them.
    fn is_emoji(&self, _lower: &str) -> bool {
        false
    }
    /// The lookup key of a stripped word (the reference: `str.lower()`).
    #[inline]
    fn push_key(&self, word: &str, out: &mut String) {
        push_lower(word, out);
    }
    #[inline]
    fn booster(&self, lower: &str) -> Option<f64> {
        booster(lower)
    }
    /// Negation roles (`NEG_*`) of a word, for the other languages' rules.
    #[inline]
    fn negation(&self, _lower: &str) -> u8 {
        0
    }
    /// Contrast words ("pero", "mais"), for the other languages' rules.
    #[inline]
    fn contrast(&self, _lower: &str) -> bool {
        false
    }
}

/// Split `text` like `SentiText._words_and_emoticons` and resolve lookups.
pub(crate) fn tokenize<L: Lookup>(text: &str, lx: &L, s: &mut Scratch) {
    s.clear();
    let base = text.as_ptr() as usize;
    for raw in super::pytext::py_words(text) {
        push_token(raw, raw.as_ptr() as usize - base, false, lx, s);
    }
}

/// Append one whitespace-delimited word found at byte `offset` of its source
/// (`in_buf`: the rewrite buffer rather than the scored text).
#[inline]
pub(crate) fn push_token<L: Lookup>(
    raw: &str,
    offset: usize,
    in_buf: bool,
    lx: &L,
    s: &mut Scratch,
) {
    let w = strip_punc_if_word(raw);
    let start = (offset + (w.as_ptr() as usize - raw.as_ptr() as usize)) as u32;
    let lo0 = s.lower.len();
    lx.push_key(w, &mut s.lower);
    let mut lo = (lo0 as u32, s.lower.len() as u32);
    let mut lower = &s.lower[lo0..];
    if lx.is_neutral(lower) {
        // an empty lowercase form matches no lexicon, booster or keyword
        lo.1 = lo.0;
        lower = "";
    }
    let lex = lx.valence(lower);
    let tok = Tok {
        start,
        end: start + w.len() as u32,
        in_buf,
        lo,
        upper: py_isupper(w),
        emoji: lex.is_some() && lx.is_emoji(lower),
        lex,
        boost: lx.booster(lower),
        neg: lx.negation(lower),
        contrast: lx.contrast(lower),
        clause_end: raw.ends_with([',', '.', ';', ':', '!', '?', ')']),
        question: raw.ends_with('?'),
    };
    s.toks.push(tok);
}

/// Lowercase forms by token index.
pub(crate) struct Words<'a> {
    lower: &'a str,
    toks: &'a [Tok],
}

impl<'a> Words<'a> {
    #[inline]
    fn w(&self, i: usize) -> &'a str {
        let t = &self.toks[i];
        &self.lower[t.lo.0 as usize..t.lo.1 as usize]
    }
}

/// `polarity_scores` after emoji translation, over the tokens in `s`;
/// `punct` is the text's `!`/`?` emphasis.
pub(crate) fn score(punct: f64, s: &mut Scratch) -> Raw {
    let Scratch {
        lower, toks, sent, ..
    } = s;
    let lw = Words { lower, toks };
    let lw = &lw;
    let n = toks.len();
    let upper_count = toks.iter().filter(|t| t.upper).count();
    let cap_diff = upper_count > 0 && upper_count < n;
    sent.clear();
    for i in 0..n {
        if toks[i].boost.is_some() || (i + 1 < n && lw.w(i) == "kind" && lw.w(i + 1) == "of") {
            sent.push(Val::INT0);
            continue;
        }
        sent.push(valence(toks, lw, i, cap_diff));
    }
    but_check(toks, lw, sent);
    score_valence(sent, punct)
}

pub(crate) fn scalar_inc_dec(t: &Tok, valence: f64, cap_diff: bool) -> f64 {
    let Some(mut scalar) = t.boost else {
        return 0.0;
    };
    if valence < 0.0 {
        scalar *= -1.0;
    }
    if t.upper && cap_diff {
        if valence > 0.0 {
            scalar += C_INCR;
        } else {
            scalar -= C_INCR;
        }
    }
    scalar
}

/// `sentiment_valence` for token `i`.
fn valence(toks: &[Tok], lw: &Words<'_>, i: usize, cap_diff: bool) -> Val {
    let n = toks.len();
    let Some(lex) = toks[i].lex else {
        return Val::INT0;
    };
    let mut v = Val::f(lex);
    if toks[i].emoji {
        return v;
    }
    if lw.w(i) == "no" && i != n - 1 && toks[i + 1].lex.is_some() {
        v.v = 0.0;
    }
    if (i > 0 && lw.w(i - 1) == "no")
        || (i > 1 && lw.w(i - 2) == "no")
        || (i > 2 && lw.w(i - 3) == "no" && matches!(lw.w(i - 1), "or" | "nor"))
    {
        v.v = lex * N_SCALAR;
    }
    if toks[i].upper && cap_diff {
        if v.v > 0.0 {
            v.v += C_INCR;
        } else {
            v.v -= C_INCR;
        }
    }
    for start_i in 0..3 {
        if i > start_i && toks[i - (start_i + 1)].lex.is_none() {
            let mut s = scalar_inc_dec(&toks[i - (start_i + 1)], v.v, cap_diff);
            if start_i == 1 && s != 0.0 {
                s *= 0.95;
            }
            if start_i == 2 && s != 0.0 {
                s *= 0.9;
            }
            v = Val::f(v.v + s);
            v = negation_check(v, lw, start_i, i);
            if start_i == 2 {
                v = special_idioms_check(v, lw, n, i);
            }
        }
    }
    least_check(v, toks, lw, i)
}

fn negation_check<'a>(v: Val, lw: &Words<'a>, start_i: usize, i: usize) -> Val {
    let scaled = Val::f(v.v * N_SCALAR);
    match start_i {
        0 if is_negation(lw.w(i - 1)) => scaled,
        1 => {
            if lw.w(i - 2) == "never" && matches!(lw.w(i - 1), "so" | "this") {
                Val::f(v.v * 1.25)
            } else if lw.w(i - 2) == "without" && lw.w(i - 1) == "doubt" {
                v
            } else if is_negation(lw.w(i - 2)) {
                scaled
            } else {
                v
            }
        }
        2 => {
            // Python precedence: (never and (so or this)) or (so or this at i-1)
            if (lw.w(i - 3) == "never" && matches!(lw.w(i - 2), "so" | "this"))
                || matches!(lw.w(i - 1), "so" | "this")
            {
                Val::f(v.v * 1.25)
            } else if lw.w(i - 3) == "without" && (lw.w(i - 2) == "doubt" || lw.w(i - 1) == "doubt")
            {
                v
            } else if is_negation(lw.w(i - 3)) {
                scaled
            } else {
                v
            }
        }
        _ => v,
    }
}

fn special_idioms_check<'a>(mut v: Val, lw: &Words<'a>, n: usize, i: usize) -> Val {
    let (w3, w2, w1, w0) = (lw.w(i - 3), lw.w(i - 2), lw.w(i - 1), lw.w(i));
    let seqs: [&[&str]; 5] = [
        &[w1, w0],
        &[w2, w1, w0],
        &[w2, w1],
        &[w3, w2, w1],
        &[w3, w2],
    ];
    if let Some((val, int)) = seqs.iter().find_map(|s| special_case(s)) {
        v = Val { v: val, int };
    }
    if n - 1 > i {
        if let Some((val, int)) = special_case(&[w0, lw.w(i + 1)]) {
            v = Val { v: val, int };
        }
    }
    if n - 1 > i + 1 {
        if let Some((val, int)) = special_case(&[w0, lw.w(i + 1), lw.w(i + 2)]) {
            v = Val { v: val, int };
        }
    }
    // booster n-grams threetwoone, threetwo, twoone: only two-word keys exist
    for (a, b) in [(w3, w2), (w2, w1)] {
        if let Some(b) = booster_bigram(a, b) {
            v = Val::f(v.v + b);
        }
    }
    v
}

fn least_check<'a>(v: Val, toks: &[Tok], lw: &Words<'a>, i: usize) -> Val {
    if i > 0 && toks[i - 1].lex.is_none() && lw.w(i - 1) == "least" {
        if i > 1 {
            if lw.w(i - 2) != "at" && lw.w(i - 2) != "very" {
                return Val::f(v.v * N_SCALAR);
            }
        } else {
            return Val::f(v.v * N_SCALAR);
        }
    }
    v
}

/// `_but_check`, including its quirk: `sentiments.index(value)` rewrites the
/// first entry equal to the value, not necessarily the current one.
fn but_check<'a>(toks: &[Tok], lw: &Words<'a>, sent: &mut [Val]) {
    let Some(bi) = (0..toks.len()).find(|&i| lw.w(i) == "but") else {
        return;
    };
    for k in 0..sent.len() {
        let x = sent[k].v;
        let si = sent.iter().position(|s| s.v == x).unwrap_or(k);
        if si < bi {
            sent[si] = Val::f(x * 0.5);
        } else if si > bi {
            sent[si] = Val::f(x * 1.5);
        }
    }
}

/// CPython (3.12+) `sum()` over a list mixing ints and floats: a leading run
/// of ints is added exactly, then Neumaier-compensated float summation.
fn python_sum(vals: &[Val]) -> f64 {
    let mut it = vals.iter();
    let mut acc = 0.0;
    let mut f = loop {
        match it.next() {
            None => return acc,
            Some(v) if v.int => acc += v.v,
            Some(v) => break acc + v.v,
        }
    };
    let mut c = 0.0;
    for v in it {
        let x = v.v;
        let t = f + x;
        if f.abs() >= x.abs() {
            c += (f - t) + x;
        } else {
            c += (x - t) + f;
        }
        f = t;
    }
    if c != 0.0 && c.is_finite() {
        f += c;
    }
    f
}

/// Counts of `!` and `?` in `text`.
pub(crate) fn count_marks(text: &str) -> (usize, usize) {
    let (mut ep, mut qm) = (0usize, 0usize);
    for b in text.bytes() {
        ep += usize::from(b == b'!');
        qm += usize::from(b == b'?');
    }
    (ep, qm)
}

/// `_punctuation_emphasis` from the `!` and `?` counts.
pub(crate) fn punctuation_emphasis((ep, qm): (usize, usize)) -> f64 {
    let ep_amp = ep.min(4) as f64 * 0.292;
    let qm_amp = match qm {
        0 | 1 => 0.0,
        2 | 3 => qm as f64 * 0.18,
        _ => 0.96,
    };
    ep_amp + qm_amp
}

pub(crate) fn normalize(score: f64) -> f64 {
    (score / (score * score + 15.0).sqrt()).clamp(-1.0, 1.0)
}

pub(crate) fn score_valence(sent: &[Val], punct: f64) -> Raw {
    if sent.is_empty() {
        return Raw::default();
    }
    let mut sum = python_sum(sent);
    if sum > 0.0 {
        sum += punct;
    } else if sum < 0.0 {
        sum -= punct;
    }
    let compound = normalize(sum);
    let (mut pos_sum, mut neg_sum, mut neu_count) = (0.0f64, 0.0f64, 0u32);
    for s in sent {
        if s.v > 0.0 {
            pos_sum += s.v + 1.0;
        }
        if s.v < 0.0 {
            neg_sum += s.v - 1.0;
        }
        if s.v == 0.0 {
            neu_count += 1;
        }
    }
    if pos_sum > neg_sum.abs() {
        pos_sum += punct;
    } else if pos_sum < neg_sum.abs() {
        neg_sum -= punct;
    }
    let total = pos_sum + neg_sum.abs() + f64::from(neu_count);
    Raw {
        compound: py_round(compound, 4),
        pos: py_round((pos_sum / total).abs(), 3),
        neu: py_round((f64::from(neu_count) / total).abs(), 3),
        neg: py_round((neg_sum / total).abs(), 3),
        punct: if sum == 0.0 { 0.0 } else { punct.copysign(sum) },
    }
}
