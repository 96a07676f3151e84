//! The local cache: one SQLite file, the single source of truth.
//!
//! One writer thread owns the read-write connection ([`writer`]); everything else reads
//! through its own read-only connection ([`read`]). WAL lets readers run while the
//! writer commits.

pub mod answered;
pub mod aside;
pub mod bench;
pub mod budget;
pub mod change;
pub mod chat_rooms;
pub mod check;
pub mod escalations;
pub mod events;
pub mod export;
pub mod incidents;
pub mod ingest;
pub mod language;
pub mod lease;
pub mod migrate;
pub mod moderation;
pub mod notifications;
pub mod outbox;
pub mod outbox_read;
pub mod pattern;
#[cfg(test)]
pub mod peek;
pub mod people;
pub mod queue;
pub mod read;
pub mod report;
pub mod rules;
mod search;
pub mod sentiment;
pub mod snooze;
pub mod state;
pub mod team;
pub mod team_join;
pub mod team_parked;
pub mod team_pg;
pub mod team_presence;
pub mod team_sync;
pub mod team_tables;
pub mod thread;
pub mod truth;
pub mod view;
pub mod view_sort;
pub mod writer;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

pub use change::{Change, Changes};
pub use read::Reader;
pub use view::View;
pub use writer::{Notices, Writer, WriterHandle};

/// The cache file's name inside the data directory.
pub const DB_FILE: &str = "hark.db";

/// Store failures, each with what the user can do about it.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the cache at {path} is locked by another program (is another hark running?)")]
    Locked { path: PathBuf },
    #[error("the cache at {path} is damaged: {detail} (move it aside; hark starts a new one)")]
    Corrupt { path: PathBuf, detail: String },
    #[error("{path} is not an SQLite database, so not a hark cache (move it aside or choose another --data-dir)")]
    NotADatabase { path: PathBuf },
    #[error("{path} is a directory, not a hark cache")]
    IsDirectory { path: PathBuf },
    #[error("{path} is an SQLite database but not a hark cache (it has tables {tables}); move it aside or choose another --data-dir")]
    Foreign { path: PathBuf, tables: String },
    #[error(
        "the cache at {path} was written by a newer hark (schema {found}, this hark knows {known})"
    )]
    TooNew {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    #[error(
        "the cache at {path} was written by an older hark (schema {found}, this hark knows {known}): run `hark` or `hark poll --once` once to update it"
    )]
    Outdated {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    /// Not a `#[source]`: the message already carries SQLite's text, and a source would
    /// print it again ("malformed: malformed").
    #[error("database error: {}", sqlite_text(.0))]
    Sqlite(rusqlite::Error),
    #[error("the store's writer has stopped")]
    WriterGone,
    #[error("{0}")]
    Invalid(String),
}

pub type Result<T> = std::result::Result<T, Error>;

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Error {
        Error::Sqlite(e)
    }
}

impl Error {
    /// A lock or a damaged page met in the middle of a job, said about the cache file
    /// rather than as a bare SQLite code.
    pub fn about(self, path: &Path) -> Error {
        match self {
            Error::Sqlite(e) => classify(e, path),
            other => other,
        }
    }
}

/// SQLite's message without the statement it came from: a failed migration would
/// otherwise print the whole schema.
fn sqlite_text(e: &rusqlite::Error) -> String {
    match e {
        rusqlite::Error::SqlInputError { msg, .. } => msg.clone(),
        other => other.to_string(),
    }
}

/// How long a connection waits for a lock held by another connection before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Opens (creating if needed) the read-write connection and brings the schema up to date.
/// A file that is not a hark cache is refused before anything is written to it.
pub fn open_rw(path: &Path) -> Result<Connection> {
    check::not_a_directory(path)?;
    let conn = Connection::open(path).map_err(|e| classify(e, path))?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    check::inspect(&conn, path)?;
    conn.pragma_update(None, "journal_mode", "WAL")
        .map_err(|e| classify(e, path))?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // Index updates on a large cache touch many pages; 20 MB keeps the hot ones.
    conn.pragma_update(None, "cache_size", -20_000)?;
    migrate::migrate(&conn, path)?;
    Ok(conn)
}

/// Opens a read-only connection; the file must exist and be a cache of this hark's
/// schema (readers never migrate, so an older or newer one is refused with what to do).
pub fn open_ro(path: &Path) -> Result<Connection> {
    check::not_a_directory(path)?;
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(|e| classify(e, path))?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.pragma_update(None, "query_only", "ON")?;
    check::inspect_for_reading(&conn, path)?;
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
        Some(ErrorCode::NotADatabase) => Error::NotADatabase {
            path: path.to_path_buf(),
        },
        Some(ErrorCode::DatabaseCorrupt) => Error::Corrupt {
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
        assert!(matches!(err, Error::NotADatabase { .. }), "{err}");
        assert!(
            err.to_string().contains("is not an SQLite database"),
            "{err}"
        );
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
