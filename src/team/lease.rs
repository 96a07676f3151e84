//! Leases in the team's PostgreSQL: one machine polls each account, one sends each outbox
//! row. Expiry is the server's clock, never a laptop's; this machine stops counting on a
//! lease a quarter of its time before the server would give it away.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Mutex;
use tokio::task::JoinHandle;

use super::connect::TeamDb;
use super::sync::{Held, Identity};
use crate::outbox::worker::SendGate;
use crate::store::team_pg;

/// How long a send lease lasts: longer than any one platform call (30 s) with renewals.
const SEND_LEASE: Duration = Duration::from_secs(120);

/// The poll lease of an account polled every `interval`: taken over within one interval
/// after its holder dies (it expires after half, and others try every sixth).
pub fn poll_ttl(interval: Duration) -> Duration {
    (interval / 2).max(Duration::from_millis(600))
}

/// Takes and renews the poll leases of `accounts` (the ones this machine holds a token
/// for) every third of `ttl`, forever; `held` says which it has.
pub fn spawn_poll_leases(
    db: TeamDb,
    who: Identity,
    accounts: Vec<String>,
    ttl: Duration,
    held: Arc<Held>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut client: Option<tokio_postgres::Client> = None;
        let mut tick = tokio::time::interval(ttl / 3);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if client.as_ref().is_none_or(|c| c.is_closed()) {
                held.lose_all();
                client = db.connect().await.ok();
            }
            let Some(c) = client.as_ref() else { continue };
            for account in &accounts {
                let asked = Instant::now();
                let ms = ttl.as_millis() as i64;
                match team_pg::take_poll_lease(c, account, &who.machine, &who.me, ms).await {
                    Ok(true) => {
                        // Catch up to what the team has now before polling: the cursor
                        // the last holder stored comes with it.
                        let reach = if held.polls(account) {
                            0
                        } else {
                            team_pg::last_seq(c).await.unwrap_or(i64::MAX)
                        };
                        held.renew(account, asked + ttl * 3 / 4, || reach);
                    }
                    Ok(false) => held.lose(account),
                    Err(e) => {
                        tracing::warn!(error = %super::connect::reason(&e), "poll lease");
                        held.lose_all();
                        client = None;
                        break;
                    }
                }
            }
        }
    })
}

/// Gives up this machine's poll leases (a clean exit: another machine takes over at once).
pub async fn release_poll_leases(db: &TeamDb, who: &Identity, accounts: &[String]) {
    if let Ok(client) = db.connect().await {
        for account in accounts {
            let _ = team_pg::release_poll_lease(&client, account, &who.machine).await;
        }
    }
}

/// The outbox worker asks the team before sending a row: one machine sends each row.
/// Cut off from the team, nothing is sent (rows wait).
pub struct TeamGate {
    db: TeamDb,
    machine: String,
    client: Mutex<Option<tokio_postgres::Client>>,
}

impl TeamGate {
    pub fn new(db: TeamDb, machine: String) -> TeamGate {
        TeamGate {
            db,
            machine,
            client: Mutex::new(None),
        }
    }

    async fn with_client<T>(
        &self,
        f: impl for<'c> FnOnce(
            &'c tokio_postgres::Client,
        )
            -> futures::future::BoxFuture<'c, Result<T, tokio_postgres::Error>>,
    ) -> Option<T> {
        let mut guard = self.client.lock().await;
        if guard.as_ref().is_none_or(|c| c.is_closed()) {
            *guard = self.db.connect().await.ok();
        }
        let client = guard.as_ref()?;
        match f(client).await {
            Ok(v) => Some(v),
            Err(e) => {
                tracing::warn!(error = %super::connect::reason(&e), "send lease");
                *guard = None;
                None
            }
        }
    }
}

#[async_trait::async_trait]
impl SendGate for TeamGate {
    async fn may_send(&self, key: &str) -> bool {
        let (key, machine) = (key.to_string(), self.machine.clone());
        let ms = SEND_LEASE.as_millis() as i64;
        self.with_client(|c| {
            Box::pin(async move { team_pg::take_send_lease(c, &key, &machine, ms).await })
        })
        .await
        .unwrap_or(false)
    }

    async fn sent(&self, key: &str) {
        let (key, machine) = (key.to_string(), self.machine.clone());
        self.with_client(|c| {
            Box::pin(async move { team_pg::finish_send_lease(c, &key, &machine).await })
        })
        .await;
    }
}
