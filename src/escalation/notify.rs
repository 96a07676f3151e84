//! Sends escalation notifications. A row names a protocol step (`critical/command`); the
//! command or webhook it stands for is looked up in the config when it is sent (see
//! [`super::step`]), so the database never holds anything to run. Every try is a row in
//! `notification_attempts`; a failure is retried with backoff until `max_attempts`, then
//! the notification is `failed`, shown to the CM and retryable, never dropped. A step the
//! config no longer has is marked `failed` with the reason, never run.
//!
//! Several processes may share the data directory: a notification is claimed
//! (`pending` → `sending`, leased to one [`Owner`]) before it runs, so it runs once. A
//! claim whose lease ran out (its process died mid-run) goes back to `pending`: an alert
//! sent twice after a crash beats one never sent.

use std::time::Duration;

use rusqlite::{params, Connection};

use super::step::{self, Channel};
use super::{command, webhook, EscalationConfig};
use crate::backoff::{Backoff, Jitter};
use crate::domain::UnixTime;
use crate::outbox::lease::{Leases, Owner, Table};
use crate::store::lease::SqliteLeases;
use crate::store::{Result, WriterHandle};

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

/// How long a claim on a notification lasts unless renewed.
pub const LEASE_SECS: i64 = 60;

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

/// How notification retries are spaced: 30 s doubling, at most an hour, no jitter (few
/// notifications fail together).
pub const RETRY_BACKOFF: Backoff = Backoff {
    base: Duration::from_secs(30),
    cap: Duration::from_secs(60 * 60),
    jitter: Jitter::None,
};

/// The wait in seconds before try number `attempts + 1`.
pub fn retry_delay(attempts: u32) -> i64 {
    RETRY_BACKOFF.delay(attempts, 0.0).as_secs() as i64
}

/// Records one try and moves the notification on: sent, retried later (`pending`), or
/// failed; the claim is given up.
pub fn record(conn: &mut Connection, id: i64, attempt: &Attempt, now: UnixTime) -> Result<()> {
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

/// Puts failed notifications back in the queue, the ones whose step the config still
/// has; the others stay failed with the reason.
pub fn retry_failed(
    conn: &Connection,
    config: &EscalationConfig,
    now: UnixTime,
) -> Result<Retried> {
    let failed: Vec<(i64, String)> = conn
        .prepare_cached("SELECT id, step FROM notifications WHERE state = 'failed' ORDER BY id")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut retried = Retried::default();
    for (id, name) in failed {
        match step::resolve(config, &name) {
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

/// Sends notifications with the config's protocol.
pub struct Notifier {
    config: EscalationConfig,
    client: reqwest::Client,
    /// Who this notifier is when it claims rows.
    pub owner: Owner,
    /// How long a claim lasts; renewed every third of it while a step runs.
    pub lease: Duration,
}

impl Notifier {
    pub fn new(config: EscalationConfig) -> Notifier {
        Notifier {
            config,
            client: webhook::client(),
            owner: Owner::new(),
            lease: Duration::from_secs(LEASE_SECS as u64),
        }
    }

    fn ttl(&self) -> i64 {
        self.lease.as_secs().max(1) as i64
    }

    /// Runs `call` while renewing the claim on notification `id`.
    async fn renewing<T>(
        &self,
        writer: &WriterHandle,
        id: i64,
        call: impl std::future::Future<Output = T>,
    ) -> T {
        let every = (self.lease / 3).max(Duration::from_millis(200));
        let renew = async {
            loop {
                tokio::time::sleep(every).await;
                let (owner, ttl) = (self.owner.clone(), self.ttl());
                if let Err(e) = writer
                    .call(move |c| renew(c, id, &owner, crate::domain::now(), ttl))
                    .await
                {
                    tracing::warn!(notification = id, error = %e, "claim not renewed");
                }
            }
        };
        tokio::select! {
            out = call => out,
            never = renew => never,
        }
    }

    /// One try of the step; `Err` is why it was not run.
    pub async fn send(
        &self,
        step_name: &str,
        payload: &str,
    ) -> std::result::Result<Attempt, String> {
        Ok(match step::resolve(&self.config, step_name)? {
            Channel::Command { command, timeout } => command::run(&command, payload, timeout).await,
            Channel::Webhook { url, timeout } => {
                webhook::post(&self.client, &url, payload, timeout).await
            }
        })
    }

    /// Handles every notification due now, each at most once; returns how many. Looking
    /// for due rows is a read on its own connection: a write job would wake the UI.
    pub async fn run_once(&self, writer: &WriterHandle) -> Result<usize> {
        let now = crate::domain::now();
        let mut done: Vec<i64> = Vec::new();
        let mut tried = 0;
        let path = writer.path().to_path_buf();
        let expired = tokio::task::spawn_blocking(move || {
            let conn = crate::store::open_ro(&path)?;
            SqliteLeases::new(&conn, Table::Notifications).expired(now)
        })
        .await
        .map_err(|e| crate::store::Error::Invalid(format!("the notifier stopped: {e}")))??;
        if !expired.is_empty() {
            writer.call(move |c| reconcile(c, now)).await?;
        }
        loop {
            let path = writer.path().to_path_buf();
            let skip = done.clone();
            let batch = tokio::task::spawn_blocking(move || {
                let conn = crate::store::open_ro(&path)?;
                due_except(&conn, now, &skip)
            })
            .await
            .map_err(|e| crate::store::Error::Invalid(format!("the notifier stopped: {e}")))??;
            if batch.is_empty() {
                return Ok(tried);
            }
            for item in batch {
                let id = item.id;
                done.push(id);
                let (owner, ttl) = (self.owner.clone(), self.ttl());
                let claimed = writer
                    .call(move |c| claim(c, id, &owner, crate::domain::now(), ttl))
                    .await?;
                if !claimed {
                    continue; // another process runs it
                }
                tried += 1;
                match self
                    .renewing(writer, id, self.send(&item.step, &item.payload))
                    .await
                {
                    Ok(attempt) => {
                        if let Some(e) = &attempt.error {
                            tracing::warn!(notification = id, step = %item.step, error = %e, "notification try failed");
                        }
                        writer
                            .call(move |conn| record(conn, id, &attempt, crate::domain::now()))
                            .await?;
                    }
                    Err(reason) => {
                        writer
                            .call(move |conn| mark_not_run(conn, id, &reason))
                            .await?;
                    }
                }
            }
        }
    }
}

/// Runs the notifier until the writer stops.
pub fn spawn(writer: WriterHandle, config: EscalationConfig) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let notifier = Notifier::new(config);
        loop {
            match notifier.run_once(&writer).await {
                Err(crate::store::Error::WriterGone) => return,
                Err(e) => tracing::error!(error = %e, "notifier"),
                Ok(_) => {}
            }
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
    })
}
