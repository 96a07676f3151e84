//! The conversations the bot is in (`conversations.list`, docs "conversations.list"):
//! public and private channels it joined, and its DMs (`im`) and group DMs (`mpim`),
//! as the chat model's rooms. Read at most every ten minutes.

use std::time::{Duration, Instant};

use serde_json::Value;

use super::SlackConnector;
use crate::domain::ChatRoom;
use crate::platform::chat::{Room, Watch};
use crate::platform::PlatformError;

const REFRESH: Duration = Duration::from_secs(600);
/// Pages of 200 conversations read at most (a workspace of 10 000 channels).
const MAX_PAGES: usize = 50;

impl SlackConnector {
    /// The conversations the bot can read, refreshed when older than ten minutes.
    pub(super) async fn rooms(&self) -> Result<Vec<Room>, PlatformError> {
        let mut cached = self.rooms.lock().await;
        if let Some((at, rooms)) = cached.as_ref() {
            if at.elapsed() < REFRESH {
                return Ok(rooms.clone());
            }
        }
        let mut rooms = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut args = vec![
                (
                    "types",
                    "public_channel,private_channel,mpim,im".to_string(),
                ),
                ("exclude_archived", "true".to_string()),
                ("limit", "200".to_string()),
            ];
            if let Some(c) = &cursor {
                args.push(("cursor", c.clone()));
            }
            let answer = self.read("conversations.list", false, &args).await?;
            rooms.extend(
                answer["channels"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(room),
            );
            cursor = answer["response_metadata"]["next_cursor"]
                .as_str()
                .filter(|c| !c.is_empty())
                .map(str::to_string);
            if cursor.is_none() {
                break;
            }
        }
        *cached = Some((Instant::now(), rooms.clone()));
        Ok(rooms)
    }
}

/// What the store keeps of the watched channels: the label the list shows beside their
/// items (`#help`). DMs are left out: their items name the person already, and the room
/// would be a user id. Slack's roles are no levels: no power.
pub fn stored(rooms: &[Room], watch: &Watch) -> Vec<ChatRoom> {
    rooms
        .iter()
        .filter(|r| !r.direct && watch.watches(r))
        .map(|r| ChatRoom {
            id: r.id.clone(),
            label: r.label().to_string(),
            power: None,
        })
        .collect()
}

/// A conversation the bot is a member of, as a room; `None` for one it is not in.
pub fn room(c: &Value) -> Option<Room> {
    let id = c["id"].as_str()?.to_string();
    if c["is_im"] == true {
        return Some(Room {
            name: c["user"].as_str().map(|u| format!("@{u}")),
            id,
            direct: true,
            ..Room::default()
        });
    }
    if c["is_member"] != true {
        return None;
    }
    let name = c["name"].as_str().map(str::to_string);
    Some(Room {
        id,
        alias: name.as_ref().map(|n| format!("#{n}")),
        name,
        direct: false,
        groups: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn channels_the_bot_joined_and_its_dms_are_rooms() {
        let general = json!({"id": "C012AB3CD", "name": "general", "is_channel": true,
            "is_member": true, "is_private": false});
        let r = room(&general).unwrap();
        assert_eq!(r.label(), "#general");
        assert!(!r.direct);
        assert_eq!(
            room(&json!({"id": "C2", "name": "random", "is_member": false})),
            None
        );
        let dm = room(&json!({"id": "D0C0F7S8Y", "is_im": true, "user": "U0BS9U4SV"})).unwrap();
        assert!(dm.direct);
        assert_eq!(dm.label(), "@U0BS9U4SV");
        let random = room(&json!({"id": "C2", "name": "random", "is_member": true})).unwrap();
        let watch: Watch = toml::from_str(r##"rooms = ["#general"]"##).unwrap();
        let stored: Vec<(String, String)> = stored(&[r, random, dm], &watch)
            .into_iter()
            .map(|c| (c.id, c.label))
            .collect();
        assert_eq!(
            stored,
            [("C012AB3CD".to_string(), "#general".to_string())],
            "watched channels only, no DM"
        );
    }
}
