//! Ingest of `app.bsky.notification.listNotifications` (and DMs, see `dm.rs`).
//!
//! The endpoint has no "since": it pages newest-first. Each fetch pages down until it
//! passes the stored high-water mark minus an overlap (notifications can be indexed a
//! little out of order, and two with the same second can straddle a page boundary), and
//! dedupes by record URI. The new high-water mark is the cursor stored with the items, so
//! a failed or malformed page stores nothing and leaves the cursor where it was.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::xrpc::Call;
use super::{dm, parse_at_uri, profiles, text, BlueskyConnector};
use crate::domain::{ItemKind, NewAuthor, NewItem};
use crate::platform::{FetchPage, PlatformError};

/// Notifications a page asks for (the lexicon's maximum).
const PAGE: u32 = 100;
/// How far below the high-water mark each fetch still looks, in microseconds.
pub const OVERLAP_MICROS: i64 = 120 * 1_000_000;
/// Pages on the very first fetch (no mark yet): recent history, not the whole account.
const FIRST_SYNC_PAGES: usize = 5;
/// Pages on later fetches before giving up on reaching the mark.
const MAX_PAGES: usize = 50;

/// What the stored cursor holds: the newest times seen, as RFC 3339 text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Marks {
    /// Newest notification `indexedAt`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<String>,
    /// Newest direct message `sentAt`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub d: Option<String>,
}

impl Marks {
    fn parse(cursor: Option<&str>) -> Marks {
        match cursor {
            None => Marks::default(),
            Some(c) => serde_json::from_str(c).unwrap_or_else(|_| {
                tracing::warn!("unreadable Bluesky cursor; starting from recent history");
                Marks::default()
            }),
        }
    }
}

/// Microseconds since the epoch of an RFC 3339 time.
pub fn micros(ts: &str) -> Option<i64> {
    let t: jiff::Timestamp = ts.parse().ok()?;
    Some(t.as_microsecond())
}

pub async fn fetch(
    conn: &BlueskyConnector,
    cursor: Option<&str>,
) -> Result<FetchPage, PlatformError> {
    let me = conn.me().await?;
    let mut marks = Marks::parse(cursor);
    let (mut items, newest) = notifications(conn, &me.did, marks.n.as_deref()).await?;
    if newest.is_some() {
        marks.n = newest;
    }
    match dm::fetch(conn, &me.did, marks.d.as_deref()).await {
        Ok((dms, newest)) => {
            if conn.dm_trouble.recovered() {
                tracing::info!("Bluesky DMs readable again");
            }
            items.extend(dms);
            if newest.is_some() {
                marks.d = newest;
            }
        }
        Err(PlatformError::RateLimited { wait }) => {
            return Err(PlatformError::RateLimited { wait })
        }
        // Chat may be off for this app password or unreachable: the public inbox still
        // works. Said once, not every poll, while the cause lasts.
        Err(e) => {
            if conn
                .dm_trouble
                .failed(|| format!("DMs unavailable ({e}); public items still arrive"))
            {
                tracing::warn!(error = %e, "Bluesky DMs unavailable; the public inbox still works");
            } else {
                tracing::debug!(error = %e, "Bluesky DMs still unavailable");
            }
        }
    }
    super::quotes::fill(conn, &mut items).await;
    let dids: Vec<String> = items.iter().map(|i| i.author.external_id.clone()).collect();
    let counts = profiles::followers(conn, &dids).await;
    for item in &mut items {
        if let Some(f) = counts.get(&item.author.external_id) {
            item.author.followers = *f;
        }
    }
    let next = serde_json::to_string(&marks).expect("marks serialise");
    Ok(FetchPage {
        items,
        next_cursor: Some(next),
        more: false,
    })
}

/// Pages notifications down to `mark` minus the overlap; returns the items and the
/// newest `indexedAt` seen.
async fn notifications(
    conn: &BlueskyConnector,
    brand_did: &str,
    mark: Option<&str>,
) -> Result<(Vec<NewItem>, Option<String>), PlatformError> {
    let floor = mark.and_then(micros).map(|m| m - OVERLAP_MICROS);
    let max_pages = if floor.is_some() {
        MAX_PAGES
    } else {
        FIRST_SYNC_PAGES
    };
    let mut seen = HashSet::new();
    let mut items = Vec::new();
    let mut newest: Option<(i64, String)> = None;
    let mut page_cursor: Option<String> = None;
    for page in 0..max_pages {
        let answer = conn
            .call("listNotifications", || {
                let mut call = Call::get("app.bsky.notification.listNotifications")
                    .param("limit", PAGE.to_string());
                if let Some(c) = &page_cursor {
                    call = call.param("cursor", c.clone());
                }
                call
            })
            .await?;
        let list = answer
            .get("notifications")
            .and_then(Value::as_array)
            .ok_or_else(|| {
                PlatformError::Malformed("listNotifications: no `notifications` list".into())
            })?;
        let mut reached_floor = false;
        for n in list {
            let indexed_text = n.get("indexedAt").and_then(Value::as_str);
            let indexed = indexed_text.and_then(micros).ok_or_else(|| {
                PlatformError::Malformed(
                    "listNotifications: a notification without a valid indexedAt".into(),
                )
            })?;
            if newest.as_ref().is_none_or(|(m, _)| indexed > *m) {
                newest = Some((indexed, indexed_text.unwrap_or_default().to_string()));
            }
            if floor.is_some_and(|f| indexed < f) {
                reached_floor = true;
                continue;
            }
            if let Some(item) = to_item(n, brand_did)? {
                if seen.insert(item.external_id.clone()) {
                    items.push(item);
                }
            }
        }
        page_cursor = answer
            .get("cursor")
            .and_then(Value::as_str)
            .map(str::to_string);
        if reached_floor || page_cursor.is_none() || list.is_empty() {
            break;
        }
        if page + 1 == max_pages && floor.is_some() {
            tracing::warn!(
                pages = max_pages,
                "Bluesky backlog deeper than one fetch reads; older notifications skipped"
            );
        }
    }
    // Never move the mark backwards (an empty page keeps the old one).
    let newest = match (
        newest,
        mark.and_then(|m| micros(m).map(|v| (v, m.to_string()))),
    ) {
        (Some(n), Some(old)) if old.0 > n.0 => Some(old.1),
        (Some(n), _) => Some(n.1),
        (None, _) => None,
    };
    Ok((items, newest))
}

/// One notification as an item, or `None` for reasons hark does not track (likes,
/// follows, reposts) and for the brand's own posts.
pub fn to_item(n: &Value, brand_did: &str) -> Result<Option<NewItem>, PlatformError> {
    let reason = n.get("reason").and_then(Value::as_str).unwrap_or("");
    if !matches!(reason, "mention" | "reply" | "quote") {
        return Ok(None);
    }
    let source = format!("listNotifications: a {reason} notification");
    Ok(post_item(n, brand_did, &source)?.filter(|item| item.kind != ItemKind::Post))
}

/// A post as an item: a notification or a thread's post view (both carry `uri`, `author`,
/// `record` and `indexedAt`). The brand's own posts come back as kind `post`; records
/// that are not posts as `None`. `source` names the record in errors.
pub fn post_item(
    n: &Value,
    brand_did: &str,
    source: &str,
) -> Result<Option<NewItem>, PlatformError> {
    let bad = |what: &str| PlatformError::Malformed(format!("{source} without {what}"));
    let uri = n
        .get("uri")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("a uri"))?;
    let (_, collection, rkey) = parse_at_uri(uri).ok_or_else(|| bad("a valid at:// uri"))?;
    if collection != "app.bsky.feed.post" {
        return Ok(None);
    }
    let author = n.get("author").ok_or_else(|| bad("an author"))?;
    let did = author
        .get("did")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("an author did"))?;
    let handle = author.get("handle").and_then(Value::as_str).unwrap_or(did);
    let record = n
        .get("record")
        .filter(|r| r.is_object())
        .ok_or_else(|| bad("a record"))?;
    let reply_parent = record.pointer("/reply/parent/uri").and_then(Value::as_str);
    let reply_root = record.pointer("/reply/root/uri").and_then(Value::as_str);
    // Classified by the record, not the reason: a reply that also mentions the brand
    // arrives once, as `mention`. A reply in the brand's thread is a comment; a reply in
    // someone else's thread reached us because it names the brand: a mention.
    let in_brand_thread = [reply_parent, reply_root]
        .iter()
        .flatten()
        .any(|u| parse_at_uri(u).is_some_and(|(repo, _, _)| repo == brand_did));
    let kind = if did == brand_did {
        ItemKind::Post
    } else if reply_parent.is_some() && in_brand_thread {
        ItemKind::Comment
    } else {
        ItemKind::Mention
    };
    let created_at = record
        .get("createdAt")
        .and_then(Value::as_str)
        .and_then(micros)
        .or_else(|| n.get("indexedAt").and_then(Value::as_str).and_then(micros))
        .map(|m| m / 1_000_000)
        .unwrap_or_else(crate::domain::now);
    Ok(Some(NewItem {
        external_id: uri.to_string(),
        kind,
        parent_external_id: reply_parent.map(str::to_string),
        thread_external_id: reply_root.map(str::to_string),
        author: NewAuthor {
            external_id: did.to_string(),
            handle: format!("@{handle}"),
            // Empty when the person set none (see `mastodon::convert::author`).
            display_name: author
                .get("displayName")
                .and_then(Value::as_str)
                .unwrap_or("")
                .trim()
                .to_string(),
            followers: None,
        },
        body: super::quotes::with_viewed_quote(text::readable(record), record, n),
        url: Some(format!("https://bsky.app/profile/{did}/post/{rkey}")),
        created_at,
        raw_json: Some(n.to_string()),
    }))
}
