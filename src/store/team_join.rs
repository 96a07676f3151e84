//! A cache's first upload to its team, in bounded chunks.
//!
//! Joining a team, the cache sends every row it already holds. Done in one go, a cache of a
//! million items would hold the writer (and every key press's write) for as long as it
//! takes; here each chunk is one writer job and one PostgreSQL transaction of at most a few
//! thousand rows, and the position after it is kept (`team_join`), so a crash or a cut
//! resumes where the team stopped: the team database keeps the last chunk's ledger
//! ([`Ledger`]), and a chunk it committed but this cache never recorded is settled, not
//! sent again.
//!
//! Order: the shared tables go one after the other (each after the tables it refers to),
//! by primary key. A change captured while the upload runs waits in `team_pending` until
//! its table is uploaded, then goes before the next chunk, so a row never reaches the team
//! before a row it refers to. A row inserted before the upload read it goes once, with the
//! upload.

use rusqlite::types::Value as Sql;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension};
use serde_json::Value;

use super::team_sync::{pending_in, quote, set_last_seq, to_sql, Pending, Row, Schema};
use super::team_tables::SYNCED;
use super::Result;

/// Where the upload is: the table and the key of its last row sent; no table once done.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Position {
    pub table: Option<String>,
    /// A JSON array of the key columns' values; `None`: from the table's start.
    pub after: Option<String>,
}

impl Position {
    pub fn done(&self) -> bool {
        self.table.is_none()
    }
}

/// This cache's membership of the team, as `team_join` keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Join {
    /// Names this cache's uploads in the team's ledger.
    pub id: String,
    /// Chunks committed to the team.
    pub batch: i64,
    pub at: Position,
}

/// What one committed chunk did, as the team's ledger keeps it: settling it in the cache
/// forgets the pending changes it sent and moves the position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ledger {
    pub batch: i64,
    pub sent: Vec<i64>,
    pub next: Position,
}

/// The next chunk to send.
#[derive(Debug, Clone, PartialEq)]
pub struct Chunk {
    /// Captured changes first, then uploaded rows (as inserts, id 0), in sending order.
    pub changes: Vec<Pending>,
    /// What the team's ledger records when the chunk commits.
    pub ledger: Ledger,
    /// Rows of the upload in it.
    pub uploaded: usize,
}

impl Chunk {
    /// Nothing to send and nothing to record.
    pub fn is_empty(&self, from: &Join) -> bool {
        self.changes.is_empty() && self.ledger.next == from.at
    }
}

/// The join as recorded, if this cache ever started one.
pub fn state(conn: &Connection) -> Result<Option<Join>> {
    Ok(conn
        .query_row(
            "SELECT join_id, batch, seed_table, seed_after FROM team_join WHERE id = 1",
            [],
            |r| {
                Ok(Join {
                    id: r.get(0)?,
                    batch: r.get(1)?,
                    at: Position {
                        table: r.get(2)?,
                        after: r.get(3)?,
                    },
                })
            },
        )
        .optional()?)
}

/// The join, started now if this cache never joined: the upload starts at the first
/// table and the cache follows the team from its first change. A cache that joined before
/// uploads were chunked has sent everything already.
pub fn begin(conn: &mut Connection, id: &str) -> Result<Join> {
    if let Some(join) = state(conn)? {
        return Ok(join);
    }
    let tx = conn.transaction()?;
    let first = if super::team_sync::joined(&tx)? {
        None
    } else {
        set_last_seq(&tx, 0)?;
        SYNCED.first().map(|s| s.table.to_string())
    };
    tx.execute(
        "INSERT INTO team_join (id, join_id, batch, seed_table, seed_after) VALUES (1, ?, 0, ?, NULL)",
        params![id, first],
    )?;
    tx.commit()?;
    Ok(state(conn)?.expect("just written"))
}

/// Gives a copied cache a join of its own (a cache seeded from a colleague's, or the
/// bench's clients from one snapshot): its uploads are recorded under `id` from now on.
pub fn rename(conn: &Connection, id: &str) -> Result<()> {
    conn.execute(
        "UPDATE team_join SET join_id = ?, batch = 0 WHERE id = 1",
        [id],
    )?;
    Ok(())
}

/// The tables whose captured changes may go now: those uploaded already. `None`: every
/// table (uploaded).
fn ready_tables(at: &Position) -> Option<Vec<&'static str>> {
    let table = at.table.as_deref()?;
    Some(
        SYNCED
            .iter()
            .take_while(|s| s.table != table)
            .map(|s| s.table)
            .collect(),
    )
}

/// While the upload runs, a table holding a poller's cursor sends its changes up to the
/// first that moves a cursor; that one and the table's later ones wait for the upload's
/// end. A cursor must not reach the team before the items of its page (still waiting for
/// their table: the next poller would skip them), but the row itself must: an account
/// added during the upload is what its items refer to, and an item the team cannot place
/// is lost to every other cache.
fn hold_cursors(changes: &mut Vec<Pending>) {
    let mut held: Vec<&str> = Vec::new();
    changes.retain(|change| {
        let Some(spec) = SYNCED.iter().find(|s| s.table == change.tbl) else {
            return true;
        };
        if spec.poller_only.is_empty() {
            return true;
        }
        if held.contains(&spec.table) {
            return false;
        }
        let moves = spec.poller_only.iter().any(|f| {
            let before = change.old.as_ref().and_then(|r| r.get(*f));
            let after = change.new.as_ref().and_then(|r| r.get(*f));
            after.is_some_and(|v| !v.is_null()) && before != after
        });
        if moves {
            held.push(spec.table);
        }
        !moves
    });
}

/// The shared table after `table` that this cache has, if any.
fn next_table(schema: &Schema, table: &str) -> Option<String> {
    SYNCED
        .iter()
        .skip_while(|s| s.table != table)
        .skip(1)
        .find(|s| !schema.of(s.table).is_empty())
        .map(|s| s.table.to_string())
}

/// The next chunk of at most `limit` rows: the captured changes that may go, then the
/// upload's next rows. A chunk stops at the end of a table, so the changes of that table
/// captured meanwhile go before any row of the next. Drops the captured inserts and
/// updates of the rows it uploads (they are in the rows); run it in a transaction with
/// the naming of its rows.
pub fn next_chunk(conn: &Connection, schema: &Schema, limit: usize) -> Result<Chunk> {
    let join = state(conn)?.ok_or_else(|| {
        super::Error::Invalid("team: the cache has not joined a team (no team_join row)".into())
    })?;
    let ready = ready_tables(&join.at);
    let mut changes = pending_in(conn, ready.as_deref(), limit)?;
    if !join.at.done() {
        hold_cursors(&mut changes);
    }
    let sent: Vec<i64> = changes.iter().map(|p| p.id).collect();
    let mut next = join.at.clone();
    let mut uploaded = 0;
    if let Some(table) = join.at.table.clone() {
        let room = limit.saturating_sub(changes.len());
        if room > 0 {
            let rows = upload_rows(conn, schema, &table, join.at.after.as_deref(), room)?;
            let exhausted = rows.len() < room;
            let last = rows.last().map(|(key, _)| key.clone());
            let upto = if exhausted { None } else { last.as_deref() };
            drop_sent_in_rows(conn, schema, &table, join.at.after.as_deref(), upto)?;
            uploaded = rows.len();
            changes.extend(rows.into_iter().map(|(_, row)| Pending {
                id: 0,
                tbl: table.clone(),
                old: None,
                new: Some(row),
            }));
            next = if exhausted {
                Position {
                    table: next_table(schema, &table),
                    after: None,
                }
            } else {
                Position {
                    table: Some(table),
                    after: last,
                }
            };
        }
    }
    Ok(Chunk {
        changes,
        ledger: Ledger {
            batch: join.batch + 1,
            sent,
            next,
        },
        uploaded,
    })
}

/// The key columns of `table` for paging (its rowid when no key is declared).
fn paging_key(schema: &Schema, table: &str) -> Vec<String> {
    let key = schema.key_of(table);
    if key.is_empty() {
        vec!["rowid".into()]
    } else {
        key.to_vec()
    }
}

/// `(a, b) > (?, ?)` over `columns`, with `after`'s values; everything when `after` is
/// `None`.
fn after_clause(columns: &[String], after: Option<&str>, op: &str) -> (String, Vec<Sql>) {
    let Some(after) = after else {
        return ("1".into(), Vec::new());
    };
    let values: Vec<Sql> = match serde_json::from_str::<Value>(after) {
        Ok(Value::Array(parts)) => parts.iter().map(to_sql).collect(),
        _ => Vec::new(),
    };
    if values.len() != columns.len() {
        return ("1".into(), Vec::new());
    }
    let marks = vec!["?"; columns.len()].join(", ");
    (format!("({}) {op} ({marks})", columns.join(", ")), values)
}

/// Up to `limit` rows of `table` after `after`, by key: (the key as JSON, the row).
fn upload_rows(
    conn: &Connection,
    schema: &Schema,
    table: &str,
    after: Option<&str>,
    limit: usize,
) -> Result<Vec<(String, Row)>> {
    let all = schema.of(table);
    let key = paging_key(schema, table);
    let quoted: Vec<String> = key.iter().map(|k| quote(k)).collect();
    let pairs: Vec<String> = all
        .iter()
        .map(|c| format!("'{}', {}", c.replace('\'', "''"), quote(c)))
        .collect();
    let (cond, mut values) = after_clause(&quoted, after, ">");
    values.push(Sql::Integer(limit as i64));
    let sql = format!(
        "SELECT json_array({k}), json_object({pairs}) FROM main.{table}
         WHERE {cond} ORDER BY {k} LIMIT ?",
        k = quoted.join(", "),
        pairs = pairs.join(", "),
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt
        .query_map(params_from_iter(values), |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows
        .into_iter()
        .filter_map(|(key, row)| Some((key, serde_json::from_str::<Row>(&row).ok()?)))
        .collect())
}

/// Drops the captured inserts of `table`'s rows in (`after`, `upto`] (`upto` `None`: to
/// the end): the upload sends those rows as they are now. Updates and deletes stay: the
/// team may have the row from another machine already, and only the update says what
/// this CM changed (an upload adds what the team lacks, never overwrites).
fn drop_sent_in_rows(
    conn: &Connection,
    schema: &Schema,
    table: &str,
    after: Option<&str>,
    upto: Option<&str>,
) -> Result<()> {
    let key = schema.key_of(table);
    if key.is_empty() {
        // Paged by rowid, which a captured row does not carry: its changes go as they are.
        return Ok(());
    }
    let of_new: Vec<String> = key
        .iter()
        .map(|k| format!("json_extract(new, '$.\"{}\"')", k.replace('"', "")))
        .collect();
    let (low, mut values) = after_clause(&of_new, after, ">");
    let (high, more) = after_clause(&of_new, upto, "<=");
    values.extend(more);
    let mut all = vec![Sql::Text(table.to_string())];
    all.extend(values);
    conn.prepare_cached(&format!(
        "DELETE FROM team_pending WHERE tbl = ? AND old IS NULL AND new IS NOT NULL AND {low} AND {high}"
    ))?
    .execute(params_from_iter(all))?;
    Ok(())
}

/// A chunk the team committed: forgets the changes it sent and moves the position.
pub fn settle(conn: &mut Connection, ledger: &Ledger) -> Result<()> {
    let tx = conn.transaction()?;
    let sent = serde_json::to_string(&ledger.sent).unwrap_or_else(|_| "[]".into());
    tx.execute(
        "DELETE FROM team_pending WHERE id IN (SELECT value FROM json_each(?))",
        [sent],
    )?;
    tx.execute(
        "UPDATE team_join SET batch = ?, seed_table = ?, seed_after = ? WHERE id = 1",
        params![ledger.batch, ledger.next.table, ledger.next.after],
    )?;
    tx.commit()?;
    Ok(())
}

/// What the team's ledger says of this cache's uploads, applied: the chunk the team
/// committed last is settled here if it is not yet (the process died, or the link was
/// cut, between the team's commit and this cache's). True when it was.
pub fn catch_up(conn: &mut Connection, team: Option<&Ledger>) -> Result<bool> {
    let (Some(team), Some(join)) = (team, state(conn)?) else {
        return Ok(false);
    };
    if team.batch == join.batch + 1 {
        settle(conn, team)?;
        return Ok(true);
    }
    if team.batch > join.batch {
        tracing::warn!(
            team = team.batch,
            cache = join.batch,
            "team: the team's ledger is ahead of this cache by more than one chunk"
        );
    }
    Ok(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::team_sync::pending;

    use crate::store::team_sync::test_cache as cache;

    fn add_items(conn: &mut Connection, n: std::ops::Range<usize>) {
        use crate::domain::{ItemKind, NewAuthor, NewItem};
        let account = crate::store::ingest::ensure_account(conn, "brand", "chirp", "@b").unwrap();
        let items: Vec<crate::store::ingest::Incoming> = n
            .map(|i| {
                NewItem {
                    external_id: format!("x{i}"),
                    kind: ItemKind::Mention,
                    parent_external_id: None,
                    thread_external_id: None,
                    author: NewAuthor {
                        external_id: "fan".into(),
                        handle: "@fan".into(),
                        display_name: "A fan".into(),
                        followers: None,
                    },
                    body: format!("hello {i}"),
                    url: None,
                    created_at: 5 + i as i64,
                    raw_json: None,
                    room: None,
                }
                .into()
            })
            .collect();
        crate::store::ingest::ingest(conn, account, &items, None, 10).unwrap();
    }

    /// Runs the upload to its end, a chunk at a time; the tables of each chunk.
    fn upload_all(conn: &mut Connection, schema: &Schema, limit: usize) -> Vec<Vec<String>> {
        let mut chunks = Vec::new();
        loop {
            let join = state(conn).unwrap().unwrap();
            let chunk = next_chunk(conn, schema, limit).unwrap();
            if chunk.is_empty(&join) {
                return chunks;
            }
            assert!(chunk.changes.len() <= limit);
            chunks.push(chunk.changes.iter().map(|c| c.tbl.clone()).collect());
            settle(conn, &chunk.ledger).unwrap();
        }
    }

    #[test]
    fn a_big_cache_goes_up_in_bounded_chunks_each_row_once() {
        let (_dir, mut conn, schema) = cache();
        add_items(&mut conn, 0..250);
        conn.execute("DELETE FROM team_pending", []).unwrap();
        begin(&mut conn, "j1").unwrap();
        let chunks = upload_all(&mut conn, &schema, 100);
        let items: usize = chunks
            .iter()
            .map(|c| c.iter().filter(|t| *t == "items").count())
            .sum();
        assert_eq!(items, 250);
        assert!(
            chunks
                .iter()
                .filter(|c| c.contains(&"items".into()))
                .count()
                >= 3
        );
        assert!(state(&conn).unwrap().unwrap().at.done());
    }

    #[test]
    fn a_change_made_during_the_upload_waits_for_its_table_and_an_insert_goes_once() {
        let (_dir, mut conn, schema) = cache();
        add_items(&mut conn, 0..30);
        conn.execute("DELETE FROM team_pending", []).unwrap();
        begin(&mut conn, "j1").unwrap();
        // Up to the items: the accounts and authors go first.
        loop {
            let chunk = next_chunk(&conn, &schema, 10).unwrap();
            let at_items = chunk.changes.iter().any(|c| c.tbl == "items");
            settle(&mut conn, &chunk.ledger).unwrap();
            if at_items {
                break;
            }
        }
        // Ten items are up. A CM marks one that is up and one that is not, and a poll
        // stores a new item.
        conn.execute(
            "UPDATE items SET state = 'done' WHERE external_id IN ('x2', 'x25')",
            [],
        )
        .unwrap();
        add_items(&mut conn, 30..31);
        assert_eq!(pending(&conn, 100).unwrap().len(), 3);
        // The items table is not done: its changes wait.
        let mut sent_changes = Vec::new();
        let mut uploaded = Vec::new();
        while !state(&conn).unwrap().unwrap().at.done() {
            let chunk = next_chunk(&conn, &schema, 10).unwrap();
            for c in &chunk.changes {
                let name = c.new.as_ref().unwrap()["external_id"].clone();
                if c.id == 0 {
                    if c.tbl == "items" {
                        uploaded.push(name);
                    }
                } else {
                    // Only once the items are all up.
                    assert_eq!(uploaded.len(), 21, "x10 to x30 first: {uploaded:?}");
                    sent_changes.push(name);
                }
            }
            settle(&mut conn, &chunk.ledger).unwrap();
        }
        // The new item went once, with the upload; both updates after it.
        assert_eq!(uploaded.iter().filter(|n| **n == "x30").count(), 1);
        assert_eq!(sent_changes, [Value::from("x2"), Value::from("x25")]);
        assert!(pending(&conn, 100).unwrap().is_empty());
    }

    #[test]
    fn an_account_added_during_the_upload_goes_before_its_items_and_its_cursor_after_them() {
        let (_dir, mut conn, schema) = cache();
        begin(&mut conn, "j1").unwrap();
        // The upload passes the (empty) accounts table; then a first poll stores an
        // account, its author, an item and the cursor after it.
        let first = next_chunk(&conn, &schema, 10).unwrap();
        settle(&mut conn, &first.ledger).unwrap();
        assert_eq!(
            state(&conn).unwrap().unwrap().at.table.as_deref(),
            Some("authors")
        );
        add_items(&mut conn, 0..1);
        conn.execute("UPDATE accounts SET cursor = 'page-2'", [])
            .unwrap();
        let mut order = Vec::new();
        while !state(&conn).unwrap().unwrap().at.done() {
            let chunk = next_chunk(&conn, &schema, 10).unwrap();
            for c in &chunk.changes {
                let cursor = c.new.as_ref().and_then(|r| r.get("cursor"));
                let moved = c.tbl == "accounts" && cursor.is_some_and(|v| !v.is_null());
                order.push(if moved {
                    "cursor".to_string()
                } else {
                    c.tbl.clone()
                });
            }
            settle(&mut conn, &chunk.ledger).unwrap();
        }
        // After the upload, the cursor's move goes with the next chunk.
        let last = next_chunk(&conn, &schema, 10).unwrap();
        order.extend(last.changes.iter().map(|c| {
            let cursor = c.new.as_ref().and_then(|r| r.get("cursor"));
            if cursor.is_some_and(|v| v == "page-2") {
                "cursor".to_string()
            } else {
                c.tbl.clone()
            }
        }));
        let at = |t: &str| order.iter().position(|x| x == t);
        assert!(
            at("accounts").is_some() && at("accounts") < at("items"),
            "the account goes before its items: {order:?}"
        );
        assert!(
            at("cursor").is_some() && at("items") < at("cursor"),
            "the cursor goes after its items: {order:?}"
        );
    }

    #[test]
    fn a_chunk_the_team_committed_but_the_cache_never_recorded_is_settled_not_resent() {
        let (_dir, mut conn, schema) = cache();
        add_items(&mut conn, 0..5);
        begin(&mut conn, "j1").unwrap();
        let first = next_chunk(&conn, &schema, 3).unwrap();
        // The team committed it; the process died before the cache recorded it.
        let before = state(&conn).unwrap().unwrap();
        assert!(catch_up(&mut conn, Some(&first.ledger)).unwrap());
        let after = state(&conn).unwrap().unwrap();
        assert_eq!(after.batch, before.batch + 1);
        assert_eq!(after.at, first.ledger.next);
        for id in &first.ledger.sent {
            assert!(pending(&conn, 100).unwrap().iter().all(|p| p.id != *id));
        }
        // The next chunk starts after it, and the same ledger again changes nothing.
        let second = next_chunk(&conn, &schema, 3).unwrap();
        assert_ne!(second.changes, first.changes);
        assert!(!catch_up(&mut conn, Some(&first.ledger)).unwrap());
    }
}
