//! The team's PostgreSQL: every statement hark sends it. Its schema is numbered migrations
//! like the cache's (`src/team/migrations/`), tracked in `team_schema`.

use tokio_postgres::{Client, GenericClient};

use super::team_join::{Ledger, Position};

pub type PgResult<T> = std::result::Result<T, tokio_postgres::Error>;

/// The PostgreSQL migrations in order; the index + 1 is the version each produces.
pub const PG_MIGRATIONS: &[&str] = &[
    include_str!("../team/migrations/001_sync.sql"),
    include_str!("../team/migrations/002_presence.sql"),
    include_str!("../team/migrations/003_joins.sql"),
];

/// Brings the team schema up to date; returns (version found, version now).
pub async fn migrate(client: &mut Client) -> PgResult<(i64, i64)> {
    client
        .batch_execute("CREATE TABLE IF NOT EXISTS team_schema (version bigint NOT NULL)")
        .await?;
    let tx = client.transaction().await?;
    // One migrating CM at a time: two `hark team init` at once wait for each other.
    tx.batch_execute("LOCK TABLE team_schema IN EXCLUSIVE MODE")
        .await?;
    let found: i64 = tx
        .query_opt("SELECT version FROM team_schema", &[])
        .await?
        .map(|r| r.get(0))
        .unwrap_or(0);
    for (index, sql) in PG_MIGRATIONS.iter().enumerate() {
        let version = index as i64 + 1;
        if version > found {
            tx.batch_execute(sql).await?;
        }
    }
    let now = PG_MIGRATIONS.len() as i64;
    tx.execute("DELETE FROM team_schema", &[]).await?;
    tx.execute(
        "INSERT INTO team_schema (version) VALUES ($1)",
        &[&found.max(now)],
    )
    .await?;
    tx.commit().await?;
    Ok((found, found.max(now)))
}

/// A database of its own for a bench or a test (`name` is the caller's, never a user's).
pub async fn create_database(client: &Client, name: &str) -> PgResult<()> {
    client
        .batch_execute(&format!("CREATE DATABASE \"{}\"", name.replace('"', "")))
        .await
}

/// The schema version of the team database (0: `hark team init` never ran).
pub async fn version(client: &Client) -> PgResult<i64> {
    let exists: bool = client
        .query_one("SELECT to_regclass('team_schema') IS NOT NULL", &[])
        .await?
        .get(0);
    if !exists {
        return Ok(0);
    }
    Ok(client
        .query_opt("SELECT version FROM team_schema", &[])
        .await?
        .map(|r| r.get(0))
        .unwrap_or(0))
}

/// This machine is running hark for `cm`, able to poll `accounts`.
pub async fn heartbeat(
    client: &Client,
    machine: &str,
    cm: &str,
    accounts: &[String],
) -> PgResult<()> {
    client
        .execute(
            "INSERT INTO team_machines (machine, cm, last_seen, accounts) VALUES ($1, $2, now(), $3)
             ON CONFLICT (machine) DO UPDATE SET cm = $2, last_seen = now(), accounts = $3",
            &[&machine, &cm, &accounts],
        )
        .await?;
    Ok(())
}

/// A machine as `hark team status` shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct MachineRow {
    pub machine: String,
    pub cm: String,
    /// Seconds since it was last heard from.
    pub silent_secs: i64,
}

/// Every machine that ever ran hark for the team, the most recently heard first.
pub async fn machines(client: &Client) -> PgResult<Vec<MachineRow>> {
    Ok(client
        .query(
            "SELECT machine, cm, extract(epoch FROM now() - last_seen)::bigint
             FROM team_machines ORDER BY last_seen DESC",
            &[],
        )
        .await?
        .iter()
        .map(|r| MachineRow {
            machine: r.get(0),
            cm: r.get(1),
            silent_secs: r.get(2),
        })
        .collect())
}

/// The CMs who said `:away`, by name (the team's copy of the caches' `team_away`).
pub async fn away(client: &Client) -> PgResult<Vec<String>> {
    Ok(client
        .query(
            // A row's team name is the JSON array of its identity columns: ["ana"].
            "SELECT key::jsonb->>0 FROM team_rows
             WHERE tbl = 'team_away' AND NOT deleted
             ORDER BY 1",
            &[],
        )
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect())
}

/// Who holds each account's poll lease, and for how many seconds more (negative: expired).
pub async fn poll_leases(client: &Client) -> PgResult<Vec<(String, String, String, i64)>> {
    Ok(client
        .query(
            "SELECT account, machine, cm, extract(epoch FROM expires_at - now())::bigint
             FROM team_poll_leases ORDER BY account",
            &[],
        )
        .await?
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
        .collect())
}

/// Takes or renews the poll lease of `account` for `ttl_ms`: free, expired, or already
/// this machine's. True when this machine holds it now.
pub async fn take_poll_lease(
    client: &Client,
    account: &str,
    machine: &str,
    cm: &str,
    ttl_ms: i64,
) -> PgResult<bool> {
    Ok(client
        .query_opt(
            "INSERT INTO team_poll_leases (account, machine, cm, expires_at)
             VALUES ($1, $2, $3, now() + $4::bigint * interval '1 millisecond')
             ON CONFLICT (account) DO UPDATE
             SET machine = $2, cm = $3, expires_at = now() + $4::bigint * interval '1 millisecond'
             WHERE team_poll_leases.machine = $2 OR team_poll_leases.expires_at < now()
             RETURNING machine",
            &[&account, &machine, &cm, &ttl_ms],
        )
        .await?
        .is_some())
}

/// Gives the lease up (a clean exit), so another machine takes over at once.
pub async fn release_poll_lease(client: &Client, account: &str, machine: &str) -> PgResult<()> {
    client
        .execute(
            "DELETE FROM team_poll_leases WHERE account = $1 AND machine = $2",
            &[&account, &machine],
        )
        .await?;
    Ok(())
}

/// Takes the right to send the outbox row `key` for `ttl_ms`: not sent yet, and free,
/// expired or already this machine's. True when this machine may send it.
pub async fn take_send_lease(
    client: &Client,
    key: &str,
    machine: &str,
    ttl_ms: i64,
) -> PgResult<bool> {
    Ok(client
        .query_opt(
            "INSERT INTO team_send_leases (send_key, machine, expires_at)
             VALUES ($1, $2, now() + $3::bigint * interval '1 millisecond')
             ON CONFLICT (send_key) DO UPDATE
             SET machine = $2, expires_at = now() + $3::bigint * interval '1 millisecond'
             WHERE NOT team_send_leases.done
               AND (team_send_leases.machine = $2 OR team_send_leases.expires_at < now())
             RETURNING machine",
            &[&key, &machine, &ttl_ms],
        )
        .await?
        .is_some())
}

/// The row `key` reached its end on this machine (sent, failed for good, cancelled): no
/// machine takes it again.
pub async fn finish_send_lease(client: &Client, key: &str, machine: &str) -> PgResult<()> {
    client
        .execute(
            "UPDATE team_send_leases SET done = true WHERE send_key = $1 AND machine = $2",
            &[&key, &machine],
        )
        .await?;
    Ok(())
}

/// Sends one row change (see `team_push` in the schema); its seq, 0 when it changed nothing.
#[allow(clippy::too_many_arguments)]
pub async fn push(
    client: &impl GenericClient,
    tbl: &str,
    key: &str,
    old: &str,
    new: &str,
    deleted: bool,
    cm: &str,
    machine: &str,
) -> PgResult<i64> {
    Ok(client
        .query_one(
            "SELECT team_push($1, $2, $3::text::jsonb, $4::text::jsonb, $5, $6, $7)",
            &[&tbl, &key, &old, &new, &deleted, &cm, &machine],
        )
        .await?
        .get(0))
}

/// One row change as [`push_all`] sends it.
#[derive(Debug, Clone)]
pub struct Push {
    pub tbl: String,
    pub key: String,
    /// JSON: the values changed from (`{}` for an insert).
    pub old: String,
    /// JSON: the values written.
    pub new: String,
    pub deleted: bool,
}

/// Sends row changes in order, pipelined on one connection (one round trip for the lot,
/// not one per row); run it in the caller's transaction.
pub async fn push_all(client: &Client, changes: &[Push], cm: &str, machine: &str) -> PgResult<()> {
    if changes.is_empty() {
        return Ok(());
    }
    let stmt = client
        .prepare("SELECT team_push($1, $2, $3::text::jsonb, $4::text::jsonb, $5, $6, $7)")
        .await?;
    let params: Vec<[&(dyn tokio_postgres::types::ToSql + Sync); 7]> = changes
        .iter()
        .map(|c| {
            [
                &c.tbl as _,
                &c.key as _,
                &c.old as _,
                &c.new as _,
                &c.deleted as _,
                &cm as _,
                &machine as _,
            ]
        })
        .collect();
    let calls = params.iter().map(|p| client.query_one(&stmt, p));
    futures::future::try_join_all(calls).await?;
    Ok(())
}

/// Records a cache's chunk in the team's ledger (in the chunk's transaction).
pub async fn record_join(
    client: &Client,
    join: &str,
    machine: &str,
    ledger: &Ledger,
) -> PgResult<()> {
    client
        .execute(
            "INSERT INTO team_joins (join_id, machine, batch, sent, seed_table, seed_after, at)
             VALUES ($1, $2, $3, $4, $5, $6, now())
             ON CONFLICT (join_id) DO UPDATE SET machine = $2, batch = $3, sent = $4,
                 seed_table = $5, seed_after = $6, at = now()",
            &[
                &join,
                &machine,
                &ledger.batch,
                &ledger.sent,
                &ledger.next.table,
                &ledger.next.after,
            ],
        )
        .await?;
    Ok(())
}

/// The last chunk the team committed for the cache `join`, if any.
pub async fn join_ledger(client: &Client, join: &str) -> PgResult<Option<Ledger>> {
    Ok(client
        .query_opt(
            "SELECT batch, sent, seed_table, seed_after FROM team_joins WHERE join_id = $1",
            &[&join],
        )
        .await?
        .map(|r| Ledger {
            batch: r.get(0),
            sent: r.get(1),
            next: Position {
                table: r.get(2),
                after: r.get(3),
            },
        }))
}

/// A committed change as a cache reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct TeamChange {
    pub seq: i64,
    pub tbl: String,
    pub key: String,
    /// JSON: the whole row after the change.
    pub fields: String,
    pub changed: Vec<String>,
    pub deleted: bool,
    /// "cm@machine".
    pub by: String,
    pub machine: String,
    pub at: i64,
    /// JSON array of the values this change overwrote unseen.
    pub conflicts: String,
}

/// The changes after `after`, in commit order, at most `limit`.
pub async fn changes_after(client: &Client, after: i64, limit: i64) -> PgResult<Vec<TeamChange>> {
    Ok(client
        .query(
            "SELECT c.seq, c.tbl, c.key, c.fields::text, c.changed, c.deleted,
                    c.cm || '@' || c.machine, c.machine, extract(epoch FROM c.at)::bigint,
                    coalesce((SELECT jsonb_agg(jsonb_build_object('field', f.field,
                                 'lost', f.lost, 'lost_by', f.lost_by, 'won', f.won,
                                 'won_by', f.won_by))
                              FROM team_conflicts f WHERE f.seq = c.seq), '[]')::text
             FROM team_changes c WHERE c.seq > $1 ORDER BY c.seq LIMIT $2",
            &[&after, &limit],
        )
        .await?
        .iter()
        .map(|r| TeamChange {
            seq: r.get(0),
            tbl: r.get(1),
            key: r.get(2),
            fields: r.get(3),
            changed: r.get(4),
            deleted: r.get(5),
            by: r.get(6),
            machine: r.get(7),
            at: r.get(8),
            conflicts: r.get(9),
        })
        .collect())
}

/// Wakes this connection on every committed change (NOTIFY is a hint: the catch-up by
/// sequence is what counts).
pub async fn listen(client: &Client) -> PgResult<()> {
    client.batch_execute("LISTEN hark_team").await
}

/// The newest seq the team has.
pub async fn last_seq(client: &Client) -> PgResult<i64> {
    Ok(client
        .query_one("SELECT coalesce(max(seq), 0) FROM team_changes", &[])
        .await?
        .get(0))
}

/// What this machine's CM does now: looking at `item` (a team name), writing a reply to it
/// when `typing`; the row lasts `ttl_ms` unless renewed.
pub async fn set_presence(
    client: &Client,
    machine: &str,
    cm: &str,
    item: &str,
    typing: bool,
    ttl_ms: i64,
) -> PgResult<()> {
    client
        .execute(
            "INSERT INTO team_presence (machine, cm, item, typing, expires_at)
             VALUES ($1, $2, $3, $4, now() + $5::bigint * interval '1 millisecond')
             ON CONFLICT (machine) DO UPDATE
             SET cm = $2, item = $3, typing = $4,
                 expires_at = now() + $5::bigint * interval '1 millisecond'",
            &[&machine, &cm, &item, &typing, &ttl_ms],
        )
        .await?;
    Ok(())
}

/// This machine looks at nothing (or quits).
pub async fn clear_presence(client: &Client, machine: &str) -> PgResult<()> {
    client
        .execute("DELETE FROM team_presence WHERE machine = $1", &[&machine])
        .await?;
    Ok(())
}

/// One live presence row of another CM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresenceRow {
    pub cm: String,
    /// The item's team name.
    pub item: String,
    pub typing: bool,
    /// Milliseconds until it runs out without a renewal.
    pub left_ms: i64,
}

/// Every presence row that has not run out, of CMs other than `me`.
pub async fn presence(client: &Client, me: &str) -> PgResult<Vec<PresenceRow>> {
    Ok(client
        .query(
            "SELECT cm, item, typing,
                    (extract(epoch FROM expires_at - now()) * 1000)::bigint
             FROM team_presence WHERE expires_at > now() AND cm <> $1
             ORDER BY cm, item",
            &[&me],
        )
        .await?
        .iter()
        .map(|r| PresenceRow {
            cm: r.get(0),
            item: r.get(1),
            typing: r.get(2),
            left_ms: r.get(3),
        })
        .collect())
}

/// Wakes this connection when someone's presence changes.
pub async fn listen_presence(client: &Client) -> PgResult<()> {
    client.batch_execute("LISTEN hark_presence").await
}
