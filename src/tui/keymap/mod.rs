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
pub use layers::{Action, Binding, Layer, TEAM_GROUP};

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
mod tests {
    use std::collections::HashMap;

    use crossterm::event::{KeyCode, KeyModifiers};

    use super::*;

    fn press(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, mods)
    }

    /// The `[keys]` of a config file's text.
    fn keys(text: &str) -> KeysConfig {
        #[derive(serde::Deserialize)]
        struct File {
            keys: KeysConfig,
        }
        toml::from_str::<File>(text).unwrap().keys
    }

    #[test]
    fn no_layer_binds_a_default_key_twice() {
        for layer in Layer::ALL {
            let mut seen = HashMap::new();
            for binding in layer.bindings() {
                for key in binding.keys {
                    let parsed = Key::parse(key).unwrap();
                    assert!(
                        seen.insert(parsed, binding.action).is_none(),
                        "{layer}: {key} bound twice: {:?} and {}",
                        seen[&parsed],
                        binding.action
                    );
                }
            }
        }
    }

    #[test]
    fn action_and_layer_names_round_trip() {
        for layer in Layer::ALL {
            assert_eq!(Layer::from_name(layer.name()), Some(layer));
            for binding in layer.bindings() {
                assert_eq!(
                    Action::from_name(binding.action.name()),
                    Some(binding.action)
                );
            }
        }
        assert_eq!(Action::from_name("canned-7"), Some(Action::Canned(7)));
    }

    #[test]
    fn every_layer_can_open_the_help_or_is_the_help() {
        for layer in Layer::ALL {
            let help = if layer == Layer::Help {
                Action::Close
            } else {
                Action::Help
            };
            assert!(layer.help_of(help).is_some(), "{layer}");
        }
    }

    #[test]
    fn terminal_events_map_to_actions() {
        let map = Keymap::defaults();
        let inbox = |code, mods| map.action(Layer::Inbox, &press(code, mods));
        assert_eq!(
            inbox(KeyCode::Char('j'), KeyModifiers::NONE),
            Some(Action::MoveDown)
        );
        assert_eq!(
            inbox(KeyCode::Char('G'), KeyModifiers::SHIFT),
            Some(Action::GoBottom)
        );
        assert_eq!(
            inbox(KeyCode::Char('d'), KeyModifiers::CONTROL),
            Some(Action::PageDown)
        );
        assert_eq!(
            inbox(KeyCode::BackTab, KeyModifiers::SHIFT),
            Some(Action::PrevPane)
        );
        assert_eq!(inbox(KeyCode::F(1), KeyModifiers::NONE), Some(Action::Help));
        assert_eq!(inbox(KeyCode::Char('x'), KeyModifiers::NONE), None);
        assert_eq!(
            map.action(
                Layer::Composer,
                &press(KeyCode::Char('3'), KeyModifiers::ALT)
            ),
            Some(Action::Canned(3))
        );
        assert_eq!(
            map.action(
                Layer::Moderate,
                &press(KeyCode::Char('x'), KeyModifiers::NONE)
            ),
            Some(Action::Delete)
        );
    }

    #[test]
    fn an_override_replaces_the_default_keys_of_that_action() {
        let map = Keymap::from_config(&keys("[keys]\nmark-done = \"x\"\n")).unwrap();
        let inbox = |c| map.action(Layer::Inbox, &press(KeyCode::Char(c), KeyModifiers::NONE));
        assert_eq!(inbox('x'), Some(Action::MarkDone));
        assert_eq!(inbox('d'), None);
        assert_eq!(map.keys_of(Layer::Inbox, Action::MarkDone), "x");
    }

    #[test]
    fn a_layer_table_binds_only_that_layer() {
        let map = Keymap::from_config(&keys("[keys.outbox]\nmove-down = \"J\"\n")).unwrap();
        assert_eq!(map.keys_of(Layer::Outbox, Action::MoveDown), "J");
        assert_eq!(map.keys_of(Layer::Inbox, Action::MoveDown), "j down");
        assert_eq!(map.keys_of(Layer::Help, Action::MoveDown), "j down");
    }

    #[test]
    fn the_flat_table_still_binds_the_composers_old_entries() {
        let map = Keymap::from_config(&keys("[keys]\nsend-reply = \"ctrl-enter\"\n")).unwrap();
        assert_eq!(
            map.keys_of(Layer::Composer, Action::SendReply),
            "ctrl-enter"
        );
    }

    #[test]
    fn a_key_bound_twice_is_an_error_naming_both_actions() {
        let err = Keymap::from_config(&keys("[keys]\nmark-done = \"j\"\n"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("`j`") && err.contains("mark-done") && err.contains("move-down"),
            "{err}"
        );
        // The same key in two layers is fine: a layer is where the keyboard is.
        assert!(Keymap::from_config(&keys("[keys.outbox]\nretry = \"d\"\n")).is_ok());
    }

    #[test]
    fn bad_keys_unknown_actions_and_unknown_layers_are_errors() {
        let bad_key = Keymap::from_config(&keys("[keys]\nquit = \"hyper-q\"\n")).unwrap_err();
        assert!(bad_key.message.contains("not a key"), "{bad_key}");
        let bad_action = Keymap::from_config(&keys("[keys]\nfly = \"f\"\n")).unwrap_err();
        assert!(
            bad_action.message.contains("no action `fly`"),
            "{bad_action}"
        );
        // `retry` is an outbox command, not the composer's.
        let elsewhere = Keymap::from_config(&keys("[keys.composer]\nretry = \"r\"\n")).unwrap_err();
        assert_eq!(elsewhere.path, "keys.composer.retry");
        let layer = Keymap::from_config(&keys("[keys.composr]\nclose = \"q\"\n")).unwrap_err();
        assert!(layer.message.contains("no key layer `composr`"), "{layer}");
    }

    #[test]
    fn an_action_cannot_be_left_without_a_key() {
        let err = Keymap::from_config(&keys("[keys]\nquit = []\n")).unwrap_err();
        assert_eq!(err.path, "keys.quit");
        assert!(err.to_string().contains("no key"), "{err}");
    }

    #[test]
    fn a_key_listed_twice_for_one_action_says_so() {
        let err = Keymap::from_config(&keys("[keys]\nquit = [\"x\", \"x\"]\n"))
            .unwrap_err()
            .to_string();
        assert_eq!(err, "`x` is listed twice for `quit`");
    }

    #[test]
    fn one_action_set_flat_and_in_the_inbox_table_is_an_error() {
        let err = Keymap::from_config(&keys("[keys]\nquit = \"x\"\n[keys.inbox]\nquit = \"y\"\n"))
            .unwrap_err();
        assert_eq!(err.path, "keys.inbox.quit");
        assert!(err.message.contains("set twice"), "{err}");
    }

    #[test]
    fn canned_keys_read_short_when_in_a_row() {
        let map = Keymap::defaults();
        assert_eq!(map.canned_keys(Layer::Inbox), "1…9");
        assert_eq!(map.canned_keys(Layer::Composer), "alt-1…9");
        let moved = Keymap::from_config(&keys("[keys.composer]\ncanned-2 = \"f2\"\n")).unwrap();
        assert_eq!(
            moved.canned_keys(Layer::Composer),
            "alt-1 f2 alt-3 alt-4 alt-5 alt-6 alt-7 alt-8 alt-9"
        );
    }

    #[test]
    fn the_example_config_lists_every_layer_with_its_defaults() {
        let example = include_str!("../../../config.example.toml");
        for layer in Layer::ALL {
            assert!(
                example.contains(&format!("# [keys.{layer}]")),
                "{layer} is not in config.example.toml"
            );
            for binding in layer.bindings() {
                if matches!(binding.action, Action::Canned(_)) {
                    continue;
                }
                let value = match binding.keys {
                    [one] => format!("{one:?}"),
                    many => format!(
                        "[{}]",
                        many.iter()
                            .map(|k| format!("{k:?}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                };
                let line = format!("# {} = {value}", binding.action);
                assert!(
                    example.contains(&line),
                    "{layer}: `{line}` is not in config.example.toml"
                );
            }
        }
    }

    #[test]
    fn the_readme_names_every_layer_and_its_commands() {
        let readme = include_str!("../../../README.md");
        for layer in Layer::ALL {
            assert!(
                readme.contains(&format!("`{layer}`")),
                "{layer} is not in the README"
            );
            if layer == Layer::Inbox {
                continue;
            }
            for binding in layer.bindings() {
                if matches!(binding.action, Action::Canned(_)) {
                    continue;
                }
                assert!(
                    readme.contains(&format!("`{}`", binding.action)),
                    "{layer}: `{}` is not in the README",
                    binding.action
                );
            }
        }
    }
}
