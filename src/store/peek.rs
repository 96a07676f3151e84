//! What unit tests outside the store look at, and plant, in the cache — named here so every
//! statement stays in the store (the SQL check holds test blocks to that too).
//!
//! Compiled for tests only. Each reader returns plain rows; the tests say what they expect.

use rusqlite::{params, Connection};

use crate::domain::ItemId;
use crate::store::View;

/// One `notifications` row as the tests read it.
#[derive(Debug, Clone, PartialEq)]
pub struct NotificationRow {
    pub id: i64,
    pub step: String,
    pub state: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub notice: Option<String>,
    pub notice_no: Option<i64>,
    pub payload: String,
}

/// Every notification row, oldest first.
pub fn notifications(conn: &Connection) -> Vec<NotificationRow> {
    conn.prepare(
        "SELECT id, step, state, attempts, last_error, notice, notice_no, payload
         FROM notifications ORDER BY id",
    )
    .unwrap()
    .query_map([], |r| {
        Ok(NotificationRow {
            id: r.get(0)?,
            step: r.get(1)?,
            state: r.get(2)?,
            attempts: r.get(3)?,
            last_error: r.get(4)?,
            notice: r.get(5)?,
            notice_no: r.get(6)?,
            payload: r.get(7)?,
        })
    })
    .unwrap()
    .collect::<rusqlite::Result<_>>()
    .unwrap()
}

/// The notification row `id`.
pub fn notification(conn: &Connection, id: i64) -> NotificationRow {
    notifications(conn)
        .into_iter()
        .find(|n| n.id == id)
        .unwrap_or_else(|| panic!("no notification {id}"))
}

/// The exit status of every try of notification `id`, in order.
pub fn attempt_exit_statuses(conn: &Connection, id: i64) -> Vec<Option<i64>> {
    conn.prepare(
        "SELECT exit_status FROM notification_attempts WHERE notification_id = ? ORDER BY id",
    )
    .unwrap()
    .query_map([id], |r| r.get(0))
    .unwrap()
    .collect::<rusqlite::Result<_>>()
    .unwrap()
}

/// Every notification marked sent after one try, as if the notifier had run.
pub fn mark_notifications_sent(conn: &Connection) {
    conn.execute("UPDATE notifications SET state = 'sent', attempts = 1", [])
        .unwrap();
}

/// Removes the notification rows of `channel`, or all of them.
pub fn delete_notifications(conn: &Connection, channel: Option<&str>) {
    conn.execute(
        "DELETE FROM notifications WHERE ?1 IS NULL OR channel = ?1",
        [channel],
    )
    .unwrap();
}

/// A notification row written straight into the file (as someone with access to it could),
/// bypassing the protocol.
pub fn plant_notification(conn: &Connection, escalation: i64, channel: &str, step: &str) {
    conn.execute(
        "INSERT INTO notifications (escalation_id, channel, step, payload, next_attempt_at, created_at)
         VALUES (?, ?, ?, '{}', 0, 0)",
        params![escalation, channel, step],
    )
    .unwrap();
}

/// One `escalations` row as the tests read it.
#[derive(Debug, Clone, PartialEq)]
pub struct EscalationRow {
    pub id: i64,
    pub item_id: Option<ItemId>,
    pub source: String,
    pub resolved_at: Option<i64>,
    pub outcome: Option<String>,
    pub incident_id: Option<i64>,
}

/// Every escalation row, oldest first.
pub fn escalations(conn: &Connection) -> Vec<EscalationRow> {
    conn.prepare(
        "SELECT id, item_id, source, resolved_at, outcome, incident_id
         FROM escalations ORDER BY id",
    )
    .unwrap()
    .query_map([], |r| {
        Ok(EscalationRow {
            id: r.get(0)?,
            item_id: r.get(1)?,
            source: r.get(2)?,
            resolved_at: r.get(3)?,
            outcome: r.get(4)?,
            incident_id: r.get(5)?,
        })
    })
    .unwrap()
    .collect::<rusqlite::Result<_>>()
    .unwrap()
}

/// The escalation row `id`.
pub fn escalation(conn: &Connection, id: i64) -> EscalationRow {
    escalations(conn)
        .into_iter()
        .find(|e| e.id == id)
        .unwrap_or_else(|| panic!("no escalation {id}"))
}

/// The detail of every event of `kind`, oldest first.
pub fn event_details(conn: &Connection, kind: &str) -> Vec<String> {
    conn.prepare("SELECT coalesce(detail, '') FROM events WHERE kind = ? ORDER BY id")
        .unwrap()
        .query_map([kind], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

/// How many events of `kind` item `item` has.
pub fn item_event_count(conn: &Connection, item: ItemId, kind: &str) -> i64 {
    conn.query_row(
        "SELECT count(*) FROM events WHERE item_id = ? AND kind = ?",
        params![item, kind],
        |r| r.get(0),
    )
    .unwrap()
}

/// How many items the cache holds (context posts are not items).
pub fn item_count(conn: &Connection) -> i64 {
    conn.query_row("SELECT count(*) FROM items", [], |r| r.get(0))
        .unwrap()
}

/// Item `item`'s automatic sentiment label and first raw record.
pub fn item_label_and_raw(conn: &Connection, item: ItemId) -> (Option<String>, String) {
    conn.query_row(
        "SELECT sentiment_label_auto, raw_json FROM items WHERE id = ?",
        [item],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .unwrap()
}

/// Whether item `item` is listed in `view`.
pub fn in_view(conn: &Connection, view: &View, item: ItemId) -> bool {
    let (condition, mut values) = view.condition();
    values.push(rusqlite::types::Value::Integer(item));
    conn.query_row(
        &format!("SELECT count(*) FROM items i WHERE ({condition}) AND i.id = ?"),
        rusqlite::params_from_iter(values),
        |r| r.get::<_, i64>(0),
    )
    .unwrap()
        > 0
}

/// Every stored thread counts as fetched long ago, so the next open asks the platform.
pub fn age_thread_fetches(conn: &Connection) -> rusqlite::Result<usize> {
    conn.execute("UPDATE thread_fetches SET fetched_at = 0", [])
}
