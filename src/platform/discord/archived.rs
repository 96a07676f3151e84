//! Public archived threads of watched channels (developer docs, "Channel" → "List Public
//! Archived Threads"), listed on a slow cadence. A thread leaves the active list once
//! archived (after an hour to a week without messages, or by a moderator), so a reply
//! written just before, while hark was not polling, would never be read. A new message
//! unarchives a thread, but only a thread hark knows is polled: these lists make the
//! recently archived ones known, and their cursors then read what was missed.
//!
//! Each list is the channel's most recently archived threads (one page); between listings
//! the last one is kept, so the threads keep their cursors and cost nothing while quiet.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::layout::Layout;
use super::DiscordConnector;
use crate::platform::PlatformError;

/// How often the archived threads are listed again.
pub const EVERY: Duration = Duration::from_secs(15 * 60);
/// Threads per channel listing (the most recently archived first).
const PER_CHANNEL: u32 = 50;

/// The last listing: when, and `{"threads": [...], "members": [...]}`.
#[derive(Debug, Default)]
pub struct Listing {
    at: Option<Instant>,
    found: Value,
}

impl Listing {
    fn due(&self) -> bool {
        self.at.is_none_or(|at| at.elapsed() >= EVERY)
    }
}

/// The archived threads to add to the active ones: listed again when due, else the last
/// listing.
pub async fn threads(c: &DiscordConnector, first: &Layout) -> Result<Value, PlatformError> {
    {
        let listing = c.archived.lock().unwrap();
        if !listing.due() {
            return Ok(listing.found.clone());
        }
    }
    let mut threads = Vec::new();
    let mut members = Vec::new();
    for source in first.watched(&c.watch) {
        if source.thread.is_some() || !source.readable() {
            continue;
        }
        let path = format!("/channels/{}/threads/archived/public", source.id);
        let query = [("limit", PER_CHANNEL.to_string())];
        match c.client.get("archived threads", &path, &query).await {
            Ok(answer) => {
                threads.extend(answer["threads"].as_array().cloned().unwrap_or_default());
                members.extend(answer["members"].as_array().cloned().unwrap_or_default());
            }
            // A channel gone, or one whose threads the bot may not list: skipped.
            Err(PlatformError::NotFound(e) | PlatformError::Permanent(e)) => {
                tracing::info!(channel = %source.id, error = %e, "discord: archived threads not listed");
            }
            Err(e) => return Err(e),
        }
    }
    let found = json!({"threads": threads, "members": members});
    *c.archived.lock().unwrap() = Listing {
        at: Some(Instant::now()),
        found: found.clone(),
    };
    Ok(found)
}

/// The active threads with the archived ones added (a thread in both counts once, active).
pub fn merge(active: &Value, archived: &Value) -> Value {
    let mut threads = active["threads"].as_array().cloned().unwrap_or_default();
    let mut members = active["members"].as_array().cloned().unwrap_or_default();
    for t in archived["threads"].as_array().into_iter().flatten() {
        if !threads.iter().any(|a| a["id"] == t["id"]) {
            threads.push(t.clone());
        }
    }
    for m in archived["members"].as_array().into_iter().flatten() {
        if !members
            .iter()
            .any(|a| a["id"] == m["id"] && a["user_id"] == m["user_id"])
        {
            members.push(m.clone());
        }
    }
    json!({"threads": threads, "members": members})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_archived_thread_is_added_once_beside_the_active_ones() {
        let active = json!({"threads": [{"id": "1"}], "members": [{"id": "1", "user_id": "9"}]});
        let archived = json!({"threads": [{"id": "1"}, {"id": "2"}],
            "members": [{"id": "2", "user_id": "9"}], "has_more": true});
        let merged = merge(&active, &archived);
        assert_eq!(merged["threads"].as_array().unwrap().len(), 2);
        assert_eq!(merged["members"].as_array().unwrap().len(), 2);
        assert!(Listing::default().due());
    }
}
