//! How an outbox outcome reaches its item: a moderation action
//! changes the item only once the platform confirmed it; a failed reply puts the item back
//! in Needs reply; a row refused for its credentials goes back to the queue as soon as a
//! later call on its account works. Each function runs inside the caller's transaction.

use rusqlite::{params, Connection, OptionalExtension};

use crate::domain::kinds;
use crate::domain::{ItemId, ItemState, UnixTime};
use crate::domain::{OutboxId, ACTOR_OUTBOX};
use crate::store::events::{self, Event};
use crate::store::Result;

/// `outbox.failure` of a row refused for its account's credentials.
pub const FAILURE_AUTH: &str = "auth";

fn row(conn: &Connection, id: OutboxId) -> Result<Option<(ItemId, String, i64)>> {
    Ok(conn
        .query_row(
            "SELECT item_id, kind, account_id FROM outbox WHERE id = ?",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?)
}

/// Moves `item` from one of `from` to `to`, with its `state` event by the outbox.
fn move_item(
    conn: &Connection,
    item: ItemId,
    from: &[&str],
    to: ItemState,
    now: UnixTime,
) -> Result<bool> {
    let state: Option<String> = conn
        .query_row("SELECT state FROM items WHERE id = ?", [item], |r| r.get(0))
        .optional()?;
    let Some(state) = state.filter(|s| from.contains(&s.as_str()) && s != to.as_str()) else {
        return Ok(false);
    };
    conn.execute(
        "UPDATE items SET state = ? WHERE id = ?",
        params![to.as_str(), item],
    )?;
    events::record(
        conn,
        &Event::state(ACTOR_OUTBOX, item, &state, to.as_str()),
        now,
    )?;
    Ok(true)
}

/// The platform confirmed row `id`: a moderation action now changes its item's state
/// (hide → hidden, delete → deleted, unhide → open if hidden).
pub fn on_sent(conn: &Connection, id: OutboxId, now: UnixTime) -> Result<()> {
    let Some((item, kind, _)) = row(conn, id)? else {
        return Ok(());
    };
    // A confirmed mute or block marks the person, wherever they write from.
    crate::store::people::on_moderated(conn, item, &kind)?;
    let Some(to) = crate::store::moderation::state_after(&kind) else {
        return Ok(());
    };
    let from: &[&str] = if kind == kinds::UNHIDE {
        &["hidden"]
    } else {
        &["new", "open", "replied", "done", "hidden"]
    };
    move_item(conn, item, from, to, now)?;
    Ok(())
}

/// The platform refused row `id` for good. A moderation action never changed its item, so
/// nothing is undone; a reply's item goes back to Needs reply (the CM still owes the
/// answer), unless the CM moved it on meanwhile.
pub fn on_failed(conn: &Connection, id: OutboxId, now: UnixTime) -> Result<()> {
    let Some((item, kind, _)) = row(conn, id)? else {
        return Ok(());
    };
    if kind == kinds::REPLY && move_item(conn, item, &["replied"], ItemState::Open, now)? {
        conn.execute("UPDATE items SET needs_reply = 1 WHERE id = ?", [item])?;
    }
    Ok(())
}

/// A failed row goes back to the queue (the CM's retry, or credentials that work again):
/// a reply's item is answered again while it is on its way.
pub fn on_requeued(conn: &Connection, id: OutboxId, now: UnixTime) -> Result<()> {
    let Some((item, kind, _)) = row(conn, id)? else {
        return Ok(());
    };
    conn.execute("UPDATE outbox SET failure = NULL WHERE id = ?", [id])?;
    if kind == kinds::REPLY {
        move_item(conn, item, &["new", "open"], ItemState::Replied, now)?;
    }
    Ok(())
}

/// Notes why row `id` failed (see [`FAILURE_AUTH`]).
pub fn set_failure(conn: &Connection, id: OutboxId, failure: &str) -> Result<()> {
    conn.execute(
        "UPDATE outbox SET failure = ? WHERE id = ? AND state = 'failed'",
        params![failure, id],
    )?;
    Ok(())
}

/// A call on `account_id` just worked: its rows that failed on credentials go back to the
/// queue, due now, with their keys. Returns how many.
pub fn requeue_auth_failed(conn: &mut Connection, account_id: i64, now: UnixTime) -> Result<usize> {
    let ids: Vec<OutboxId> = conn
        .prepare_cached(
            "SELECT id FROM outbox WHERE account_id = ? AND state = 'failed' AND failure = ?",
        )?
        .query_map(params![account_id, FAILURE_AUTH], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut n = 0;
    for id in ids {
        if crate::store::outbox::requeue_failed(conn, id, "credentials work again", now)? {
            n += 1;
        }
    }
    if n > 0 {
        tracing::info!(
            account_id,
            rows = n,
            "outbox rows refused for credentials requeued"
        );
    }
    Ok(n)
}
