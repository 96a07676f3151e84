//! Team mode: several community managers share one inbox through PostgreSQL (`[team]`).
//!
//! Without a `[team]` section hark is a single CM's tool and nothing here runs.

pub mod config;

/// What of `[team]` the cache keeps for this machine (who this CM is, the members in
/// round-robin order, the moderators), or why the section cannot be used.
pub fn local(team: &TeamConfig) -> anyhow::Result<crate::store::team::Local> {
    let me = team.me.trim();
    if me.is_empty() {
        anyhow::bail!("[team] me is empty: write this CM's name (me = \"sam\")");
    }
    if let Some(how) = team.auto_assign.as_deref() {
        if how != crate::store::team::ROUND_ROBIN {
            anyhow::bail!(
                "[team] auto_assign = \"{}\" is not known: the one way is \"round-robin\"",
                crate::sanitize::inert_line(how)
            );
        }
    }
    let known = |name: &String| name == me || team.members.contains(name);
    if let Some(stranger) = team.moderators.iter().find(|m| !known(m)) {
        anyhow::bail!(
            "[team] moderators names `{}`, who is not in members",
            crate::sanitize::inert_line(stranger)
        );
    }
    Ok(crate::store::team::Local {
        me: me.to_string(),
        members: team.members.clone(),
        moderators: team.moderators.clone(),
        auto_assign: team.auto_assign.clone(),
    })
}

/// Every name `A` may assign to: the members, and this CM if not listed.
pub fn names(team: &TeamConfig) -> Vec<String> {
    let mut names = team.members.clone();
    if !names.iter().any(|n| n == &team.me) {
        names.push(team.me.clone());
    }
    names
}

/// Rules that assign (`then = { assign = "ana" }`) name a CM of `[team]`; without
/// `[team]` no rule may assign.
pub fn check_rules(
    rules: &[crate::rules::RuleConfig],
    team: Option<&TeamConfig>,
) -> anyhow::Result<()> {
    for rule in rules {
        let Some(cm) = &rule.then.assign else {
            continue;
        };
        let name = crate::sanitize::inert_line(&rule.name);
        match team {
            None => anyhow::bail!(
                "rule `{name}`: `assign` needs team mode (a [team] section with its members)"
            ),
            Some(team) if !names(team).contains(cm) => anyhow::bail!(
                "rule `{name}`: assigns to `{}`, who is not in [team] members",
                crate::sanitize::inert_line(cm)
            ),
            Some(_) => {}
        }
    }
    Ok(())
}

pub mod cluster;
pub mod connect;
pub mod lease;
pub mod poll;
pub mod presence;
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
    writer: crate::store::WriterHandle,
}

impl Team {
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
            writer.clone(),
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
            writer,
        })
    }

    /// Starts telling the team what this CM looks at and writes to, and hearing what the
    /// others do (see [`presence`]).
    pub fn presence(&self, config: presence::PresenceConfig) -> presence::PresenceLink {
        presence::spawn(
            self.db.clone(),
            self.writer.clone(),
            self.who.clone(),
            config,
        )
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
        presence::clear(&self.db, &self.who.machine).await;
    }
}

impl Drop for Team {
    fn drop(&mut self) {
        self.leases.abort();
    }
}
