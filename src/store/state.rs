//! State changes and their undo, each one an `events` row.
//!
//! A change to several items at once (marked items) shares one batch number, so `u`
//! undoes the whole batch, as the CM made it.

use rusqlite::{params, Connection, OptionalExtension};

use super::events::{self, Event, EventKind};
use super::Result;
use crate::domain::{ItemId, ItemState, UnixTime};

/// Who made a change: shown in the log and used to decide what undo may revert.
pub const ACTOR_USER: &str = "user";
/// Opening an item marks it seen; that is not an edit the CM wants to undo.
pub const ACTOR_VIEW: &str = "view";
/// An undo reverting a change.
pub const ACTOR_UNDO: &str = "undo";
/// The platform itself (an edit, a deleted post).
pub const ACTOR_PLATFORM: &str = "platform";

/// Moves `ids` to `to`. With `only_from`, items in other states are left alone.
/// Returns the items that changed.
pub fn set_state(
    conn: &mut Connection,
    ids: &[ItemId],
    to: ItemState,
    only_from: Option<&[ItemState]>,
    actor: &str,
    now: UnixTime,
) -> Result<Vec<ItemId>> {
    let tx = conn.transaction()?;
    let mut changed = Vec::new();
    {
        let batch = events::next_batch(&tx)?;
        let mut current = tx.prepare_cached("SELECT state FROM items WHERE id = ?")?;
        let mut update = tx.prepare_cached("UPDATE items SET state = ? WHERE id = ?")?;
        for &id in ids {
            let Some(from): Option<String> = current.query_row([id], |r| r.get(0)).optional()?
            else {
                continue;
            };
            let from_state: ItemState = from
                .parse()
                .map_err(|e: crate::domain::UnknownValue| super::Error::Invalid(e.to_string()))?;
            if from_state == to || only_from.is_some_and(|allowed| !allowed.contains(&from_state)) {
                continue;
            }
            update.execute(params![to.as_str(), id])?;
            events::record(
                &tx,
                &Event::state(actor, id, &from, to.as_str()).batch(Some(batch)),
                now,
            )?;
            changed.push(id);
        }
    }
    tx.commit()?;
    Ok(changed)
}

/// What an undo reverted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Undone {
    pub items: Vec<ItemId>,
    /// The state the items had been moved to, now reverted (a state batch).
    pub was: ItemState,
    /// A tag batch: the tag, and whether it had been added (now taken away) or removed
    /// (now put back).
    pub tag: Option<(String, bool)>,
    /// An assignment batch (team mode): the CM the items had been assigned to (`None`:
    /// they had been unassigned), now reverted.
    pub assigned: Option<Option<String>>,
}

/// Reverts the CM's most recent state change or tagging that has not been undone yet.
/// Items changed since by someone else keep their newer state.
pub fn undo_last(conn: &mut Connection, now: UnixTime) -> Result<Option<Undone>> {
    let tx = conn.transaction()?;
    let batch: Option<i64> = tx
        .query_row(
            // Batch numbers grow with the log (`next_batch`): the newest batch is the
            // last change, found from the batch index's end.
            "SELECT batch FROM events INDEXED BY events_by_batch
             WHERE kind IN ('state', 'tag', 'assign') AND actor = ?1 AND batch IS NOT NULL
               AND batch NOT IN (SELECT CAST(detail AS INTEGER) FROM events WHERE kind = 'undo')
             ORDER BY batch DESC LIMIT 1",
            [ACTOR_USER],
            |r| r.get(0),
        )
        .optional()?;
    let Some(batch) = batch else {
        return Ok(None);
    };
    let undone = match undo_tags(&tx, batch, now)? {
        Some(undone) => Some(undone),
        None => super::team::undo_assign(&tx, batch, now)?,
    };
    if let Some(undone) = undone {
        events::record(
            &tx,
            &Event::new(EventKind::Undo, ACTOR_USER, None).detail(batch),
            now,
        )?;
        tx.commit()?;
        return Ok(Some(undone));
    }
    let rows: Vec<(ItemId, String, String)> = tx
        .prepare(
            "SELECT item_id, from_state, to_state FROM events INDEXED BY events_by_batch
             WHERE batch = ? AND kind = 'state'",
        )?
        .query_map([batch], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut items = Vec::new();
    let mut was = ItemState::Open;
    for (id, from, to) in rows {
        was = to.parse().unwrap_or(was);
        let reverted = tx.execute(
            "UPDATE items SET state = ?1 WHERE id = ?2 AND state = ?3",
            params![from, id, to],
        )?;
        if reverted == 1 {
            events::record(&tx, &Event::state(ACTOR_UNDO, id, &to, &from), now)?;
            items.push(id);
        }
    }
    events::record(
        &tx,
        &Event::new(EventKind::Undo, ACTOR_USER, None).detail(batch),
        now,
    )?;
    tx.commit()?;
    Ok(Some(Undone {
        items,
        was,
        tag: None,
        assigned: None,
    }))
}

/// Reverts a tag batch; `None` when `batch` is not one.
fn undo_tags(conn: &Connection, batch: i64, now: UnixTime) -> Result<Option<Undone>> {
    let rows: Vec<(ItemId, String)> = conn
        .prepare(
            "SELECT item_id, detail FROM events INDEXED BY events_by_batch
             WHERE batch = ? AND kind = 'tag'",
        )?
        .query_map([batch], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut items = Vec::new();
    let mut what = None;
    for (id, detail) in rows {
        let Ok(detail) = serde_json::from_str::<serde_json::Value>(&detail) else {
            continue;
        };
        let (Some(tag), Some(op)) = (detail["tag"].as_str(), detail["op"].as_str()) else {
            continue;
        };
        let added = op == "add";
        let reverted = if added {
            conn.execute(
                "DELETE FROM tags WHERE item_id = ? AND tag = ?",
                params![id, tag],
            )?
        } else {
            conn.execute(
                "INSERT OR IGNORE INTO tags (item_id, tag, created_at, source) VALUES (?, ?, ?, ?)",
                params![id, tag, now, ACTOR_UNDO],
            )?
        };
        if reverted == 1 {
            events::record(
                conn,
                &Event::new(EventKind::Tag, ACTOR_UNDO, Some(id)).detail(
                    serde_json::json!({"tag": tag, "op": if added { "remove" } else { "add" }}),
                ),
                now,
            )?;
            items.push(id);
        }
        what = Some((tag.to_string(), added));
    }
    if what.is_some() {
        // Tags are WITHOUT ROWID: the writer's update hook does not see them.
        super::change::note(super::Changes::of(&[
            super::Change::Tags,
            super::Change::Counts,
        ]));
    }
    Ok(what.map(|tag| Undone {
        items,
        was: ItemState::Open,
        tag: Some(tag),
        assigned: None,
    }))
}

/// The platform said the item's post is gone (deleted there): the item keeps its state and
/// carries the mark, logged once. Returns whether the mark is new.
pub fn mark_gone(conn: &Connection, item: ItemId, why: &str, now: UnixTime) -> Result<bool> {
    let marked = conn.execute(
        "UPDATE items SET gone_at = ? WHERE id = ? AND gone_at IS NULL",
        params![now, item],
    )? == 1;
    if marked {
        events::record(
            conn,
            &Event::new(EventKind::Gone, ACTOR_PLATFORM, Some(item))
                .detail(serde_json::json!({ "error": why })),
            now,
        )?;
    }
    Ok(marked)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{ItemKind, NewAuthor, NewItem};
    use crate::store::ingest::{self, Incoming};

    /// `n` mentions by @ana on `account`, one second apart.
    fn mentions(conn: &mut Connection, account: i64, n: i64) -> Vec<ItemId> {
        let items: Vec<Incoming> = (0..n)
            .map(|n| {
                Incoming::from(NewItem {
                    external_id: format!("x{n}"),
                    kind: ItemKind::Mention,
                    parent_external_id: None,
                    thread_external_id: None,
                    author: NewAuthor {
                        external_id: "u".into(),
                        handle: "@ana".into(),
                        display_name: "Ana".into(),
                        followers: None,
                    },
                    body: format!("item {n}"),
                    url: None,
                    created_at: 1_000 + n,
                    raw_json: None,
                    room: None,
                })
            })
            .collect();
        ingest::ingest(conn, account, &items, None, 1)
            .unwrap()
            .inserted
    }

    fn tags_of(conn: &Connection, tag: &str) -> Vec<ItemId> {
        let mut stmt = conn
            .prepare("SELECT item_id FROM tags WHERE tag = ? ORDER BY item_id")
            .unwrap();
        let rows = stmt.query_map([tag], |r| r.get(0)).unwrap();
        rows.collect::<rusqlite::Result<_>>().unwrap()
    }

    #[test]
    fn undo_takes_back_a_whole_tagging_then_the_state_change_before_it() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = crate::store::open_rw(&dir.path().join("hark.db")).unwrap();
        let account = ingest::ensure_account(&conn, "brand", "chirp", "@brand").unwrap();
        let ids = mentions(&mut conn, account, 5);
        set_state(&mut conn, &ids[..2], ItemState::Done, None, ACTOR_USER, 2).unwrap();
        // One item already carries the tag: undo must leave it on.
        crate::store::moderation::set_tag(&mut conn, &ids[4..], "bug", false, "rule", 3).unwrap();
        crate::store::moderation::set_tag(&mut conn, &ids, "bug", false, ACTOR_USER, 4).unwrap();
        assert_eq!(tags_of(&conn, "bug"), ids);

        let undone = undo_last(&mut conn, 5).unwrap().unwrap();
        assert_eq!(undone.tag, Some(("bug".into(), true)));
        assert_eq!(undone.items, ids[..4]);
        assert_eq!(tags_of(&conn, "bug"), ids[4..]);

        // Then the state change before it, as one batch too.
        let undone = undo_last(&mut conn, 6).unwrap().unwrap();
        assert_eq!((undone.tag, undone.was), (None, ItemState::Done));
        assert_eq!(undone.items.len(), 2);

        // A removal undone puts the tag back.
        crate::store::moderation::set_tag(&mut conn, &ids[4..], "bug", true, ACTOR_USER, 7)
            .unwrap();
        assert_eq!(tags_of(&conn, "bug"), Vec::<ItemId>::new());
        let undone = undo_last(&mut conn, 8).unwrap().unwrap();
        assert_eq!(undone.tag, Some(("bug".into(), false)));
        assert_eq!(tags_of(&conn, "bug"), ids[4..]);
    }

    #[test]
    fn undo_finds_the_last_change_without_reading_the_whole_history() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = crate::store::open_rw(&dir.path().join("hark.db")).unwrap();
        let account = ingest::ensure_account(&conn, "brand", "chirp", "@brand").unwrap();
        let ids = mentions(&mut conn, account, 1);
        // A year of history: 30,000 state changes, none of them an undoable batch.
        conn.execute_batch(&format!(
            "WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n WHERE k < 30000)
             INSERT INTO events (item_id, at, kind, actor, from_state, to_state)
             SELECT {}, k, 'state', 'user', 'new', 'open' FROM n;",
            ids[0]
        ))
        .unwrap();
        set_state(&mut conn, &ids, ItemState::Done, None, ACTOR_USER, 2).unwrap();
        let counting = crate::store::budget::Steps::count(&conn);
        let undone = undo_last(&mut conn, 3).unwrap().unwrap();
        let steps = counting.stop(&conn);
        assert_eq!((undone.items, undone.was), (ids, ItemState::Done));
        // Read through every state event, it took about 200 thousand VM steps.
        assert!(steps < 20, "undo took {steps} thousand steps");
    }
}
