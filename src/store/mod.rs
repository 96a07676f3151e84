//! The local cache: one SQLite file, the single source of truth.
//!
//! One writer thread owns the read-write connection ([`writer`]); everything else reads
//! through its own read-only connection ([`read`]). WAL lets readers run while the
//! writer commits.

pub mod ingest;
pub mod migrate;
pub mod moderation;
pub mod read;
mod search;
pub mod sentiment;
pub mod state;
pub mod thread;
pub mod view;
pub mod writer;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

pub use read::Reader;
pub use view::View;
pub use writer::{Writer, WriterHandle};

/// The cache file's name inside the data directory.
pub const DB_FILE: &str = "hark.db";

/// Store failures, each with what the user can do about it.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the cache at {path} is locked by another program (is another hark running?)")]
    Locked { path: PathBuf },
    #[error("the cache at {path} is damaged or not a hark database: {detail}")]
    Corrupt { path: PathBuf, detail: String },
    #[error(
        "the cache at {path} was written by a newer hark (schema {found}, this hark knows {known})"
    )]
    TooNew {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("the store's writer has stopped")]
    WriterGone,
    #[error("{0}")]
    Invalid(String),
}

pub type Result<T> = std::result::Result<T, Error>;

/// How long a connection waits for a lock held by another connection before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Opens (creating if needed) the read-write connection and brings the schema up to date.
pub fn open_rw(path: &Path) -> Result<Connection> {
    let conn = Connection::open(path).map_err(|e| classify(e, path))?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.pragma_update(None, "journal_mode", "WAL")
        .map_err(|e| classify(e, path))?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // Index updates on a large cache touch many pages; 20 MB keeps the hot ones.
    conn.pragma_update(None, "cache_size", -20_000)?;
    migrate::migrate(&conn, path)?;
    Ok(conn)
}

/// Opens a read-only connection; the file must exist and be migrated.
pub fn open_ro(path: &Path) -> Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(|e| classify(e, path))?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.pragma_update(None, "query_only", "ON")?;
    // Enough page cache for the visible window and the counts, within the memory budget.
    conn.pragma_update(None, "cache_size", -8_000)?;
    Ok(conn)
}

/// Turns SQLite's codes into errors that say what happened to the user's file.
pub(crate) fn classify(e: rusqlite::Error, path: &Path) -> Error {
    use rusqlite::ErrorCode;
    match e.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy) | Some(ErrorCode::DatabaseLocked) => Error::Locked {
            path: path.to_path_buf(),
        },
        Some(ErrorCode::DatabaseCorrupt) | Some(ErrorCode::NotADatabase) => Error::Corrupt {
            path: path.to_path_buf(),
            detail: e.to_string(),
        },
        _ => Error::Sqlite(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_that_is_not_a_database_gives_a_clear_error_and_is_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DB_FILE);
        std::fs::write(&path, b"this is my shopping list, not a database, sorry").unwrap();
        let err = open_rw(&path).unwrap_err();
        assert!(matches!(err, Error::Corrupt { .. }), "{err}");
        assert!(err.to_string().contains("damaged or not a hark database"));
        assert_eq!(
            std::fs::read(&path).unwrap(),
            b"this is my shopping list, not a database, sorry"
        );
    }

    #[test]
    fn a_locked_database_is_reported_as_locked() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DB_FILE);
        open_rw(&path).unwrap();
        let holder = Connection::open(&path).unwrap();
        holder
            .execute_batch("PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE;")
            .unwrap();
        let conn = Connection::open(&path).unwrap();
        conn.busy_timeout(Duration::from_millis(50)).unwrap();
        let err = conn
            .execute(
                "INSERT INTO accounts (name, platform) VALUES ('x', 'demo')",
                [],
            )
            .unwrap_err();
        assert!(matches!(classify(err, &path), Error::Locked { .. }));
    }
}
