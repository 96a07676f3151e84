//! Keys → commands, per layer (see [`layers`]). Every command has a kebab-case name (used
//! in `[keys.<layer>]` and on the `:` command line) and default keys; the config replaces
//! a command's keys in one layer. A key bound to two commands of one layer is an error,
//! never a silent winner; the same key may mean different things in different layers.

mod config;
pub mod hints;
mod key;
mod layers;

use std::collections::{BTreeMap, HashMap};

use crossterm::event::KeyEvent;

pub use config::{KeySpec, KeysConfig, KeysEntry, KeysError};
pub use key::Key;
pub use layers::{Action, Binding, Layer};

/// One layer's resolved bindings.
#[derive(Debug, Clone, Default)]
struct LayerMap {
    by_key: HashMap<Key, Action>,
    by_action: BTreeMap<Action, Vec<Key>>,
}

/// The resolved bindings of every layer.
#[derive(Debug, Clone)]
pub struct Keymap {
    layers: BTreeMap<Layer, LayerMap>,
}

impl Keymap {
    /// The defaults with the config's overrides applied. An override replaces all of its
    /// command's keys in its layer, so it may not be empty: a command without a key
    /// (quit!) is lost.
    pub fn from_config(config: &KeysConfig) -> Result<Keymap, KeysError> {
        let mut keys: BTreeMap<Layer, BTreeMap<Action, Vec<Key>>> = BTreeMap::new();
        for layer in Layer::ALL {
            let defaults = layer
                .bindings()
                .iter()
                .map(|b| {
                    let parsed = b
                        .keys
                        .iter()
                        .map(|k| Key::parse(k).expect("default keys are valid"))
                        .collect();
                    (b.action, parsed)
                })
                .collect();
            keys.insert(layer, defaults);
        }
        let written = config.bindings()?;
        for w in &written {
            let action = Action::from_name(w.name)
                .filter(|a| w.layer.help_of(*a).is_some())
                .ok_or_else(|| {
                    KeysError::at(
                        w,
                        format!(
                            "there is no action `{}` in the {} layer (see `?` in hark for the names)",
                            w.name, w.layer
                        ),
                    )
                })?;
            let texts = w.spec.keys();
            if texts.is_empty() {
                return Err(KeysError::at(
                    w,
                    format!("`{}` has no key: every action needs at least one", w.name),
                ));
            }
            let parsed = texts
                .into_iter()
                .map(|k| {
                    Key::parse(k).ok_or_else(|| {
                        KeysError::at(
                            w,
                            format!("`{k}` is not a key (write keys like \"d\", \"G\", \"ctrl-d\", \"enter\", \"pgdn\", \"f1\")"),
                        )
                    })
                })
                .collect::<Result<_, _>>()?;
            keys.entry(w.layer).or_default().insert(action, parsed);
        }
        let mut layers = BTreeMap::new();
        for (layer, by_action) in keys {
            let mut by_key: HashMap<Key, Action> = HashMap::new();
            for (&action, list) in &by_action {
                for key in list {
                    let Some(first) = by_key.insert(*key, action) else {
                        continue;
                    };
                    // Point at the override; of two overrides, the later one in the file.
                    let written_for = |a: Action| {
                        written
                            .iter()
                            .filter(|w| w.layer == layer && w.name == a.name())
                            .max_by_key(|w| w.span.start)
                    };
                    let at = match (written_for(first), written_for(action)) {
                        (Some(a), Some(b)) => Some(if a.span.start > b.span.start { a } else { b }),
                        (a, b) => a.or(b),
                    };
                    let message = if first == action {
                        format!("`{key}` is listed twice for `{action}`")
                    } else {
                        format!(
                            "`{key}` is bound to both `{first}` and `{action}` in the {layer} layer"
                        )
                    };
                    return Err(match at {
                        Some(w) => KeysError::at(w, message),
                        None => KeysError {
                            path: format!("keys.{layer}"),
                            span: None,
                            message,
                        },
                    });
                }
            }
            layers.insert(layer, LayerMap { by_key, by_action });
        }
        Ok(Keymap { layers })
    }

    pub fn defaults() -> Keymap {
        Keymap::from_config(&KeysConfig::default()).expect("the default keymap has no duplicates")
    }

    /// The command `event` runs in `layer`.
    pub fn action(&self, layer: Layer, event: &KeyEvent) -> Option<Action> {
        self.layers
            .get(&layer)?
            .by_key
            .get(&Key::from_event(event))
            .copied()
    }

    /// The keys bound to `action` in `layer`.
    pub fn keys(&self, layer: Layer, action: Action) -> &[Key] {
        self.layers
            .get(&layer)
            .and_then(|l| l.by_action.get(&action))
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// The keys bound to `action` in `layer`, as the help shows them ("q ctrl-c").
    pub fn keys_of(&self, layer: Layer, action: Action) -> String {
        self.keys(layer, action)
            .iter()
            .map(Key::to_string)
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The first key of `action` in `layer`, for hints and messages ("r again sends").
    pub fn key(&self, layer: Layer, action: Action) -> String {
        self.keys(layer, action)
            .first()
            .map(Key::to_string)
            .unwrap_or_else(|| "?".into())
    }

    /// The keys of canned replies 1–9 in `layer`, short: "1…9", "alt-1…9", or each key.
    pub fn canned_keys(&self, layer: Layer) -> String {
        let firsts: Vec<String> = (1..=9)
            .map(|n| self.key(layer, Action::Canned(n)))
            .collect();
        let prefix = firsts[0].trim_end_matches('1');
        let in_a_row = self.keys(layer, Action::Canned(1)).len() == 1
            && firsts
                .iter()
                .enumerate()
                .all(|(i, k)| *k == format!("{prefix}{}", i + 1));
        if in_a_row {
            format!("{prefix}1…9")
        } else {
            firsts.join(" ")
        }
    }
}

#[cfg(test)]
mod tests;
