//! The outbox's state machine on the store, one transaction per transition, each with
//! its `events` row (kind `outbox`). Runs on the writer's connection.

use rand::Rng;
use rusqlite::{params, Connection, OptionalExtension, Transaction};

use super::{OutboxId, OutboxState, ACTOR_OUTBOX};
use crate::domain::{ItemId, ItemState, UnixTime};
use crate::platform::{ModerationAction, Target};
use crate::store::{Error, Result};

/// A row the worker is sending, with what the connector needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub id: OutboxId,
    pub item_id: ItemId,
    pub account_id: i64,
    pub kind: String,
    pub payload: serde_json::Value,
    pub idempotency_key: String,
    /// Attempts including this one: above 1, an earlier attempt may have reached the server.
    pub attempts: i64,
    pub target: Target,
}

impl Job {
    /// The reply text, for `reply` rows.
    pub fn text(&self) -> Option<&str> {
        self.payload.get("text").and_then(|t| t.as_str())
    }

    /// The moderation action of a non-reply row.
    pub fn action(&self) -> std::result::Result<ModerationAction, String> {
        action_of(&self.kind, &self.payload)
    }
}

/// The connector action for an outbox kind.
pub fn action_of(
    kind: &str,
    payload: &serde_json::Value,
) -> std::result::Result<ModerationAction, String> {
    let field = |name: &str| {
        payload
            .get(name)
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_string()
    };
    Ok(match kind {
        "hide" => ModerationAction::Hide,
        "unhide" => ModerationAction::Unhide,
        "delete" => ModerationAction::Delete,
        "block" => ModerationAction::BlockAuthor,
        "mute" => ModerationAction::MuteAuthor,
        "mute-thread" => ModerationAction::MuteThread,
        "report" => ModerationAction::Report {
            category: field("category"),
            reason: field("reason"),
        },
        "approve" => ModerationAction::Approve,
        "dismiss" => ModerationAction::DismissNotification,
        "accept-request" => ModerationAction::AcceptRequest {
            request_id: field("request_id"),
        },
        "dismiss-request" => ModerationAction::DismissRequest {
            request_id: field("request_id"),
        },
        other => return Err(format!("unknown outbox kind `{other}`")),
    })
}

/// A fresh idempotency key: 128 random bits, hex.
pub fn new_key() -> String {
    let bits: u128 = rand::thread_rng().gen();
    format!("hark-{bits:032x}")
}

/// Writes the `events` row of one transition; `row` is (item, outbox id, outbox kind).
fn event(
    tx: &Transaction,
    (item_id, id, kind): (ItemId, OutboxId, &str),
    from: Option<&str>,
    to: OutboxState,
    error: Option<&str>,
    actor: &str,
    now: UnixTime,
) -> Result<()> {
    let detail = serde_json::json!({
        "outbox_id": id,
        "kind": kind,
        "from": from,
        "to": to.as_str(),
        "error": error,
    });
    tx.execute(
        "INSERT INTO events (item_id, at, kind, actor, detail) VALUES (?, ?, 'outbox', ?, ?)",
        params![item_id, now, actor, detail.to_string()],
    )?;
    Ok(())
}

/// Queues `kind` for `item_id` with `payload`; for a reply also marks the item replied,
/// removes its draft and cancels the failed row it `replaces`. Nothing is sent yet.
pub fn enqueue(
    conn: &mut Connection,
    item_id: ItemId,
    kind: &str,
    payload: &serde_json::Value,
    replaces: Option<OutboxId>,
    actor: &str,
    now: UnixTime,
) -> Result<OutboxId> {
    if kind != "reply" {
        action_of(kind, payload).map_err(Error::Invalid)?;
    }
    let tx = conn.transaction()?;
    let account_id: i64 = tx
        .query_row(
            "SELECT account_id FROM items WHERE id = ?",
            [item_id],
            |r| r.get(0),
        )
        .optional()?
        .ok_or_else(|| Error::Invalid(format!("there is no item {item_id}")))?;
    if let Some(old) = replaces {
        transition(
            &tx,
            old,
            &[OutboxState::Failed, OutboxState::Queued],
            OutboxState::Cancelled,
            None,
            actor,
            now,
        )?;
    }
    tx.execute(
        "INSERT INTO outbox (item_id, account_id, kind, payload, idempotency_key, state,
                             next_attempt_at, created_at)
         VALUES (?, ?, ?, ?, ?, 'queued', ?, ?)",
        params![
            item_id,
            account_id,
            kind,
            payload.to_string(),
            new_key(),
            now,
            now
        ],
    )?;
    let id = tx.last_insert_rowid();
    event(
        &tx,
        (item_id, id, kind),
        None,
        OutboxState::Queued,
        None,
        actor,
        now,
    )?;
    if kind == "reply" {
        tx.execute("DELETE FROM drafts WHERE item_id = ?", [item_id])?;
        let from: String =
            tx.query_row("SELECT state FROM items WHERE id = ?", [item_id], |r| {
                r.get(0)
            })?;
        if from != ItemState::Replied.as_str() {
            tx.execute("UPDATE items SET state = 'replied' WHERE id = ?", [item_id])?;
            tx.execute(
                "INSERT INTO events (item_id, at, kind, actor, from_state, to_state)
                 VALUES (?, ?, 'state', ?, ?, 'replied')",
                params![item_id, now, ACTOR_OUTBOX, from],
            )?;
        }
    }
    tx.commit()?;
    Ok(id)
}

/// Moves row `id` from one of `from` to `to`; returns false (and changes nothing) when the
/// row is elsewhere, so a stale button press cannot resurrect a sent reply.
fn transition(
    tx: &Transaction,
    id: OutboxId,
    from: &[OutboxState],
    to: OutboxState,
    error: Option<&str>,
    actor: &str,
    now: UnixTime,
) -> Result<bool> {
    let row: Option<(ItemId, String, String)> = tx
        .query_row(
            "SELECT item_id, kind, state FROM outbox WHERE id = ?",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((item_id, kind, state)) = row else {
        return Ok(false);
    };
    if !from.iter().any(|s| s.as_str() == state) {
        return Ok(false);
    }
    tx.execute(
        "UPDATE outbox SET state = ? WHERE id = ?",
        params![to.as_str(), id],
    )?;
    event(
        tx,
        (item_id, id, &kind),
        Some(&state),
        to,
        error,
        actor,
        now,
    )?;
    Ok(true)
}

/// Claims up to `limit` due rows: `queued` → `sending`, attempts + 1. The row is marked
/// `sending` before the connector is called, so a crash mid-send is seen at start-up.
pub fn claim_due(conn: &mut Connection, now: UnixTime, limit: usize) -> Result<Vec<Job>> {
    claim_due_except(conn, now, limit, &[])
}

/// How many rows are queued and due at `now`.
pub fn count_due(conn: &mut Connection, now: UnixTime) -> Result<usize> {
    Ok(conn.query_row(
        "SELECT count(*) FROM outbox WHERE state = 'queued' AND next_attempt_at <= ?",
        [now],
        |r| r.get::<_, i64>(0),
    )? as usize)
}

/// Like [`claim_due`], leaving out `done` (the rows a run has already handled, so a row
/// whose retry falls due again during the run waits for the next one).
pub fn claim_due_except(
    conn: &mut Connection,
    now: UnixTime,
    limit: usize,
    done: &[OutboxId],
) -> Result<Vec<Job>> {
    let tx = conn.transaction()?;
    let done = serde_json::to_string(done).unwrap_or_else(|_| "[]".into());
    let ids: Vec<OutboxId> = tx
        .prepare(
            "SELECT id FROM outbox WHERE state = 'queued' AND next_attempt_at <= ?1
               AND id NOT IN (SELECT value FROM json_each(?3))
             ORDER BY next_attempt_at, id LIMIT ?2",
        )?
        .query_map(params![now, limit as i64, done], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut jobs = Vec::new();
    for id in ids {
        if !transition(
            &tx,
            id,
            &[OutboxState::Queued],
            OutboxState::Sending,
            None,
            ACTOR_OUTBOX,
            now,
        )? {
            continue;
        }
        tx.execute(
            "UPDATE outbox SET attempts = attempts + 1 WHERE id = ?",
            [id],
        )?;
        jobs.push(load_job(&tx, id)?);
    }
    tx.commit()?;
    Ok(jobs)
}

fn load_job(conn: &Connection, id: OutboxId) -> Result<Job> {
    let (item_id, account_id, kind, payload, idempotency_key, attempts) = conn.query_row(
        "SELECT item_id, account_id, kind, payload, idempotency_key, attempts
         FROM outbox WHERE id = ?",
        [id],
        |r| {
            Ok((
                r.get::<_, ItemId>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, i64>(5)?,
            ))
        },
    )?;
    let (_, target) = crate::store::thread::target_of(conn, item_id)?
        .ok_or_else(|| Error::Invalid(format!("outbox row {id}: its item is gone")))?;
    Ok(Job {
        id,
        item_id,
        account_id,
        kind,
        payload: serde_json::from_str(&payload).unwrap_or(serde_json::Value::Null),
        idempotency_key,
        attempts,
        target,
    })
}

/// The platform took it: `sending` → `sent`; the first reply sent to an item sets its
/// `first_response_at`.
pub fn mark_sent(
    conn: &mut Connection,
    id: OutboxId,
    remote_id: Option<&str>,
    now: UnixTime,
) -> Result<bool> {
    let tx = conn.transaction()?;
    let moved = transition(
        &tx,
        id,
        &[OutboxState::Sending],
        OutboxState::Sent,
        None,
        ACTOR_OUTBOX,
        now,
    )?;
    if moved {
        tx.execute(
            // last_error stays: the Outbox pane shows what the retries got past.
            "UPDATE outbox SET remote_id = ?, sent_at = ? WHERE id = ?",
            params![remote_id, now, id],
        )?;
        tx.execute(
            "UPDATE items SET first_response_at = ?1
             WHERE id = (SELECT item_id FROM outbox WHERE id = ?2 AND kind = 'reply')
               AND first_response_at IS NULL",
            params![now, id],
        )?;
        // The platform let the held item through or dropped it: it is no longer waiting.
        tx.execute(
            "UPDATE items SET filtered_request = NULL
             WHERE id = (SELECT item_id FROM outbox WHERE id = ?1
                         AND kind IN ('accept-request', 'dismiss-request'))",
            [id],
        )?;
    }
    tx.commit()?;
    Ok(moved)
}

/// A failure worth retrying: `sending` → `queued`, due at `next_at`.
pub fn mark_retry(
    conn: &mut Connection,
    id: OutboxId,
    error: &str,
    next_at: UnixTime,
    now: UnixTime,
) -> Result<bool> {
    let tx = conn.transaction()?;
    let moved = transition(
        &tx,
        id,
        &[OutboxState::Sending],
        OutboxState::Queued,
        Some(error),
        ACTOR_OUTBOX,
        now,
    )?;
    if moved {
        tx.execute(
            "UPDATE outbox SET last_error = ?, next_attempt_at = ? WHERE id = ?",
            params![error, next_at, id],
        )?;
    }
    tx.commit()?;
    Ok(moved)
}

/// The platform refused for good: `sending` → `failed` with its message.
pub fn mark_failed(
    conn: &mut Connection,
    id: OutboxId,
    error: &str,
    now: UnixTime,
) -> Result<bool> {
    let tx = conn.transaction()?;
    let moved = transition(
        &tx,
        id,
        &[OutboxState::Sending],
        OutboxState::Failed,
        Some(error),
        ACTOR_OUTBOX,
        now,
    )?;
    if moved {
        tx.execute(
            "UPDATE outbox SET last_error = ? WHERE id = ?",
            params![error, id],
        )?;
    }
    tx.commit()?;
    Ok(moved)
}

/// The CM retries a failed (or waiting) row now; it keeps its idempotency key.
pub fn retry(conn: &mut Connection, id: OutboxId, now: UnixTime) -> Result<bool> {
    let tx = conn.transaction()?;
    let moved = transition(
        &tx,
        id,
        &[OutboxState::Failed, OutboxState::Queued],
        OutboxState::Queued,
        None,
        crate::store::state::ACTOR_USER,
        now,
    )?;
    if moved {
        tx.execute(
            "UPDATE outbox SET next_attempt_at = ? WHERE id = ?",
            params![now, id],
        )?;
        // The platform let the held item through or dropped it: it is no longer waiting.
        tx.execute(
            "UPDATE items SET filtered_request = NULL
             WHERE id = (SELECT item_id FROM outbox WHERE id = ?1
                         AND kind IN ('accept-request', 'dismiss-request'))",
            [id],
        )?;
    }
    tx.commit()?;
    Ok(moved)
}

/// The CM cancels a queued or failed row; one already being sent cannot be recalled.
pub fn cancel(conn: &mut Connection, id: OutboxId, now: UnixTime) -> Result<bool> {
    let tx = conn.transaction()?;
    let moved = transition(
        &tx,
        id,
        &[OutboxState::Failed, OutboxState::Queued],
        OutboxState::Cancelled,
        None,
        crate::store::state::ACTOR_USER,
        now,
    )?;
    tx.commit()?;
    Ok(moved)
}

/// At start-up: rows a crash left `sending` go back to `queued` with the SAME key, due
/// now. They are never marked sent or resent blindly: the worker passes the key (the
/// connector contract: one key never posts twice) or, where the platform has no keys,
/// reads the thread back first. Returns how many were found.
pub fn reconcile(conn: &mut Connection, now: UnixTime) -> Result<usize> {
    let tx = conn.transaction()?;
    let ids: Vec<OutboxId> = tx
        .prepare("SELECT id FROM outbox WHERE state = 'sending'")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for &id in &ids {
        transition(
            &tx,
            id,
            &[OutboxState::Sending],
            OutboxState::Queued,
            Some("interrupted while sending; checking before resending"),
            ACTOR_OUTBOX,
            now,
        )?;
        tx.execute(
            "UPDATE outbox SET next_attempt_at = ? WHERE id = ?",
            params![now, id],
        )?;
    }
    tx.commit()?;
    Ok(ids.len())
}

/// Saves the composer's text for `item_id` (an empty text removes the draft).
pub fn save_draft(conn: &mut Connection, item_id: ItemId, body: &str, now: UnixTime) -> Result<()> {
    if body.trim().is_empty() {
        conn.execute("DELETE FROM drafts WHERE item_id = ?", [item_id])?;
    } else {
        conn.execute(
            "INSERT INTO drafts (item_id, body, updated_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (item_id) DO UPDATE SET body = ?2, updated_at = ?3",
            params![item_id, body, now],
        )?;
    }
    Ok(())
}
