//! The order the CM chose for each view (`s` in the inbox), kept across restarts.

use std::collections::HashMap;

use rusqlite::{params, Connection};

use super::Result;

/// Remembers `sort` ("newest", "oldest") for the view named `view`.
pub fn set(conn: &Connection, view: &str, sort: &str) -> Result<()> {
    conn.execute(
        "INSERT INTO view_sort (view, sort) VALUES (?1, ?2)
         ON CONFLICT (view) DO UPDATE SET sort = excluded.sort",
        params![view, sort],
    )?;
    Ok(())
}

/// Every remembered order, by view name.
pub fn all(conn: &Connection) -> Result<HashMap<String, String>> {
    let mut stmt = conn.prepare("SELECT view, sort FROM view_sort")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
