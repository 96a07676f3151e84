//! Presence: who else looks at an item and who writes a reply to it.
//!
//! Each hark keeps one row in the team's `team_presence` (what its CM looks at, whether
//! the composer is open), renewed every few seconds and on change, never per key; the row
//! runs out after [`PresenceConfig::ttl`] without a renewal, so a crashed hark disappears
//! by itself. Others learn of a change through LISTEN/NOTIFY and of an expiry by a timer
//! set to the earliest one. Presence never enters the change log: it is ephemeral.
//!
//! The UI only publishes what it does ([`Doing`], a watch value: never blocking) and
//! reads the others ([`Others`]); this task does the talking.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;

use super::connect::{TeamDb, TeamError};
use super::sync::Identity;
use crate::domain::ItemId;
use crate::store::team_sync::Schema;
use crate::store::{team_pg, team_presence, WriterHandle};

/// How long a change of what this CM does waits for the next before it is written.
const SETTLE: Duration = Duration::from_millis(200);

/// How long a presence row lives without a renewal, and how often it is renewed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PresenceConfig {
    pub ttl: Duration,
    pub beat: Duration,
}

impl Default for PresenceConfig {
    /// A crashed hark disappears within 15 s; a live one renews three times in that.
    fn default() -> Self {
        PresenceConfig {
            ttl: Duration::from_secs(15),
            beat: Duration::from_secs(5),
        }
    }
}

/// What this CM does now, as the UI says it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Doing {
    /// The item in the item pane (or the composer's).
    pub item: Option<ItemId>,
    /// The composer is open on it.
    pub typing: bool,
}

/// Another CM on an item.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Here {
    pub cm: String,
    pub typing: bool,
}

/// The other CMs on each local item, by name (one entry per CM, typing if any of their
/// machines is).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Others(pub BTreeMap<ItemId, Vec<Here>>);

impl Others {
    pub fn on(&self, item: ItemId) -> &[Here] {
        self.0.get(&item).map(Vec::as_slice).unwrap_or(&[])
    }

    fn add(&mut self, item: ItemId, cm: String, typing: bool) {
        let here = self.0.entry(item).or_default();
        match here.iter_mut().find(|h| h.cm == cm) {
            Some(h) => h.typing |= typing,
            None => {
                here.push(Here { cm, typing });
                here.sort();
            }
        }
    }
}

/// The UI's end: publish [`Doing`], watch [`Others`].
/// Dropping it stops the task as a crash would (the row runs out).
pub struct PresenceLink {
    pub doing: watch::Sender<Doing>,
    pub others: watch::Receiver<Others>,
    task: TaskGuard,
}

impl PresenceLink {
    /// Stops at once, as a crash would: the row is left to run out.
    pub fn abort(&self) {
        self.task.0.abort();
    }

    /// Its ends apart, for the UI's runtime and event loop; the task stops when the
    /// returned guard drops.
    pub fn into_parts(self) -> (watch::Sender<Doing>, watch::Receiver<Others>, TaskGuard) {
        (self.doing, self.others, self.task)
    }
}

/// Stops the presence task when dropped.
pub type TaskGuard = super::connect::AbortOnDrop;

/// Starts the presence task of this machine.
pub fn spawn(
    db: TeamDb,
    writer: WriterHandle,
    who: Identity,
    config: PresenceConfig,
) -> PresenceLink {
    let (doing, doing_rx) = watch::channel(Doing::default());
    let (others_tx, others) = watch::channel(Others::default());
    let task = tokio::spawn(
        Task {
            db,
            writer,
            who,
            config,
            doing: doing_rx,
            others: others_tx,
        }
        .run(),
    );
    PresenceLink {
        doing,
        others,
        task: super::connect::AbortOnDrop(task),
    }
}

/// This machine's row goes (a clean exit: others stop seeing it at once).
pub async fn clear(db: &TeamDb, machine: &str) {
    if let Ok(client) = db.connect().await {
        let _ = team_pg::clear_presence(&client, machine).await;
    }
}

struct Task {
    db: TeamDb,
    writer: WriterHandle,
    who: Identity,
    config: PresenceConfig,
    doing: watch::Receiver<Doing>,
    others: watch::Sender<Others>,
}

/// What this machine's row says now.
type Row = Option<(String, bool)>;

impl Task {
    async fn run(mut self) {
        let schema = match self.writer.call(|c| Schema::read(c)).await {
            Ok(s) => Arc::new(s),
            Err(e) => {
                tracing::warn!(error = %e, "presence: cannot read the cache's schema");
                return;
            }
        };
        let mut delay = Duration::from_millis(250);
        loop {
            match self.session(&schema).await {
                Ok(()) => return,
                Err(e) => {
                    tracing::warn!(error = %e, "presence: offline from the team");
                    // Cut off, nothing is known of the others: show no one.
                    self.others.send_replace(Others::default());
                }
            }
            tokio::select! {
                _ = tokio::time::sleep(delay) => {}
                changed = self.doing.changed() => if changed.is_err() { return },
            }
            delay = (delay * 2).min(Duration::from_secs(10));
        }
    }

    /// One connected stretch; `Ok` when the UI is gone (the row is cleared then).
    async fn session(&mut self, schema: &Arc<Schema>) -> Result<(), TeamError> {
        let (client, notified, mut closed, _driver) = self.db.listener().await?.parts();
        let q = |e: tokio_postgres::Error| self.db.query_error(&e);
        team_pg::listen_presence(&client).await.map_err(q)?;
        let mut row: Row = None;
        let mut beat = tokio::time::interval(self.config.beat);
        beat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut expiry = self.read(&client, schema).await?;
        // A change is written once it has settled: j held down through the list is one
        // write, not one per key.
        let mut settle: Option<Instant> = None;
        let far = || Instant::now() + Duration::from_secs(3600);
        loop {
            let next = expiry.unwrap_or_else(far);
            tokio::select! {
                changed = self.doing.changed() => {
                    if changed.is_err() {
                        let _ = team_pg::clear_presence(&client, &self.who.machine).await;
                        return Ok(());
                    }
                    settle.get_or_insert_with(|| Instant::now() + SETTLE);
                }
                _ = tokio::time::sleep_until(settle.unwrap_or_else(far)), if settle.is_some() => {
                    settle = None;
                    self.write(&client, schema, &mut row, false).await?;
                }
                _ = beat.tick() => {
                    self.write(&client, schema, &mut row, true).await?;
                    expiry = self.read(&client, schema).await?;
                }
                _ = notified.notified() => expiry = self.read(&client, schema).await?,
                _ = tokio::time::sleep_until(next) => expiry = self.read(&client, schema).await?,
                why = &mut closed => {
                    return Err(TeamError::Connect {
                        at: self.db.at().to_string(),
                        reason: why.unwrap_or_else(|_| "the connection ended".into()),
                    });
                }
            }
        }
    }

    /// Writes this machine's row when what it says changed, or always on a heartbeat
    /// (`renew`); looking at nothing removes it.
    async fn write(
        &mut self,
        client: &tokio_postgres::Client,
        schema: &Arc<Schema>,
        row: &mut Row,
        renew: bool,
    ) -> Result<(), TeamError> {
        let doing = *self.doing.borrow_and_update();
        let want: Row = match doing.item {
            Some(id) => {
                let (schema, machine, share) =
                    (schema.clone(), self.who.machine.clone(), self.who.share_dms);
                self.writer
                    .call(move |c| team_presence::item_key(c, &schema, &machine, id, share))
                    .await
                    .map_err(cache_error)?
                    .map(|key| (key, doing.typing))
            }
            None => None,
        };
        if want == *row && !(renew && want.is_some()) {
            return Ok(());
        }
        let q = |e: tokio_postgres::Error| self.db.query_error(&e);
        match &want {
            Some((item, typing)) => {
                let ttl = self.config.ttl.as_millis() as i64;
                team_pg::set_presence(client, &self.who.machine, &self.who.me, item, *typing, ttl)
                    .await
                    .map_err(q)?
            }
            None => team_pg::clear_presence(client, &self.who.machine)
                .await
                .map_err(q)?,
        }
        *row = want;
        Ok(())
    }

    /// Reads the others' live rows into [`Others`]; returns when the first of them runs
    /// out (read again then).
    async fn read(
        &self,
        client: &tokio_postgres::Client,
        schema: &Arc<Schema>,
    ) -> Result<Option<Instant>, TeamError> {
        let rows = team_pg::presence(client, &self.who.me)
            .await
            .map_err(|e| self.db.query_error(&e))?;
        let asked = Instant::now();
        let expiry = rows
            .iter()
            .map(|r| asked + Duration::from_millis(r.left_ms.max(0) as u64 + 20))
            .min();
        let keys: Vec<String> = rows.iter().map(|r| r.item.clone()).collect();
        let (schema, machine) = (schema.clone(), self.who.machine.clone());
        let ids = self
            .writer
            .call(move |c| team_presence::local_items(c, &schema, &machine, &keys))
            .await
            .map_err(cache_error)?;
        let mut others = Others::default();
        for (row, id) in rows.into_iter().zip(ids) {
            if let Some(id) = id {
                others.add(id, row.cm, row.typing);
            }
        }
        self.others.send_if_modified(|now| {
            let changed = *now != others;
            *now = others;
            changed
        });
        Ok(expiry)
    }
}

fn cache_error(e: crate::store::Error) -> TeamError {
    TeamError::Query {
        at: "the cache".into(),
        reason: e.to_string(),
    }
}
