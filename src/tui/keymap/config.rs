//! `[keys]` in config.toml: `[keys.<layer>]` tables bind a layer's commands; entries
//! directly under `[keys]` are the old flat form and bind the inbox layer. Every value
//! keeps its place in the file, so an error can name its line.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use toml::Spanned;

/// One key or several for one command.
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

/// A value under `[keys]`: a binding (the flat form) or a layer's table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeysEntry {
    Binding(KeySpec),
    Layer(BTreeMap<String, Spanned<KeySpec>>),
}

/// The whole `[keys]` table, as written.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct KeysConfig(pub BTreeMap<String, Spanned<KeysEntry>>);

impl<'de> Deserialize<'de> for KeysEntry {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EntryVisitor;
        impl<'de> Visitor<'de> for EntryVisitor {
            type Value = KeysEntry;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a key (\"d\"), a list of keys ([\"j\", \"down\"]) or a layer's table")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<KeysEntry, E> {
                Ok(KeysEntry::Binding(KeySpec::One(v.to_string())))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<KeysEntry, A::Error> {
                let mut keys = Vec::new();
                while let Some(k) = seq.next_element::<String>()? {
                    keys.push(k);
                }
                Ok(KeysEntry::Binding(KeySpec::Many(keys)))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<KeysEntry, A::Error> {
                let mut layer = BTreeMap::new();
                while let Some((name, spec)) = map.next_entry::<String, Spanned<KeySpec>>()? {
                    layer.insert(name, spec);
                }
                Ok(KeysEntry::Layer(layer))
            }
        }
        deserializer.deserialize_any(EntryVisitor)
    }
}

/// One binding as the config gives it: which layer, which command, which keys, where.
#[derive(Debug, Clone)]
pub struct Written<'a> {
    pub layer: super::Layer,
    pub name: &'a str,
    /// `keys.quit` (flat) or `keys.composer.send-reply`.
    pub path: String,
    pub spec: &'a KeySpec,
    pub span: Range<usize>,
}

/// A `[keys]` entry that cannot be used, with the entry's path and place in the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct KeysError {
    /// `keys.quit`, `keys.composer.send-reply`.
    pub path: String,
    pub span: Option<Range<usize>>,
    pub message: String,
}

impl KeysError {
    pub(super) fn at(written: &Written, message: String) -> KeysError {
        KeysError {
            path: written.path.clone(),
            span: Some(written.span.clone()),
            message,
        }
    }
}

/// Commands the composer owns that the old flat `[keys]` bound: configs written before
/// the layers keep working.
const FLAT_COMPOSER: &[&str] = &["send-reply", "external-editor"];

impl KeysConfig {
    /// Every binding, each with its layer. A command set twice for one layer (flat and
    /// in `[keys.inbox]`) is an error: which one wins would be a guess.
    pub fn bindings(&self) -> Result<Vec<Written<'_>>, KeysError> {
        use super::Layer;
        let mut out: Vec<Written> = Vec::new();
        for (name, entry) in &self.0 {
            match entry.get_ref() {
                KeysEntry::Binding(spec) => {
                    let layer = if FLAT_COMPOSER.contains(&name.as_str()) {
                        Layer::Composer
                    } else {
                        Layer::Inbox
                    };
                    out.push(Written {
                        layer,
                        name,
                        path: format!("keys.{name}"),
                        spec,
                        span: entry.span(),
                    });
                }
                KeysEntry::Layer(table) => {
                    let Some(layer) = Layer::from_name(name) else {
                        let names: Vec<&str> = Layer::ALL.iter().map(|l| l.name()).collect();
                        return Err(KeysError {
                            path: format!("keys.{name}"),
                            span: Some(entry.span()),
                            message: format!(
                                "there is no key layer `{name}` (layers: {})",
                                names.join(", ")
                            ),
                        });
                    };
                    for (action, spec) in table {
                        out.push(Written {
                            layer,
                            name: action,
                            path: format!("keys.{name}.{action}"),
                            spec: spec.get_ref(),
                            span: spec.span(),
                        });
                    }
                }
            }
        }
        // File order: the later of two entries is the one to point at.
        out.sort_by_key(|w| w.span.start);
        for (i, w) in out.iter().enumerate() {
            if let Some(other) = out[..i]
                .iter()
                .find(|o| o.layer == w.layer && o.name == w.name)
            {
                return Err(KeysError::at(
                    w,
                    format!(
                        "`{}` is set twice for the {} layer (also as `{}`)",
                        w.name, w.layer, other.path
                    ),
                ));
            }
        }
        Ok(out)
    }
}
