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
//! - SQLite ([`SqliteLeases`]): the columns live on `outbox` and `notifications`;
//!   every call is one conditional `UPDATE`, atomic under SQLite's single writer.
//! - PostgreSQL (team mode, later): the same columns and the same conditional `UPDATE ...
//!   WHERE lease_owner IS NULL OR lease_expires_at < $now` per call (or `SELECT ... FOR
//!   UPDATE SKIP LOCKED` to pick candidates); the database clock (`now()`) replaces the
//!   caller's where processes on several machines share it.

use rand::Rng;
use rusqlite::{params, Connection};

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

/// Leases held in the SQLite cache, on `table`'s own rows.
pub struct SqliteLeases<'c> {
    pub conn: &'c Connection,
    pub table: Table,
}

impl<'c> SqliteLeases<'c> {
    pub fn new(conn: &'c Connection, table: Table) -> Self {
        SqliteLeases { conn, table }
    }
}

/// The owner of a row the team's database holds (team mode): a `sending` row is another
/// machine's and is never reconciled here; a row in any other state may be claimed once
/// the team lets this machine send it.
pub const TEAM_OWNER: &str = "team";

impl Leases for SqliteLeases<'_> {
    fn claim(&self, id: i64, owner: &Owner, now: UnixTime, ttl: i64) -> Result<bool> {
        let sql = format!(
            "UPDATE {} SET lease_owner = ?2, lease_expires_at = ?3
             WHERE id = ?1 AND (lease_owner IS NULL OR lease_owner = ?2 OR lease_owner = 'team'
                                OR lease_expires_at IS NULL OR lease_expires_at < ?4)",
            self.table.name()
        );
        let n = self
            .conn
            .execute(&sql, params![id, owner.as_str(), now + ttl, now])?;
        Ok(n == 1)
    }

    fn renew(&self, id: i64, owner: &Owner, now: UnixTime, ttl: i64) -> Result<bool> {
        let sql = format!(
            "UPDATE {} SET lease_expires_at = ?3 WHERE id = ?1 AND lease_owner = ?2",
            self.table.name()
        );
        let n = self
            .conn
            .execute(&sql, params![id, owner.as_str(), now + ttl])?;
        Ok(n == 1)
    }

    fn release(&self, id: i64, owner: &Owner) -> Result<bool> {
        let sql = format!(
            "UPDATE {} SET lease_owner = NULL, lease_expires_at = NULL
             WHERE id = ?1 AND lease_owner = ?2",
            self.table.name()
        );
        Ok(self.conn.execute(&sql, params![id, owner.as_str()])? == 1)
    }

    fn expired(&self, now: UnixTime) -> Result<Vec<i64>> {
        let sql = format!(
            "SELECT id FROM {} WHERE state = 'sending' AND lease_owner IS NOT 'team'
               AND (lease_owner IS NULL OR lease_expires_at IS NULL OR lease_expires_at < ?1)
             ORDER BY id",
            self.table.name()
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let ids = stmt
            .query_map([now], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(ids)
    }
}

/// Whether `owner` holds a live lease on row `id` at `now`.
pub fn holds(conn: &Connection, table: Table, id: i64, owner: &Owner) -> Result<bool> {
    let sql = format!(
        "SELECT EXISTS (SELECT 1 FROM {} WHERE id = ?1 AND lease_owner = ?2)",
        table.name()
    );
    Ok(conn.query_row(&sql, params![id, owner.as_str()], |r| r.get(0))?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conn() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE outbox (id INTEGER PRIMARY KEY, state TEXT,
                                  lease_owner TEXT, lease_expires_at INTEGER);
             INSERT INTO outbox (id, state) VALUES (1, 'sending'), (2, 'queued');",
        )
        .unwrap();
        conn
    }

    #[test]
    fn a_live_lease_is_never_taken_and_an_expired_one_is() {
        let conn = conn();
        let leases = SqliteLeases::new(&conn, Table::Outbox);
        let (a, b) = (Owner::new(), Owner::new());
        assert_ne!(a, b);
        assert!(leases.claim(1, &a, 100, 10).unwrap());
        assert!(!leases.claim(1, &b, 105, 10).unwrap(), "live: not taken");
        assert!(leases.expired(110).unwrap().is_empty());
        assert!(leases.renew(1, &a, 108, 10).unwrap());
        assert!(
            leases.expired(118).unwrap().is_empty(),
            "renewed through 118"
        );
        assert!(!leases.renew(1, &b, 108, 10).unwrap(), "b never held it");
        assert_eq!(leases.expired(119).unwrap(), vec![1]);
        assert!(leases.claim(1, &b, 119, 10).unwrap(), "expired: taken");
        assert!(!leases.release(1, &a).unwrap(), "a lost it");
        assert!(leases.release(1, &b).unwrap());
        assert_eq!(leases.expired(0).unwrap(), vec![1], "no lease: expired");
    }
}
