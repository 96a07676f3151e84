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
    /// A standing fact about the account (see [`Connector::account_note`]).
    pub note: Option<crate::platform::account_note::AccountNote>,
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
            note: self.connector.account_note(),
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
                rooms: page.rooms,
                gone: page.gone,
                resolved: page.resolved,
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
                    rooms: Vec::new(),
                    gone: Vec::new(),
                    resolved: Vec::new(),
                };
                if incoming.is_empty() {
                    page_extras.unreadable = std::mem::take(&mut extras.unreadable);
                    page_extras.rooms = std::mem::take(&mut extras.rooms);
                    page_extras.gone = std::mem::take(&mut extras.gone);
                    page_extras.resolved = std::mem::take(&mut extras.resolved);
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
mod tests {
    //! The poller's loop on a paused tokio clock, with a scripted connector.

    use std::collections::VecDeque;
    use std::sync::Mutex;

    use async_trait::async_trait;

    use super::*;
    use crate::domain::{ItemKind, NewAuthor, NewItem};
    use crate::platform::{Capabilities, FetchPage};
    use crate::store::{Reader, Writer};

    /// Answers fetches from a script, recording the cursors it was asked for.
    struct Scripted {
        answers: Mutex<VecDeque<Result<FetchPage, PlatformError>>>,
        asked: Mutex<Vec<Option<String>>>,
    }

    #[async_trait]
    impl Connector for Scripted {
        fn platform(&self) -> &str {
            "chirp"
        }
        fn capabilities(&self) -> Capabilities {
            Capabilities {
                reply_limit: None,
                direct_messages: false,
                moderation: vec![],
            }
        }
        async fn fetch(&self, cursor: Option<&str>) -> Result<FetchPage, PlatformError> {
            self.asked.lock().unwrap().push(cursor.map(str::to_string));
            self.answers
                .lock()
                .unwrap()
                .pop_front()
                .unwrap_or(Ok(FetchPage {
                    items: vec![],
                    next_cursor: None,
                    more: false,
                    ..FetchPage::default()
                }))
        }
    }

    fn item(id: &str) -> NewItem {
        NewItem {
            external_id: id.into(),
            kind: ItemKind::Mention,
            parent_external_id: None,
            thread_external_id: None,
            author: NewAuthor {
                external_id: "u1".into(),
                handle: "@ana".into(),
                display_name: "Ana".into(),
                followers: Some(10),
            },
            body: format!("hello {id}"),
            url: None,
            created_at: 100,
            raw_json: None,
            room: None,
        }
    }

    fn page(ids: &[&str], cursor: &str, more: bool) -> Result<FetchPage, PlatformError> {
        Ok(FetchPage {
            items: ids.iter().map(|i| item(i)).collect(),
            next_cursor: Some(cursor.into()),
            more,
            ..FetchPage::default()
        })
    }

    struct Harness {
        _dir: tempfile::TempDir,
        path: std::path::PathBuf,
        _writer: Writer,
        connector: Arc<Scripted>,
        statuses: mpsc::UnboundedReceiver<StatusUpdate>,
        poller: Option<Poller>,
    }

    fn harness(script: Vec<Result<FetchPage, PlatformError>>) -> Harness {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hark.db");
        let writer = Writer::spawn(&path).unwrap();
        let handle = writer.handle();
        let account_id = handle
            .call_blocking(|c| ingest::ensure_account(c, "a", "chirp", "@brand"))
            .unwrap();
        let connector = Arc::new(Scripted {
            answers: Mutex::new(script.into()),
            asked: Mutex::new(vec![]),
        });
        let (tx, statuses) = mpsc::unbounded_channel();
        let poller = Poller {
            account_id,
            account: "a".into(),
            connector: connector.clone(),
            writer: handle,
            pipeline: Arc::new(Pipeline::default()),
            schedule: Schedule {
                interval: Duration::from_secs(60),
                base_backoff: Duration::from_secs(2),
                max_backoff: Duration::from_secs(300),
            },
            status: tx,
        };
        Harness {
            _dir: dir,
            path,
            _writer: writer,
            connector,
            statuses,
            poller: Some(poller),
        }
    }

    fn stored(path: &std::path::Path) -> u64 {
        Reader::open(path)
            .unwrap()
            .count(&crate::store::read::ListQuery::view(
                crate::store::View::All,
            ))
            .unwrap()
    }

    #[test]
    fn backoff_doubles_caps_and_jitters_within_half() {
        let max = Duration::from_secs(60);
        let schedule = Schedule {
            interval: Duration::from_secs(60),
            base_backoff: Duration::from_secs(2),
            max_backoff: max,
        };
        let backoff = |failures, roll| schedule.retry_delay(failures, roll);
        assert_eq!(backoff(1, 0.0), Duration::from_secs(1));
        assert_eq!(backoff(1, 0.999).as_millis(), 1999);
        assert_eq!(backoff(3, 0.0), Duration::from_secs(4));
        assert_eq!(backoff(20, 0.0), Duration::from_secs(30));
        assert!(backoff(20, 0.99) <= max);
        assert_eq!(backoff(u32::MAX, 0.5), Duration::from_secs(45));
    }

    #[tokio::test]
    async fn a_round_follows_pages_until_caught_up_and_resumes_from_the_saved_cursor() {
        let mut h = harness(vec![
            page(&["1", "2"], "c2", true),
            page(&["3"], "c3", false),
            page(&["4"], "c4", false),
        ]);
        let poller = h.poller.take().unwrap();
        assert_eq!(poller.poll_round().await.unwrap(), 3);
        assert_eq!(poller.poll_round().await.unwrap(), 1);
        assert_eq!(
            *h.connector.asked.lock().unwrap(),
            vec![None, Some("c2".into()), Some("c3".into())]
        );
        assert_eq!(stored(&h.path), 4);
    }

    #[tokio::test]
    async fn a_failed_page_keeps_the_cursor_at_the_last_stored_page() {
        let mut h = harness(vec![
            page(&["1"], "c1", true),
            Err(PlatformError::Malformed("expected an array".into())),
            page(&["2"], "c2", false),
        ]);
        let poller = h.poller.take().unwrap();
        let err = poller.poll_round().await.unwrap_err();
        assert!(err.to_string().contains("malformed"), "{err}");
        assert_eq!(stored(&h.path), 1);
        // The next round resumes after the stored page, not from the start and not past it.
        poller.poll_round().await.unwrap();
        assert_eq!(
            h.connector.asked.lock().unwrap().last().unwrap().as_deref(),
            Some("c1")
        );
        assert_eq!(stored(&h.path), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn errors_back_off_and_rate_limits_wait_then_status_returns_to_ok() {
        let mut h = harness(vec![
            Err(PlatformError::Transient("connection reset".into())),
            Err(PlatformError::Transient("connection reset".into())),
            Err(PlatformError::RateLimited {
                wait: Duration::from_secs(120),
            }),
            page(&["1"], "c1", false),
        ]);
        let poller = h.poller.take().unwrap();
        let task = tokio::spawn(poller.run());
        let started = tokio::time::Instant::now();
        let mut seen = Vec::new();
        while let Some(update) = h.statuses.recv().await {
            let elapsed = started.elapsed().as_secs();
            let done = matches!(update.status, PollStatus::Ok { .. });
            seen.push((elapsed, update.status, update.new_items));
            if done {
                break;
            }
        }
        task.abort();
        let kinds: Vec<&str> = seen
            .iter()
            .map(|(_, s, _)| match s {
                PollStatus::Starting => "starting",
                PollStatus::Polling => "polling",
                PollStatus::Ok { .. } => "ok",
                PollStatus::Error { .. } => "error",
                PollStatus::RateLimited { .. } => "rate-limited",
            })
            .collect();
        assert_eq!(
            kinds,
            [
                "starting",
                "polling",
                "error",
                "polling",
                "error",
                "polling",
                "rate-limited",
                "polling",
                "ok"
            ]
        );
        // First retry after 1–2 s, second after 2–4 s, then the platform's full 120 s.
        let polls: Vec<u64> = seen
            .iter()
            .filter(|(_, s, _)| *s == PollStatus::Polling)
            .map(|(t, _, _)| *t)
            .collect();
        assert_eq!(polls[0], 0);
        assert!((1..=2).contains(&polls[1]), "{polls:?}");
        assert!((3..=6).contains(&polls[2]), "{polls:?}");
        assert_eq!(polls[3] - polls[2], 120);
        assert_eq!(seen.last().unwrap().2, 1);
    }

    #[tokio::test]
    async fn a_huge_page_is_stored_whole_in_chunks_with_the_cursor_last() {
        let ids: Vec<String> = (0..5_500).map(|n| n.to_string()).collect();
        let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        let mut h = harness(vec![page(&refs, "after-huge", false)]);
        let poller = h.poller.take().unwrap();
        let changes = poller.writer.changes();
        let before = *changes.borrow();
        assert_eq!(poller.poll_round().await.unwrap(), 5_500);
        assert_eq!(stored(&h.path), 5_500);
        // One job reads the cursor, then three transactions of at most 2,000 items (the
        // counter moves just after each answer, so the last may not have landed yet).
        assert!(*changes.borrow() - before >= 3, "stored in one transaction");
        let account = poller.account_id;
        let cursor = poller
            .writer
            .call(move |c| ingest::cursor(c, account))
            .await
            .unwrap();
        assert_eq!(cursor.as_deref(), Some("after-huge"));
    }
}
