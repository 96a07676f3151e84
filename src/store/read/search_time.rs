//! A search's page in the list's own order (time, newest or oldest first).
//!
//! The full-text index yields matches in id order, and sorting every match of a common
//! prefix by time cost seconds at a million items. Ids follow arrival, which mostly
//! follows time, so a page is first looked for among the matches whose ids lie within the
//! next few thousand items of the view in time order: the index seeks to that id range
//! and only those matches are sorted. A page that does not fill there (a rare word) is
//! looked for among all matches, which are then few.

use rusqlite::params_from_iter;
use rusqlite::types::Value;

use super::{item_row, Direction, ItemRow, ListQuery, PageKey, Reader, ROW_COLUMNS, ROW_JOINS};
use super::{Result, WINDOWS};
use crate::domain::{ItemId, UnixTime};

/// The items of a time window beyond an anchor: every item strictly past `bound` (in the
/// walk's direction) has an id in `ids`. `bound` is `None` when the window reached the end
/// of the view: then every item beyond the anchor is in the range.
pub(super) struct Span {
    pub(super) bound: Option<UnixTime>,
    pub(super) ids: (ItemId, ItemId),
}

impl Reader {
    /// Up to `limit` rows matching `search` beyond `anchor` in `direction`, newest first.
    pub(super) fn search_page(
        &self,
        query: &ListQuery,
        search: &str,
        anchor: Option<PageKey>,
        direction: Direction,
        limit: usize,
    ) -> Result<Vec<ItemRow>> {
        let mut seen: Option<(i64, usize)> = None;
        let mut ids = None;
        for window in WINDOWS {
            // A larger window only where the matches so far promise a page in it.
            if let Some((smaller, found)) = seen {
                if (found as i64).saturating_mul(window / smaller) < limit as i64 {
                    break;
                }
            }
            let span = self.span(query, anchor, direction, window)?;
            let found = self.search_ids(query, search, anchor, direction, limit, Some(&span))?;
            if found.len() >= limit || span.bound.is_none() {
                ids = Some(found);
                break;
            }
            seen = Some((window, found.len()));
        }
        let ids = match ids {
            Some(ids) => ids,
            None => self.search_ids(query, search, anchor, direction, limit, None)?,
        };
        let mut rows = self.rows_of(&ids)?;
        if direction == Direction::Newer {
            rows.reverse();
        }
        Ok(rows)
    }

    /// The next `window` items of the view's time walk beyond `anchor`.
    pub(super) fn span(
        &self,
        query: &ListQuery,
        anchor: Option<PageKey>,
        direction: Direction,
        window: i64,
    ) -> Result<Span> {
        let (index, filter) = query.view.time_walk();
        let (order, edge) = match direction {
            Direction::Older => ("DESC", "min"),
            Direction::Newer => ("ASC", "max"),
        };
        let mut params = Vec::new();
        let anchor_sql = super::beyond(anchor, direction, &mut params);
        params.push(Value::Integer(window));
        let sql = format!(
            "SELECT count(*), {edge}(created_at), min(id), max(id) FROM (
                 SELECT i.created_at, i.id FROM items i INDEXED BY {index}
                 WHERE {filter} {anchor_sql}
                 ORDER BY i.created_at {order}, i.id {order} LIMIT ?)"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let (n, bound, low, high): (i64, Option<i64>, Option<i64>, Option<i64>) = stmt
            .query_row(params_from_iter(params), |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })?;
        Ok(Span {
            bound: if n < window { None } else { bound },
            // An empty rest of the view: a range nothing is in.
            ids: (low.unwrap_or(1), high.unwrap_or(0)),
        })
    }

    /// The ids of up to `limit` matches beyond `anchor`, within `span` if given, in the
    /// walk's order.
    fn search_ids(
        &self,
        query: &ListQuery,
        search: &str,
        anchor: Option<PageKey>,
        direction: Direction,
        limit: usize,
        span: Option<&Span>,
    ) -> Result<Vec<ItemId>> {
        let (view_sql, view_params) = query.condition(false);
        let (order, past) = match direction {
            Direction::Older => ("DESC", ">"),
            Direction::Newer => ("ASC", "<"),
        };
        let mut params = vec![Value::Text(search.to_string())];
        let range_sql = match span {
            Some(span) => {
                params.push(Value::Integer(span.ids.0));
                params.push(Value::Integer(span.ids.1));
                "AND items_fts.rowid BETWEEN ? AND ?"
            }
            None => "",
        };
        params.extend(view_params);
        let anchor_sql = super::beyond(anchor, direction, &mut params);
        // Strictly past the bound: items at the bound itself may lie outside the id range.
        let bound_sql = match span.and_then(|s| s.bound) {
            Some(bound) => {
                params.push(Value::Integer(bound));
                format!("AND i.created_at {past} ?")
            }
            None => String::new(),
        };
        params.push(Value::Integer(limit as i64));
        // CROSS JOIN: the full-text index drives, seeking to the id range.
        let sql = format!(
            "SELECT i.id FROM items_fts CROSS JOIN items i ON i.id = items_fts.rowid
             WHERE items_fts MATCH ? {range_sql} AND {view_sql} {anchor_sql} {bound_sql}
             ORDER BY i.created_at {order}, i.id {order} LIMIT ?"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(params_from_iter(params), |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The list rows of `ids`, in that order (the columns are read for the page only,
    /// not for every match the sort looked at).
    fn rows_of(&self, ids: &[ItemId]) -> Result<Vec<ItemRow>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let list = serde_json::to_string(ids).unwrap_or_else(|_| "[]".into());
        let sql = format!(
            "SELECT {ROW_COLUMNS} {ROW_JOINS} WHERE i.id IN (SELECT value FROM json_each(?))"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut rows: Vec<ItemRow> = stmt
            .query_map([list], item_row)?
            .collect::<rusqlite::Result<_>>()?;
        let position: std::collections::HashMap<ItemId, usize> =
            ids.iter().enumerate().map(|(n, id)| (*id, n)).collect();
        rows.sort_by_key(|r| position.get(&r.id).copied().unwrap_or(usize::MAX));
        Ok(rows)
    }
}
