//! Direct messages, where the app's access tier allows them: `GET /2/dm_events` (newest
//! first, the latest page each round; the store keeps each event once) and replies with
//! `POST /2/dm_conversations/:id/messages`. A refusal of the DM endpoints is said once and
//! never holds back the mentions read in the same round.

use reqwest::Method;
use serde_json::{json, Value};

use super::client::Call;
use super::XConnector;
use crate::domain::{ItemKind, NewAuthor, NewItem, Target, Unreadable};
use crate::platform::PlatformError;

impl XConnector {
    /// The newest page of DM events as items.
    pub(super) async fn direct_messages(
        &self,
        me: &str,
    ) -> Result<(Vec<NewItem>, Vec<Unreadable>), PlatformError> {
        let call = Call::get("dm events", "/2/dm_events".into())
            .param("event_types", "MessageCreate")
            .param("max_results", "100")
            .param(
                "dm_event.fields",
                "id,text,created_at,sender_id,dm_conversation_id,event_type",
            )
            .param("expansions", "sender_id")
            .param("user.fields", super::fetch::USER_FIELDS);
        let answer = self.client.send("direct messages", &call).await?;
        let users = super::convert::users(&answer);
        let (mut items, mut unreadable) = (Vec::new(), Vec::new());
        for event in answer["data"].as_array().into_iter().flatten() {
            match dm_item(event, &users, me) {
                Ok(Some(item)) => items.push(item),
                Ok(None) => {}
                Err(reason) => unreadable.push(Unreadable {
                    source: "x direct message".into(),
                    key: event["id"].as_str().map(str::to_string),
                    reason: reason.into(),
                    raw: event.to_string(),
                }),
            }
        }
        Ok((items, unreadable))
    }

    pub(super) async fn reply_dm(
        &self,
        target: &Target,
        text: &str,
    ) -> Result<String, PlatformError> {
        let conversation = dm_conversation(target)?;
        let call = Call::get(
            "dm send",
            format!("/2/dm_conversations/{conversation}/messages"),
        )
        .with(Method::POST, Some(json!({ "text": text })));
        let answer = self.call("direct message", &call).await?;
        answer["data"]["dm_event_id"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| {
                PlatformError::Malformed("direct message: the answer names no event".into())
            })
    }

    /// The brand's message with this text in the target's conversation, sent after it.
    pub(super) async fn read_back_dm(
        &self,
        target: &Target,
        text: &str,
    ) -> Result<Option<String>, PlatformError> {
        let conversation = dm_conversation(target)?;
        let me = self.me().await?;
        let call = Call::get(
            "dm events",
            format!("/2/dm_conversations/{conversation}/dm_events"),
        )
        .param("event_types", "MessageCreate")
        .param("max_results", "100")
        .param("dm_event.fields", "id,text,created_at,sender_id");
        let answer = self.call("read back direct messages", &call).await?;
        let after: u128 = target.external_id.parse().unwrap_or(0);
        Ok(answer["data"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|e| {
                e["sender_id"].as_str() == Some(me.id.as_str())
                    && e["text"].as_str().map(str::trim) == Some(text.trim())
                    && e["id"]
                        .as_str()
                        .and_then(|i| i.parse::<u128>().ok())
                        .unwrap_or(0)
                        > after
            })
            .and_then(|e| e["id"].as_str().map(str::to_string)))
    }
}

fn dm_conversation(target: &Target) -> Result<String, PlatformError> {
    target
        .thread_external_id
        .clone()
        .filter(|c| !c.is_empty())
        .ok_or_else(|| {
            PlatformError::Permanent("this direct message has no conversation id".into())
        })
}

/// One `MessageCreate` event from someone else as an item (the brand's own messages are
/// the replies hark sent, already in the outbox).
fn dm_item(
    event: &Value,
    users: &std::collections::HashMap<String, Value>,
    me: &str,
) -> Result<Option<NewItem>, &'static str> {
    if event["event_type"]
        .as_str()
        .is_some_and(|t| t != "MessageCreate")
        || event["sender_id"].as_str() == Some(me)
    {
        return Ok(None);
    }
    let id = event["id"].as_str().ok_or("no id")?;
    let text = event["text"].as_str().ok_or("no text")?;
    let sender = event["sender_id"].as_str().ok_or("no sender_id")?;
    let conversation = event["dm_conversation_id"]
        .as_str()
        .ok_or("no dm_conversation_id")?;
    let created_at = event["created_at"]
        .as_str()
        .ok_or("no created_at")?
        .parse::<jiff::Timestamp>()
        .map_err(|_| "created_at is not a time")?
        .as_second();
    let user = users.get(sender);
    let username = user.and_then(|u| u["username"].as_str()).unwrap_or(sender);
    Ok(Some(NewItem {
        external_id: id.to_string(),
        kind: ItemKind::Dm,
        parent_external_id: None,
        thread_external_id: Some(conversation.to_string()),
        author: NewAuthor {
            external_id: sender.to_string(),
            handle: format!("@{username}"),
            display_name: user
                .and_then(|u| u["name"].as_str())
                .unwrap_or(username)
                .to_string(),
            followers: user.and_then(|u| u["public_metrics"]["followers_count"].as_i64()),
        },
        body: text.to_string(),
        url: None,
        created_at,
        raw_json: Some(event.to_string()),
        room: None,
    }))
}
