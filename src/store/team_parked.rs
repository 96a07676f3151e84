//! Team changes this cache cannot apply yet: they refer to a row it has not received (an
//! item whose account reaches it later). The follow mark moves past them; they wait here
//! and [`super::team_sync::apply`] retries them, in sequence order, once the row they
//! wait for arrives. A change waits at most [`MAX_WAIT`] of the team's time.

use rusqlite::{params, Connection, OptionalExtension};

use super::team_sync::Incoming;
use super::Result;

/// How long, in the team's clock, a change may wait for the row it refers to. Past it the
/// row is taken never to come (it was deleted in the team before it reached this cache,
/// or its change was lost by an older hark) and the change is given up, with a warning.
pub const MAX_WAIT: i64 = 30 * 24 * 3600;

/// True when any change waits (one indexed query: the common case costs no more).
pub fn any(conn: &Connection) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM team_parked)")?
        .query_row([], |r| r.get(0))?)
}

/// How many changes wait; 0 for a cache older than the table (read-only callers do not
/// migrate it).
pub fn count(conn: &Connection) -> Result<i64> {
    let known: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'team_parked')",
        [],
        |r| r.get(0),
    )?;
    if !known {
        return Ok(0);
    }
    Ok(conn.query_row("SELECT count(*) FROM team_parked", [], |r| r.get(0))?)
}

/// True when a change of row `key` of `table` older than `before` waits (`None`: any).
pub fn holds(conn: &Connection, table: &str, key: &str, before: Option<i64>) -> Result<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT 1 FROM team_parked WHERE tbl = ?1 AND key = ?2 AND (?3 IS NULL OR seq < ?3)
             LIMIT 1",
        )?
        .query_row(params![table, key, before], |_| Ok(()))
        .optional()?
        .is_some())
}

/// Keeps `change` until row `key` of `table` arrives (again: with what it waits for now).
pub fn park(conn: &Connection, change: &Incoming, table: &str, key: &str, now: i64) -> Result<()> {
    let json = serde_json::to_string(change).map_err(|e| super::Error::Invalid(e.to_string()))?;
    conn.prepare_cached(
        "INSERT INTO team_parked (seq, tbl, key, waits, waits_key, at, parked_at, change)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (seq) DO UPDATE SET waits = ?4, waits_key = ?5",
    )?
    .execute(params![
        change.seq, change.tbl, change.key, table, key, change.at, now, json
    ])?;
    Ok(())
}

/// The changes waiting for one of `rows` (table, team name), in sequence order.
pub fn waiting_for(conn: &Connection, rows: &[(&str, &str)]) -> Result<Vec<Incoming>> {
    let rows = serde_json::to_string(rows).map_err(|e| super::Error::Invalid(e.to_string()))?;
    let mut stmt = conn.prepare_cached(
        "SELECT DISTINCT p.seq, p.change
         FROM json_each(?1) AS r
         JOIN team_parked AS p ON p.waits = r.value ->> 0 AND p.waits_key = r.value ->> 1
         ORDER BY p.seq",
    )?;
    let found = stmt
        .query_map([rows], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut out = Vec::with_capacity(found.len());
    for (seq, json) in found {
        match serde_json::from_str::<Incoming>(&json) {
            Ok(change) => out.push(change),
            Err(e) => {
                // Only this hark writes the table; a row it cannot read never will be.
                tracing::warn!(seq, error = %e, "team: a waiting change cannot be read; it is dropped");
                unpark(conn, seq)?;
            }
        }
    }
    Ok(out)
}

/// The change `seq` waits no more.
pub fn unpark(conn: &Connection, seq: i64) -> Result<()> {
    conn.prepare_cached("DELETE FROM team_parked WHERE seq = ?")?
        .execute([seq])?;
    Ok(())
}

/// A change given up after [`MAX_WAIT`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GivenUp {
    pub seq: i64,
    pub tbl: String,
    pub key: String,
    /// The table of the row it waited for.
    pub waits: String,
    pub at: i64,
}

/// Gives up the changes committed more than [`MAX_WAIT`] before `team_now` (the team's
/// clock: every cache gives up the same changes, however long it was offline).
pub fn expire(conn: &Connection, team_now: i64) -> Result<Vec<GivenUp>> {
    let mut stmt = conn.prepare_cached(
        "DELETE FROM team_parked WHERE at < ?1 RETURNING seq, tbl, key, waits, at",
    )?;
    let mut gone = stmt
        .query_map([team_now.saturating_sub(MAX_WAIT)], |r| {
            Ok(GivenUp {
                seq: r.get(0)?,
                tbl: r.get(1)?,
                key: r.get(2)?,
                waits: r.get(3)?,
                at: r.get(4)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    gone.sort_by_key(|g| g.seq);
    Ok(gone)
}

#[cfg(test)]
mod tests {
    use rusqlite::Connection;

    use super::*;
    use crate::store::team_sync::{apply, last_seq, pending, Applied, Namer, Schema};
    use crate::store::team_tables::synced;

    use crate::store::team_sync::test_cache as cache;

    /// Another CM's machine: it polls `brand` and the team learns its writes, as changes
    /// numbered from 1 in the order it made them.
    struct Sender {
        _dir: tempfile::TempDir,
        conn: Connection,
        schema: Schema,
        seq: i64,
    }

    impl Sender {
        fn new() -> Sender {
            let (_dir, conn, schema) = cache();
            Sender {
                _dir,
                conn,
                schema,
                seq: 0,
            }
        }

        fn poll(&mut self, external_id: &str, author: &str) {
            use crate::domain::{ItemKind, NewAuthor, NewItem};
            let conn = &mut self.conn;
            let account =
                crate::store::ingest::ensure_account(conn, "brand", "chirp", "@b").unwrap();
            let item = NewItem {
                external_id: external_id.into(),
                kind: ItemKind::Mention,
                parent_external_id: None,
                thread_external_id: None,
                author: NewAuthor {
                    external_id: author.into(),
                    handle: format!("@{author}"),
                    display_name: author.to_uppercase(),
                    followers: None,
                },
                body: format!("hello from {author}"),
                url: None,
                created_at: 5,
                raw_json: None,
                room: None,
            };
            crate::store::ingest::ingest(conn, account, &[item.into()], None, 10).unwrap();
        }

        /// Its captured writes in the team's terms, as the team numbers them.
        fn changes(&mut self) -> Vec<Incoming> {
            let namer = Namer {
                conn: &self.conn,
                schema: &self.schema,
                machine: "ana-laptop",
            };
            let mut out = Vec::new();
            for p in pending(&self.conn, 1000).unwrap() {
                let Some(spec) = synced(&p.tbl) else { continue };
                let row = p.new.as_ref().or(p.old.as_ref()).unwrap();
                let (key, fields) = namer.team_row(spec, row).unwrap().unwrap();
                let changed: Vec<String> = match &p.old {
                    Some(before) if p.new.is_some() => {
                        let (_, before) = namer.team_row(spec, before).unwrap().unwrap();
                        fields
                            .iter()
                            .filter(|(k, v)| before.get(*k) != Some(v))
                            .map(|(k, _)| k.clone())
                            .collect()
                    }
                    _ => fields.keys().cloned().collect(),
                };
                if changed.is_empty() {
                    continue;
                }
                self.seq += 1;
                out.push(Incoming {
                    seq: self.seq,
                    tbl: p.tbl.clone(),
                    key,
                    fields,
                    changed,
                    deleted: p.new.is_none(),
                    conflicts: Vec::new(),
                    at: 1_000_000 + self.seq,
                    elsewhere: true,
                });
            }
            self.conn.execute("DELETE FROM team_pending", []).unwrap();
            out
        }
    }

    fn of<'a>(changes: &'a [Incoming], table: &str) -> Vec<&'a Incoming> {
        changes.iter().filter(|c| c.tbl == table).collect()
    }

    fn sam_applies(conn: &mut Connection, schema: &Schema, changes: &[&Incoming]) -> Applied {
        let owned: Vec<Incoming> = changes.iter().map(|c| (*c).clone()).collect();
        apply(conn, schema, "sam-laptop", &owned).unwrap()
    }

    fn item(conn: &Connection, external_id: &str) -> Option<(String, String, String, String)> {
        conn.query_row(
            "SELECT a.name, au.handle, i.body, i.state FROM items i
             JOIN accounts a ON a.id = i.account_id JOIN authors au ON au.id = i.author_id
             WHERE i.external_id = ?",
            [external_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()
        .unwrap()
    }

    #[test]
    fn an_item_before_its_account_waits_and_both_are_there_once_the_account_arrives() {
        let mut ana = Sender::new();
        ana.poll("x1", "fan");
        let team = ana.changes();
        let (_dir, mut sam, schema) = cache();
        let (accounts, authors, items) = (
            of(&team, "accounts"),
            of(&team, "authors"),
            of(&team, "items"),
        );
        assert_eq!((accounts.len(), authors.len(), items.len()), (1, 1, 1));

        // The item (and its author) reach sam's cache before the account.
        let first = sam_applies(&mut sam, &schema, &[authors[0], items[0]]);
        assert_eq!((first.rows, first.parked, first.skipped), (1, 1, 0));
        assert_eq!(
            last_seq(&sam).unwrap(),
            items[0].seq,
            "the sequence is followed"
        );
        assert_eq!(item(&sam, "x1"), None);
        assert_eq!(count(&sam).unwrap(), 1);

        let then = sam_applies(&mut sam, &schema, &[accounts[0]]);
        assert_eq!((then.rows, then.unparked), (1, 1));
        assert_eq!(
            item(&sam, "x1"),
            Some((
                "brand".into(),
                "@fan".into(),
                "hello from fan".into(),
                "new".into()
            ))
        );
        assert_eq!(count(&sam).unwrap(), 0);
        assert_eq!(last_seq(&sam).unwrap(), accounts[0].seq);
    }

    #[test]
    fn a_tag_waits_for_its_item_which_waits_for_its_account() {
        let mut ana = Sender::new();
        ana.poll("x1", "fan");
        ana.conn
            .execute(
                "INSERT INTO tags (item_id, tag, created_at) SELECT id, 'vip', 7 FROM items",
                [],
            )
            .unwrap();
        let team = ana.changes();
        let (_dir, mut sam, schema) = cache();
        let (accounts, authors, items, tags) = (
            of(&team, "accounts"),
            of(&team, "authors"),
            of(&team, "items"),
            of(&team, "tags"),
        );
        // Each in its own batch, backwards: tag, item, author, account.
        for change in [tags[0], items[0], authors[0]] {
            sam_applies(&mut sam, &schema, &[change]);
        }
        assert_eq!(count(&sam).unwrap(), 2);
        let last = sam_applies(&mut sam, &schema, &[accounts[0]]);
        assert_eq!(last.unparked, 2);
        let tag: Option<String> = sam
            .query_row(
                "SELECT t.tag FROM tags t JOIN items i ON i.id = t.item_id WHERE i.external_id = 'x1'",
                [],
                |r| r.get(0),
            )
            .optional()
            .unwrap();
        assert_eq!(tag.as_deref(), Some("vip"));
        assert_eq!(count(&sam).unwrap(), 0);
    }

    #[test]
    fn in_one_batch_an_item_before_its_account_is_there_when_the_batch_ends() {
        let mut ana = Sender::new();
        ana.poll("x1", "fan");
        let team = ana.changes();
        let (_dir, mut sam, schema) = cache();
        let backwards: Vec<&Incoming> = team.iter().rev().collect();
        let done = sam_applies(&mut sam, &schema, &backwards);
        assert_eq!((done.parked, done.unparked), (1, 1));
        assert_eq!(item(&sam, "x1").unwrap().1, "@fan");
        assert_eq!(count(&sam).unwrap(), 0);
    }

    #[test]
    fn a_later_change_of_a_waiting_item_is_applied_after_it() {
        let mut ana = Sender::new();
        ana.poll("x1", "fan");
        let team = ana.changes();
        ana.conn
            .execute(
                "UPDATE items SET state = 'done' WHERE external_id = 'x1'",
                [],
            )
            .unwrap();
        let done = ana.changes();
        assert_eq!(done.len(), 1);
        let (_dir, mut sam, schema) = cache();
        let (accounts, authors, items) = (
            of(&team, "accounts"),
            of(&team, "authors"),
            of(&team, "items"),
        );

        sam_applies(&mut sam, &schema, &[authors[0], items[0]]);
        let update = sam_applies(&mut sam, &schema, &[&done[0]]);
        assert_eq!(update.parked, 1);
        sam_applies(&mut sam, &schema, &[accounts[0]]);
        assert_eq!(item(&sam, "x1").unwrap().3, "done");
        assert_eq!(count(&sam).unwrap(), 0);
    }

    #[test]
    fn a_change_of_a_row_held_here_waits_behind_an_older_change_of_that_row() {
        // sam has the item. ana gives it to an author sam has not received yet and opens
        // it, gives it to another such author and sets it back to new, then marks it done.
        let mut ana = Sender::new();
        ana.poll("x1", "fan");
        let team = ana.changes();
        ana.poll("x2", "critic");
        ana.poll("x4", "newbie");
        for (author, state) in [("@critic", "open"), ("@newbie", "new")] {
            ana.conn
                .execute(
                    "UPDATE items SET state = ?2,
                        author_id = (SELECT id FROM authors WHERE handle = ?1)
                     WHERE external_id = 'x1'",
                    [author, state],
                )
                .unwrap();
        }
        ana.conn
            .execute(
                "UPDATE items SET state = 'done' WHERE external_id = 'x1'",
                [],
            )
            .unwrap();
        ana.poll("x3", "fan");
        let later = ana.changes();
        let (_dir, mut sam, schema) = cache();
        let all: Vec<&Incoming> = team.iter().collect();
        sam_applies(&mut sam, &schema, &all);
        let author = |handle: &str| {
            *of(&later, "authors")
                .iter()
                .find(|c| c.fields["handle"] == handle)
                .unwrap()
        };
        let item_change = |name: &str| -> Vec<&Incoming> {
            of(&later, "items")
                .into_iter()
                .filter(|c| c.key.contains(name))
                .collect()
        };
        let (x1, x3) = (item_change("x1"), item_change("x3"));
        assert_eq!((x1.len(), x3.len()), (3, 1));

        // The updates of x1 come before both authors: the first waits for the critic,
        // the others wait behind it, the last too (sam could apply it), even when another
        // item arriving makes sam look at what waits.
        let waited = sam_applies(&mut sam, &schema, &[x1[0], x1[1], x1[2], x3[0]]);
        assert_eq!(
            item(&sam, "x1").unwrap().3,
            "new",
            "nothing of x1 changes yet"
        );
        // The critic: the first goes; the second now waits for the newbie, the last
        // behind it still.
        sam_applies(&mut sam, &schema, &[author("@critic")]);
        assert_eq!(
            item(&sam, "x1").map(|i| (i.1, i.3)),
            Some(("@critic".into(), "open".into()))
        );
        sam_applies(&mut sam, &schema, &[author("@newbie")]);
        assert_eq!(
            item(&sam, "x1").map(|i| (i.1, i.3)),
            Some(("@newbie".into(), "done".into())),
            "the later state wins"
        );
        assert_eq!((waited.rows, waited.parked), (1, 3));
        assert_eq!(count(&sam).unwrap(), 0);
    }

    #[test]
    fn a_change_for_a_table_this_cache_does_not_know_is_skipped_not_kept() {
        let (_dir, mut sam, schema) = cache();
        let stranger = Incoming {
            seq: 7,
            tbl: "holograms".into(),
            key: "[\"h1\"]".into(),
            fields: serde_json::Map::new(),
            changed: Vec::new(),
            deleted: false,
            conflicts: Vec::new(),
            at: 1_000_000,
            elsewhere: true,
        };
        let done = apply(&mut sam, &schema, "sam-laptop", &[stranger]).unwrap();
        assert_eq!((done.skipped, done.parked), (1, 0));
        assert_eq!(count(&sam).unwrap(), 0);
        assert_eq!(last_seq(&sam).unwrap(), 7);
    }

    #[test]
    fn in_order_changes_apply_as_before_and_nothing_waits() {
        let mut ana = Sender::new();
        ana.poll("x1", "fan");
        ana.poll("x2", "critic");
        let team = ana.changes();
        let (_dir, mut sam, schema) = cache();
        let all: Vec<&Incoming> = team.iter().collect();
        let done = sam_applies(&mut sam, &schema, &all);
        assert_eq!(
            done,
            Applied {
                rows: team.len(),
                ..Applied::default()
            }
        );
        assert_eq!(count(&sam).unwrap(), 0);
        assert!(item(&sam, "x1").is_some() && item(&sam, "x2").is_some());
        assert_eq!(last_seq(&sam).unwrap(), team.last().unwrap().seq);
    }

    #[test]
    fn a_change_whose_row_never_comes_is_given_up_after_the_bound_and_not_before() {
        let mut ana = Sender::new();
        ana.poll("x1", "fan");
        let team = ana.changes();
        let (_dir, mut sam, schema) = cache();
        let (authors, items) = (of(&team, "authors"), of(&team, "items"));
        sam_applies(&mut sam, &schema, &[authors[0], items[0]]);
        // The team goes on (an unrelated change); the account never comes.
        let later = |seq: i64, at: i64| Incoming {
            seq,
            tbl: "team_away".into(),
            key: format!("[\"cm{seq}\"]"),
            fields: serde_json::json!({"since": 1}).as_object().unwrap().clone(),
            changed: vec!["since".into()],
            deleted: false,
            conflicts: Vec::new(),
            at,
            elsewhere: true,
        };
        let almost = items[0].at + MAX_WAIT;
        let kept = apply(&mut sam, &schema, "sam-laptop", &[later(100, almost)]).unwrap();
        assert_eq!((kept.given_up, count(&sam).unwrap()), (0, 1));
        let past = apply(&mut sam, &schema, "sam-laptop", &[later(101, almost + 1)]).unwrap();
        assert_eq!((past.given_up, count(&sam).unwrap()), (1, 0));
        assert_eq!(item(&sam, "x1"), None);
        assert_eq!(last_seq(&sam).unwrap(), 101);
    }

    #[test]
    fn a_parked_change_survives_as_json_whole() {
        let (_dir, conn, _schema) = cache();
        let change = Incoming {
            seq: 3,
            tbl: "items".into(),
            key: "[\"[\\\"brand\\\"]\",\"x1\"]".into(),
            fields: serde_json::json!({"body": "hé", "followers": 12, "score": 0.5, "url": null})
                .as_object()
                .unwrap()
                .clone(),
            changed: vec!["body".into()],
            deleted: false,
            conflicts: vec![serde_json::json!({"field": "body", "lost": "x"})],
            at: 9,
            elsewhere: true,
        };
        park(&conn, &change, "accounts", "[\"brand\"]", 1).unwrap();
        assert_eq!(
            waiting_for(
                &conn,
                &[("accounts", "[\"brand\"]"), ("accounts", "[\"other\"]")]
            )
            .unwrap(),
            std::slice::from_ref(&change)
        );
        assert!(waiting_for(&conn, &[("authors", "[\"brand\"]")])
            .unwrap()
            .is_empty());
        assert!(waiting_for(&conn, &[("accounts", "[\"other\"]")])
            .unwrap()
            .is_empty());
        assert!(holds(&conn, "items", &change.key, None).unwrap());
        assert!(!holds(&conn, "items", &change.key, Some(3)).unwrap());
    }
}
