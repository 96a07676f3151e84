//! Replies in the brand's voice (README "Replies and the outbox"): canned replies from config, their
//! variables, length counting the way each platform counts, and the brand-voice checks.
//!
//! Everything here is pure text work, so the composer and the tests share one truth.

pub mod expand;
pub mod length;
pub mod voice;
pub mod x_length;

use std::collections::BTreeMap;

use serde::Deserialize;

pub use expand::{expand, ExpandError, Vars};
pub use voice::{check, VoiceConfig, Warning};

/// One `[[reply]]` in config.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct CannedReply {
    pub name: String,
    /// 1–9: the key that opens the composer with this reply.
    #[serde(default)]
    pub key: Option<u8>,
    pub body: String,
    /// Only offered on these platforms (all when empty).
    #[serde(default)]
    pub platforms: Vec<String>,
    /// Free labels shown in the picker and matched by its search.
    #[serde(default)]
    pub tags: Vec<String>,
    /// The reply in other languages (`[reply.lang.es] body = "…"`), by ISO 639-1 code.
    #[serde(default)]
    pub lang: BTreeMap<String, ReplyVariant>,
}

/// One language's version of a canned reply.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ReplyVariant {
    pub body: String,
}

impl CannedReply {
    pub fn applies_to(&self, platform: &str) -> bool {
        self.platforms.is_empty() || self.platforms.iter().any(|p| p == platform)
    }

    /// The body for an item written in `lang`: its variant, else the default body.
    pub fn body_for(&self, lang: Option<&str>) -> &str {
        lang.and_then(|l| self.lang.get(l))
            .map_or(self.body.as_str(), |v| v.body.as_str())
    }

    /// The languages this reply has a variant for, in code order.
    pub fn languages(&self) -> impl Iterator<Item = &str> {
        self.lang.keys().map(String::as_str)
    }
}

/// Where the cursor goes after a reply is queued.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum AfterSend {
    /// The next item below that still needs a reply.
    #[default]
    NextNeedsReply,
    /// The next item below.
    Next,
    /// Stay on the item.
    Stay,
}

/// `[composer]`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ComposerConfig {
    #[serde(default)]
    pub after_send: AfterSend,
}

/// Checks the `[[reply]]` entries: unique names, keys 1–9 used once, bodies whose
/// variables are all known.
pub fn validate(replies: &[CannedReply], voice: &VoiceConfig) -> Result<(), String> {
    let mut names = std::collections::HashSet::new();
    let mut keys = BTreeMap::new();
    for reply in replies {
        if reply.name.trim().is_empty() {
            return Err("a [[reply]] has an empty name".into());
        }
        if !names.insert(reply.name.as_str()) {
            return Err(format!("two [[reply]] entries are named `{}`", reply.name));
        }
        if let Some(key) = reply.key {
            if !(1..=9).contains(&key) {
                return Err(format!(
                    "reply `{}`: key {key} is not 1–9 (use the picker, R, for more replies)",
                    reply.name
                ));
            }
            if let Some(other) = keys.insert(key, reply.name.as_str()) {
                return Err(format!(
                    "replies `{other}` and `{}` both use key {key}",
                    reply.name
                ));
            }
        }
        let bodies = std::iter::once((None, &reply.body))
            .chain(reply.lang.iter().map(|(l, v)| (Some(l), &v.body)));
        for (lang, body) in bodies {
            let reply_name = match lang {
                Some(l) => format!("reply `{}` ({l})", reply.name),
                None => format!("reply `{}`", reply.name),
            };
            if let Some(l) = lang.filter(|l| !crate::language::is_code(l)) {
                return Err(format!(
                    "{reply_name}: unknown language code {l:?} in [reply.lang] (use ISO 639-1 codes such as \"es\")"
                ));
            }
            for name in expand::variables(body).map_err(|e| format!("{reply_name}: {e}"))? {
                if !Vars::is_known(&name, voice) {
                    return Err(format!(
                        "{reply_name}: unknown variable {{{name}}} (known: {}, and [voice.vars])",
                        expand::BUILTIN.join(", ")
                    ));
                }
            }
        }
    }
    if let Some(l) = voice.lang.keys().find(|l| !crate::language::is_code(l)) {
        return Err(format!(
            "unknown language code {l:?} in [voice.lang] (use ISO 639-1 codes such as \"es\")"
        ));
    }
    Ok(())
}

/// The canned reply bound to digit `key`.
pub fn by_key(replies: &[CannedReply], key: u8) -> Option<&CannedReply> {
    replies.iter().find(|r| r.key == Some(key))
}

#[cfg(test)]
#[path = "mod_tests.rs"]
mod tests;
