//! Replies: `PUT /rooms/{roomId}/send/m.room.message/{txnId}` (spec "Sending events to a
//! room"), the transaction id made from the outbox row's key, so a resend after a crash is
//! answered with the first event instead of posting a second (spec "Transaction
//! identifiers": scoped to the device, which the access token fixes).
//!
//! In a room the answer goes in a thread (spec "Threading"): the item's thread, or a new
//! one under the item. In a direct chat it is a rich reply (spec "Rich replies"). In an
//! encrypted room it is encrypted ([`super::encrypt_reply`]).

use std::time::Duration;

use serde_json::{json, Value};

use super::client::seg;
use super::{room_of, MatrixConnector};
use crate::domain::ItemKind;
use crate::platform::{PlatformError, Target};

/// How long a homeserver is trusted to remember a transaction id. Synapse keeps it in
/// memory 30 minutes (and in its database a day); the spec sets no time.
pub const TXN_WINDOW: Duration = Duration::from_secs(30 * 60);

/// The transaction id for outbox key `key`: the same key always makes the same id (the
/// path encodes it).
pub fn txn_id(key: &str) -> String {
    format!("hark-{key}")
}

/// The content of the answer to `target`.
pub fn reply_content(target: &Target, text: &str, own_id: &str) -> Value {
    let mut content = json!({"msgtype": "m.text", "body": text});
    let mentions: Vec<&str> = [target.author_external_id.as_str()]
        .into_iter()
        .filter(|a| !a.is_empty() && *a != own_id)
        .collect();
    content["m.mentions"] = json!({ "user_ids": mentions });
    content["m.relates_to"] = if target.kind == ItemKind::Dm {
        json!({"m.in_reply_to": {"event_id": target.external_id}})
    } else {
        let root = target
            .thread_external_id
            .clone()
            .unwrap_or_else(|| target.external_id.clone());
        // Answering the root itself: the reply part is only the fallback for clients
        // without threads; answering a message inside the thread is a real reply.
        json!({
            "rel_type": "m.thread",
            "event_id": root,
            "is_falling_back": root == target.external_id,
            "m.in_reply_to": {"event_id": target.external_id}
        })
    };
    content
}

pub async fn reply(
    c: &MatrixConnector,
    target: &Target,
    text: &str,
    key: &str,
) -> Result<String, PlatformError> {
    let room = room_of(target)?;
    let content = reply_content(target, text, &c.user_id);
    // Read at each send: a room may turn encryption on after its messages became items.
    let (event_type, content) = match encryption(c, &room).await? {
        None => ("m.room.message", content),
        Some(encryption) => (
            "m.room.encrypted",
            super::encrypt_reply::encrypt(c, &room, encryption, &content).await?,
        ),
    };
    // The same transaction id whatever the type: a resend after a crash re-encrypts,
    // and the homeserver answers it with the first event.
    let path = format!(
        "/v3/rooms/{}/send/{event_type}/{}",
        seg(&room),
        seg(&txn_id(key))
    );
    let answer = c.client.put("reply", &path, content).await?;
    answer["event_id"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| PlatformError::Malformed("reply: the answer names no event_id".into()))
}

/// The room's `m.room.encryption` content when encryption is on (once on, it cannot be
/// turned off).
async fn encryption(c: &MatrixConnector, room: &str) -> Result<Option<Value>, PlatformError> {
    let path = format!("/v3/rooms/{}/state/m.room.encryption/", seg(room));
    match c.client.get("room encryption", &path, &[]).await {
        Ok(content) if content["algorithm"].is_string() => Ok(Some(content)),
        Ok(_) | Err(PlatformError::NotFound(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(kind: ItemKind, thread: Option<&str>) -> Target {
        Target {
            external_id: "$q".into(),
            parent_external_id: None,
            thread_external_id: thread.map(str::to_string),
            kind,
            author_external_id: "@fan:ex.org".into(),
            author_handle: "@fan:ex.org".into(),
            raw_json: Some(r#"{"room_id":"!r:ex.org"}"#.into()),
        }
    }

    #[test]
    fn a_room_message_is_answered_in_its_thread_and_a_dm_with_a_rich_reply() {
        let c = reply_content(
            &target(ItemKind::Mention, Some("$root")),
            "on it",
            "@b:ex.org",
        );
        assert_eq!(
            c["m.relates_to"],
            json!({"rel_type": "m.thread", "event_id": "$root", "is_falling_back": false,
                "m.in_reply_to": {"event_id": "$q"}})
        );
        assert_eq!(c["m.mentions"], json!({"user_ids": ["@fan:ex.org"]}));
        let c = reply_content(&target(ItemKind::Mention, None), "on it", "@b:ex.org");
        assert_eq!(
            c["m.relates_to"]["event_id"], "$q",
            "a new thread under the item"
        );
        assert_eq!(c["m.relates_to"]["is_falling_back"], true);
        let c = reply_content(&target(ItemKind::Dm, None), "on it", "@b:ex.org");
        assert_eq!(
            c["m.relates_to"],
            json!({"m.in_reply_to": {"event_id": "$q"}})
        );
    }

    #[test]
    fn one_key_makes_one_path_safe_transaction_id() {
        assert_eq!(txn_id("outbox-12/a b"), txn_id("outbox-12/a b"));
        assert_eq!(seg(&txn_id("outbox-12/a b")), "hark-outbox-12%2Fa%20b");
    }
}
