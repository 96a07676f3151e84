//! The outbox worker: sends due rows through their account's connector, retries with
//! exponential backoff and jitter, and reconciles rows a crash left mid-send.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use rand::Rng;

use super::lease::Owner;
use super::truth;
use crate::backoff::{Backoff, Jitter};
use crate::domain::UnixTime;
use crate::platform::kinds;
use crate::platform::{Connector, PlatformError, ResendGuard};
use crate::store::outbox::{self as store, Job};
use crate::store::WriterHandle;

/// How retries are spaced: 2 s doubling up to 10 min, ±25% so many rows failing together
/// do not retry together.
pub const RETRY_BACKOFF: Backoff = Backoff {
    base: Duration::from_secs(2),
    cap: Duration::from_secs(10 * 60),
    jitter: Jitter::Spread { percent: 25 },
};

/// After this many attempts a row is marked failed.
pub const MAX_ATTEMPTS: i64 = 8;

/// The backoff's attempt number for a row's attempt count.
fn attempt_no(attempts: i64) -> u32 {
    u32::try_from(attempts.max(0)).unwrap_or(u32::MAX)
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
    /// It may have landed; not resent until a read-back or the CM says otherwise.
    Unknown(String),
    /// An edit of an uncertain reply was not sent (the first may be on the platform).
    EditRefused,
}

/// The worker's idea of the time, replaceable in tests.
pub type Clock = Arc<dyn Fn() -> UnixTime + Send + Sync>;

/// Team mode: whether this machine may send a row now (it holds the row's lease in the
/// team's database), and that it has sent it (no machine takes it again).
#[async_trait::async_trait]
pub trait SendGate: Send + Sync {
    async fn may_send(&self, idempotency_key: &str) -> bool;
    async fn sent(&self, idempotency_key: &str);
}

/// Sends outbox rows.
pub struct Worker {
    writer: WriterHandle,
    connectors: HashMap<i64, Arc<dyn Connector>>,
    pub backoff: Backoff,
    /// After this many attempts a row is marked failed.
    pub max_attempts: i64,
    /// The longest one platform call may take before it counts as a transient failure.
    pub call_timeout: Duration,
    /// Who this worker is when it leases rows.
    pub owner: Owner,
    /// How long a claim lasts; renewed every third of it while the call runs.
    pub lease: Duration,
    pub clock: Clock,
    /// Team mode's say on each row before it is claimed; `None` alone.
    pub gate: Option<Arc<dyn SendGate>>,
}

impl Worker {
    /// `connectors` by account id.
    pub fn new(writer: WriterHandle, connectors: HashMap<i64, Arc<dyn Connector>>) -> Worker {
        Worker {
            writer,
            connectors,
            backoff: RETRY_BACKOFF,
            max_attempts: MAX_ATTEMPTS,
            call_timeout: Duration::from_secs(30),
            owner: Owner::new(),
            lease: Duration::from_secs(store::LEASE_SECS as u64),
            clock: Arc::new(crate::domain::now),
            gate: None,
        }
    }

    fn now(&self) -> UnixTime {
        (self.clock)()
    }

    fn ttl(&self) -> i64 {
        self.lease.as_secs().max(1) as i64
    }

    /// Rows whose lease ran out while `sending` (their process died): back to the queue
    /// with their key, or `unknown` where a resend could act twice. Rows another process
    /// holds are never touched.
    pub async fn reconcile(&self) -> crate::store::Result<usize> {
        let guards: HashMap<i64, Arc<dyn Connector>> = self.connectors.clone();
        let now = self.now();
        let n = self
            .writer
            .call(move |c| {
                store::reconcile(c, now, &|account, kind, item_kind| {
                    match guards.get(&account) {
                        Some(connector) => connector.resend_guard(kind, item_kind),
                        // No connector: it cannot be sent anyway; keep it for the CM.
                        None => ResendGuard::Nothing,
                    }
                })
            })
            .await?;
        if n > 0 {
            tracing::warn!(
                rows = n,
                "outbox rows were interrupted mid-send; rechecking them"
            );
        }
        Ok(n)
    }

    /// Reconciles expired leases, settles unknown rows that can be read back, then sends
    /// every row due now; returns how many were tried.
    pub async fn run_once(&self) -> crate::store::Result<usize> {
        if !self.anything_due().await {
            return Ok(0);
        }
        self.reconcile().await?;
        let refused = self.refused().await?;
        let mut n = self.check_unknown(&refused).await?;
        let (now, owner, ttl) = (self.now(), self.owner.clone(), self.ttl());
        let jobs = self
            .writer
            .call(move |c| store::claim_due_except(c, now, 16, &refused, &owner, ttl))
            .await?;
        n += jobs.len();
        for job in jobs {
            self.process(job).await?;
        }
        Ok(n)
    }

    /// Unknown rows whose connector can read back are checked: found → sent, not found →
    /// sent again under the same key.
    /// The due rows the team does not let this machine send now (another machine holds
    /// them, or the team cannot be reached): none without a gate.
    async fn refused(&self) -> crate::store::Result<Vec<super::OutboxId>> {
        let Some(gate) = &self.gate else {
            return Ok(Vec::new());
        };
        let now = self.now();
        let due = self
            .writer
            .call(move |c| crate::store::outbox::due_keys(c, now, 64))
            .await?;
        let mut refused = Vec::new();
        for (id, key) in due {
            if !gate.may_send(&key).await {
                refused.push(id);
            }
        }
        Ok(refused)
    }

    async fn check_unknown(&self, refused: &[super::OutboxId]) -> crate::store::Result<usize> {
        let now = self.now();
        let rows = self
            .writer
            .call(move |c| store::unknown_due(c, now))
            .await?;
        let ids: Vec<_> = rows
            .into_iter()
            .filter(|(id, account, kind, item_kind)| {
                !refused.contains(id)
                    && self.connectors.get(account).is_some_and(|c| {
                        kind == kinds::REPLY
                            && c.resend_guard(kind, *item_kind) == ResendGuard::ReadBack
                    })
            })
            .map(|(id, ..)| id)
            .collect();
        if ids.is_empty() {
            return Ok(0);
        }
        let (now, owner, ttl) = (self.now(), self.owner.clone(), self.ttl());
        let jobs = self
            .writer
            .call(move |c| store::claim_unknown(c, &ids, &owner, now, ttl))
            .await?;
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
        let refused = self.refused().await?;
        let mut done: Vec<super::OutboxId> = refused.clone();
        let started = self.now();
        let checked = self.check_unknown(&refused).await?;
        loop {
            let skip = done.clone();
            let (owner, ttl) = (self.owner.clone(), self.ttl());
            let mut jobs = self
                .writer
                .call(move |c| store::claim_due_except(c, started, 1, &skip, &owner, ttl))
                .await?;
            let Some(job) = jobs.pop() else {
                return Ok(Drained {
                    tried: done.len() - refused.len() + checked,
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
                        tried: done.len() - refused.len() + checked,
                        left: Some((wait, queued)),
                    });
                }
                tokio::time::sleep(wait).await;
            }
        }
    }

    /// A cheap read (reads send no change notice); true when unsure.
    async fn anything_due(&self) -> bool {
        let now = self.now();
        self.writer
            .call(move |c| crate::store::outbox::anything_due(c, now))
            .await
            .unwrap_or(true)
    }

    /// Sends due rows whenever the outbox changes or a second passes; rows another
    /// process left behind are reconciled once their lease runs out.
    pub async fn run(self) {
        let mut notices = self.writer.subscribe();
        loop {
            if let Err(e) = self.run_once().await {
                tracing::error!(error = %e, "outbox round failed");
            }
            // Our own writes are not news.
            notices.drain();
            let wait = tokio::time::sleep(Duration::from_secs(1));
            tokio::pin!(wait);
            loop {
                tokio::select! {
                    changes = notices.recv() => match changes {
                        None => return,
                        Some(c) if c.contains(crate::store::Change::Outbox) => break,
                        Some(_) => {}
                    },
                    _ = &mut wait => break,
                }
            }
        }
    }

    /// Sends one claimed job, renewing its lease while the call lasts, and records the
    /// outcome.
    pub async fn process(&self, job: Job) -> crate::store::Result<Outcome> {
        let (id, attempts) = (job.id, job.attempts);
        let key = job.idempotency_key.clone();
        let owner = self.owner.clone();
        // Refused for its credentials: requeued once a later call on the account works.
        let mut auth = false;
        let outcome = match self.connectors.get(&job.account_id) {
            None => Outcome::Failed("this account is no longer in the config".into()),
            Some(connector) => {
                let guard = connector.resend_guard(&job.kind, job.target.kind);
                match self
                    .renewing(id, self.send(connector.as_ref(), &job, guard))
                    .await
                {
                    Ok(Sent::Posted(remote)) => {
                        self.sent(id, job.account_id, remote).await?;
                        return Ok(Outcome::Sent);
                    }
                    // Deleting what is already gone has done what it was asked (a delete
                    // resent after a crash finds its own work done).
                    Err(PlatformError::NotFound(_)) if job.kind == kinds::DELETE => {
                        self.sent(id, job.account_id, None).await?;
                        return Ok(Outcome::Sent);
                    }
                    Ok(Sent::EditRefused(remote)) => {
                        let now = self.now();
                        tracing::warn!(outbox = id, "edit of an uncertain reply not sent");
                        self.writer
                            .call(move |c| {
                                store::refuse_edit(c, id, &owner, remote.as_deref(), now)
                            })
                            .await?;
                        return Ok(Outcome::EditRefused);
                    }
                    Err(e) => {
                        auth = matches!(e, PlatformError::Auth(_));
                        self.note_platform_answer(&job, &e).await?;
                        self.classify(e, attempts, &job.kind, guard)
                    }
                }
            }
        };
        let now = self.now();
        match &outcome {
            Outcome::Retry { after, error } | Outcome::RateLimited { wait: after, error } => {
                let (error, next) = (error.clone(), now + after.as_secs().max(1) as i64);
                tracing::info!(outbox = id, attempts, error = %error, "outbox send will be retried");
                self.writer
                    .call(move |c| store::mark_retry(c, id, &owner, &error, next, now))
                    .await?;
            }
            Outcome::Failed(error) => {
                let error = error.clone();
                tracing::warn!(outbox = id, error = %error, "outbox send failed for good");
                self.writer
                    .call(move |c| {
                        store::mark_failed(c, id, &owner, &error, now)?;
                        if auth {
                            truth::set_failure(c, id, truth::FAILURE_AUTH)?;
                        }
                        Ok(())
                    })
                    .await?;
            }
            Outcome::Unknown(error) => {
                let error = error.clone();
                // A reply that can be read back is checked on the next round (and again
                // with backoff while the check itself fails); the rest wait for the CM.
                let recheck = (job.kind == kinds::REPLY
                    && self.connectors.get(&job.account_id).is_some_and(|c| {
                        c.resend_guard(&job.kind, job.target.kind) == ResendGuard::ReadBack
                    }))
                .then(|| now + self.backoff.delay(attempt_no(attempts), 0.5).as_secs() as i64);
                tracing::warn!(outbox = id, error = %error, "outbox send outcome unknown");
                self.writer
                    .call(move |c| store::mark_unknown(c, id, &owner, &error, recheck, now))
                    .await?;
            }
            Outcome::Sent | Outcome::EditRefused => {
                if let Some(gate) = &self.gate {
                    gate.sent(&key).await;
                }
            }
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
        if let (PlatformError::NotFound(why), kinds::REPLY) = (error, job.kind.as_str()) {
            let (item, why, now) = (job.item_id, why.clone(), self.now());
            self.writer
                .call(move |c| crate::store::state::mark_gone(c, item, &why, now))
                .await?;
        }
        Ok(())
    }

    /// Records a send the platform confirmed; the account works, so rows its credentials
    /// failed go again.
    async fn sent(
        &self,
        id: super::OutboxId,
        account: i64,
        remote: Option<String>,
    ) -> crate::store::Result<()> {
        let (owner, now) = (self.owner.clone(), self.now());
        self.writer
            .call(move |c| {
                store::mark_sent(c, id, &owner, remote.as_deref(), now)?;
                truth::requeue_auth_failed(c, account, now)
            })
            .await
            .map(drop)
    }

    /// Runs `call` while renewing this worker's lease on row `id`.
    async fn renewing<T>(
        &self,
        id: super::OutboxId,
        call: impl std::future::Future<Output = T>,
    ) -> T {
        super::lease::while_renewing(self.lease, call, || async move {
            let (owner, ttl, now) = (self.owner.clone(), self.ttl(), self.now());
            match self
                .writer
                .call(move |c| store::renew(c, id, &owner, now, ttl))
                .await
            {
                Ok(true) => {}
                Ok(false) => tracing::warn!(outbox = id, "outbox: lease lost mid-send"),
                Err(e) => tracing::warn!(outbox = id, error = %e, "outbox: lease not renewed"),
            }
        })
        .await
    }

    fn classify(
        &self,
        error: PlatformError,
        attempts: i64,
        kind: &str,
        guard: ResendGuard,
    ) -> Outcome {
        let message = error.to_string();
        match error {
            // The request may have been taken and its answer lost: a reply or an action
            // without a safe resend is not repeated blindly.
            PlatformError::Malformed(_)
                if kind == kinds::REPLY || guard == ResendGuard::Nothing =>
            {
                Outcome::Unknown(format!(
                    "the platform's answer could not be read; it may have been sent ({message})"
                ))
            }
            PlatformError::RateLimited { wait } if attempts < self.max_attempts => {
                Outcome::RateLimited {
                    wait: wait.max(Duration::from_secs(1)),
                    error: message,
                }
            }
            PlatformError::Transient(_) | PlatformError::RateLimited { .. }
                if attempts < self.max_attempts =>
            {
                let jitter = rand::thread_rng().gen::<f64>();
                Outcome::Retry {
                    after: self.backoff.delay(attempt_no(attempts), jitter),
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
        guard: ResendGuard,
    ) -> Result<Sent, PlatformError> {
        let call = async {
            if job.kind == kinds::REPLY {
                let text = job
                    .text()
                    .ok_or_else(|| PlatformError::Malformed("the outbox row has no text".into()))?;
                // An edit of a reply that may have landed: only a read-back proving the
                // first is not there lets the new text go out (under the same key).
                if let Some(first) = job.unconfirmed_text() {
                    if guard != ResendGuard::ReadBack {
                        return Ok(Sent::EditRefused(None));
                    }
                    if let Some(remote) = connector
                        .find_reply(&job.target, first, &job.idempotency_key)
                        .await?
                    {
                        return Ok(Sent::EditRefused(Some(remote)));
                    }
                }
                // An earlier attempt may have reached the server. Platforms that dedup by
                // key get the same key again; the others are read back first.
                if job.attempts > 1 && guard == ResendGuard::ReadBack {
                    if let Some(remote) = connector
                        .find_reply(&job.target, text, &job.idempotency_key)
                        .await?
                    {
                        return Ok(Sent::Posted(Some(remote)));
                    }
                }
                connector
                    .reply(&job.target, text, &job.idempotency_key)
                    .await
                    .map(|r| Sent::Posted(Some(r)))
            } else {
                let action = job.action().map_err(PlatformError::Malformed)?;
                connector
                    .moderate(&job.target, action)
                    .await
                    .map(|()| Sent::Posted(None))
            }
        };
        let secs = self.call_timeout.as_secs();
        match tokio::time::timeout(self.call_timeout, call).await {
            Ok(result) => result,
            // Without a key or read-back, a request that may be in the platform's hands
            // is not repeated: it is classed as an unreadable answer (unknown).
            Err(_) if guard == ResendGuard::Nothing => Err(PlatformError::Malformed(format!(
                "no answer within {secs}s"
            ))),
            Err(_) => Err(PlatformError::Transient(format!(
                "no answer within {secs}s"
            ))),
        }
    }
}

/// What a send did on the platform.
enum Sent {
    /// Posted (or found posted): the remote id of a reply.
    Posted(Option<String>),
    /// An edit held back; `Some` when the first text was found on the platform.
    EditRefused(Option<String>),
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
    accounts: &[crate::platform::AccountConfig],
    connect: impl Fn(&crate::platform::AccountConfig) -> anyhow::Result<Arc<dyn Connector>>,
) -> anyhow::Result<SharedConnectors> {
    accounts
        .iter()
        .map(|a| Ok((a.name.clone(), connect(a)?, a.handle.clone())))
        .collect()
}

/// A `connect` function handing out the shared connectors.
pub fn shared_connect(
    shared: &SharedConnectors,
) -> impl Fn(&crate::platform::AccountConfig) -> anyhow::Result<Arc<dyn Connector>> + '_ {
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
        let b = RETRY_BACKOFF;
        assert_eq!(b.delay(1, 0.5), Duration::from_secs(2));
        assert_eq!(b.delay(3, 0.5), Duration::from_secs(8));
        assert_eq!(b.delay(20, 0.5), Duration::from_secs(600));
        assert_eq!(b.delay(3, 0.0), Duration::from_secs(6));
        assert_eq!(b.delay(3, 1.0), Duration::from_secs(10));
    }
}
