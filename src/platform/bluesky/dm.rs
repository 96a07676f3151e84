//! Direct messages through the chat service (`chat.bsky.convo.*`), which the PDS proxies
//! when a call carries the `atproto-proxy` header.
//!
//! **Ordering.** Unlike notifications, a message's `sentAt` is stamped by the chat service
//! when it accepts the message (the client cannot backdate it), and `getMessages` pages
//! newest first by it. So a high-water mark holds: each fetch re-reads down to the mark
//! minus `OVERLAP_MICROS` (two messages of one instant can straddle a page boundary) and
//! dedupes by message id. A message that cannot be read is set aside with its raw text.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use serde_json::{json, Value};

use super::notifications::{micros, OVERLAP_MICROS};
use super::xrpc::Call;
use super::{reply, text, BlueskyConnector};
use crate::domain::{ItemKind, NewAuthor, NewItem};
use crate::platform::{PlatformError, Target, Unreadable};

const CONVO_PAGE: u32 = 50;
const MESSAGE_PAGE: u32 = 100;
/// Message pages per conversation per fetch.
const MAX_MESSAGE_PAGES: usize = 20;

/// DM replies sent by this process, by idempotency key (the chat API takes no client key).
#[derive(Default)]
pub struct SentDms(Mutex<HashMap<String, String>>);

fn with_proxy<'a>(conn: &'a BlueskyConnector, call: Call<'a>) -> Call<'a> {
    Call {
        proxy: Some(&conn.chat_proxy),
        ..call
    }
}

fn bad(what: &str) -> PlatformError {
    PlatformError::Malformed(format!("chat: {what}"))
}

/// New messages from others since `mark`, and the newest `sentAt` seen.
pub async fn fetch(
    conn: &BlueskyConnector,
    brand_did: &str,
    mark: Option<&str>,
    aside: &mut Vec<Unreadable>,
) -> Result<(Vec<NewItem>, Option<String>), PlatformError> {
    let floor = mark.and_then(micros).map(|m| m - OVERLAP_MICROS);
    let answer = conn
        .call("listConvos", || {
            with_proxy(
                conn,
                Call::get("chat.bsky.convo.listConvos").param("limit", CONVO_PAGE.to_string()),
            )
        })
        .await?;
    let convos = answer
        .get("convos")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("listConvos has no `convos` list"))?;
    let mut items = Vec::new();
    let mut seen = HashSet::new();
    let mut newest: Option<(i64, String)> =
        mark.and_then(|m| micros(m).map(|v| (v, m.to_string())));
    for convo in convos {
        let Some(id) = convo.get("id").and_then(Value::as_str) else {
            aside.push(set_aside(convo, None, "a conversation without an id"));
            continue;
        };
        let last = convo
            .pointer("/lastMessage/sentAt")
            .and_then(Value::as_str)
            .and_then(micros);
        match (last, floor) {
            (None, _) => continue,
            (Some(l), Some(f)) if l < f => continue,
            _ => {}
        }
        let members: HashMap<&str, &Value> = convo
            .get("members")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|m| Some((m.get("did")?.as_str()?, m)))
            .collect();
        let mut cursor: Option<String> = None;
        let pages = if floor.is_some() {
            MAX_MESSAGE_PAGES
        } else {
            1
        };
        for _ in 0..pages {
            let page = conn
                .call("getMessages", || {
                    let mut call = Call::get("chat.bsky.convo.getMessages")
                        .param("convoId", id)
                        .param("limit", MESSAGE_PAGE.to_string());
                    if let Some(c) = &cursor {
                        call = call.param("cursor", c.clone());
                    }
                    with_proxy(conn, call)
                })
                .await?;
            let messages = page
                .get("messages")
                .and_then(Value::as_array)
                .ok_or_else(|| bad("getMessages has no `messages` list"))?;
            let mut reached = false;
            for m in messages {
                let key = m
                    .get("id")
                    .and_then(Value::as_str)
                    .map(|i| format!("chat:{id}:{i}"));
                let Some(sent_text) = m.get("sentAt").and_then(Value::as_str) else {
                    aside.push(set_aside(m, key, "a message without sentAt"));
                    continue;
                };
                let Some(sent) = micros(sent_text) else {
                    aside.push(set_aside(m, key, "a message with an invalid sentAt"));
                    continue;
                };
                if newest.as_ref().is_none_or(|(n, _)| sent > *n) {
                    newest = Some((sent, sent_text.to_string()));
                }
                if floor.is_some_and(|f| sent < f) {
                    reached = true;
                    continue;
                }
                if m.get("$type").and_then(Value::as_str)
                    == Some("chat.bsky.convo.defs#deletedMessageView")
                {
                    continue;
                }
                let Some(sender) = m.pointer("/sender/did").and_then(Value::as_str) else {
                    aside.push(set_aside(m, key, "a message without a sender"));
                    continue;
                };
                if sender == brand_did {
                    continue;
                }
                let Some(msg_id) = m.get("id").and_then(Value::as_str) else {
                    aside.push(set_aside(m, key, "a message without an id"));
                    continue;
                };
                let external_id = format!("chat:{id}:{msg_id}");
                if !seen.insert(external_id.clone()) {
                    continue;
                }
                let member = members.get(sender);
                let handle = member
                    .and_then(|p| p.get("handle"))
                    .and_then(Value::as_str)
                    .unwrap_or(sender);
                let display = member
                    .and_then(|p| p.get("displayName"))
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .trim();
                items.push(NewItem {
                    external_id,
                    kind: ItemKind::Dm,
                    parent_external_id: None,
                    thread_external_id: Some(format!("chat:{id}")),
                    author: NewAuthor {
                        external_id: sender.to_string(),
                        handle: format!("@{handle}"),
                        display_name: display.to_string(),
                        followers: None,
                    },
                    body: text::readable(m),
                    url: None,
                    created_at: sent / 1_000_000,
                    raw_json: Some(json!({"convoId": id, "message": m}).to_string()),
                    room: None,
                });
            }
            cursor = page
                .get("cursor")
                .and_then(Value::as_str)
                .map(str::to_string);
            if reached || cursor.is_none() || messages.is_empty() {
                break;
            }
        }
    }
    Ok((items, newest.map(|n| n.1)))
}

/// A chat record hark could not read, kept whole.
fn set_aside(record: &Value, key: Option<String>, reason: &str) -> Unreadable {
    Unreadable {
        source: "bluesky message".into(),
        key,
        reason: format!("chat: {reason}"),
        raw: record.to_string(),
    }
}

fn convo_of(target: &Target) -> Option<String> {
    let raw: Value = serde_json::from_str(target.raw_json.as_deref()?).ok()?;
    raw.get("convoId")?.as_str().map(str::to_string)
}

/// Answers a DM in its conversation. The chat API has no client-chosen id, so a retry
/// first looks for a message from the brand with the same text in the newest page.
pub async fn reply(
    conn: &BlueskyConnector,
    target: &Target,
    body: &str,
    idempotency_key: &str,
) -> Result<String, PlatformError> {
    if text::grapheme_count(body) > 1000 || body.trim().is_empty() {
        return Err(PlatformError::Permanent(
            "a Bluesky DM must be 1 to 1000 graphemes".into(),
        ));
    }
    if let Some(id) = conn
        .sent_dms
        .0
        .lock()
        .expect("sent DMs lock")
        .get(idempotency_key)
    {
        return Ok(id.clone());
    }
    let convo = convo_of(target)
        .or_else(|| {
            target
                .thread_external_id
                .as_deref()
                .and_then(|t| t.strip_prefix("chat:"))
                .map(str::to_string)
        })
        .ok_or_else(|| PlatformError::Permanent("this DM has no conversation id".into()))?;
    let me = conn.me().await?;
    let recent = conn
        .call("getMessages", || {
            with_proxy(
                conn,
                Call::get("chat.bsky.convo.getMessages")
                    .param("convoId", convo.clone())
                    .param("limit", "30"),
            )
        })
        .await?;
    let target_sent = serde_json::from_str::<Value>(target.raw_json.as_deref().unwrap_or("null"))
        .ok()
        .and_then(|r| {
            r.pointer("/message/sentAt")
                .and_then(Value::as_str)
                .and_then(micros)
        });
    for m in recent
        .get("messages")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let mine = m.pointer("/sender/did").and_then(Value::as_str) == Some(me.did.as_str());
        let same = m.get("text").and_then(Value::as_str) == Some(body);
        let after = match (
            target_sent,
            m.get("sentAt").and_then(Value::as_str).and_then(micros),
        ) {
            (Some(t), Some(s)) => s >= t,
            _ => true,
        };
        if mine && same && after {
            if let Some(id) = m.get("id").and_then(Value::as_str) {
                tracing::info!("Bluesky DM reply already sent by an earlier attempt");
                return Ok(format!("chat:{convo}:{id}"));
            }
        }
    }
    let mut message = json!({"text": body});
    let facets = reply::facets(conn, body).await;
    if !facets.is_empty() {
        message["facets"] = Value::Array(facets);
    }
    let answer = conn
        .call("sendMessage", || {
            with_proxy(
                conn,
                Call::post(
                    "chat.bsky.convo.sendMessage",
                    json!({"convoId": convo, "message": message}),
                ),
            )
        })
        .await?;
    let id = answer
        .get("id")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("sendMessage answered without an id"))?;
    let remote = format!("chat:{convo}:{id}");
    conn.sent_dms
        .0
        .lock()
        .expect("sent DMs lock")
        .insert(idempotency_key.to_string(), remote.clone());
    Ok(remote)
}
