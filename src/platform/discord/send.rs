//! Replies out: `POST /channels/{id}/messages` with a `message_reference` to the item, in
//! its channel or thread (developer docs, "Message" → "Create Message").
//!
//! Each reply carries a `nonce` made from the outbox key, with `enforce_nonce`: Discord
//! answers a repeat within a few minutes with the first message instead of a second. Past
//! that window it would post again, so before any resend the outbox reads the channel
//! back ([`find_reply`]) for the bot's message with this nonce, or answering the item
//! with this text.

use reqwest::Method;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::layout::snowflake;
use super::permissions::{self, SEND_MESSAGES, SEND_MESSAGES_IN_THREADS};
use super::{channel_of, fetch, DiscordConnector};
use crate::platform::{PlatformError, Target};

/// Pages of 100 messages read back after the item before giving up (a busy channel may
/// have moved on; past 500 messages the reply would be found by the CM, not hark).
const READ_BACK_PAGES: usize = 5;

/// The nonce of an outbox key: at most 25 characters, the same for every attempt.
pub fn nonce(key: &str) -> String {
    let digest = Sha256::digest(key.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("hark{}", &hex[..21])
}

pub async fn reply(
    c: &DiscordConnector,
    target: &Target,
    text: &str,
    key: &str,
) -> Result<String, PlatformError> {
    let channel = channel_of(target)?;
    check_send(c, &channel).await?;
    let body = json!({
        "content": text,
        "nonce": nonce(key),
        "enforce_nonce": true,
        "message_reference": {"message_id": target.external_id, "channel_id": channel},
        // Ping the person answered, nobody else the text happens to name.
        "allowed_mentions": {"parse": [], "replied_user": true},
    });
    let sent = c
        .client
        .call(
            "reply",
            Method::POST,
            &format!("/channels/{channel}/messages"),
            &[],
            Some(body),
        )
        .await?;
    sent["id"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| PlatformError::Malformed("reply: the answer names no message id".into()))
}

/// Refuses before sending where the last round saw the bot may not write in `channel`.
async fn check_send(c: &DiscordConnector, channel: &str) -> Result<(), PlatformError> {
    let refusal = |layout: &super::Layout| {
        let source = layout.source(channel)?;
        let need = if source.thread.is_some() {
            SEND_MESSAGES_IN_THREADS
        } else {
            SEND_MESSAGES
        };
        (source.perms & need == 0).then(|| (source.label(), need))
    };
    if refusal(&*c.known_layout().await?).is_none() {
        return Ok(());
    }
    // Roles or overwrites may have changed since they were read: ask once more.
    if let Some((label, need)) = refusal(&*c.fresh_layout().await?) {
        return Err(PlatformError::Permanent(format!(
            "reply: missing permission: the bot may not write in {label} ({} is not granted)",
            permissions::name(need)
        )));
    }
    Ok(())
}

/// The bot's reply to `target` already in the channel: its nonce, or its reference and
/// text.
pub async fn find_reply(
    c: &DiscordConnector,
    target: &Target,
    text: &str,
    key: &str,
) -> Result<Option<String>, PlatformError> {
    let me = c.me().await?;
    let channel = channel_of(target)?;
    let wanted = nonce(key);
    let mut from = target.external_id.clone();
    for _ in 0..READ_BACK_PAGES {
        let page = fetch::after(c, &channel, &from).await?;
        let found = page.iter().find(|m| {
            m["author"]["id"] == me.id.as_str()
                && (m["nonce"] == wanted.as_str()
                    || (m["message_reference"]["message_id"] == target.external_id.as_str()
                        && m["content"].as_str().map(str::trim) == Some(text.trim())))
        });
        if let Some(id) = found.and_then(|m| m["id"].as_str()) {
            return Ok(Some(id.to_string()));
        }
        match page
            .iter()
            .filter_map(|m| m["id"].as_str())
            .max_by_key(|id| snowflake(id))
        {
            Some(newest) if page.len() >= super::PAGE_LIMIT as usize => from = newest.to_string(),
            _ => break,
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::nonce;

    #[test]
    fn a_nonce_is_short_and_the_same_for_one_key() {
        assert_eq!(nonce("outbox-7"), nonce("outbox-7"));
        assert_ne!(nonce("outbox-7"), nonce("outbox-8"));
        assert_eq!(nonce("outbox-7").len(), 25);
    }
}
