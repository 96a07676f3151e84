//! DMs to the bot in a fetch: those the gateway session pushed since the last fetch, and,
//! after a new session, each known DM channel read back by REST after its cursor (what was
//! sent while no session ran). A DM channel's cursor sits in the fetch cursor under `@`
//! and its id, beside the guild channels'.

use std::collections::{BTreeMap, HashSet};

use super::layout::snowflake;
use super::messages::{self, Read};
use super::{DiscordConnector, Me};
use crate::domain::ItemKind;
use crate::platform::{FetchPage, PlatformError};

/// The cursor key of a DM channel.
pub fn key(channel: &str) -> String {
    format!("@{channel}")
}

pub fn is_dm_key(key: &str) -> bool {
    key.starts_with('@')
}

/// Adds the DMs waiting for this fetch to `page`, moving each DM channel's cursor.
pub async fn collect(
    c: &DiscordConnector,
    me: &Me,
    positions: &mut BTreeMap<String, String>,
    page: &mut FetchPage,
) -> Result<(), PlatformError> {
    let mut seen = HashSet::new();
    let mut raw = Vec::new();
    if c.gateway.take_catch_up() {
        let known: Vec<(String, String)> = positions
            .iter()
            .filter(|(k, _)| is_dm_key(k))
            .map(|(k, v)| (k[1..].to_string(), v.clone()))
            .collect();
        for (channel, after) in known {
            let records = match super::fetch::after(c, &channel, &after).await {
                Ok(r) => r,
                // The person closed their account or blocked the bot: nothing to read.
                Err(PlatformError::NotFound(_) | PlatformError::Permanent(_)) => {
                    positions.remove(&key(&channel));
                    continue;
                }
                Err(e) => {
                    c.gateway.catch_up_again();
                    return Err(e);
                }
            };
            if records.len() >= super::PAGE_LIMIT as usize {
                c.gateway.catch_up_again();
                page.more = true;
            }
            raw.extend(records);
        }
    }
    raw.extend(c.gateway.take_dms());
    for record in &raw {
        let Some(id) = record["id"].as_str() else {
            continue;
        };
        if !seen.insert(id.to_string()) {
            continue;
        }
        match messages::read(record) {
            Read::Skip => {}
            Read::Unreadable(u) => page.unreadable.push(u),
            Read::Msg(m) => {
                let at = positions.entry(key(&m.channel_id)).or_default();
                if snowflake(&m.id) > snowflake(at) {
                    *at = m.id.clone();
                }
                // The bot's own answers are the outbox's; the person's words are the DM.
                if m.author_id != me.id {
                    page.items.push(m.item(ItemKind::Dm, "@me", None));
                }
            }
        }
    }
    Ok(())
}
