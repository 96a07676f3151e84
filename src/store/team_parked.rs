//! Team changes this cache cannot apply yet: they refer to a row it has not received (an
//! item whose account reaches it later). The follow mark moves past them; they wait here
//! and [`super::team_sync::apply`] retries them, in sequence order, once a row of the
//! table they wait for arrives. A change waits at most [`MAX_WAIT`] of the team's time.

use rusqlite::{params, Connection, OptionalExtension};

use super::team_sync::Incoming;
use super::Result;

/// How long, in the team's clock, a change may wait for the row it refers to. Past it the
/// row is taken never to come (it was deleted in the team before it reached this cache,
/// or its change was lost by an older hark) and the change is given up, with a warning.
pub const MAX_WAIT: i64 = 30 * 24 * 3600;

/// True when any change waits (one indexed query: the common case costs no more).
pub fn any(conn: &Connection) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM team_parked)")?
        .query_row([], |r| r.get(0))?)
}

/// How many changes wait; 0 for a cache older than the table (read-only callers do not
/// migrate it).
pub fn count(conn: &Connection) -> Result<i64> {
    let known: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'team_parked')",
        [],
        |r| r.get(0),
    )?;
    if !known {
        return Ok(0);
    }
    Ok(conn.query_row("SELECT count(*) FROM team_parked", [], |r| r.get(0))?)
}

/// True when a change of row `key` of `table` older than `before` waits (`None`: any).
pub fn holds(conn: &Connection, table: &str, key: &str, before: Option<i64>) -> Result<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT 1 FROM team_parked WHERE tbl = ?1 AND key = ?2 AND (?3 IS NULL OR seq < ?3)
             LIMIT 1",
        )?
        .query_row(params![table, key, before], |_| Ok(()))
        .optional()?
        .is_some())
}

/// Keeps `change` until a row of `waits` arrives (again, with what it waits for now).
pub fn park(conn: &Connection, change: &Incoming, waits: &str, now: i64) -> Result<()> {
    let json = serde_json::to_string(change).map_err(|e| super::Error::Invalid(e.to_string()))?;
    conn.prepare_cached(
        "INSERT INTO team_parked (seq, tbl, key, waits, at, parked_at, change)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (seq) DO UPDATE SET waits = ?4",
    )?
    .execute(params![
        change.seq,
        change.tbl,
        change.key,
        waits,
        change.at,
        now,
        json
    ])?;
    Ok(())
}

/// The changes waiting for a row of one of `tables`, in sequence order.
pub fn waiting_for(conn: &Connection, tables: &[&str]) -> Result<Vec<Incoming>> {
    let tables = serde_json::to_string(tables).map_err(|e| super::Error::Invalid(e.to_string()))?;
    let mut stmt = conn.prepare_cached(
        "SELECT seq, change FROM team_parked
         WHERE waits IN (SELECT value FROM json_each(?1)) ORDER BY seq",
    )?;
    let rows = stmt
        .query_map([tables], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut out = Vec::with_capacity(rows.len());
    for (seq, json) in rows {
        match serde_json::from_str::<Incoming>(&json) {
            Ok(change) => out.push(change),
            Err(e) => {
                // Only this hark writes the table; a row it cannot read never will be.
                tracing::warn!(seq, error = %e, "team: a waiting change cannot be read; it is dropped");
                unpark(conn, seq)?;
            }
        }
    }
    Ok(out)
}

/// The change `seq` waits no more.
pub fn unpark(conn: &Connection, seq: i64) -> Result<()> {
    conn.prepare_cached("DELETE FROM team_parked WHERE seq = ?")?
        .execute([seq])?;
    Ok(())
}

/// A change given up after [`MAX_WAIT`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GivenUp {
    pub seq: i64,
    pub tbl: String,
    pub waits: String,
    pub at: i64,
}

/// Gives up the changes committed more than [`MAX_WAIT`] before `team_now` (the team's
/// clock: every cache gives up the same changes, however long it was offline).
pub fn expire(conn: &Connection, team_now: i64) -> Result<Vec<GivenUp>> {
    let mut stmt = conn.prepare_cached(
        "DELETE FROM team_parked WHERE at < ?1 RETURNING seq, tbl, waits, at",
    )?;
    let mut gone = stmt
        .query_map([team_now.saturating_sub(MAX_WAIT)], |r| {
            Ok(GivenUp {
                seq: r.get(0)?,
                tbl: r.get(1)?,
                waits: r.get(2)?,
                at: r.get(3)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    gone.sort_by_key(|g| g.seq);
    Ok(gone)
}
