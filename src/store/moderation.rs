//! Moderation actions, tags and internal notes, each with its `events` row.
//!
//! A moderation action is an `outbox` row (the outbox worker sends it through the
//! platform's connector). The item's local state changes only when the platform confirms
//! (`outbox::truth::on_sent`); until then the item shows the action as pending, and a
//! refusal leaves it where it was, with the platform's reason.

use rusqlite::{params, Connection, OptionalExtension};

use super::events::{self, Event, EventKind};
use super::Result;
use crate::domain::kinds;
use crate::domain::{ItemId, ItemState, UnixTime};

/// The local state an action puts its item in once the platform confirmed it, if any.
pub fn state_after(kind: &str) -> Option<ItemState> {
    match kind {
        kinds::HIDE => Some(ItemState::Hidden),
        kinds::DELETE => Some(ItemState::Deleted),
        kinds::UNHIDE => Some(ItemState::Open),
        // The CM turned away what the platform's filter held: nothing left to do.
        kinds::DISMISS_REQUEST => Some(ItemState::Done),
        _ => None,
    }
}

/// Writes one queued outbox row for `kind` on `item` and its `moderation` event, on `conn`
/// (the caller's transaction). Returns the outbox id.
pub fn queue_in(
    conn: &Connection,
    item: ItemId,
    kind: &str,
    payload: &serde_json::Value,
    actor: &str,
    batch: Option<i64>,
    now: UnixTime,
) -> Result<Option<i64>> {
    let Some(account_id): Option<i64> = conn
        .query_row("SELECT account_id FROM items WHERE id = ?", [item], |r| {
            r.get(0)
        })
        .optional()?
    else {
        return Ok(None);
    };
    // A notification request is answered by its platform id: only held items have one.
    let mut payload = payload.clone();
    if matches!(kind, kinds::ACCEPT_REQUEST | kinds::DISMISS_REQUEST) {
        match super::aside::filtered_request(conn, item)? {
            Some(request) => payload["request_id"] = request.into(),
            None => return Ok(None),
        }
    }
    let payload = &payload;
    let outbox_id = super::queue::insert_queued(conn, item, account_id, kind, payload, actor, now)?;
    events::record(
        conn,
        &Event::new(EventKind::Moderation, actor, Some(item))
            .batch(batch)
            .detail(serde_json::json!({"action": kind, "outbox_id": outbox_id})),
        now,
    )?;
    Ok(Some(outbox_id))
}

/// Queues `kind` for every item in `ids` in one transaction; returns the outbox ids.
pub fn queue(
    conn: &mut Connection,
    ids: &[ItemId],
    kind: &str,
    payload: &serde_json::Value,
    actor: &str,
    now: UnixTime,
) -> Result<Vec<i64>> {
    let tx = conn.transaction()?;
    let batch = events::next_batch(&tx)?;
    let mut out = Vec::new();
    for &id in ids {
        if let Some(outbox) = queue_in(&tx, id, kind, payload, actor, Some(batch), now)? {
            out.push(outbox);
        }
    }
    tx.commit()?;
    Ok(out)
}

/// Adds `tag` to an item unless it has it; returns whether it was added.
pub fn tag_in(
    conn: &Connection,
    item: ItemId,
    tag: &str,
    actor: &str,
    now: UnixTime,
) -> Result<bool> {
    tag_in_batch(conn, item, tag, actor, None, now)
}

/// [`tag_in`] as part of a batch the CM can undo at once.
fn tag_in_batch(
    conn: &Connection,
    item: ItemId,
    tag: &str,
    actor: &str,
    batch: Option<i64>,
    now: UnixTime,
) -> Result<bool> {
    let added = conn.execute(
        "INSERT OR IGNORE INTO tags (item_id, tag, created_at, source) VALUES (?, ?, ?, ?)",
        params![item, tag, now, actor],
    )? == 1;
    if added {
        // Tags are WITHOUT ROWID: the writer's update hook does not see them.
        super::change::note(super::Changes::of(&[
            super::Change::Tags,
            super::Change::Counts,
        ]));
        events::record(
            conn,
            &Event::new(EventKind::Tag, actor, Some(item))
                .batch(batch)
                .detail(serde_json::json!({"tag": tag, "op": "add"})),
            now,
        )?;
    }
    Ok(added)
}

/// Adds (or, with `remove`, takes away) `tag` on every item; returns how many changed.
/// The items share one batch, so `u` undoes the whole tagging.
pub fn set_tag(
    conn: &mut Connection,
    ids: &[ItemId],
    tag: &str,
    remove: bool,
    actor: &str,
    now: UnixTime,
) -> Result<usize> {
    let tag =
        normal_tag(tag).ok_or_else(|| super::Error::Invalid(format!("`{tag}` is not a tag")))?;
    let tx = conn.transaction()?;
    let batch = Some(events::next_batch(&tx)?);
    let mut changed = 0;
    for &id in ids {
        if remove {
            if tx.execute(
                "DELETE FROM tags WHERE item_id = ? AND tag = ?",
                params![id, tag],
            )? == 1
            {
                super::change::note(super::Changes::of(&[
                    super::Change::Tags,
                    super::Change::Counts,
                ]));
                events::record(
                    &tx,
                    &Event::new(EventKind::Tag, actor, Some(id))
                        .batch(batch)
                        .detail(serde_json::json!({"tag": tag, "op": "remove"})),
                    now,
                )?;
                changed += 1;
            }
        } else if tag_in_batch(&tx, id, &tag, actor, batch, now)? {
            changed += 1;
        }
    }
    tx.commit()?;
    Ok(changed)
}

/// A tag as stored: lower case, no leading `#`, no spaces.
pub fn normal_tag(tag: &str) -> Option<String> {
    let t = tag.trim().trim_start_matches('#').to_lowercase();
    (!t.is_empty() && !t.contains(char::is_whitespace) && !t.chars().any(char::is_control))
        .then_some(t)
}

/// Adds an internal note (never sent anywhere); returns its id.
pub fn add_note(conn: &mut Connection, item: ItemId, body: &str, now: UnixTime) -> Result<i64> {
    let body = body.trim();
    if body.is_empty() {
        return Err(super::Error::Invalid("an empty note".into()));
    }
    let tx = conn.transaction()?;
    tx.execute(
        "INSERT INTO notes (item_id, body, created_at) VALUES (?, ?, ?)",
        params![item, body, now],
    )?;
    let id = tx.last_insert_rowid();
    events::record(
        &tx,
        &Event::new(EventKind::Note, super::state::ACTOR_USER, Some(item))
            .detail(serde_json::json!({"note_id": id})),
        now,
    )?;
    tx.commit()?;
    Ok(id)
}

/// Tags in use with how many items carry each, most used first.
pub fn tags_in_use(conn: &Connection) -> Result<Vec<(String, u64)>> {
    let mut stmt =
        conn.prepare_cached("SELECT tag, n FROM tag_counts WHERE n > 0 ORDER BY n DESC, tag")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as u64)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// An outbox row as the detail pane shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEntry {
    pub kind: String,
    pub state: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub created_at: UnixTime,
}

/// An escalation involving the item, with its notifications.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemEscalation {
    pub id: i64,
    pub severity: crate::domain::Severity,
    pub reason: String,
    pub source: String,
    pub opened_at: UnixTime,
    pub resolved_at: Option<UnixTime>,
    pub outcome: Option<String>,
    /// (channel, state, attempts, last error)
    pub notifications: Vec<(String, String, i64, Option<String>)>,
}

/// What the detail pane shows beyond the item: notes, outbox actions, escalations.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ModerationInfo {
    pub notes: Vec<(UnixTime, String)>,
    pub outbox: Vec<OutboxEntry>,
    pub escalations: Vec<ItemEscalation>,
    /// The open incidents the item is in, with their ticked steps.
    pub incidents: Vec<crate::store::incidents::IncidentView>,
    pub spam: bool,
    /// Team mode: destructive actions on the item waiting for a moderator.
    pub approvals: Vec<super::team::Waiting>,
    /// Team mode: values of this item a teammate's later change replaced unseen.
    pub conflicts: Vec<crate::store::team_sync::Conflict>,
}

pub fn info(conn: &Connection, item: ItemId) -> Result<ModerationInfo> {
    let notes = conn
        .prepare_cached("SELECT created_at, body FROM notes WHERE item_id = ? ORDER BY id")?
        .query_map([item], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let outbox = conn
        .prepare_cached(
            "SELECT kind, state, attempts, last_error, created_at FROM outbox
             WHERE item_id = ? ORDER BY id DESC LIMIT 5",
        )?
        .query_map([item], |r| {
            Ok(OutboxEntry {
                kind: r.get(0)?,
                state: r.get(1)?,
                attempts: r.get(2)?,
                last_error: r.get(3)?,
                created_at: r.get(4)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut escalations: Vec<ItemEscalation> = conn
        .prepare_cached(
            "SELECT id, severity, reason, source, opened_at, resolved_at, outcome FROM escalations
             WHERE item_id = ?1 OR id IN (SELECT escalation_id FROM escalation_items WHERE item_id = ?1)
             ORDER BY id",
        )?
        .query_map([item], |r| {
            Ok(ItemEscalation {
                id: r.get(0)?,
                severity: r.get::<_, String>(1)?.parse().unwrap_or(crate::domain::Severity::High),
                reason: r.get(2)?,
                source: r.get(3)?,
                opened_at: r.get(4)?,
                resolved_at: r.get(5)?,
                outcome: r.get(6)?,
                notifications: Vec::new(),
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut stmt = conn.prepare_cached(
        "SELECT channel, state, attempts, last_error FROM notifications WHERE escalation_id = ? ORDER BY id",
    )?;
    for e in &mut escalations {
        e.notifications = stmt
            .query_map([e.id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
            .collect::<rusqlite::Result<_>>()?;
    }
    let spam = conn
        .query_row("SELECT spam FROM items WHERE id = ?", [item], |r| r.get(0))
        .optional()?
        .unwrap_or(false);
    Ok(ModerationInfo {
        approvals: super::team::waiting(conn, item)?,
        incidents: crate::store::incidents::item_views(conn, item)?,
        notes,
        outbox,
        escalations,
        spam,
        conflicts: crate::store::team_sync::conflicts_of(conn, item)?,
    })
}
