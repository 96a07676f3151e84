//! The outbox's state machine on the store, one transaction per transition, each with
//! its `events` row (kind `outbox`). Runs on the writer's connection.

use rusqlite::{params, Connection, OptionalExtension, Transaction};

use super::lease::{Leases, Owner, Table};
use crate::domain::kinds;
use crate::domain::{ItemId, ItemKind, ItemState, UnixTime};
use crate::domain::{ModerationAction, ResendGuard, Target};
use crate::domain::{OutboxId, OutboxState, ACTOR_OUTBOX};
use crate::store::events::{self, Event, EventKind};
use crate::store::lease::{self, SqliteLeases};
use crate::store::queue;
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

    /// For an edited `unknown` reply: the first text, which may be on the platform. The
    /// new text goes out under the same key only once a read-back proves it is not.
    pub fn unconfirmed_text(&self) -> Option<&str> {
        self.payload
            .get("unconfirmed_text")
            .and_then(|t| t.as_str())
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
        kinds::HIDE => ModerationAction::Hide,
        kinds::UNHIDE => ModerationAction::Unhide,
        kinds::DELETE => ModerationAction::Delete,
        kinds::BLOCK => ModerationAction::BlockAuthor,
        kinds::KICK => ModerationAction::KickAuthor,
        kinds::MUTE => ModerationAction::MuteAuthor,
        kinds::MUTE_THREAD => ModerationAction::MuteThread,
        kinds::REPORT => ModerationAction::Report {
            category: field("category"),
            reason: field("reason"),
        },
        kinds::APPROVE => ModerationAction::Approve,
        kinds::DISMISS => ModerationAction::DismissNotification,
        kinds::ACCEPT_REQUEST => ModerationAction::AcceptRequest {
            request_id: field("request_id"),
        },
        kinds::DISMISS_REQUEST => ModerationAction::DismissRequest {
            request_id: field("request_id"),
        },
        other => return Err(format!("unknown outbox kind `{other}`")),
    })
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
    events::record(
        tx,
        &Event::new(EventKind::Outbox, actor, Some(item_id)).detail(detail),
        now,
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
    if kind != kinds::REPLY {
        action_of(kind, payload).map_err(Error::Invalid)?;
    }
    let tx = conn.transaction()?;
    if let (Some(old), kinds::REPLY) = (replaces, kind) {
        if let Some(id) = edit_unknown(&tx, old, payload, actor, now)? {
            tx.execute("DELETE FROM drafts WHERE item_id = ?", [item_id])?;
            tx.commit()?;
            return Ok(id);
        }
    }
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
    let id = queue::insert_queued(&tx, item_id, account_id, kind, payload, actor, now)?;
    event(
        &tx,
        (item_id, id, kind),
        None,
        OutboxState::Queued,
        None,
        actor,
        now,
    )?;
    if kind == kinds::REPLY {
        tx.execute("DELETE FROM drafts WHERE item_id = ?", [item_id])?;
        let from: String =
            tx.query_row("SELECT state FROM items WHERE id = ?", [item_id], |r| {
                r.get(0)
            })?;
        if from != ItemState::Replied.as_str() {
            tx.execute("UPDATE items SET state = 'replied' WHERE id = ?", [item_id])?;
            let to = ItemState::Replied.as_str();
            events::record(&tx, &Event::state(ACTOR_OUTBOX, item_id, &from, to), now)?;
        }
    }
    tx.commit()?;
    Ok(id)
}

/// The CM edited a reply whose first attempt may have landed (`unknown`): the row keeps
/// its key and remembers the first text, so the worker can read back before the new text
/// goes out. `None` when the row is not an unknown reply (it is then replaced as usual).
fn edit_unknown(
    tx: &Transaction,
    id: OutboxId,
    payload: &serde_json::Value,
    actor: &str,
    now: UnixTime,
) -> Result<Option<OutboxId>> {
    let row: Option<String> = tx
        .query_row(
            "SELECT payload FROM outbox WHERE id = ? AND state = 'unknown' AND kind = 'reply'",
            [id],
            |r| r.get(0),
        )
        .optional()?;
    let Some(old) = row else {
        return Ok(None);
    };
    let old: serde_json::Value = serde_json::from_str(&old).unwrap_or_default();
    let first = old
        .get("unconfirmed_text")
        .or_else(|| old.get("text"))
        .cloned()
        .unwrap_or_default();
    let mut new = payload.clone();
    new["unconfirmed_text"] = first;
    transition(
        tx,
        id,
        &[OutboxState::Unknown],
        OutboxState::Queued,
        Some("edited; the first text is checked for before this one is sent"),
        actor,
        now,
    )?;
    tx.execute(
        "UPDATE outbox SET payload = ?2, next_attempt_at = ?3 WHERE id = ?1",
        params![id, new.to_string(), now],
    )?;
    Ok(Some(id))
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

/// How long a claim lasts unless renewed, by default.
pub const LEASE_SECS: i64 = 60;

/// Claims up to `limit` due rows for a one-off owner (tests and tools; the worker claims
/// with its own owner through [`claim_due_except`]).
pub fn claim_due(conn: &mut Connection, now: UnixTime, limit: usize) -> Result<Vec<Job>> {
    claim_due_except(conn, now, limit, &[], &Owner::new(), LEASE_SECS)
}

/// How many rows are queued and due at `now`.
pub fn count_due(conn: &mut Connection, now: UnixTime) -> Result<usize> {
    Ok(conn.query_row(
        "SELECT count(*) FROM outbox WHERE state = 'queued' AND next_attempt_at <= ?",
        [now],
        |r| r.get::<_, i64>(0),
    )? as usize)
}

/// Claims up to `limit` due rows for `owner`, leaving out `done` (the rows a run has
/// already handled): `queued` → `sending`, attempts + 1, leased until `now + ttl`. The row
/// is `sending` and leased before the connector is called, so no other process takes it
/// and a crash mid-send is seen once the lease runs out.
pub fn claim_due_except(
    conn: &mut Connection,
    now: UnixTime,
    limit: usize,
    done: &[OutboxId],
    owner: &Owner,
    ttl: i64,
) -> Result<Vec<Job>> {
    // Immediate: another process claiming at the same moment waits, then sees the row taken.
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
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
        if let Some(job) = claim_one(&tx, id, OutboxState::Queued, owner, now, ttl)? {
            jobs.push(job);
        }
    }
    tx.commit()?;
    Ok(jobs)
}

/// Claims `unknown` rows `ids` to settle them by reading back (the worker picks the rows
/// whose connector can): `unknown` → `sending`, leased like any send.
pub fn claim_unknown(
    conn: &mut Connection,
    ids: &[OutboxId],
    owner: &Owner,
    now: UnixTime,
    ttl: i64,
) -> Result<Vec<Job>> {
    // Immediate: another process claiming at the same moment waits, then sees the row taken.
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let mut jobs = Vec::new();
    for &id in ids {
        if let Some(job) = claim_one(&tx, id, OutboxState::Unknown, owner, now, ttl)? {
            jobs.push(job);
        }
    }
    tx.commit()?;
    Ok(jobs)
}

fn claim_one(
    tx: &Transaction,
    id: OutboxId,
    from: OutboxState,
    owner: &Owner,
    now: UnixTime,
    ttl: i64,
) -> Result<Option<Job>> {
    if !SqliteLeases::new(tx, Table::Outbox).claim(id, owner, now, ttl)? {
        return Ok(None);
    }
    if !transition(
        tx,
        id,
        &[from],
        OutboxState::Sending,
        None,
        ACTOR_OUTBOX,
        now,
    )? {
        SqliteLeases::new(tx, Table::Outbox).release(id, owner)?;
        return Ok(None);
    }
    tx.execute(
        "UPDATE outbox SET attempts = attempts + 1 WHERE id = ?",
        [id],
    )?;
    Ok(Some(load_job(tx, id)?))
}

/// Extends `owner`'s lease on a row it is sending; false when it lost it.
pub fn renew(
    conn: &mut Connection,
    id: OutboxId,
    owner: &Owner,
    now: UnixTime,
    ttl: i64,
) -> Result<bool> {
    SqliteLeases::new(conn, Table::Outbox).renew(id, owner, now, ttl)
}

/// Unknown rows due for a read-back check: (id, account, kind, item kind).
pub fn unknown_due(
    conn: &Connection,
    now: UnixTime,
) -> Result<Vec<(OutboxId, i64, String, ItemKind)>> {
    let mut stmt = conn.prepare(
        "SELECT o.id, o.account_id, o.kind, i.kind FROM outbox o JOIN items i ON i.id = o.item_id
         WHERE o.state = 'unknown' AND o.next_attempt_at <= ? ORDER BY o.id LIMIT 16",
    )?;
    let rows = stmt
        .query_map([now], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get::<_, String>(3)?.parse().unwrap_or(ItemKind::Mention),
            ))
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
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
    owner: &Owner,
    remote_id: Option<&str>,
    now: UnixTime,
) -> Result<bool> {
    let tx = conn.transaction()?;
    let moved = release(&tx, id, owner)?
        && transition(
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
        crate::store::truth::on_sent(&tx, id, now)?;
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
    owner: &Owner,
    error: &str,
    next_at: UnixTime,
    now: UnixTime,
) -> Result<bool> {
    let tx = conn.transaction()?;
    let moved = release(&tx, id, owner)?
        && transition(
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
    owner: &Owner,
    error: &str,
    now: UnixTime,
) -> Result<bool> {
    mark_settled(conn, id, owner, OutboxState::Failed, error, None, now)
}

/// The attempt may have landed and nothing proves either way: `sending` → `unknown`.
/// `recheck_at` is when the worker reads back (where the connector can); `None` leaves
/// the row to the CM.
pub fn mark_unknown(
    conn: &mut Connection,
    id: OutboxId,
    owner: &Owner,
    error: &str,
    recheck_at: Option<UnixTime>,
    now: UnixTime,
) -> Result<bool> {
    mark_settled(
        conn,
        id,
        owner,
        OutboxState::Unknown,
        error,
        recheck_at,
        now,
    )
}

/// `sending` → `to` (failed or unknown) with the error, the lease given up.
fn mark_settled(
    conn: &mut Connection,
    id: OutboxId,
    owner: &Owner,
    to: OutboxState,
    error: &str,
    next_at: Option<UnixTime>,
    now: UnixTime,
) -> Result<bool> {
    let tx = conn.transaction()?;
    let moved = release(&tx, id, owner)?
        && transition(
            &tx,
            id,
            &[OutboxState::Sending],
            to,
            Some(error),
            ACTOR_OUTBOX,
            now,
        )?;
    if moved {
        tx.execute(
            "UPDATE outbox SET last_error = ?, next_attempt_at = ? WHERE id = ?",
            params![error, next_at.unwrap_or(WAITS_FOR_CM), id],
        )?;
        crate::store::truth::on_failed(&tx, id, now)?;
    }
    tx.commit()?;
    Ok(moved)
}

/// `next_attempt_at` of a row only the CM moves on.
pub const WAITS_FOR_CM: UnixTime = i64::MAX;

/// Gives up `owner`'s lease on row `id`; false when another process holds it now (ours
/// ran out and the row was reconciled): then this process must not move the row.
fn release(tx: &Transaction, id: OutboxId, owner: &Owner) -> Result<bool> {
    let held = SqliteLeases::new(tx, Table::Outbox).release(id, owner)?;
    if !held {
        tracing::warn!(
            outbox = id,
            "outbox: lease lost while sending; the row is left to its new owner"
        );
    }
    Ok(held)
}

/// An edit of an uncertain reply was not sent: the first text may be on the platform.
/// The row gets its first text back (`sent` with `remote_id` when the read-back found it,
/// `unknown` otherwise) and the new text is kept as the item's draft.
pub fn refuse_edit(
    conn: &mut Connection,
    id: OutboxId,
    owner: &Owner,
    remote_id: Option<&str>,
    now: UnixTime,
) -> Result<bool> {
    let tx = conn.transaction()?;
    let (item_id, payload): (ItemId, String) = tx.query_row(
        "SELECT item_id, payload FROM outbox WHERE id = ?",
        [id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let mut payload: serde_json::Value = serde_json::from_str(&payload).unwrap_or_default();
    let edited = payload.get("text").cloned().unwrap_or_default();
    let first = payload.get("unconfirmed_text").cloned().unwrap_or_default();
    payload["text"] = first;
    if let Some(obj) = payload.as_object_mut() {
        obj.remove("unconfirmed_text");
    }
    let (to, error) = match remote_id {
        Some(_) => (
            OutboxState::Sent,
            "edit not sent: the first reply is on the platform after all; the edit is kept as a draft",
        ),
        None => (
            OutboxState::Unknown,
            "edit not sent: hark cannot check whether the first reply reached the platform; \
             the edit is kept as a draft (s: it was sent, r: send the first text again)",
        ),
    };
    let moved = release(&tx, id, owner)?
        && transition(
            &tx,
            id,
            &[OutboxState::Sending],
            to,
            Some(error),
            ACTOR_OUTBOX,
            now,
        )?;
    if moved {
        tx.execute(
            "UPDATE outbox SET payload = ?2, last_error = ?3, remote_id = ?4,
                    sent_at = CASE WHEN ?4 IS NULL THEN sent_at ELSE ?5 END,
                    next_attempt_at = ?6
             WHERE id = ?1",
            params![id, payload.to_string(), error, remote_id, now, WAITS_FOR_CM],
        )?;
        if let Some(text) = edited.as_str() {
            tx.execute(
                "INSERT INTO drafts (item_id, body, updated_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (item_id) DO UPDATE SET body = ?2, updated_at = ?3",
                params![item_id, text, now],
            )?;
        }
    }
    tx.commit()?;
    Ok(moved)
}

/// The CM says an `unknown` row did reach the platform: `unknown` → `sent`.
pub fn confirm_sent(conn: &mut Connection, id: OutboxId, now: UnixTime) -> Result<bool> {
    let tx = conn.transaction()?;
    let moved = transition(
        &tx,
        id,
        &[OutboxState::Unknown],
        OutboxState::Sent,
        Some("confirmed sent by the CM"),
        crate::store::state::ACTOR_USER,
        now,
    )?;
    if moved {
        tx.execute(
            "UPDATE outbox SET sent_at = ?2 WHERE id = ?1",
            params![id, now],
        )?;
        tx.execute(
            "UPDATE items SET first_response_at = ?1
             WHERE id = (SELECT item_id FROM outbox WHERE id = ?2 AND kind = 'reply')
               AND first_response_at IS NULL",
            params![now, id],
        )?;
    }
    tx.commit()?;
    Ok(moved)
}

/// The CM retries a failed, waiting or unknown row now; it keeps its idempotency key.
/// (For `unknown` the TUI asks first: it may then be on the platform twice.)
pub fn retry(conn: &mut Connection, id: OutboxId, now: UnixTime) -> Result<bool> {
    requeue(
        conn,
        id,
        &[
            OutboxState::Failed,
            OutboxState::Queued,
            OutboxState::Unknown,
        ],
        None,
        crate::store::state::ACTOR_USER,
        now,
    )
}

/// The outbox itself puts a failed row back in the queue, due now, with its key (see
/// [`crate::store::truth::requeue_auth_failed`]).
pub fn requeue_failed(
    conn: &mut Connection,
    id: OutboxId,
    why: &str,
    now: UnixTime,
) -> Result<bool> {
    requeue(
        conn,
        id,
        &[OutboxState::Failed],
        Some(why),
        ACTOR_OUTBOX,
        now,
    )
}

/// Moves a row in one of `from` back to `queued`, due now, with its key. A held item
/// stays held until the platform confirms (`mark_sent`): a retry that fails again must
/// still find the request to answer.
fn requeue(
    conn: &mut Connection,
    id: OutboxId,
    from: &[OutboxState],
    why: Option<&str>,
    actor: &str,
    now: UnixTime,
) -> Result<bool> {
    let tx = conn.transaction()?;
    let moved = transition(&tx, id, from, OutboxState::Queued, why, actor, now)?;
    if moved {
        tx.execute(
            "UPDATE outbox SET next_attempt_at = ? WHERE id = ?",
            params![now, id],
        )?;
        crate::store::truth::on_requeued(&tx, id, now)?;
    }
    tx.commit()?;
    Ok(moved)
}

/// The CM cancels a queued, failed or unknown row; one being sent cannot be recalled.
pub fn cancel(conn: &mut Connection, id: OutboxId, now: UnixTime) -> Result<bool> {
    let tx = conn.transaction()?;
    let moved = transition(
        &tx,
        id,
        &[
            OutboxState::Failed,
            OutboxState::Queued,
            OutboxState::Unknown,
        ],
        OutboxState::Cancelled,
        None,
        crate::store::state::ACTOR_USER,
        now,
    )?;
    tx.commit()?;
    Ok(moved)
}

/// Rows left `sending` by a process whose lease ran out (it crashed or hung): the only
/// rows reconciliation touches; a live lease belongs to another process at work. Each
/// goes back to `queued` with the SAME key where `guard` says a second attempt cannot act
/// twice (a key the platform still keeps, a read-back, an idempotent action); otherwise
/// it becomes `unknown` and waits for the CM. Returns how many were found.
pub fn reconcile(
    conn: &mut Connection,
    now: UnixTime,
    guard: &dyn Fn(i64, &str, ItemKind) -> ResendGuard,
) -> Result<usize> {
    // Immediate: another process claiming at the same moment waits, then sees the row taken.
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let ids = SqliteLeases::new(&tx, Table::Outbox).expired(now)?;
    for &id in &ids {
        let (account, kind, item_kind, last_seen): (i64, String, String, Option<i64>) = tx
            .query_row(
                "SELECT o.account_id, o.kind, i.kind, o.lease_expires_at
                 FROM outbox o JOIN items i ON i.id = o.item_id WHERE o.id = ?",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )?;
        let item_kind = item_kind.parse().unwrap_or(ItemKind::Mention);
        let since = now - last_seen.unwrap_or(now);
        let resend = match guard(account, &kind, item_kind) {
            ResendGuard::Key {
                window: Some(window),
            } => since < window.as_secs() as i64,
            ResendGuard::Key { window: None } | ResendGuard::ReadBack => true,
            ResendGuard::Idempotent => true,
            ResendGuard::Nothing => false,
        };
        let (to, error, next) = if resend {
            (
                OutboxState::Queued,
                "interrupted while sending; checking before resending",
                now,
            )
        } else {
            (
                OutboxState::Unknown,
                "interrupted while sending; hark cannot tell whether it reached the platform \
                 (s: it was sent, r: send again)",
                WAITS_FOR_CM,
            )
        };
        transition(
            &tx,
            id,
            &[OutboxState::Sending],
            to,
            Some(error),
            ACTOR_OUTBOX,
            now,
        )?;
        tx.execute(
            "UPDATE outbox SET next_attempt_at = ?2, last_error = ?3,
                    lease_owner = NULL, lease_expires_at = NULL
             WHERE id = ?1",
            params![id, next, error],
        )?;
    }
    tx.commit()?;
    Ok(ids.len())
}

/// Whether `owner` still holds row `id` (tests and diagnostics).
pub fn leased_by(conn: &Connection, id: OutboxId, owner: &Owner) -> Result<bool> {
    lease::holds(conn, Table::Outbox, id, owner)
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
/// Rows due now (queued, or unknown and due) with their idempotency keys: in team mode
/// the worker asks the team for each before claiming it.
pub fn due_keys(conn: &Connection, now: UnixTime, limit: usize) -> Result<Vec<(OutboxId, String)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, idempotency_key FROM outbox
         WHERE state IN ('queued', 'unknown') AND next_attempt_at <= ?1
         ORDER BY next_attempt_at, id LIMIT ?2",
    )?;
    let rows = stmt
        .query_map(params![now, limit as i64], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// Whether any row is due: queued or unknown and due, or sending with a lapsed lease.
/// A cheap read for the worker's idle check.
pub fn anything_due(conn: &Connection, now: UnixTime) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM outbox WHERE state = 'queued' AND next_attempt_at <= ?1)
             OR EXISTS (SELECT 1 FROM outbox WHERE state = 'unknown' AND next_attempt_at <= ?1)
             OR EXISTS (SELECT 1 FROM outbox WHERE state = 'sending'
                          AND (lease_expires_at IS NULL OR lease_expires_at < ?1))",
        [now],
        |r| r.get::<_, bool>(0),
    )?)
}
