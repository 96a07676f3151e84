//! Bounded work for counts: a list shows its first page at once and a count that stopped
//! at its budget as "at least" ("1,234+"), the exact count following on its own request.
//!
//! SQLite's progress handler interrupts whatever statement runs past the budget; a count
//! steps its rows itself, so an interruption leaves what it counted so far.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rusqlite::{Connection, ErrorCode, Params, Statement};

use super::Result;

/// How much work a count may do before it stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Budget {
    /// Wall time: what the CM would wait.
    Time(Duration),
    /// Thousands of SQLite VM steps: the same cut on every run (tests).
    Steps(u64),
}

/// SQLite calls the handler every this many VM steps.
const PERIOD: i32 = 1_000;

/// Runs `f` under `budget`; returns its answer and whether the budget cut it short.
pub(crate) fn within<T>(
    conn: &Connection,
    budget: Budget,
    f: impl FnOnce() -> Result<T>,
) -> Result<(T, bool)> {
    let cut = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let mut calls = 0u64;
    let flag = cut.clone();
    conn.progress_handler(
        PERIOD,
        Some(move || {
            calls += 1;
            let over = match budget {
                Budget::Time(limit) => started.elapsed() > limit,
                Budget::Steps(thousands) => calls > thousands,
            };
            if over {
                flag.store(true, Ordering::Relaxed);
            }
            over
        }),
    );
    let answer = f();
    conn.progress_handler(0, None::<fn() -> bool>);
    Ok((answer?, cut.load(Ordering::Relaxed)))
}

/// A count of a connection's SQLite VM steps, in thousands: what a test holds a query
/// plan to (the same on every run, unlike time).
#[cfg(test)]
pub(crate) struct Steps(Arc<std::sync::atomic::AtomicU64>);

#[cfg(test)]
impl Steps {
    /// Starts counting `conn`'s steps.
    pub(crate) fn count(conn: &Connection) -> Steps {
        let steps = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let counter = steps.clone();
        conn.progress_handler(
            PERIOD,
            Some(move || {
                counter.fetch_add(1, Ordering::Relaxed);
                false
            }),
        );
        Steps(steps)
    }

    /// Stops counting; the thousands of steps counted.
    pub(crate) fn stop(self, conn: &Connection) -> u64 {
        conn.progress_handler(0, None::<fn() -> bool>);
        self.0.load(Ordering::Relaxed)
    }
}

/// How many thousand VM steps `f` took on `conn`.
#[cfg(test)]
pub(crate) fn thousand_steps<T>(conn: &Connection, f: impl FnOnce() -> T) -> (T, u64) {
    let steps = Steps::count(conn);
    let answer = f();
    (answer, steps.stop(conn))
}

/// Whether `e` is the budget's interruption.
pub(crate) fn interrupted(e: &rusqlite::Error) -> bool {
    e.sqlite_error_code() == Some(ErrorCode::OperationInterrupted)
}

/// How many rows `stmt` yields, or how many it had yielded when the budget ran out.
pub(crate) fn count_rows(stmt: &mut Statement<'_>, params: impl Params) -> Result<u64> {
    let mut rows = match stmt.query(params) {
        Ok(rows) => rows,
        Err(e) if interrupted(&e) => return Ok(0),
        Err(e) => return Err(e.into()),
    };
    let mut n = 0;
    loop {
        match rows.next() {
            Ok(Some(_)) => n += 1,
            Ok(None) => return Ok(n),
            Err(e) if interrupted(&e) => return Ok(n),
            Err(e) => return Err(e.into()),
        }
    }
}
