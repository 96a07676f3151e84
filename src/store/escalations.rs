//! The `escalations` table and the items each links: opening, resolving and listing them.
//! Which notifications an escalation gets is the escalation protocol's business.

use rusqlite::{params, Connection, OptionalExtension};

use crate::domain::{ItemId, Severity, UnixTime};
use crate::store::events::{self, Event, EventKind};
use crate::store::Result;

/// Which incident an escalation belongs to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Topic {
    /// The rule that flagged it (`rule:<name>`), or for the CM's own, its reason.
    #[default]
    FromSource,
    /// The spike detector's over-represented terms and authors.
    Spike(Vec<String>),
    /// Attach to this open incident (the CM chose it).
    Incident(i64),
}

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
    pub topic: Topic,
}

/// Writes an escalation, its linked items and one event per item on `conn` (call it
/// inside the caller's transaction); returns its id and its items, the main one first.
pub fn insert(
    conn: &Connection,
    new: &NewEscalation,
    incident: i64,
    now: UnixTime,
) -> Result<(i64, Vec<ItemId>)> {
    conn.execute(
        "INSERT INTO escalations (item_id, severity, reason, source, opened_at, incident_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            new.item_id,
            new.severity.as_str(),
            new.reason,
            new.actor,
            now,
            incident
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
        "escalation_id": id, "incident_id": incident, "op": "open", "severity": new.severity.as_str(), "reason": new.reason,
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

/// `items` as a notice shows them (at most `limit`, in the order given).
pub fn describe(
    conn: &Connection,
    items: &[ItemId],
    limit: usize,
) -> Result<Vec<serde_json::Value>> {
    let mut stmt = conn.prepare_cached(
        "SELECT i.id, acc.platform, au.handle, au.followers, i.body, i.url, i.created_at
         FROM items i JOIN accounts acc ON acc.id = i.account_id
         JOIN authors au ON au.id = i.author_id WHERE i.id = ?",
    )?;
    let mut list = Vec::new();
    for &item in items.iter().take(limit) {
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
    Ok(list)
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
