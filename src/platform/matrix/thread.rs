//! Thread context on open: for a message in a thread, the root and its replies
//! (`GET /_matrix/client/v1/rooms/{roomId}/relations/{eventId}/m.thread`, spec
//! "Relationships"); for a room message outside a thread, the messages around it
//! (`GET /rooms/{roomId}/context/{eventId}`, spec "Room event context").

use serde_json::Value;

use super::client::seg;
use super::events::{self, Read};
use super::{room_of, MatrixConnector};
use crate::domain::{ItemKind, NewItem};
use crate::platform::{PlatformError, Target};

/// Messages before and after a top-level message.
const AROUND: u32 = 10;
/// Thread replies read at most.
const THREAD_LIMIT: u32 = 100;

pub async fn thread(c: &MatrixConnector, target: &Target) -> Result<Vec<NewItem>, PlatformError> {
    let room = room_of(target)?;
    let mut raw: Vec<Value> = Vec::new();
    let root = target
        .thread_external_id
        .clone()
        .unwrap_or_else(|| target.external_id.clone());
    let root_path = format!("/v3/rooms/{}/event/{}", seg(&room), seg(&root));
    let root_event = c.client.get("thread root", &root_path, &[]).await?;
    let own = if root == target.external_id {
        root_event.clone()
    } else {
        let path = format!(
            "/v3/rooms/{}/event/{}",
            seg(&room),
            seg(&target.external_id)
        );
        c.client.get("message", &path, &[]).await?
    };
    if let Some(why) = redacted(&own) {
        // Gone from the room: the item is marked so, and a reply to it warns.
        return Err(PlatformError::NotFound(why));
    }
    let has_thread = root_event["unsigned"]["m.relations"]["m.thread"].is_object();
    if target.thread_external_id.is_some() || has_thread {
        raw.push(root_event);
        let path = format!("/v1/rooms/{}/relations/{}/m.thread", seg(&room), seg(&root));
        let answer = c
            .client
            .get(
                "thread",
                &path,
                &[("dir", "f".into()), ("limit", THREAD_LIMIT.to_string())],
            )
            .await?;
        raw.extend(answer["chunk"].as_array().cloned().unwrap_or_default());
    } else {
        let path = format!(
            "/v3/rooms/{}/context/{}",
            seg(&room),
            seg(&target.external_id)
        );
        let answer = c
            .client
            .get("context", &path, &[("limit", (2 * AROUND).to_string())])
            .await?;
        let mut before = answer["events_before"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        before.reverse();
        raw.extend(before);
        raw.push(answer["event"].clone());
        raw.extend(
            answer["events_after"]
                .as_array()
                .cloned()
                .unwrap_or_default(),
        );
    }
    // Messages of an encrypted room are decrypted where the key is here.
    let mut readable = Vec::with_capacity(raw.len());
    for event in raw {
        readable.push(super::decrypt::readable(c, &room, event).await?);
    }
    Ok(readable
        .iter()
        .filter_map(|e| match events::read(&room, e) {
            Read::Message(event) => {
                let kind = if event.sender == c.user_id {
                    ItemKind::Post
                } else {
                    ItemKind::Comment
                };
                let name = c.member_name(&room, &event.sender);
                Some(event.item(kind, name.as_deref()))
            }
            _ => None,
        })
        .collect())
}

/// Why a message reads as removed: a redacted event keeps its id with an empty content and
/// says who redacted it (spec "Redactions").
fn redacted(event: &Value) -> Option<String> {
    let because = &event["unsigned"]["redacted_because"];
    let empty = event["content"].as_object().is_some_and(|c| c.is_empty());
    if !because.is_object() && !empty {
        return None;
    }
    Some(match because["sender"].as_str() {
        Some(by) if by != event["sender"].as_str().unwrap_or_default() => {
            format!("the message was removed by {by}")
        }
        _ => "the message was deleted by its author".to_string(),
    })
}
