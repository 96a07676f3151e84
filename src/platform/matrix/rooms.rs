//! What the connector learns of rooms: alias, name, whether a room is a direct chat, who
//! is called what, and which threads the account took part in. Asked of the homeserver
//! once per room (or thread) and process; kept current from the state syncs carry.

use serde_json::{json, Value};

use super::client::seg;
use super::MatrixConnector;
use crate::platform::chat::Room;
use crate::platform::PlatformError;

impl MatrixConnector {
    /// The room as the chat model matches it.
    pub(super) async fn room(&self, room_id: &str) -> Result<Room, PlatformError> {
        if let Some(room) = self.rooms.lock().unwrap().get(room_id) {
            return Ok(room.clone());
        }
        let alias = self
            .state_field(room_id, "m.room.canonical_alias", "alias")
            .await?;
        let name = self.state_field(room_id, "m.room.name", "name").await?;
        let members = self
            .client
            .get(
                "room members",
                &format!("/v3/rooms/{}/joined_members", seg(room_id)),
                &[],
            )
            .await?;
        let count = members["joined"].as_object().map_or(0, |m| m.len());
        // A two-person room without a name or alias is how clients make a DM when the
        // `m.direct` list is not there to say so.
        let direct = self.direct.lock().unwrap().contains(room_id)
            || (count == 2 && alias.is_none() && name.is_none());
        if !self.power.lock().unwrap().contains_key(room_id) {
            // Not in this process's syncs yet (a sync from a saved token carries only
            // changes): read once, then kept current from the syncs' state events.
            let path = format!("/v3/rooms/{}/state/m.room.power_levels/", seg(room_id));
            match self.client.get("power levels", &path, &[]).await {
                Ok(levels) => {
                    self.power
                        .lock()
                        .unwrap()
                        .insert(room_id.to_string(), levels);
                }
                // Unknown levels only cost the menu its filter: the send-time check stays.
                Err(PlatformError::NotFound(_)) => {}
                Err(PlatformError::Permanent(e)) => {
                    tracing::warn!(room = room_id, error = %e, "cannot read the power levels")
                }
                Err(e) => return Err(e),
            }
        }
        let groups = self
            .groups()
            .await?
            .get(room_id)
            .cloned()
            .unwrap_or_default();
        let room = Room {
            id: room_id.to_string(),
            alias,
            name,
            direct,
            groups,
        };
        self.rooms
            .lock()
            .unwrap()
            .insert(room_id.to_string(), room.clone());
        Ok(room)
    }

    pub(super) async fn watches_room(&self, room_id: &str) -> Result<bool, PlatformError> {
        Ok(self.watch.watches(&self.room(room_id).await?))
    }

    /// `GET /rooms/{roomId}/state/{type}/`: one field of a state event; none when unset.
    async fn state_field(
        &self,
        room_id: &str,
        kind: &str,
        field: &str,
    ) -> Result<Option<String>, PlatformError> {
        let path = format!("/v3/rooms/{}/state/{kind}/", seg(room_id));
        match self.client.get("room state", &path, &[]).await {
            Ok(v) => Ok(v[field]
                .as_str()
                .filter(|s| !s.is_empty())
                .map(str::to_string)),
            Err(PlatformError::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Whether the account wrote in the thread under `root` (or wrote `root`): the root's
    /// bundled `m.thread` aggregation says so (spec "Threading", server behaviour).
    pub(super) async fn took_part(&self, room_id: &str, root: &str) -> Result<bool, PlatformError> {
        if let Some(known) = self.threads.lock().unwrap().get(root) {
            return Ok(*known);
        }
        let path = format!("/v3/rooms/{}/event/{}", seg(room_id), seg(root));
        let took_part = match self.client.get("thread root", &path, &[]).await {
            Ok(event) => {
                event["sender"] == self.user_id.as_str()
                    || event["unsigned"]["m.relations"]["m.thread"]["current_user_participated"]
                        == true
            }
            Err(PlatformError::NotFound(_)) => false,
            Err(e) => return Err(e),
        };
        self.threads
            .lock()
            .unwrap()
            .insert(root.to_string(), took_part);
        Ok(took_part)
    }

    /// What the store keeps of a room this process knows: its label and the account's
    /// power there.
    pub(super) fn chat_room(&self, room_id: &str) -> Option<crate::domain::ChatRoom> {
        let label = self.rooms.lock().unwrap().get(room_id)?.label().to_string();
        let power = self
            .power
            .lock()
            .unwrap()
            .get(room_id)
            .map(|levels| super::moderation::power_of(levels, &self.user_id));
        Some(crate::domain::ChatRoom {
            id: room_id.to_string(),
            label,
            power,
        })
    }

    /// Names, aliases, power levels and member display names from state and timeline
    /// events.
    pub(super) fn learn_state<'a>(&self, room_id: &str, events: impl Iterator<Item = &'a Value>) {
        for e in events {
            let content = &e["content"];
            match e["type"].as_str() {
                Some("m.room.member") => {
                    if let (Some(user), Some(name)) =
                        (e["state_key"].as_str(), content["displayname"].as_str())
                    {
                        self.members
                            .lock()
                            .unwrap()
                            .insert((room_id.to_string(), user.to_string()), name.to_string());
                    }
                }
                Some("m.room.power_levels") if e["state_key"] == "" => {
                    self.power
                        .lock()
                        .unwrap()
                        .insert(room_id.to_string(), content.clone());
                }
                Some("m.room.name") => {
                    if let Some(room) = self.rooms.lock().unwrap().get_mut(room_id) {
                        room.name = content["name"].as_str().map(str::to_string);
                    }
                }
                Some("m.room.canonical_alias") => {
                    if let Some(room) = self.rooms.lock().unwrap().get_mut(room_id) {
                        room.alias = content["alias"].as_str().map(str::to_string);
                    }
                }
                _ => {}
            }
        }
    }

    /// Reads the account's `m.direct` once per process: an incremental sync carries it
    /// only when it changes.
    pub(super) async fn load_direct(&self) -> Result<(), PlatformError> {
        use std::sync::atomic::Ordering;
        if self.direct_loaded.load(Ordering::SeqCst) {
            return Ok(());
        }
        match self
            .client
            .get("direct chats", &self.direct_path(), &[])
            .await
        {
            Ok(content) => {
                self.note_direct_rooms(&json!([{"type": "m.direct", "content": content}]))
            }
            Err(PlatformError::NotFound(_)) => {}
            Err(e) => return Err(e),
        }
        self.direct_loaded.store(true, Ordering::SeqCst);
        Ok(())
    }

    fn direct_path(&self) -> String {
        format!("/v3/user/{}/account_data/m.direct", seg(&self.user_id))
    }

    /// Adds a joined direct chat with `inviter` to the account's `m.direct`, as the spec
    /// asks of a client that accepts a direct invite, so later runs know it too.
    pub(super) async fn remember_direct(
        &self,
        room_id: &str,
        inviter: &str,
    ) -> Result<(), PlatformError> {
        let mut content = match self
            .client
            .get("direct chats", &self.direct_path(), &[])
            .await
        {
            Ok(v) => v,
            Err(PlatformError::NotFound(_)) => json!({}),
            Err(e) => return Err(e),
        };
        let rooms = content[inviter].as_array().cloned().unwrap_or_default();
        if rooms.iter().any(|r| r == room_id) {
            return Ok(());
        }
        let mut rooms = rooms;
        rooms.push(json!(room_id));
        content[inviter] = Value::Array(rooms);
        self.client
            .put("direct chats", &self.direct_path(), content)
            .await
            .map(|_| ())
    }

    /// The account's `m.direct` list (spec "Direct Messaging"): user → room ids.
    pub(super) fn note_direct_rooms(&self, account_data: &Value) {
        let Some(events) = account_data.as_array() else {
            return;
        };
        for e in events.iter().filter(|e| e["type"] == "m.direct") {
            let rooms = e["content"]
                .as_object()
                .into_iter()
                .flat_map(|m| m.values())
                .filter_map(Value::as_array)
                .flatten()
                .filter_map(Value::as_str);
            let mut direct = self.direct.lock().unwrap();
            let mut cached = self.rooms.lock().unwrap();
            for room in rooms {
                direct.insert(room.to_string());
                if let Some(r) = cached.get_mut(room) {
                    r.direct = true;
                }
            }
        }
    }
}
