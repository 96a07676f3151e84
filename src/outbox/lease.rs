//! Leases: a row in flight (an outbox send, an escalation notification) belongs to one
//! process until its lease runs out. The owner renews the lease while the
//! call lasts; another process never takes a leased row, and reconciliation touches only
//! rows whose lease expired (their owner died or hung).
//!
//! One design, two stores. The interface is [`Leases`]: `claim` / `renew` / `release` /
//! `expired` on rows of one table, by id, for an [`Owner`], at a time given by the caller
//! (so tests drive the clock). A store keeps two columns beside each leasable row:
//! `lease_owner` (text, NULL when free) and `lease_expires_at` (unix seconds). A row is
//! "in flight" while its state is `sending`.
//! - SQLite ([`SqliteLeases`](crate::store::lease::SqliteLeases)): the columns live on `outbox` and `notifications`;
//!   every call is one conditional `UPDATE`, atomic under SQLite's single writer.
//! - PostgreSQL (team mode, later): the same columns and the same conditional `UPDATE ...
//!   WHERE lease_owner IS NULL OR lease_expires_at < $now` per call (or `SELECT ... FOR
//!   UPDATE SKIP LOCKED` to pick candidates); the database clock (`now()`) replaces the
//!   caller's where processes on several machines share it.

use rand::Rng;

use crate::domain::UnixTime;
use crate::store::Result;

/// Who holds a lease: one per running sender, `pid-random`, so two processes (or two
/// workers in one test) never mistake each other's rows for their own.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Owner(String);

impl Owner {
    pub fn new() -> Owner {
        let bits: u32 = rand::thread_rng().gen();
        Owner(format!("{}-{bits:08x}", std::process::id()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for Owner {
    fn default() -> Self {
        Owner::new()
    }
}

/// The tables whose rows can be leased.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    Outbox,
    Notifications,
}

impl Table {
    /// A fixed name, never user text, so it may be spliced into SQL.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Table::Outbox => "outbox",
            Table::Notifications => "notifications",
        }
    }
}

/// The lease operations every store provides.
pub trait Leases {
    /// Takes row `id` for `owner` until `now + ttl` if no one else holds a live lease on
    /// it. True when `owner` holds it afterwards.
    fn claim(&self, id: i64, owner: &Owner, now: UnixTime, ttl: i64) -> Result<bool>;
    /// Extends `owner`'s lease to `now + ttl`; false when `owner` no longer holds it.
    fn renew(&self, id: i64, owner: &Owner, now: UnixTime, ttl: i64) -> Result<bool>;
    /// Gives the row up; false when `owner` did not hold it.
    fn release(&self, id: i64, owner: &Owner) -> Result<bool>;
    /// Rows in flight (`sending`) whose lease ran out at `now`, or that have none (written
    /// before leases existed): the only ones reconciliation may touch.
    fn expired(&self, now: UnixTime) -> Result<Vec<i64>>;
}

/// Runs `call` while `renew` runs every third of `lease` (at least every 200 ms), so work
/// slower than the lease is never taken by another process. `renew` only logs: losing the
/// lease does not stop the call (its result is recorded under the lease rules).
pub async fn while_renewing<T, F>(
    lease: std::time::Duration,
    call: impl std::future::Future<Output = T>,
    mut renew: impl FnMut() -> F,
) -> T
where
    F: std::future::Future<Output = ()>,
{
    let every = (lease / 3).max(std::time::Duration::from_millis(200));
    let renewing = async {
        loop {
            tokio::time::sleep(every).await;
            renew().await;
        }
    };
    tokio::select! {
        out = call => out,
        never = renewing => never,
    }
}
