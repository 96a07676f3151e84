//! Ingest: mention notifications and direct conversations, newest pages walked with the
//! `Link` header's `prev` relation until caught up; thread context on demand.
//!
//! With `min_id`, Mastodon answers the page of results just newer than that id (newest
//! first), and the `prev` link's `min_id` is the newest id of the page: the next page to
//! ask for. The cursor keeps one such id per stream and which stream the round is on, so a
//! restart resumes where the last stored page ended. A round ends by re-reading the newest
//! notifications page, which is how edits of recent mentions arrive.

use reqwest::Method;

use super::client::{link_param, Purpose};
use super::convert::{self, newer, Own};
use super::entities::{self, Context, Conversation, Notification, Status};
use super::MastodonConnector;
use crate::domain::NewItem;
use crate::platform::{FetchPage, PlatformError};

/// Notifications per page (the API's maximum).
const NOTIFICATIONS_LIMIT: u32 = 80;
/// Conversations per page (the API's maximum).
const CONVERSATIONS_LIMIT: u32 = 40;

/// Which stream a round is reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Notifications,
    Conversations,
}

/// The saved position: `n=<notification id>;c=<status id>;p=n|c`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Cursor {
    notifications: Option<String>,
    conversations: Option<String>,
    phase: Phase,
}

impl Cursor {
    fn parse(text: Option<&str>) -> Result<Cursor, PlatformError> {
        let mut cursor = Cursor {
            notifications: None,
            conversations: None,
            phase: Phase::Notifications,
        };
        let Some(text) = text else {
            return Ok(cursor);
        };
        let bad = || {
            PlatformError::Permanent(format!("the saved Mastodon cursor `{text}` is not hark's"))
        };
        for part in text.split(';').filter(|p| !p.is_empty()) {
            let (key, value) = part.split_once('=').ok_or_else(bad)?;
            let id = || {
                (!value.is_empty() && value.bytes().all(|b| b.is_ascii_alphanumeric()))
                    .then(|| value.to_string())
                    .ok_or_else(bad)
            };
            match key {
                "n" => cursor.notifications = Some(id()?),
                "c" => cursor.conversations = Some(id()?),
                "p" if value == "n" => cursor.phase = Phase::Notifications,
                "p" if value == "c" => cursor.phase = Phase::Conversations,
                _ => return Err(bad()),
            }
        }
        Ok(cursor)
    }

    fn format(&self) -> String {
        let mut parts = Vec::new();
        if let Some(n) = &self.notifications {
            parts.push(format!("n={n}"));
        }
        if let Some(c) = &self.conversations {
            parts.push(format!("c={c}"));
        }
        parts.push(
            match self.phase {
                Phase::Notifications => "p=n",
                Phase::Conversations => "p=c",
            }
            .to_string(),
        );
        parts.join(";")
    }
}

/// One page of one stream: its items, the newest id it covered, whether it had anything.
struct StreamPage {
    items: Vec<NewItem>,
    newest: Option<String>,
}

impl MastodonConnector {
    pub(super) async fn fetch_page(
        &self,
        cursor: Option<&str>,
    ) -> Result<FetchPage, PlatformError> {
        let mut cur = Cursor::parse(cursor)?;
        let own = self.own().await?;
        let mut items = Vec::new();
        if cur.phase == Phase::Notifications {
            let first_run = cur.notifications.is_none();
            let page = self
                .notifications(cur.notifications.as_deref(), &own)
                .await?;
            if let Some(newest) = page.newest {
                cur.notifications = Some(newest);
                // A first run takes the newest page only, then moves on to conversations.
                if first_run {
                    cur.phase = Phase::Conversations;
                }
                return Ok(FetchPage {
                    items: page.items,
                    next_cursor: Some(cur.format()),
                    more: true,
                });
            }
            items = page.items;
            cur.phase = Phase::Conversations;
        }
        let first_run = cur.conversations.is_none();
        let page = self
            .conversations(cur.conversations.as_deref(), &own)
            .await?;
        items.extend(page.items);
        let more = match page.newest {
            Some(newest) => {
                cur.conversations = Some(newest);
                !first_run
            }
            None => {
                // No DMs yet: every later one is newer than id 0. Marking the stream as
                // started also lets later rounds end with the re-read below.
                if first_run {
                    cur.conversations = Some("0".to_string());
                }
                false
            }
        };
        if !more {
            cur.phase = Phase::Notifications;
            // Mastodon rarely notifies the people a post mentions when it is edited, but it
            // renders every notification's status as it is now: re-reading the newest page
            // at the end of a round brings recent edits in (the store updates changed
            // bodies). A first round has just read that page.
            if !first_run {
                let refresh = self.notifications(None, &own).await?;
                items.extend(refresh.items);
            }
        }
        Ok(FetchPage {
            items,
            next_cursor: Some(cur.format()),
            more,
        })
    }

    async fn notifications(
        &self,
        min_id: Option<&str>,
        own: &Own,
    ) -> Result<StreamPage, PlatformError> {
        let mut query = vec![
            ("types[]", "mention".to_string()),
            ("types[]", "update".to_string()),
            ("limit", NOTIFICATIONS_LIMIT.to_string()),
        ];
        if let Some(id) = min_id {
            query.push(("min_id", id.to_string()));
        }
        let request = self
            .client
            .request(Method::GET, "/api/v1/notifications")
            .query(&query);
        let response = self
            .client
            .send("notifications", Purpose::Read, request)
            .await?;
        let parsed: Vec<Notification> =
            entities::parse("notifications", &response.body).map_err(PlatformError::Malformed)?;
        let raws = raw_records(&response.body)?;
        let mut items = Vec::new();
        let mut newest: Option<String> = None;
        for (notification, raw) in parsed.iter().zip(raws) {
            if newest.as_deref().is_none_or(|n| newer(&notification.id, n)) {
                newest = Some(notification.id.clone());
            }
            let Some(status) = &notification.status else {
                continue;
            };
            // `update` also covers edits of posts the brand only boosted: keep those that
            // mention the brand or are addressed to it. Servers older than 3.5 ignore
            // `types[]`, so other kinds are dropped here too.
            let about_us = match notification.kind.as_str() {
                "mention" => true,
                "update" => {
                    status.mentions.iter().any(|m| m.id == own.id) || status.visibility == "direct"
                }
                _ => false,
            };
            if about_us {
                items.push(convert::item(status, raw, own, false)?);
            }
        }
        let newest = link_param(&response.headers, "prev", "min_id")
            .filter(|_| newest.is_some())
            .or(newest);
        tracing::debug!(
            count = parsed.len(),
            kept = items.len(),
            "mastodon notifications page"
        );
        Ok(StreamPage { items, newest })
    }

    async fn conversations(
        &self,
        min_id: Option<&str>,
        own: &Own,
    ) -> Result<StreamPage, PlatformError> {
        let mut query = vec![("limit", CONVERSATIONS_LIMIT.to_string())];
        if let Some(id) = min_id {
            query.push(("min_id", id.to_string()));
        }
        let request = self
            .client
            .request(Method::GET, "/api/v1/conversations")
            .query(&query);
        let response = self
            .client
            .send("conversations", Purpose::Read, request)
            .await?;
        let parsed: Vec<Conversation> =
            entities::parse("conversations", &response.body).map_err(PlatformError::Malformed)?;
        let raws = raw_records(&response.body)?;
        let mut items = Vec::new();
        let mut newest: Option<String> = None;
        for (conversation, raw) in parsed.iter().zip(raws) {
            let Some(status) = &conversation.last_status else {
                continue;
            };
            // Conversations page by their last status's id.
            if newest.as_deref().is_none_or(|n| newer(&status.id, n)) {
                newest = Some(status.id.clone());
            }
            // `accounts` lists the other participants: a last status by none of them is ours.
            let theirs = conversation
                .accounts
                .iter()
                .any(|a| a.id == status.account.id);
            let own_here = if theirs {
                own.clone()
            } else {
                Own {
                    id: status.account.id.clone(),
                    host: own.host.clone(),
                }
            };
            items.push(convert::item(status, raw, &own_here, true)?);
        }
        let newest = link_param(&response.headers, "prev", "min_id")
            .filter(|_| newest.is_some())
            .or(newest);
        Ok(StreamPage { items, newest })
    }

    /// The status `status_id` as it is now (an edit made since it arrived shows), then
    /// the statuses around it: ancestors first, then replies. The store keeps them (see
    /// `crate::threads`), so nothing is cached here.
    pub(super) async fn context(&self, status_id: &str) -> Result<Vec<NewItem>, PlatformError> {
        let own = self.own().await?;
        let id = path_id(status_id)?;
        let request = self
            .client
            .request(Method::GET, &format!("/api/v1/statuses/{id}"));
        let response = self.client.send("status", Purpose::Read, request).await?;
        let status: Status =
            entities::parse("status", &response.body).map_err(PlatformError::Malformed)?;
        let raw = String::from_utf8_lossy(&response.body).into_owned();
        let mut items = vec![convert::item(&status, raw, &own, false)?];

        let path = format!("/api/v1/statuses/{id}/context");
        let request = self.client.request(Method::GET, &path);
        let response = self
            .client
            .send("thread context", Purpose::Read, request)
            .await?;
        let context: Context =
            entities::parse("thread context", &response.body).map_err(PlatformError::Malformed)?;
        let value: serde_json::Value = serde_json::from_slice(&response.body)
            .map_err(|e| PlatformError::Malformed(e.to_string()))?;
        let raws: Vec<String> = ["ancestors", "descendants"]
            .iter()
            .filter_map(|k| value.get(*k).and_then(|v| v.as_array()))
            .flatten()
            .map(|v| v.to_string())
            .collect();
        for (status, raw) in context
            .ancestors
            .iter()
            .chain(&context.descendants)
            .zip(raws)
        {
            items.push(convert::item(status, raw, &own, false)?);
        }
        Ok(items)
    }
}

/// The records of a JSON array, each as its own JSON text.
fn raw_records(body: &[u8]) -> Result<Vec<String>, PlatformError> {
    let values: Vec<serde_json::Value> =
        serde_json::from_slice(body).map_err(|e| PlatformError::Malformed(e.to_string()))?;
    Ok(values.iter().map(|v| v.to_string()).collect())
}

/// An id as it may appear in a URL path: Mastodon ids are alphanumeric.
pub(super) fn path_id(id: &str) -> Result<&str, PlatformError> {
    if !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        Ok(id)
    } else {
        Err(PlatformError::Permanent(format!(
            "`{id}` is not a Mastodon id"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_foreign_ones_are_refused() {
        let c = Cursor {
            notifications: Some("105".into()),
            conversations: None,
            phase: Phase::Conversations,
        };
        assert_eq!(c.format(), "n=105;p=c");
        assert_eq!(Cursor::parse(Some("n=105;p=c")).unwrap(), c);
        assert!(Cursor::parse(Some("n=1&x")).is_err());
        assert!(Cursor::parse(Some("n=1;c=../x")).is_err());
        assert_eq!(Cursor::parse(None).unwrap().phase, Phase::Notifications);
    }
}
