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
    include_str!("migrations/019_team_sync.sql"),
];

/// The schema version this hark writes.
pub fn latest_version() -> i64 {
    MIGRATIONS.len() as i64
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
}
