//! Team mode in the cache: who this machine's CM is, the team's members and moderators,
//! who is away, assignment (with undo and round-robin) and the destructive moderation
//! held for a moderator's approval. Without `[team]` the tables stay empty and every
//! function here says so or does nothing.

use rusqlite::{params, Connection, OptionalExtension};

use super::events::{self, Event, EventKind};
use super::state::{Undone, ACTOR_UNDO, ACTOR_USER};
use super::{Error, Result};
use crate::domain::kinds;
use crate::domain::{ItemId, ItemState, UnixTime};

/// Who assigns items in turn (`[team] auto_assign = "round-robin"`).
pub const ACTOR_ROUND_ROBIN: &str = "round-robin";
/// The `auto_assign` setting that turns round-robin on.
pub const ROUND_ROBIN: &str = "round-robin";

/// Moderation only moderators may do; another CM's waits for one's approval.
pub const DESTRUCTIVE: &[&str] = &[kinds::DELETE, kinds::BLOCK, kinds::REPORT];

/// The `[team]` facts the cache keeps for this machine (written at start-up).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Local {
    pub me: String,
    /// The team's CMs in round-robin order (this CM among them).
    pub members: Vec<String>,
    pub moderators: Vec<String>,
    pub auto_assign: Option<String>,
}

/// Writes this machine's `[team]` facts; `None` (no `[team]`) clears them, so the views
/// and keys of team mode disappear with the section.
pub fn set_local(conn: &mut Connection, local: Option<&Local>) -> Result<()> {
    let tx = conn.transaction()?;
    tx.execute("DELETE FROM team_self", [])?;
    tx.execute("DELETE FROM team_members", [])?;
    if let Some(local) = local {
        tx.execute(
            "INSERT INTO team_self (id, name, auto_assign) VALUES (1, ?, ?)",
            params![local.me, local.auto_assign],
        )?;
        let mut names: Vec<&String> = local.members.iter().collect();
        if !names.contains(&&local.me) {
            names.push(&local.me);
        }
        let mut insert = tx.prepare(
            "INSERT OR IGNORE INTO team_members (name, position, moderator) VALUES (?, ?, ?)",
        )?;
        for (position, name) in names.into_iter().enumerate() {
            let moderator = local.moderators.contains(name);
            insert.execute(params![name, position as i64, moderator])?;
        }
    }
    tx.commit()?;
    Ok(())
}

/// This machine's CM, when team mode is on.
pub fn me(conn: &Connection) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT name FROM team_self WHERE id = 1")?
        .query_row([], |r| r.get(0))
        .optional()?)
}

fn require_me(conn: &Connection) -> Result<String> {
    me(conn)?.ok_or_else(|| {
        Error::Invalid("team mode is off: add a [team] section to config.toml".into())
    })
}

/// Whether `name` is one of `[team] moderators`.
pub fn is_moderator(conn: &Connection, name: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT moderator FROM team_members WHERE name = ?")?
        .query_row([name], |r| r.get(0))
        .optional()?
        .unwrap_or(false))
}

/// The team's CMs in order, each with whether they are away.
pub fn members(conn: &Connection) -> Result<Vec<(String, bool)>> {
    let rows = conn
        .prepare_cached(
            "SELECT m.name, a.name IS NOT NULL FROM team_members m
             LEFT JOIN team_away a ON a.name = m.name ORDER BY m.position",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// Assigns `ids` to `to` (`None` unassigns) as `actor`; returns the items that changed.
/// A CM's assignment is one batch, so `u` undoes it whole.
pub fn assign(
    conn: &mut Connection,
    ids: &[ItemId],
    to: Option<&str>,
    actor: &str,
    now: UnixTime,
) -> Result<Vec<ItemId>> {
    let tx = conn.transaction()?;
    require_me(&tx)?;
    if let Some(name) = to {
        if !is_member(&tx, name)? {
            return Err(Error::Invalid(format!(
                "`{}` is not in [team] members",
                crate::sanitize::inert_line(name)
            )));
        }
    }
    let batch = (actor == ACTOR_USER)
        .then(|| events::next_batch(&tx))
        .transpose()?;
    let changed = assign_in(&tx, ids, to, actor, batch, now)?;
    tx.commit()?;
    Ok(changed)
}

fn is_member(conn: &Connection, name: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM team_members WHERE name = ?")?
        .query_row([name], |_| Ok(()))
        .optional()?
        .is_some())
}

/// Assigns on the caller's transaction: each item whose assignee differs, with its event.
pub fn assign_in(
    conn: &Connection,
    ids: &[ItemId],
    to: Option<&str>,
    actor: &str,
    batch: Option<i64>,
    now: UnixTime,
) -> Result<Vec<ItemId>> {
    let mut current = conn.prepare_cached("SELECT assignee FROM items WHERE id = ?")?;
    let mut update = conn.prepare_cached("UPDATE items SET assignee = ? WHERE id = ?")?;
    let mut changed = Vec::new();
    for &id in ids {
        let Some(from): Option<Option<String>> =
            current.query_row([id], |r| r.get(0)).optional()?
        else {
            continue;
        };
        if from.as_deref() == to {
            continue;
        }
        update.execute(params![to, id])?;
        events::record(
            conn,
            &Event::new(EventKind::Assign, actor, Some(id))
                .batch(batch)
                .detail(serde_json::json!({"to": to, "from": from})),
            now,
        )?;
        changed.push(id);
    }
    Ok(changed)
}

/// Reverts an assignment batch (for [`super::state::undo_last`]); `None` when `batch` is
/// not one. Items reassigned since keep their newer assignee.
pub fn undo_assign(conn: &Connection, batch: i64, now: UnixTime) -> Result<Option<Undone>> {
    let rows: Vec<(ItemId, String)> = conn
        .prepare(
            "SELECT item_id, detail FROM events INDEXED BY events_by_batch
             WHERE batch = ? AND kind = 'assign'",
        )?
        .query_map([batch], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    if rows.is_empty() {
        return Ok(None);
    }
    let mut items = Vec::new();
    let mut assigned = None;
    for (id, detail) in rows {
        let Ok(detail) = serde_json::from_str::<serde_json::Value>(&detail) else {
            continue;
        };
        let to = detail["to"].as_str().map(str::to_string);
        let from = detail["from"].as_str().map(str::to_string);
        let reverted = conn.execute(
            "UPDATE items SET assignee = ?1 WHERE id = ?2 AND assignee IS ?3",
            params![from, id, to],
        )?;
        if reverted == 1 {
            events::record(
                conn,
                &Event::new(EventKind::Assign, ACTOR_UNDO, Some(id))
                    .detail(serde_json::json!({"to": from, "from": to})),
                now,
            )?;
            items.push(id);
        }
        assigned = Some(to);
    }
    Ok(Some(Undone {
        items,
        was: ItemState::Open,
        tag: None,
        assigned,
    }))
}

/// `:away` / `:back`: this CM is away (round-robin skips them) or back. Returns whether it
/// changed anything.
pub fn set_away(conn: &mut Connection, away: bool, now: UnixTime) -> Result<bool> {
    let tx = conn.transaction()?;
    let me = require_me(&tx)?;
    let changed = if away {
        tx.execute(
            "INSERT OR IGNORE INTO team_away (name, since) VALUES (?, ?)",
            params![me, now],
        )?
    } else {
        tx.execute("DELETE FROM team_away WHERE name = ?", [&me])?
    } == 1;
    if changed {
        events::record(
            &tx,
            &Event::new(EventKind::Away, ACTOR_USER, None)
                .detail(serde_json::json!({"away": away})),
            now,
        )?;
    }
    tx.commit()?;
    Ok(changed)
}

/// Round-robin (`[team] auto_assign = "round-robin"`): each of the new `ids` that needs a
/// reply and has no assignee yet (a rule may have given it one) goes to the next CM after
/// the last one round-robin chose, skipping CMs who are away. Runs in the ingest's
/// transaction; returns how many it assigned.
pub fn round_robin(conn: &Connection, ids: &[ItemId], now: UnixTime) -> Result<usize> {
    let on: Option<Option<String>> = conn
        .prepare_cached("SELECT auto_assign FROM team_self WHERE id = 1")?
        .query_row([], |r| r.get(0))
        .optional()?;
    if on.flatten().as_deref() != Some(ROUND_ROBIN) || ids.is_empty() {
        return Ok(0);
    }
    let present: Vec<String> = members(conn)?
        .into_iter()
        .filter(|(_, away)| !away)
        .map(|(name, _)| name)
        .collect();
    if present.is_empty() {
        return Ok(0);
    }
    let all: Vec<String> = members(conn)?.into_iter().map(|(n, _)| n).collect();
    let mut last: Option<String> = conn
        .prepare_cached(
            "SELECT json_extract(detail, '$.to') FROM events
             WHERE kind = 'assign' AND actor = ?1 ORDER BY at DESC, id DESC LIMIT 1",
        )?
        .query_row([ACTOR_ROUND_ROBIN], |r| r.get(0))
        .optional()?
        .flatten();
    let mut wanted = conn.prepare_cached(
        "SELECT 1 FROM items WHERE id = ? AND needs_reply = 1 AND assignee IS NULL
           AND state IN ('new', 'open') AND kind != 'post'",
    )?;
    let mut assigned = 0;
    for &id in ids {
        if wanted.query_row([id], |_| Ok(())).optional()?.is_none() {
            continue;
        }
        let next = next_after(&all, &present, last.as_deref());
        assign_in(conn, &[id], Some(&next), ACTOR_ROUND_ROBIN, None, now)?;
        last = Some(next);
        assigned += 1;
    }
    Ok(assigned)
}

/// The first CM in `present` after `last` in the team's order (`all`), wrapping around.
fn next_after(all: &[String], present: &[String], last: Option<&str>) -> String {
    let start = last
        .and_then(|l| all.iter().position(|n| n == l))
        .map_or(0, |i| i + 1);
    (0..all.len())
        .map(|k| &all[(start + k) % all.len()])
        .find(|n| present.contains(n))
        .unwrap_or(&present[0])
        .clone()
}

/// Whether this machine's CM must ask a moderator before `kind` is sent.
pub fn must_hold(conn: &Connection, kind: &str) -> Result<bool> {
    if !DESTRUCTIVE.contains(&kind) {
        return Ok(false);
    }
    Ok(match me(conn)? {
        Some(me) => !is_moderator(conn, &me)?,
        None => false,
    })
}

/// Holds `kind` on `ids` for a moderator's approval (no outbox row yet); returns how many
/// were held. An item with the same action already waiting is not held twice.
pub fn hold(
    conn: &mut Connection,
    ids: &[ItemId],
    kind: &str,
    payload: &serde_json::Value,
    now: UnixTime,
) -> Result<usize> {
    let tx = conn.transaction()?;
    let me = require_me(&tx)?;
    let mut held = 0;
    for &id in ids {
        let exists: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM items WHERE id = ?1)
                AND NOT EXISTS (SELECT 1 FROM approvals
                                WHERE item_id = ?1 AND kind = ?2 AND state = 'pending')",
            params![id, kind],
            |r| r.get(0),
        )?;
        if !exists {
            continue;
        }
        tx.execute(
            "INSERT INTO approvals (item_id, kind, payload, requested_by, requested_at)
             VALUES (?, ?, ?, ?, ?)",
            params![id, kind, payload.to_string(), me, now],
        )?;
        events::record(
            &tx,
            &Event::new(EventKind::Approval, ACTOR_USER, Some(id))
                .detail(serde_json::json!({"action": kind, "op": "asked"})),
            now,
        )?;
        held += 1;
    }
    tx.commit()?;
    Ok(held)
}

/// A moderator approves (the actions go to the outbox, with who asked and who approved)
/// or rejects the actions waiting on `ids`. Returns how many were decided.
pub fn decide(
    conn: &mut Connection,
    ids: &[ItemId],
    approve: bool,
    now: UnixTime,
) -> Result<usize> {
    let tx = conn.transaction()?;
    let me = require_me(&tx)?;
    if !is_moderator(&tx, &me)? {
        return Err(Error::Invalid(format!(
            "only moderators approve or reject ({me} is not in [team] moderators)"
        )));
    }
    let batch = events::next_batch(&tx)?;
    let mut decided = 0;
    for &id in ids {
        let waiting: Vec<(i64, String, String, String)> = tx
            .prepare_cached(
                "SELECT id, kind, payload, requested_by FROM approvals
                 WHERE item_id = ? AND state = 'pending' ORDER BY id",
            )?
            .query_map([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
            .collect::<rusqlite::Result<_>>()?;
        for (approval, kind, payload, asked_by) in waiting {
            let outbox = if approve {
                let payload: serde_json::Value = serde_json::from_str(&payload).unwrap_or_default();
                let outbox = super::moderation::queue_in(
                    &tx,
                    id,
                    &kind,
                    &payload,
                    ACTOR_USER,
                    Some(batch),
                    now,
                )?;
                if let Some(outbox) = outbox {
                    // The row is the asker's action, let go by this moderator.
                    tx.execute(
                        "UPDATE outbox SET cm = ?, approved_by = ? WHERE id = ?",
                        params![asked_by, me, outbox],
                    )?;
                }
                outbox
            } else {
                None
            };
            tx.execute(
                "UPDATE approvals SET state = ?, decided_by = ?, decided_at = ?, outbox_id = ?
                 WHERE id = ?",
                params![
                    if approve { "approved" } else { "rejected" },
                    me,
                    now,
                    outbox,
                    approval
                ],
            )?;
            events::record(
                &tx,
                &Event::new(EventKind::Approval, ACTOR_USER, Some(id)).detail(serde_json::json!({
                    "action": kind,
                    "op": if approve { "approved" } else { "rejected" },
                    "asked_by": asked_by,
                })),
                now,
            )?;
            decided += 1;
        }
    }
    tx.commit()?;
    Ok(decided)
}

/// An action waiting for a moderator, as the item pane shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiting {
    pub kind: String,
    pub requested_by: String,
    pub requested_at: UnixTime,
}

/// The actions on `item` waiting for a moderator.
pub fn waiting(conn: &Connection, item: ItemId) -> Result<Vec<Waiting>> {
    let rows = conn
        .prepare_cached(
            "SELECT kind, requested_by, requested_at FROM approvals
             WHERE item_id = ? AND state = 'pending' ORDER BY id",
        )?
        .query_map([item], |r| {
            Ok(Waiting {
                kind: r.get(0)?,
                requested_by: r.get(1)?,
                requested_at: r.get(2)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::command::{Command, Done};
    use crate::domain::{ItemKind, NewAuthor, NewItem};
    use crate::store::ingest::{self, Incoming};

    /// An item of `kind` by one fan, the nth (the team's tests share it).
    pub(crate) fn incoming(n: usize, kind: ItemKind) -> Incoming {
        Incoming::from(NewItem {
            external_id: format!("x{n}"),
            kind,
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
            created_at: 1_000 + n as i64,
            raw_json: None,
            room: None,
        })
    }

    fn team(me: &str, auto: Option<&str>) -> Local {
        Local {
            me: me.into(),
            members: vec!["ana".into(), "ben".into(), "sam".into()],
            moderators: vec!["ana".into()],
            auto_assign: auto.map(str::to_string),
        }
    }

    fn cache(local: Option<Local>) -> (tempfile::TempDir, Connection, i64) {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = crate::store::open_rw(&dir.path().join("hark.db")).unwrap();
        set_local(&mut conn, local.as_ref()).unwrap();
        let account = ingest::ensure_account(&conn, "brand", "chirp", "@brand").unwrap();
        (dir, conn, account)
    }

    fn assignees(conn: &Connection) -> Vec<Option<String>> {
        conn.prepare("SELECT assignee FROM items ORDER BY id")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    }

    fn run(conn: &mut Connection, command: Command) -> Result<Done> {
        command.apply(conn, 50)
    }

    /// Cut off from the team, the status bar counts the replies waiting for it; reached
    /// again, the line goes.
    #[test]
    fn replies_wait_for_the_team_only_while_it_is_out_of_reach() {
        let (_dir, mut conn, account) = cache(Some(team("sam", None)));
        let items: Vec<Incoming> = (0..2).map(|n| incoming(n, ItemKind::Mention)).collect();
        let ids = ingest::ingest(&mut conn, account, &items, None, 1)
            .unwrap()
            .inserted;
        for id in ids {
            let reply = Command::QueueReply {
                item_id: id,
                text: "on it".into(),
                replaces: None,
            };
            run(&mut conn, reply).unwrap();
        }
        let waiting = |c: &Connection| crate::store::outbox_read::waiting_for_team(c).unwrap();
        assert_eq!(waiting(&conn), None, "never cut off: no line");
        crate::store::team_sync::set_link(&conn, false, 60).unwrap();
        assert_eq!(waiting(&conn), Some(2));
        crate::store::team_sync::set_link(&conn, true, 70).unwrap();
        assert_eq!(waiting(&conn), None);
    }

    #[test]
    fn assigning_marks_is_one_batch_that_u_undoes_and_says_who_did_it() {
        let (_dir, mut conn, account) = cache(Some(team("sam", None)));
        let items: Vec<Incoming> = (0..3).map(|n| incoming(n, ItemKind::Mention)).collect();
        let ids = ingest::ingest(&mut conn, account, &items, None, 1)
            .unwrap()
            .inserted;
        run(
            &mut conn,
            Command::Assign {
                ids: vec![ids[0]],
                to: Some("ben".into()),
            },
        )
        .unwrap();
        let done = run(
            &mut conn,
            Command::Assign {
                ids: ids.clone(),
                to: Some("ana".into()),
            },
        )
        .unwrap();
        assert_eq!(
            done,
            Done::Assigned {
                count: 3,
                to: Some("ana".into())
            }
        );
        assert_eq!(assignees(&conn), vec![Some("ana".to_string()); 3]);
        let who: Vec<(String, Option<String>)> = conn
            .prepare("SELECT actor, cm FROM events WHERE kind = 'assign' ORDER BY id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert!(
            who.iter()
                .all(|(a, cm)| a == "user" && cm.as_deref() == Some("sam")),
            "{who:?}"
        );

        // u takes the whole batch back: ben's item to ben, the others to no one.
        let undone = run(&mut conn, Command::Undo).unwrap();
        let Done::Undone(Some(undone)) = undone else {
            panic!("{undone:?}")
        };
        assert_eq!(undone.assigned, Some(Some("ana".into())));
        assert_eq!(undone.items.len(), 3);
        assert_eq!(assignees(&conn), vec![Some("ben".into()), None, None]);

        // Unassigning is an assignment to no one.
        run(
            &mut conn,
            Command::Assign {
                ids: vec![ids[0]],
                to: None,
            },
        )
        .unwrap();
        assert_eq!(assignees(&conn), vec![None, None, None]);
    }

    #[test]
    fn a_stranger_or_no_team_is_refused_with_the_reason() {
        let (_dir, mut conn, account) = cache(Some(team("sam", None)));
        let ids = ingest::ingest(
            &mut conn,
            account,
            &[incoming(0, ItemKind::Mention)],
            None,
            1,
        )
        .unwrap()
        .inserted;
        let err = run(
            &mut conn,
            Command::Assign {
                ids: ids.clone(),
                to: Some("zoe".into()),
            },
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("`zoe` is not in [team] members"),
            "{err}"
        );
        set_local(&mut conn, None).unwrap();
        let err = run(
            &mut conn,
            Command::Assign {
                ids,
                to: Some("ana".into()),
            },
        )
        .unwrap_err();
        assert!(err.to_string().contains("team mode is off"), "{err}");
        assert!(run(&mut conn, Command::SetAway { away: true }).is_err());
    }

    #[test]
    fn round_robin_takes_turns_skipping_the_cm_who_is_away_and_items_owing_nothing() {
        let (_dir, mut conn, account) = cache(Some(team("ben", Some(ROUND_ROBIN))));
        assert_eq!(
            run(&mut conn, Command::SetAway { away: true }).unwrap(),
            Done::Away {
                away: true,
                changed: true
            }
        );
        let pipeline = crate::ingest::Pipeline::default();
        // A post owes no answer; a comment without a question neither.
        let mut page: Vec<Incoming> = (0..4).map(|n| incoming(n, ItemKind::Mention)).collect();
        page.push(incoming(4, ItemKind::Post));
        page.push(incoming(5, ItemKind::Comment));
        pipeline.store(&mut conn, account, &page, None, 10).unwrap();
        assert_eq!(
            assignees(&conn),
            [
                Some("ana"),
                Some("sam"),
                Some("ana"),
                Some("sam"),
                None,
                None
            ]
            .map(|n| n.map(str::to_string))
        );
        // The turn carries over to the next page; back from away, ben takes his turns.
        run(&mut conn, Command::SetAway { away: false }).unwrap();
        let next: Vec<Incoming> = (6..9).map(|n| incoming(n, ItemKind::Dm)).collect();
        pipeline.store(&mut conn, account, &next, None, 20).unwrap();
        assert_eq!(
            assignees(&conn)[6..],
            [Some("ana"), Some("ben"), Some("sam")].map(|n| n.map(str::to_string))
        );
    }

    #[test]
    fn without_auto_assign_or_team_new_items_stay_unassigned() {
        for local in [None, Some(team("sam", None))] {
            let (_dir, mut conn, account) = cache(local);
            let page = [incoming(0, ItemKind::Mention)];
            crate::ingest::Pipeline::default()
                .store(&mut conn, account, &page, None, 10)
                .unwrap();
            assert_eq!(assignees(&conn), vec![None]);
        }
    }

    #[test]
    fn next_after_wraps_and_skips() {
        let all: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
        let present: Vec<String> = ["a", "c"].map(String::from).to_vec();
        assert_eq!(next_after(&all, &present, None), "a");
        assert_eq!(next_after(&all, &present, Some("a")), "c");
        assert_eq!(next_after(&all, &present, Some("c")), "a");
        // A CM no longer in the team: start again at the top.
        assert_eq!(next_after(&all, &present, Some("gone")), "a");
    }
}
