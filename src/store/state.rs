//! State changes and their undo, each one an `events` row.
//!
//! A change to several items at once (marked items) shares one batch number, so `u`
//! undoes the whole batch, as the CM made it.

use rusqlite::{params, Connection, OptionalExtension};

use super::events::{self, Event, EventKind};
use super::Result;
use crate::domain::{ItemId, ItemState, UnixTime};

/// Who made a change: shown in the log and used to decide what undo may revert.
pub const ACTOR_USER: &str = "user";
/// Opening an item marks it seen; that is not an edit the CM wants to undo.
pub const ACTOR_VIEW: &str = "view";
/// An undo reverting a change.
pub const ACTOR_UNDO: &str = "undo";
/// The platform itself (an edit, a deleted post).
pub const ACTOR_PLATFORM: &str = "platform";

/// Moves `ids` to `to`. With `only_from`, items in other states are left alone.
/// Returns the items that changed.
pub fn set_state(
    conn: &mut Connection,
    ids: &[ItemId],
    to: ItemState,
    only_from: Option<&[ItemState]>,
    actor: &str,
    now: UnixTime,
) -> Result<Vec<ItemId>> {
    let tx = conn.transaction()?;
    let mut changed = Vec::new();
    {
        let batch = events::next_batch(&tx)?;
        let mut current = tx.prepare_cached("SELECT state FROM items WHERE id = ?")?;
        let mut update = tx.prepare_cached("UPDATE items SET state = ? WHERE id = ?")?;
        for &id in ids {
            let Some(from): Option<String> = current.query_row([id], |r| r.get(0)).optional()?
            else {
                continue;
            };
            let from_state: ItemState = from
                .parse()
                .map_err(|e: crate::domain::UnknownValue| super::Error::Invalid(e.to_string()))?;
            if from_state == to || only_from.is_some_and(|allowed| !allowed.contains(&from_state)) {
                continue;
            }
            update.execute(params![to.as_str(), id])?;
            events::record(
                &tx,
                &Event::state(actor, id, &from, to.as_str()).batch(Some(batch)),
                now,
            )?;
            changed.push(id);
        }
    }
    tx.commit()?;
    Ok(changed)
}

/// What an undo reverted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Undone {
    pub items: Vec<ItemId>,
    /// The state the items had been moved to, now reverted.
    pub was: ItemState,
}

/// Reverts the CM's most recent state change that has not been undone yet. Items changed
/// since by someone else keep their newer state.
pub fn undo_last(conn: &mut Connection, now: UnixTime) -> Result<Option<Undone>> {
    let tx = conn.transaction()?;
    let batch: Option<i64> = tx
        .query_row(
            "SELECT batch FROM events
             WHERE kind = 'state' AND actor = ?1
               AND batch NOT IN (SELECT CAST(detail AS INTEGER) FROM events WHERE kind = 'undo')
             ORDER BY id DESC LIMIT 1",
            [ACTOR_USER],
            |r| r.get(0),
        )
        .optional()?;
    let Some(batch) = batch else {
        return Ok(None);
    };
    let rows: Vec<(ItemId, String, String)> = tx
        .prepare(
            "SELECT item_id, from_state, to_state FROM events WHERE batch = ? AND kind = 'state'",
        )?
        .query_map([batch], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut items = Vec::new();
    let mut was = ItemState::Open;
    for (id, from, to) in rows {
        was = to.parse().unwrap_or(was);
        let reverted = tx.execute(
            "UPDATE items SET state = ?1 WHERE id = ?2 AND state = ?3",
            params![from, id, to],
        )?;
        if reverted == 1 {
            events::record(&tx, &Event::state(ACTOR_UNDO, id, &to, &from), now)?;
            items.push(id);
        }
    }
    events::record(
        &tx,
        &Event::new(EventKind::Undo, ACTOR_USER, None).detail(batch),
        now,
    )?;
    tx.commit()?;
    Ok(Some(Undone { items, was }))
}

/// The platform said the item's post is gone (deleted there): the item keeps its state and
/// carries the mark, logged once. Returns whether the mark is new.
pub fn mark_gone(conn: &Connection, item: ItemId, why: &str, now: UnixTime) -> Result<bool> {
    let marked = conn.execute(
        "UPDATE items SET gone_at = ? WHERE id = ? AND gone_at IS NULL",
        params![now, item],
    )? == 1;
    if marked {
        events::record(
            conn,
            &Event::new(EventKind::Gone, ACTOR_PLATFORM, Some(item))
                .detail(serde_json::json!({ "error": why })),
            now,
        )?;
    }
    Ok(marked)
}
