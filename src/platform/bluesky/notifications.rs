//! Ingest of `app.bsky.notification.listNotifications` (and DMs, see `dm.rs`).
//!
//! **Ordering.** The AppView lists notifications newest first by their `sortAt`, which it
//! reports as `indexedAt`. For most records that is when the AppView indexed them, but for
//! a record whose `createdAt` lies in the past (a client clock behind, an offline draft, a
//! bridged post) it is that `createdAt`: the notification appears *below* ones already
//! stored, and no high-water mark can be trusted to find it.
//!
//! **Overlap.** So every fetch reads the list from the top down to the look-back boundary
//! (`LOOKBACK` before now, or before the newest notification if that is earlier), asking
//! only for the reasons hark keeps (`mention`, `reply`, `quote`) so pages stay small, and
//! dedupes by record URI; the store ignores what it already has. Any notification whose
//! `sortAt` is inside the window sits above the first page that reaches below the
//! boundary, so it is read: nothing in the window is missed, however it was dated. A
//! fetch costs `max(1, ceil(M / 100))` list requests for `M` such notifications in the
//! window. The rest of the last page (below the boundary) is returned too, flagged: those
//! the store has never seen arrived already older than the look-back and are counted.
//! Anything further down is never read (logged when a window overflows `MAX_PAGES`).
//!
//! Each notification is read on its own: one that cannot be understood is set aside
//! with its raw text (see [`Unreadable`]) and the rest of the page is kept.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::xrpc::Call;
use super::{dm, parse_at_uri, profiles, text, BlueskyConnector};
use crate::domain::{ItemKind, NewAuthor, NewItem};
use crate::platform::{FetchPage, PlatformError, Unreadable};

/// Notifications a page asks for (the lexicon's maximum).
const PAGE: u32 = 100;
/// The look-back window every fetch reads in full, in microseconds (7 days).
pub const LOOKBACK_MICROS: i64 = 7 * 24 * 3600 * 1_000_000;
/// The most pages one fetch reads (5,000 notifications in the window).
const MAX_PAGES: usize = 50;
/// The notification reasons hark keeps, asked of the AppView so pages hold nothing else.
const REASONS: &[&str] = &["mention", "reply", "quote"];
/// How far below the high-water mark DMs are re-read, in microseconds (see `dm.rs`).
pub const OVERLAP_MICROS: i64 = 120 * 1_000_000;

/// What the stored cursor holds: the newest times seen, as RFC 3339 text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Marks {
    /// Newest notification `indexedAt` (informational: the window, not this mark, decides
    /// what is read).
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

/// The notifications of one fetch.
#[derive(Default)]
struct Read {
    items: Vec<NewItem>,
    /// Newest `indexedAt` seen, as text.
    newest: Option<String>,
    beyond_lookback: Vec<String>,
    unreadable: Vec<Unreadable>,
}

pub async fn fetch(
    conn: &BlueskyConnector,
    cursor: Option<&str>,
) -> Result<FetchPage, PlatformError> {
    let me = conn.me().await?;
    let mut marks = Marks::parse(cursor);
    let read = notifications(conn, &me.did, jiff::Timestamp::now().as_microsecond()).await?;
    let mut items = read.items;
    let mut unreadable = read.unreadable;
    // A first fetch has nothing stored: what lies below its window is not news.
    let beyond_lookback = if cursor.is_some() {
        read.beyond_lookback
    } else {
        Vec::new()
    };
    let newest_mark = marks.n.as_deref().and_then(micros);
    if let Some(newest) = read.newest {
        if newest_mark.is_none_or(|m| micros(&newest).is_some_and(|n| n > m)) {
            marks.n = Some(newest);
        }
    }
    match dm::fetch(conn, &me.did, marks.d.as_deref(), &mut unreadable).await {
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
        unreadable,
        beyond_lookback,
        ..FetchPage::default()
    })
}

/// Pages notifications from the top down to the look-back boundary (see the module
/// comment); `now` in microseconds.
async fn notifications(
    conn: &BlueskyConnector,
    brand_did: &str,
    now: i64,
) -> Result<Read, PlatformError> {
    let mut seen = HashSet::new();
    let mut read = Read::default();
    let mut newest: Option<i64> = None;
    let mut boundary: Option<i64> = None;
    let mut page_cursor: Option<String> = None;
    for page in 0..MAX_PAGES {
        let answer = conn
            .call("listNotifications", || {
                let mut call = Call::get("app.bsky.notification.listNotifications")
                    .param("limit", PAGE.to_string());
                for reason in REASONS {
                    call = call.param("reasons", reason.to_string());
                }
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
        let mut reached_boundary = false;
        for n in list {
            let indexed_text = n.get("indexedAt").and_then(Value::as_str);
            let Some(indexed) = indexed_text.and_then(micros) else {
                read.unreadable.push(unreadable(
                    n,
                    "a notification without a valid indexedAt".into(),
                ));
                continue;
            };
            if newest.is_none_or(|m| indexed > m) {
                newest = Some(indexed);
                read.newest = indexed_text.map(str::to_string);
            }
            // The window ends LOOKBACK below now, or below the newest notification when
            // that is earlier (a wrong clock or a quiet account only widens it).
            let floor = *boundary.get_or_insert(now.min(indexed) - LOOKBACK_MICROS);
            let below = indexed < floor;
            reached_boundary |= below;
            match to_item(n, brand_did) {
                Ok(Some(item)) => {
                    if seen.insert(item.external_id.clone()) {
                        if below {
                            read.beyond_lookback.push(item.external_id.clone());
                        }
                        read.items.push(item);
                    }
                }
                Ok(None) => {}
                Err(e) => read.unreadable.push(unreadable(n, e.to_string())),
            }
        }
        let next = answer
            .get("cursor")
            .and_then(Value::as_str)
            .map(str::to_string);
        // A server answering the same cursor again would loop: that is the end.
        let stuck = next.is_some() && next == page_cursor;
        page_cursor = next;
        tracing::debug!(page, count = list.len(), "bluesky notifications page");
        if reached_boundary || stuck || page_cursor.is_none() || list.is_empty() {
            return Ok(read);
        }
    }
    tracing::warn!(
        pages = MAX_PAGES,
        "Bluesky look-back window holds more notifications than one fetch reads; the oldest \
         part of the window was not read this time"
    );
    Ok(read)
}

/// A notification hark could not read, kept whole.
fn unreadable(n: &Value, reason: String) -> Unreadable {
    Unreadable {
        source: "bluesky notification".into(),
        key: n.get("uri").and_then(Value::as_str).map(str::to_string),
        reason,
        raw: n.to_string(),
    }
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
        room: None,
    }))
}
