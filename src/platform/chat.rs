//! The chat item model, shared by the chat connectors (Matrix, Discord, Slack).
//!
//! A chat account is a bot or user in a community. `[account.chat]` names the rooms (or
//! channels) to watch and how loud each one is; [`Watch::classify`] says which messages
//! become items and of which kind. A connector only gathers the facts of a message
//! ([`Message`]); the rules live here once.
//!
//! Kinds, and so `needs_reply`:
//! - a DM is [`ItemKind::Dm`] (always needs a reply);
//! - a message that mentions the bot or one of the brand's names is a `Mention` (needs one);
//! - any message in a `support` room is a `Mention` too: the room itself addresses the brand,
//!   as a help desk does;
//! - a reply in a thread the brand took part in, and any message in an `all` room, is a
//!   `Comment` (needs a reply when it asks something, as a comment under a post);
//! - the brand's own messages are `Post`s: thread context, never in the inbox;
//! - anything else in a watched `mentions` room, and everything in an unwatched room, is
//!   not an item.
//!
//! Rooms in the list: every chat item names the room it was written in
//! ([`NewItem::room`](crate::domain::NewItem::room), the platform's id, set where the
//! connector builds its items), and each connector reports the rooms it lists with their
//! labels ([`FetchPage::rooms`](crate::platform::FetchPage::rooms)); the store keeps both,
//! so the list shows `#help` by key, never by reading the raw record.

use serde::Deserialize;

use crate::domain::ItemKind;

/// The platforms whose accounts take `[account.chat]`.
pub const PLATFORMS: &[&str] = &["matrix", "discord", "slack"];

/// How much of one room becomes items.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Mentions of the brand, replies in the brand's threads (the default).
    #[default]
    Mentions,
    /// Every message (a community room the CM reads whole).
    All,
    /// Every message, each owed an answer (a help-desk room).
    Support,
}

/// `[account.chat]`: which rooms to watch, and how.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Watch {
    /// Rooms watched: with `spaces` also empty, every room the account has joined.
    /// Entries match a room's id, alias or name; `*` matches any run of characters
    /// (`#help-*:example.org`).
    #[serde(default)]
    pub rooms: Vec<String>,
    /// Groups of rooms watched whole: Matrix spaces (by id or alias); Discord categories
    /// and Slack workspaces later. An entry matches the groups a connector says a room
    /// is in.
    #[serde(default)]
    pub spaces: Vec<String>,
    /// Per-room noise control: room (id, alias, name or pattern) → mode. A room not listed
    /// uses `mode`.
    #[serde(default)]
    pub modes: std::collections::BTreeMap<String, Mode>,
    /// The mode of watched rooms not named in `modes`.
    #[serde(default)]
    pub mode: Mode,
    /// Words that count as mentioning the brand besides the account itself ("Nimbus").
    #[serde(default)]
    pub names: Vec<String>,
    /// Rooms never watched, whatever `rooms` says (noisy off-topic rooms).
    #[serde(default)]
    pub ignore: Vec<String>,
}

/// What a connector knows of a room, to match it against the config.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Room {
    pub id: String,
    pub alias: Option<String>,
    pub name: Option<String>,
    /// A direct chat between the account and one other person.
    pub direct: bool,
    /// The watched groups (spaces) the room is in, as the config names them.
    pub groups: Vec<String>,
}

impl Room {
    /// How the room is shown to the CM: its alias, else its name, else its id.
    pub fn label(&self) -> &str {
        self.alias
            .as_deref()
            .or(self.name.as_deref())
            .unwrap_or(&self.id)
    }

    fn matches(&self, pattern: &str) -> bool {
        [
            Some(self.id.as_str()),
            self.alias.as_deref(),
            self.name.as_deref(),
        ]
        .into_iter()
        .flatten()
        .any(|name| glob(pattern, name))
    }
}

/// The facts of one message a connector gathered.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Message<'a> {
    pub room: Option<&'a Room>,
    /// Sent by the account itself.
    pub own: bool,
    /// The platform says it mentions the account (Matrix `m.mentions`, a Discord ping).
    pub mentions_account: bool,
    pub body: &'a str,
    /// It is a reply in a thread the account wrote in (or started).
    pub in_own_thread: bool,
}

impl Watch {
    /// Whether `room` is watched at all.
    pub fn watches(&self, room: &Room) -> bool {
        if self.ignore.iter().any(|p| room.matches(p)) {
            return false;
        }
        if self
            .ignore
            .iter()
            .any(|p| room.groups.iter().any(|g| glob(p, g)))
        {
            return false;
        }
        room.direct
            || (self.rooms.is_empty() && self.spaces.is_empty())
            || self.rooms.iter().any(|p| room.matches(p))
            || self
                .spaces
                .iter()
                .any(|p| room.groups.iter().any(|g| glob(p, g)))
    }

    /// The mode of a watched room: the first matching entry of `modes`, else `mode`.
    pub fn mode_of(&self, room: &Room) -> Mode {
        self.modes
            .iter()
            .find(|(pattern, _)| room.matches(pattern))
            .map(|(_, mode)| *mode)
            .unwrap_or(self.mode)
    }

    /// The item kind `message` becomes, or `None` when it is not an item. `names` are the
    /// account's own names (user id, localpart, display name) the body may mention.
    pub fn classify(&self, message: &Message<'_>, account_names: &[&str]) -> Option<ItemKind> {
        let room = message.room?;
        if !self.watches(room) {
            return None;
        }
        if message.own {
            return Some(ItemKind::Post);
        }
        if room.direct {
            return Some(ItemKind::Dm);
        }
        let named = account_names
            .iter()
            .copied()
            .chain(self.names.iter().map(String::as_str))
            .any(|name| mentions_word(message.body, name));
        if message.mentions_account || named {
            return Some(ItemKind::Mention);
        }
        match self.mode_of(room) {
            Mode::Support => Some(ItemKind::Mention),
            Mode::All => Some(ItemKind::Comment),
            Mode::Mentions if message.in_own_thread => Some(ItemKind::Comment),
            Mode::Mentions => None,
        }
    }
}

/// `name` appears in `body` as a word of its own, ignoring case ("nimbus" is in
/// "Hey Nimbus!" but not in "nimbuses").
pub fn mentions_word(body: &str, name: &str) -> bool {
    let name = name.trim();
    if name.is_empty() {
        return false;
    }
    let body = body.to_lowercase();
    let name = name.to_lowercase();
    let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    body.match_indices(&name).any(|(at, _)| {
        !word(body[..at].chars().next_back()) && !word(body[at + name.len()..].chars().next())
    })
}

/// `*` matches any run of characters; everything else matches itself, ignoring case.
fn glob(pattern: &str, text: &str) -> bool {
    let (pattern, text) = (pattern.to_lowercase(), text.to_lowercase());
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || !text[first.len()..].ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(at) => rest = &rest[at + middle.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn room(id: &str, alias: &str) -> Room {
        Room {
            id: id.into(),
            alias: Some(alias.into()),
            ..Room::default()
        }
    }

    fn said<'a>(room: &'a Room, body: &'a str) -> Message<'a> {
        Message {
            room: Some(room),
            body,
            ..Message::default()
        }
    }

    fn watch(toml: &str) -> Watch {
        toml::from_str(toml).unwrap()
    }

    #[test]
    fn in_a_mentions_room_only_mentions_and_the_brands_threads_become_items() {
        let w = Watch::default();
        let general = room("!g:ex.org", "#general:ex.org");
        assert_eq!(
            w.classify(&said(&general, "lunch anyone?"), &["brand"]),
            None
        );
        assert_eq!(
            w.classify(
                &said(&general, "hey @brand:ex.org, is it vegan?"),
                &["@brand:ex.org"]
            ),
            Some(ItemKind::Mention)
        );
        let pinged = Message {
            mentions_account: true,
            ..said(&general, "Brand Bot: help")
        };
        assert_eq!(w.classify(&pinged, &[]), Some(ItemKind::Mention));
        let in_thread = Message {
            in_own_thread: true,
            ..said(&general, "still broken")
        };
        assert_eq!(w.classify(&in_thread, &[]), Some(ItemKind::Comment));
        let own = Message {
            own: true,
            ..said(&general, "we are on it")
        };
        assert_eq!(w.classify(&own, &[]), Some(ItemKind::Post));
    }

    #[test]
    fn brand_names_count_as_mentions_only_as_whole_words() {
        let w = watch(r#"names = ["Nimbus Coffee", "nimbus"]"#);
        let r = room("!g:ex.org", "#general:ex.org");
        assert_eq!(
            w.classify(&said(&r, "NIMBUS coffee burnt my tongue"), &[]),
            Some(ItemKind::Mention)
        );
        assert_eq!(
            w.classify(&said(&r, "(nimbus)"), &[]),
            Some(ItemKind::Mention)
        );
        assert_eq!(w.classify(&said(&r, "nimbuses are clouds"), &[]), None);
        assert_eq!(w.classify(&said(&r, "cumulonimbus"), &[]), None);
    }

    #[test]
    fn per_room_modes_make_a_help_desk_owe_every_answer_and_a_community_room_readable() {
        let w = watch(
            r##"
    rooms = ["#help:ex.org", "#general:ex.org", "#team-*:ex.org"]
    [modes]
    "#help:ex.org" = "support"
    "#general:ex.org" = "all"
    "##,
        );
        let help = room("!h:ex.org", "#help:ex.org");
        let general = room("!g:ex.org", "#general:ex.org");
        let team = room("!t:ex.org", "#team-eu:ex.org");
        let other = room("!o:ex.org", "#random:ex.org");
        assert_eq!(
            w.classify(&said(&help, "my order never came"), &[]),
            Some(ItemKind::Mention)
        );
        assert_eq!(
            w.classify(&said(&general, "nice day"), &[]),
            Some(ItemKind::Comment)
        );
        assert_eq!(
            w.classify(&said(&team, "nice day"), &[]),
            None,
            "mentions only"
        );
        assert_eq!(
            w.classify(&said(&other, "@brand:ex.org help"), &["@brand:ex.org"]),
            None,
            "not a watched room"
        );
        let dm = Room {
            direct: true,
            ..room("!d:ex.org", "")
        };
        assert_eq!(
            w.classify(&said(&dm, "hi"), &[]),
            Some(ItemKind::Dm),
            "DMs always"
        );
    }

    #[test]
    fn ignored_rooms_stay_quiet_even_when_all_rooms_are_watched() {
        let w = watch(r##"ignore = ["#off-topic*"]"##);
        let off = room("!o:ex.org", "#off-topic:ex.org");
        assert!(!w.watches(&off));
        assert!(w.watches(&room("!x:ex.org", "#anything:ex.org")));
        let named = Room {
            name: Some("Support".into()),
            ..room("!s:ex.org", "#s:ex.org")
        };
        assert!(named.matches("support"), "names match ignoring case");
        assert_eq!(named.label(), "#s:ex.org");
    }

    #[test]
    fn an_unknown_mode_or_key_is_refused() {
        assert!(toml::from_str::<Watch>(r#"mode = "loud""#).is_err());
        assert!(toml::from_str::<Watch>(r##"room = ["#a"]"##).is_err());
    }

    #[test]
    fn a_chat_section_belongs_to_a_chat_account_and_a_matrix_account_names_its_server_and_user() {
        use crate::platform::account::{validate, AccountConfig};
        let parse = |t: &str| toml::from_str::<AccountConfig>(t).unwrap();
        let matrix = parse(
            "name = \"mx\"\nplatform = \"matrix\"\nserver = \"https://m.ex.org\"\nhandle = \"@b:ex.org\"\n[chat]\nrooms = [\"#help:ex.org\"]",
        );
        assert!(validate(&[matrix]).is_ok());
        let masto = parse(
            "name = \"m\"\nplatform = \"mastodon\"\nserver = \"https://ex.social\"\n[chat]\nmode = \"all\"",
        );
        let err = validate(&[masto]).unwrap_err();
        assert!(
            err.contains("[account.chat] is for chat platforms (matrix, discord, slack)"),
            "{err}"
        );
        let bare = parse("name = \"mx\"\nplatform = \"matrix\"");
        assert!(validate(&[bare]).unwrap_err().contains("needs `server`"));
    }

    #[test]
    fn a_watched_space_watches_its_rooms_and_only_them() {
        let w = watch(
            r##"spaces = ["#community:ex.org"]
    rooms = ["#extra:ex.org"]
    ignore = ["#community-staff:ex.org"]"##,
        );
        let inside = Room {
            groups: vec!["#community:ex.org".into()],
            ..room("!a:ex.org", "#faq:ex.org")
        };
        assert!(w.watches(&inside));
        assert!(
            w.watches(&room("!e:ex.org", "#extra:ex.org")),
            "listed rooms too"
        );
        assert!(
            !w.watches(&room("!o:ex.org", "#other:ex.org")),
            "outside the space"
        );
        // A room of the staff sub-space is in both spaces.
        let staff = Room {
            groups: vec!["#community:ex.org".into(), "#community-staff:ex.org".into()],
            ..inside.clone()
        };
        assert!(!w.watches(&staff), "an ignored sub-space stays quiet");
    }
}
