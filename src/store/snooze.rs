//! Snoozing: an item leaves its views until a time, then comes back as new. The item's
//! state says it is snoozed (so every view and count knows without a join); `snoozes`
//! says until when. Snoozing is a state change like any other, so `u` undoes it.

use rusqlite::{params, Connection};

use super::state::{set_state, ACTOR_USER};
use super::Result;
use crate::domain::{ItemId, ItemState, UnixTime};

/// Who wakes an item whose time has come (not the CM: undo leaves it alone).
pub const ACTOR_SNOOZE: &str = "snooze";

/// The states an item can be snoozed from: those still to handle.
const SNOOZABLE: &[ItemState] = &[ItemState::New, ItemState::Open, ItemState::Snoozed];

/// Snoozes `ids` until `until`; an item snoozed already gets the new time. Done, hidden
/// or deleted items are left alone. Returns the items snoozed.
pub fn snooze(
    conn: &mut Connection,
    ids: &[ItemId],
    until: UnixTime,
    now: UnixTime,
) -> Result<Vec<ItemId>> {
    let mut snoozable = Vec::new();
    {
        let mut state = conn.prepare_cached("SELECT state FROM items WHERE id = ?")?;
        for &id in ids {
            let current: Option<String> =
                state
                    .query_row([id], |r| r.get(0))
                    .map(Some)
                    .or_else(|e| match e {
                        rusqlite::Error::QueryReturnedNoRows => Ok(None),
                        e => Err(e),
                    })?;
            if current.is_some_and(|s| SNOOZABLE.iter().any(|a| a.as_str() == s)) {
                snoozable.push(id);
            }
        }
    }
    {
        let mut upsert = conn.prepare_cached(
            "INSERT INTO snoozes (item_id, until, snoozed_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (item_id) DO UPDATE SET until = ?2, snoozed_at = ?3",
        )?;
        for &id in &snoozable {
            upsert.execute(params![id, until, now])?;
        }
    }
    set_state(
        conn,
        &snoozable,
        ItemState::Snoozed,
        Some(&[ItemState::New, ItemState::Open]),
        ACTOR_USER,
        now,
    )?;
    Ok(snoozable)
}

/// Wakes every snoozed item whose time has come: new again, in its views. Returns them.
pub fn wake_due(conn: &mut Connection, now: UnixTime) -> Result<Vec<ItemId>> {
    let due: Vec<ItemId> = conn
        .prepare_cached(
            "SELECT s.item_id FROM snoozes s JOIN items i ON i.id = s.item_id
             WHERE s.until <= ? AND i.state = 'snoozed' ORDER BY s.until",
        )?
        .query_map([now], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let woken = set_state(
        conn,
        &due,
        ItemState::New,
        Some(&[ItemState::Snoozed]),
        ACTOR_SNOOZE,
        now,
    )?;
    // Rows of items undone or handled since are done with too.
    conn.execute("DELETE FROM snoozes WHERE until <= ?", [now])?;
    Ok(woken)
}

/// When `id` wakes, if it is snoozed.
pub fn until(conn: &Connection, id: ItemId) -> Result<Option<UnixTime>> {
    let mut q = conn.prepare_cached(
        "SELECT s.until FROM snoozes s JOIN items i ON i.id = s.item_id
         WHERE s.item_id = ? AND i.state = 'snoozed'",
    )?;
    let mut rows = q.query([id])?;
    Ok(match rows.next()? {
        Some(row) => Some(row.get(0)?),
        None => None,
    })
}
