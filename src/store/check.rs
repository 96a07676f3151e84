//! Looking at a file before hark uses it as its cache: a directory, a file that is not
//! SQLite, another program's database, or a cache from a newer hark is refused before
//! anything is written (no journal-mode change, no migration).

use std::path::Path;

use rusqlite::Connection;

use super::migrate::latest_version;
use super::{classify, Error, Result};

/// Tables every hark cache has had since schema 1.
const CORE_TABLES: &[&str] = &["accounts", "authors", "items", "events"];

/// How many of a foreign database's table names the error shows.
const NAMES_SHOWN: usize = 4;

/// Refuses a path that is a directory (SQLite only says "disk I/O error" later).
pub fn not_a_directory(path: &Path) -> Result<()> {
    if path.is_dir() {
        return Err(Error::IsDirectory {
            path: path.to_path_buf(),
        });
    }
    Ok(())
}

/// Reads the schema version and table names, and refuses a database that is not a hark
/// cache or is newer than this hark. Only reads. Returns the schema version.
pub fn inspect(conn: &Connection, path: &Path) -> Result<i64> {
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .map_err(|e| classify(e, path))?;
    let tables = table_names(conn).map_err(|e| classify(e, path))?;
    let is_hark = CORE_TABLES.iter().all(|t| tables.iter().any(|n| n == t));
    if !tables.is_empty() && (version == 0 || !is_hark) {
        return Err(Error::Foreign {
            path: path.to_path_buf(),
            tables: summary(&tables),
        });
    }
    if version > latest_version() {
        return Err(Error::TooNew {
            path: path.to_path_buf(),
            found: version,
            known: latest_version(),
        });
    }
    Ok(version)
}

/// Like [`inspect`], for readers, which never migrate: the schema must be this hark's.
pub fn inspect_for_reading(conn: &Connection, path: &Path) -> Result<()> {
    let version = inspect(conn, path)?;
    if version < latest_version() {
        return Err(Error::Outdated {
            path: path.to_path_buf(),
            found: version,
            known: latest_version(),
        });
    }
    Ok(())
}

fn table_names(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
         ORDER BY name",
    )?;
    let names = stmt.query_map([], |row| row.get(0))?;
    names.collect()
}

/// "a, b, c, d and 7 more": enough to recognise the database, never its schema.
fn summary(tables: &[String]) -> String {
    let shown: Vec<String> = tables
        .iter()
        .take(NAMES_SHOWN)
        .map(|t| crate::sanitize::truncate_to_width(&crate::sanitize::inert_line(t), 40))
        .collect();
    let more = tables.len().saturating_sub(NAMES_SHOWN);
    if more > 0 {
        format!("{} and {more} more", shown.join(", "))
    } else {
        shown.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{open_ro, open_rw, DB_FILE};

    fn journal_mode(path: &Path) -> String {
        Connection::open(path)
            .unwrap()
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn another_programs_database_is_refused_untouched_with_a_short_message() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DB_FILE);
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(
                "CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL);
                 CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT);
                 CREATE TABLE items (id INTEGER PRIMARY KEY, sku TEXT);
                 CREATE TABLE notes (x); CREATE TABLE stock (x); CREATE TABLE zones (x);",
            )
            .unwrap();
        }
        let before = std::fs::read(&path).unwrap();
        for err in [open_rw(&path).unwrap_err(), open_ro(&path).unwrap_err()] {
            assert!(matches!(err, Error::Foreign { .. }), "{err}");
            let text = err.to_string();
            assert!(
                text.contains("but not a hark cache (it has tables customers, invoices, items, notes and 2 more)"),
                "{text}"
            );
            assert!(!text.contains("CREATE") && !text.contains("sku"), "{text}");
        }
        assert_eq!(std::fs::read(&path).unwrap(), before);
        assert_eq!(journal_mode(&path), "delete");
        assert!(!dir.path().join("hark.db-wal").exists());
    }

    #[test]
    fn a_foreign_database_with_a_schema_version_is_still_foreign() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DB_FILE);
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch("CREATE TABLE things (x); PRAGMA user_version = 3;")
            .unwrap();
        assert!(matches!(open_rw(&path), Err(Error::Foreign { .. })));
    }

    #[test]
    fn a_directory_is_named_as_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DB_FILE);
        std::fs::create_dir(&path).unwrap();
        for err in [open_rw(&path).unwrap_err(), open_ro(&path).unwrap_err()] {
            assert_eq!(
                err.to_string(),
                format!("{} is a directory, not a hark cache", path.display())
            );
        }
    }

    #[test]
    fn readers_refuse_a_newer_or_an_older_schema() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DB_FILE);
        let conn = open_rw(&path).unwrap();
        open_ro(&path).unwrap();
        conn.pragma_update(None, "user_version", latest_version() + 1)
            .unwrap();
        let err = open_ro(&path).unwrap_err();
        assert!(matches!(err, Error::TooNew { .. }), "{err}");
        assert!(err.to_string().contains("written by a newer hark"), "{err}");
        conn.pragma_update(None, "user_version", latest_version() - 1)
            .unwrap();
        let err = open_ro(&path).unwrap_err();
        assert!(matches!(err, Error::Outdated { .. }), "{err}");
    }

    #[test]
    fn hostile_table_names_are_shown_inert() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DB_FILE);
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch("CREATE TABLE \"a\x1b]0;pwned\x07b\" (x);")
            .unwrap();
        let text = open_rw(&path).unwrap_err().to_string();
        assert!(!text.contains('\x1b') && !text.contains('\x07'), "{text:?}");
    }
}
