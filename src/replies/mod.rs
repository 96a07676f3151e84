//! Replies in the brand's voice (README "Replies and the outbox"): canned replies from config, their
//! variables, length counting the way each platform counts, and the brand-voice checks.
//!
//! Everything here is pure text work, so the composer and the tests share one truth.

pub mod expand;
pub mod length;
pub mod voice;

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
}

impl CannedReply {
    pub fn applies_to(&self, platform: &str) -> bool {
        self.platforms.is_empty() || self.platforms.iter().any(|p| p == platform)
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
        for name in
            expand::variables(&reply.body).map_err(|e| format!("reply `{}`: {e}", reply.name))?
        {
            if !Vars::is_known(&name, voice) {
                return Err(format!(
                    "reply `{}`: unknown variable {{{name}}} (known: {}, and [voice.vars])",
                    reply.name,
                    expand::BUILTIN.join(", ")
                ));
            }
        }
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
