//! Team mode: several community managers share one inbox through PostgreSQL (`[team]`).
//!
//! Without a `[team]` section hark is a single CM's tool and nothing here runs.

pub mod config;
pub mod connect;
pub mod lease;
pub mod poll;
pub mod sync;

use config::TeamConfig;

/// This machine's name in the team: `[team] machine`, else the host name.
pub fn machine_name(team: &TeamConfig) -> String {
    if let Some(name) = team.machine.as_deref().filter(|n| !n.trim().is_empty()) {
        return name.trim().to_string();
    }
    host_name().unwrap_or_else(|| "this-machine".into())
}

fn host_name() -> Option<String> {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is valid for its length; gethostname writes at most that much.
    let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
    if rc != 0 {
        return None;
    }
    let end = buf.iter().position(|b| *b == 0).unwrap_or(buf.len());
    let name = String::from_utf8_lossy(&buf[..end]).trim().to_string();
    (!name.is_empty()).then_some(name)
}

use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinHandle;

/// Team mode running on this machine: the sync engine, the poll leases and the outbox's
/// gate.
pub struct Team {
    pub sync: sync::Sync,
    pub held: Arc<sync::Held>,
    pub gate: Arc<lease::TeamGate>,
    /// The poll lease's time to live.
    pub ttl: Duration,
    db: connect::TeamDb,
    who: sync::Identity,
    accounts: Vec<String>,
    leases: JoinHandle<()>,
}

impl Team {
    /// Starts team mode when the config has `[team]`; `None` (and nothing started)
    /// without it.
    pub async fn start_in(
        workspace: &crate::workspace::Workspace,
        writer: crate::store::WriterHandle,
    ) -> anyhow::Result<Option<Team>> {
        let Some(team) = workspace.config.team.as_ref() else {
            return Ok(None);
        };
        let accounts: Vec<String> = workspace
            .config
            .accounts
            .iter()
            .map(|a| a.name.clone())
            .collect();
        let interval = workspace
            .config
            .accounts
            .iter()
            .map(|a| workspace.config.poll.interval_for(a))
            .min()
            .unwrap_or(workspace.config.poll.interval);
        Ok(Some(Team::start(team, writer, accounts, interval).await?))
    }

    /// Starts following the team, and taking the poll leases of `accounts` (those this
    /// machine holds a token for) polled every `interval`.
    pub async fn start(
        team: &TeamConfig,
        writer: crate::store::WriterHandle,
        accounts: Vec<String>,
        interval: Duration,
    ) -> anyhow::Result<Team> {
        let db = connect::TeamDb::from_config(team)?;
        let who = sync::Identity {
            me: team.me.clone(),
            machine: machine_name(team),
            share_dms: team.share_dms,
        };
        let held = Arc::new(sync::Held::default());
        let sync = sync::Sync::start(
            db.clone(),
            writer,
            who.clone(),
            accounts.clone(),
            held.clone(),
        )
        .await?;
        let ttl = lease::poll_ttl(interval);
        let leases =
            lease::spawn_poll_leases(db.clone(), who.clone(), accounts.clone(), ttl, held.clone());
        let gate = Arc::new(lease::TeamGate::new(db.clone(), who.machine.clone()));
        Ok(Team {
            sync,
            held,
            gate,
            ttl,
            db,
            who,
            accounts,
            leases,
        })
    }

    /// Runs a poller under its account's lease.
    pub fn spawn_poller(&self, poller: crate::poller::Poller) -> JoinHandle<()> {
        tokio::spawn(poll::run(
            poller,
            self.held.clone(),
            self.sync.followed.clone(),
            self.ttl,
        ))
    }

    /// Stops as a killed process would: nothing released, the leases run out.
    pub fn abort(&self) {
        self.leases.abort();
        self.sync.abort();
    }

    /// A clean exit: the poll leases are given up so another machine takes over at once.
    pub async fn stop(self) {
        self.leases.abort();
        self.held.lose_all();
        lease::release_poll_leases(&self.db, &self.who, &self.accounts).await;
    }
}

impl Drop for Team {
    fn drop(&mut self) {
        self.leases.abort();
    }
}
