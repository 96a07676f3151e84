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

use rusqlite::Connection;

use super::step::{self, Channel};
use super::{command, webhook, EscalationConfig};
use crate::backoff::{Backoff, Jitter};
use crate::domain::UnixTime;
use crate::outbox::lease::{Leases, Owner, Table};
use crate::store::lease::SqliteLeases;
use crate::store::notifications;
use crate::store::{Result, WriterHandle};

pub use crate::store::notifications::{
    claim, due, due_except, mark_not_run, reconcile, renew, Attempt, Due, Retried,
};

/// How long a claim on a notification lasts unless renewed.
pub const LEASE_SECS: i64 = 60;

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
    notifications::record(conn, id, attempt, now, retry_delay)
}

/// Puts failed notifications back in the queue, the ones whose step the config still
/// has; the others stay failed with the reason.
pub fn retry_failed(
    conn: &Connection,
    config: &EscalationConfig,
    now: UnixTime,
) -> Result<Retried> {
    notifications::retry_failed(conn, |name| step::resolve(config, name).map(|_| ()), now)
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
        crate::outbox::lease::while_renewing(self.lease, call, || async move {
            let (owner, ttl) = (self.owner.clone(), self.ttl());
            if let Err(e) = writer
                .call(move |c| renew(c, id, &owner, crate::domain::now(), ttl))
                .await
            {
                tracing::warn!(notification = id, error = %e, "claim not renewed");
            }
        })
        .await
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

    /// Handles every notification due now, each at most once; returns how many.
    pub async fn run_once(&self, writer: &WriterHandle) -> Result<usize> {
        let now = crate::domain::now();
        let mut done: Vec<i64> = Vec::new();
        let mut tried = 0;
        // Reads on the writer's connection send no change notice.
        let expired = writer
            .call(move |c| SqliteLeases::new(c, Table::Notifications).expired(now))
            .await?;
        if !expired.is_empty() {
            writer.call(move |c| reconcile(c, now)).await?;
        }
        loop {
            let skip = done.clone();
            let batch = writer.call(move |c| due_except(c, now, &skip)).await?;
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
                // Items may have joined the notice since it was listed.
                let payload = writer.call(move |c| notifications::payload(c, id)).await?;
                match self
                    .renewing(writer, id, self.send(&item.step, &payload))
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
