//! Replies out with `chat.postMessage` (docs "chat.postMessage"): in the item's thread
//! (`thread_ts`: the thread's, or the item's own, which starts one), or straight into a DM.
//!
//! Slack takes no idempotency key. Before any resend of a reply whose outcome is unknown
//! (a crash after the send), the thread is read back (`conversations.replies`, or the DM's
//! `conversations.history`) for a message of the bot's with the same text after the item.

use serde_json::{json, Value};

use super::fetch::is_own;
use super::messages::{self, Read};
use super::SlackConnector;
use crate::domain::{ItemKind, NewItem};
use crate::platform::{PlatformError, Target};

/// Pages read back at most when looking for a reply (a busy thread).
const READ_BACK_PAGES: usize = 5;

/// Where the item lives: `(channel, ts)`.
fn place(target: &Target) -> Result<(String, String), PlatformError> {
    messages::split_id(&target.external_id)
        .map(|(c, t)| (c.to_string(), t.to_string()))
        .ok_or_else(|| {
            PlatformError::Permanent(format!(
                "`{}` is not a Slack message id (channel/ts)",
                target.external_id
            ))
        })
}

/// The thread a reply to `target` goes in: its own thread, else a new one under it; a
/// DM outside a thread is answered in the conversation.
pub fn thread_ts(target: &Target) -> Option<String> {
    if let Some((_, root)) = target
        .thread_external_id
        .as_deref()
        .and_then(messages::split_id)
    {
        return Some(root.to_string());
    }
    if target.kind == ItemKind::Dm {
        return None;
    }
    messages::split_id(&target.external_id).map(|(_, ts)| ts.to_string())
}

/// Text as Slack wants it sent: `&`, `<` and `>` escaped (docs "Formatting text: escaping").
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

pub fn body(target: &Target, text: &str) -> Result<Value, PlatformError> {
    let (channel, _) = place(target)?;
    let mut body = json!({"channel": channel, "text": escape(text)});
    if let Some(ts) = thread_ts(target) {
        body["thread_ts"] = json!(ts);
    }
    Ok(body)
}

pub async fn send(
    c: &SlackConnector,
    target: &Target,
    text: &str,
) -> Result<String, PlatformError> {
    let body = body(target, text)?;
    let answer = c.client.post(&c.pacer, "chat.postMessage", body).await?;
    let channel = answer["channel"]
        .as_str()
        .map(str::to_string)
        .unwrap_or(place(target)?.0);
    let ts = answer["ts"].as_str().ok_or_else(|| {
        PlatformError::Malformed("chat.postMessage: the answer names no ts".into())
    })?;
    if let Some(root) = thread_ts(target) {
        // The fan's answer to this reply is owed a look: follow the thread from here.
        let key = messages::id(&channel, &root);
        c.replied.lock().unwrap().push((key, ts.to_string()));
    }
    Ok(messages::id(&channel, ts))
}

/// The same words, whatever Slack did to spaces and escaping.
fn comparable(text: &str) -> String {
    messages::plain(text)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The bot's message with `text` after `target` in its thread (or DM), if Slack has one.
pub async fn read_back(
    c: &SlackConnector,
    target: &Target,
    text: &str,
) -> Result<Option<String>, PlatformError> {
    let me = c.me().await?;
    let (channel, ts) = place(target)?;
    let limited = c.is_limited();
    let wanted = comparable(&escape(text));
    let (method, mut args) = match thread_ts(target) {
        Some(root) => (
            "conversations.replies",
            vec![("channel", channel.clone()), ("ts", root)],
        ),
        None => ("conversations.history", vec![("channel", channel.clone())]),
    };
    args.push(("oldest", ts.clone()));
    args.push((
        "limit",
        if limited {
            super::tiers::LIMITED_PAGE
        } else {
            super::tiers::FULL_PAGE
        }
        .to_string(),
    ));
    let mut cursor: Option<String> = None;
    for _ in 0..READ_BACK_PAGES {
        let mut page_args = args.clone();
        if let Some(cur) = &cursor {
            page_args.push(("cursor", cur.clone()));
        }
        let answer = c.read(method, limited, &page_args).await?;
        for raw in answer["messages"].as_array().into_iter().flatten() {
            let Read::Message(msg) = messages::read(&channel, raw) else {
                continue;
            };
            if msg.ts != ts
                && messages::ts_cmp(&msg.ts, &ts).is_gt()
                && is_own(&me, &msg)
                && comparable(&msg.text) == wanted
            {
                return Ok(Some(messages::id(&channel, &msg.ts)));
            }
        }
        cursor = answer["response_metadata"]["next_cursor"]
            .as_str()
            .filter(|c| !c.is_empty())
            .map(str::to_string);
        if cursor.is_none() || answer["has_more"] != true {
            break;
        }
    }
    Ok(None)
}

/// The thread around `target` for the detail pane: its first message and the replies.
pub async fn thread(c: &SlackConnector, target: &Target) -> Result<Vec<NewItem>, PlatformError> {
    let me = c.me().await?;
    let (channel, ts) = place(target)?;
    let root = target
        .thread_external_id
        .as_deref()
        .and_then(messages::split_id)
        .map(|(_, t)| t.to_string())
        .unwrap_or(ts);
    let answer = c
        .read(
            "conversations.replies",
            c.is_limited(),
            &[
                ("channel", channel.clone()),
                ("ts", root),
                ("limit", "100".to_string()),
            ],
        )
        .await?;
    let mut items: Vec<NewItem> = answer["messages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|raw| match messages::read(&channel, raw) {
            Read::Message(msg) => {
                let kind = if is_own(&me, &msg) {
                    ItemKind::Post
                } else {
                    ItemKind::Comment
                };
                Some(msg.item(kind, me.url.as_deref()))
            }
            _ => None,
        })
        .collect();
    c.name_authors(&mut items).await;
    Ok(items)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(kind: ItemKind, id: &str, thread: Option<&str>) -> Target {
        Target {
            external_id: id.into(),
            parent_external_id: thread.map(str::to_string),
            thread_external_id: thread.map(str::to_string),
            kind,
            author_external_id: "U0FAN".into(),
            author_handle: "U0FAN".into(),
            raw_json: None,
        }
    }

    #[test]
    fn a_reply_goes_in_the_thread_and_a_dm_straight_into_the_conversation() {
        let b = body(
            &target(ItemKind::Mention, "C1/1.000200", Some("C1/1.000100")),
            "ok",
        )
        .unwrap();
        assert_eq!(
            b,
            json!({"channel": "C1", "text": "ok", "thread_ts": "1.000100"})
        );
        let b = body(&target(ItemKind::Mention, "C1/1.000200", None), "ok").unwrap();
        assert_eq!(b["thread_ts"], "1.000200", "a new thread under the message");
        let b = body(&target(ItemKind::Dm, "D1/1.000200", None), "a < b & c").unwrap();
        assert_eq!(b, json!({"channel": "D1", "text": "a &lt; b &amp; c"}));
        assert!(body(&target(ItemKind::Dm, "nonsense", None), "x").is_err());
    }

    #[test]
    fn a_read_back_text_matches_across_escaping_and_spacing() {
        assert_eq!(
            comparable(&escape("Tea & cake  <3")),
            comparable("Tea &amp; cake &lt;3")
        );
        assert_ne!(comparable("Thanks!"), comparable("Thanks"));
    }
}
