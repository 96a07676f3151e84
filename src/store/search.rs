//! Counting a search's matches inside a narrow view (the Inbox, a platform, a tag).
//!
//! The general count walks the full-text matches and looks each one up in `items` until
//! it has found the cap: in All that is quick, but in a view of a few thousand items a
//! common word's hundred thousand matches are each looked up for nothing. For a narrow
//! view it is cheaper to read the view's ids once and keep the matches that are among them.

use std::collections::HashSet;

use rusqlite::{params, params_from_iter, Connection};

use super::{Result, View};

/// Views up to this many items are counted by their ids.
pub(crate) const NARROW_VIEW: u64 = 50_000;

/// How many matches of `search` lie in `view`, counting no further than `limit`; `None`
/// when the view is too large for this way (`view_size` items).
pub(crate) fn count_in_view(
    conn: &Connection,
    view: &View,
    view_size: u64,
    search: &str,
    limit: u64,
) -> Result<Option<u64>> {
    if view_size > NARROW_VIEW {
        return Ok(None);
    }
    let (view_sql, view_params) = view.condition();
    let index = view.time_index();
    let ids: HashSet<i64> = match conn
        .prepare_cached(&format!(
            "SELECT i.id FROM items i {index} WHERE {view_sql}"
        ))?
        .query_map(params_from_iter(view_params), |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()
    {
        Ok(ids) => ids,
        // The count's budget ran out before a match was looked at.
        Err(e) if super::budget::interrupted(&e) => return Ok(Some(0)),
        Err(e) => return Err(e.into()),
    };
    // Only the matches between the view's first and last id can count: the Inbox holds
    // recent items, so this skips most of a common word's matches.
    let (Some(&from), Some(&last)) = (ids.iter().min(), ids.iter().max()) else {
        return Ok(Some(0));
    };
    let mut stmt = conn.prepare_cached(
        "SELECT rowid FROM items_fts WHERE items_fts MATCH ?1 AND rowid >= ?2 AND rowid <= ?3",
    )?;
    let mut rows = stmt.query(params![search, from, last])?;
    let mut found = 0;
    loop {
        let row = match rows.next() {
            Ok(Some(row)) => row,
            Ok(None) => break,
            // The count's budget ran out: what was found so far.
            Err(e) if super::budget::interrupted(&e) => break,
            Err(e) => return Err(e.into()),
        };
        if ids.contains(&row.get::<_, i64>(0)?) {
            found += 1;
            if found >= limit {
                break;
            }
        }
    }
    Ok(Some(found))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{ItemKind, ItemState, NewAuthor, NewItem};
    use crate::store::ingest::{self, Incoming};
    use crate::store::view::fts_query;

    /// What the general count gives: every match looked up in `items`.
    fn by_lookup(conn: &Connection, view: &View, search: &str, after: i64, limit: u64) -> u64 {
        let (view_sql, mut values) = view.condition();
        values.insert(0, rusqlite::types::Value::Text(search.into()));
        values.push(rusqlite::types::Value::Integer(after));
        values.push(rusqlite::types::Value::Integer(limit as i64));
        conn.query_row(
            &format!(
                "SELECT count(*) FROM (SELECT 1 FROM items_fts JOIN items i ON i.id = items_fts.rowid
                 WHERE items_fts MATCH ? AND {view_sql} AND items_fts.rowid > ? LIMIT ?)"
            ),
            params_from_iter(values),
            |r| r.get::<_, i64>(0),
        )
        .unwrap() as u64
    }

    #[test]
    fn a_narrow_view_counts_the_same_matches_as_looking_each_one_up() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = crate::store::open_rw(&dir.path().join("hark.db")).unwrap();
        let account = ingest::ensure_account(&conn, "brand", "chirp", "@brand").unwrap();
        let items: Vec<Incoming> = (0..60)
            .map(|n| {
                Incoming::from(NewItem {
                    external_id: format!("x{n}"),
                    kind: if n % 7 == 0 {
                        ItemKind::Post
                    } else {
                        ItemKind::Mention
                    },
                    parent_external_id: None,
                    thread_external_id: None,
                    author: NewAuthor {
                        external_id: "u".into(),
                        handle: "@ana".into(),
                        display_name: "Ana".into(),
                        followers: None,
                    },
                    body: format!(
                        "coffee order {n} {}",
                        if n % 3 == 0 { "cold" } else { "hot" }
                    ),
                    url: None,
                    created_at: 1_000 + n,
                    raw_json: None,
                    room: None,
                })
            })
            .collect();
        let ids = ingest::ingest(&mut conn, account, &items, None, 1)
            .unwrap()
            .inserted;
        crate::store::state::set_state(&mut conn, &ids[..20], ItemState::Done, None, "user", 2)
            .unwrap();
        crate::store::moderation::set_tag(&mut conn, &ids[5..40], "bug", false, "user", 2).unwrap();
        let views = [
            View::Inbox,
            View::Done,
            View::All,
            View::Tag("bug".into()),
            View::Platform("chirp".into()),
        ];
        for view in &views {
            for words in ["coffee", "cold", "co", "order 1", "nothing"] {
                let search = fts_query(words).unwrap();
                for limit in [1_000, 4] {
                    let narrow = count_in_view(&conn, view, 0, &search, limit)
                        .unwrap()
                        .unwrap();
                    assert_eq!(
                        narrow,
                        by_lookup(&conn, view, &search, 0, limit),
                        "{view:?} {words} limit {limit}"
                    );
                }
            }
        }
        // A view over the limit is left to the general count.
        let search = fts_query("coffee").unwrap();
        assert_eq!(
            count_in_view(&conn, &View::All, NARROW_VIEW + 1, &search, 10).unwrap(),
            None
        );
    }
}
