//! The weekly report's reads: every query runs on a read-only connection and selects by time
//! through an index (items_by_time, events_by_kind), so a long history costs little.

use std::collections::{BTreeMap, HashMap};

use rusqlite::{params, Connection, OptionalExtension};

use crate::domain::{SentimentLabel, UnixTime};
// Text from platforms is made inert as it is read, so every format (markdown, CSV, JSON)
// gets clean text; the markdown writer escapes it further.
use crate::sanitize::{inert, inert_line};

/// A read-only connection for one report. The report reads weeks of items once: the file
/// is mapped into memory, so those pages are read in place rather than copied through
/// the page cache one read call at a time.
pub fn open(path: &std::path::Path) -> crate::store::Result<Connection> {
    let conn = crate::store::open_ro(path)?;
    conn.pragma_update(None, "mmap_size", 1i64 << 32)?;
    Ok(conn)
}

/// The kind of a community item, as the volume counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Mention,
    Comment,
    Dm,
    /// A kind this hark does not count apart (never `post`: the brand's own are left out).
    Other,
}

/// One community item (the brand's own posts are left out) as the report counts it:
/// numbers and labels only, so a week of ~190k items loads without a string per item.
/// Platform and language are positions in the [`Names`] the rows were loaded with.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Item {
    pub id: i64,
    pub platform: u16,
    pub kind: Kind,
    pub created_at: UnixTime,
    pub needs_reply: bool,
    /// The brand's first answer: `items.first_response_at`, else the first move to `replied`.
    pub first_response_at: Option<UnixTime>,
    pub auto: Option<SentimentLabel>,
    pub manual: Option<SentimentLabel>,
    pub author_id: i64,
    /// ISO 639-1; `None` until detected.
    pub lang: Option<u16>,
}

impl Item {
    /// The CM's label wins over the automatic one.
    pub fn sentiment(&self) -> Option<SentimentLabel> {
        self.manual.or(self.auto)
    }
}

/// The platform and language names the rows point into, shared by every load of one
/// report so the same name has the same position.
#[derive(Debug, Clone, Default)]
pub struct Names {
    /// Account id to its platform's position in `platforms`.
    accounts: HashMap<i64, u16>,
    pub platforms: Vec<String>,
    pub langs: Vec<String>,
}

impl Names {
    /// Every account's platform.
    pub fn load(conn: &Connection) -> rusqlite::Result<Names> {
        let mut names = Names::default();
        let mut stmt = conn.prepare_cached("SELECT id, platform FROM accounts ORDER BY id")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let platform: String = r.get(1)?;
            let at = match names.platforms.iter().position(|p| *p == platform) {
                Some(at) => at,
                None => {
                    names.platforms.push(platform);
                    names.platforms.len() - 1
                }
            };
            names.accounts.insert(r.get(0)?, at as u16);
        }
        Ok(names)
    }

    pub fn platform(&self, item: &Item) -> &str {
        &self.platforms[item.platform as usize]
    }

    pub fn lang(&self, item: &Item) -> Option<&str> {
        item.lang.map(|l| self.langs[l as usize].as_str())
    }

    fn lang_at(&mut self, lang: &str) -> u16 {
        match self.langs.iter().position(|l| l == lang) {
            Some(at) => at as u16,
            None => {
                self.langs.push(lang.to_string());
                (self.langs.len() - 1) as u16
            }
        }
    }
}

/// A period's items, and the text of those labelled negative (what recurring problems
/// read), made inert.
#[derive(Debug, Clone, Default)]
pub struct Items {
    /// Oldest first.
    pub rows: Vec<Item>,
    /// (position in `rows`, body), in the order of `rows`.
    pub negative: Vec<(usize, String)>,
}

fn label(text: Option<&str>) -> Option<SentimentLabel> {
    text.and_then(|t| t.parse().ok())
}

/// Items created in [start, end), oldest first. Only the columns the counts read, and
/// the body of negative items when `negative_text`; the author's handle and the other
/// texts are looked up for the few items a section names ([`Detail`]). Items whose
/// account is gone are left out, as a join would (the foreign keys keep every author).
pub fn items(
    conn: &Connection,
    names: &mut Names,
    start: UnixTime,
    end: UnixTime,
    negative_text: bool,
) -> rusqlite::Result<Items> {
    let mut stmt = conn.prepare_cached(
        "SELECT i.id, i.account_id, i.kind, i.created_at, i.needs_reply,
                CASE WHEN i.needs_reply THEN coalesce(i.first_response_at,
                    (SELECT min(e.at) FROM events e INDEXED BY events_replied
                     WHERE e.item_id = i.id AND e.kind = 'state' AND e.to_state = 'replied'))
                END,
                i.sentiment_label_auto, i.sentiment_manual, i.author_id, i.lang, i.body
         FROM items i INDEXED BY items_by_time
         WHERE i.created_at >= ?1 AND i.created_at < ?2 AND i.kind != 'post'
         ORDER BY i.created_at, i.id",
    )?;
    let mut out = Items::default();
    let mut rows = stmt.query(params![start, end])?;
    while let Some(r) = rows.next()? {
        let Some(&platform) = names.accounts.get(&r.get::<_, i64>(1)?) else {
            continue;
        };
        let kind = match r.get_ref(2)?.as_str()? {
            "mention" => Kind::Mention,
            "comment" => Kind::Comment,
            "dm" => Kind::Dm,
            _ => Kind::Other,
        };
        let lang = r.get_ref(9)?.as_str_or_null()?.map(|l| names.lang_at(l));
        let item = Item {
            id: r.get(0)?,
            platform,
            kind,
            created_at: r.get(3)?,
            needs_reply: r.get(4)?,
            first_response_at: r.get(5)?,
            auto: label(r.get_ref(6)?.as_str_or_null()?),
            manual: label(r.get_ref(7)?.as_str_or_null()?),
            author_id: r.get(8)?,
            lang,
        };
        if negative_text && item.sentiment() == Some(SentimentLabel::Negative) {
            out.negative
                .push((out.rows.len(), inert(r.get_ref(10)?.as_str()?)));
        }
        out.rows.push(item);
    }
    Ok(out)
}

/// What a section shows of one item it names: its author's handle, body and link, inert.
#[derive(Debug, Clone, PartialEq)]
pub struct Detail {
    pub author: String,
    pub body: String,
    pub url: Option<String>,
}

/// The handle, body and link of item `id`.
pub fn detail(conn: &Connection, id: i64) -> rusqlite::Result<Option<Detail>> {
    let mut stmt = conn.prepare_cached(
        "SELECT au.handle, i.body, i.url FROM items i JOIN authors au ON au.id = i.author_id
         WHERE i.id = ?1",
    )?;
    stmt.query_row(params![id], |r| {
        Ok(Detail {
            author: inert_line(&r.get::<_, String>(0)?),
            body: inert(&r.get::<_, String>(1)?),
            url: r.get(2)?,
        })
    })
    .optional()
}

/// An author's handle, inert (`None` if there is no such author).
pub fn handle(conn: &Connection, author_id: i64) -> rusqlite::Result<Option<String>> {
    let mut stmt = conn.prepare_cached("SELECT handle FROM authors WHERE id = ?1")?;
    stmt.query_row(params![author_id], |r| {
        r.get::<_, String>(0).map(|h| inert_line(&h))
    })
    .optional()
}

/// Whether the author wrote anything (their own posts too) before `before`: one look in
/// the author's index, so new voices cost one lookup per author, not per item.
pub fn wrote_before(conn: &Connection, author_id: i64, before: UnixTime) -> rusqlite::Result<bool> {
    let mut stmt = conn.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM items INDEXED BY items_by_author
                        WHERE author_id = ?1 AND created_at < ?2)",
    )?;
    stmt.query_row(params![author_id, before], |r| r.get(0))
}

/// The text and language of a negative item (the CM's label first).
#[derive(Debug, Clone, PartialEq)]
pub struct Text {
    /// As stored: not yet made inert, so the caller can do that on several cores
    /// (recurring problems reads weeks of these).
    pub raw: String,
    pub lang: Option<String>,
}

/// The negative items created in [start, end), oldest first: only what recurring problems
/// read, so weeks of history cost no joins and no response-time lookups, through the
/// index of negative items only (`items_negative_by_time`).
pub fn negative_texts(
    conn: &Connection,
    start: UnixTime,
    end: UnixTime,
) -> rusqlite::Result<Vec<Text>> {
    let mut stmt = conn.prepare_cached(
        "SELECT i.body, i.lang FROM items i INDEXED BY items_negative_by_time
         WHERE i.created_at >= ?1 AND i.created_at < ?2 AND i.kind != 'post'
           AND coalesce(i.sentiment_manual, i.sentiment_label_auto) = 'negative'
         ORDER BY i.created_at, i.id",
    )?;
    let rows = stmt.query_map(params![start, end], |r| {
        Ok(Text {
            raw: r.get(0)?,
            lang: r.get(1)?,
        })
    })?;
    rows.collect()
}

/// Replies the outbox sent in [start, end), per platform.
pub fn replies_sent(
    conn: &Connection,
    start: UnixTime,
    end: UnixTime,
) -> rusqlite::Result<BTreeMap<String, u64>> {
    grouped(
        conn,
        "SELECT acc.platform, count(*) FROM outbox o INDEXED BY outbox_replies_sent
         JOIN accounts acc ON acc.id = o.account_id
         WHERE o.kind = 'reply' AND o.state = 'sent' AND o.sent_at >= ?1 AND o.sent_at < ?2
         GROUP BY acc.platform",
        params![start, end],
    )
}

/// Items posted in [from, end − target) that needed a reply, had no answer by `end` and
/// were still new, open or snoozed (its clock keeps running) then, per platform. The
/// window starts at `from` so the cost stays bounded on a long history.
pub fn unanswered_at(
    conn: &Connection,
    from: UnixTime,
    end: UnixTime,
    target: i64,
) -> rusqlite::Result<BTreeMap<String, u64>> {
    grouped(
        conn,
        &format!(
            "{CHANGED_SINCE}
             SELECT acc.platform, count(*) FROM accounts acc JOIN (
                 SELECT i.account_id AS account_id FROM items i
                 WHERE {WAITING_AT}
             ) w ON w.account_id = acc.id
             GROUP BY acc.platform"
        ),
        params![end, target, from],
    )
}

/// Like [`unanswered_at`] but each item's platform and posting time, for a target
/// measured on business hours (the caller decides which are past it; `min_age` is a
/// wall-clock floor, since business time never runs faster than the wall clock).
pub fn unanswered_list(
    conn: &Connection,
    from: UnixTime,
    end: UnixTime,
    min_age: i64,
) -> rusqlite::Result<Vec<(String, UnixTime)>> {
    let mut stmt = conn.prepare_cached(&format!(
        "{CHANGED_SINCE}
         SELECT acc.platform, i.created_at FROM items i
         JOIN accounts acc ON acc.id = i.account_id
         WHERE {WAITING_AT}
         ORDER BY i.created_at"
    ))?;
    let rows = stmt.query_map(params![end, min_age, from], |r| Ok((r.get(0)?, r.get(1)?)))?;
    rows.collect()
}

/// The items whose state changed after ?1 (the period's end): few, the days since.
const CHANGED_SINCE: &str = "WITH changed_since AS MATERIALIZED (
    SELECT item_id FROM events INDEXED BY events_by_kind WHERE kind = 'state' AND at > ?1)";

/// An item `i` posted in [?3, ?1 − ?2) that needed a reply, had none by ?1 and was new,
/// open or snoozed at ?1. Every state change leaves an event, so an item unchanged since
/// ?1 was in its present state then (read from `items_awaiting_reply` alone); only the
/// items changed since look up their last state change up to ?1 (none: still new).
const WAITING_AT: &str = "i.created_at >= ?3 AND i.created_at < ?1 - ?2
    AND i.needs_reply = 1 AND i.kind != 'post'
    AND (i.first_response_at IS NULL OR i.first_response_at > ?1)
    AND CASE WHEN i.id IN changed_since
        THEN coalesce((SELECT e.to_state FROM events e INDEXED BY events_by_item
                       WHERE e.item_id = i.id AND e.kind = 'state' AND e.at <= ?1
                       ORDER BY e.at DESC, e.id DESC LIMIT 1), 'new')
        ELSE i.state END IN ('new', 'open', 'snoozed')";

fn grouped(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
) -> rusqlite::Result<BTreeMap<String, u64>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(params, |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
    })?;
    rows.map(|r| r.map(|(k, n)| (k, n as u64))).collect()
}

/// One `events` row.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub item_id: Option<i64>,
    pub at: UnixTime,
    pub actor: String,
    /// The team member who acted (team mode), when one did.
    pub cm: Option<String>,
    pub detail: serde_json::Value,
}

/// Events of `kind` in [start, end), in order.
pub fn events(
    conn: &Connection,
    kind: &str,
    start: UnixTime,
    end: UnixTime,
) -> rusqlite::Result<Vec<Event>> {
    let mut stmt = conn.prepare_cached(
        "SELECT item_id, at, actor, detail, cm FROM events
         WHERE kind = ?1 AND at >= ?2 AND at < ?3 ORDER BY at, id",
    )?;
    let rows = stmt.query_map(params![kind, start, end], |r| {
        let detail: Option<String> = r.get(3)?;
        Ok(Event {
            item_id: r.get(0)?,
            at: r.get(1)?,
            actor: r.get(2)?,
            cm: r.get(4)?,
            detail: detail
                .and_then(|d| serde_json::from_str(&d).ok())
                .unwrap_or(serde_json::Value::Null),
        })
    })?;
    rows.collect()
}

/// Actors of every event in [start, end) whose actor is a rule, with how many times.
pub fn rule_matches(
    conn: &Connection,
    start: UnixTime,
    end: UnixTime,
) -> rusqlite::Result<BTreeMap<String, u64>> {
    // The kinds a rule can cause, so the (kind, at) index is used.
    grouped(
        conn,
        "SELECT substr(actor, 6), count(*) FROM events
         WHERE kind IN ('state', 'tag', 'escalation', 'moderation', 'sentiment')
           AND at >= ?1 AND at < ?2 AND actor LIKE 'rule:%'
         GROUP BY actor",
        params![start, end],
    )
}

/// Moderation rows in the outbox created in [start, end): (kind, state) → count.
pub fn moderation_outbox(
    conn: &Connection,
    start: UnixTime,
    end: UnixTime,
) -> rusqlite::Result<BTreeMap<(String, String), u64>> {
    let mut stmt = conn.prepare_cached(
        "SELECT kind, state, count(*) FROM outbox INDEXED BY outbox_moderation
         WHERE kind != 'reply' AND created_at >= ?1 AND created_at < ?2 GROUP BY kind, state",
    )?;
    let rows = stmt.query_map(params![start, end], |r| {
        Ok(((r.get(0)?, r.get(1)?), r.get::<_, i64>(2)? as u64))
    })?;
    rows.collect()
}

/// One escalation with its item and notes.
#[derive(Debug, Clone, PartialEq)]
pub struct Escalation {
    pub id: i64,
    pub severity: String,
    pub reason: String,
    pub source: String,
    pub opened_at: UnixTime,
    pub resolved_at: Option<UnixTime>,
    pub outcome: Option<String>,
    pub item: Option<String>,
    pub notes: Vec<String>,
}

/// Escalations active during [start, end): opened before the end and not resolved before
/// the start.
pub fn escalations(
    conn: &Connection,
    start: UnixTime,
    end: UnixTime,
) -> rusqlite::Result<Vec<Escalation>> {
    let mut stmt = conn.prepare_cached(
        "SELECT e.id, e.severity, e.reason, e.source, e.opened_at, e.resolved_at, e.outcome,
                e.item_id, au.handle, i.body
         FROM escalations e
         LEFT JOIN items i ON i.id = e.item_id
         LEFT JOIN authors au ON au.id = i.author_id
         WHERE e.opened_at < ?2 AND (e.resolved_at IS NULL OR e.resolved_at >= ?1)
         ORDER BY e.opened_at, e.id",
    )?;
    let mut notes = conn.prepare_cached(
        "SELECT body FROM notes WHERE item_id = ? AND created_at < ? ORDER BY created_at, id",
    )?;
    let rows: Vec<(Escalation, Option<i64>)> = stmt
        .query_map(params![start, end], |r| {
            let handle: Option<String> = r.get(8)?;
            let body: Option<String> = r.get(9)?;
            Ok((
                Escalation {
                    id: r.get(0)?,
                    severity: r.get(1)?,
                    reason: inert_line(&r.get::<_, String>(2)?),
                    source: r.get(3)?,
                    opened_at: r.get(4)?,
                    resolved_at: r.get(5)?,
                    outcome: r.get::<_, Option<String>>(6)?.map(|o| inert_line(&o)),
                    item: handle
                        .zip(body)
                        .map(|(h, b)| inert_line(&format!("{h}: {b}"))),
                    notes: Vec::new(),
                },
                r.get(7)?,
            ))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut out = Vec::with_capacity(rows.len());
    for (mut esc, item_id) in rows {
        if let Some(item_id) = item_id {
            esc.notes = notes
                .query_map(params![item_id, end], |r| {
                    r.get::<_, String>(0).map(|n| inert_line(&n))
                })?
                .collect::<rusqlite::Result<_>>()?;
        }
        out.push(esc);
    }
    Ok(out)
}

/// How many rows `table` has at all (to tell "none this week" from "never used").
pub fn ever(conn: &Connection, table: Table) -> rusqlite::Result<u64> {
    let sql = match table {
        Table::Escalations => "SELECT count(*) FROM escalations",
        Table::Tags => "SELECT count(*) FROM tags",
        Table::Moderation => {
            "SELECT (SELECT count(*) FROM outbox WHERE kind != 'reply')
                  + (SELECT count(*) FROM events WHERE kind = 'moderation')"
        }
    };
    conn.query_row(sql, [], |r| r.get::<_, i64>(0))
        .map(|n| n as u64)
}

/// Tables whose emptiness changes what a section says.
#[derive(Debug, Clone, Copy)]
pub enum Table {
    Escalations,
    Tags,
    Moderation,
}

/// Tags on items created in [start, end): (tag, item id), sorted.
pub fn tags(
    conn: &Connection,
    start: UnixTime,
    end: UnixTime,
) -> rusqlite::Result<Vec<(String, i64)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT t.tag, t.item_id FROM items i JOIN tags t ON t.item_id = i.id
         WHERE i.created_at >= ?1 AND i.created_at < ?2 AND i.kind != 'post'
         ORDER BY t.tag, i.created_at, i.id",
    )?;
    let rows = stmt.query_map(params![start, end], |r| Ok((r.get(0)?, r.get(1)?)))?;
    rows.collect()
}

/// Team mode: per CM over `[start, end)`, what the team section of the report counts
/// (see [`crate::report::team`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TeamFigures {
    /// CM → replies the platform accepted (sent in the period).
    pub replies: Vec<(String, u64)>,
    /// (CM, item created at, first response at): the item's first answer was this CM's.
    pub first_responses: Vec<(String, UnixTime, UnixTime)>,
    /// CM → distinct items they answered, marked done or moderated.
    pub handled: Vec<(String, u64)>,
    /// CM → items assigned to them (by anyone, a rule or round-robin; undos left out).
    pub assignments: Vec<(String, u64)>,
}

pub fn team(conn: &Connection, start: UnixTime, end: UnixTime) -> rusqlite::Result<TeamFigures> {
    let pairs = |sql: &str| -> rusqlite::Result<Vec<(String, u64)>> {
        conn.prepare(sql)?
            .query_map(params![start, end], |r| {
                Ok((r.get(0)?, r.get::<_, i64>(1)?.max(0) as u64))
            })?
            .collect()
    };
    let replies = pairs(
        "SELECT cm, count(*) FROM outbox
         WHERE kind = 'reply' AND state = 'sent' AND cm IS NOT NULL
           AND sent_at >= ?1 AND sent_at < ?2
         GROUP BY cm",
    )?;
    let first_responses = conn
        .prepare(
            "SELECT o.cm, i.created_at, i.first_response_at FROM outbox o
             JOIN items i ON i.id = o.item_id
             WHERE o.kind = 'reply' AND o.state = 'sent' AND o.cm IS NOT NULL
               AND o.sent_at >= ?1 AND o.sent_at < ?2 AND i.first_response_at = o.sent_at",
        )?
        .query_map(params![start, end], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let handled = pairs(
        "SELECT cm, count(DISTINCT item_id) FROM (
            SELECT cm, item_id FROM events
            WHERE cm IS NOT NULL AND item_id IS NOT NULL AND at >= ?1 AND at < ?2
              AND ((kind = 'state' AND to_state = 'done') OR kind = 'moderation')
            UNION ALL
            SELECT cm, item_id FROM outbox
            WHERE cm IS NOT NULL AND kind = 'reply' AND created_at >= ?1 AND created_at < ?2)
         GROUP BY cm",
    )?;
    let assignments = pairs(
        "SELECT json_extract(detail, '$.to'), count(*) FROM events
         WHERE kind = 'assign' AND actor != 'undo' AND at >= ?1 AND at < ?2
           AND json_extract(detail, '$.to') IS NOT NULL
         GROUP BY 1",
    )?;
    Ok(TeamFigures {
        replies,
        first_responses,
        handled,
        assignments,
    })
}
