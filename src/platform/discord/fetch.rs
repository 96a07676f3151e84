//! Ingest: `GET /channels/{id}/messages?after=…` per watched channel and active thread
//! (developer docs, "Message" → "Get Channel Messages"), each message classified by the
//! chat model.
//!
//! The cursor is a JSON object, channel id → the newest message id read there; it is
//! saved with the page's items, so a crash re-reads at most one page. A channel hark
//! meets for the first time is read from its newest page (its last 100 messages); after
//! that, every message after the cursor, a page at a time (Discord answers `after` with
//! the messages right after it, newest first), `more` while a page comes back full.

use std::collections::BTreeMap;

use serde_json::Value;

use super::layout::{snowflake, Source};
use super::messages::{self, Read};
use super::{channel_of, list, DiscordConnector, Me};
use crate::domain::{ItemKind, NewItem};
use crate::platform::chat::Message;
use crate::platform::{FetchPage, PlatformError, Target};

type Positions = BTreeMap<String, String>;

pub async fn fetch(c: &DiscordConnector, cursor: Option<&str>) -> Result<FetchPage, PlatformError> {
    let mut positions: Positions = match cursor {
        Some(text) => serde_json::from_str(text).unwrap_or_else(|_| {
            tracing::warn!("discord: a cursor of another shape: reading channels afresh");
            Positions::new()
        }),
        None => Positions::new(),
    };
    let me = c.me().await?;
    c.start_gateway(&me).await;
    let layout = c.layout().await?;
    let mut page = FetchPage {
        // The list names each item's channel (or thread) by these labels.
        rooms: layout.watched(&c.watch).map(Source::chat_room).collect(),
        ..FetchPage::default()
    };
    let mut blind = Vec::new();
    let mut withheld = 0usize;
    let mut readable_text = false;
    for source in layout.watched(&c.watch) {
        if !source.readable() {
            blind.push(source.label());
            continue;
        }
        let after = positions.get(&source.id).cloned();
        let Some(last) = source.last_message_id.as_deref() else {
            continue;
        };
        if after
            .as_deref()
            .is_some_and(|a| snowflake(last) <= snowflake(a))
        {
            continue;
        }
        let mut query = vec![("limit", c.page_limit.to_string())];
        if let Some(after) = &after {
            query.push(("after", after.clone()));
        }
        let path = format!("/channels/{}/messages", source.id);
        let records = match c.client.get("messages", &path, &query).await {
            Ok(answer) => list(answer, "messages")?,
            // A private thread the bot was not added to, a channel whose overwrites
            // changed since the list: this one is skipped (and said), not the round.
            Err(PlatformError::Permanent(e))
                if e.contains("HTTP 403") || e.contains("missing permission") =>
            {
                tracing::warn!(channel = %source.id, error = %e, "discord: channel not readable");
                blind.push(source.label());
                continue;
            }
            // Deleted since the list.
            Err(PlatformError::NotFound(_)) => continue,
            Err(e) => return Err(e),
        };
        if after.is_some() && records.len() as u32 >= c.page_limit {
            page.more = true;
        }
        let newest = records
            .iter()
            .filter_map(|m| m["id"].as_str())
            .max_by_key(|id| snowflake(id));
        for raw in &records {
            match messages::read(raw) {
                Read::Skip => {}
                Read::Unreadable(u) => page.unreadable.push(u),
                Read::Msg(m) => {
                    let own = m.author_id == me.id;
                    let pinged = m.mentions.contains(&me.id);
                    if m.looks_withheld && !own && !pinged {
                        withheld += 1;
                        mark_withheld(&mut positions, &source.id, &m.id);
                    } else if !m.body.is_empty() && !own && !pinged {
                        readable_text = true;
                    }
                    if let Some(item) = classify(c, &me, source, &m) {
                        page.items.push(item);
                    }
                }
            }
        }
        if let Some(newest) = newest {
            positions.insert(source.id.clone(), newest.to_string());
        }
    }
    if readable_text && withheld == 0 && reread_withheld(&mut positions) {
        page.more = true;
    }
    // A failed read-back is tried again next round; the guild's page is kept.
    if let Err(e) = super::dms::collect(c, &me, &mut positions, &mut page).await {
        tracing::warn!(error = %e, "discord: DM channels not read back this round");
    }
    // Channels and threads gone from the guild keep no position.
    positions.retain(|id, _| {
        super::dms::is_dm_key(id) || layout.source(id.trim_start_matches('~')).is_some()
    });
    page.next_cursor = Some(serde_json::to_string(&positions).unwrap_or_default());
    page.items.sort_by_key(|i| {
        (
            std::cmp::Reverse(i.created_at),
            std::cmp::Reverse(snowflake(&i.external_id)),
        )
    });
    say_troubles(c, withheld, readable_text, &blind);
    Ok(page)
}

/// Notes the oldest message of `channel` stored without its text, under `~` and the
/// channel's id in the cursor, so it outlives a restart.
fn mark_withheld(positions: &mut Positions, channel: &str, id: &str) {
    let oldest = positions
        .entry(format!("~{channel}"))
        .or_insert_with(|| id.to_string());
    if snowflake(id) < snowflake(oldest) {
        *oldest = id.to_string();
    }
}

/// Text arrives again (the Message Content intent was turned on): each channel that had
/// messages stored without their text is read again from the oldest of them, so their
/// stored placeholders are replaced by the text (an edit in the cache), and messages whose
/// hidden text names the brand become items. True when any channel was rewound.
fn reread_withheld(positions: &mut Positions) -> bool {
    let marked: Vec<(String, String)> = positions
        .iter()
        .filter(|(k, _)| k.starts_with('~'))
        .map(|(k, v)| (k[1..].to_string(), v.clone()))
        .collect();
    for (channel, oldest) in &marked {
        positions.remove(&format!("~{channel}"));
        let before = snowflake(oldest).saturating_sub(1).to_string();
        positions.insert(channel.clone(), before);
    }
    if !marked.is_empty() {
        tracing::info!(
            channels = marked.len(),
            "discord: message text arrives again: reading withheld messages again"
        );
    }
    !marked.is_empty()
}

/// The Message Content intent and unreadable channels, said once each.
fn say_troubles(c: &DiscordConnector, withheld: usize, readable_text: bool, blind: &[String]) {
    if withheld > 0 && !readable_text {
        let notice = format!(
            "Discord: {withheld} message(s) arrived without their text: the bot lacks the \
             Message Content intent (Developer Portal → the app → Bot → Privileged Gateway \
             Intents); mentions of the bot still arrive whole"
        );
        if c.intent.failed(|| notice.clone()) {
            tracing::warn!("{notice}");
        }
    } else if readable_text && c.intent.recovered() {
        tracing::info!("discord: message text arrives again");
    }
    if blind.is_empty() {
        c.unreadable.recovered();
    } else {
        let notice = format!(
            "Discord: the bot cannot read {}: it needs View Channel and Read Message History \
             there",
            blind.join(", ")
        );
        if c.unreadable.failed(|| notice.clone()) {
            tracing::warn!("{notice}");
        }
    }
}

/// The item `m`, read in `source`, becomes under `[account.chat]`, if any.
fn classify(c: &DiscordConnector, me: &Me, source: &Source, m: &messages::Msg) -> Option<NewItem> {
    let message = Message {
        room: Some(&source.room),
        own: m.author_id == me.id,
        mentions_account: m.mentions.contains(&me.id),
        body: &m.body,
        in_own_thread: source.joined,
    };
    let kind = c.watch.classify(&message, &[])?;
    Some(m.item(kind, &c.guild_id, source.thread.as_deref()))
}

/// The messages around `target` in its channel, for the detail pane.
pub async fn around(c: &DiscordConnector, target: &Target) -> Result<Vec<NewItem>, PlatformError> {
    let me = c.me().await?;
    let channel = channel_of(target)?;
    let records = list(
        c.client
            .get(
                "messages around",
                &format!("/channels/{channel}/messages"),
                &[
                    ("around", target.external_id.clone()),
                    ("limit", "10".to_string()),
                ],
            )
            .await?,
        "messages around",
    )?;
    let thread = target.thread_external_id.as_deref();
    // A DM's links name no server.
    let place = if target.kind == ItemKind::Dm {
        "@me"
    } else {
        c.guild_id.as_str()
    };
    let mut items: Vec<NewItem> = records
        .iter()
        .filter_map(|raw| match messages::read(raw) {
            Read::Msg(m) => {
                let kind = if m.author_id == me.id {
                    ItemKind::Post
                } else {
                    ItemKind::Comment
                };
                Some(m.item(kind, place, thread))
            }
            _ => None,
        })
        .collect();
    items.sort_by_key(|i| snowflake(&i.external_id));
    Ok(items)
}

/// The raw message list of a channel after `after`, for reading back.
pub async fn after(
    c: &DiscordConnector,
    channel: &str,
    after: &str,
) -> Result<Vec<Value>, PlatformError> {
    list(
        c.client
            .get(
                "read back",
                &format!("/channels/{channel}/messages"),
                &[
                    ("after", after.to_string()),
                    ("limit", super::PAGE_LIMIT.to_string()),
                ],
            )
            .await?,
        "read back",
    )
}
