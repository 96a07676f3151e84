//! Which language a post is written in, among the brand's expected languages.
//!
//! Detection picks only from the configured languages; a text too short or too unclear
//! gets the brand's primary language (the first configured), so "love it!!" and "👍"
//! are treated as they were before languages existed.
//!
//! Short posts are where trigram statistics (whatlang) are weakest, so function words
//! and language-specific letters (`hints`) vote first: a clear winner is taken without
//! running whatlang at all, which is also what keeps detection fast. Mentions, links
//! and hashtags are left out of both: they are names, not language.

mod hints;

use anyhow::{bail, Result};

pub mod config;

/// An ISO 639-1 code ("en", "es", …), lower case.
pub type Code = String;

/// The brand's languages, the first one primary.
#[derive(Clone, Debug)]
pub struct Languages {
    expected: Vec<Code>,
    /// Built once: whatlang's detector restricted to the expected languages.
    detector: whatlang::Detector,
    /// With every language possible: whatlang among the hinted languages only, for a
    /// post with nothing of another language in it (a third of the trigram work).
    hinted: Option<whatlang::Detector>,
    /// Languages the function-word hints may name (bit i = `hints::LANGS[i]`).
    hint_mask: u16,
    single: bool,
    /// No list configured: every language whatlang knows may be returned.
    all: bool,
    /// Every expected language has function-word hints, so a clear hint winner cannot be
    /// a language the hints know nothing about (Dutch "was" is not English "was").
    hints_decide: bool,
}

impl Languages {
    /// `expected` as written in `[languages] expected`; empty means every supported language
    /// with English primary.
    pub fn new(expected: &[String]) -> Result<Self> {
        let codes: Vec<Code> = if expected.is_empty() {
            // Every supported language, English first (the primary).
            let mut all = vec!["en".to_string()];
            all.extend(
                whatlang::Lang::all()
                    .iter()
                    .map(|l| code_of(*l).to_string())
                    .filter(|c| c != "en"),
            );
            all
        } else {
            expected
                .iter()
                .map(|c| c.trim().to_ascii_lowercase())
                .collect()
        };
        let mut allow = Vec::new();
        for code in &codes {
            match lang_of(code) {
                Some(l) => allow.push(l),
                None => bail!("unknown language code {code:?} in [languages] expected (use ISO 639-1 codes such as \"en\", \"es\")"),
            }
        }
        if expected.is_empty() {
            allow = whatlang::Lang::all().to_vec();
        }
        let mut hint_mask = 0u16;
        for (i, code) in hints::LANGS.iter().enumerate() {
            if expected.is_empty() || codes.iter().any(|c| c == code) {
                hint_mask |= 1 << i;
            }
        }
        let hints_decide =
            !expected.is_empty() && codes.iter().all(|c| hints::LANGS.contains(&c.as_str()));
        let hinted = expected.is_empty().then(|| {
            whatlang::Detector::with_allowlist(
                hints::LANGS.iter().filter_map(|c| lang_of(c)).collect(),
            )
        });
        Ok(Languages {
            hinted,
            hints_decide,
            single: allow.len() <= 1,
            detector: whatlang::Detector::with_allowlist(allow),
            expected: codes,
            hint_mask,
            all: expected.is_empty(),
        })
    }

    /// The primary language: the fallback for short or unclear text.
    pub fn primary(&self) -> &str {
        &self.expected[0]
    }

    pub fn expected(&self) -> &[Code] {
        &self.expected
    }

    /// The language of `text`, among the expected ones.
    pub fn detect(&self, text: &str) -> &str {
        if self.single {
            return self.primary();
        }
        let votes = hints::vote(text, self.hint_mask);
        // With only hinted languages expected, a clear lead decides; otherwise the lead
        // must also be dense, or a Dutch post would be English by its "was".
        // Nothing of another language (no function word, no letter of its own) lets a
        // clear lead decide with every language possible too.
        let decided = if self.hints_decide || !votes.foreign {
            votes.clear_winner()
        } else {
            votes.dense_winner()
        };
        if let Some(code) = decided {
            return self.expected_code(code);
        }
        if votes.letters < MIN_LETTERS {
            // too little text for trigrams: a single function word may still decide
            return votes
                .leader()
                .map_or_else(|| self.primary(), |c| self.expected_code(c));
        }
        let cleaned = hints::without_names(text);
        let leader = || {
            votes
                .leader()
                .map_or_else(|| self.primary(), |c| self.expected_code(c))
        };
        // Two function words of one of ours and nothing of another language: the post is
        // one of the hinted languages, and trigrams only have to tell which.
        let detector = match &self.hinted {
            Some(hinted) if !votes.foreign && votes.leader_words() >= 2 => hinted,
            _ => &self.detector,
        };
        let Some(info) = detector.detect(&cleaned) else {
            return leader();
        };
        let guess = code_of(info.lang());
        if info.is_reliable() {
            return self.expected_code(guess);
        }
        if let Some(code) = votes.clear_winner() {
            return self.expected_code(code);
        }
        // an unsure guess stands when the function words agree with it, or when it
        // names a language the hints know nothing about: with every language possible,
        // a content word or two ("comanda") must not make a Romanian post Catalan
        match votes.points_of(guess) {
            Some((mine, best)) if mine == best => self.expected_code(guess),
            None if self.all || info.confidence() >= UNHINTED_CONFIDENCE => {
                self.expected_code(guess)
            }
            _ => leader(),
        }
    }

    /// `code` as stored in the expected list, or the primary if it is not expected.
    fn expected_code<'a>(&'a self, code: &'static str) -> &'a str {
        if self.all {
            return code;
        }
        self.expected
            .iter()
            .find(|c| c.as_str() == code)
            .map_or_else(|| self.primary(), |c| c.as_str())
    }
}

/// Below this many letters whatlang's guess is noise ("ok", "top!").
const MIN_LETTERS: usize = 12;
/// An unsure whatlang guess of a language without hints (Dutch, Polish…) is
/// taken from this confidence on.
const UNHINTED_CONFIDENCE: f64 = 0.3;

impl Default for Languages {
    fn default() -> Self {
        Languages::new(&[]).expect("the default languages are valid")
    }
}

/// Whether `code` names a language hark can detect.
pub fn is_code(code: &str) -> bool {
    lang_of(code).is_some()
}

fn lang_of(code: &str) -> Option<whatlang::Lang> {
    whatlang::Lang::all()
        .iter()
        .copied()
        .find(|l| code_of(*l) == code)
}

/// whatlang names languages by ISO 639-3; the cache stores ISO 639-1.
fn code_of(lang: whatlang::Lang) -> &'static str {
    use whatlang::Lang::*;
    match lang {
        Eng => "en",
        Spa => "es",
        Fra => "fr",
        Por => "pt",
        Deu => "de",
        Ita => "it",
        Cat => "ca",
        Nld => "nl",
        Pol => "pl",
        Swe => "sv",
        Dan => "da",
        Nob => "no",
        Fin => "fi",
        Tur => "tr",
        Rus => "ru",
        Ukr => "uk",
        Jpn => "ja",
        Cmn => "zh",
        Kor => "ko",
        Ara => "ar",
        Heb => "he",
        Hin => "hi",
        Ell => "el",
        Ces => "cs",
        Ron => "ro",
        Hun => "hu",
        other => other.code(),
    }
}
