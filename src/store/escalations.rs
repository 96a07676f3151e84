//! The `escalations` table and the items each links: opening, resolving and listing them.
//! Which notifications an escalation gets is the escalation protocol's business.

use rusqlite::{params, Connection, OptionalExtension};

use crate::domain::{ItemId, Severity, UnixTime};
use crate::store::events::{self, Event, EventKind};
use crate::store::Result;

/// An escalation to open.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEscalation {
    /// The item it is about (for a spike: the newest item of it).
    pub item_id: Option<ItemId>,
    /// Further items it links (a spike's items).
    pub linked: Vec<ItemId>,
    pub severity: Severity,
    pub reason: String,
    /// `user` or `rule:<name>`.
    pub actor: String,
}

/// Writes an escalation, its linked items and one event per item on `conn` (call it
/// inside the caller's transaction); returns its id and its items, the main one first.
pub fn insert(conn: &Connection, new: &NewEscalation, now: UnixTime) -> Result<(i64, Vec<ItemId>)> {
    conn.execute(
        "INSERT INTO escalations (item_id, severity, reason, source, opened_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            new.item_id,
            new.severity.as_str(),
            new.reason,
            new.actor,
            now
        ],
    )?;
    let id = conn.last_insert_rowid();
    let mut items: Vec<ItemId> = new.item_id.into_iter().collect();
    for &linked in &new.linked {
        if !items.contains(&linked) {
            items.push(linked);
        }
    }
    let detail = serde_json::json!({
        "escalation_id": id, "op": "open", "severity": new.severity.as_str(), "reason": new.reason,
    });
    for &item in &items {
        conn.execute(
            "INSERT OR IGNORE INTO escalation_items (escalation_id, item_id) VALUES (?, ?)",
            params![id, item],
        )?;
        events::record(
            conn,
            &Event::new(EventKind::Escalation, &new.actor, Some(item)).detail(&detail),
            now,
        )?;
    }
    Ok((id, items))
}

/// The JSON a notification carries: the escalation, its items and the checklist.
pub fn payload(
    conn: &Connection,
    id: i64,
    items: &[ItemId],
    checklist: &[String],
) -> Result<serde_json::Value> {
    let (severity, reason, source, opened_at): (String, String, String, i64) = conn.query_row(
        "SELECT severity, reason, source, opened_at FROM escalations WHERE id = ?",
        [id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )?;
    let mut stmt = conn.prepare_cached(
        "SELECT i.id, acc.platform, au.handle, au.followers, i.body, i.url, i.created_at
         FROM items i JOIN accounts acc ON acc.id = i.account_id
         JOIN authors au ON au.id = i.author_id WHERE i.id = ?",
    )?;
    let mut list = Vec::new();
    // A spike can link many items; the first 20 tell the story.
    for &item in items.iter().take(20) {
        if let Some(v) = stmt
            .query_row([item], |r| {
                Ok(serde_json::json!({
                    "id": r.get::<_, i64>(0)?, "platform": r.get::<_, String>(1)?,
                    "author": r.get::<_, String>(2)?, "followers": r.get::<_, Option<i64>>(3)?,
                    "body": r.get::<_, String>(4)?, "url": r.get::<_, Option<String>>(5)?,
                    "created_at": r.get::<_, i64>(6)?,
                }))
            })
            .optional()?
        {
            list.push(v);
        }
    }
    Ok(serde_json::json!({
        "escalation_id": id, "severity": severity, "reason": reason, "source": source,
        "opened_at": opened_at, "item_count": items.len(), "items": list,
        "checklist": checklist,
    }))
}

/// Resolves the open escalations that involve any of `items`; returns how many.
pub fn resolve_items(
    conn: &mut Connection,
    items: &[ItemId],
    outcome: &str,
    actor: &str,
    now: UnixTime,
) -> Result<usize> {
    let tx = conn.transaction()?;
    let mut ids: Vec<i64> = Vec::new();
    {
        let mut find = tx.prepare_cached(
            "SELECT e.id FROM escalations e WHERE e.resolved_at IS NULL AND (e.item_id = ?1
               OR e.id IN (SELECT escalation_id FROM escalation_items WHERE item_id = ?1))",
        )?;
        for &item in items {
            for id in find.query_map([item], |r| r.get::<_, i64>(0))? {
                let id = id?;
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
        }
    }
    for &id in &ids {
        tx.execute(
            "UPDATE escalations SET resolved_at = ?2, outcome = ?3 WHERE id = ?1",
            params![id, now, outcome],
        )?;
        let (severity, item): (String, Option<i64>) = tx.query_row(
            "SELECT severity, item_id FROM escalations WHERE id = ?",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let detail = serde_json::json!({
            "escalation_id": id, "op": "resolve", "severity": severity, "outcome": outcome,
        });
        events::record(
            &tx,
            &Event::new(EventKind::Escalation, actor, item).detail(detail),
            now,
        )?;
    }
    tx.commit()?;
    Ok(ids.len())
}

/// An open escalation as the Escalated view lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenEscalation {
    pub id: i64,
    pub item_id: Option<ItemId>,
    pub severity: Severity,
    pub reason: String,
    pub source: String,
    pub opened_at: UnixTime,
    pub items: u64,
    /// Notifications that gave up (visible until retried).
    pub failed_notifications: u64,
}

/// Open escalations, oldest first.
pub fn open_list(conn: &Connection) -> Result<Vec<OpenEscalation>> {
    let mut stmt = conn.prepare_cached(
        "SELECT e.id, e.item_id, e.severity, e.reason, e.source, e.opened_at,
            (SELECT count(*) FROM escalation_items x WHERE x.escalation_id = e.id),
            (SELECT count(*) FROM notifications n WHERE n.escalation_id = e.id AND n.state = 'failed')
         FROM escalations e WHERE e.resolved_at IS NULL ORDER BY e.opened_at, e.id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(OpenEscalation {
            id: r.get(0)?,
            item_id: r.get(1)?,
            severity: r.get::<_, String>(2)?.parse().unwrap_or(Severity::High),
            reason: r.get(3)?,
            source: r.get(4)?,
            opened_at: r.get(5)?,
            items: r.get::<_, i64>(6)? as u64,
            failed_notifications: r.get::<_, i64>(7)? as u64,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
