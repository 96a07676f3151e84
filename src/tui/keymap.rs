//! Keys → actions. Every action has a kebab-case name (used in `[keys]` and on the `:`
//! command line) and default keys; the config replaces an action's keys. A key bound to
//! two actions is an error, never a silent winner.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::config::KeySpec;

/// Declares the actions with their names, default keys and help text in one table, so the
/// keymap, the `:` command line and the `?` help can never disagree.
macro_rules! actions {
    ($($variant:ident => $name:literal, [$($key:literal),*], $group:literal, $help:literal;)+) => {
        /// Something the CM can do with one key.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Action { $($variant),+ }

        impl Action {
            pub const ALL: &'static [Action] = &[$(Action::$variant),+];

            pub fn name(self) -> &'static str {
                match self { $(Action::$variant => $name),+ }
            }

            pub fn default_keys(self) -> &'static [&'static str] {
                match self { $(Action::$variant => &[$($key),*]),+ }
            }

            pub fn group(self) -> &'static str {
                match self { $(Action::$variant => $group),+ }
            }

            pub fn help(self) -> &'static str {
                match self { $(Action::$variant => $help),+ }
            }

            pub fn from_name(name: &str) -> Option<Action> {
                match name { $($name => Some(Action::$variant),)+ _ => None }
            }
        }
    };
}

actions! {
    MoveDown => "move-down", ["j", "down"], "Move", "next item";
    MoveUp => "move-up", ["k", "up"], "Move", "previous item";
    PageDown => "page-down", ["pgdn", "ctrl-d"], "Move", "one screen down";
    PageUp => "page-up", ["pgup", "ctrl-u"], "Move", "one screen up";
    GoTop => "go-top", ["g", "home"], "Move", "first item";
    GoBottom => "go-bottom", ["G", "end"], "Move", "last item";
    NextPane => "next-pane", ["tab"], "Move", "next pane";
    PrevPane => "prev-pane", ["backtab"], "Move", "previous pane";
    NextView => "next-view", ["]"], "Move", "next view";
    PrevView => "prev-view", ["["], "Move", "previous view";
    OpenItem => "open-item", ["enter"], "Item", "open (marks it seen)";
    Back => "back", ["esc"], "Item", "back · clear search/marks";
    MarkDone => "mark-done", ["d"], "Item", "mark done (marked or this)";
    Reopen => "reopen", ["o"], "Item", "reopen";
    Undo => "undo", ["u"], "Item", "undo last state change";
    ToggleMark => "toggle-mark", ["space"], "Item", "mark/unmark, move down";
    MarkPositive => "mark-positive", ["+"], "Mood", "mood: positive (yours wins)";
    MarkNeutral => "mark-neutral", ["="], "Mood", "mood: neutral";
    MarkNegative => "mark-negative", ["-"], "Mood", "mood: negative";
    ClearSentiment => "clear-sentiment", ["0"], "Mood", "mood: back to automatic";
    Explain => "explain", ["e"], "Mood", "why this mood (words)";
    Reply => "reply", ["r"], "Reply", "reply · 1-9 canned reply";
    PickReply => "pick-reply", ["R"], "Reply", "pick a canned reply";
    Outbox => "outbox", ["O"], "Reply", "outbox: sends, retries";
    SendReply => "send-reply", ["ctrl-s"], "Composer", "send the reply";
    ExternalEditor => "external-editor", ["ctrl-e"], "Composer", "edit the reply in $EDITOR";
    Search => "search", ["/"], "Find", "full-text search";
    SearchNext => "search-next", ["n"], "Find", "next search result";
    SearchPrev => "search-prev", ["N"], "Find", "previous search result";
    Moderate => "moderate", ["m"], "Moderate", "moderation actions";
    Tag => "tag", ["t"], "Moderate", "tag (-tag removes)";
    Flag => "flag", ["!"], "Moderate", "escalate: severity, reason";
    Resolve => "resolve", ["E"], "Moderate", "resolve its incident";
    AddNote => "add-note", ["a"], "Moderate", "internal note";
    DetachIncident => "detach-incident", ["D"], "Incident", "detach from its incident";
    MergeIncident => "merge-incident", ["J"], "Incident", "merge its incident into #N";
    SplitIncident => "split-incident", ["S"], "Incident", "split off into a new one";
    TickStep => "tick-step", ["c"], "Incident", "tick the next step";
    CommandLine => "command-line", [":"], "Other", "command line (:view done)";
    Help => "help", ["?"], "Other", "this help";
    Quit => "quit", ["q", "ctrl-c"], "Other", "quit";
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A key with its modifiers, as written in config ("ctrl-d", "G", "enter").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

impl Key {
    /// Normalises a terminal key event: a shifted letter is just the capital letter.
    pub fn from_event(event: &KeyEvent) -> Key {
        let mut mods = event.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT);
        let code = match event.code {
            KeyCode::Char(c) if event.modifiers.contains(KeyModifiers::CONTROL) => {
                KeyCode::Char(c.to_ascii_lowercase())
            }
            KeyCode::BackTab => {
                mods = KeyModifiers::NONE;
                KeyCode::BackTab
            }
            other => other,
        };
        Key { code, mods }
    }

    /// `None` when `text` is not a key hark knows how to write.
    pub fn parse(text: &str) -> Option<Key> {
        let mut mods = KeyModifiers::NONE;
        let mut rest = text;
        loop {
            if let Some(r) = rest.strip_prefix("ctrl-") {
                mods |= KeyModifiers::CONTROL;
                rest = r;
            } else if let Some(r) = rest.strip_prefix("alt-") {
                mods |= KeyModifiers::ALT;
                rest = r;
            } else {
                break;
            }
        }
        let code = match rest {
            "enter" => KeyCode::Enter,
            "esc" => KeyCode::Esc,
            "tab" => KeyCode::Tab,
            "backtab" | "shift-tab" => KeyCode::BackTab,
            "space" => KeyCode::Char(' '),
            "backspace" => KeyCode::Backspace,
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "pgup" => KeyCode::PageUp,
            "pgdn" => KeyCode::PageDown,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "delete" => KeyCode::Delete,
            single => {
                let mut chars = single.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) if !c.is_control() => {
                        KeyCode::Char(if mods.contains(KeyModifiers::CONTROL) {
                            c.to_ascii_lowercase()
                        } else {
                            c
                        })
                    }
                    _ => return None,
                }
            }
        };
        Some(Key { code, mods })
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mods.contains(KeyModifiers::CONTROL) {
            f.write_str("ctrl-")?;
        }
        if self.mods.contains(KeyModifiers::ALT) {
            f.write_str("alt-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::Enter => f.write_str("enter"),
            KeyCode::Esc => f.write_str("esc"),
            KeyCode::Tab => f.write_str("tab"),
            KeyCode::BackTab => f.write_str("shift-tab"),
            KeyCode::Up => f.write_str("up"),
            KeyCode::Down => f.write_str("down"),
            KeyCode::PageUp => f.write_str("pgup"),
            KeyCode::PageDown => f.write_str("pgdn"),
            KeyCode::Home => f.write_str("home"),
            KeyCode::End => f.write_str("end"),
            other => write!(f, "{other:?}"),
        }
    }
}

/// A `[keys]` entry that cannot be used. Each names the entry (`quit`, ...) so the config
/// can point at its line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeymapError {
    #[error(
        "`{key}` is not a key (write keys like \"d\", \"G\", \"ctrl-d\", \"enter\", \"pgdn\")"
    )]
    BadKey { action: String, key: String },
    #[error("there is no action `{0}` (see `?` in hark for the action names)")]
    UnknownAction(String),
    #[error("`{0}` has no key: every action needs at least one")]
    NoKeys(String),
    #[error("`{key}` is listed twice for `{action}`")]
    Repeated { key: String, action: Action },
    #[error("`{key}` is bound to both `{first}` and `{second}`")]
    Duplicate {
        key: String,
        first: Action,
        second: Action,
    },
}

impl KeymapError {
    /// The `[keys]` entries this error may be about, most likely first.
    pub fn entries(&self) -> Vec<&str> {
        match self {
            KeymapError::BadKey { action, .. } => vec![action],
            KeymapError::UnknownAction(name) | KeymapError::NoKeys(name) => vec![name],
            KeymapError::Repeated { action, .. } => vec![action.name()],
            // One of the two may be a default; the override is the one to point at.
            KeymapError::Duplicate { first, second, .. } => vec![second.name(), first.name()],
        }
    }
}

/// The resolved bindings.
#[derive(Debug, Clone)]
pub struct Keymap {
    by_key: HashMap<Key, Action>,
    by_action: BTreeMap<Action, Vec<Key>>,
}

impl Keymap {
    /// The defaults with the config's overrides applied. An override replaces all of its
    /// action's keys, so it may not be empty: an action without a key (quit!) is lost.
    pub fn from_config<S: AsRef<KeySpec>>(
        overrides: &BTreeMap<String, S>,
    ) -> Result<Keymap, KeymapError> {
        let mut by_action: BTreeMap<Action, Vec<Key>> = BTreeMap::new();
        for &action in Action::ALL {
            let keys = action
                .default_keys()
                .iter()
                .map(|k| Key::parse(k).expect("default keys are valid"))
                .collect();
            by_action.insert(action, keys);
        }
        for (name, spec) in overrides {
            let action =
                Action::from_name(name).ok_or_else(|| KeymapError::UnknownAction(name.clone()))?;
            let written = spec.as_ref().keys();
            if written.is_empty() {
                return Err(KeymapError::NoKeys(name.clone()));
            }
            let keys = written
                .into_iter()
                .map(|k| {
                    Key::parse(k).ok_or_else(|| KeymapError::BadKey {
                        action: name.clone(),
                        key: k.to_string(),
                    })
                })
                .collect::<Result<_, _>>()?;
            by_action.insert(action, keys);
        }
        let mut by_key = HashMap::new();
        for (&action, keys) in &by_action {
            for key in keys {
                match by_key.insert(*key, action) {
                    None => {}
                    Some(first) if first == action => {
                        return Err(KeymapError::Repeated {
                            key: key.to_string(),
                            action,
                        })
                    }
                    Some(first) => {
                        return Err(KeymapError::Duplicate {
                            key: key.to_string(),
                            first,
                            second: action,
                        })
                    }
                }
            }
        }
        Ok(Keymap { by_key, by_action })
    }

    pub fn defaults() -> Keymap {
        Keymap::from_config(&BTreeMap::<String, KeySpec>::new())
            .expect("the default keymap has no duplicates")
    }

    pub fn action(&self, event: &KeyEvent) -> Option<Action> {
        self.by_key.get(&Key::from_event(event)).copied()
    }

    /// The keys bound to `action`, as the help shows them.
    pub fn keys_of(&self, action: Action) -> String {
        self.by_action
            .get(&action)
            .map(|keys| {
                keys.iter()
                    .map(Key::to_string)
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, mods)
    }

    #[test]
    fn the_default_keymap_has_no_duplicate_keys() {
        let mut seen = HashMap::new();
        for &action in Action::ALL {
            for key in action.default_keys() {
                let parsed = Key::parse(key).unwrap();
                assert!(
                    seen.insert(parsed, action).is_none(),
                    "{key} bound twice: {:?} and {action}",
                    seen[&parsed]
                );
            }
        }
    }

    #[test]
    fn action_names_round_trip() {
        for &action in Action::ALL {
            assert_eq!(Action::from_name(action.name()), Some(action));
        }
    }

    #[test]
    fn terminal_events_map_to_actions() {
        let map = Keymap::defaults();
        assert_eq!(
            map.action(&press(KeyCode::Char('j'), KeyModifiers::NONE)),
            Some(Action::MoveDown)
        );
        assert_eq!(
            map.action(&press(KeyCode::Char('G'), KeyModifiers::SHIFT)),
            Some(Action::GoBottom)
        );
        assert_eq!(
            map.action(&press(KeyCode::Char('d'), KeyModifiers::CONTROL)),
            Some(Action::PageDown)
        );
        assert_eq!(
            map.action(&press(KeyCode::BackTab, KeyModifiers::SHIFT)),
            Some(Action::PrevPane)
        );
        assert_eq!(
            map.action(&press(KeyCode::Char('x'), KeyModifiers::NONE)),
            None
        );
    }

    #[test]
    fn an_override_replaces_the_default_keys_of_that_action() {
        let overrides = BTreeMap::from([("mark-done".to_string(), KeySpec::One("x".into()))]);
        let map = Keymap::from_config(&overrides).unwrap();
        assert_eq!(
            map.action(&press(KeyCode::Char('x'), KeyModifiers::NONE)),
            Some(Action::MarkDone)
        );
        assert_eq!(
            map.action(&press(KeyCode::Char('d'), KeyModifiers::NONE)),
            None
        );
        assert_eq!(map.keys_of(Action::MarkDone), "x");
    }

    #[test]
    fn a_key_bound_twice_is_an_error_naming_both_actions() {
        let overrides = BTreeMap::from([("mark-done".to_string(), KeySpec::One("j".into()))]);
        let err = Keymap::from_config(&overrides).unwrap_err().to_string();
        assert!(
            err.contains("`j`") && err.contains("mark-done") && err.contains("move-down"),
            "{err}"
        );
    }

    #[test]
    fn bad_keys_and_unknown_actions_are_errors() {
        let bad_key = BTreeMap::from([("quit".to_string(), KeySpec::One("hyper-q".into()))]);
        assert!(matches!(
            Keymap::from_config(&bad_key),
            Err(KeymapError::BadKey { .. })
        ));
        let bad_action = BTreeMap::from([("fly".to_string(), KeySpec::One("f".into()))]);
        assert!(matches!(
            Keymap::from_config(&bad_action),
            Err(KeymapError::UnknownAction(_))
        ));
    }

    #[test]
    fn an_action_cannot_be_left_without_a_key() {
        let empty = BTreeMap::from([("quit".to_string(), KeySpec::Many(vec![]))]);
        let err = Keymap::from_config(&empty).unwrap_err();
        assert_eq!(err, KeymapError::NoKeys("quit".into()));
        assert!(err.to_string().contains("no key"), "{err}");
    }

    #[test]
    fn a_key_listed_twice_for_one_action_says_so() {
        let twice = BTreeMap::from([(
            "quit".to_string(),
            KeySpec::Many(vec!["x".into(), "x".into()]),
        )]);
        let err = Keymap::from_config(&twice).unwrap_err().to_string();
        assert_eq!(err, "`x` is listed twice for `quit`");
    }
}
