//! The SLA-due order: what waits for a first reply, the longest wait first (the first to
//! break the `[sla]` target: on the wall clock and on business hours alike the target is
//! reached in the order items were posted), then everything else, newest first.
//!
//! The list is those two parts one after the other, each paged by (created_at, id) along
//! its own index walk; [`PageKey::rank`] says which part a key is in, so paging, counting
//! what lies above a row and marking all cross from the first part to the second.

use super::{Direction, ItemRow, ListQuery, PageKey, Reader, Result, Sort};
use crate::domain::{ItemId, ItemState};
use crate::store::pattern::{FieldValue, Pattern};
use crate::store::View;

/// A row's part of the SLA-due order: 0 while it waits for a first reply (the `~w` items:
/// Needs reply's and the snoozed ones, whose clock runs on, as the inbox's overdue mark
/// says), 1 otherwise.
pub(super) fn rank_of(needs_reply: bool, state: ItemState) -> u8 {
    if needs_reply && state.owes_reply() {
        0
    } else {
        1
    }
}

/// The two parts of `query` in SLA-due order, each a list of its own.
fn parts(query: &ListQuery) -> Vec<ListQuery> {
    let waiting = Pattern::Field {
        field: "waiting",
        value: FieldValue::None,
    };
    let with = |extra: Pattern| match &query.limit {
        None => extra,
        Some(limit) => Pattern::And(vec![limit.clone(), extra]),
    };
    let mut parts = vec![ListQuery {
        sort: Sort::Oldest,
        limit: Some(with(waiting.clone())),
        ..query.clone()
    }];
    // Views of items waiting for a reply have no second part (and would walk all their
    // items to find it empty).
    if !matches!(query.view, View::NeedsReply | View::Unassigned) {
        parts.push(ListQuery {
            sort: Sort::Newest,
            limit: Some(with(Pattern::Not(Box::new(waiting)))),
            ..query.clone()
        });
    }
    parts
}

impl Reader {
    /// Up to `limit` rows beyond `anchor` in `direction`, in list order.
    pub(super) fn sla_page(
        &self,
        query: &ListQuery,
        anchor: Option<PageKey>,
        direction: Direction,
        limit: usize,
    ) -> Result<Vec<ItemRow>> {
        let parts = parts(query);
        let last = parts.len() - 1;
        let mut rows: Vec<ItemRow> = Vec::new();
        match direction {
            Direction::Older => {
                let start = anchor.map_or(0, |a| usize::from(a.rank).min(last));
                for (n, part) in parts.iter().enumerate().skip(start) {
                    let from = if n == start { anchor } else { None };
                    rows.extend(self.page(part, from, Direction::Older, limit - rows.len())?);
                    if rows.len() >= limit {
                        break;
                    }
                }
            }
            Direction::Newer => {
                let start = anchor.map_or(last, |a| usize::from(a.rank).min(last));
                for n in (0..=start).rev() {
                    let from = if n == start { anchor } else { None };
                    let mut above =
                        self.page(&parts[n], from, Direction::Newer, limit - rows.len())?;
                    above.append(&mut rows);
                    rows = above;
                    if rows.len() >= limit {
                        break;
                    }
                }
            }
        }
        Ok(rows)
    }

    /// How many rows come before `key` in SLA-due order.
    pub(super) fn sla_count_newer(&self, query: &ListQuery, key: PageKey) -> Result<u64> {
        let parts = parts(query);
        let at = usize::from(key.rank).min(parts.len() - 1);
        let mut n = self.count_newer(&parts[at], key)?;
        for part in &parts[..at] {
            n += self.count(part)?;
        }
        Ok(n)
    }

    /// The ids of up to `limit` rows in SLA-due order (to mark them).
    pub(super) fn sla_ids(&self, query: &ListQuery, limit: usize) -> Result<Vec<ItemId>> {
        let mut ids = Vec::new();
        for part in parts(query) {
            ids.extend(self.ids(&part, limit - ids.len())?);
            if ids.len() >= limit {
                break;
            }
        }
        Ok(ids)
    }
}
