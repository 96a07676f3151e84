//! Which language a post is written in, among the brand's expected languages.
//!
//! Detection picks only from the configured languages; a text too short or too unclear
//! gets the brand's primary language (the first configured), so "love it!!" and "👍"
//! are treated as they were before languages existed.

use anyhow::{bail, Result};

pub mod config;

/// An ISO 639-1 code ("en", "es", …), lower case.
pub type Code = String;

/// The brand's languages, the first one primary.
#[derive(Clone, Debug)]
pub struct Languages {
    expected: Vec<Code>,
    allow: Vec<whatlang::Lang>,
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
        Ok(Languages {
            expected: codes,
            allow,
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
        if self.allow.len() <= 1 {
            return self.primary();
        }
        let detector = whatlang::Detector::with_allowlist(self.allow.clone());
        match detector.detect(text) {
            Some(info) if info.is_reliable() => {
                let code = code_of(info.lang());
                self.expected
                    .iter()
                    .find(|c| c.as_str() == code)
                    .map(|c| c.as_str())
                    .unwrap_or_else(|| self.primary())
            }
            _ => self.primary(),
        }
    }
}

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
