//! One Discord message object as hark reads it (developer docs, "Message" → "Message
//! Object"), and what it becomes under the chat model.

use serde_json::Value;

use crate::domain::{ItemKind, NewAuthor, NewItem, Unreadable};

pub const SOURCE: &str = "discord message";

/// Message types that are people writing (DEFAULT, REPLY); the rest are system notes
/// (joins, pins, thread starters) and never items.
const DEFAULT: u64 = 0;
const REPLY: u64 = 19;

/// Shown instead of text Discord withheld (the Message Content intent is off).
pub const WITHHELD: &str =
    "[text withheld by Discord: turn on the bot's Message Content intent to read it]";

/// The facts of one message.
#[derive(Debug, Clone, PartialEq)]
pub struct Msg {
    pub id: String,
    pub channel_id: String,
    pub author_id: String,
    pub username: String,
    pub display_name: String,
    pub body: String,
    pub created_at: i64,
    /// The message it answers (`message_reference` of a REPLY).
    pub replied_to: Option<String>,
    /// User ids in `mentions`.
    pub mentions: Vec<String>,
    /// Content, attachments, embeds, stickers, components and poll all empty: what a
    /// message looks like when Discord withholds it from a bot without the intent.
    pub looks_withheld: bool,
    pub nonce: Option<String>,
    pub raw: Value,
}

/// What one record of a message list is.
#[derive(Debug)]
pub enum Read {
    Msg(Box<Msg>),
    /// A system message: skipped, its id still moves the cursor.
    Skip,
    Unreadable(Unreadable),
}

/// Reads one message object of a list.
pub fn read(raw: &Value) -> Read {
    let kind = raw["type"].as_u64().unwrap_or(DEFAULT);
    if kind != DEFAULT && kind != REPLY {
        return Read::Skip;
    }
    let id = raw["id"].as_str();
    let unreadable = |reason: &str| {
        Read::Unreadable(Unreadable {
            source: SOURCE.into(),
            key: id.map(str::to_string),
            reason: reason.into(),
            raw: raw.to_string(),
        })
    };
    let (Some(id), Some(channel), Some(author), Some(at), Some(content)) = (
        id,
        raw["channel_id"].as_str(),
        raw["author"]["id"].as_str(),
        raw["timestamp"].as_str(),
        raw["content"].as_str(),
    ) else {
        return unreadable("a message without id, channel_id, author, timestamp or content");
    };
    let Ok(created) = at.parse::<jiff::Timestamp>() else {
        return unreadable("a message whose timestamp is not ISO 8601");
    };
    let empty = |field: &str| raw[field].as_array().is_none_or(|a| a.is_empty());
    let looks_withheld = content.is_empty()
        && [
            "attachments",
            "embeds",
            "sticker_items",
            "components",
            "message_snapshots",
        ]
        .iter()
        .all(|f| empty(f))
        && raw["poll"].is_null();
    let username = raw["author"]["username"].as_str().unwrap_or(author);
    let mentions: Vec<String> = raw["mentions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|u| u["id"].as_str().map(str::to_string))
        .collect();
    Read::Msg(Box::new(Msg {
        id: id.to_string(),
        channel_id: channel.to_string(),
        author_id: author.to_string(),
        username: username.to_string(),
        display_name: raw["author"]["global_name"]
            .as_str()
            .unwrap_or(username)
            .to_string(),
        body: readable_mentions(content, raw),
        created_at: created.as_second(),
        replied_to: (kind == REPLY)
            .then(|| raw["message_reference"]["message_id"].as_str())
            .flatten()
            .map(str::to_string),
        mentions,
        looks_withheld,
        nonce: match &raw["nonce"] {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        },
        raw: raw.clone(),
    }))
}

/// `<@80351110224678912>` becomes `@Nelly` from the message's own `mentions`, so the CM
/// and the brand-name match read names, not numbers.
fn readable_mentions(content: &str, raw: &Value) -> String {
    let mut out = content.to_string();
    for user in raw["mentions"].as_array().into_iter().flatten() {
        let (Some(id), Some(name)) = (user["id"].as_str(), user["username"].as_str()) else {
            continue;
        };
        for form in [format!("<@{id}>"), format!("<@!{id}>")] {
            out = out.replace(&form, &format!("@{name}"));
        }
    }
    out
}

impl Msg {
    /// The item of `kind` this message becomes; `thread` is its thread's id.
    pub fn item(&self, kind: ItemKind, guild_id: &str, thread: Option<&str>) -> NewItem {
        let body = if self.looks_withheld {
            WITHHELD.to_string()
        } else {
            self.body.clone()
        };
        NewItem {
            external_id: self.id.clone(),
            kind,
            parent_external_id: self
                .replied_to
                .clone()
                .or_else(|| thread.map(str::to_string)),
            thread_external_id: thread.map(str::to_string),
            author: NewAuthor {
                external_id: self.author_id.clone(),
                handle: self.username.clone(),
                display_name: self.display_name.clone(),
                followers: None,
            },
            body,
            url: Some(format!(
                "https://discord.com/channels/{guild_id}/{}/{}",
                self.channel_id, self.id
            )),
            created_at: self.created_at,
            raw_json: Some(self.raw.to_string()),
            // A thread's message is in the thread: the list shows `#parent › thread`.
            room: Some(self.channel_id.clone()),
        }
    }
}

/// The channel a stored item was written in (kept in its raw message).
pub fn channel_of(raw_json: Option<&str>) -> Option<String> {
    raw_json
        .and_then(|raw| serde_json::from_str::<Value>(raw).ok())
        .and_then(|v| v["channel_id"].as_str().map(str::to_string))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The developer docs' "Example Message" (Message resource), with a reply reference.
    fn example() -> Value {
        json!({"reactions": [{"count": 1, "count_details": {"burst": 0, "normal": 1},
            "me": false, "me_burst": false, "emoji": {"id": null, "name": "🔥"},
            "burst_colors": []}],
            "attachments": [], "tts": false, "embeds": [],
            "timestamp": "2017-07-11T17:27:07.299000+00:00", "mention_everyone": false,
            "id": "334385199974967042", "pinned": false, "edited_timestamp": null,
            "author": {"username": "Mason", "discriminator": "9999",
                "id": "53908099506183680", "avatar": "a_bab14f271d565501444b2ca3be944b25"},
            "mention_roles": [], "content": "Supa Hot", "channel_id": "290926798999357250",
            "mentions": [], "type": 0})
    }

    #[test]
    fn the_docs_example_message_reads_as_an_item_with_its_link() {
        let Read::Msg(m) = read(&example()) else {
            panic!()
        };
        assert_eq!(m.created_at, 1_499_794_027);
        assert!(!m.looks_withheld);
        let item = m.item(ItemKind::Mention, "41771983423143937", None);
        assert_eq!(item.body, "Supa Hot");
        assert_eq!(item.author.handle, "Mason");
        assert_eq!(
            item.url.as_deref(),
            Some("https://discord.com/channels/41771983423143937/290926798999357250/334385199974967042")
        );
    }

    #[test]
    fn replies_mentions_system_messages_and_withheld_text() {
        let mut reply = example();
        reply["type"] = json!(19);
        reply["message_reference"] = json!({"message_id": "1", "channel_id": "290926798999357250"});
        reply["content"] = json!("<@80351110224678912> thanks");
        reply["mentions"] = json!([{"id": "80351110224678912", "username": "Nelly"}]);
        let Read::Msg(m) = read(&reply) else { panic!() };
        assert_eq!(m.replied_to.as_deref(), Some("1"));
        assert_eq!(m.body, "@Nelly thanks");
        assert_eq!(m.mentions, ["80351110224678912"]);
        let mut join = example();
        join["type"] = json!(7);
        assert!(matches!(read(&join), Read::Skip));
        let mut hidden = example();
        hidden["content"] = json!("");
        let Read::Msg(m) = read(&hidden) else {
            panic!()
        };
        assert!(m.looks_withheld);
        assert_eq!(m.item(ItemKind::Mention, "1", None).body, WITHHELD);
        hidden["attachments"] = json!([{"id": "1"}]);
        let Read::Msg(m) = read(&hidden) else {
            panic!()
        };
        assert!(!m.looks_withheld, "an image alone is not withheld text");
        let mut broken = example();
        broken.as_object_mut().unwrap().remove("author");
        assert!(matches!(read(&broken), Read::Unreadable(u) if u.key.is_some()));
    }
}
