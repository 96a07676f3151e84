//! The item log: every change to an item (or a batch of them) is one `events` row, written
//! here and nowhere else, so its columns mean the same thing for every kind.

use rusqlite::{params, Connection};

use crate::domain::{ItemId, UnixTime};

/// What an event records; stored as its `as_str` in `events.kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// A workflow state change (`from_state` → `to_state`).
    State,
    /// A moderation action queued for the platform.
    Moderation,
    Tag,
    Note,
    /// The CM's own sentiment label.
    Sentiment,
    /// The platform reported an edit.
    Edited,
    /// The post is gone on the platform.
    Gone,
    /// The CM undid a batch (`detail` is its number).
    Undo,
    /// Something happened to one of the item's outbox rows.
    Outbox,
    Escalation,
    /// The CM corrected the item's language.
    Language,
    /// Team mode: the item was assigned (`detail`: `to`, `from`).
    Assign,
    /// Team mode: a held action was asked for, approved or rejected.
    Approval,
    /// Team mode: a CM went away or came back (no item).
    Away,
}

impl EventKind {
    pub const fn as_str(self) -> &'static str {
        match self {
            EventKind::State => "state",
            EventKind::Moderation => "moderation",
            EventKind::Tag => "tag",
            EventKind::Note => "note",
            EventKind::Sentiment => "sentiment",
            EventKind::Edited => "edited",
            EventKind::Gone => "gone",
            EventKind::Undo => "undo",
            EventKind::Outbox => "outbox",
            EventKind::Escalation => "escalation",
            EventKind::Language => "language",
            EventKind::Assign => "assign",
            EventKind::Approval => "approval",
            EventKind::Away => "away",
        }
    }
}

/// One `events` row; what is not set stays NULL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event<'a> {
    pub kind: EventKind,
    pub actor: &'a str,
    pub item: Option<ItemId>,
    /// Changes made together share a batch, so undo reverts them together.
    pub batch: Option<i64>,
    pub from_state: Option<&'a str>,
    pub to_state: Option<&'a str>,
    /// JSON (or, for an undo, the batch number).
    pub detail: Option<String>,
}

impl<'a> Event<'a> {
    /// An event about `item` (or about no item, with `None`).
    pub fn new(kind: EventKind, actor: &'a str, item: Option<ItemId>) -> Event<'a> {
        Event {
            kind,
            actor,
            item,
            batch: None,
            from_state: None,
            to_state: None,
            detail: None,
        }
    }

    /// A state change of `item` from `from` to `to`.
    pub fn state(actor: &'a str, item: ItemId, from: &'a str, to: &'a str) -> Event<'a> {
        Event {
            from_state: Some(from),
            to_state: Some(to),
            ..Event::new(EventKind::State, actor, Some(item))
        }
    }

    pub fn batch(self, batch: Option<i64>) -> Event<'a> {
        Event { batch, ..self }
    }

    pub fn detail(self, detail: impl ToString) -> Event<'a> {
        Event {
            detail: Some(detail.to_string()),
            ..self
        }
    }
}

/// Writes `event` at `at`. The statement is cached, so a loop over many items prepares it
/// once. In team mode a change the CM made (or undid) carries the CM's name (`cm`), so
/// every action says who did it; automatic changes (rules, the platform) carry none.
pub fn record(conn: &Connection, event: &Event<'_>, at: UnixTime) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO events (item_id, at, kind, actor, batch, from_state, to_state, detail, cm)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8,
                 CASE WHEN ?4 IN ('user', 'undo') THEN (SELECT name FROM team_self) END)",
    )?
    .execute(params![
        event.item,
        at,
        event.kind.as_str(),
        event.actor,
        event.batch,
        event.from_state,
        event.to_state,
        event.detail
    ])?;
    Ok(())
}

/// The batch number the next change should carry: one past every event so far.
pub fn next_batch(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("SELECT coalesce(max(id), 0) + 1 FROM events", [], |r| {
        r.get(0)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_column_lands_where_it_belongs_and_unset_ones_stay_null() {
        let dir = tempfile::tempdir().unwrap();
        let conn = crate::store::open_rw(&dir.path().join("hark.db")).unwrap();
        // The log's columns are under test here, not the items they point to.
        conn.pragma_update(None, "foreign_keys", "OFF").unwrap();
        assert_eq!(next_batch(&conn).unwrap(), 1);
        record(
            &conn,
            &Event::state("user", 7, "new", "done").batch(Some(1)),
            100,
        )
        .unwrap();
        record(
            &conn,
            &Event::new(EventKind::Undo, "user", None).detail(1),
            101,
        )
        .unwrap();
        let rows: Vec<String> = conn
            .prepare(
                "SELECT concat_ws(' ', coalesce(item_id, '-'), at, kind, actor,
                        coalesce(batch, '-'), coalesce(from_state, '-'), coalesce(to_state, '-'),
                        coalesce(detail, '-'))
                 FROM events ORDER BY id",
            )
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(
            rows,
            ["7 100 state user 1 new done -", "- 101 undo user - - - 1"]
        );
        assert_eq!(next_batch(&conn).unwrap(), 3);
    }
}
