//! The guild as the bot sees it: its text channels and active threads, each matched
//! against `[account.chat]` as a chat room, with the bot's permissions there.
//!
//! Roles and the bot's own roles change rarely and are read at most every ten minutes;
//! channels and active threads are listed every round (their `last_message_id` says
//! which channels have anything new, so quiet channels cost no request).

use std::time::Duration;

use serde_json::Value;

use super::permissions::{self, Guild, Member, Overwrite};
use crate::domain::ChatRoom;
use crate::platform::chat::{Room, Watch};

/// How long the guild's roles and the bot's roles are trusted.
pub const ROLES_TTL: Duration = Duration::from_secs(600);

/// Channel types (developer docs, "Channel" → "Channel Types").
pub const GUILD_TEXT: u64 = 0;
pub const GUILD_CATEGORY: u64 = 4;
pub const GUILD_ANNOUNCEMENT: u64 = 5;
pub const ANNOUNCEMENT_THREAD: u64 = 10;
pub const PUBLIC_THREAD: u64 = 11;
pub const PRIVATE_THREAD: u64 = 12;
pub const GUILD_FORUM: u64 = 15;
pub const GUILD_MEDIA: u64 = 16;

/// A channel (or thread) whose messages hark reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub id: String,
    /// The room the config matches: a thread is matched as its parent channel.
    pub room: Room,
    /// The thread's id when this is a thread.
    pub thread: Option<String>,
    /// The thread's name.
    pub thread_name: Option<String>,
    /// The bot joined the thread (or started it).
    pub joined: bool,
    /// The newest message id the channel listing reported.
    pub last_message_id: Option<String>,
    pub perms: u64,
}

impl Source {
    pub fn readable(&self) -> bool {
        let need = permissions::VIEW_CHANNEL | permissions::READ_MESSAGE_HISTORY;
        self.perms & need == need
    }

    /// `#name`, or `#parent › thread` for a thread, as the CM reads it.
    pub fn label(&self) -> String {
        match &self.thread_name {
            Some(name) => format!("{} › {name}", self.room.label()),
            None => self.room.label().to_string(),
        }
    }

    /// The room the store keeps for the channel (or thread), so the list names its items
    /// by [`Source::label`]. Discord's permissions are not levels: no power.
    pub fn chat_room(&self) -> ChatRoom {
        ChatRoom {
            id: self.id.clone(),
            label: self.label(),
            power: None,
        }
    }
}

/// Everything one round needs to know of the guild.
#[derive(Debug, Clone, Default)]
pub struct Layout {
    pub guild: Guild,
    pub bot: Member,
    pub sources: Vec<Source>,
    /// Guild-wide permissions (kick, ban and time-out are guild-wide).
    pub base: u64,
}

impl Layout {
    /// Builds the layout from the guild, the bot's member object, `GET
    /// /guilds/{id}/channels` and `GET /guilds/{id}/threads/active`.
    pub fn build(guild: Guild, bot: Member, channels: &[Value], active: &Value) -> Layout {
        let by_id = |id: &str| channels.iter().find(|c| c["id"] == id);
        let overwrites_of = |c: &Value| -> Vec<Overwrite> {
            // A channel synced to its category carries the same overwrites itself.
            permissions::overwrites(c)
        };
        let room_of = |c: &Value| -> Room {
            let name = c["name"].as_str().unwrap_or_default();
            let mut groups = Vec::new();
            if let Some(parent) = c["parent_id"].as_str().and_then(by_id) {
                if parent["type"] == GUILD_CATEGORY {
                    groups.extend(parent["name"].as_str().map(str::to_string));
                    groups.extend(parent["id"].as_str().map(str::to_string));
                }
            }
            Room {
                id: c["id"].as_str().unwrap_or_default().to_string(),
                alias: Some(format!("#{name}")),
                name: Some(name.to_string()),
                direct: false,
                groups,
            }
        };
        let mut sources = Vec::new();
        for c in channels {
            let kind = c["type"].as_u64().unwrap_or(u64::MAX);
            if !matches!(kind, GUILD_TEXT | GUILD_ANNOUNCEMENT) {
                continue;
            }
            sources.push(Source {
                id: c["id"].as_str().unwrap_or_default().to_string(),
                room: room_of(c),
                thread: None,
                thread_name: None,
                joined: false,
                last_message_id: c["last_message_id"].as_str().map(str::to_string),
                perms: guild.in_channel(&bot, &overwrites_of(c)),
            });
        }
        let joined: Vec<&str> = active["members"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|m| m["user_id"].as_str().is_none_or(|u| u == bot.user_id))
            .filter_map(|m| m["id"].as_str())
            .collect();
        for t in active["threads"].as_array().into_iter().flatten() {
            let kind = t["type"].as_u64().unwrap_or(u64::MAX);
            if !matches!(kind, ANNOUNCEMENT_THREAD | PUBLIC_THREAD | PRIVATE_THREAD) {
                continue;
            }
            let (Some(id), Some(parent)) =
                (t["id"].as_str(), t["parent_id"].as_str().and_then(by_id))
            else {
                continue;
            };
            if !matches!(
                parent["type"].as_u64(),
                Some(GUILD_TEXT | GUILD_ANNOUNCEMENT | GUILD_FORUM | GUILD_MEDIA)
            ) {
                continue;
            }
            // A thread takes its parent's permissions.
            sources.push(Source {
                id: id.to_string(),
                room: room_of(parent),
                thread: Some(id.to_string()),
                thread_name: t["name"].as_str().map(str::to_string),
                joined: joined.contains(&id) || t["owner_id"] == bot.user_id.as_str(),
                last_message_id: t["last_message_id"].as_str().map(str::to_string),
                perms: guild.in_channel(&bot, &overwrites_of(parent)),
            });
        }
        let base = guild.base(&bot);
        Layout {
            guild,
            bot,
            sources,
            base,
        }
    }

    /// The channels and threads `watch` selects.
    pub fn watched<'a>(&'a self, watch: &'a Watch) -> impl Iterator<Item = &'a Source> + 'a {
        self.sources.iter().filter(|s| watch.watches(&s.room))
    }

    pub fn source(&self, channel_id: &str) -> Option<&Source> {
        self.sources.iter().find(|s| s.id == channel_id)
    }
}

/// Snowflakes compare as numbers (ids grow with time).
pub fn snowflake(id: &str) -> u64 {
    id.parse().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn threads_are_matched_as_their_parent_and_categories_are_groups() {
        let guild = Guild {
            id: "1".into(),
            owner_id: "0".into(),
            roles: vec![(
                "1".into(),
                permissions::VIEW_CHANNEL | permissions::READ_MESSAGE_HISTORY,
            )],
        };
        let bot = Member {
            user_id: "9".into(),
            roles: vec![],
        };
        let channels = [
            json!({"id": "10", "type": 4, "name": "Support"}),
            json!({"id": "11", "type": 0, "name": "help", "parent_id": "10",
                "last_message_id": "500"}),
            json!({"id": "12", "type": 2, "name": "voice"}),
        ];
        let active = json!({"threads": [
            {"id": "20", "type": 11, "parent_id": "11", "name": "refund?", "owner_id": "5"},
            {"id": "21", "type": 11, "parent_id": "11", "name": "mine", "owner_id": "9"}],
            "members": [{"id": "20", "user_id": "9"}]});
        let l = Layout::build(guild, bot, &channels, &active);
        let ids: Vec<&str> = l.sources.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["11", "20", "21"]);
        assert_eq!(l.sources[0].room.groups, ["Support", "10"]);
        assert_eq!(l.sources[1].room.alias.as_deref(), Some("#help"));
        assert_eq!(l.sources[1].label(), "#help › refund?");
        assert_eq!(
            l.sources[1].chat_room(),
            ChatRoom {
                id: "20".into(),
                label: "#help › refund?".into(),
                power: None
            }
        );
        assert!(l.sources[1].joined && l.sources[2].joined);
        assert!(l.sources[0].readable());
        let watch: Watch = toml::from_str(r#"spaces = ["support"]"#).unwrap();
        assert_eq!(l.watched(&watch).count(), 3);
    }
}
