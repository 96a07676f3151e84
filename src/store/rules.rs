//! The rules' statements: what a rule looks at, what its actions write, and the spike
//! rule's counts and cooldown. The rule logic stays in `rules`; each function runs on the
//! caller's connection or transaction.

use rusqlite::{params, Connection, OptionalExtension};

use crate::domain::{ItemId, ItemKind, UnixTime};
use crate::store::Result;

/// The facts about one item that rules look at.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemFacts {
    pub body: String,
    pub platform: String,
    pub kind: ItemKind,
    pub author_handle: String,
    pub followers: Option<i64>,
    pub sentiment: Option<f64>,
    /// ISO 639-1; `None` when not yet detected.
    pub lang: Option<String>,
}

fn item_facts(r: &rusqlite::Row, at: usize) -> rusqlite::Result<ItemFacts> {
    Ok(ItemFacts {
        body: r.get(at)?,
        platform: r.get(at + 1)?,
        kind: r
            .get::<_, String>(at + 2)?
            .parse()
            .unwrap_or(ItemKind::Mention),
        author_handle: r.get(at + 3)?,
        followers: r.get(at + 4)?,
        sentiment: r.get(at + 5)?,
        lang: r.get(at + 6)?,
    })
}

/// Loads what rules look at for one item.
pub fn facts(conn: &Connection, id: ItemId) -> Result<Option<ItemFacts>> {
    Ok(conn
        .prepare_cached(
            "SELECT i.body, acc.platform, i.kind, au.handle, au.followers, i.sentiment_auto, i.lang
             FROM items i JOIN accounts acc ON acc.id = i.account_id
             JOIN authors au ON au.id = i.author_id WHERE i.id = ?",
        )?
        .query_row([id], |r| item_facts(r, 0))
        .optional()?)
}

/// Marks item `id` as spam.
pub fn mark_spam(conn: &Connection, id: ItemId) -> Result<()> {
    conn.execute("UPDATE items SET spam = 1 WHERE id = ?", [id])?;
    Ok(())
}

/// Item `id`'s state.
pub fn item_state(conn: &Connection, id: ItemId) -> Result<String> {
    Ok(conn.query_row("SELECT state FROM items WHERE id = ?", [id], |r| r.get(0))?)
}

/// Sets item `id` to done (the caller checked it may be and records the event).
pub fn set_done(conn: &Connection, id: ItemId) -> Result<()> {
    conn.execute("UPDATE items SET state = 'done' WHERE id = ?", [id])?;
    Ok(())
}

/// Hidden already, or a hide on its way (the state changes when the platform confirms).
pub fn hidden_or_hiding(conn: &Connection, id: ItemId) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT state IN ('hidden', 'deleted') OR EXISTS (SELECT 1 FROM outbox
             WHERE item_id = ?1 AND kind = 'hide' AND state IN ('queued', 'sending'))
         FROM items WHERE id = ?1",
        [id],
        |r| r.get(0),
    )?)
}

/// Calls `each` with every non-post item created since `since`, newest first, and its
/// facts (for the dry run).
pub fn for_each_since(
    conn: &Connection,
    since: UnixTime,
    mut each: impl FnMut(ItemId, ItemFacts) -> Result<()>,
) -> Result<()> {
    let mut stmt = conn.prepare(
        "SELECT i.id, i.body, acc.platform, i.kind, au.handle, au.followers, i.sentiment_auto, i.lang
         FROM items i JOIN accounts acc ON acc.id = i.account_id JOIN authors au ON au.id = i.author_id
         WHERE i.created_at >= ? AND i.kind != 'post' ORDER BY i.created_at DESC, i.id DESC",
    )?;
    let rows = stmt.query_map([since], |r| Ok((r.get::<_, i64>(0)?, item_facts(r, 1)?)))?;
    for row in rows {
        let (id, facts) = row?;
        each(id, facts)?;
    }
    Ok(())
}

/// Calls `each` with (id, created_at, negative or tagged `tag`) for every non-post item
/// created since `since` (the dry run's spike series).
pub fn for_each_spike_candidate(
    conn: &Connection,
    since: UnixTime,
    tag: &str,
    mut each: impl FnMut(ItemId, UnixTime, bool) -> Result<()>,
) -> Result<()> {
    let mut stmt = conn.prepare(
        "SELECT i.id, i.created_at, coalesce(coalesce(i.sentiment_manual, i.sentiment_label_auto) = 'negative', 0)
             OR i.id IN (SELECT item_id FROM tags WHERE tag = ?2)
         FROM items i WHERE i.created_at >= ?1 AND i.kind != 'post'",
    )?;
    let rows = stmt.query_map(params![since, tag], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, bool>(2)?,
        ))
    })?;
    for row in rows {
        let (id, at, negative) = row?;
        each(id, at, negative)?;
    }
    Ok(())
}

/// When spike rule `rule` last fired.
pub fn spike_last_fired(conn: &Connection, rule: &str) -> Result<Option<UnixTime>> {
    Ok(conn
        .query_row(
            "SELECT last_fired_at FROM spike_state WHERE rule = ?",
            [rule],
            |r| r.get(0),
        )
        .optional()?)
}

/// Negative (or tagged `tag`) non-post items.
const NEGATIVE: &str = "(coalesce(i.sentiment_manual, i.sentiment_label_auto) = 'negative'
        OR i.id IN (SELECT item_id FROM tags WHERE tag = ?1))";
/// What may join a negative spike's incident later: a negative mood (the CM's label wins),
/// or the spike's tag on an item without one. A post the rules tagged whose mood is known
/// and not negative ("not sick but worried") is not part of a negative spike.
const NEGATIVE_MOOD: &str = "(coalesce(i.sentiment_manual, i.sentiment_label_auto) = 'negative'
        OR (coalesce(i.sentiment_manual, i.sentiment_label_auto) IS NULL
            AND i.id IN (SELECT item_id FROM tags WHERE tag = ?1)))";

/// (hours before `now`, count) of negative items in the `window` hours before the last one.
pub fn spike_baseline(
    conn: &Connection,
    tag: &str,
    now: UnixTime,
    window: i64,
) -> Result<Vec<(i64, i64)>> {
    let sql = format!(
        "SELECT (?2 - i.created_at) / 3600 AS h, count(*) FROM items i
         WHERE i.kind != 'post' AND i.created_at <= ?2 - 3600 AND i.created_at > ?2 - 3600 * (?3 + 1)
           AND {NEGATIVE} GROUP BY h"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![tag, now, window], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The negative items of the last hour before `now`, oldest first.
pub fn spike_last_hour(conn: &Connection, tag: &str, now: UnixTime) -> Result<Vec<ItemId>> {
    let sql = format!(
        "SELECT i.id FROM items i WHERE i.kind != 'post' AND i.created_at > ?2 - 3600
           AND i.created_at <= ?2 AND {NEGATIVE} ORDER BY i.created_at, i.id"
    );
    Ok(conn
        .prepare_cached(&sql)?
        .query_map(params![tag, now], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?)
}

/// Notes that spike rule `rule` fired at `now`.
pub fn spike_fired(conn: &Connection, rule: &str, now: UnixTime) -> Result<()> {
    conn.execute(
        "INSERT INTO spike_state (rule, last_fired_at) VALUES (?1, ?2)
         ON CONFLICT (rule) DO UPDATE SET last_fired_at = excluded.last_fired_at",
        params![rule, now],
    )?;
    Ok(())
}

/// An item as the spike topic reads it: id, author handle, body, language.
pub type SpikeText = (ItemId, String, String, Option<String>);

/// (id, author handle, body, language) of `ids` (the spike topic reads them).
pub fn texts(conn: &Connection, ids: &[ItemId]) -> Result<Vec<SpikeText>> {
    let mut stmt = conn.prepare_cached(
        "SELECT i.id, au.handle, i.body, i.lang FROM items i JOIN authors au ON au.id = i.author_id
         WHERE i.id = ?",
    )?;
    let mut out = Vec::with_capacity(ids.len());
    for &id in ids {
        if let Some(row) = stmt
            .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .optional()?
        {
            out.push(row);
        }
    }
    Ok(out)
}

/// (id, author handle, body, language, created at) of the non-posts among `ids` that may
/// join an open spike incident (see `NEGATIVE_MOOD`).
pub fn negative_texts(
    conn: &Connection,
    tag: &str,
    ids: &[ItemId],
) -> Result<Vec<(SpikeText, UnixTime)>> {
    let sql = format!(
        "SELECT i.id, au.handle, i.body, i.lang, i.created_at FROM items i
         JOIN authors au ON au.id = i.author_id WHERE i.id = ?2 AND i.kind != 'post' AND {NEGATIVE_MOOD}"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut out = Vec::with_capacity(ids.len());
    for &id in ids {
        if let Some(row) = stmt
            .query_row(params![tag, id], |r| {
                Ok(((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?), r.get(4)?))
            })
            .optional()?
        {
            out.push(row);
        }
    }
    Ok(out)
}

/// (id, author handle, body, language) of every non-post item created in `(from, to]`,
/// newest first, at most `limit` (what the spike is compared with).
pub fn baseline_texts(
    conn: &Connection,
    from: UnixTime,
    to: UnixTime,
    limit: usize,
) -> Result<Vec<SpikeText>> {
    let mut stmt = conn.prepare_cached(
        "SELECT i.id, au.handle, i.body, i.lang FROM items i JOIN authors au ON au.id = i.author_id
         WHERE i.kind != 'post' AND i.created_at > ?1 AND i.created_at <= ?2
         ORDER BY i.created_at DESC LIMIT ?3",
    )?;
    let rows = stmt.query_map(params![from, to, limit as i64], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Whether the item has no assignee (team mode).
pub fn unassigned(conn: &Connection, id: ItemId) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT assignee IS NULL FROM items WHERE id = ?")?
        .query_row([id], |r| r.get(0))
        .optional()?
        .unwrap_or(false))
}
