//! Brand-voice checks: warnings while the CM types; the CM decides (a second Ctrl-S sends
//! anyway).

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use unicode_segmentation::UnicodeSegmentation;

/// `[voice]` in config.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct VoiceConfig {
    /// The brand's sign-off ("— Sam at Nimbus"); fills `{signoff}`.
    #[serde(default)]
    pub signoff: Option<String>,
    /// Warn when a public reply does not end with the sign-off.
    #[serde(default)]
    pub require_signoff: bool,
    #[serde(default)]
    pub banned: Vec<Banned>,
    /// The most emoji a reply should carry.
    #[serde(default)]
    pub max_emoji: Option<usize>,
    /// Warn about shouting (words of 4+ letters in capitals).
    #[serde(default = "yes")]
    pub no_shouting: bool,
    /// Extra variables for canned replies: `{name}` → value.
    #[serde(default)]
    pub vars: BTreeMap<String, String>,
    /// Per language (`[voice.lang.es]`): its own sign-off and banned words, for replies
    /// to items in that language.
    #[serde(default)]
    pub lang: BTreeMap<String, LangVoice>,
}

/// `[voice.lang.<code>]`: what changes in one language.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct LangVoice {
    /// Replaces `[voice] signoff` in this language.
    #[serde(default)]
    pub signoff: Option<String>,
    /// Added to `[voice] banned` in this language.
    #[serde(default)]
    pub banned: Vec<Banned>,
}

impl VoiceConfig {
    /// The voice for a reply to an item written in `lang`: the language's sign-off (else
    /// the general one) and the general banned words plus the language's.
    pub fn for_lang(&self, lang: Option<&str>) -> VoiceConfig {
        let mut voice = self.clone();
        if let Some(extra) = lang.and_then(|l| self.lang.get(l)) {
            if extra.signoff.is_some() {
                voice.signoff = extra.signoff.clone();
            }
            voice.banned.extend(extra.banned.iter().cloned());
        }
        voice
    }
}

fn yes() -> bool {
    true
}

impl Default for VoiceConfig {
    fn default() -> Self {
        VoiceConfig {
            signoff: None,
            require_signoff: false,
            banned: Vec::new(),
            max_emoji: None,
            no_shouting: true,
            vars: BTreeMap::new(),
            lang: BTreeMap::new(),
        }
    }
}

/// A word or phrase the brand does not use, and what it says instead.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Banned {
    pub phrase: String,
    #[serde(default)]
    pub instead: Option<String>,
}

/// One problem with a draft.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Warning {
    TooLong {
        length: usize,
        limit: usize,
    },
    /// Over the platform's cap on the encoded text (UTF-8 bytes).
    TooManyBytes {
        bytes: usize,
        limit: usize,
    },
    Banned {
        phrase: String,
        instead: Option<String>,
    },
    NoSignoff {
        signoff: String,
    },
    TooManyEmoji {
        count: usize,
        max: usize,
    },
    Shouting {
        word: String,
    },
    Empty,
    /// The platform said the post is gone: a reply would stand alone, answering nothing.
    PostGone,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Warning::TooLong { length, limit } => {
                write!(
                    f,
                    "too long: {length}/{limit} — the platform will refuse it"
                )
            }
            Warning::TooManyBytes { bytes, limit } => write!(
                f,
                "too long: {bytes}/{limit} bytes — the platform will refuse it"
            ),
            Warning::Banned {
                phrase,
                instead: Some(instead),
            } => write!(f, "\"{phrase}\" is off-brand: say \"{instead}\""),
            Warning::Banned {
                phrase,
                instead: None,
            } => write!(f, "\"{phrase}\" is off-brand"),
            Warning::NoSignoff { signoff } => write!(f, "no sign-off: end with \"{signoff}\""),
            Warning::TooManyEmoji { count, max } => {
                write!(f, "{count} emoji (the brand uses at most {max})")
            }
            Warning::Shouting { word } => write!(f, "\"{word}\" reads as shouting"),
            Warning::Empty => f.write_str("the reply is empty"),
            Warning::PostGone => {
                f.write_str("this post was deleted on the platform: the reply would stand alone")
            }
        }
    }
}

/// The warnings for `text`; `limit` is the platform's reply limit, `public` false for DMs
/// (the sign-off rule is for public replies).
pub fn check(
    text: &str,
    voice: &VoiceConfig,
    platform: &str,
    limit: Option<super::length::Limit>,
    public: bool,
) -> Vec<Warning> {
    let mut warnings = Vec::new();
    if text.trim().is_empty() {
        return vec![Warning::Empty];
    }
    if let Some(limit) = limit {
        let length = super::length::count(text, platform);
        if length > limit.length {
            warnings.push(Warning::TooLong {
                length,
                limit: limit.length,
            });
        }
        if let Some(max) = limit.bytes.filter(|&max| text.len() > max) {
            warnings.push(Warning::TooManyBytes {
                bytes: text.len(),
                limit: max,
            });
        }
    }
    let lower = text.to_lowercase();
    for banned in &voice.banned {
        if contains_phrase(&lower, &banned.phrase.to_lowercase()) {
            warnings.push(Warning::Banned {
                phrase: banned.phrase.clone(),
                instead: banned.instead.clone(),
            });
        }
    }
    if let (true, true, Some(signoff)) = (voice.require_signoff, public, &voice.signoff) {
        if !signoff.trim().is_empty() && !text.trim_end().ends_with(signoff.trim()) {
            warnings.push(Warning::NoSignoff {
                signoff: signoff.trim().to_string(),
            });
        }
    }
    if let Some(max) = voice.max_emoji {
        let count = text.graphemes(true).filter(|g| is_emoji(g)).count();
        if count > max {
            warnings.push(Warning::TooManyEmoji { count, max });
        }
    }
    if voice.no_shouting {
        if let Some(word) = text.split_whitespace().find(|w| is_shouting(w)) {
            warnings.push(Warning::Shouting {
                word: word
                    .trim_matches(|c: char| !c.is_alphanumeric())
                    .to_string(),
            });
        }
    }
    warnings
}

/// A phrase matched on word boundaries, so "ass" does not flag "class".
fn contains_phrase(haystack: &str, phrase: &str) -> bool {
    if phrase.is_empty() {
        return false;
    }
    let boundary = |c: Option<char>| c.is_none_or(|c| !c.is_alphanumeric());
    haystack.match_indices(phrase).any(|(i, _)| {
        boundary(haystack[..i].chars().next_back())
            && boundary(haystack[i + phrase.len()..].chars().next())
    })
}

/// Four or more letters, all capitals (so "OK", "FAQ" and "NYC" pass).
fn is_shouting(word: &str) -> bool {
    let letters: Vec<char> = word.chars().filter(|c| c.is_alphabetic()).collect();
    letters.len() >= 4 && letters.iter().all(|c| c.is_uppercase())
}

/// Pictographic emoji (not digits or plain symbols that have emoji forms).
fn is_emoji(grapheme: &str) -> bool {
    grapheme.chars().any(|c| {
        matches!(c as u32,
            0x1F300..=0x1FAFF | 0x2600..=0x27BF | 0x1F000..=0x1F2FF | 0x2B50 | 0x2B55)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn voice() -> VoiceConfig {
        VoiceConfig {
            signoff: Some("— Sam".into()),
            require_signoff: true,
            banned: vec![
                Banned {
                    phrase: "unfortunately".into(),
                    instead: Some("sadly".into()),
                },
                Banned {
                    phrase: "per our policy".into(),
                    instead: None,
                },
            ],
            max_emoji: Some(1),
            no_shouting: true,
            vars: Default::default(),
            lang: Default::default(),
        }
    }

    #[test]
    fn a_clean_reply_has_no_warnings() {
        let w = check(
            "Thanks @ana, on its way! — Sam",
            &voice(),
            "chirp",
            Some(crate::replies::length::Limit::length(280)),
            true,
        );
        assert_eq!(w, vec![]);
    }

    #[test]
    fn banned_phrases_suggest_the_alternative_and_match_whole_words() {
        let w = check(
            "Unfortunately we are out. — Sam",
            &voice(),
            "chirp",
            None,
            true,
        );
        assert_eq!(
            w,
            vec![Warning::Banned {
                phrase: "unfortunately".into(),
                instead: Some("sadly".into())
            }]
        );
        assert!(w[0].to_string().contains("say \"sadly\""));
        // A phrase inside another word is not a match.
        let mut v = voice();
        v.banned = vec![Banned {
            phrase: "ass".into(),
            instead: None,
        }];
        assert_eq!(check("first class — Sam", &v, "chirp", None, true), vec![]);
        assert_eq!(
            check("Per our policy, no. — Sam", &voice(), "chirp", None, true).len(),
            1
        );
    }

    #[test]
    fn a_public_reply_needs_the_signoff_but_a_dm_does_not() {
        let w = check("Thanks!", &voice(), "chirp", None, true);
        assert_eq!(
            w,
            vec![Warning::NoSignoff {
                signoff: "— Sam".into()
            }]
        );
        assert_eq!(check("Thanks!", &voice(), "chirp", None, false), vec![]);
    }

    #[test]
    fn too_many_emoji_and_shouting_are_flagged_but_short_acronyms_are_not() {
        let w = check("Yay 🎉🎉 — Sam", &voice(), "chirp", None, true);
        assert_eq!(w, vec![Warning::TooManyEmoji { count: 2, max: 1 }]);
        let w = check("This is NOT okay. — Sam", &voice(), "chirp", None, true);
        assert_eq!(w, vec![]);
        let w = check("We are SO SORRY!! — Sam", &voice(), "chirp", None, true);
        assert_eq!(
            w,
            vec![Warning::Shouting {
                word: "SORRY".into()
            }]
        );
        assert_eq!(
            check("See the FAQ, OK? — Sam", &voice(), "chirp", None, true),
            vec![]
        );
    }

    #[test]
    fn the_platform_limit_counts_urls_as_the_platform_does() {
        let url = format!("https://example.com/{}", "x".repeat(300));
        let text = format!("Details: {url} — Sam");
        assert_eq!(
            check(
                &text,
                &voice(),
                "chirp",
                Some(crate::replies::length::Limit::length(280)),
                true
            ),
            vec![]
        );
        let w = check(
            &text,
            &voice(),
            "forum",
            Some(crate::replies::length::Limit::length(280)),
            true,
        );
        assert!(matches!(w[0], Warning::TooLong { limit: 280, .. }), "{w:?}");
    }

    #[test]
    fn an_empty_reply_is_a_warning() {
        assert_eq!(
            check("  \n", &voice(), "chirp", None, true),
            vec![Warning::Empty]
        );
    }

    #[test]
    fn a_language_has_its_own_signoff_and_banned_words_on_top_of_the_general_ones() {
        let mut voice = voice();
        voice.lang.insert(
            "es".into(),
            LangVoice {
                signoff: Some("— Sam, de Nimbus".into()),
                banned: vec![Banned {
                    phrase: "lamentablemente".into(),
                    instead: Some("por desgracia".into()),
                }],
            },
        );
        let limit = Some(crate::replies::length::Limit::length(280));
        let es = voice.for_lang(Some("es"));
        let w = check(
            "Lamentablemente no. — Sam, de Nimbus",
            &es,
            "chirp",
            limit,
            true,
        );
        assert_eq!(
            w,
            vec![Warning::Banned {
                phrase: "lamentablemente".into(),
                instead: Some("por desgracia".into()),
            }]
        );
        // The general banned words still apply in Spanish.
        let w = check(
            "unfortunately no. — Sam, de Nimbus",
            &es,
            "chirp",
            limit,
            true,
        );
        assert!(matches!(&w[..], [Warning::Banned { phrase, .. }] if phrase == "unfortunately"));
        // The English sign-off is not the Spanish one.
        let w = check("Gracias. — Sam", &es, "chirp", limit, true);
        assert!(w.contains(&Warning::NoSignoff {
            signoff: "— Sam, de Nimbus".into()
        }));
        // Other languages, and unknown ones, keep the general voice.
        assert_eq!(voice.for_lang(Some("fr")), voice);
        assert_eq!(voice.for_lang(None), voice);
        assert!(check(
            "Lamentablemente no. — Sam",
            &voice.for_lang(Some("en")),
            "chirp",
            limit,
            true
        )
        .is_empty());
    }
}
