//! Rooms of chat platforms as the store keeps them: how a room is named in the list, and
//! the account's power there, so the moderation menu offers only what the room allows
//! without asking the platform at each key press.

use std::collections::BTreeMap;

use super::kinds;

/// What a chat connector learned of one room in a fetch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatRoom {
    /// The platform's id of the room (`!abc:example.org`).
    pub id: String,
    /// How the CM knows it: alias, else name, else id.
    pub label: String,
    /// The levels the room's moderation needs; `None` when not read.
    pub power: Option<RoomPower>,
}

/// A room's power levels as they bear on the account (Matrix `m.room.power_levels`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomPower {
    /// The account's own level.
    pub mine: i64,
    pub redact: i64,
    pub kick: i64,
    pub ban: i64,
    /// The level of anyone not in `users`.
    pub users_default: i64,
    /// The users with a level of their own.
    pub users: BTreeMap<String, i64>,
}

impl RoomPower {
    /// The levels that decide what the account may do to `user`'s messages.
    pub fn over(&self, user: &str) -> PowerLevels {
        PowerLevels {
            mine: self.mine,
            theirs: self.users.get(user).copied().unwrap_or(self.users_default),
            ban: self.ban,
            kick: self.kick,
            redact: self.redact,
        }
    }
}

/// The account's level against one author's, and what each action needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PowerLevels {
    pub mine: i64,
    pub theirs: i64,
    pub ban: i64,
    pub kick: i64,
    pub redact: i64,
}

impl PowerLevels {
    /// Why the account may not take `kind` on the other user's message; `None` if it may
    /// (or the action needs no level).
    pub fn refusal(&self, kind: &str) -> Option<String> {
        let (needed, verb) = match kind {
            kinds::BLOCK => (self.ban, "banning"),
            kinds::KICK => (self.kick, "kicking"),
            kinds::DELETE => (self.redact, "removing others' messages"),
            _ => return None,
        };
        if self.mine < needed {
            return Some(format!(
                "the account's power level in this room is {}; {verb} needs {needed}",
                self.mine
            ));
        }
        // The spec's authorization rules: a kick or ban needs a level above the target's.
        if matches!(kind, kinds::BLOCK | kinds::KICK) && self.mine <= self.theirs {
            return Some(format!(
                "the sender's power level ({}) is not below the account's ({})",
                self.theirs, self.mine
            ));
        }
        None
    }
}
