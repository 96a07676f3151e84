//! Ingest: `GET /sync` from the saved `since` token (spec section "Syncing"), gaps filled
//! with `GET /rooms/{roomId}/messages` back to that token, each message classified by the
//! chat model.
//!
//! A sync's `next_batch` is the cursor, saved with the items, so a crash re-reads the same
//! sync. When a room's timeline is `limited` (more arrived than the filter's limit), the
//! events between the old token and `prev_batch` are read backwards before anything is
//! returned: nothing is skipped, and a failure in between stores nothing.

use serde_json::{json, Value};

use super::client::seg;
use super::decrypt::{readable, Keys};
use super::events::{self, Event, Read};
use super::MatrixConnector;
use crate::domain::NewItem;
use crate::platform::chat::{Message, Room};
use crate::platform::{FetchPage, PlatformError};

/// Timeline events per room per sync, and per backfill request.
const TIMELINE_LIMIT: u32 = 50;
/// The most backfill requests for one room in one sync (5 000 events).
const MAX_BACKFILL_PAGES: usize = 100;

/// Only what hark reads: messages (and encrypted ones, to say they cannot be read), the
/// members who sent them, room names, power levels, redactions; no presence, receipts or
/// typing.
pub fn filter() -> Value {
    json!({
        "room": {
            "timeline": {"limit": TIMELINE_LIMIT,
                "types": ["m.room.message", "m.room.encrypted", "m.room.name",
                          "m.room.canonical_alias", "m.room.member", "m.room.power_levels",
                          "m.room.redaction"]},
            "state": {"types": ["m.room.name", "m.room.canonical_alias", "m.room.member",
                                "m.room.power_levels"],
                      "lazy_load_members": true},
            "ephemeral": {"not_types": ["*"]},
            "account_data": {"not_types": ["*"]}
        },
        "presence": {"not_types": ["*"]},
        "account_data": {"types": ["m.direct"]}
    })
}

fn backfill_filter() -> Value {
    json!({"types": ["m.room.message", "m.room.encrypted", "m.room.redaction"],
        "lazy_load_members": true})
}

pub async fn fetch(c: &MatrixConnector, since: Option<&str>) -> Result<FetchPage, PlatformError> {
    let mut query = vec![
        ("filter", filter().to_string()),
        ("timeout", "0".to_string()),
        ("set_presence", "offline".to_string()),
    ];
    if let Some(since) = since {
        query.push(("since", since.to_string()));
    }
    if c.crypto_dir.is_some() {
        // Before the sync: its to-device keys must reach the process that holds the
        // account's encryption keys, never one that would drop them.
        // Keys that cannot be used (no device, a broken store) are said per event later.
        let _usable = c.crypto().await?;
    }
    let sync = c.client.get("sync", "/v3/sync", &query).await?;
    let next = sync["next_batch"]
        .as_str()
        .ok_or_else(|| PlatformError::Malformed("sync: no next_batch".into()))?
        .to_string();
    let mut keys = Keys::open(c, &sync, since, &next).await?;
    c.load_direct().await?;
    c.note_direct_rooms(&sync["account_data"]["events"]);
    join_direct_invites(c, &sync["rooms"]["invite"]).await;

    let mut page = FetchPage {
        next_cursor: Some(next),
        ..FetchPage::default()
    };
    // Events whose key arrived since they were set aside come first: they are older
    // than this sync's timelines.
    for (room_id, events) in keys.retried(&mut page).await? {
        read_timeline(c, &room_id, &events, &mut page, &mut keys).await?;
        if c.watches_room(&room_id).await? {
            page.rooms.extend(c.chat_room(&room_id));
        }
    }
    let empty = serde_json::Map::new();
    let joined = sync["rooms"]["join"].as_object().unwrap_or(&empty);
    for (room_id, room) in joined {
        let mut timeline: Vec<Value> = room["timeline"]["events"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if let (true, Some(since), Some(prev)) = (
            room["timeline"]["limited"].as_bool().unwrap_or(false),
            since,
            room["timeline"]["prev_batch"].as_str(),
        ) {
            let mut missed = backfill(c, room_id, prev, since).await?;
            missed.reverse();
            missed.extend(timeline);
            timeline = missed;
        }
        let state = room["state"]["events"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        c.learn_state(room_id, state.iter().chain(timeline.iter()));
        read_timeline(c, room_id, &timeline, &mut page, &mut keys).await?;
        // The room's label and the account's power there, for the list and the menu
        // (the store rewrites a room only when these changed).
        if c.watches_room(room_id).await? {
            page.rooms.extend(c.chat_room(room_id));
        }
    }
    keys.close().await?;
    // Platforms list newest first; rooms were read one after another.
    page.items.reverse();
    page.items
        .sort_by_key(|item| std::cmp::Reverse(item.created_at));
    Ok(page)
}

/// The events between `since` and `prev_batch`, newest first.
async fn backfill(
    c: &MatrixConnector,
    room_id: &str,
    prev_batch: &str,
    since: &str,
) -> Result<Vec<Value>, PlatformError> {
    let path = format!("/v3/rooms/{}/messages", seg(room_id));
    let mut from = prev_batch.to_string();
    let mut events = Vec::new();
    for _ in 0..MAX_BACKFILL_PAGES {
        let answer = c
            .client
            .get(
                "room messages",
                &path,
                &[
                    ("dir", "b".to_string()),
                    ("from", from.clone()),
                    ("to", since.to_string()),
                    ("limit", TIMELINE_LIMIT.to_string()),
                    ("filter", backfill_filter().to_string()),
                ],
            )
            .await?;
        let chunk = answer["chunk"].as_array().cloned().unwrap_or_default();
        let end = answer["end"].as_str().map(str::to_string);
        let done = chunk.is_empty() || end.is_none() || end.as_deref() == Some(from.as_str());
        events.extend(chunk);
        match end {
            Some(end) if !done => from = end,
            _ => return Ok(events),
        }
    }
    tracing::warn!(
        room = room_id,
        "a gap of more than 5000 events was not read whole"
    );
    Ok(events)
}

async fn read_timeline(
    c: &MatrixConnector,
    room_id: &str,
    timeline: &[Value],
    page: &mut FetchPage,
    keys: &mut Keys<'_>,
) -> Result<(), PlatformError> {
    let mut seen: std::collections::HashMap<String, Event> = Default::default();
    for raw in timeline {
        let decrypted;
        let raw = if raw["type"] == "m.room.encrypted" {
            match keys.decrypt(c, room_id, raw, page).await? {
                Some(event) => {
                    decrypted = event;
                    &decrypted
                }
                None => continue,
            }
        } else {
            raw
        };
        match events::read(room_id, raw) {
            Read::Skip => {}
            Read::Edit {
                original,
                sender,
                body,
            } => {
                let Some(mut event) = original_event(c, room_id, &original, &seen).await? else {
                    continue;
                };
                if event.sender != sender {
                    tracing::warn!(
                        room = room_id,
                        "an edit by someone else than the author: ignored"
                    );
                    continue;
                }
                event.body = body;
                event.raw["content"]["body"] = json!(event.body);
                let item = classify(c, room_id, &event).await?;
                page.items.retain(|i| i.external_id != event.id);
                page.items.extend(item);
            }
            Read::Redaction { redacts, by } => {
                // Removed from the room: an item of it is marked at once (and one read
                // in this same sync arrives already emptied, so is no item at all).
                page.items.retain(|i| i.external_id != redacts);
                keys.forget(&redacts, page);
                page.gone
                    .push((redacts, format!("the message was removed by {by}")));
            }
            Read::Unreadable(u) => {
                if c.watches_room(room_id).await? {
                    page.unreadable.push(u);
                }
            }
            Read::Message(event) => {
                if seen.contains_key(&event.id) {
                    continue;
                }
                if let Some(item) = classify(c, room_id, &event).await? {
                    page.items.push(item);
                }
                seen.insert(event.id.clone(), *event);
            }
        }
    }
    Ok(())
}

/// The event an edit replaces: read in this sync, or asked of the homeserver. `None` when
/// it is gone or not a message.
async fn original_event(
    c: &MatrixConnector,
    room_id: &str,
    id: &str,
    seen: &std::collections::HashMap<String, Event>,
) -> Result<Option<Event>, PlatformError> {
    if let Some(event) = seen.get(id) {
        return Ok(Some(event.clone()));
    }
    let path = format!("/v3/rooms/{}/event/{}", seg(room_id), seg(id));
    match c.client.get("edited message", &path, &[]).await {
        Ok(raw) => Ok(
            match events::read(room_id, &readable(c, room_id, raw).await?) {
                Read::Message(event) => Some(*event),
                _ => None,
            },
        ),
        Err(PlatformError::NotFound(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The item `event` becomes under the account's `[account.chat]`, if any.
pub async fn classify(
    c: &MatrixConnector,
    room_id: &str,
    event: &Event,
) -> Result<Option<NewItem>, PlatformError> {
    let room: Room = c.room(room_id).await?;
    let own = event.sender == c.user_id;
    if own {
        if let Some(root) = &event.thread_root {
            c.threads.lock().unwrap().insert(root.clone(), true);
        }
    }
    let localpart = events::localpart(&c.user_id);
    let display = c.own_display_name();
    let mut names = vec![c.user_id.as_str()];
    // Body matching is the fallback for clients that do not set `m.mentions` (spec
    // "User and room mentions"): the push rules do the same.
    if event.mentioned.is_none() {
        names.push(localpart);
        if let Some(d) = display.as_deref() {
            names.push(d);
        }
    }
    let mut message = Message {
        room: Some(&room),
        own,
        mentions_account: event
            .mentioned
            .as_ref()
            .is_some_and(|ids| ids.contains(&c.user_id)),
        body: &event.body,
        in_own_thread: false,
    };
    let mut kind = c.watch.classify(&message, &names);
    if kind.is_none() {
        if let Some(root) = &event.thread_root {
            message.in_own_thread = c.took_part(room_id, root).await?;
            kind = c.watch.classify(&message, &names);
        }
    }
    let name = c.member_name(room_id, &event.sender);
    Ok(kind.map(|kind| event.item(kind, name.as_deref())))
}

/// Joins the rooms the account was invited to as a direct chat, so DMs can be read; other
/// invites are left for a person to accept.
async fn join_direct_invites(c: &MatrixConnector, invites: &Value) {
    let Some(invites) = invites.as_object() else {
        return;
    };
    for (room_id, room) in invites {
        let invite = room["invite_state"]["events"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|e| {
                e["type"] == "m.room.member"
                    && e["state_key"] == c.user_id.as_str()
                    && e["content"]["is_direct"] == true
            });
        let Some(inviter) = invite.and_then(|e| e["sender"].as_str()) else {
            continue;
        };
        let path = format!("/v3/rooms/{}/join", seg(room_id));
        let joined = match c.client.post("join a direct chat", &path, json!({})).await {
            Ok(_) => c.remember_direct(room_id, inviter).await,
            Err(e) => Err(e),
        };
        c.direct.lock().unwrap().insert(room_id.clone());
        if let Err(e) = joined {
            tracing::warn!(room = %room_id, error = %e, "could not join a direct chat");
        }
    }
}
