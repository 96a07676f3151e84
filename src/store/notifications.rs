//! The `notifications` table: escalation notifications waiting, claimed, tried and
//! retried. What a step runs is the escalation module's business; here are only the rows.

use rusqlite::{params, Connection};

use super::lease::{Leases, Owner, Table};
use crate::domain::UnixTime;
use crate::store::lease::SqliteLeases;
use crate::store::Result;

/// A notification due to be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    pub id: i64,
    /// `severity/channel`, looked up in the config.
    pub step: String,
    pub payload: String,
}

/// The outcome of one try.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Attempt {
    pub ok: bool,
    pub exit_status: Option<i32>,
    pub http_status: Option<u16>,
    pub error: Option<String>,
}

/// Queues one notification of escalation `escalation_id` for protocol step `step`.
pub fn insert(
    conn: &Connection,
    escalation_id: i64,
    channel: &str,
    step: &str,
    payload: &str,
    max_attempts: u32,
    now: UnixTime,
) -> Result<()> {
    conn.execute(
        "INSERT INTO notifications (escalation_id, channel, step, payload, max_attempts,
             next_attempt_at, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
        params![escalation_id, channel, step, payload, max_attempts, now],
    )?;
    Ok(())
}

/// Queues one channel of notice number `notice_no` (`kind`: opened, raised, resolved)
/// about incident `incident_id`, naming its escalation `escalation_id`.
#[allow(clippy::too_many_arguments)]
pub fn insert_notice(
    conn: &Connection,
    escalation_id: i64,
    incident_id: i64,
    kind: &str,
    notice_no: i64,
    channel: &str,
    step: &str,
    payload: &str,
    max_attempts: u32,
    now: UnixTime,
) -> Result<()> {
    conn.execute(
        "INSERT INTO notifications (escalation_id, incident_id, notice, notice_no, channel, step,
             payload, max_attempts, next_attempt_at, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)",
        params![
            escalation_id,
            incident_id,
            kind,
            notice_no,
            channel,
            step,
            payload,
            max_attempts,
            now
        ],
    )?;
    Ok(())
}

/// The newest notice of incident `id` none of whose rows was tried yet: (number, kind).
pub fn unsent_notice(conn: &Connection, incident_id: i64) -> Result<Option<(i64, String)>> {
    use rusqlite::OptionalExtension;
    Ok(conn
        .query_row(
            "SELECT notice_no, notice FROM notifications WHERE incident_id = ?1
             AND notice_no = (SELECT max(notice_no) FROM notifications WHERE incident_id = ?1)
             GROUP BY notice_no HAVING max(state != 'pending' OR attempts > 0) = 0",
            [incident_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

/// Rewrites the payload of notice `notice_no` of incident `id` (it has not gone out yet).
pub fn rewrite_notice(
    conn: &Connection,
    incident_id: i64,
    notice_no: i64,
    payload: &str,
) -> Result<()> {
    conn.execute(
        "UPDATE notifications SET payload = ?3 WHERE incident_id = ?1 AND notice_no = ?2
           AND state = 'pending' AND attempts = 0",
        params![incident_id, notice_no, payload],
    )?;
    Ok(())
}

/// Pending notifications whose time has come (a batch of at most 20).
pub fn due(conn: &Connection, now: UnixTime) -> Result<Vec<Due>> {
    due_except(conn, now, &[])
}

/// Like [`due`], leaving out `done`: the rows a run has already handled, so a row whose
/// retry falls due again during the run waits for the next one.
pub fn due_except(conn: &Connection, now: UnixTime, done: &[i64]) -> Result<Vec<Due>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, step, payload FROM notifications
         WHERE state = 'pending' AND next_attempt_at <= ?1
           AND id NOT IN (SELECT value FROM json_each(?2))
         ORDER BY next_attempt_at, id LIMIT 20",
    )?;
    let done = serde_json::to_string(done).unwrap_or_else(|_| "[]".into());
    let rows = stmt.query_map(params![now, done], |r| {
        Ok(Due {
            id: r.get(0)?,
            step: r.get(1)?,
            payload: r.get(2)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Claims notification `id` for `owner`: `pending` and due → `sending`, leased until
/// `now + ttl`. False when another process got it first (or it moved on).
pub fn claim(
    conn: &mut Connection,
    id: i64,
    owner: &Owner,
    now: UnixTime,
    ttl: i64,
) -> Result<bool> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let pending = tx.execute(
        "UPDATE notifications SET state = 'sending'
         WHERE id = ?1 AND state = 'pending' AND next_attempt_at <= ?2",
        params![id, now],
    )? == 1;
    let claimed =
        pending && SqliteLeases::new(&tx, Table::Notifications).claim(id, owner, now, ttl)?;
    if claimed {
        tx.commit()?;
    }
    Ok(claimed)
}

/// The payload of notification `id` as it is now (a notice not yet sent grows as items
/// join its incident, so the sender reads it after claiming the row).
pub fn payload(conn: &Connection, id: i64) -> Result<String> {
    Ok(conn.query_row(
        "SELECT payload FROM notifications WHERE id = ?",
        [id],
        |r| r.get(0),
    )?)
}

/// Extends `owner`'s claim while a slow command or webhook runs.
pub fn renew(
    conn: &mut Connection,
    id: i64,
    owner: &Owner,
    now: UnixTime,
    ttl: i64,
) -> Result<bool> {
    SqliteLeases::new(conn, Table::Notifications).renew(id, owner, now, ttl)
}

/// Claims whose lease ran out while `sending` go back to `pending`, due now. Live claims
/// (another process at work) are never touched. Returns how many.
pub fn reconcile(conn: &mut Connection, now: UnixTime) -> Result<usize> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let ids = SqliteLeases::new(&tx, Table::Notifications).expired(now)?;
    for &id in &ids {
        tx.execute(
            "UPDATE notifications SET state = 'pending', next_attempt_at = ?2,
                    lease_owner = NULL, lease_expires_at = NULL,
                    last_error = 'interrupted while sending; sent again'
             WHERE id = ?1",
            params![id, now],
        )?;
        tracing::warn!(
            notification = id,
            "notification interrupted mid-run; sending it again"
        );
    }
    tx.commit()?;
    Ok(ids.len())
}

/// Records one try and moves the notification on: sent, retried later (`pending`, after
/// `retry_delay(attempts)` seconds), or failed; the claim is given up.
pub fn record(
    conn: &mut Connection,
    id: i64,
    attempt: &Attempt,
    now: UnixTime,
    retry_delay: impl Fn(u32) -> i64,
) -> Result<()> {
    let tx = conn.transaction()?;
    tx.execute(
        "UPDATE notifications SET lease_owner = NULL, lease_expires_at = NULL,
                state = CASE state WHEN 'sending' THEN 'pending' ELSE state END
         WHERE id = ?",
        [id],
    )?;
    tx.execute(
        "INSERT INTO notification_attempts (notification_id, at, ok, exit_status, http_status, error)
         VALUES (?, ?, ?, ?, ?, ?)",
        params![
            id,
            now,
            attempt.ok,
            attempt.exit_status,
            attempt.http_status,
            attempt.error
        ],
    )?;
    let (attempts, max): (u32, u32) = tx.query_row(
        "UPDATE notifications SET attempts = attempts + 1 WHERE id = ? RETURNING attempts, max_attempts",
        [id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    if attempt.ok {
        tx.execute(
            "UPDATE notifications SET state = 'sent', sent_at = ?2, last_error = NULL WHERE id = ?1",
            params![id, now],
        )?;
    } else if attempts >= max {
        tx.execute(
            "UPDATE notifications SET state = 'failed', last_error = ?2 WHERE id = ?1",
            params![id, attempt.error],
        )?;
        tracing::error!(
            notification = id,
            attempts,
            "escalation notification failed"
        );
    } else {
        tx.execute(
            "UPDATE notifications SET next_attempt_at = ?2, last_error = ?3 WHERE id = ?1",
            params![id, now + retry_delay(attempts), attempt.error],
        )?;
    }
    tx.commit()?;
    Ok(())
}

/// Marks a notification that was not run (its step is gone from the config): `failed`
/// with the reason, so the CM sees it; a retry looks the step up again.
pub fn mark_not_run(conn: &Connection, id: i64, reason: &str) -> Result<()> {
    conn.execute(
        "UPDATE notifications SET state = 'failed', last_error = ?2,
                lease_owner = NULL, lease_expires_at = NULL
         WHERE id = ?1",
        params![id, reason],
    )?;
    tracing::warn!(notification = id, reason, "escalation notification not run");
    Ok(())
}

/// What a retry did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Retried {
    pub queued: usize,
    /// Failed rows left failed: their step is not in the config (each with the reason).
    pub not_configured: Vec<String>,
}

impl std::fmt::Display for Retried {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let plural = |n: usize| if n == 1 { "" } else { "s" };
        match (self.queued, self.not_configured.first()) {
            (0, None) => write!(f, "no failed notifications"),
            (n, None) => write!(f, "{n} notification{} queued again", plural(n)),
            (n, Some(reason)) => write!(
                f,
                "{n} notification{} queued again; {} left failed: {reason}",
                plural(n),
                self.not_configured.len()
            ),
        }
    }
}

/// Puts failed notifications back in the queue, the ones `resolve` still finds a step
/// for; the others stay failed with the reason `resolve` gives.
pub fn retry_failed(
    conn: &Connection,
    resolve: impl Fn(&str) -> std::result::Result<(), String>,
    now: UnixTime,
) -> Result<Retried> {
    let failed: Vec<(i64, String)> = conn
        .prepare_cached("SELECT id, step FROM notifications WHERE state = 'failed' ORDER BY id")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut retried = Retried::default();
    for (id, name) in failed {
        match resolve(&name) {
            Ok(_) => {
                conn.execute(
                    "UPDATE notifications SET state = 'pending', attempts = 0, next_attempt_at = ?2
                     WHERE id = ?1",
                    params![id, now],
                )?;
                retried.queued += 1;
            }
            Err(reason) => {
                mark_not_run(conn, id, &reason)?;
                retried.not_configured.push(reason);
            }
        }
    }
    Ok(retried)
}
