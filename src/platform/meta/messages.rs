//! Direct messages: Messenger conversations of the Page, and Instagram conversations
//! through the Page the account is linked to (`GET /{page-id}/conversations?platform=…`,
//! developers.facebook.com/docs/graph-api/reference/page/conversations). Conversations
//! come most recently updated first, each with its latest messages; a round reads down to
//! the messages mark. Sending goes through the Send API (`POST /{page-id}/messages`)
//! inside Meta's messaging window ([`super::window`]), checked against the conversation
//! as it is on Graph right before the send.

use reqwest::Method;
use serde_json::{json, Value};

use super::cursor::{Cursor, Round};
use super::graph::{path_id, Purpose};
use super::records::{self, set_aside};
use super::{MetaConnector, Network};
use crate::domain::{ItemKind, NewAuthor, NewItem};
use crate::platform::window::MessagingWindow;
use crate::platform::{FetchPage, PlatformError, Target};

const CONVERSATIONS_LIMIT: u32 = 25;
/// Messages read per conversation and round; a conversation with more new messages than
/// this between two rounds keeps only the newest.
const MESSAGES_PER_CONVERSATION: u32 = 25;
const MESSAGES: &str = "messages";

fn message_fields() -> String {
    format!("messages.limit({MESSAGES_PER_CONVERSATION}){{id,message,from,created_time}}")
}

impl MetaConnector {
    fn messaging_platform(&self) -> &'static str {
        match self.network {
            Network::Facebook => "messenger",
            Network::Instagram => "instagram",
        }
    }

    /// One page of conversations; true when the walk is over.
    pub(super) async fn conversations_page(
        &self,
        cur: &Cursor,
        round: &mut Round,
        floor: i64,
        out: &mut FetchPage,
    ) -> Result<bool, PlatformError> {
        let Some(page_id) = self.page.as_deref() else {
            return Ok(true);
        };
        let page_id = path_id(page_id)?;
        let query = [
            ("platform", self.messaging_platform().to_string()),
            ("fields", format!("id,updated_time,{}", message_fields())),
            ("limit", CONVERSATIONS_LIMIT.to_string()),
        ];
        let page = match self
            .graph
            .page(
                "conversations",
                &format!("{page_id}/conversations"),
                &query,
                round.after.as_deref(),
            )
            .await
        {
            Ok(page) => {
                self.dm_trouble.recovered();
                page
            }
            // Without the messaging permission the comments still come in; the CM hears
            // once why the DMs do not.
            Err(PlatformError::Auth(why)) if why.contains(super::error::MISSING_PERMISSION) => {
                let network = self.network.name();
                if self
                    .dm_trouble
                    .failed(|| format!("{network} direct messages unavailable: {why}"))
                {
                    tracing::warn!(network, why, "graph: direct messages unavailable");
                }
                return Ok(true);
            }
            Err(e) => return Err(e),
        };
        let messages_floor = cur.floor(MESSAGES, floor);
        let mut past = false;
        for conversation in &page.data {
            let (Some(id), Some(updated)) = (
                records::text(conversation, "id"),
                records::time(conversation, "updated_time"),
            ) else {
                out.unreadable.push(set_aside(
                    "meta conversation",
                    conversation,
                    "no `id` or `updated_time`",
                ));
                continue;
            };
            // Most recently updated first: one below the mark ends the walk.
            if updated < messages_floor {
                past = true;
                break;
            }
            let messages = conversation
                .pointer("/messages/data")
                .and_then(Value::as_array)
                .into_iter()
                .flatten();
            for message in messages {
                match self.message_item(message, id) {
                    Ok(item) if item.created_at >= messages_floor => {
                        round.saw(MESSAGES, item.created_at);
                        out.items.push(item);
                    }
                    Ok(_) => {}
                    Err(reason) => out
                        .unreadable
                        .push(set_aside("meta message", message, reason)),
                }
            }
        }
        round.after = page.after.clone();
        Ok(past || page.after.is_none())
    }

    fn is_own_sender(&self, from: Option<&Value>) -> bool {
        let id = from.and_then(|f| records::text(f, "id"));
        id == Some(self.id.as_str())
            || (id.is_some() && id == self.page.as_deref())
            || (self.network == Network::Instagram
                && !self.handle.is_empty()
                && from
                    .and_then(|f| records::text(f, "username"))
                    .is_some_and(|u| u.eq_ignore_ascii_case(&self.handle)))
    }

    fn message_item(&self, message: &Value, conversation: &str) -> Result<NewItem, String> {
        let id = records::text(message, "id").ok_or("no `id`")?;
        let created = records::time(message, "created_time").ok_or("no readable `created_time`")?;
        let from = message.get("from");
        let author_id = from
            .and_then(|f| records::text(f, "id"))
            .ok_or("no `from`")?;
        let name = from
            .and_then(|f| records::text(f, "name").or_else(|| records::text(f, "username")))
            .unwrap_or("");
        let own = self.is_own_sender(from);
        Ok(NewItem {
            external_id: id.to_string(),
            kind: if own { ItemKind::Post } else { ItemKind::Dm },
            parent_external_id: None,
            thread_external_id: Some(conversation.to_string()),
            author: NewAuthor {
                external_id: author_id.to_string(),
                handle: match self.network {
                    Network::Instagram if !name.is_empty() => format!("@{name}"),
                    _ => name.to_string(),
                },
                display_name: name.to_string(),
                followers: None,
            },
            body: records::text(message, "message").unwrap_or("").to_string(),
            url: None,
            created_at: created,
            raw_json: Some(message.to_string()),
            room: None,
        })
    }

    /// The conversation's latest messages as Graph has them now.
    async fn latest_messages(&self, conversation: &str) -> Result<Vec<Value>, PlatformError> {
        let conversation = path_id(conversation)?;
        let request = self
            .graph
            .request(Method::GET, conversation)
            .query(&[("fields", message_fields())]);
        let body = self
            .graph
            .send("conversation", Purpose::Write, request)
            .await?;
        Ok(body
            .pointer("/messages/data")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default())
    }

    /// The window for answering `target`'s conversation, from its latest messages.
    fn window_of(&self, messages: &[Value], target: &Target) -> MessagingWindow {
        let last_inbound = messages
            .iter()
            .filter(|m| !self.is_own_sender(m.get("from")))
            .filter_map(|m| records::time(m, "created_time"))
            .max()
            .or_else(|| {
                target
                    .raw_json
                    .as_deref()
                    .and_then(|raw| serde_json::from_str::<Value>(raw).ok())
                    .and_then(|m| records::time(&m, "created_time"))
            })
            .unwrap_or(0);
        super::window::window(last_inbound, self.human_agent, self.now())
    }

    /// Sends a DM answering `target` inside the messaging window, or refuses with why.
    pub(super) async fn send_message(
        &self,
        target: &Target,
        text: &str,
    ) -> Result<String, PlatformError> {
        let page_id = self.page.as_deref().ok_or(PlatformError::Unsupported(
            "direct messages without a linked Page",
        ))?;
        let page_id = path_id(page_id)?;
        let conversation = target
            .thread_external_id
            .as_deref()
            .ok_or_else(|| PlatformError::Permanent("this message has no conversation".into()))?;
        let messages = self.latest_messages(conversation).await?;
        let (messaging_type, tag) = match self.window_of(&messages, target) {
            MessagingWindow::Open { .. } => ("RESPONSE", None),
            MessagingWindow::HumanAgent { .. } => ("MESSAGE_TAG", Some("HUMAN_AGENT")),
            MessagingWindow::Closed { reason } => return Err(PlatformError::Permanent(reason)),
        };
        let mut body = json!({
            "recipient": {"id": target.author_external_id},
            "messaging_type": messaging_type,
            "message": {"text": text},
        });
        if let Some(tag) = tag {
            body["tag"] = json!(tag);
        }
        let request = self
            .graph
            .request(Method::POST, &format!("{page_id}/messages"))
            .json(&body);
        let answer = self
            .graph
            .send("send message", Purpose::Write, request)
            .await?;
        let id = records::text(&answer, "message_id").ok_or_else(|| {
            PlatformError::Malformed("send message: the answer has no `message_id`".into())
        })?;
        tracing::info!(
            network = self.network.name(),
            messaging_type,
            "graph: message sent"
        );
        Ok(id.to_string())
    }

    /// The latest messages of `target`'s conversation, for the detail pane.
    pub(super) async fn conversation_context(
        &self,
        target: &Target,
    ) -> Result<Vec<NewItem>, PlatformError> {
        let conversation = target
            .thread_external_id
            .as_deref()
            .ok_or_else(|| PlatformError::Permanent("this message has no conversation".into()))?;
        let mut items: Vec<NewItem> = self
            .latest_messages(conversation)
            .await?
            .iter()
            .filter_map(|m| self.message_item(m, conversation).ok())
            .collect();
        // Oldest first, as a thread reads.
        items.sort_by_key(|i| i.created_at);
        Ok(items)
    }

    /// A message by the brand with `text` in `target`'s conversation, sent after `target`.
    pub(super) async fn read_back_message(
        &self,
        target: &Target,
        text: &str,
    ) -> Result<Option<String>, PlatformError> {
        let Some(conversation) = target.thread_external_id.as_deref() else {
            return Ok(None);
        };
        let since = target
            .raw_json
            .as_deref()
            .and_then(|raw| serde_json::from_str::<Value>(raw).ok())
            .and_then(|m| records::time(&m, "created_time"))
            .unwrap_or(0);
        let messages = self.latest_messages(conversation).await?;
        Ok(messages
            .iter()
            .filter(|m| self.is_own_sender(m.get("from")))
            .filter(|m| records::time(m, "created_time").unwrap_or(0) >= since)
            .find(|m| records::text(m, "message").unwrap_or("").trim() == text.trim())
            .and_then(|m| records::text(m, "id"))
            .map(str::to_string))
    }
}
