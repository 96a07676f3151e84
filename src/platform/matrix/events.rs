//! One room event as hark reads it: the spec's `ClientEvent` (section "Room events") and
//! the `m.room.message` content (section "Instant Messaging"), with the relations that
//! place it in a conversation (sections "Rich replies" and "Threading").

use serde_json::{json, Value};

use crate::domain::{NewAuthor, NewItem, Unreadable};

/// The facts of one message event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub id: String,
    pub sender: String,
    /// Milliseconds since the epoch, the homeserver's time.
    pub ts_ms: i64,
    pub body: String,
    /// The root of the thread it is in (`rel_type: m.thread`).
    pub thread_root: Option<String>,
    /// The event it answers (`m.in_reply_to`), unless that is only a thread fallback.
    pub in_reply_to: Option<String>,
    /// `m.mentions.user_ids`, when the sender's client set it.
    pub mentioned: Option<Vec<String>>,
    /// The raw event, with `room_id` added (the sync form leaves it out).
    pub raw: Value,
}

/// What one timeline event is for hark.
#[derive(Debug)]
pub enum Read {
    Message(Box<Event>),
    /// Not a message hark shows (state, a redacted message).
    Skip,
    /// An edit (spec "Event replacements"): `original`'s text is now `body`, if `sender`
    /// wrote the original (the spec's rule; anyone else's replacement is ignored).
    Edit {
        original: String,
        sender: String,
        body: String,
    },
    /// A redaction (spec "Redactions"): `redacts` was removed by `by`.
    Redaction {
        redacts: String,
        by: String,
    },
    Unreadable(Unreadable),
}

pub const SOURCE: &str = "matrix event";

/// Reads one timeline event of `room_id`.
pub fn read(room_id: &str, raw: &Value) -> Read {
    let kind = raw["type"].as_str().unwrap_or_default();
    let id = raw["event_id"].as_str().map(str::to_string);
    let unreadable = |reason: &str| {
        Read::Unreadable(Unreadable {
            source: SOURCE.into(),
            key: id.clone(),
            reason: reason.into(),
            raw: raw.to_string(),
        })
    };
    match kind {
        "m.room.message" => {}
        "m.room.redaction" => {
            // Room versions up to 10 name the event at the top level, 11 in the content.
            let redacts = raw["content"]["redacts"]
                .as_str()
                .or(raw["redacts"].as_str());
            return match (redacts, raw["sender"].as_str()) {
                (Some(redacts), Some(by)) => Read::Redaction {
                    redacts: redacts.to_string(),
                    by: by.to_string(),
                },
                _ => unreadable("a redaction without the event it redacts or its sender"),
            };
        }
        "m.room.encrypted" => {
            return unreadable(
                "end-to-end encrypted: the room key is not here (see the README, Matrix)",
            )
        }
        _ => return Skip,
    }
    let content = &raw["content"];
    // A redacted message keeps its type with an empty content.
    if content.as_object().is_none_or(|c| c.is_empty()) {
        return Skip;
    }
    let relates = &content["m.relates_to"];
    if relates["rel_type"] == "m.replace" {
        let new_body = content["m.new_content"]["body"].as_str();
        return match (
            relates["event_id"].as_str(),
            raw["sender"].as_str(),
            new_body,
        ) {
            (Some(original), Some(sender), Some(body)) => Read::Edit {
                original: original.to_string(),
                sender: sender.to_string(),
                body: body.to_string(),
            },
            _ => unreadable("an edit without the event it replaces, sender or m.new_content"),
        };
    }
    let (Some(id), Some(sender), Some(ts_ms), Some(body)) = (
        id.clone(),
        raw["sender"].as_str(),
        raw["origin_server_ts"].as_i64(),
        content["body"].as_str(),
    ) else {
        return unreadable("a message event without event_id, sender, origin_server_ts or body");
    };
    let thread_root = (relates["rel_type"] == "m.thread")
        .then(|| relates["event_id"].as_str().map(str::to_string))
        .flatten();
    let falling_back = relates["is_falling_back"].as_bool().unwrap_or(false);
    let in_reply_to = relates["m.in_reply_to"]["event_id"]
        .as_str()
        .filter(|_| !(thread_root.is_some() && falling_back))
        .map(str::to_string);
    let mentioned = content["m.mentions"].as_object().map(|m| {
        m.get("user_ids")
            .and_then(Value::as_array)
            .map(|ids| {
                ids.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    });
    let mut raw = raw.clone();
    raw["room_id"] = json!(room_id);
    Read::Message(Box::new(Event {
        id,
        sender: sender.to_string(),
        ts_ms,
        body: strip_reply_fallback(body, in_reply_to.is_some()).to_string(),
        thread_root,
        in_reply_to,
        mentioned,
        raw,
    }))
}

use Read::Skip;

/// Older clients quote the message they answer at the top of `body` (`> <@a:b> text`,
/// then a blank line); the spec's "Fallbacks for rich replies" says to drop it.
fn strip_reply_fallback(body: &str, is_reply: bool) -> &str {
    if !is_reply || !body.starts_with("> ") {
        return body;
    }
    match body.find("\n\n") {
        Some(at) if body[..at].lines().all(|l| l.starts_with('>')) => &body[at + 2..],
        _ => body,
    }
}

impl Event {
    /// The item this event becomes, of `kind`, in `room_id`.
    pub fn item(&self, kind: crate::domain::ItemKind, display_name: Option<&str>) -> NewItem {
        let room_id = self.raw["room_id"].as_str().unwrap_or_default();
        NewItem {
            external_id: self.id.clone(),
            kind,
            parent_external_id: self.in_reply_to.clone().or(self.thread_root.clone()),
            thread_external_id: self.thread_root.clone(),
            author: NewAuthor {
                external_id: self.sender.clone(),
                handle: self.sender.clone(),
                display_name: display_name
                    .map(str::to_string)
                    .unwrap_or_else(|| localpart(&self.sender).to_string()),
                followers: None,
            },
            body: self.body.clone(),
            url: Some(permalink(room_id, &self.id)),
            created_at: self.ts_ms.div_euclid(1000),
            raw_json: Some(self.raw.to_string()),
            room: self.raw["room_id"].as_str().map(str::to_string),
        }
    }
}

/// `@brand:example.org` → `brand`.
pub fn localpart(user_id: &str) -> &str {
    let rest = user_id.strip_prefix('@').unwrap_or(user_id);
    rest.split(':').next().unwrap_or(rest)
}

/// A `matrix.to` link to the event (spec section "Matrix URI scheme" / matrix.to).
pub fn permalink(room_id: &str, event_id: &str) -> String {
    format!(
        "https://matrix.to/#/{}/{}",
        super::client::seg(room_id),
        super::client::seg(event_id)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(content: Value) -> Value {
        json!({"type": "m.room.message", "event_id": "$e1", "sender": "@fan:ex.org",
            "origin_server_ts": 1_780_000_000_123i64, "content": content})
    }

    #[test]
    fn a_thread_reply_keeps_its_root_and_drops_the_thread_fallback_parent() {
        let Read::Message(e) = read(
            "!r:ex.org",
            &message(json!({"msgtype": "m.text", "body": "still broken",
                "m.relates_to": {"rel_type": "m.thread", "event_id": "$root",
                    "is_falling_back": true, "m.in_reply_to": {"event_id": "$last"}}})),
        ) else {
            panic!()
        };
        assert_eq!(e.thread_root.as_deref(), Some("$root"));
        assert_eq!(e.in_reply_to, None);
        let item = e.item(crate::domain::ItemKind::Comment, None);
        assert_eq!(item.parent_external_id.as_deref(), Some("$root"));
        assert_eq!(item.thread_external_id.as_deref(), Some("$root"));
        assert_eq!(item.created_at, 1_780_000_000);
        assert_eq!(item.author.display_name, "fan");
        assert_eq!(
            item.url.as_deref(),
            Some("https://matrix.to/#/%21r%3Aex.org/%24e1")
        );
        assert!(item.raw_json.unwrap().contains("\"room_id\":\"!r:ex.org\""));
    }

    #[test]
    fn a_rich_reply_loses_its_quoted_fallback() {
        let Read::Message(e) = read(
            "!r",
            &message(json!({"msgtype": "m.text",
                "body": "> <@brand:ex.org> we shipped it\n> today\n\nnot here yet",
                "m.relates_to": {"m.in_reply_to": {"event_id": "$brand"}},
                "m.mentions": {"user_ids": ["@brand:ex.org"]}})),
        ) else {
            panic!()
        };
        assert_eq!(e.body, "not here yet");
        assert_eq!(e.in_reply_to.as_deref(), Some("$brand"));
        assert_eq!(e.mentioned, Some(vec!["@brand:ex.org".to_string()]));
    }

    #[test]
    fn encrypted_and_broken_events_are_set_aside_edits_read_redactions_and_state_skipped() {
        let enc = json!({"type": "m.room.encrypted", "event_id": "$x", "content": {}});
        assert!(matches!(read("!r", &enc), Read::Unreadable(u) if u.reason.contains("encrypted")));
        let broken = json!({"type": "m.room.message", "event_id": "$y",
            "content": {"body": "hi"}});
        assert!(
            matches!(read("!r", &broken), Read::Unreadable(u) if u.key.as_deref() == Some("$y"))
        );
        let edit = message(
            json!({"body": "* fixed", "m.new_content": {"body": "fixed"},
            "m.relates_to": {"rel_type": "m.replace", "event_id": "$e0"}}),
        );
        assert!(
            matches!(read("!r", &edit), Read::Edit { original, sender, body }
            if original == "$e0" && sender == "@fan:ex.org" && body == "fixed")
        );
        assert!(matches!(read("!r", &message(json!({}))), Read::Skip));
        let state = json!({"type": "m.room.name", "state_key": "", "content": {"name": "x"}});
        assert!(matches!(read("!r", &state), Read::Skip));
    }
}
