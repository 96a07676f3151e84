//! The sync engine: sends this cache's captured changes to the team's PostgreSQL and
//! follows the team's change sequence, woken by LISTEN/NOTIFY and always catching up by
//! sequence (a notification is a hint; after a reconnect or a night offline the sequence
//! is what brings the cache level).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::FutureExt;
use serde_json::Value;
use tokio::sync::{watch, Notify};
use tokio::task::JoinHandle;

use super::connect::{TeamDb, TeamError};
use crate::store::team_join::{self, Ledger};
use crate::store::team_pg::{self, Push, TeamChange};
use crate::store::team_sync::{self, Incoming, Namer, Pending, Schema};
use crate::store::team_tables::synced;
use crate::store::WriterHandle;

/// Rows sent to the team in one transaction (and read in one writer job): a key press's
/// write waits at most one chunk, even while a big cache makes its first upload.
pub const PUSH_CHUNK: usize = 2_000;
/// Changes applied to the cache in one transaction (one writer job).
const PULL_BATCH: i64 = 2_000;
/// How often the engine says it is alive and looks for changes it was not woken for.
const HEARTBEAT: Duration = Duration::from_secs(5);

/// Whether this machine reaches the team right now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Link {
    Connecting,
    Online,
    Offline { reason: String },
}

/// Who this machine is in the team and what it shares.
#[derive(Debug, Clone)]
pub struct Identity {
    pub me: String,
    pub machine: String,
    pub share_dms: bool,
}

/// The accounts this machine polls now, shared by the lease task (which takes and renews
/// them), the pollers (which poll only what is held, once caught up) and the engine
/// (which sends a cursor only for a held account).
#[derive(Debug, Default)]
pub struct Held {
    holds: Mutex<HashMap<String, Hold>>,
}

#[derive(Debug, Clone, Copy)]
struct Hold {
    /// This machine counts on the lease until then (earlier than the server's expiry).
    until: Instant,
    /// The team's last change when the lease was taken: poll once the cache has it.
    reach: i64,
}

impl Held {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Hold>> {
        self.holds.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// True while this machine holds `account`'s poll lease.
    pub fn polls(&self, account: &str) -> bool {
        self.lock()
            .get(account)
            .is_some_and(|h| h.until > Instant::now())
    }

    /// True when this machine may poll `account` now: it holds the lease and its cache
    /// has followed the team up to the moment it took it (the cursor is the team's).
    pub fn ready(&self, account: &str, followed: i64) -> bool {
        self.lock()
            .get(account)
            .is_some_and(|h| h.until > Instant::now() && followed >= h.reach)
    }

    /// The lease is (still) this machine's until `until`; `reach` counts for a new hold.
    pub fn renew(&self, account: &str, until: Instant, reach: impl FnOnce() -> i64) {
        let mut holds = self.lock();
        match holds.get_mut(account) {
            Some(h) if h.until > Instant::now() => h.until = until,
            _ => {
                holds.insert(
                    account.to_string(),
                    Hold {
                        until,
                        reach: reach(),
                    },
                );
            }
        }
    }

    pub fn lose(&self, account: &str) {
        self.lock().remove(account);
    }

    pub fn lose_all(&self) {
        self.lock().clear();
    }
}

/// The running engine.
pub struct Sync {
    pub link: watch::Receiver<Link>,
    /// The last team change applied here.
    pub followed: watch::Receiver<i64>,
    wake: Arc<Notify>,
    task: JoinHandle<()>,
}

impl Sync {
    /// Installs the capture on the writer's connection (seeding the cache's rows on the
    /// first start in a team) and starts following the team.
    pub async fn start(
        db: TeamDb,
        writer: WriterHandle,
        who: Identity,
        accounts: Vec<String>,
        held: Arc<Held>,
    ) -> crate::store::Result<Sync> {
        let fresh_id = format!("{}-{:016x}", who.machine, rand::random::<u64>());
        let (schema, join) = writer
            .call(move |conn| {
                let schema = Schema::read(conn)?;
                team_sync::install_capture(conn, &schema)?;
                let join = team_join::begin(conn, &fresh_id)?;
                Ok((schema, join))
            })
            .await?;
        let (link_tx, link) = watch::channel(Link::Connecting);
        let start = writer.call(|c| team_sync::last_seq(c)).await?;
        let (followed_tx, followed) = watch::channel(start);
        let wake = Arc::new(Notify::new());
        let engine = Engine {
            db,
            writer,
            who,
            accounts,
            held,
            schema: Arc::new(schema),
            join: join.id,
            wake: wake.clone(),
            link: link_tx,
            followed: followed_tx,
        };
        let task = tokio::spawn(engine.run());
        Ok(Sync {
            link,
            followed,
            wake,
            task,
        })
    }

    /// Look for work now (a test, or a write the engine should not wait for).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Stops at once, as a killed process would (nothing is released).
    pub fn abort(&self) {
        self.task.abort();
    }
}

impl Drop for Sync {
    fn drop(&mut self) {
        self.task.abort();
    }
}

struct Engine {
    db: TeamDb,
    writer: WriterHandle,
    who: Identity,
    accounts: Vec<String>,
    held: Arc<Held>,
    schema: Arc<Schema>,
    /// This cache's name in the team's ledger of uploads.
    join: String,
    wake: Arc<Notify>,
    link: watch::Sender<Link>,
    followed: watch::Sender<i64>,
}

impl Engine {
    async fn run(self) {
        let mut notices = self.writer.subscribe();
        let mut delay = Duration::from_millis(250);
        loop {
            match self.session(&mut notices).await {
                Ok(()) => return,
                Err(e) => {
                    tracing::warn!(error = %e, "offline from the team");
                    self.link.send_replace(Link::Offline {
                        reason: e.to_string(),
                    });
                    self.record_link(false).await;
                }
            }
            // Woken early by a local write: the CM wants it shared, so try again soon.
            tokio::select! {
                _ = tokio::time::sleep(delay) => {}
                _ = self.wake.notified() => {}
            }
            delay = (delay * 2).min(Duration::from_secs(10));
        }
    }

    /// The link as the cache keeps it, for the status bar ("offline from the team: N
    /// replies waiting"); a failure to write it only costs that line.
    async fn record_link(&self, online: bool) {
        let now = crate::domain::now();
        if let Err(e) = self
            .writer
            .call(move |c| team_sync::set_link(c, online, now))
            .await
        {
            tracing::warn!(error = %e, "team: could not record the link");
        }
    }

    /// One connected stretch: returns an error when the connection is lost.
    async fn session(&self, notices: &mut crate::store::Notices) -> Result<(), TeamError> {
        let client = self.db.connect().await?;
        let (listener, notified, mut closed, _driver) = self.db.listener().await?.parts();
        let q = |e: tokio_postgres::Error| self.db.query_error(&e);
        team_pg::listen(&listener).await.map_err(q)?;
        team_pg::heartbeat(&client, &self.who.machine, &self.who.me, &self.accounts)
            .await
            .map_err(q)?;
        self.catch_up(&client).await?;
        self.link.send_replace(Link::Online);
        self.record_link(true).await;
        let mut beat = tokio::time::interval(HEARTBEAT);
        loop {
            let more = self.push(&client).await?;
            self.pull(&client).await?;
            if more {
                // A long upload still says it is alive, and notices a lost link.
                if beat.tick().now_or_never().is_some() {
                    team_pg::heartbeat(&client, &self.who.machine, &self.who.me, &self.accounts)
                        .await
                        .map_err(q)?;
                }
                if let Ok(why) = closed.try_recv() {
                    return Err(TeamError::Connect {
                        at: self.db.at().to_string(),
                        reason: why,
                    });
                }
                continue;
            }
            tokio::select! {
                _ = notified.notified() => {}
                _ = self.wake.notified() => {}
                n = notices.recv() => if n.is_none() { return Ok(()) },
                _ = beat.tick() => {
                    team_pg::heartbeat(&client, &self.who.machine, &self.who.me, &self.accounts)
                        .await
                        .map_err(q)?;
                }
                why = &mut closed => {
                    return Err(TeamError::Connect {
                        at: self.db.at().to_string(),
                        reason: why.unwrap_or_else(|_| "the connection ended".into()),
                    });
                }
            }
        }
    }

    /// Settles the chunk the team committed last if this cache never recorded it (the
    /// process died, or the link was cut, in between), so it is not sent again. Refuses a
    /// team database whose schema is older than this hark.
    async fn catch_up(&self, client: &tokio_postgres::Client) -> Result<(), TeamError> {
        let q = |e: tokio_postgres::Error| self.db.query_error(&e);
        let version = team_pg::version(client).await.map_err(q)?;
        if version < team_pg::PG_MIGRATIONS.len() as i64 {
            return Err(TeamError::Query {
                at: self.db.at().to_string(),
                reason: format!(
                    "its schema is version {version}, older than this hark's ({}): run `hark team init`",
                    team_pg::PG_MIGRATIONS.len()
                ),
            });
        }
        let ledger = team_pg::join_ledger(client, &self.join).await.map_err(q)?;
        self.writer
            .call(move |conn| team_join::catch_up(conn, ledger.as_ref()))
            .await
            .map_err(cache_error)?;
        Ok(())
    }

    /// Sends the next chunk of pending changes (and, while the cache makes its first
    /// upload, of its rows) in one transaction. True when there may be more.
    async fn push(&self, client: &tokio_postgres::Client) -> Result<bool, TeamError> {
        let schema = self.schema.clone();
        let who = self.who.clone();
        let held = self.held.clone();
        let (batch, ledger) = self
            .writer
            .call(move |conn| {
                let tx = conn.transaction()?;
                let from = team_join::state(&tx)?;
                let chunk = team_join::next_chunk(&tx, &schema, PUSH_CHUNK)?;
                if from.is_some_and(|from| chunk.is_empty(&from)) {
                    return Ok((Vec::new(), None));
                }
                let namer = Namer {
                    conn: &tx,
                    schema: &schema,
                    machine: &who.machine,
                };
                let mut out = Vec::new();
                for p in &chunk.changes {
                    if let Some(change) = outgoing(&namer, &who, &held, p)? {
                        out.push(change);
                    }
                }
                tx.commit()?;
                Ok((out, Some(chunk.ledger)))
            })
            .await
            .map_err(cache_error)?;
        let Some(ledger) = ledger else {
            return Ok(false);
        };
        self.send(client, &batch, &ledger).await?;
        self.writer
            .call(move |conn| team_join::settle(conn, &ledger))
            .await
            .map_err(cache_error)?;
        Ok(true)
    }

    /// One chunk and its ledger, whole or not at all: a page of items and the cursor after
    /// it reach the team together, and the ledger says the chunk is in.
    async fn send(
        &self,
        client: &tokio_postgres::Client,
        batch: &[Push],
        ledger: &Ledger,
    ) -> Result<(), TeamError> {
        let q = |e: tokio_postgres::Error| self.db.query_error(&e);
        client.simple_query("BEGIN").await.map_err(q)?;
        let sent = async {
            team_pg::push_all(client, batch, &self.who.me, &self.who.machine).await?;
            team_pg::record_join(client, &self.join, &self.who.machine, ledger).await
        }
        .await;
        match sent {
            Ok(()) => client.simple_query("COMMIT").await.map(|_| ()).map_err(q),
            Err(e) => {
                let _ = client.simple_query("ROLLBACK").await;
                Err(q(e))
            }
        }
    }

    /// Applies every team change after the last one applied here.
    async fn pull(&self, client: &tokio_postgres::Client) -> Result<(), TeamError> {
        loop {
            let after = *self.followed.borrow();
            let changes = team_pg::changes_after(client, after, PULL_BATCH)
                .await
                .map_err(|e| self.db.query_error(&e))?;
            if changes.is_empty() {
                return Ok(());
            }
            let full = changes.len() as i64 == PULL_BATCH;
            let incoming: Vec<Incoming> = changes
                .into_iter()
                .map(|c| incoming(c, &self.who.machine))
                .collect();
            let last = incoming.last().map(|c| c.seq).unwrap_or(after);
            let schema = self.schema.clone();
            let machine = self.who.machine.clone();
            self.writer
                .call(move |conn| team_sync::apply(conn, &schema, &machine, &incoming))
                .await
                .map_err(cache_error)?;
            self.followed.send_replace(last);
            if !full {
                return Ok(());
            }
        }
    }
}

fn cache_error(e: crate::store::Error) -> TeamError {
    TeamError::Query {
        at: "the cache".into(),
        reason: e.to_string(),
    }
}

/// A captured change in the team's terms; `None` when it is not the team's (a row kept
/// local, a DM kept local, a row whose references cannot be named, nothing shared changed).
fn outgoing(
    namer: &Namer<'_>,
    who: &Identity,
    held: &Held,
    pending: &Pending,
) -> crate::store::Result<Option<Push>> {
    let Some(spec) = synced(&pending.tbl) else {
        return Ok(None);
    };
    let Some(row) = pending.new.as_ref().or(pending.old.as_ref()) else {
        return Ok(None);
    };
    if spec.keeps_local(row) {
        return Ok(None);
    }
    if !who.share_dms && namer.item_kind(spec, row)?.as_deref() == Some("dm") {
        return Ok(None);
    }
    let Some((key, mut new)) = namer.team_row(spec, row)? else {
        tracing::warn!(
            table = spec.table,
            "a change the team cannot name stays local"
        );
        return Ok(None);
    };
    let deleted = pending.new.is_none();
    let mut old = serde_json::Map::new();
    if let (Some(before), Some(_)) = (&pending.old, &pending.new) {
        // An update sends only what it changed, with the values it changed from: a field
        // it left alone must not overwrite a newer value of the team's.
        if let Some((_, before)) = namer.team_row(spec, before)? {
            new.retain(|k, v| before.get(k) != Some(v));
            for k in new.keys() {
                old.insert(k.clone(), before.get(k).cloned().unwrap_or(Value::Null));
            }
        }
        if new.is_empty() {
            return Ok(None);
        }
    }
    // A cursor counts only from the machine polling the account.
    if !spec.poller_only.is_empty() && !held.polls(&key_name(&key)) {
        for field in spec.poller_only {
            new.remove(*field);
            old.remove(*field);
        }
        if new.is_empty() && !deleted {
            return Ok(None);
        }
    }
    Ok(Some(Push {
        tbl: spec.table.to_string(),
        key,
        old: Value::Object(old).to_string(),
        new: Value::Object(new).to_string(),
        deleted,
    }))
}

/// An account's name from its team key (`["name"]`).
fn key_name(key: &str) -> String {
    match serde_json::from_str::<Value>(key) {
        Ok(Value::Array(parts)) => parts
            .first()
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        _ => String::new(),
    }
}

fn incoming(change: TeamChange, machine: &str) -> Incoming {
    let fields = match serde_json::from_str::<Value>(&change.fields) {
        Ok(Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    };
    let conflicts = match serde_json::from_str::<Value>(&change.conflicts) {
        Ok(Value::Array(list)) => list,
        _ => Vec::new(),
    };
    Incoming {
        seq: change.seq,
        tbl: change.tbl,
        key: change.key,
        fields,
        changed: change.changed,
        deleted: change.deleted,
        conflicts,
        at: change.at,
        elsewhere: change.machine != machine,
    }
}
