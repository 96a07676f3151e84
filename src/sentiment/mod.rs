//! Sentiment engine: a VADER 3.3.2-faithful scorer (`reference` mode) and a
//! social-post variant (`social`, the default) that neutralises mentions and
//! URLs, decodes HTML entities, normalises emoji and honours brand terms and
//! lexicon overrides from config. No network, no model: the lexicons are
//! embedded.

pub mod cli;
mod complaints;
mod emoji;
mod emoji_rank;
mod explain;
mod intl;
mod langs;
mod lexicon;
pub mod metrics;
mod patterns;
mod pytext;
mod social;
mod vader;

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use lexicon::FxMap;
use vader::{Lookup, Raw, Scratch};

pub use explain::format_contributions;

/// Scoring mode.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Exactly vaderSentiment 3.3.2.
    Reference,
    /// Reference VADER plus social-post handling.
    #[default]
    Social,
}

impl Mode {
    pub fn as_str(&self) -> &'static str {
        match self {
            Mode::Reference => "reference",
            Mode::Social => "social",
        }
    }
}

/// The three-way label: the same type the store, the list and the report use.
pub use crate::domain::SentimentLabel as Label;

/// VADER's four scores: compound to 4 decimals, proportions to 3.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Scores {
    pub compound: f64,
    pub pos: f64,
    pub neu: f64,
    pub neg: f64,
}

/// Scores plus the thresholded label.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sentiment {
    pub scores: Scores,
    pub label: Label,
}

/// One explanation row: a token (or punctuation emphasis) and the valence it
/// added to the sum that the compound normalises.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Contribution {
    pub token: String,
    pub valence: f64,
}

/// `[sentiment]` section of hark's config.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SentimentConfig {
    pub mode: Mode,
    pub positive_threshold: f64,
    pub negative_threshold: f64,
    /// Brand names and handles scored neutral (social mode).
    pub neutral_terms: Vec<String>,
    /// Word valence overrides on VADER's -4..4 scale (social mode).
    pub lexicon: BTreeMap<String, f64>,
}

impl Default for SentimentConfig {
    fn default() -> Self {
        SentimentConfig {
            mode: Mode::Social,
            positive_threshold: 0.05,
            negative_threshold: -0.05,
            neutral_terms: Vec::new(),
            lexicon: BTreeMap::new(),
        }
    }
}

/// Tables shared by every analyzer, parsed once per process.
struct Base {
    lexicon: FxMap<Box<str>, f64>,
    emoji: FxMap<char, &'static str>,
}

fn base() -> &'static Base {
    static BASE: OnceLock<Base> = OnceLock::new();
    BASE.get_or_init(|| {
        let mut lexicon = FxMap::default();
        lexicon::parse_vader_lexicon(lexicon::VADER_LEXICON, &mut lexicon);
        Base {
            lexicon,
            emoji: lexicon::parse_emoji_lexicon(lexicon::EMOJI_LEXICON),
        }
    })
}

struct RefLookup<'a>(&'a FxMap<Box<str>, f64>);

impl Lookup for RefLookup<'_> {
    #[inline]
    fn valence(&self, lower: &str) -> Option<f64> {
        self.0.get(lower).copied()
    }
}

/// The other languages' packs, built once per process.
fn packs() -> &'static [langs::Pack] {
    static PACKS: OnceLock<Vec<langs::Pack>> = OnceLock::new();
    PACKS.get_or_init(|| langs::RULES.iter().map(langs::Pack::new).collect())
}

/// One language other than English, with the config's overrides in its key form.
struct LangScorer {
    pack: &'static langs::Pack,
    overrides: FxMap<Box<str>, f64>,
}

/// The scorer. Immutable after construction, so it is `Send + Sync` and can
/// be shared behind an `Arc`.
pub struct Analyzer {
    mode: Mode,
    positive_threshold: f64,
    negative_threshold: f64,
    /// The reference lexicon plus emoji, supplement and overrides: English in
    /// social mode; brand terms and emoji for the other languages in both modes.
    social: social::Social,
    langs: Vec<LangScorer>,
    fingerprint: u64,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

impl Analyzer {
    pub fn new(cfg: &SentimentConfig) -> Self {
        let social = social::Social::new(&base().lexicon, &cfg.neutral_terms, &cfg.lexicon);
        let langs = packs()
            .iter()
            .map(|pack| {
                let mut overrides = FxMap::default();
                for (k, v) in social::Social::overrides(&cfg.lexicon) {
                    let mut key = String::new();
                    pack.push_key(k, &mut key);
                    overrides.insert(key.into(), v);
                }
                LangScorer { pack, overrides }
            })
            .collect();
        Analyzer {
            mode: cfg.mode,
            positive_threshold: cfg.positive_threshold,
            negative_threshold: cfg.negative_threshold,
            social,
            langs,
            fingerprint: fingerprint(cfg),
        }
    }

    /// vaderSentiment 3.3.2, default thresholds.
    pub fn reference() -> Self {
        Self::new(&SentimentConfig {
            mode: Mode::Reference,
            ..SentimentConfig::default()
        })
    }

    /// Social mode with default settings.
    pub fn social() -> Self {
        Self::new(&SentimentConfig::default())
    }

    pub fn mode(&self) -> Mode {
        self.mode
    }

    pub fn analyze(&self, text: &str) -> Sentiment {
        SCRATCH.with(|s| {
            let mut s = s.borrow_mut();
            let raw = self.run(text, &mut s, |_, _, _, raw| *raw);
            self.sentiment(&raw)
        })
    }

    /// Scores `text` written in `lang` (ISO 639-1), or `None` when hark has no lexicon
    /// for that language: an unscored post is never scored with another language's words.
    pub fn analyze_in(&self, text: &str, lang: &str) -> Option<Sentiment> {
        if lang == "en" {
            return Some(self.analyze(text));
        }
        let ls = self.lang(lang)?;
        Some(SCRATCH.with(|s| {
            let mut s = s.borrow_mut();
            let raw = self.run_intl(ls, text, &mut s, |_, _, _, raw| *raw);
            self.sentiment(&raw)
        }))
    }

    /// [`Analyzer::explain`] for a text written in `lang`; `None` when `lang` is not scored.
    pub fn explain_in(&self, text: &str, lang: &str) -> Option<(Sentiment, Vec<Contribution>)> {
        if lang == "en" {
            return Some(self.explain(text));
        }
        let ls = self.lang(lang)?;
        Some(SCRATCH.with(|s| {
            let mut s = s.borrow_mut();
            let (raw, rows) = self.run_intl(ls, text, &mut s, |t, b, s, raw| {
                (*raw, explain::contributions(t, b, s, raw))
            });
            (self.sentiment(&raw), rows)
        }))
    }

    /// Whether posts in `lang` get a sentiment.
    pub fn scores(&self, lang: &str) -> bool {
        lang == "en" || self.lang(lang).is_some()
    }

    /// The languages hark scores, English first.
    pub fn languages() -> impl Iterator<Item = &'static str> {
        std::iter::once("en").chain(langs::RULES.iter().map(|r| r.code))
    }

    /// The lexicon posts in `lang` are scored with, as `--explain` names it.
    pub fn lexicon_name(&self, lang: &str) -> Option<&'static str> {
        match (lang, self.mode) {
            ("en", Mode::Reference) => Some("vader 3.3.2"),
            ("en", Mode::Social) => Some("vader 3.3.2 + hark social"),
            _ => self.lang(lang).map(|l| l.pack.rules.lexicon_name),
        }
    }

    fn lang(&self, lang: &str) -> Option<&LangScorer> {
        self.langs.iter().find(|l| l.pack.rules.code == lang)
    }

    /// Like [`Analyzer::analyze`], plus the tokens that carried valence (after
    /// every rule) and the punctuation emphasis; their sum is what the
    /// compound normalises.
    pub fn explain(&self, text: &str) -> (Sentiment, Vec<Contribution>) {
        SCRATCH.with(|s| {
            let mut s = s.borrow_mut();
            let (raw, rows) = self.run(text, &mut s, |t, b, s, raw| {
                (*raw, explain::contributions(t, b, s, raw))
            });
            (self.sentiment(&raw), rows)
        })
    }

    /// Changes whenever mode, thresholds, neutral terms, lexicon overrides or
    /// the engine's own tables change, so stored labels can be rescored.
    pub fn fingerprint(&self) -> u64 {
        self.fingerprint
    }

    fn sentiment(&self, raw: &Raw) -> Sentiment {
        let scores = Scores {
            compound: raw.compound,
            pos: raw.pos,
            neu: raw.neu,
            neg: raw.neg,
        };
        let label = Label::from_compound(
            raw.compound,
            self.positive_threshold,
            self.negative_threshold,
        );
        Sentiment { scores, label }
    }

    /// Score `text`, then hand the scored text, the rewrite buffer, the
    /// tokens and the result to `f`.
    fn run<R>(
        &self,
        text: &str,
        s: &mut Scratch,
        f: impl FnOnce(&str, &str, &Scratch, &Raw) -> R,
    ) -> R {
        let mut buf = std::mem::take(&mut s.text);
        buf.clear();
        let out = match self.mode {
            Mode::Reference => {
                let t = if text.is_ascii() {
                    text // no emoji possible: skip the copy
                } else {
                    emoji::translate_reference(text, &base().emoji, &mut buf);
                    &buf
                };
                let t = pytext::py_strip(t);
                vader::tokenize(t, &RefLookup(&base().lexicon), s);
                let raw = vader::score(vader::punctuation_emphasis(vader::count_marks(t)), s);
                f(t, "", s, &raw)
            }
            Mode::Social => {
                let soc = &self.social;
                let marks = soc.tokenize(soc, text, Some(&base().emoji), &mut buf, s);
                soc.neutralize_phrases(s);
                patterns::apply(s);
                let raw = vader::score(vader::punctuation_emphasis(marks), s);
                f(text, &buf, s, &raw)
            }
        };
        s.text = buf;
        out
    }

    /// `run` for a language other than English: social pre-processing, the
    /// language's lexicon and the carried-over rules.
    fn run_intl<R>(
        &self,
        ls: &LangScorer,
        text: &str,
        s: &mut Scratch,
        f: impl FnOnce(&str, &str, &Scratch, &Raw) -> R,
    ) -> R {
        let mut buf = std::mem::take(&mut s.text);
        buf.clear();
        let lx = intl::IntlLookup {
            pack: ls.pack,
            social: &self.social,
            overrides: &ls.overrides,
        };
        let marks = self.social.tokenize(&lx, text, None, &mut buf, s);
        self.social.neutralize_phrases(s);
        intl::apply_phrases(ls.pack, s);
        patterns::apply_intl(s);
        complaints::apply(ls.pack.rules.code, s);
        let raw = intl::score(vader::punctuation_emphasis(marks), s);
        let out = f(text, &buf, s, &raw);
        s.text = buf;
        out
    }
}

/// Bump when the engine's scoring or tables change.
const ENGINE_VERSION: u64 = 3;

/// FNV-1a over the settings that affect scores: stable across runs and builds.
fn fingerprint(cfg: &SentimentConfig) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for &b in bytes {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        h ^= 0xff;
        h = h.wrapping_mul(0x0100_0000_01b3);
    };
    eat(&ENGINE_VERSION.to_le_bytes());
    eat(cfg.mode.as_str().as_bytes());
    eat(&cfg.positive_threshold.to_bits().to_le_bytes());
    eat(&cfg.negative_threshold.to_bits().to_le_bytes());
    {
        // every mode: the other languages always use brand terms and overrides
        let mut terms: Vec<String> = cfg.neutral_terms.iter().map(|t| t.to_lowercase()).collect();
        terms.sort();
        terms.dedup();
        for t in &terms {
            eat(t.as_bytes());
        }
        eat(b"lexicon");
        for (k, v) in &cfg.lexicon {
            eat(k.to_lowercase().as_bytes());
            eat(&v.to_bits().to_le_bytes());
        }
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn analyzer_is_send_sync() {
        fn check<T: Send + Sync>() {}
        check::<Analyzer>();
    }

    #[test]
    fn readme_examples_match_reference() {
        let a = Analyzer::reference();
        let s = a.analyze("VADER is smart, handsome, and funny.");
        assert_eq!(
            (s.scores.compound, s.scores.pos, s.scores.neu),
            (0.8316, 0.746, 0.254)
        );
        assert_eq!(a.analyze("").scores.compound, 0.0);
        assert_eq!(a.analyze("Not bad at all").label, Label::Positive);
    }

    #[test]
    fn fingerprint_tracks_settings() {
        let base = SentimentConfig::default();
        let f = |c: &SentimentConfig| Analyzer::new(c).fingerprint();
        let mut other = base.clone();
        other.lexicon.insert("outage".into(), -2.5);
        assert_ne!(f(&base), f(&other));
        let mut thr = base.clone();
        thr.positive_threshold = 0.1;
        assert_ne!(f(&base), f(&thr));
        assert_ne!(f(&base), Analyzer::reference().fingerprint());
        assert_eq!(f(&base), Analyzer::social().fingerprint());
    }

    #[test]
    fn label_round_trips() {
        for l in [Label::Negative, Label::Neutral, Label::Positive] {
            assert_eq!(l.as_str().parse::<Label>().unwrap(), l);
        }
        assert!("meh".parse::<Label>().is_err());
    }
}
