//! Escalations: opening and resolving them, and the protocol from
//! `[escalation]` in the config that says who hears about each severity and what the CM
//! does next. Notifications are rows written with the escalation, naming the protocol
//! step they stand for ([`step`]), sent by [`notify`].

mod command;
pub mod notify;
pub mod step;
mod webhook;

use std::collections::BTreeMap;
use std::time::Duration;

use rusqlite::{params, Connection, OptionalExtension};
use serde::Deserialize;

use crate::domain::{ItemId, Severity, UnixTime};
use crate::store::events::{self, Event, EventKind};
use crate::store::Result;

/// `[escalation]`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct EscalationConfig {
    /// Reasons offered when flagging: short name → description.
    #[serde(default)]
    pub reasons: BTreeMap<String, String>,
    /// `[escalation.protocol.low|high|critical]`.
    #[serde(default)]
    pub protocol: BTreeMap<Severity, Protocol>,
    /// `[escalation.spike]`: flag a surge of negative items.
    #[serde(default)]
    pub spike: Option<SpikeConfig>,
}

/// What happens when an escalation of one severity opens.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Protocol {
    /// Run with `sh -c`, the escalation as JSON on standard input.
    pub notify_command: Option<String>,
    #[serde(
        default = "default_timeout",
        deserialize_with = "crate::config::deserialize_duration"
    )]
    pub notify_timeout: Duration,
    /// POSTed the escalation as JSON; retried with backoff.
    pub webhook: Option<String>,
    /// Tries per notification before it is marked failed (the CM can retry it).
    #[serde(default = "default_attempts")]
    pub max_attempts: u32,
    /// Steps shown to the CM beside the escalated item.
    #[serde(default)]
    pub checklist: Vec<String>,
}

/// `[escalation.spike]`: negative items per hour against a rolling baseline.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SpikeConfig {
    #[serde(default = "default_spike_name")]
    pub name: String,
    /// How far back the baseline reaches.
    #[serde(
        default = "default_window",
        deserialize_with = "crate::config::deserialize_duration"
    )]
    pub window: Duration,
    /// Fire when the last hour has at least this many times the baseline's mean...
    pub multiple: Option<f64>,
    /// ...or is this many standard deviations above it.
    pub z_score: Option<f64>,
    /// Never fire on fewer negative items than this in the hour.
    #[serde(default = "default_min_count")]
    pub min_count: u64,
    /// After firing, stay quiet this long.
    #[serde(
        default = "default_cooldown",
        deserialize_with = "crate::config::deserialize_duration"
    )]
    pub cooldown: Duration,
    #[serde(default = "default_spike_severity")]
    pub severity: Severity,
    /// Items with this tag count as negative too (e.g. one a crisis rule sets), so the
    /// detector works before or without automatic sentiment.
    pub tag: Option<String>,
}

fn default_timeout() -> Duration {
    Duration::from_secs(10)
}
fn default_attempts() -> u32 {
    5
}
fn default_spike_name() -> String {
    "negative spike".into()
}
fn default_window() -> Duration {
    Duration::from_secs(24 * 3600)
}
fn default_min_count() -> u64 {
    5
}
fn default_cooldown() -> Duration {
    Duration::from_secs(6 * 3600)
}
fn default_spike_severity() -> Severity {
    Severity::Critical
}

impl EscalationConfig {
    /// Problems the config parser cannot see.
    pub fn check(&self) -> std::result::Result<(), String> {
        for (severity, p) in &self.protocol {
            if let Some(url) = &p.webhook {
                if !(url.starts_with("http://") || url.starts_with("https://")) {
                    return Err(format!(
                        "[escalation.protocol.{severity}]: webhook `{url}` is not an http(s) URL"
                    ));
                }
            }
            if p.max_attempts == 0 {
                return Err(format!(
                    "[escalation.protocol.{severity}]: max_attempts must be at least 1"
                ));
            }
        }
        if let Some(s) = &self.spike {
            if s.multiple.is_none() && s.z_score.is_none() {
                return Err(format!(
                    "[escalation.spike] `{}`: set `multiple` or `z_score`",
                    s.name
                ));
            }
            if s.window.as_secs() < 3600 {
                return Err(format!(
                    "[escalation.spike] `{}`: window must be at least 1h",
                    s.name
                ));
            }
        }
        Ok(())
    }
}

impl PartialOrd for Severity {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Severity {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        let rank = |s: &Severity| match s {
            Severity::Low => 0,
            Severity::High => 1,
            Severity::Critical => 2,
        };
        rank(self).cmp(&rank(other))
    }
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
}

/// Opens an escalation with its events and one notification row per configured channel,
/// all on `conn` (call it inside the caller's transaction).
pub fn open(
    conn: &Connection,
    new: &NewEscalation,
    config: &EscalationConfig,
    now: UnixTime,
) -> Result<i64> {
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
    if let Some(protocol) = config.protocol.get(&new.severity) {
        let payload = payload(conn, id, &items, protocol)?.to_string();
        for channel in step::channels(protocol) {
            conn.execute(
                "INSERT INTO notifications (escalation_id, channel, step, payload, max_attempts,
                     next_attempt_at, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
                params![
                    id,
                    channel,
                    step::name(new.severity, channel),
                    payload,
                    protocol.max_attempts,
                    now
                ],
            )?;
        }
    }
    Ok(id)
}

/// The JSON a notification carries: the escalation, its items and the checklist.
fn payload(
    conn: &Connection,
    id: i64,
    items: &[ItemId],
    protocol: &Protocol,
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
        "checklist": protocol.checklist,
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

#[cfg(test)]
#[path = "escalation_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "notify_tests.rs"]
mod notify_tests;
