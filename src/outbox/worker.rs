//! The outbox worker: sends due rows through their account's connector, retries with
//! exponential backoff and jitter, and reconciles rows a crash left mid-send.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use rand::Rng;

use super::store::{self, Job};
use super::truth;
use crate::domain::now;
use crate::platform::{Connector, PlatformError};
use crate::store::WriterHandle;

/// How retries are spaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub base: Duration,
    pub max: Duration,
    /// After this many attempts a row is marked failed.
    pub max_attempts: i64,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            base: Duration::from_secs(2),
            max: Duration::from_secs(10 * 60),
            max_attempts: 8,
        }
    }
}

impl Backoff {
    /// The wait after attempt `attempts` failed: base·2^(n−1), capped, ±25% jitter so
    /// many rows failing together do not retry together.
    pub fn delay(&self, attempts: i64, jitter: f64) -> Duration {
        let exp = (attempts.clamp(1, 30) - 1) as u32;
        let raw = self
            .base
            .saturating_mul(2u32.saturating_pow(exp))
            .min(self.max);
        raw.mul_f64(0.75 + 0.5 * jitter.clamp(0.0, 1.0))
    }
}

/// What happened to one job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Sent,
    Retry {
        after: Duration,
        error: String,
    },
    /// The platform asked for a pause: retried no sooner than `wait`.
    RateLimited {
        wait: Duration,
        error: String,
    },
    Failed(String),
}

/// Sends outbox rows.
pub struct Worker {
    writer: WriterHandle,
    /// A read-only connection to ask "is anything due?" without a write (every write
    /// wakes the UI).
    reader: Option<std::sync::Mutex<rusqlite::Connection>>,
    connectors: HashMap<i64, Arc<dyn Connector>>,
    pub backoff: Backoff,
    /// The longest one platform call may take before it counts as a transient failure.
    pub call_timeout: Duration,
}

impl Worker {
    /// `connectors` by account id.
    pub fn new(writer: WriterHandle, connectors: HashMap<i64, Arc<dyn Connector>>) -> Worker {
        let reader = crate::store::open_ro(writer.path())
            .map_err(|e| tracing::warn!(error = %e, "outbox: no read-only connection"))
            .ok()
            .map(std::sync::Mutex::new);
        Worker {
            writer,
            reader,
            connectors,
            backoff: Backoff::default(),
            call_timeout: Duration::from_secs(30),
        }
    }

    /// Start-up: rows left `sending` go back to the queue with their key.
    pub async fn reconcile(&self) -> crate::store::Result<usize> {
        let n = self.writer.call(|c| store::reconcile(c, now())).await?;
        if n > 0 {
            tracing::warn!(
                rows = n,
                "outbox rows were interrupted mid-send; rechecking them"
            );
        }
        Ok(n)
    }

    /// Sends every row due now, one at a time; returns how many were tried.
    pub async fn run_once(&self) -> crate::store::Result<usize> {
        if !self.anything_due() {
            return Ok(0);
        }
        let jobs = self.writer.call(|c| store::claim_due(c, now(), 16)).await?;
        let n = jobs.len();
        for job in jobs {
            self.process(job).await?;
        }
        Ok(n)
    }

    /// Sends every row due now, each at most once, claiming one at a time so that a stop
    /// leaves the rest queued untouched. A rate limit pauses the run when `budget` allows
    /// the wait, and ends it otherwise (`hark poll --once` must not sit for minutes).
    pub async fn drain(&self, budget: &mut RateBudget) -> crate::store::Result<Drained> {
        let mut done: Vec<super::OutboxId> = Vec::new();
        let started = now();
        loop {
            let skip = done.clone();
            let mut jobs = self
                .writer
                .call(move |c| store::claim_due_except(c, started, 1, &skip))
                .await?;
            let Some(job) = jobs.pop() else {
                return Ok(Drained {
                    tried: done.len(),
                    left: None,
                });
            };
            done.push(job.id);
            if let Outcome::RateLimited { wait, .. } = self.process(job).await? {
                if !budget.take(wait) {
                    let queued = self
                        .writer
                        .call(move |c| store::count_due(c, started))
                        .await?;
                    return Ok(Drained {
                        tried: done.len(),
                        left: Some((wait, queued)),
                    });
                }
                tokio::time::sleep(wait).await;
            }
        }
    }

    /// A cheap read; true when unsure.
    fn anything_due(&self) -> bool {
        let Some(reader) = &self.reader else {
            return true;
        };
        let conn = reader.lock().unwrap_or_else(|e| e.into_inner());
        conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM outbox WHERE state = 'queued' AND next_attempt_at <= ?)",
            [now()],
            |r| r.get::<_, bool>(0),
        )
        .unwrap_or(true)
    }

    /// Reconciles, then sends due rows whenever the store changes or a second passes.
    pub async fn run(self) {
        if let Err(e) = self.reconcile().await {
            tracing::error!(error = %e, "outbox reconcile failed");
        }
        let mut changes = self.writer.changes();
        loop {
            if let Err(e) = self.run_once().await {
                tracing::error!(error = %e, "outbox round failed");
            }
            // Our own writes are not news.
            changes.borrow_and_update();
            tokio::select! {
                r = changes.changed() => if r.is_err() { return },
                _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            }
        }
    }

    /// Sends one claimed job and records the outcome.
    pub async fn process(&self, job: Job) -> crate::store::Result<Outcome> {
        let (id, attempts) = (job.id, job.attempts);
        // Refused for its credentials: requeued once a later call on the account works.
        let mut auth = false;
        let outcome = match self.connectors.get(&job.account_id) {
            None => Outcome::Failed("this account is no longer in the config".into()),
            Some(connector) => match self.send(connector.as_ref(), &job).await {
                Ok(remote) => {
                    let account = job.account_id;
                    self.writer
                        .call(move |c| {
                            store::mark_sent(c, id, remote.as_deref(), now())?;
                            // The account works: rows its credentials failed go again.
                            truth::requeue_auth_failed(c, account, now())
                        })
                        .await?;
                    return Ok(Outcome::Sent);
                }
                Err(e) => {
                    auth = matches!(e, PlatformError::Auth(_));
                    self.note_platform_answer(&job, &e).await?;
                    self.classify(e, attempts)
                }
            },
        };
        match &outcome {
            Outcome::Retry { after, error } | Outcome::RateLimited { wait: after, error } => {
                let (error, next) = (error.clone(), now() + after.as_secs().max(1) as i64);
                tracing::info!(outbox = id, attempts, error = %error, "outbox send will be retried");
                self.writer
                    .call(move |c| store::mark_retry(c, id, &error, next, now()))
                    .await?;
            }
            Outcome::Failed(error) => {
                let error = error.clone();
                tracing::warn!(outbox = id, error = %error, "outbox send failed for good");
                self.writer
                    .call(move |c| {
                        store::mark_failed(c, id, &error, now())?;
                        if auth {
                            truth::set_failure(c, id, truth::FAILURE_AUTH)?;
                        }
                        Ok(())
                    })
                    .await?;
            }
            Outcome::Sent => {}
        }
        Ok(outcome)
    }

    /// What a refusal says about the item or the account beyond this row: a reply whose
    /// post is gone marks the item "deleted on the platform".
    async fn note_platform_answer(
        &self,
        job: &Job,
        error: &PlatformError,
    ) -> crate::store::Result<()> {
        if let (PlatformError::NotFound(why), "reply") = (error, job.kind.as_str()) {
            let (item, why) = (job.item_id, why.clone());
            self.writer
                .call(move |c| crate::store::state::mark_gone(c, item, &why, now()))
                .await?;
        }
        Ok(())
    }

    fn classify(&self, error: PlatformError, attempts: i64) -> Outcome {
        let message = error.to_string();
        match error {
            PlatformError::RateLimited { wait } if attempts < self.backoff.max_attempts => {
                Outcome::RateLimited {
                    wait: wait.max(Duration::from_secs(1)),
                    error: message,
                }
            }
            PlatformError::Transient(_) | PlatformError::RateLimited { .. }
                if attempts < self.backoff.max_attempts =>
            {
                let jitter = rand::thread_rng().gen::<f64>();
                Outcome::Retry {
                    after: self.backoff.delay(attempts, jitter),
                    error: message,
                }
            }
            PlatformError::Transient(_) | PlatformError::RateLimited { .. } => {
                Outcome::Failed(format!("gave up after {attempts} attempts: {message}"))
            }
            _ => Outcome::Failed(message),
        }
    }

    /// One platform call. Returns the remote id of a reply.
    async fn send(
        &self,
        connector: &dyn Connector,
        job: &Job,
    ) -> Result<Option<String>, PlatformError> {
        let call = async {
            if job.kind == "reply" {
                let text = job
                    .text()
                    .ok_or_else(|| PlatformError::Malformed("the outbox row has no text".into()))?;
                // An earlier attempt may have reached the server. Platforms that dedup by
                // key get the same key again; the others are read back first.
                if job.attempts > 1 && !connector.dedups_replies() {
                    if let Some(remote) = connector
                        .find_reply(&job.target, text, &job.idempotency_key)
                        .await?
                    {
                        return Ok(Some(remote));
                    }
                }
                connector
                    .reply(&job.target, text, &job.idempotency_key)
                    .await
                    .map(Some)
            } else {
                let action = job.action().map_err(PlatformError::Malformed)?;
                connector.moderate(&job.target, action).await.map(|()| None)
            }
        };
        match tokio::time::timeout(self.call_timeout, call).await {
            Ok(result) => result,
            Err(_) => Err(PlatformError::Transient(format!(
                "no answer within {}s",
                self.call_timeout.as_secs()
            ))),
        }
    }
}

/// What [`Worker::drain`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drained {
    pub tried: usize,
    /// The rate-limit wait that ended the run and how many due rows it left queued.
    pub left: Option<(Duration, usize)>,
}

/// How long a run may still sleep for rate limits, in total.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateBudget {
    left: Duration,
}

impl RateBudget {
    /// `hark poll --once` waits at most a minute in all: cron runs never pile up.
    pub const ONCE: Duration = Duration::from_secs(60);

    pub fn new(total: Duration) -> RateBudget {
        RateBudget { left: total }
    }

    /// Spends `wait` if it fits; false means stop and leave the rest for the next run.
    pub fn take(&mut self, wait: Duration) -> bool {
        match self.left.checked_sub(wait) {
            Some(left) => {
                self.left = left;
                true
            }
            None => false,
        }
    }
}

/// Builds the worker for the configured accounts, sharing the pollers' connectors (so a
/// platform's client and rate limits are one per account).
pub async fn for_accounts(
    writer: &WriterHandle,
    accounts: &[(String, Arc<dyn Connector>, String)],
) -> anyhow::Result<Worker> {
    Ok(Worker::new(
        writer.clone(),
        by_account_id(writer, accounts).await?,
    ))
}

/// The connectors by the stored id of their account (stored now if new).
pub async fn by_account_id(
    writer: &WriterHandle,
    accounts: &[(String, Arc<dyn Connector>, String)],
) -> anyhow::Result<HashMap<i64, Arc<dyn Connector>>> {
    let mut by_id = HashMap::new();
    for (name, connector, handle) in accounts {
        let (name, platform, handle) = (
            name.clone(),
            connector.platform().to_string(),
            handle.clone(),
        );
        let id = writer
            .call(move |c| crate::store::ingest::ensure_account(c, &name, &platform, &handle))
            .await?;
        by_id.insert(id, connector.clone());
    }
    Ok(by_id)
}

/// Each configured account's connector, built once so the pollers and the worker share it
/// (the demo's replies appear in its own later fetches).
pub type SharedConnectors = Vec<(String, Arc<dyn Connector>, String)>;

pub fn connect_all(
    accounts: &[crate::config::AccountConfig],
    connect: impl Fn(&crate::config::AccountConfig) -> anyhow::Result<Arc<dyn Connector>>,
) -> anyhow::Result<SharedConnectors> {
    accounts
        .iter()
        .map(|a| Ok((a.name.clone(), connect(a)?, a.handle.clone())))
        .collect()
}

/// A `connect` function handing out the shared connectors.
pub fn shared_connect(
    shared: &SharedConnectors,
) -> impl Fn(&crate::config::AccountConfig) -> anyhow::Result<Arc<dyn Connector>> + '_ {
    move |account| {
        shared
            .iter()
            .find(|(name, _, _)| *name == account.name)
            .map(|(_, c, _)| c.clone())
            .ok_or_else(|| anyhow::anyhow!("account `{}` has no connector", account.name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_is_capped_and_jittered_within_a_quarter() {
        let b = Backoff::default();
        assert_eq!(b.delay(1, 0.5), Duration::from_secs(2));
        assert_eq!(b.delay(3, 0.5), Duration::from_secs(8));
        assert_eq!(b.delay(20, 0.5), Duration::from_secs(600));
        assert_eq!(b.delay(3, 0.0), Duration::from_secs(6));
        assert_eq!(b.delay(3, 1.0), Duration::from_secs(10));
    }
}
