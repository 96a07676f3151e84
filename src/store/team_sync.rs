//! The cache's side of team mode: capturing every write to a shared table as a pending
//! row change, naming rows across the team, and applying the team's changes.
//!
//! Capture is by triggers on the writer's own connection (TEMP triggers: they exist only
//! while a hark in team mode runs, so without `[team]` nothing is recorded), one per table
//! of [`SYNCED`]; every write that reaches the cache through the writer — any command,
//! ingest, the outbox worker — is captured without code of its own. Changes applied from
//! the team are not captured again (`temp.team_quiet`).

use std::collections::{BTreeSet, HashMap};

use rusqlite::types::Value as Sql;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension};
use serde_json::{Map, Value};

use super::team_parked;
use super::team_tables::{synced, Synced, SYNCED};
use super::Result;

/// A row as JSON: column -> value.
pub type Row = Map<String, Value>;

/// The columns of each shared table, read from the cache's schema once.
#[derive(Debug, Clone, Default)]
pub struct Schema {
    columns: HashMap<&'static str, Vec<String>>,
    /// The primary key's columns, in key order (empty: the table has none declared).
    keys: HashMap<&'static str, Vec<String>>,
}

impl Schema {
    pub fn read(conn: &Connection) -> Result<Schema> {
        let mut columns = HashMap::new();
        let mut keys = HashMap::new();
        for spec in SYNCED {
            let mut stmt = conn.prepare(&format!("PRAGMA main.table_info({})", spec.table))?;
            let info = stmt
                .query_map([], |r| Ok((r.get::<_, String>(1)?, r.get::<_, i64>(5)?)))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let mut pk: Vec<(i64, String)> = info
                .iter()
                .filter(|(_, at)| *at > 0)
                .map(|(name, at)| (*at, name.clone()))
                .collect();
            pk.sort();
            keys.insert(spec.table, pk.into_iter().map(|(_, name)| name).collect());
            columns.insert(spec.table, info.into_iter().map(|(name, _)| name).collect());
        }
        Ok(Schema { columns, keys })
    }

    pub(super) fn of(&self, table: &str) -> &[String] {
        self.columns.get(table).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The columns that order `table`'s rows for a chunked upload: its primary key.
    pub(super) fn key_of(&self, table: &str) -> &[String] {
        self.keys.get(table).map(Vec::as_slice).unwrap_or(&[])
    }

    fn has_id(&self, table: &str) -> bool {
        self.of(table).iter().any(|c| c == "id")
    }

    /// The columns the team sees (the local ones aside).
    fn shared<'a>(&'a self, spec: &'a Synced) -> impl Iterator<Item = &'a String> + 'a {
        self.of(spec.table)
            .iter()
            .filter(move |c| !spec.is_local(c))
    }
}

pub(super) fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Installs the capture triggers on `conn` (the writer's connection).
pub fn install_capture(conn: &Connection, schema: &Schema) -> Result<()> {
    conn.execute_batch("CREATE TEMP TABLE IF NOT EXISTS team_quiet (on_ INTEGER)")?;
    for spec in SYNCED {
        let all = schema.of(spec.table);
        if all.is_empty() {
            continue;
        }
        let json = |side: &str| {
            let pairs: Vec<String> = all
                .iter()
                .map(|c| format!("'{}', {side}.{}", c.replace('\'', "''"), quote(c)))
                .collect();
            format!("json_object({})", pairs.join(", "))
        };
        let shared: Vec<&String> = schema.shared(spec).collect();
        let differs: Vec<String> = shared
            .iter()
            .map(|c| format!("old.{0} IS NOT new.{0}", quote(c)))
            .collect();
        let of: Vec<String> = shared.iter().map(|c| quote(c)).collect();
        let quiet = "NOT EXISTS (SELECT 1 FROM temp.team_quiet)";
        let t = spec.table;
        conn.execute_batch(&format!(
            "DROP TRIGGER IF EXISTS temp.team_{t}_ins;
             DROP TRIGGER IF EXISTS temp.team_{t}_upd;
             DROP TRIGGER IF EXISTS temp.team_{t}_del;
             CREATE TEMP TRIGGER team_{t}_ins AFTER INSERT ON main.{t} WHEN {quiet}
             BEGIN INSERT INTO team_pending (tbl, old, new) VALUES ('{t}', NULL, {new}); END;
             CREATE TEMP TRIGGER team_{t}_upd AFTER UPDATE OF {of} ON main.{t}
             WHEN {quiet} AND ({differs})
             BEGIN INSERT INTO team_pending (tbl, old, new) VALUES ('{t}', {old}, {new}); END;
             CREATE TEMP TRIGGER team_{t}_del AFTER DELETE ON main.{t} WHEN {quiet}
             BEGIN INSERT INTO team_pending (tbl, old, new) VALUES ('{t}', {old}, NULL); END;",
            new = json("new"),
            old = json("old"),
            of = of.join(", "),
            differs = differs.join(" OR "),
        ))?;
    }
    Ok(())
}

/// True once this cache has joined the team (it has followed or seeded).
pub fn joined(conn: &Connection) -> Result<bool> {
    Ok(conn
        .query_row("SELECT 1 FROM team_follow WHERE id = 1", [], |_| Ok(()))
        .optional()?
        .is_some())
}

/// A captured row change not yet in the team database.
#[derive(Debug, Clone, PartialEq)]
pub struct Pending {
    pub id: i64,
    pub tbl: String,
    pub old: Option<Row>,
    pub new: Option<Row>,
}

/// The oldest `limit` pending changes.
pub fn pending(conn: &Connection, limit: usize) -> Result<Vec<Pending>> {
    pending_in(conn, None, limit)
}

/// The oldest `limit` pending changes of `tables` (all tables: `None`).
pub(super) fn pending_in(
    conn: &Connection,
    tables: Option<&[&str]>,
    limit: usize,
) -> Result<Vec<Pending>> {
    let tables = tables.map(|t| serde_json::to_string(t).unwrap_or_default());
    let mut stmt = conn.prepare_cached(
        "SELECT id, tbl, old, new FROM team_pending
         WHERE ?1 IS NULL OR tbl IN (SELECT value FROM json_each(?1))
         ORDER BY id LIMIT ?2",
    )?;
    let rows = stmt
        .query_map(params![tables, limit as i64], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, Option<String>>(3)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let parse = |text: Option<String>| -> Option<Row> {
        text.and_then(|t| serde_json::from_str::<Row>(&t).ok())
    };
    Ok(rows
        .into_iter()
        .map(|(id, tbl, old, new)| Pending {
            id,
            tbl,
            old: parse(old),
            new: parse(new),
        })
        .collect())
}

/// How many changes wait to reach the team.
pub fn pending_count(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("SELECT count(*) FROM team_pending", [], |r| r.get(0))?)
}

/// Forgets the pending changes up to `id` (they reached the team, or never will).
pub fn drop_pending(conn: &Connection, up_to: i64) -> Result<()> {
    conn.execute("DELETE FROM team_pending WHERE id <= ?", [up_to])?;
    Ok(())
}

/// Records whether this machine reaches the team now (for the status bar; see
/// [`crate::store::outbox_read::waiting_for_team`]). Written only when it changes.
pub fn set_link(conn: &Connection, online: bool, now: i64) -> Result<()> {
    conn.execute(
        "INSERT INTO team_link (id, online, since) VALUES (1, ?1, ?2)
         ON CONFLICT (id) DO UPDATE SET online = ?1, since = ?2 WHERE online != ?1",
        params![online, now],
    )?;
    Ok(())
}

/// The last team change applied here.
pub fn last_seq(conn: &Connection) -> Result<i64> {
    Ok(conn
        .query_row("SELECT last_seq FROM team_follow WHERE id = 1", [], |r| {
            r.get(0)
        })
        .optional()?
        .unwrap_or(0))
}

pub(super) fn set_last_seq(conn: &Connection, seq: i64) -> Result<()> {
    conn.execute(
        "INSERT INTO team_follow (id, last_seq) VALUES (1, ?1)
         ON CONFLICT (id) DO UPDATE SET last_seq = ?1",
        [seq],
    )?;
    Ok(())
}

fn to_json(v: Sql) -> Value {
    match v {
        Sql::Null => Value::Null,
        Sql::Integer(i) => Value::from(i),
        Sql::Real(f) => Value::from(f),
        Sql::Text(t) => Value::from(t),
        Sql::Blob(b) => Value::from(String::from_utf8_lossy(&b).into_owned()),
    }
}

pub(super) fn to_sql(v: &Value) -> Sql {
    match v {
        Value::Null => Sql::Null,
        Value::Bool(b) => Sql::Integer(*b as i64),
        Value::Number(n) => n
            .as_i64()
            .map(Sql::Integer)
            .unwrap_or_else(|| Sql::Real(n.as_f64().unwrap_or(0.0))),
        Value::String(s) => Sql::Text(s.clone()),
        other => Sql::Text(other.to_string()),
    }
}

/// Names rows across the team for one machine.
pub struct Namer<'a> {
    pub conn: &'a Connection,
    pub schema: &'a Schema,
    /// This machine's name: rows only it could name are named after it.
    pub machine: &'a str,
}

impl Namer<'_> {
    /// The team name of row `id` of `table`; `None` when the row is gone and was never
    /// named.
    pub fn key_of(&self, table: &str, id: i64) -> Result<Option<String>> {
        if let Some(key) = self
            .conn
            .prepare_cached("SELECT key FROM team_keys WHERE tbl = ? AND local_id = ?")?
            .query_row(params![table, id], |r| r.get::<_, String>(0))
            .optional()?
        {
            return Ok(Some(key));
        }
        let Some(spec) = synced(table) else {
            return Ok(None);
        };
        let key = if spec.identity.is_empty() {
            Some(serde_json::json!([self.machine, id]).to_string())
        } else {
            match self.read_row(table, id)? {
                Some(row) => self.identity_key(spec, &row)?,
                None => None,
            }
        };
        if let Some(key) = &key {
            self.remember(table, id, key)?;
        }
        Ok(key)
    }

    fn remember(&self, table: &str, id: i64, key: &str) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT OR REPLACE INTO team_keys (tbl, local_id, key) VALUES (?, ?, ?)",
            )?
            .execute(params![table, id, key])?;
        Ok(())
    }

    fn read_row(&self, table: &str, id: i64) -> Result<Option<Row>> {
        let columns = self.schema.of(table);
        let sql = format!(
            "SELECT {} FROM main.{table} WHERE id = ?",
            columns
                .iter()
                .map(|c| quote(c))
                .collect::<Vec<_>>()
                .join(", ")
        );
        Ok(self
            .conn
            .prepare_cached(&sql)?
            .query_row([id], |r| {
                let mut row = Row::new();
                for (i, c) in columns.iter().enumerate() {
                    row.insert(c.clone(), to_json(r.get::<_, Sql>(i)?));
                }
                Ok(row)
            })
            .optional()?)
    }

    /// A value of `column` as the team says it: a reference becomes the row's team name.
    fn team_value(&self, spec: &Synced, column: &str, value: &Value) -> Result<Option<Value>> {
        match (spec.ref_table(column), value) {
            (Some(target), Value::Number(n)) => Ok(match n.as_i64() {
                Some(id) => self.key_of(target, id)?.map(Value::from),
                None => None,
            }),
            _ => Ok(Some(value.clone())),
        }
    }

    fn identity_key(&self, spec: &Synced, row: &Row) -> Result<Option<String>> {
        let mut parts = Vec::new();
        for column in spec.identity {
            let value = row.get(*column).cloned().unwrap_or(Value::Null);
            match self.team_value(spec, column, &value)? {
                Some(v) => parts.push(v),
                None => return Ok(None),
            }
        }
        Ok(Some(Value::Array(parts).to_string()))
    }

    /// A captured row as the team holds it: its name and its shared fields. `None`
    /// when a row it refers to cannot be named.
    pub fn team_row(&self, spec: &Synced, row: &Row) -> Result<Option<(String, Row)>> {
        let key = if spec.identity.is_empty() {
            match row.get("id").and_then(Value::as_i64) {
                Some(id) => self.key_of(spec.table, id)?,
                None => None,
            }
        } else {
            let key = self.identity_key(spec, row)?;
            if let (Some(key), Some(id)) = (&key, row.get("id").and_then(Value::as_i64)) {
                self.remember(spec.table, id, key)?;
            }
            key
        };
        let Some(key) = key else { return Ok(None) };
        let mut fields = Row::new();
        for (column, value) in row {
            if spec.is_local(column) || spec.identity.contains(&column.as_str()) {
                continue;
            }
            match self.team_value(spec, column, value)? {
                Some(v) => fields.insert(column.clone(), v),
                None => return Ok(None),
            };
        }
        Ok(Some((key, fields)))
    }

    /// The kind of the item a row belongs to.
    pub fn item_kind(&self, spec: &Synced, row: &Row) -> Result<Option<String>> {
        let Some(column) = spec.item else {
            return Ok(None);
        };
        if spec.table == "items" {
            return Ok(row.get("kind").and_then(Value::as_str).map(str::to_string));
        }
        let Some(id) = row.get(column).and_then(Value::as_i64) else {
            return Ok(None);
        };
        Ok(self
            .conn
            .prepare_cached("SELECT kind FROM items WHERE id = ?")?
            .query_row([id], |r| r.get(0))
            .optional()?)
    }

    /// The local id of the row the team calls `key`, when this cache has it.
    pub fn local_id(&self, table: &str, key: &str) -> Result<Option<i64>> {
        if let Some(id) = self
            .conn
            .prepare_cached("SELECT local_id FROM team_keys WHERE tbl = ? AND key = ?")?
            .query_row(params![table, key], |r| r.get::<_, i64>(0))
            .optional()?
        {
            return Ok(Some(id));
        }
        let Some(spec) = synced(table) else {
            return Ok(None);
        };
        if spec.identity.is_empty() {
            return Ok(None);
        }
        let Some(values) = self.local_identity(spec, key)? else {
            return Ok(None);
        };
        let id = self.find(spec, &values, "id")?.and_then(|v| v.as_i64());
        if let Some(id) = id {
            self.remember(table, id, key)?;
        }
        Ok(id)
    }

    /// The identity columns' local values from a team name; `None` when a row it
    /// refers to is not in this cache.
    fn local_identity(&self, spec: &Synced, key: &str) -> Result<Option<Vec<(String, Sql)>>> {
        Ok(match self.identity_of(spec, key)? {
            Local::Found(values) => Some(values),
            Local::Missing(_) | Local::Never => None,
        })
    }

    /// The identity columns' local values from a team name, or why there are none.
    fn identity_of(&self, spec: &Synced, key: &str) -> Result<Local<Vec<(String, Sql)>>> {
        let Ok(Value::Array(parts)) = serde_json::from_str::<Value>(key) else {
            return Ok(Local::Never);
        };
        if parts.len() != spec.identity.len() {
            return Ok(Local::Never);
        }
        let mut values = Vec::new();
        for (column, part) in spec.identity.iter().zip(&parts) {
            match self.local_value(spec, column, part)? {
                Some(v) => values.push((column.to_string(), v)),
                None => return Ok(Local::Missing(missing(spec, column, part))),
            }
        }
        Ok(Local::Found(values))
    }

    /// A team value as this cache stores it: a reference becomes the local id.
    fn local_value(&self, spec: &Synced, column: &str, value: &Value) -> Result<Option<Sql>> {
        match (spec.ref_table(column), value) {
            (Some(target), Value::String(key)) => Ok(self.local_id(target, key)?.map(Sql::Integer)),
            _ => Ok(Some(to_sql(value))),
        }
    }

    fn find(&self, spec: &Synced, identity: &[(String, Sql)], what: &str) -> Result<Option<Value>> {
        let wheres: Vec<String> = identity
            .iter()
            .map(|(c, _)| format!("{} IS ?", quote(c)))
            .collect();
        let sql = format!(
            "SELECT {what} FROM main.{} WHERE {}",
            spec.table,
            wheres.join(" AND ")
        );
        Ok(self
            .conn
            .prepare_cached(&sql)?
            .query_row(params_from_iter(identity.iter().map(|(_, v)| v)), |r| {
                r.get::<_, Sql>(0)
            })
            .optional()?
            .map(to_json))
    }
}

/// Where a team name leads in this cache.
enum Local<T> {
    Found(T),
    /// It refers to a row this cache does not hold (yet).
    Missing(RowName),
    /// It can never name a row here (a malformed name).
    Never,
}

/// A row by its team name: what a waiting change waits for.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct RowName {
    pub table: &'static str,
    pub key: String,
}

/// The row that `value` of reference `column` names (a value [`Namer::local_value`]
/// could not place).
fn missing(spec: &Synced, column: &str, value: &Value) -> RowName {
    RowName {
        table: spec.ref_table(column).unwrap_or(spec.table),
        key: match value {
            Value::String(key) => key.clone(),
            other => other.to_string(),
        },
    }
}

/// A change of the team's, as [`apply`] takes it (and as a change waiting for its row is
/// kept: see [`team_parked`]).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Incoming {
    pub seq: i64,
    pub tbl: String,
    pub key: String,
    pub fields: Row,
    pub changed: Vec<String>,
    pub deleted: bool,
    /// The values this change overwrote unseen: each `{field, lost, lost_by, won, won_by}`.
    pub conflicts: Vec<Value>,
    pub at: i64,
    /// Made by another machine (this machine's own changes come back too, in order).
    pub elsewhere: bool,
}

/// What [`apply`] did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Applied {
    pub rows: usize,
    /// Changes for rows this cache cannot hold (a table it does not know, a DM kept on
    /// the machine that polled it).
    pub skipped: usize,
    /// Changes of this batch that wait for a row this cache has not received yet.
    pub parked: usize,
    /// Changes that waited and were applied now.
    pub unparked: usize,
    /// Changes given up after waiting [`team_parked::MAX_WAIT`].
    pub given_up: usize,
}

/// What became of one team change here.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    Applied,
    /// Not this cache's, ever (a table it does not know, a malformed name, the deletion
    /// of a row it cannot hold).
    NotOurs,
    /// It refers to a row that has not reached this cache yet (or its own row, while an
    /// older change of that row waits).
    Waits(RowName),
}

/// Applies the team's changes in one transaction, uncaptured, and moves the follow mark
/// to the last one. A change that refers to a row this cache has not received yet waits
/// in [`team_parked`] (with the later changes of its row) and is applied once that row
/// arrives: the sequence is followed, and no change is lost to the order it came in.
pub fn apply(
    conn: &mut Connection,
    schema: &Schema,
    machine: &str,
    changes: &[Incoming],
) -> Result<Applied> {
    let tx = conn.transaction()?;
    tx.execute("INSERT INTO temp.team_quiet (on_) VALUES (1)", [])?;
    let mut done = Applied::default();
    {
        let namer = Namer {
            conn: &tx,
            schema,
            machine,
        };
        let now = crate::domain::now();
        // One indexed query; while nothing waits, applying costs what it always did.
        let mut waiting = team_parked::any(&tx)?;
        // The rows that changed here while something waits: what waits for them may
        // apply now (a row applied before anything waits is not what a later one needs).
        let mut arrived = BTreeSet::new();
        let mut parked = Parked::default();
        for change in changes {
            let spec = synced(&change.tbl);
            let own = |spec: &Synced| RowName {
                table: spec.table,
                key: change.key.clone(),
            };
            // A row's changes apply in sequence order: behind one that waits, its later
            // ones wait too (a newer value is never overwritten by an older one).
            let outcome = match spec {
                Some(spec)
                    if waiting && team_parked::holds(&tx, spec.table, &change.key, None)? =>
                {
                    Outcome::Waits(own(spec))
                }
                _ => apply_one(&namer, change)?,
            };
            match outcome {
                Outcome::Applied => {
                    done.rows += 1;
                    if let Some(spec) = spec.filter(|_| waiting) {
                        arrived.insert(own(spec));
                    }
                }
                Outcome::NotOurs => done.skipped += 1,
                Outcome::Waits(row) => {
                    team_parked::park(&tx, change, row.table, &row.key, now)?;
                    parked.add(change.seq, row.table);
                    waiting = true;
                    done.parked += 1;
                }
            }
        }
        parked.warn();
        if waiting {
            retry(&namer, arrived, now, &mut done)?;
            if let Some(team_now) = changes.iter().map(|c| c.at).max() {
                let gone = team_parked::expire(&tx, team_now)?;
                for g in &gone {
                    tracing::warn!(
                        seq = g.seq,
                        table = %g.tbl,
                        waited_for = %g.waits,
                        days = team_parked::MAX_WAIT / 86_400,
                        "team: a change gave up waiting for a row that never reached this cache (deleted in the team before it came, or lost by an older hark); it is dropped"
                    );
                }
                done.given_up = gone.len();
                // The later changes of a given-up change's row no longer wait behind it.
                let freed = gone.into_iter().filter_map(|g| {
                    synced(&g.tbl).map(|spec| RowName {
                        table: spec.table,
                        key: g.key,
                    })
                });
                retry(&namer, freed.collect(), now, &mut done)?;
            }
        }
    }
    if let Some(last) = changes.last() {
        set_last_seq(&tx, last.seq)?;
    }
    tx.execute("DELETE FROM temp.team_quiet", [])?;
    tx.commit()?;
    Ok(done)
}

/// The changes one [`apply`] parked, for one warning (a batch of items arriving before
/// their account must not write a line each).
#[derive(Default)]
struct Parked {
    count: usize,
    first: Option<i64>,
    waits: BTreeSet<&'static str>,
}

impl Parked {
    fn add(&mut self, seq: i64, table: &'static str) {
        self.count += 1;
        self.first.get_or_insert(seq);
        self.waits.insert(table);
    }

    fn warn(&self) {
        if self.count > 0 {
            let waits: Vec<&str> = self.waits.iter().copied().collect();
            tracing::warn!(
                count = self.count,
                first_seq = self.first,
                waits_for = %waits.join(", "),
                "team: changes wait for rows this cache has not received yet; they apply when those rows arrive"
            );
        }
    }
}

/// Retries, in sequence order, the waiting changes that wait for a row that arrived,
/// pass after pass while one frees another (an account frees its item, the item its
/// tag).
fn retry(
    namer: &Namer<'_>,
    mut arrived: BTreeSet<RowName>,
    now: i64,
    done: &mut Applied,
) -> Result<()> {
    let conn = namer.conn;
    while !arrived.is_empty() {
        let rows: Vec<(&str, &str)> = arrived.iter().map(|r| (r.table, r.key.as_str())).collect();
        let woken = team_parked::waiting_for(conn, &rows)?;
        arrived.clear();
        for change in woken {
            if team_parked::holds(conn, &change.tbl, &change.key, Some(change.seq))? {
                continue;
            }
            match apply_one(namer, &change)? {
                Outcome::Waits(row) => team_parked::park(conn, &change, row.table, &row.key, now)?,
                outcome => {
                    team_parked::unpark(conn, change.seq)?;
                    if outcome == Outcome::Applied {
                        done.unparked += 1;
                    } else {
                        done.skipped += 1;
                    }
                    // What waits for its row, and its row's next change, may go now.
                    if let Some(spec) = synced(&change.tbl) {
                        arrived.insert(RowName {
                            table: spec.table,
                            key: change.key,
                        });
                    }
                }
            }
        }
    }
    Ok(())
}

fn apply_one(namer: &Namer<'_>, change: &Incoming) -> Result<Outcome> {
    let Some(spec) = synced(&change.tbl) else {
        return Ok(Outcome::NotOurs);
    };
    let conn = namer.conn;
    let has_id = namer.schema.has_id(spec.table);
    // Where the row is here: its id, or its identity columns.
    let (id, identity) = if spec.identity.is_empty() {
        (namer.local_id(spec.table, &change.key)?, Vec::new())
    } else {
        let identity = match namer.identity_of(spec, &change.key)? {
            Local::Found(identity) => identity,
            // Nothing here to delete: the row could not be here without what it names.
            Local::Missing(_) if change.deleted => return Ok(Outcome::NotOurs),
            Local::Missing(row) => return Ok(Outcome::Waits(row)),
            Local::Never => return Ok(Outcome::NotOurs),
        };
        let id = if has_id {
            match namer.local_id(spec.table, &change.key)? {
                Some(id) => Some(id),
                None => namer.find(spec, &identity, "id")?.and_then(|v| v.as_i64()),
            }
        } else {
            None
        };
        (id, identity)
    };
    let exists = match id {
        Some(_) => true,
        None if has_id || identity.is_empty() => false,
        None => namer.find(spec, &identity, "1")?.is_some(),
    };
    let (where_sql, where_values): (String, Vec<Sql>) = match id {
        Some(id) => ("id = ?".into(), vec![Sql::Integer(id)]),
        None => (
            identity
                .iter()
                .map(|(c, _)| format!("{} IS ?", quote(c)))
                .collect::<Vec<_>>()
                .join(" AND "),
            identity.iter().map(|(_, v)| v.clone()).collect(),
        ),
    };
    if change.deleted {
        if exists {
            conn.execute(
                &format!("DELETE FROM main.{} WHERE {where_sql}", spec.table),
                params_from_iter(where_values),
            )?;
        }
        return Ok(Outcome::Applied);
    }
    let known: Vec<&String> = namer.schema.shared(spec).collect();
    let mut columns = Vec::new();
    let mut values = Vec::new();
    let wanted = |c: &str| !exists || change.changed.iter().any(|x| x == c);
    for column in &known {
        if spec.identity.contains(&column.as_str()) || !wanted(column) {
            continue;
        }
        let Some(value) = change.fields.get(column.as_str()) else {
            continue;
        };
        match namer.local_value(spec, column, value)? {
            Some(v) => {
                columns.push(column.to_string());
                values.push(v);
            }
            // A reference to a row this cache does not hold yet.
            None => return Ok(Outcome::Waits(missing(spec, column, value))),
        }
    }
    for (column, value) in spec.from_team.iter().filter(|_| change.elsewhere) {
        columns.push(column.to_string());
        values.push(Sql::Text(value.to_string()));
    }
    if exists {
        if !columns.is_empty() {
            let sets: Vec<String> = columns
                .iter()
                .map(|c| format!("{} = ?", quote(c)))
                .collect();
            values.extend(where_values);
            conn.execute(
                &format!(
                    "UPDATE main.{} SET {} WHERE {where_sql}",
                    spec.table,
                    sets.join(", ")
                ),
                params_from_iter(values),
            )?;
        }
    } else {
        for (c, v) in identity {
            columns.push(c);
            values.push(v);
        }
        let marks = vec!["?"; columns.len()].join(", ");
        let names: Vec<String> = columns.iter().map(|c| quote(c)).collect();
        conn.execute(
            &format!(
                "INSERT INTO main.{} ({}) VALUES ({marks})",
                spec.table,
                names.join(", ")
            ),
            params_from_iter(values),
        )?;
        if has_id {
            namer.remember(spec.table, conn.last_insert_rowid(), &change.key)?;
        }
    }
    record_conflicts(namer, spec, change)?;
    Ok(Outcome::Applied)
}

/// Keeps each value that lost as an event on its item, for the item pane.
fn record_conflicts(namer: &Namer<'_>, spec: &Synced, change: &Incoming) -> Result<()> {
    if change.conflicts.is_empty() {
        return Ok(());
    }
    let item = match spec.item {
        Some("id") => namer.local_id(spec.table, &change.key)?,
        Some(column) => match change.fields.get(column) {
            Some(Value::String(key)) => namer.local_id("items", key)?,
            _ => None,
        },
        None => None,
    };
    for conflict in &change.conflicts {
        let detail = serde_json::json!({
            "table": spec.table,
            "field": conflict.get("field"),
            "lost": conflict.get("lost"),
            "won": conflict.get("won"),
            "won_by": conflict.get("won_by"),
        });
        let lost_by = conflict
            .get("lost_by")
            .and_then(Value::as_str)
            .unwrap_or("?");
        namer
            .conn
            .prepare_cached(
                "INSERT INTO events (item_id, at, kind, actor, detail) VALUES (?, ?, 'team_conflict', ?, ?)",
            )?
            .execute(params![item, change.at, lost_by, detail.to_string()])?;
    }
    Ok(())
}

/// A value that lost to another CM's change of the same field, as the item pane shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    pub field: String,
    pub lost: String,
    pub lost_by: String,
    pub won: String,
    pub won_by: String,
    pub at: i64,
}

/// The conflicts recorded on an item, newest first.
pub fn conflicts_of(conn: &Connection, item: i64) -> Result<Vec<Conflict>> {
    let mut stmt = conn.prepare_cached(
        "SELECT actor, detail, at FROM events WHERE item_id = ? AND kind = 'team_conflict'
         ORDER BY at DESC, id DESC",
    )?;
    let rows = stmt
        .query_map([item], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let text = |v: Option<&Value>| match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => "nothing".into(),
        Some(other) => other.to_string(),
    };
    Ok(rows
        .into_iter()
        .map(|(lost_by, detail, at)| {
            let d: Value = detail
                .and_then(|d| serde_json::from_str(&d).ok())
                .unwrap_or(Value::Null);
            Conflict {
                field: text(d.get("field")),
                lost: text(d.get("lost")),
                lost_by,
                won: text(d.get("won")),
                won_by: text(d.get("won_by")),
                at,
            }
        })
        .collect())
}

/// A cache in team mode on a real SQLite file, for the tests of the team's store modules.
#[cfg(test)]
pub(super) fn test_cache() -> (tempfile::TempDir, Connection, Schema) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let conn = crate::store::open_rw(&dir.path().join("hark.db")).expect("a cache");
    let schema = Schema::read(&conn).expect("its schema");
    install_capture(&conn, &schema).expect("the capture");
    (dir, conn, schema)
}
