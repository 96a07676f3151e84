//! `[languages]` in the config: which languages the brand hears from.

use serde::Deserialize;

use super::Languages;

/// `[languages]`: `expected = ["en", "es", …]`, the first primary; empty (the default)
/// means every supported language with English primary.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct LanguagesConfig {
    pub expected: Vec<String>,
}

impl LanguagesConfig {
    /// The detector these settings describe, or why the codes cannot be used.
    pub fn languages(&self) -> anyhow::Result<Languages> {
        Languages::new(&self.expected)
    }
}
