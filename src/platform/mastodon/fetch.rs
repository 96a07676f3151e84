//! Ingest: mention notifications and direct conversations, newest pages walked with the
//! `Link` header's `prev` relation until caught up; notification requests; thread context
//! on demand.
//!
//! **Ordering.** Notification and status ids are assigned by the server when it creates
//! the record (Snowflake-like, growing with the server's clock, never with the author's):
//! a post backdated by its client still gets a new, higher id. With `min_id`, Mastodon
//! answers the page of results just newer than that id (newest first), and the `prev`
//! link's `min_id` is the newest id of the page: the next page to ask for.
//!
//! **Overlap.** None is needed: `min_id` is exclusive and ids only grow, so the page after
//! the stored id holds exactly what came since. The cursor keeps one such id per stream
//! and which stream the round is on, so a restart resumes where the last stored page
//! ended. A round ends by re-reading the newest notifications page, which is how edits of
//! recent mentions arrive.
//!
//! **Filtered notifications.** Mastodon 4.3+ holds notifications its policy filters
//! (strangers, new accounts…) in notification requests, out of the list above. Each round
//! ends by reading the requests (`r=` in the cursor: the newest `updated_at` read, so only
//! requests that changed are opened) and stores their mentions marked "filtered by the
//! platform"; the CM accepts or dismisses them. A server without requests answers 404:
//! that is remembered and not asked again for `REQUESTS_RETRY`.
//!
//! Each record is read on its own: one that cannot be understood is set aside with its
//! raw text and the rest of the page is stored; the cursor moves past it.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::Value;

use super::client::{link_param, Purpose};
use super::convert::{self, newer, Own};
use super::entities::{self, Context, Conversation, Notification, NotificationRequest, Status};
use super::MastodonConnector;
use crate::domain::NewItem;
use crate::platform::{FetchPage, PlatformError, Unreadable};

/// Notifications per page (the API's maximum).
const NOTIFICATIONS_LIMIT: u32 = 80;
/// Conversations per page (the API's maximum).
const CONVERSATIONS_LIMIT: u32 = 40;
/// Notification requests per page (the API's maximum), and pages read per round.
const REQUESTS_LIMIT: u32 = 80;
const REQUESTS_PAGES: usize = 5;
/// How long a server that has no notification requests (404) is not asked again.
pub const REQUESTS_RETRY: Duration = Duration::from_secs(6 * 3600);

/// Which stream a round is reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Notifications,
    Conversations,
}

/// The saved position: `n=<notification id>;c=<status id>;r=<unix secs>;p=n|c`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Cursor {
    notifications: Option<String>,
    conversations: Option<String>,
    /// The newest notification request `updated_at` read, in Unix seconds.
    requests: Option<i64>,
    phase: Phase,
}

impl Cursor {
    fn parse(text: Option<&str>) -> Result<Cursor, PlatformError> {
        let mut cursor = Cursor {
            notifications: None,
            conversations: None,
            requests: None,
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
                "r" => cursor.requests = Some(value.parse().map_err(|_| bad())?),
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
        if let Some(r) = self.requests {
            parts.push(format!("r={r}"));
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

/// One page of one stream: its items, the newest id it covered, what was set aside.
struct StreamPage {
    items: Vec<NewItem>,
    newest: Option<String>,
    unreadable: Vec<Unreadable>,
}

impl MastodonConnector {
    pub(super) async fn fetch_page(
        &self,
        cursor: Option<&str>,
    ) -> Result<FetchPage, PlatformError> {
        let mut cur = Cursor::parse(cursor)?;
        let own = self.own().await?;
        let mut out = FetchPage::default();
        if cur.phase == Phase::Notifications {
            let first_run = cur.notifications.is_none();
            let page = self
                .notifications(cur.notifications.as_deref(), &own, None)
                .await?;
            out.unreadable = page.unreadable;
            if let Some(newest) = page.newest {
                cur.notifications = Some(newest);
                // A first run takes the newest page only, then moves on to conversations.
                if first_run {
                    cur.phase = Phase::Conversations;
                }
                out.items = page.items;
                out.next_cursor = Some(cur.format());
                out.more = true;
                return Ok(out);
            }
            out.items = page.items;
            cur.phase = Phase::Conversations;
        }
        let first_run = cur.conversations.is_none();
        let page = self
            .conversations(cur.conversations.as_deref(), &own)
            .await?;
        out.items.extend(page.items);
        out.unreadable.extend(page.unreadable);
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
                let refresh = self.notifications(None, &own, None).await?;
                out.items.extend(refresh.items);
                out.unreadable.extend(refresh.unreadable);
            }
            self.requests(&own, &mut cur, &mut out).await?;
        }
        out.next_cursor = Some(cur.format());
        out.more = more;
        Ok(out)
    }

    /// Mention (and edit) notifications newer than `min_id`; only those from `account`
    /// when given (the notifications of one notification request).
    async fn notifications(
        &self,
        min_id: Option<&str>,
        own: &Own,
        account: Option<&str>,
    ) -> Result<StreamPage, PlatformError> {
        let mut query = vec![
            ("types[]", "mention".to_string()),
            ("types[]", "update".to_string()),
            ("limit", NOTIFICATIONS_LIMIT.to_string()),
        ];
        if let Some(id) = min_id {
            query.push(("min_id", id.to_string()));
        }
        if let Some(account) = account {
            query.push(("account_id", account.to_string()));
            query.push(("include_filtered", "true".to_string()));
        }
        let request = self
            .client
            .request(Method::GET, "/api/v1/notifications")
            .query(&query);
        let response = self
            .client
            .send("notifications", Purpose::Read, request)
            .await?;
        let records = records("notifications", &response.body)?;
        let mut items = Vec::new();
        let mut unreadable = Vec::new();
        let mut newest: Option<String> = None;
        for record in records {
            // The cursor moves past a record even when it cannot be read.
            if let Some(id) = record.get("id").and_then(Value::as_str) {
                if newest.as_deref().is_none_or(|n| newer(id, n)) {
                    newest = Some(id.to_string());
                }
            }
            let notification: Notification = match entities::parse_value("notification", &record) {
                Ok(n) => n,
                Err(reason) => {
                    unreadable.push(set_aside("mastodon notification", &record, reason));
                    continue;
                }
            };
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
                match convert::item(status, record.to_string(), own, false) {
                    Ok(item) => items.push(item),
                    Err(e) => {
                        unreadable.push(set_aside("mastodon notification", &record, e.to_string()))
                    }
                }
            }
        }
        let newest = link_param(&response.headers, "prev", "min_id")
            .filter(|_| newest.is_some())
            .or(newest);
        tracing::debug!(
            kept = items.len(),
            unreadable = unreadable.len(),
            "mastodon notifications page"
        );
        Ok(StreamPage {
            items,
            newest,
            unreadable,
        })
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
        let records = records("conversations", &response.body)?;
        let mut items = Vec::new();
        let mut unreadable = Vec::new();
        let mut newest: Option<String> = None;
        for record in records {
            // Conversations page by their last status's id.
            if let Some(id) = record.pointer("/last_status/id").and_then(Value::as_str) {
                if newest.as_deref().is_none_or(|n| newer(id, n)) {
                    newest = Some(id.to_string());
                }
            }
            let conversation: Conversation = match entities::parse_value("conversation", &record) {
                Ok(c) => c,
                Err(reason) => {
                    unreadable.push(set_aside("mastodon conversation", &record, reason));
                    continue;
                }
            };
            let Some(status) = &conversation.last_status else {
                continue;
            };
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
            match convert::item(status, record.to_string(), &own_here, true) {
                Ok(item) => items.push(item),
                Err(e) => {
                    unreadable.push(set_aside("mastodon conversation", &record, e.to_string()))
                }
            }
        }
        let newest = link_param(&response.headers, "prev", "min_id")
            .filter(|_| newest.is_some())
            .or(newest);
        Ok(StreamPage {
            items,
            newest,
            unreadable,
        })
    }

    /// Reads the notification requests changed since the cursor's `r`, and the mentions
    /// they hold, into `out` marked as filtered by the platform.
    async fn requests(
        &self,
        own: &Own,
        cur: &mut Cursor,
        out: &mut FetchPage,
    ) -> Result<(), PlatformError> {
        if self
            .requests_missing
            .lock()
            .expect("requests lock")
            .is_some_and(|until| Instant::now() < until)
        {
            return Ok(());
        }
        let mut newest = cur.requests;
        let mut max_id: Option<String> = None;
        let mut changed = Vec::new();
        for _ in 0..REQUESTS_PAGES {
            let mut query = vec![("limit", REQUESTS_LIMIT.to_string())];
            if let Some(id) = &max_id {
                query.push(("max_id", id.clone()));
            }
            let request = self
                .client
                .request(Method::GET, "/api/v1/notifications/requests")
                .query(&query);
            let response = match self
                .client
                .send("notification requests", Purpose::Read, request)
                .await
            {
                Ok(r) => r,
                // Before Mastodon 4.3 there are no requests: nothing is being held.
                Err(PlatformError::NotFound(_)) => {
                    tracing::debug!("mastodon: this server has no notification requests");
                    *self.requests_missing.lock().expect("requests lock") =
                        Some(Instant::now() + REQUESTS_RETRY);
                    return Ok(());
                }
                Err(e) => return Err(e),
            };
            let records = records("notification requests", &response.body)?;
            for record in &records {
                let request: NotificationRequest =
                    match entities::parse_value("notification request", record) {
                        Ok(r) => r,
                        Err(reason) => {
                            out.unreadable.push(set_aside(
                                "mastodon notification request",
                                record,
                                reason,
                            ));
                            continue;
                        }
                    };
                let Ok(updated) = convert::timestamp(&request.updated_at) else {
                    out.unreadable.push(set_aside(
                        "mastodon notification request",
                        record,
                        format!("bad time `{}`", request.updated_at),
                    ));
                    continue;
                };
                // Same second as the mark: read again (the store dedupes), never skipped.
                if cur.requests.is_none_or(|mark| updated >= mark) {
                    changed.push(request);
                }
                newest = Some(newest.map_or(updated, |n| n.max(updated)));
            }
            max_id = link_param(&response.headers, "next", "max_id");
            if max_id.is_none() || records.is_empty() {
                break;
            }
        }
        for request in changed {
            let account = super::fetch::path_id(&request.account.id)?;
            let page = self.notifications(None, own, Some(account)).await?;
            for item in &page.items {
                out.filtered
                    .push((item.external_id.clone(), request.id.clone()));
            }
            out.items.extend(page.items);
            out.unreadable.extend(page.unreadable);
        }
        cur.requests = newest;
        Ok(())
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

/// The records of a JSON array answer, each to be read on its own. Only an answer that
/// is not a JSON array at all fails the page.
fn records(what: &str, body: &[u8]) -> Result<Vec<Value>, PlatformError> {
    serde_json::from_slice(body)
        .map_err(|e| PlatformError::Malformed(format!("{what}: not a JSON list: {e}")))
}

/// A record hark could not read, kept whole with its id when it has one.
fn set_aside(source: &str, record: &Value, reason: String) -> Unreadable {
    Unreadable {
        source: source.to_string(),
        key: record.get("id").and_then(Value::as_str).map(str::to_string),
        reason,
        raw: record.to_string(),
    }
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
            requests: None,
            phase: Phase::Conversations,
        };
        assert_eq!(c.format(), "n=105;p=c");
        assert_eq!(Cursor::parse(Some("n=105;p=c")).unwrap(), c);
        assert!(Cursor::parse(Some("n=1&x")).is_err());
        assert!(Cursor::parse(Some("n=1;c=../x")).is_err());
        assert!(Cursor::parse(Some("r=12x")).is_err());
        assert_eq!(
            Cursor::parse(Some("n=1;r=1700000000;p=n"))
                .unwrap()
                .requests,
            Some(1_700_000_000)
        );
        assert_eq!(Cursor::parse(None).unwrap().phase, Phase::Notifications);
    }
}
