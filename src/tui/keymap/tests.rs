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
