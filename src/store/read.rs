//! Read-only queries behind the panes: list pages, counts, an item with its thread and
//! author. Each [`Reader`] owns its own connection so reads never wait on the writer.
//!
//! Lists are paged by keyset on (created_at, id), never by OFFSET, so a page costs the
//! same at the millionth item as at the first.

use std::path::Path;

use rusqlite::types::Value;
use rusqlite::{params_from_iter, Connection, OptionalExtension, Row};

use super::pattern::Side;
use super::{Result, View};
use crate::domain::{ItemId, ItemKind, ItemState, SentimentLabel, Severity, UnixTime};

mod search_time;
mod sla_order;

/// Prepared statements a reader keeps (views x directions x anchors, the detail's, ...).
const STATEMENT_CACHE: usize = 96;

/// See [`Reader::dense_tag`]: measured on a 1M-item cache, the walk and the sort cost the
/// same near n² = 24 N.
const DENSE_TAG_FACTOR: i64 = 24;

/// How a row compares with a key it comes before in the list.
fn before_cmp(query: &ListQuery) -> &'static str {
    match query.sort {
        // The SLA-due order is counted part by part, each in time (see `sla_order`).
        Sort::Newest | Sort::SlaDue => ">",
        Sort::Oldest => "<",
    }
}

/// How many items of the view a limited list's page looks among before looking among
/// them all (see [`Reader::limited_page`]): a page of 40 fills from the first window when
/// one item in a hundred matches, from the second when one in 1,600 does.
const WINDOWS: [i64; 2] = [4_000, 64_000];

/// A search counts its matches up to this many; beyond, the list says "10,000+".
pub const SEARCH_COUNT_CAP: u64 = 10_000;

/// Where a limited list's walk in time starts: at the anchor, or where the pattern's own
/// `~d` range begins if that is further along (`~d >30d` starts thirty days back instead
/// of finding nothing in the newest windows). Rows beyond the range are not the list's,
/// so starting there changes no page; a minute of slack covers the clock moving between
/// this and the condition's own bounds.
fn start_at_time_range(
    query: &ListQuery,
    anchor: Option<PageKey>,
    direction: Direction,
) -> Option<PageKey> {
    const SLACK: i64 = 60;
    let Some(pattern) = &query.limit else {
        return anchor;
    };
    let (from, until) = super::pattern::time_range(pattern, crate::domain::now());
    match direction {
        Direction::Older => {
            let Some(until) = until else { return anchor };
            let start = PageKey {
                created_at: until.saturating_add(SLACK),
                id: ItemId::MIN,
                rank: 0,
            };
            Some(anchor.map_or(start, |a| a.min(start)))
        }
        Direction::Newer => {
            let Some(from) = from else { return anchor };
            let start = PageKey {
                created_at: from.saturating_sub(SLACK),
                id: ItemId::MAX,
                rank: 0,
            };
            Some(anchor.map_or(start, |a| a.max(start)))
        }
    }
}

/// One row of the item list.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemRow {
    pub id: ItemId,
    pub created_at: UnixTime,
    pub platform: String,
    pub kind: ItemKind,
    pub state: ItemState,
    pub author: String,
    pub snippet: String,
    pub sentiment: Option<SentimentLabel>,
    /// True when the CM set the label by hand.
    pub sentiment_manual: bool,
    pub needs_reply: bool,
    /// The highest severity among the item's open escalations.
    pub flag: Option<Severity>,
    /// What the platform did (or not yet) with the CM's actions on the item.
    pub marks: ItemMarks,
    /// What the moderation menu needs to know of the item.
    pub facts: crate::domain::ItemFacts,
    /// ISO 639-1; `None` until detected (items stored before languages existed).
    pub lang: Option<String>,
}

/// The platform's side of an item, as the list and the detail mark it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ItemMarks {
    /// A moderation action queued or being sent: the item's state waits for the platform.
    pub pending: Option<String>,
    /// The latest moderation action the platform refused, with its reason.
    pub refused: Option<(String, String)>,
    /// The latest reply failed: the item is back in Needs reply.
    pub reply_failed: bool,
    /// The platform said the post is gone (deleted there).
    pub gone: bool,
    /// Held by the platform's filter (a Mastodon notification request): accept or dismiss.
    pub filtered: bool,
    /// The author's marks (muted, blocked, advocate).
    pub person: super::people::PersonMarks,
    /// The brand's own post: how many replies and comments it drew (the Posts view).
    pub replies: Option<u64>,
    /// Snoozed: when it comes back as new.
    pub snoozed_until: Option<UnixTime>,
    /// Team mode: the CM the item is assigned to.
    pub assignee: Option<String>,
    /// Team mode: a destructive action on it waits for a moderator.
    pub awaiting_approval: bool,
    /// A chat item's room, with the account's power there.
    pub room: Option<super::chat_rooms::RoomMarks>,
}

impl ItemMarks {
    /// From the latest moderation row as `[kind, state, last_error]` (see [`ROW_COLUMNS`]).
    fn from_row(latest: Option<&str>, reply_failed: bool, gone: bool) -> ItemMarks {
        let latest: Option<(String, String, Option<String>)> =
            latest.and_then(|j| serde_json::from_str(j).ok());
        let mut marks = ItemMarks {
            reply_failed,
            gone,
            ..ItemMarks::default()
        };
        if let Some((kind, state, error)) = latest {
            match state.as_str() {
                "queued" | "sending" => marks.pending = Some(kind),
                "failed" => marks.refused = Some((kind, error.unwrap_or_default())),
                _ => {}
            }
        }
        marks
    }
}

impl ItemRow {
    pub fn key(&self) -> PageKey {
        PageKey {
            created_at: self.created_at,
            id: self.id,
            rank: sla_order::rank_of(self.needs_reply, self.state),
        }
    }
}

/// A list's count as far as its budget let it go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Count {
    pub n: u64,
    /// False: the budget ran out, there are at least `n`.
    pub complete: bool,
}

/// A position in a list ordered newest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct PageKey {
    pub created_at: UnixTime,
    pub id: ItemId,
    /// The part of the SLA-due order the row is in (0: waiting for a first reply); the
    /// time orders leave it aside.
    pub rank: u8,
}

/// The condition that keeps a page's rows past `anchor` in `direction`, in the list's
/// (created_at, id) order; its values join `params`. Empty without an anchor.
fn beyond(anchor: Option<PageKey>, direction: Direction, params: &mut Vec<Value>) -> String {
    let Some(anchor) = anchor else {
        return String::new();
    };
    params.push(Value::Integer(anchor.created_at));
    params.push(Value::Integer(anchor.id));
    let cmp = match direction {
        Direction::Older => "<",
        Direction::Newer => ">",
    };
    format!("AND (i.created_at, i.id) {cmp} (?, ?)")
}

/// Which way a page goes from its anchor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Further down the list (older items). Without an anchor: the top of the list.
    Older,
    /// Further up the list (newer items). Without an anchor: the bottom of the list.
    Newer,
}

/// What a list shows: a view, optionally narrowed by a limit pattern and a full-text
/// search.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ListQuery {
    pub view: View,
    /// An FTS5 query as built by [`super::view::fts_query`].
    pub search: Option<String>,
    /// A limit pattern (`~t bug ~s neg`), see [`crate::store::pattern`].
    pub limit: Option<crate::store::pattern::Pattern>,
    pub sort: Sort,
}

/// The list's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Sort {
    #[default]
    Newest,
    /// Oldest first: in Needs reply, the longest wait for a first answer first.
    Oldest,
    /// What waits for a first reply, the first to break the SLA target first; then the
    /// rest, newest first (see `sla_order`).
    SlaDue,
}

impl Sort {
    pub fn as_str(self) -> &'static str {
        match self {
            Sort::Newest => "newest",
            Sort::Oldest => "oldest",
            Sort::SlaDue => "sla-due",
        }
    }

    pub fn parse(text: &str) -> Option<Sort> {
        match text {
            "newest" => Some(Sort::Newest),
            "oldest" => Some(Sort::Oldest),
            "sla-due" => Some(Sort::SlaDue),
            _ => None,
        }
    }

    /// As the list's title and the status line say it.
    pub fn label(self) -> &'static str {
        match self {
            Sort::Newest => "newest first",
            Sort::Oldest => "oldest first",
            Sort::SlaDue => "SLA due first",
        }
    }
}

impl ListQuery {
    pub fn view(view: View) -> Self {
        ListQuery {
            view,
            search: None,
            limit: None,
            sort: Sort::Newest,
        }
    }

    /// Whether the count stops at [`SEARCH_COUNT_CAP`] (a search or a limit: counting
    /// every match of a broad one would cost a scan of the cache).
    pub fn capped(&self) -> bool {
        self.search.is_some() || self.limit.is_some()
    }

    /// The view's condition narrowed by the limit, with its parameters.
    fn condition(&self, dense_tag: bool) -> (String, Vec<Value>) {
        self.condition_within(dense_tag, Side::Pattern, Side::Pattern, None)
    }

    /// [`ListQuery::condition`] with the limit's time range stated as
    /// [`super::pattern::condition_within`] says.
    fn condition_within(
        &self,
        dense_tag: bool,
        from: Side,
        until: Side,
        ids: Option<(ItemId, ItemId)>,
    ) -> (String, Vec<Value>) {
        let (view_sql, mut params) = match &self.view {
            View::Tag(tag) if dense_tag => View::dense_tag_condition(tag),
            view => view.condition(),
        };
        match &self.limit {
            None => (view_sql.to_string(), params),
            Some(pattern) => {
                let (limit_sql, limit_params) = super::pattern::condition_within(
                    pattern,
                    crate::domain::now(),
                    from,
                    until,
                    ids,
                );
                params.extend(limit_params);
                (format!("{view_sql} AND {limit_sql}"), params)
            }
        }
    }
}

/// An account as the status bar shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRow {
    pub id: i64,
    pub name: String,
    pub platform: String,
    pub last_ok_at: Option<UnixTime>,
    pub last_error: Option<String>,
}

/// One message in a thread around the opened item.
#[derive(Debug, Clone, PartialEq)]
pub struct ThreadEntry {
    /// `None` for a post fetched only as context (it is not in the inbox).
    pub id: Option<ItemId>,
    pub author: String,
    pub body: String,
    pub created_at: UnixTime,
    /// Written by the brand.
    pub own: bool,
}

/// The author panel's figures.
#[derive(Debug, Clone, PartialEq)]
pub struct AuthorInfo {
    /// The person this author is (see [`super::people`]): the author pane's key.
    pub person: i64,
    pub handle: String,
    pub display_name: String,
    pub followers: Option<i64>,
    pub items: u64,
    pub positive: u64,
    pub neutral: u64,
    pub negative: u64,
    pub first_seen_at: UnixTime,
}

/// An item with everything the detail pane shows.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemDetail {
    pub row: ItemRow,
    pub body: String,
    pub url: Option<String>,
    pub account: String,
    pub edited_at: Option<UnixTime>,
    /// The platform's own filter held it (a Mastodon notification request) and the CM
    /// has not accepted or dismissed it yet.
    pub filtered: bool,
    pub sentiment_auto: Option<(f64, SentimentLabel)>,
    pub sentiment_manual: Option<SentimentLabel>,
    /// The CM set the language (`:lang`).
    pub lang_manual: bool,
    pub author: AuthorInfo,
    /// Parents, oldest first.
    pub ancestors: Vec<ThreadEntry>,
    /// Direct replies, oldest first.
    pub replies: Vec<ThreadEntry>,
    pub tags: Vec<String>,
}

/// A read-only connection with the queries the UI needs.
pub struct Reader {
    conn: Connection,
    tally: std::sync::Arc<Tally>,
}

/// How many list pages and counts a reader has run: the cost a change notice causes,
/// which tests hold to account.
#[derive(Debug, Default)]
pub struct Tally {
    pages: std::sync::atomic::AtomicU64,
    counts: std::sync::atomic::AtomicU64,
}

impl Tally {
    /// (list pages, counts) so far.
    pub fn get(&self) -> (u64, u64) {
        use std::sync::atomic::Ordering::Relaxed;
        (self.pages.load(Relaxed), self.counts.load(Relaxed))
    }
}

const ROW_COLUMNS: &str = "i.id, i.created_at, acc.platform, i.kind, i.state, au.handle,
    substr(CAST(i.body AS BLOB), 1, 4 * 300) /* a list row shows one line; cut as bytes: SQLite's text substr stops at a NUL */, coalesce(i.sentiment_manual, i.sentiment_label_auto),
    i.sentiment_manual IS NOT NULL, i.needs_reply,
    (SELECT max(CASE n.severity WHEN 'critical' THEN 3 WHEN 'high' THEN 2 ELSE 1 END)
       FROM incident_items x JOIN incidents n ON n.id = x.incident_id
       WHERE x.item_id = i.id AND n.resolved_at IS NULL),
    (SELECT json_array(o.kind, o.state, o.last_error) FROM outbox o
       WHERE o.item_id = i.id AND o.kind != 'reply' ORDER BY o.id DESC LIMIT 1),
    coalesce((SELECT o.state = 'failed' FROM outbox o
       WHERE o.item_id = i.id AND o.kind = 'reply' ORDER BY o.id DESC LIMIT 1), 0),
    i.gone_at IS NOT NULL, i.parent_external_id IS NOT NULL,
    /* the thread's first post is the brand's: stored as its post, seen as its own in the
       fetched conversation, or the item answers the root directly in a brand thread */
    (i.thread_external_id IS NOT NULL AND (
       EXISTS (SELECT 1 FROM items r WHERE r.account_id = i.account_id
                 AND r.external_id = i.thread_external_id AND r.kind = 'post')
       OR EXISTS (SELECT 1 FROM thread_context c WHERE c.account_id = i.account_id
                 AND c.external_id = i.thread_external_id AND c.own)
       OR (i.kind = 'comment' AND i.thread_external_id = i.parent_external_id))),
    i.filtered_request IS NOT NULL, i.lang,
    (SELECT m.muted | (m.blocked << 1) | (m.advocate << 2) FROM author_marks m
       WHERE m.author_id = i.author_id),
    /* only a post counts its replies: every reply in its thread, plus those directly under
       it filed in no thread of it; two lookups, each on its own index (an OR of the two
       walked every item of the account) */
    CASE WHEN i.kind = 'post' THEN
      (SELECT count(*) FROM items r WHERE r.account_id = i.account_id
         AND r.thread_external_id = i.external_id AND r.id != i.id)
      + (SELECT count(*) FROM items r WHERE r.account_id = i.account_id
         AND r.parent_external_id = i.external_id AND r.thread_external_id IS NOT i.external_id
         AND r.id != i.id) END,
    CASE WHEN i.state = 'snoozed' THEN (SELECT s.until FROM snoozes s WHERE s.item_id = i.id) END,
    i.assignee,
    EXISTS (SELECT 1 FROM approvals p WHERE p.item_id = i.id AND p.state = 'pending'),
    /* a chat item's room (chat_rooms::marks_of): by the room stored with the item, the
       author's level looked up by key (a user id is no JSON path) */
    CASE WHEN i.room IS NOT NULL THEN
      (SELECT json_array(cr.label, cr.my_level,
          coalesce((SELECT u.value FROM json_each(cr.users) u WHERE u.key = au.external_id),
                   cr.users_default),
          cr.ban_level, cr.kick_level, cr.redact_level)
       FROM chat_rooms cr
       WHERE cr.account_id = i.account_id AND cr.room_id = i.room) END";

/// Columns of [`ROW_COLUMNS`]: a query adding its own starts at this index.
const ROW_COLUMN_COUNT: usize = 24;

const ROW_JOINS: &str = "FROM items i
    JOIN accounts acc ON acc.id = i.account_id
    JOIN authors au ON au.id = i.author_id";

/// The first 300 characters of a body cut as bytes (its last character may be cut).
fn snippet(bytes: &[u8]) -> String {
    let valid = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or_default(),
    };
    valid.chars().take(300).collect()
}

fn item_row(r: &Row<'_>) -> rusqlite::Result<ItemRow> {
    let parse_err = |n: usize, e: crate::domain::UnknownValue| {
        rusqlite::Error::FromSqlConversionFailure(n, rusqlite::types::Type::Text, Box::new(e))
    };
    let sentiment: Option<String> = r.get(7)?;
    let flag: Option<i64> = r.get(10)?;
    let kind: ItemKind = r
        .get::<_, String>(3)?
        .parse()
        .map_err(|e| parse_err(3, e))?;
    Ok(ItemRow {
        id: r.get(0)?,
        created_at: r.get(1)?,
        platform: r.get(2)?,
        kind,
        state: r
            .get::<_, String>(4)?
            .parse()
            .map_err(|e| parse_err(4, e))?,
        author: r.get(5)?,
        snippet: snippet(&r.get::<_, Vec<u8>>(6)?),
        sentiment: sentiment.and_then(|s| s.parse().ok()),
        sentiment_manual: r.get(8)?,
        needs_reply: r.get(9)?,
        flag: flag.map(|f| match f {
            3 => Severity::Critical,
            2 => Severity::High,
            _ => Severity::Low,
        }),
        marks: ItemMarks {
            filtered: r.get(16)?,
            replies: r.get::<_, Option<i64>>(19)?.map(|n| n.max(0) as u64),
            snoozed_until: r.get(20)?,
            assignee: r.get(21)?,
            awaiting_approval: r.get(22)?,
            room: super::chat_rooms::marks_of(r.get::<_, Option<String>>(23)?.as_deref()),
            person: {
                let bits = r.get::<_, Option<i64>>(18)?.unwrap_or(0);
                super::people::PersonMarks {
                    muted: bits & 1 != 0,
                    blocked: bits & 2 != 0,
                    advocate: bits & 4 != 0,
                }
            },
            ..ItemMarks::from_row(
                r.get::<_, Option<String>>(11)?.as_deref(),
                r.get(12)?,
                r.get(13)?,
            )
        },
        facts: crate::domain::ItemFacts {
            kind,
            reply: r.get(14)?,
            in_own_thread: r.get(15)?,
        },
        lang: r.get(17)?,
    })
}

impl Reader {
    pub fn open(path: &Path) -> Result<Reader> {
        let conn = super::open_ro(path)?;
        // Every view, direction and anchor is its own statement; keep them all prepared.
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        Ok(Reader {
            conn,
            tally: Default::default(),
        })
    }

    /// The count of list pages and counts this reader runs, readable from any thread.
    pub fn tally(&self) -> std::sync::Arc<Tally> {
        self.tally.clone()
    }

    /// `f`'s work on this reader in thousands of SQLite VM steps: what a test holds a
    /// query plan to (the same on every run, unlike time).
    #[cfg(test)]
    pub(crate) fn thousand_steps<T>(&self, f: impl FnOnce(&Self) -> T) -> (T, u64) {
        super::budget::thousand_steps(&self.conn, || f(self))
    }

    /// The read-only connection, for queries that live beside their module
    /// (moderation info, escalations).
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Up to `limit` rows of `query` beyond `anchor` in `direction`, always returned
    /// newest first.
    ///
    /// A list is ordered by (created_at, id), a search too (see [`search_time`]).
    pub fn page(
        &self,
        query: &ListQuery,
        anchor: Option<PageKey>,
        direction: Direction,
        limit: usize,
    ) -> Result<Vec<ItemRow>> {
        if query.sort == Sort::SlaDue {
            return self.sla_page(query, anchor, direction, limit);
        }
        if query.sort == Sort::Oldest {
            // The list read upside down: further down is newer; rows come oldest first.
            let flipped = match direction {
                Direction::Older => Direction::Newer,
                Direction::Newer => Direction::Older,
            };
            let mut rows = self.page_newest_first(query, anchor, flipped, limit)?;
            rows.reverse();
            return Ok(rows);
        }
        self.page_newest_first(query, anchor, direction, limit)
    }

    fn page_newest_first(
        &self,
        query: &ListQuery,
        anchor: Option<PageKey>,
        direction: Direction,
        limit: usize,
    ) -> Result<Vec<ItemRow>> {
        self.tally
            .pages
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dense = match &query.view {
            View::Tag(tag) if query.search.is_none() => self.dense_tag(tag)?,
            _ => false,
        };
        let (view_sql, mut params) = query.condition(dense);
        let order = match direction {
            Direction::Older => "DESC",
            Direction::Newer => "ASC",
        };
        let sql = match &query.search {
            None if query.limit.is_some() => {
                return self.limited_page(query, anchor, direction, limit);
            }
            None => {
                let anchor_sql = beyond(anchor, direction, &mut params);
                let index = query.view.time_index();
                format!(
                    "SELECT {ROW_COLUMNS} FROM items i {index}
                         JOIN accounts acc ON acc.id = i.account_id
                         JOIN authors au ON au.id = i.author_id
                     WHERE {view_sql} {anchor_sql}
                     ORDER BY i.created_at {order}, i.id {order} LIMIT ?"
                )
            }
            Some(search) => {
                return self.search_page(query, search, anchor, direction, limit);
            }
        };
        params.push(Value::Integer(limit as i64));
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut rows: Vec<ItemRow> = stmt
            .query_map(params_from_iter(params), item_row)?
            .collect::<rusqlite::Result<_>>()?;
        if direction == Direction::Newer {
            rows.reverse();
        }
        Ok(rows)
    }

    /// A page of a limited list: first among the next [`WINDOWS`]`[0]` items of the view
    /// in time order, then among more, and only then among all of them.
    ///
    /// Left to itself SQLite picks a plan by the field's index, not by how many items the
    /// field selects: `~p chirp` read a fifth of the cache through the account index and
    /// sorted it for 40 rows. Bounded by time, the same condition is checked along the time
    /// index for a few thousand items, which fills a page of any pattern that is not rare;
    /// a rare one is then found through its own index, sorting few items. Within a window
    /// the ids are known, and a set of item ids the pattern reads (a tag's, a word's) is
    /// read within them ([`super::pattern::condition_within`]).
    fn limited_page(
        &self,
        query: &ListQuery,
        anchor: Option<PageKey>,
        direction: Direction,
        limit: usize,
    ) -> Result<Vec<ItemRow>> {
        let anchor = start_at_time_range(query, anchor, direction);
        let mut seen: Option<(i64, usize)> = None;
        for window in WINDOWS {
            // A larger window only where the matches met so far promise a full page in it:
            // a pattern of old items (`~d >30d`) finds none among the newest and goes
            // straight to its own index.
            if let Some((smaller, found)) = seen {
                if (found as i64).saturating_mul(window / smaller) < limit as i64 {
                    break;
                }
            }
            let span = self.span(query, anchor, direction, window)?;
            let rows = self.limited_rows(query, anchor, direction, limit, Some(&span))?;
            // A window that reached the end of the view held all the rest.
            if rows.len() >= limit || span.bound.is_none() {
                return Ok(rows);
            }
            seen = Some((window, rows.len()));
        }
        self.limited_rows(query, anchor, direction, limit, None)
    }

    /// Up to `limit` rows of a limited list beyond `anchor`, within `span` (then walking
    /// the time index), else among all.
    fn limited_rows(
        &self,
        query: &ListQuery,
        anchor: Option<PageKey>,
        direction: Direction,
        limit: usize,
        span: Option<&search_time::Span>,
    ) -> Result<Vec<ItemRow>> {
        let order = match direction {
            Direction::Older => "DESC",
            Direction::Newer => "ASC",
        };
        // One bound a side: the anchor (where the walk starts, already at the limit's
        // range) and the window's far end merged with the limit's. Strictly short of the
        // window's end: items at its very time may lie outside its ids.
        let near = match anchor {
            Some(_) => Side::Anchored,
            None => Side::Pattern,
        };
        let far = match (span.and_then(|s| s.bound), direction) {
            (None, _) => Side::Pattern,
            (Some(bound), Direction::Older) => Side::Narrowed(bound.saturating_add(1)),
            (Some(bound), Direction::Newer) => Side::Narrowed(bound),
        };
        let ids = span.map(|s| s.ids);
        let (view_sql, mut params) = match direction {
            Direction::Older => query.condition_within(false, far, near, ids),
            Direction::Newer => query.condition_within(false, near, far, ids),
        };
        let anchor_sql = beyond(anchor, direction, &mut params);
        let index = match span {
            Some(_) => format!("INDEXED BY {}", query.view.time_walk().0),
            None => query.view.time_index().to_string(),
        };
        params.push(Value::Integer(limit as i64));
        let sql = format!(
            "SELECT {ROW_COLUMNS} FROM items i {index}
                 JOIN accounts acc ON acc.id = i.account_id
                 JOIN authors au ON au.id = i.author_id
             WHERE {view_sql} {anchor_sql}
             ORDER BY i.created_at {order}, i.id {order} LIMIT ?"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut rows: Vec<ItemRow> = stmt
            .query_map(params_from_iter(params), item_row)?
            .collect::<rusqlite::Result<_>>()?;
        if direction == Direction::Newer {
            rows.reverse();
        }
        Ok(rows)
    }

    /// Whether a page of `tag` is cheaper found by walking all items newest first (a
    /// common tag: about `limit / share` steps) than by sorting every tagged item (a rare
    /// one). With n tagged items of N, walking costs ~ N/n and sorting ~ n, so the walk
    /// wins once n² is above a few times N.
    fn dense_tag(&self, tag: &str) -> Result<bool> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT coalesce((SELECT n FROM tag_counts WHERE tag = ?), 0),
                    (SELECT coalesce(sum(n), 0) FROM item_counts)",
        )?;
        let (tagged, total): (i64, i64) = stmt.query_row([tag], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(tagged.saturating_mul(tagged) >= DENSE_TAG_FACTOR.saturating_mul(total))
    }

    /// How many items `query` selects. Views come from the counts table (no scan); a
    /// search counts at most [`SEARCH_COUNT_CAP`] + 1 matches.
    pub fn count(&self, query: &ListQuery) -> Result<u64> {
        self.count_where(query, None)
    }

    /// How many items of `query` come before `key` in the list (newer than it, or older
    /// when the list is oldest first).
    pub fn count_newer(&self, query: &ListQuery, key: PageKey) -> Result<u64> {
        if query.sort == Sort::SlaDue {
            return self.sla_count_newer(query, key);
        }
        self.count_where(query, Some(key))
    }

    fn count_where(&self, query: &ListQuery, newer_than: Option<PageKey>) -> Result<u64> {
        self.tally
            .counts
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if query.limit.is_some() {
            return self.count_limited(query, newer_than);
        }
        if let (Some(search), None) = (&query.search, newer_than) {
            let view_size = self.count(&ListQuery::view(query.view.clone()))?;
            let narrow = super::search::count_in_view(
                &self.conn,
                &query.view,
                view_size,
                search,
                SEARCH_COUNT_CAP + 1,
            )?;
            if let Some(n) = narrow {
                return Ok(n);
            }
        }
        let (view_sql, mut params) = query.view.condition();
        let sql = match (&query.search, newer_than, query.view.count_query()) {
            (None, None, Some((counts_sql, counts_params))) => {
                params = counts_params;
                counts_sql.to_string()
            }
            (None, None, None) => format!("SELECT count(*) FROM items i WHERE {view_sql}"),
            (None, Some(key), _) => {
                params.push(Value::Integer(key.created_at));
                params.push(Value::Integer(key.id));
                let index = query.view.time_index();
                let cmp = before_cmp(query);
                format!("SELECT count(*) FROM items i {index} WHERE {view_sql} AND (i.created_at, i.id) {cmp} (?, ?)")
            }
            (Some(search), key, _) => {
                params.insert(0, Value::Text(search.clone()));
                let newer = match key {
                    Some(key) => {
                        params.push(Value::Integer(key.created_at));
                        params.push(Value::Integer(key.id));
                        format!("AND (i.created_at, i.id) {} (?, ?)", before_cmp(query))
                    }
                    None => String::new(),
                };
                params.push(Value::Integer(SEARCH_COUNT_CAP as i64 + 1));
                // Stepped, not count(*): a budget cut leaves what was counted.
                let sql = format!(
                    "SELECT 1 FROM items_fts JOIN items i ON i.id = items_fts.rowid
                     WHERE items_fts MATCH ? AND {view_sql} {newer} LIMIT ?"
                );
                let mut stmt = self.conn.prepare_cached(&sql)?;
                return super::budget::count_rows(&mut stmt, params_from_iter(params));
            }
        };
        let mut stmt = self.conn.prepare_cached(&sql)?;
        Ok(stmt.query_row(params_from_iter(params), |r| r.get::<_, i64>(0))? as u64)
    }

    /// [`Reader::count`] within `budget`: a search's or a limit's count stopped where the
    /// budget ran out is "at least" ([`Count::complete`] false), so a list shows its
    /// first page without waiting on a count; the exact count is a request of its own.
    pub fn count_within(&self, query: &ListQuery, budget: super::budget::Budget) -> Result<Count> {
        if !query.capped() {
            return Ok(Count {
                n: self.count(query)?,
                complete: true,
            });
        }
        match super::budget::within(&self.conn, budget, || self.count(query)) {
            Ok((n, cut)) => Ok(Count { n, complete: !cut }),
            Err(super::Error::Sqlite(e)) if super::budget::interrupted(&e) => Ok(Count {
                n: 0,
                complete: false,
            }),
            Err(e) => Err(e),
        }
    }

    /// A limited list's count: up to [`SEARCH_COUNT_CAP`] + 1 matches, or exactly how many
    /// come before `newer_than` (a window's offset).
    fn count_limited(&self, query: &ListQuery, newer_than: Option<PageKey>) -> Result<u64> {
        // The key bounds its side of the walk (one bound a side, see `condition_within`).
        let (condition, mut params) = match (newer_than, before_cmp(query)) {
            (None, _) => query.condition(false),
            (Some(_), ">") => query.condition_within(false, Side::Anchored, Side::Pattern, None),
            (Some(_), _) => query.condition_within(false, Side::Pattern, Side::Anchored, None),
        };
        let from = match &query.search {
            Some(search) => {
                params.insert(0, Value::Text(search.clone()));
                "items_fts JOIN items i ON i.id = items_fts.rowid WHERE items_fts MATCH ? AND"
                    .to_string()
            }
            None => format!("items i {} WHERE", query.view.time_index()),
        };
        let sql = match newer_than {
            Some(key) => {
                params.push(Value::Integer(key.created_at));
                params.push(Value::Integer(key.id));
                let newer = format!("(i.created_at, i.id) {} (?, ?)", before_cmp(query));
                format!("SELECT count(*) FROM {from} {condition} AND {newer}")
            }
            None => {
                params.push(Value::Integer(SEARCH_COUNT_CAP as i64 + 1));
                // Stepped, not count(*): a budget cut leaves what was counted.
                let sql = format!("SELECT 1 FROM {from} {condition} LIMIT ?");
                let mut stmt = self.conn.prepare_cached(&sql)?;
                return super::budget::count_rows(&mut stmt, params_from_iter(params));
            }
        };
        let mut stmt = self.conn.prepare_cached(&sql)?;
        Ok(stmt.query_row(params_from_iter(params), |r| r.get::<_, i64>(0))? as u64)
    }

    /// The ids of up to `limit` items of `query`, in list order (to mark them).
    pub fn ids(&self, query: &ListQuery, limit: usize) -> Result<Vec<ItemId>> {
        if query.sort == Sort::SlaDue {
            return self.sla_ids(query, limit);
        }
        let (condition, mut params) = query.condition(false);
        let order = match query.sort {
            Sort::Newest | Sort::SlaDue => "DESC",
            Sort::Oldest => "ASC",
        };
        let sql = match &query.search {
            Some(search) => {
                params.insert(0, Value::Text(search.clone()));
                format!(
                    "SELECT i.id FROM items_fts CROSS JOIN items i ON i.id = items_fts.rowid
                     WHERE items_fts MATCH ? AND {condition}
                     ORDER BY i.created_at {order}, i.id {order} LIMIT ?"
                )
            }
            None => format!(
                "SELECT i.id FROM items i {} WHERE {condition}
                 ORDER BY i.created_at {order}, i.id {order} LIMIT ?",
                query.view.time_index()
            ),
        };
        params.push(Value::Integer(limit as i64));
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(params_from_iter(params), |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The platforms with at least one account, for the sidebar.
    pub fn platforms(&self) -> Result<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT DISTINCT platform FROM accounts ORDER BY platform")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn accounts(&self) -> Result<Vec<AccountRow>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, name, platform, last_ok_at, last_error FROM accounts ORDER BY name",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(AccountRow {
                id: r.get(0)?,
                name: r.get(1)?,
                platform: r.get(2)?,
                last_ok_at: r.get(3)?,
                last_error: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// One item with its thread, author figures and tags; `None` if it no longer exists.
    pub fn detail(&self, id: ItemId) -> Result<Option<ItemDetail>> {
        let sql = format!(
            "SELECT {ROW_COLUMNS}, i.body, i.url, acc.name, i.edited_at, i.sentiment_auto,
                    i.sentiment_label_auto, i.sentiment_manual, i.author_id, i.account_id,
                    i.parent_external_id, i.external_id, i.filtered_request IS NOT NULL, i.lang_manual
             {ROW_JOINS} WHERE i.id = ?"
        );
        type Extra = (
            ItemRow,
            String,
            Option<String>,
            String,
            Option<UnixTime>,
            Option<f64>,
            Option<String>,
            Option<String>,
            i64,
            i64,
            Option<String>,
            String,
            bool,
            bool,
        );
        let found: Option<Extra> = self
            .conn
            .prepare_cached(&sql)?
            .query_row([id], |r| {
                let n = ROW_COLUMN_COUNT;
                Ok((
                    item_row(r)?,
                    r.get(n)?,
                    r.get(n + 1)?,
                    r.get(n + 2)?,
                    r.get(n + 3)?,
                    r.get(n + 4)?,
                    r.get(n + 5)?,
                    r.get(n + 6)?,
                    r.get(n + 7)?,
                    r.get(n + 8)?,
                    r.get(n + 9)?,
                    r.get(n + 10)?,
                    r.get(n + 11)?,
                    r.get(n + 12)?,
                ))
            })
            .optional()?;
        let Some((
            row,
            body,
            url,
            account,
            edited_at,
            auto,
            auto_label,
            manual,
            author_id,
            account_id,
            parent,
            external_id,
            filtered,
            lang_manual,
        )) = found
        else {
            return Ok(None);
        };
        let sentiment_auto = match (auto, auto_label.and_then(|l| l.parse().ok())) {
            (Some(score), Some(label)) => Some((score, label)),
            _ => None,
        };
        Ok(Some(ItemDetail {
            author: AuthorInfo {
                person: super::people::person_of(&self.conn, author_id)?,
                ..self.author_info(author_id)?
            },
            ancestors: self.ancestors(account_id, parent)?,
            replies: self.replies(account_id, &external_id)?,
            tags: self.tags(id)?,
            row,
            body,
            url,
            account,
            edited_at,
            sentiment_auto,
            sentiment_manual: manual.and_then(|l| l.parse().ok()),
            lang_manual,
            filtered,
        }))
    }

    fn author_info(&self, author_id: i64) -> Result<AuthorInfo> {
        // The mood history covers the author's latest 500 items, so a prolific author
        // costs no more than anyone else when the cursor lands on them.
        let mut stmt = self.conn.prepare_cached(
            "SELECT a.handle, a.display_name, a.followers, a.first_seen_at,
                    count(r.label),
                    coalesce(sum(r.label = 'positive'), 0),
                    coalesce(sum(r.label = 'neutral'), 0),
                    coalesce(sum(r.label = 'negative'), 0)
             FROM authors a LEFT JOIN (
                 SELECT coalesce(i.sentiment_manual, i.sentiment_label_auto, '') AS label
                 FROM items i WHERE i.author_id = ?1 ORDER BY i.created_at DESC LIMIT 500
             ) r
             WHERE a.id = ?1 GROUP BY a.id",
        )?;
        Ok(stmt.query_row([author_id], |r| {
            Ok(AuthorInfo {
                person: 0,
                handle: r.get(0)?,
                display_name: r.get(1)?,
                followers: r.get(2)?,
                first_seen_at: r.get(3)?,
                items: r.get::<_, i64>(4)? as u64,
                positive: r.get::<_, i64>(5)? as u64,
                neutral: r.get::<_, i64>(6)? as u64,
                negative: r.get::<_, i64>(7)? as u64,
            })
        })?)
    }

    /// Walks up the parent chain through items and fetched context (bounded, so a cycle
    /// in bad data cannot hang the UI).
    fn ancestors(&self, account_id: i64, mut parent: Option<String>) -> Result<Vec<ThreadEntry>> {
        const MAX_DEPTH: usize = 50;
        let mut from_items = self.conn.prepare_cached(
            "SELECT i.id, au.handle, i.body, i.created_at, i.kind = 'post', i.parent_external_id
             FROM items i JOIN authors au ON au.id = i.author_id
             WHERE i.account_id = ? AND i.external_id = ?",
        )?;
        let mut from_context = self.conn.prepare_cached(
            "SELECT NULL, author_handle, body, created_at, own, parent_external_id
             FROM thread_context WHERE account_id = ? AND external_id = ?",
        )?;
        let entry = |r: &rusqlite::Row| {
            Ok((
                ThreadEntry {
                    id: r.get(0)?,
                    author: r.get(1)?,
                    body: r.get(2)?,
                    created_at: r.get(3)?,
                    own: r.get(4)?,
                },
                r.get::<_, Option<String>>(5)?,
            ))
        };
        let mut chain = Vec::new();
        while let Some(external_id) = parent.take() {
            if chain.len() >= MAX_DEPTH {
                break;
            }
            let key = rusqlite::params![account_id, external_id];
            let found = match from_items.query_row(key, entry).optional()? {
                Some(found) => Some(found),
                None => from_context.query_row(key, entry).optional()?,
            };
            if let Some((entry, next)) = found {
                chain.push(entry);
                parent = next;
            }
        }
        chain.reverse();
        Ok(chain)
    }

    /// Direct replies, from items and fetched context, oldest first.
    fn replies(&self, account_id: i64, external_id: &str) -> Result<Vec<ThreadEntry>> {
        const MAX_REPLIES: usize = 50;
        let mut stmt = self.conn.prepare_cached(
            "SELECT i.id, au.handle, i.body, i.created_at, i.kind = 'post'
             FROM items i INDEXED BY items_by_parent JOIN authors au ON au.id = i.author_id
             WHERE i.account_id = ?1 AND i.parent_external_id = ?2
             UNION ALL
             SELECT NULL, c.author_handle, c.body, c.created_at, c.own
             FROM thread_context c
             WHERE c.account_id = ?1 AND c.parent_external_id = ?2
             ORDER BY 4, 1 LIMIT ?3",
        )?;
        let rows = stmt.query_map(
            rusqlite::params![account_id, external_id, MAX_REPLIES as i64],
            |r| {
                Ok(ThreadEntry {
                    id: r.get(0)?,
                    author: r.get(1)?,
                    body: r.get(2)?,
                    created_at: r.get(3)?,
                    own: r.get(4)?,
                })
            },
        )?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn tags(&self, id: ItemId) -> Result<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT tag FROM tags WHERE item_id = ? ORDER BY tag")?;
        let rows = stmt.query_map([id], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
/// An account's last poll: (last_poll_at, last_ok_at, last_error).
pub type AccountPoll = (Option<i64>, Option<i64>, Option<String>);

/// Last poll per account name.
pub fn account_polls(conn: &Connection) -> Result<std::collections::HashMap<String, AccountPoll>> {
    let mut stmt =
        conn.prepare("SELECT name, last_poll_at, last_ok_at, last_error FROM accounts")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?, r.get(3)?))))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_row_finds_its_room_by_key_without_parsing_the_raw_record() {
        // Parsing every row's raw record cost the list its speed (see migration item_room).
        assert!(!ROW_COLUMNS.contains("raw_json"), "{ROW_COLUMNS}");
        assert!(ROW_COLUMNS.contains("cr.room_id = i.room"));
    }
}
