//! `[keys]` as the config file writes it: the keymap's own config section, parsed by the
//! keymap ([`super::keymap::Keymap::from_config`]).

use serde::Deserialize;

/// One key or several for one action.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum KeySpec {
    One(String),
    Many(Vec<String>),
}

impl AsRef<KeySpec> for KeySpec {
    fn as_ref(&self) -> &KeySpec {
        self
    }
}

impl KeySpec {
    pub fn keys(&self) -> Vec<&str> {
        match self {
            KeySpec::One(k) => vec![k.as_str()],
            KeySpec::Many(ks) => ks.iter().map(String::as_str).collect(),
        }
    }
}
