//! The benchmarks' own statements: the plain-INSERT yardstick and the aging of a
//! generated workload. Not used by hark itself.

use rusqlite::{params, Connection};

use crate::domain::{NewItem, UnixTime};
use crate::store::Result;

/// The yardstick's one account.
pub fn raw_account(conn: &Connection) -> Result<()> {
    conn.execute(
        "INSERT INTO accounts (id, name, platform) VALUES (1, 'a', 'chirp')",
        [],
    )?;
    Ok(())
}

/// Writes `chunk` with plain INSERTs in one transaction, none of hark's logic.
pub fn raw_insert_chunk(conn: &mut Connection, chunk: &[NewItem]) -> Result<()> {
    let tx = conn.transaction()?;
    {
        let mut author = tx.prepare_cached(
            "INSERT INTO authors (platform, external_id, handle, display_name, followers, first_seen_at)
             VALUES ('chirp', ?1, ?2, ?3, ?4, 0)
             ON CONFLICT (platform, external_id) DO UPDATE SET handle = excluded.handle RETURNING id",
        )?;
        let mut item = tx.prepare_cached(
            "INSERT INTO items (account_id, external_id, kind, author_id, body, created_at, fetched_at)
             VALUES (1, ?1, ?2, ?3, ?4, ?5, 0)",
        )?;
        for r in chunk {
            let author_id: i64 = author.query_row(
                params![
                    r.author.external_id,
                    r.author.handle,
                    r.author.display_name,
                    r.author.followers
                ],
                |row| row.get(0),
            )?;
            item.execute(params![
                r.external_id,
                r.kind.as_str(),
                author_id,
                r.body,
                r.created_at
            ])?;
        }
    }
    tx.commit()?;
    Ok(())
}

/// The state events of the aging's changes: done or hidden some hours after posting,
/// replied when the answer went, opened soon after arriving.
const AGING_EVENTS: &str = "INSERT INTO events (item_id, at, kind, actor, from_state, to_state)
    SELECT id,
        CASE state WHEN 'replied' THEN first_response_at
            WHEN 'open' THEN created_at + 30 + abs(random()) % 600
            ELSE created_at + 600 + abs(random()) % 86400 END,
        'state', 'user', 'new', state
    FROM items WHERE kind != 'post' AND state IN ('done', 'hidden', 'replied', 'open')
    ORDER BY id;";

/// A year of CM work: most old items done or replied, a few hidden, some tagged, a few
/// escalated (each its own incident), replies in the outbox; recent items still new or open.
pub fn age_the_workload(conn: &mut Connection, now: UnixTime, seed: u64) -> Result<()> {
    let tx = conn.transaction()?;
    let week_ago = now - 7 * 86_400;
    let sentiment = "CASE abs(random()) % 10 WHEN 0 THEN 'negative' WHEN 1 THEN 'negative' WHEN 2 THEN 'positive'
        WHEN 3 THEN 'positive' WHEN 4 THEN 'positive' ELSE 'neutral' END";
    tx.execute_batch(&format!(
        "UPDATE items SET sentiment_label_auto = {sentiment}, sentiment_auto = 0.0 WHERE sentiment_label_auto IS NULL;"
    ))?;
    tx.execute(
        "UPDATE items SET state = CASE abs(random()) % 20
             WHEN 0 THEN 'hidden' WHEN 1 THEN 'replied' WHEN 2 THEN 'replied' ELSE 'done' END
         WHERE kind != 'post' AND created_at < ?1",
        params![week_ago],
    )?;
    tx.execute(
        "UPDATE items SET state = CASE abs(random()) % 3 WHEN 0 THEN 'open' ELSE 'new' END
         WHERE kind != 'post' AND created_at >= ?1",
        params![week_ago],
    )?;
    tx.execute(
        "UPDATE items SET first_response_at = created_at + 60 + abs(random()) % 7200 WHERE state = 'replied'",
        [],
    )?;
    // Every state change leaves its event, as in a CM's cache (the report reads an item's
    // state at a past moment from them): without them every done item of the backlog
    // counted as still waiting for a reply.
    tx.execute_batch(AGING_EVENTS)?;
    tx.execute_batch(&format!(
        "INSERT INTO tags (item_id, tag, created_at, source)
             SELECT id, CASE (id / 20) % 5 WHEN 0 THEN 'bug' WHEN 1 THEN 'feedback' WHEN 2 THEN 'support'
                 WHEN 3 THEN 'lead' ELSE 'advocate' END, created_at, 'user'
             FROM items WHERE (id * {seed} + 7) % 20 = 0;
         INSERT INTO escalations (item_id, severity, reason, source, opened_at, resolved_at, outcome)
             SELECT id, CASE id % 3 WHEN 0 THEN 'low' WHEN 1 THEN 'high' ELSE 'critical' END,
                 'generated', 'manual', created_at + 600,
                 CASE WHEN created_at < {week_ago} THEN created_at + 86400 END,
                 CASE WHEN created_at < {week_ago} THEN 'handled' END
             FROM items WHERE id % 1000 = 0;
         INSERT INTO incidents (id, topic, title, severity, opened_at, last_activity_at,
                 resolved_at, outcome, notified_at, notices)
             SELECT id, 'reason:generated ' || id, reason, severity, opened_at,
                 coalesce(resolved_at, opened_at), resolved_at, outcome, opened_at, 1
             FROM escalations WHERE incident_id IS NULL;
         UPDATE escalations SET incident_id = id WHERE incident_id IS NULL;
         INSERT OR IGNORE INTO incident_items (incident_id, item_id, added_at, added_by, notice)
             SELECT incident_id, item_id, opened_at, source, 1 FROM escalations
             WHERE item_id IS NOT NULL;
         INSERT INTO outbox (item_id, account_id, kind, payload, idempotency_key, state, attempts,
                 next_attempt_at, created_at, sent_at)
             SELECT id, account_id, 'reply', '{{\"text\":\"Thanks for reaching out!\"}}', 'gen-' || id, 'sent', 1,
                 first_response_at, first_response_at, first_response_at
             FROM items WHERE state = 'replied';"
    ))?;
    tx.commit()?;
    Ok(())
}

/// The items' indexes and the triggers that feed the full-text indexes, set aside while
/// a generated cache is loaded: a B-tree built once from every row, and a search index
/// filled in one pass, cost a fraction of keeping them in step row by row.
#[derive(Debug)]
pub struct Deferred {
    /// The `CREATE` statements as the schema holds them, to run again unchanged.
    indexes: Vec<String>,
    triggers: Vec<String>,
}

/// The triggers that keep the two search indexes in step, set aside by [`defer_indexes`]:
/// all of them, since an update or a delete of a row the index never saw breaks it.
const SEARCH_TRIGGERS: &[&str] = &[
    "items_fts_insert",
    "items_fts_update",
    "items_fts_delete",
    "authors_trigram_insert",
    "authors_trigram_update",
    "authors_trigram_delete",
];

/// What those triggers would have written row by row, in one pass (migration 018's and
/// 021's own fills).
const SEARCH_FILLS: &[&str] = &[
    "INSERT INTO items_fts (rowid, body, author)
     SELECT i.id, i.body, a.handle || ' ' || a.display_name
     FROM items i JOIN authors a ON a.id = i.author_id",
    "INSERT INTO authors_trigram (authors_trigram) VALUES ('rebuild')",
];

/// Drops the items' own indexes (not the UNIQUE constraint's, which ingest reads) and
/// the search indexes' triggers of a cache that holds no items yet.
pub fn defer_indexes(conn: &Connection) -> Result<Deferred> {
    let items: i64 = conn.query_row("SELECT count(*) FROM items", [], |r| r.get(0))?;
    if items > 0 {
        return Err(crate::store::Error::Invalid(
            "indexes are only set aside on an empty cache".into(),
        ));
    }
    let mut stmt = conn.prepare(
        "SELECT type, name, sql FROM sqlite_master
         WHERE sql IS NOT NULL AND ((type = 'index' AND tbl_name = 'items') OR type = 'trigger')
         ORDER BY name",
    )?;
    let rows: Vec<(String, String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut deferred = Deferred {
        indexes: Vec::new(),
        triggers: Vec::new(),
    };
    for (kind, name, sql) in rows {
        if kind == "index" {
            conn.execute_batch(&format!("DROP INDEX \"{name}\""))?;
            deferred.indexes.push(sql);
        } else if SEARCH_TRIGGERS.contains(&name.as_str()) {
            conn.execute_batch(&format!("DROP TRIGGER \"{name}\""))?;
            deferred.triggers.push(sql);
        }
    }
    Ok(deferred)
}

/// Builds the set-aside indexes, fills the full-text indexes from the rows and puts the
/// triggers back: the schema is then exactly as before [`defer_indexes`].
pub fn restore_indexes(conn: &mut Connection, deferred: Deferred) -> Result<()> {
    let tx = conn.transaction()?;
    for sql in &deferred.indexes {
        tx.execute_batch(sql)?;
    }
    for fill in SEARCH_FILLS {
        tx.execute_batch(fill)?;
    }
    for sql in &deferred.triggers {
        tx.execute_batch(sql)?;
    }
    tx.commit()?;
    Ok(())
}

/// Rebuilds the full-text index exactly as migration 027 does, or (for the comparison)
/// without its prefix index and with or without stemming as before it; returns how many
/// items it indexed.
pub fn rebuild_search_index(conn: &mut Connection, stemming: bool, prefix: bool) -> Result<u64> {
    let mut sql = include_str!("migrations/027_search_prefix.sql").to_string();
    if !stemming {
        sql = sql.replace("'porter unicode61", "'unicode61");
    }
    if !prefix {
        sql = sql.replace(",\n    prefix = '2 3'", "");
    }
    let tx = conn.transaction()?;
    tx.execute_batch(&sql)?;
    let indexed: i64 = tx.query_row("SELECT count(*) FROM items_fts", [], |r| r.get(0))?;
    tx.commit()?;
    Ok(indexed as u64)
}

/// Whether the full-text index keeps prefix postings (migration 027).
pub fn has_prefix_index(conn: &Connection) -> Result<bool> {
    let sql: String = conn.query_row(
        "SELECT sql FROM sqlite_master WHERE name = 'items_fts'",
        [],
        |r| r.get(0),
    )?;
    Ok(sql.contains("prefix"))
}

/// Bytes of the cache in use (freed pages left out, so a rebuilt index is measured
/// without a VACUUM).
pub fn used_bytes(conn: &Connection) -> Result<u64> {
    let pages: i64 = conn.query_row(
        "SELECT (SELECT page_count FROM pragma_page_count()) - (SELECT freelist_count FROM pragma_freelist_count())",
        [],
        |r| r.get(0),
    )?;
    let size: i64 = conn.query_row("SELECT page_size FROM pragma_page_size()", [], |r| r.get(0))?;
    Ok((pages * size) as u64)
}

/// How many items the cache holds.
pub fn item_count(conn: &Connection) -> Result<u64> {
    Ok(conn.query_row("SELECT count(*) FROM items", [], |r| r.get::<_, i64>(0))? as u64)
}

/// `hark bench team`: an item's state by its external id (what a client watches for).
pub fn state_by_external(conn: &Connection, external: &str) -> Result<Option<String>> {
    use rusqlite::OptionalExtension;
    Ok(conn
        .query_row(
            "SELECT state FROM items WHERE external_id = ?",
            [external],
            |r| r.get(0),
        )
        .optional()?)
}

/// `hark bench team`: an item's id by its external id.
pub fn id_by_external(conn: &Connection, external: &str) -> Result<Option<i64>> {
    use rusqlite::OptionalExtension;
    Ok(conn
        .query_row(
            "SELECT id FROM items WHERE external_id = ?",
            [external],
            |r| r.get(0),
        )
        .optional()?)
}

/// `hark bench team`: the ids of the newest `n` items (a night's worth of team work).
pub fn newest_ids(conn: &Connection, n: usize) -> Result<Vec<i64>> {
    let mut stmt = conn.prepare("SELECT id FROM items ORDER BY id DESC LIMIT ?")?;
    let ids = stmt
        .query_map([n as i64], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<i64>>>()?;
    Ok(ids)
}
