//! The `incidents` table and its items and ticked steps: opening, attaching, detaching,
//! merging, splitting and resolving incidents. Every function runs on the caller's
//! connection or transaction; which notices an incident gets is the escalation
//! protocol's business.

use rusqlite::{params, Connection, OptionalExtension};

use crate::domain::{ItemId, Severity, UnixTime};
use crate::store::events::{self, Event, EventKind};
use crate::store::Result;

/// Runs `f` in one transaction on `conn`: every change to incidents by the CM is whole
/// or not at all.
pub fn in_transaction<T>(
    conn: &mut Connection,
    f: impl FnOnce(&Connection) -> Result<T>,
) -> Result<T> {
    let tx = conn.transaction()?;
    let out = f(&tx)?;
    tx.commit()?;
    Ok(out)
}

/// An incident as lists show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incident {
    pub id: i64,
    pub topic: String,
    pub title: String,
    pub severity: Severity,
    pub opened_at: UnixTime,
    pub last_activity_at: UnixTime,
    pub resolved_at: Option<UnixTime>,
    pub outcome: Option<String>,
    pub merged_into: Option<i64>,
    pub notified_at: Option<UnixTime>,
    pub items: u64,
    /// Notifications that gave up (visible until retried).
    pub failed_notifications: u64,
}

const COLUMNS: &str = "n.id, n.topic, n.title, n.severity, n.opened_at, n.last_activity_at,
    n.resolved_at, n.outcome, n.merged_into, n.notified_at,
    (SELECT count(*) FROM incident_items x WHERE x.incident_id = n.id),
    (SELECT count(*) FROM notifications f WHERE f.incident_id = n.id AND f.state = 'failed')";

fn row(r: &rusqlite::Row) -> rusqlite::Result<Incident> {
    Ok(Incident {
        id: r.get(0)?,
        topic: r.get(1)?,
        title: r.get(2)?,
        severity: r.get::<_, String>(3)?.parse().unwrap_or(Severity::High),
        opened_at: r.get(4)?,
        last_activity_at: r.get(5)?,
        resolved_at: r.get(6)?,
        outcome: r.get(7)?,
        merged_into: r.get(8)?,
        notified_at: r.get(9)?,
        items: r.get::<_, i64>(10)? as u64,
        failed_notifications: r.get::<_, i64>(11)? as u64,
    })
}

/// One incident.
pub fn get(conn: &Connection, id: i64) -> Result<Option<Incident>> {
    Ok(conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM incidents n WHERE n.id = ?"))?
        .query_row([id], row)
        .optional()?)
}

/// Open incidents, most severe first, then the largest, then the oldest.
pub fn open_list(conn: &Connection) -> Result<Vec<Incident>> {
    let mut list: Vec<Incident> = conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM incidents n WHERE n.resolved_at IS NULL"
        ))?
        .query_map([], row)?
        .collect::<rusqlite::Result<_>>()?;
    list.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(b.items.cmp(&a.items))
            .then(a.opened_at.cmp(&b.opened_at))
            .then(a.id.cmp(&b.id))
    });
    Ok(list)
}

/// Open incidents whose topic starts with `prefix`, opened at or after `since`, newest
/// first: (id, topic, severity).
pub fn open_with_topic(
    conn: &Connection,
    prefix: &str,
    since: UnixTime,
) -> Result<Vec<(i64, String, Severity)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, topic, severity FROM incidents
         WHERE resolved_at IS NULL AND opened_at >= ?2 AND substr(topic, 1, length(?1)) = ?1
         ORDER BY opened_at DESC, id DESC",
    )?;
    let rows = stmt.query_map(params![prefix, since], |r| {
        Ok((
            r.get(0)?,
            r.get(1)?,
            r.get::<_, String>(2)?.parse().unwrap_or(Severity::High),
        ))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Opens an incident; returns its id.
pub fn create(
    conn: &Connection,
    topic: &str,
    title: &str,
    severity: Severity,
    now: UnixTime,
) -> Result<i64> {
    conn.execute(
        "INSERT INTO incidents (topic, title, severity, opened_at, last_activity_at)
         VALUES (?1, ?2, ?3, ?4, ?4)",
        params![topic, title, severity.as_str(), now],
    )?;
    Ok(conn.last_insert_rowid())
}

fn touch(conn: &Connection, id: i64, now: UnixTime) -> Result<()> {
    conn.execute(
        "UPDATE incidents SET last_activity_at = max(last_activity_at, ?2) WHERE id = ?1",
        params![id, now],
    )?;
    Ok(())
}

fn record(
    conn: &Connection,
    actor: &str,
    item: Option<ItemId>,
    detail: serde_json::Value,
    now: UnixTime,
) -> Result<()> {
    events::record(
        conn,
        &Event::new(EventKind::Escalation, actor, item).detail(&detail),
        now,
    )?;
    Ok(())
}

/// Adds `items` to incident `id`; returns the ones that were not in it yet.
pub fn add_items(
    conn: &Connection,
    id: i64,
    items: &[ItemId],
    actor: &str,
    now: UnixTime,
) -> Result<Vec<ItemId>> {
    let mut added = Vec::new();
    let mut insert = conn.prepare_cached(
        "INSERT OR IGNORE INTO incident_items (incident_id, item_id, added_at, added_by)
         VALUES (?1, ?2, ?3, ?4)",
    )?;
    for &item in items {
        if insert.execute(params![id, item, now, actor])? == 1 {
            added.push(item);
        }
    }
    if !added.is_empty() {
        touch(conn, id, now)?;
    }
    Ok(added)
}

/// Raises incident `id` to `severity` when that is higher; true when it was.
pub fn raise(conn: &Connection, id: i64, severity: Severity, now: UnixTime) -> Result<bool> {
    let current: String =
        conn.query_row("SELECT severity FROM incidents WHERE id = ?", [id], |r| {
            r.get(0)
        })?;
    let current: Severity = current.parse().unwrap_or(Severity::Low);
    if severity <= current {
        return Ok(false);
    }
    conn.execute(
        "UPDATE incidents SET severity = ?2, last_activity_at = max(last_activity_at, ?3) WHERE id = ?1",
        params![id, severity.as_str(), now],
    )?;
    Ok(true)
}

/// The open incidents that hold any of `items`, oldest first.
pub fn open_of_items(conn: &Connection, items: &[ItemId]) -> Result<Vec<i64>> {
    let mut stmt = conn.prepare_cached(
        "SELECT n.id FROM incidents n JOIN incident_items x ON x.incident_id = n.id
         WHERE x.item_id = ? AND n.resolved_at IS NULL ORDER BY n.opened_at, n.id",
    )?;
    let mut out: Vec<i64> = Vec::new();
    for &item in items {
        for id in stmt.query_map([item], |r| r.get::<_, i64>(0))? {
            let id = id?;
            if !out.contains(&id) {
                out.push(id);
            }
        }
    }
    Ok(out)
}

/// Takes `item` out of incident `id`: it no longer counts, shows or notifies with it. Its
/// own escalation there is resolved as detached. False when it was not in it.
pub fn detach(
    conn: &Connection,
    id: i64,
    item: ItemId,
    actor: &str,
    now: UnixTime,
) -> Result<bool> {
    let removed = conn.execute(
        "DELETE FROM incident_items WHERE incident_id = ?1 AND item_id = ?2",
        params![id, item],
    )? == 1;
    if !removed {
        return Ok(false);
    }
    conn.execute(
        "DELETE FROM escalation_items WHERE item_id = ?2
           AND escalation_id IN (SELECT e.id FROM escalations e WHERE e.incident_id = ?1 AND e.item_id IS NOT ?2)",
        params![id, item],
    )?;
    conn.execute(
        "UPDATE escalations SET resolved_at = ?3, outcome = 'detached from incident #' || ?1
         WHERE incident_id = ?1 AND item_id = ?2 AND resolved_at IS NULL
           AND NOT EXISTS (SELECT 1 FROM escalation_items x WHERE x.escalation_id = escalations.id
                           AND x.item_id != ?2)",
        params![id, item, now],
    )?;
    touch(conn, id, now)?;
    record(
        conn,
        actor,
        Some(item),
        serde_json::json!({"incident_id": id, "op": "detach"}),
        now,
    )?;
    Ok(true)
}

/// Merges incident `from` into `into`: its items, escalations and notices move; `from`
/// is resolved as merged. `into` keeps the higher severity.
pub fn merge(conn: &Connection, from: i64, into: i64, actor: &str, now: UnixTime) -> Result<()> {
    if from == into {
        return Err(crate::store::Error::Invalid(
            "an incident cannot merge into itself".into(),
        ));
    }
    let (Some(a), Some(b)) = (get(conn, from)?, get(conn, into)?) else {
        return Err(crate::store::Error::Invalid("no such incident".into()));
    };
    if a.resolved_at.is_some() || b.resolved_at.is_some() {
        return Err(crate::store::Error::Invalid(
            "only open incidents can be merged".into(),
        ));
    }
    conn.execute(
        "INSERT OR IGNORE INTO incident_items (incident_id, item_id, added_at, added_by)
         SELECT ?2, item_id, added_at, added_by FROM incident_items WHERE incident_id = ?1",
        params![from, into],
    )?;
    conn.execute("DELETE FROM incident_items WHERE incident_id = ?", [from])?;
    conn.execute(
        "UPDATE escalations SET incident_id = ?2 WHERE incident_id = ?1",
        params![from, into],
    )?;
    conn.execute(
        "UPDATE notifications SET incident_id = ?2 WHERE incident_id = ?1",
        params![from, into],
    )?;
    conn.execute(
        "UPDATE incidents SET resolved_at = ?3, outcome = 'merged into #' || ?2, merged_into = ?2,
                last_activity_at = ?3 WHERE id = ?1",
        params![from, into, now],
    )?;
    // The merged incident's earliest start and ticked steps carry over.
    conn.execute(
        "UPDATE incidents SET opened_at = min(opened_at, ?2) WHERE id = ?1",
        params![into, a.opened_at],
    )?;
    conn.execute(
        "INSERT OR IGNORE INTO incident_steps (incident_id, step, text, done_by, done_at)
         SELECT ?2, step, text, done_by, done_at FROM incident_steps WHERE incident_id = ?1",
        params![from, into],
    )?;
    raise(conn, into, a.severity, now)?;
    touch(conn, into, now)?;
    record(
        conn,
        actor,
        None,
        serde_json::json!({"incident_id": into, "op": "merge", "from": from}),
        now,
    )?;
    Ok(())
}

/// Moves `items` out of incident `from` into a new incident of the same severity, titled
/// `title`; returns its id. The new incident gets an escalation of its own (so its
/// notices have one to name).
pub fn split(
    conn: &Connection,
    from: i64,
    items: &[ItemId],
    title: &str,
    actor: &str,
    now: UnixTime,
) -> Result<i64> {
    let Some(a) = get(conn, from)?.filter(|a| a.resolved_at.is_none()) else {
        return Err(crate::store::Error::Invalid(
            "only an open incident can be split".into(),
        ));
    };
    let inside: Vec<ItemId> = {
        let mut stmt = conn
            .prepare_cached("SELECT 1 FROM incident_items WHERE incident_id = ? AND item_id = ?")?;
        let mut v = Vec::new();
        for &item in items {
            if stmt.exists(params![from, item])? && !v.contains(&item) {
                v.push(item);
            }
        }
        v
    };
    if inside.is_empty() {
        return Err(crate::store::Error::Invalid(format!(
            "none of these items is in incident #{from}"
        )));
    }
    if inside.len() as u64 == a.items {
        return Err(crate::store::Error::Invalid(format!(
            "that is every item of incident #{from}: nothing to split off"
        )));
    }
    let id = create(conn, &format!("split:{from}:{now}"), title, a.severity, now)?;
    conn.execute(
        "INSERT INTO escalations (item_id, severity, reason, source, opened_at, incident_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![inside[0], a.severity.as_str(), title, actor, now, id],
    )?;
    let escalation = conn.last_insert_rowid();
    for &item in &inside {
        detach(conn, from, item, actor, now)?;
        conn.execute(
            "INSERT OR IGNORE INTO escalation_items (escalation_id, item_id) VALUES (?, ?)",
            params![escalation, item],
        )?;
    }
    add_items(conn, id, &inside, actor, now)?;
    record(
        conn,
        actor,
        None,
        serde_json::json!({"incident_id": id, "op": "split", "from": from}),
        now,
    )?;
    Ok(id)
}

/// Resolves incident `id` and its escalations with `outcome`; false when it was not open.
pub fn resolve(
    conn: &Connection,
    id: i64,
    outcome: &str,
    actor: &str,
    now: UnixTime,
) -> Result<bool> {
    let done = conn.execute(
        "UPDATE incidents SET resolved_at = ?2, outcome = ?3, last_activity_at = ?2
         WHERE id = ?1 AND resolved_at IS NULL",
        params![id, now, outcome],
    )? == 1;
    if done {
        conn.execute(
            "UPDATE escalations SET resolved_at = ?2, outcome = ?3
             WHERE incident_id = ?1 AND resolved_at IS NULL",
            params![id, now, outcome],
        )?;
        record(
            conn,
            actor,
            None,
            serde_json::json!({"incident_id": id, "op": "resolve", "outcome": outcome}),
            now,
        )?;
    }
    Ok(done)
}

/// The escalation a notice names (the incident's first).
pub fn first_escalation(conn: &Connection, id: i64) -> Result<Option<i64>> {
    Ok(conn
        .query_row(
            "SELECT min(id) FROM escalations WHERE incident_id = ?",
            [id],
            |r| r.get(0),
        )
        .optional()?
        .flatten())
}

/// Starts notice number n+1 of incident `id`: the items no notice carried yet become
/// its digest. Returns the notice's number.
pub fn begin_notice(conn: &Connection, id: i64, now: UnixTime) -> Result<i64> {
    let n: i64 = conn.query_row(
        "UPDATE incidents SET notices = notices + 1, notified_at = ?2 WHERE id = ?1 RETURNING notices",
        params![id, now],
        |r| r.get(0),
    )?;
    fold_into(conn, id, n)?;
    Ok(n)
}

/// Puts the items no notice carried yet into notice `notice` of incident `id` (one that
/// has not gone out yet, so it tells them too).
pub fn fold_into(conn: &Connection, id: i64, notice: i64) -> Result<usize> {
    Ok(conn.execute(
        "UPDATE incident_items SET notice = ?2 WHERE incident_id = ?1 AND notice IS NULL",
        params![id, notice],
    )?)
}

/// The items notice `notice` of incident `id` carries, oldest first.
pub fn notice_items(conn: &Connection, id: i64, notice: i64) -> Result<Vec<ItemId>> {
    let mut stmt = conn.prepare_cached(
        "SELECT x.item_id FROM incident_items x JOIN items i ON i.id = x.item_id
         WHERE x.incident_id = ?1 AND x.notice = ?2 ORDER BY i.created_at, i.id",
    )?;
    let rows = stmt.query_map(params![id, notice], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Items of incident `id` that no notice carried yet.
pub fn untold(conn: &Connection, id: i64) -> Result<u64> {
    Ok(conn.query_row(
        "SELECT count(*) FROM incident_items WHERE incident_id = ? AND notice IS NULL",
        [id],
        |r| r.get::<_, i64>(0),
    )? as u64)
}

/// One item as incident lists show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentItem {
    pub id: ItemId,
    pub platform: String,
    pub author: String,
    pub followers: Option<i64>,
    pub body: String,
    pub url: Option<String>,
    pub created_at: UnixTime,
}

/// Items of incident `id`: from the largest audience down (the ones that matter most),
/// at most `limit`.
pub fn top_items(conn: &Connection, id: i64, limit: usize) -> Result<Vec<IncidentItem>> {
    items_where(
        conn,
        id,
        limit,
        "coalesce(au.followers, 0) DESC, i.created_at, i.id",
    )
}

/// Items of incident `id`, oldest first, at most `limit`.
pub fn items_in_order(conn: &Connection, id: i64, limit: usize) -> Result<Vec<IncidentItem>> {
    items_where(conn, id, limit, "i.created_at, i.id")
}

fn items_where(conn: &Connection, id: i64, limit: usize, order: &str) -> Result<Vec<IncidentItem>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT i.id, acc.platform, au.handle, au.followers, i.body, i.url, i.created_at
         FROM incident_items x JOIN items i ON i.id = x.item_id
         JOIN accounts acc ON acc.id = i.account_id JOIN authors au ON au.id = i.author_id
         WHERE x.incident_id = ?1 ORDER BY {order} LIMIT ?2"
    ))?;
    let rows = stmt.query_map(params![id, limit as i64], |r| {
        Ok(IncidentItem {
            id: r.get(0)?,
            platform: r.get(1)?,
            author: r.get(2)?,
            followers: r.get(3)?,
            body: r.get(4)?,
            url: r.get(5)?,
            created_at: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A ticked checklist step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepDone {
    pub step: usize,
    pub text: String,
    pub by: String,
    pub at: UnixTime,
}

/// Ticks step `step` (its index in the checklist) of incident `id`; false when it was
/// ticked already.
pub fn tick(
    conn: &Connection,
    id: i64,
    step: usize,
    text: &str,
    who: &str,
    now: UnixTime,
) -> Result<bool> {
    let done = conn.execute(
        "INSERT OR IGNORE INTO incident_steps (incident_id, step, text, done_by, done_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![id, step as i64, text, who, now],
    )? == 1;
    if done {
        touch(conn, id, now)?;
        record(
            conn,
            who,
            None,
            serde_json::json!({"incident_id": id, "op": "step", "step": step, "text": text}),
            now,
        )?;
    }
    Ok(done)
}

/// Unticks step `step` of incident `id` (ticked by mistake); false when it was not ticked.
pub fn untick(conn: &Connection, id: i64, step: usize) -> Result<bool> {
    Ok(conn.execute(
        "DELETE FROM incident_steps WHERE incident_id = ?1 AND step = ?2",
        params![id, step as i64],
    )? == 1)
}

/// The ticked steps of incident `id`, in checklist order.
pub fn steps_done(conn: &Connection, id: i64) -> Result<Vec<StepDone>> {
    let mut stmt = conn.prepare_cached(
        "SELECT step, text, done_by, done_at FROM incident_steps WHERE incident_id = ? ORDER BY step",
    )?;
    let rows = stmt.query_map([id], |r| {
        Ok(StepDone {
            step: r.get::<_, i64>(0)? as usize,
            text: r.get(1)?,
            by: r.get(2)?,
            at: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// When the notices of incident `id` were queued, by kind: (notice, created_at), oldest
/// first, one per notice (not per channel).
pub fn notices(conn: &Connection, id: i64) -> Result<Vec<(String, UnixTime)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT coalesce(notice, 'opened'), min(created_at) FROM notifications
         WHERE incident_id = ? GROUP BY coalesce(notice, 'opened'), created_at ORDER BY min(created_at)",
    )?;
    let rows = stmt.query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Incidents active during [start, end): opened before the end and not resolved before
/// the start, leaving out those merged into another.
pub fn active_between(conn: &Connection, start: UnixTime, end: UnixTime) -> Result<Vec<Incident>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM incidents n
             WHERE n.opened_at < ?2 AND (n.resolved_at IS NULL OR n.resolved_at >= ?1)
               AND n.merged_into IS NULL ORDER BY n.opened_at, n.id"
        ))?
        .query_map(params![start, end], row)?
        .collect::<rusqlite::Result<_>>()?)
}

/// The item `item`'s open incidents with their severity: (id, title, severity, opened_at).
pub fn open_for_item(conn: &Connection, item: ItemId) -> Result<Vec<Incident>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM incidents n JOIN incident_items x ON x.incident_id = n.id
             WHERE x.item_id = ? AND n.resolved_at IS NULL ORDER BY n.opened_at, n.id"
        ))?
        .query_map([item], row)?
        .collect::<rusqlite::Result<_>>()?)
}

/// An incident with its ticked steps, as the Escalated view, the item pane and
/// `hark escalations` show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentView {
    pub incident: Incident,
    pub done: Vec<StepDone>,
}

fn views(conn: &Connection, list: Vec<Incident>) -> Result<Vec<IncidentView>> {
    list.into_iter()
        .map(|incident| {
            let done = steps_done(conn, incident.id)?;
            Ok(IncidentView { incident, done })
        })
        .collect()
}

/// Open incidents, most severe first, then the largest.
pub fn open_views(conn: &Connection) -> Result<Vec<IncidentView>> {
    views(conn, open_list(conn)?)
}

/// The open incidents item `item` is in.
pub fn item_views(conn: &Connection, item: ItemId) -> Result<Vec<IncidentView>> {
    views(conn, open_for_item(conn, item)?)
}

/// When the first item of incident `id` was posted.
pub fn first_item_at(conn: &Connection, id: i64) -> Result<Option<UnixTime>> {
    Ok(conn.query_row(
        "SELECT min(i.created_at) FROM incident_items x JOIN items i ON i.id = x.item_id
         WHERE x.incident_id = ?",
        [id],
        |r| r.get(0),
    )?)
}
