//! One tokio task per account: fetch, store, wait, repeat.
//!
//! A page's items and the cursor after them are stored in one transaction, so a crash
//! never skips items. Errors back off exponentially with jitter; a rate limit waits as
//! long as the platform asks. Every change of status goes to the UI (or `hark poll`).

mod config;

pub use config::PollConfig;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;

use crate::backoff::{Backoff, Jitter};
use crate::domain::{now, AccountId, UnixTime};
use crate::ingest::Pipeline;
use crate::platform::{Connector, PlatformError};
use crate::store::aside::PageExtras;
use crate::store::{ingest, WriterHandle};

/// The most items stored in one write transaction.
const INGEST_CHUNK: usize = 2_000;

/// What an account's poller is doing, for the status bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PollStatus {
    Starting,
    Polling,
    /// The last poll succeeded at this time.
    Ok {
        at: UnixTime,
    },
    /// The last poll failed; the next try is at `retry_at`.
    Error {
        message: String,
        retry_at: UnixTime,
    },
    /// The platform asked us to wait until this time.
    RateLimited {
        until: UnixTime,
    },
}

/// A status change of one account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusUpdate {
    pub account: String,
    pub status: PollStatus,
    /// Items newly stored by this poll (for "3 new" in the status bar).
    pub new_items: usize,
    /// The platform's request budget (remaining, limit), where it reports one.
    pub budget: Option<(u32, u32)>,
    /// Something to say once (see [`Connector::take_notice`]).
    pub notice: Option<String>,
}

/// Timing of one poller.
#[derive(Debug, Clone, Copy)]
pub struct Schedule {
    pub interval: Duration,
    pub base_backoff: Duration,
    pub max_backoff: Duration,
}

impl Schedule {
    /// The delay before retry number `failures` (1 = first retry): doubling from
    /// `base_backoff` up to `max_backoff`, with equal jitter so many accounts failing
    /// together do not retry in lockstep. `roll` is a number in [0, 1).
    pub fn retry_delay(&self, failures: u32, roll: f64) -> Duration {
        Backoff {
            base: self.base_backoff,
            cap: self.max_backoff,
            jitter: Jitter::Equal,
        }
        .delay(failures, roll)
    }
}

/// One account's poller.
pub struct Poller {
    pub account_id: AccountId,
    pub account: String,
    pub connector: Arc<dyn Connector>,
    pub writer: WriterHandle,
    pub pipeline: Arc<Pipeline>,
    pub schedule: Schedule,
    pub status: mpsc::UnboundedSender<StatusUpdate>,
}

/// The outcome of one poll round.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoundError {
    Platform(PlatformError),
    Store(String),
}

impl std::fmt::Display for RoundError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RoundError::Platform(e) => write!(f, "{e}"),
            RoundError::Store(e) => write!(f, "cannot store: {e}"),
        }
    }
}

impl Poller {
    fn report(&self, status: PollStatus, new_items: usize) {
        let _ = self.status.send(StatusUpdate {
            account: self.account.clone(),
            status,
            new_items,
            budget: self.connector.rate_remaining(),
            notice: self.connector.take_notice(),
        });
    }

    /// Fetches until the platform has nothing more right now; returns the new item count.
    pub async fn poll_round(&self) -> Result<usize, RoundError> {
        let account_id = self.account_id;
        let mut cursor = self
            .writer
            .call(move |conn| ingest::cursor(conn, account_id))
            .await
            .map_err(|e| RoundError::Store(e.to_string()))?;
        let mut new_items = 0;
        loop {
            let page = self
                .connector
                .fetch(cursor.as_deref())
                .await
                .map_err(RoundError::Platform)?;
            let more = page.more && page.next_cursor != cursor;
            let mut extras = PageExtras {
                unreadable: page.unreadable,
                filtered: page.filtered,
                beyond_lookback: page.beyond_lookback,
            };
            for u in &extras.unreadable {
                tracing::warn!(account = %self.account, source = %u.source, reason = %u.reason,
                    "a record could not be read; set aside");
            }
            let mut incoming = self.pipeline.prepare(page.items);
            // A huge page is stored in several transactions so the writer never stalls
            // the CM's own writes for long; the cursor goes with the last one, so a crash
            // in between only means fetching the page again (ingest is idempotent).
            loop {
                let rest = incoming.split_off(incoming.len().min(INGEST_CHUNK));
                let next = if rest.is_empty() {
                    page.next_cursor.clone()
                } else {
                    None
                };
                let chunk = std::mem::replace(&mut incoming, rest);
                // Marks apply to the items each chunk inserts; the unreadable records go
                // with the cursor, in the last chunk.
                let mut page_extras = PageExtras {
                    unreadable: Vec::new(),
                    filtered: extras.filtered.clone(),
                    beyond_lookback: extras.beyond_lookback.clone(),
                };
                if incoming.is_empty() {
                    page_extras.unreadable = std::mem::take(&mut extras.unreadable);
                }
                let pipeline = self.pipeline.clone();
                let report = self
                    .writer
                    .call(move |conn| {
                        pipeline.store_page(
                            conn,
                            account_id,
                            &chunk,
                            next.as_deref(),
                            &page_extras,
                            now(),
                        )
                    })
                    .await
                    .map_err(|e| RoundError::Store(e.to_string()))?;
                new_items += report.inserted.len();
                if incoming.is_empty() {
                    break;
                }
            }
            if page.next_cursor.is_some() {
                cursor = page.next_cursor;
            }
            if !more {
                // The account answers again: replies and actions its credentials failed
                // go back to the queue.
                self.writer
                    .call(move |conn| {
                        crate::outbox::truth::requeue_auth_failed(conn, account_id, now())
                    })
                    .await
                    .map_err(|e| RoundError::Store(e.to_string()))?;
                return Ok(new_items);
            }
        }
    }

    /// Polls forever: the task ends when the receiving side of `status` is gone.
    pub async fn run(self) {
        let mut failures = 0u32;
        self.report(PollStatus::Starting, 0);
        loop {
            if self.status.is_closed() {
                return;
            }
            self.report(PollStatus::Polling, 0);
            let result = self.poll_round().await;
            let at = now();
            let error_text = result.as_ref().err().map(|e| e.to_string());
            let account_id = self.account_id;
            self.writer.submit("record poll", move |conn| {
                ingest::record_poll(conn, account_id, at, error_text.as_deref())
            });
            let wait = match result {
                Ok(new_items) => {
                    failures = 0;
                    self.report(PollStatus::Ok { at }, new_items);
                    self.schedule.interval
                }
                Err(RoundError::Platform(PlatformError::RateLimited { wait })) => {
                    tracing::warn!(account = %self.account, secs = wait.as_secs(), "rate limited");
                    self.report(
                        PollStatus::RateLimited {
                            until: at + wait.as_secs() as i64,
                        },
                        0,
                    );
                    wait
                }
                Err(e) => {
                    failures += 1;
                    let delay = self.schedule.retry_delay(failures, rand::random::<f64>());
                    tracing::warn!(account = %self.account, error = %e, failures, "poll failed");
                    self.report(
                        PollStatus::Error {
                            message: e.to_string(),
                            retry_at: at + delay.as_secs() as i64,
                        },
                        0,
                    );
                    delay
                }
            };
            tokio::time::sleep(wait).await;
        }
    }
}

#[cfg(test)]
#[path = "poller_tests.rs"]
mod tests;
