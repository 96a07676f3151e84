//! What a fetch sets aside next to its items (issue 14, "nothing missed"): records that
//! could not be read (kept whole), items the platform's own filter held back, and
//! notifications that arrived already older than the connector's look-back window.
//! Written in the ingest's transaction, so they land exactly with the page's cursor.

use rusqlite::{params, Connection, OptionalExtension, Transaction};

use super::ingest::IngestReport;
use super::Result;
use crate::domain::Unreadable;
use crate::domain::{AccountId, ItemId, UnixTime};

/// The page's extras, as the connector reported them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageExtras {
    pub unreadable: Vec<Unreadable>,
    /// `(external id, platform request id)`.
    pub filtered: Vec<(String, String)>,
    pub beyond_lookback: Vec<String>,
    /// Rooms of a chat account (see [`super::chat_rooms`]).
    pub rooms: Vec<crate::domain::ChatRoom>,
    /// `(external id, why)` of items the platform removed.
    pub gone: Vec<(String, String)>,
    /// `(source, record key)` of set-aside records read (or gone) since.
    pub resolved: Vec<(String, String)>,
}

impl PageExtras {
    pub fn is_empty(&self) -> bool {
        self.unreadable.is_empty()
            && self.filtered.is_empty()
            && self.beyond_lookback.is_empty()
            && self.rooms.is_empty()
            && self.gone.is_empty()
            && self.resolved.is_empty()
    }
}

/// Records `extras` for `account_id`; returns how many newly stored items sorted below the
/// look-back (they were stored, but a CM should know the platform delivers such items).
pub fn record(
    tx: &Transaction<'_>,
    account_id: AccountId,
    extras: &PageExtras,
    report: &IngestReport,
    now: UnixTime,
) -> Result<usize> {
    for u in &extras.unreadable {
        // A record without an id is known by its text: the same bad record is kept once.
        let key = u.key.clone().unwrap_or_else(|| u.raw.clone());
        tx.execute(
            "INSERT INTO unreadable (account_id, source, record_key, reason, raw, first_seen_at, last_seen_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)
             ON CONFLICT (account_id, source, record_key) DO UPDATE SET
                 reason = excluded.reason, raw = excluded.raw, last_seen_at = excluded.last_seen_at",
            params![account_id, u.source, key, u.reason, u.raw, now],
        )?;
    }
    for (source, key) in &extras.resolved {
        tx.execute(
            "DELETE FROM unreadable WHERE account_id = ?1 AND source = ?2 AND record_key = ?3",
            params![account_id, source, key],
        )?;
    }
    // Only new items get the mark: once the CM accepted or dismissed a request, a later
    // read of the same post must not put it back.
    for (external_id, request) in &extras.filtered {
        if report.inserted_external.contains(external_id) {
            tx.execute(
                "UPDATE items SET filtered_request = ?3 WHERE account_id = ?1 AND external_id = ?2",
                params![account_id, external_id, request],
            )?;
        }
    }
    super::chat_rooms::record(tx, account_id, &extras.rooms, now)?;
    for (external_id, why) in &extras.gone {
        let item: Option<ItemId> = tx
            .query_row(
                "SELECT id FROM items WHERE account_id = ?1 AND external_id = ?2",
                params![account_id, external_id],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(item) = item {
            super::state::mark_gone(tx, item, why, now)?;
        }
    }
    let older = extras
        .beyond_lookback
        .iter()
        .filter(|id| report.inserted_external.contains(id))
        .count();
    if older > 0 {
        tracing::warn!(
            account = account_id,
            count = older,
            "notifications arrived older than the look-back window"
        );
        tx.execute(
            "UPDATE accounts SET older_than_lookback = older_than_lookback + ?2 WHERE id = ?1",
            params![account_id, older as i64],
        )?;
    }
    Ok(older)
}

/// One set-aside record, for the CM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnreadableRow {
    pub id: i64,
    pub account: String,
    pub source: String,
    pub reason: String,
    pub raw: String,
    pub first_seen_at: UnixTime,
}

/// Every record that could not be read, newest first.
pub fn unreadable(conn: &Connection) -> Result<Vec<UnreadableRow>> {
    let mut stmt = conn.prepare(
        "SELECT u.id, a.name, u.source, u.reason, u.raw, u.first_seen_at
         FROM unreadable u JOIN accounts a ON a.id = u.account_id
         ORDER BY u.first_seen_at DESC, u.id DESC",
    )?;
    let rows = stmt
        .query_map([], |r| {
            Ok(UnreadableRow {
                id: r.get(0)?,
                account: r.get(1)?,
                source: r.get(2)?,
                reason: r.get(3)?,
                raw: r.get(4)?,
                first_seen_at: r.get(5)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// The records for a terminal: one header line each, then the raw text, made inert
/// (it is hostile input by definition).
pub fn render(rows: &[UnreadableRow]) -> String {
    if rows.is_empty() {
        return "no records set aside: every record fetched could be read\n".into();
    }
    let mut out = String::new();
    for row in rows {
        let when = jiff::Timestamp::from_second(row.first_seen_at)
            .map(|t| t.to_string())
            .unwrap_or_default();
        out.push_str(&format!(
            "#{} {} · {} · first seen {}\n  why: {}\n  raw: {}\n",
            row.id,
            crate::sanitize::inert_line(&row.account),
            row.source,
            when,
            crate::sanitize::inert_line(&row.reason),
            crate::sanitize::inert_line(&row.raw),
        ));
    }
    out
}

/// How many records could not be read, and how many notifications arrived older than
/// the look-back, over all accounts (the status bar).
pub fn counts(conn: &Connection) -> Result<(u64, u64)> {
    let unreadable: i64 = conn.query_row("SELECT count(*) FROM unreadable", [], |r| r.get(0))?;
    let older: i64 = conn.query_row(
        "SELECT coalesce(sum(older_than_lookback), 0) FROM accounts",
        [],
        |r| r.get(0),
    )?;
    Ok((unreadable as u64, older as u64))
}

/// The platform request an item is held in, if its platform filtered it.
pub fn filtered_request(conn: &Connection, item: ItemId) -> Result<Option<String>> {
    use rusqlite::OptionalExtension;
    Ok(conn
        .query_row(
            "SELECT filtered_request FROM items WHERE id = ?",
            [item],
            |r| r.get::<_, Option<String>>(0),
        )
        .optional()?
        .flatten())
}

/// Clears the mark once the platform accepted or dismissed the request.
pub fn clear_filtered(conn: &Connection, item: ItemId) -> Result<()> {
    conn.execute(
        "UPDATE items SET filtered_request = NULL WHERE id = ?",
        [item],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_record_is_kept_once_and_shown_inert() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hark.db");
        let mut conn = crate::store::open_rw(&path).unwrap();
        let account = crate::store::ingest::ensure_account(&conn, "m", "mastodon", "@b").unwrap();
        let extras = PageExtras {
            unreadable: vec![Unreadable {
                source: "mastodon notification".into(),
                key: Some("17".into()),
                reason: "missing field `created_at`".into(),
                raw: "{\"id\":\"17\",\"x\":\"\u{1b}[31mred\"}".into(),
            }],
            ..PageExtras::default()
        };
        for now in [10, 20] {
            let tx = conn.transaction().unwrap();
            record(&tx, account, &extras, &IngestReport::default(), now).unwrap();
            tx.commit().unwrap();
        }
        let rows = unreadable(&conn).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].first_seen_at, 10);
        assert_eq!(counts(&conn).unwrap(), (1, 0));
        let text = render(&rows);
        assert!(text.contains("missing field `created_at`"), "{text}");
        assert!(!text.contains('\u{1b}'), "{text}");
    }

    #[test]
    fn a_record_read_later_leaves_the_set_aside_list_and_the_count() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hark.db");
        let mut conn = crate::store::open_rw(&path).unwrap();
        let account = crate::store::ingest::ensure_account(&conn, "m", "matrix", "@b").unwrap();
        let aside = |key: &str| Unreadable {
            source: "matrix event".into(),
            key: Some(key.into()),
            reason: "end-to-end encrypted: waiting for the room key".into(),
            raw: "{}".into(),
        };
        let steps = [
            PageExtras {
                unreadable: vec![aside("$a"), aside("$b")],
                ..PageExtras::default()
            },
            PageExtras {
                resolved: vec![("matrix event".into(), "$a".into())],
                ..PageExtras::default()
            },
        ];
        for extras in &steps {
            let tx = conn.transaction().unwrap();
            record(&tx, account, extras, &IngestReport::default(), 10).unwrap();
            tx.commit().unwrap();
        }
        assert_eq!(counts(&conn).unwrap(), (1, 0), "only $b still waits");
    }

    #[test]
    fn an_item_the_platform_says_is_gone_is_marked_once_and_unknown_ids_are_ignored() {
        use crate::domain::{ItemKind, NewAuthor, NewItem};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hark.db");
        let mut conn = crate::store::open_rw(&path).unwrap();
        let account = crate::store::ingest::ensure_account(&conn, "m", "matrix", "@b").unwrap();
        let item = NewItem {
            external_id: "$spam".into(),
            kind: ItemKind::Mention,
            parent_external_id: None,
            thread_external_id: None,
            author: NewAuthor {
                external_id: "@s:ex.org".into(),
                handle: "@s:ex.org".into(),
                display_name: String::new(),
                followers: None,
            },
            body: "cheap watches".into(),
            url: None,
            created_at: 5,
            raw_json: None,
            room: None,
        };
        crate::store::ingest::ingest(&mut conn, account, &[item.into()], None, 5).unwrap();
        let extras = PageExtras {
            gone: vec![
                (
                    "$spam".into(),
                    "the message was removed by @mod:ex.org".into(),
                ),
                (
                    "$never-stored".into(),
                    "the message was removed by @x:ex.org".into(),
                ),
            ],
            ..PageExtras::default()
        };
        for now in [10, 20] {
            let tx = conn.transaction().unwrap();
            record(&tx, account, &extras, &IngestReport::default(), now).unwrap();
            tx.commit().unwrap();
        }
        let gone: (Option<i64>, i64) = conn
            .query_row(
                "SELECT (SELECT gone_at FROM items WHERE external_id = '$spam'),
                        (SELECT count(*) FROM events WHERE kind = 'gone')",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!(gone, (Some(10), 1), "marked at the first, logged once");
    }
}
