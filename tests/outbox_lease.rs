//! Outbox ownership (issue 14, "sent twice"): a row in flight belongs to the process that
//! leased it; another never takes it; only an expired lease is reconciled; an attempt that
//! may have landed without a key or read-back is `unknown`, never resent blindly.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use hark::domain::{ItemKind, NewAuthor, NewItem};
use hark::outbox::read::{attention, item_outbox};
use hark::outbox::worker::Worker;
use hark::outbox::OutboxState;
use hark::platform::{
    Capabilities, Connector, FetchPage, ModerationAction, PlatformError, ResendGuard, Target,
};
use hark::store::ingest::{self, Incoming};
use hark::store::outbox as ob;
use hark::store::{Reader, Writer};
use serde_json::json;

fn open(path: &Path) -> (Writer, i64, i64) {
    let writer = Writer::spawn(path).unwrap();
    let account = writer
        .handle()
        .call_blocking(|c| ingest::ensure_account(c, "brand", "chirp", "@brand"))
        .unwrap();
    let item = Incoming::from(NewItem {
        external_id: "m1".into(),
        kind: ItemKind::Mention,
        parent_external_id: None,
        thread_external_id: None,
        author: NewAuthor {
            external_id: "u-ana".into(),
            handle: "@ana".into(),
            display_name: "Ana".into(),
            followers: None,
        },
        body: "spam spam".into(),
        url: None,
        created_at: 1_000,
        raw_json: None,
        room: None,
    });
    writer
        .handle()
        .call_blocking(move |c| ingest::ingest(c, account, &[item], None, 1_000))
        .unwrap();
    let id = Reader::open(path)
        .unwrap()
        .conn()
        .query_row("SELECT id FROM items WHERE external_id = 'm1'", [], |r| {
            r.get(0)
        })
        .unwrap();
    (writer, account, id)
}

fn temp() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hark.db");
    (dir, path)
}

/// (state, key, text, last error) of row `id`.
fn row(path: &Path, id: i64) -> (OutboxState, String, String, Option<String>) {
    let reader = Reader::open(path).unwrap();
    reader
        .conn()
        .query_row(
            "SELECT state, idempotency_key, json_extract(payload, '$.text'), last_error
             FROM outbox WHERE id = ?",
            [id],
            |r| {
                Ok((
                    r.get::<_, String>(0)?.parse().unwrap(),
                    r.get(1)?,
                    r.get::<_, Option<String>>(2)?.unwrap_or_default(),
                    r.get(3)?,
                ))
            },
        )
        .unwrap()
}

fn queue(writer: &Writer, item: i64, kind: &str, payload: serde_json::Value) -> i64 {
    let kind = kind.to_string();
    writer
        .handle()
        .call_blocking(move |c| ob::enqueue(c, item, &kind, &payload, None, "user", 1_000))
        .unwrap()
}

/// A connector that records every call; replies wait `delay` and answer from a script
/// (then "r-<n>"); `find` is what a read-back finds.
#[derive(Default)]
struct Counting {
    replies: Mutex<Vec<(String, String)>>,
    reports: AtomicUsize,
    reads: AtomicUsize,
    delay: Duration,
    script: Mutex<Vec<Result<String, PlatformError>>>,
    find: Mutex<Option<String>>,
    guard: Option<ResendGuard>,
}

#[async_trait]
impl Connector for Counting {
    fn platform(&self) -> &str {
        "chirp"
    }
    fn capabilities(&self) -> Capabilities {
        Capabilities {
            reply_limit: Some(hark::replies::length::Limit::length(280)),
            direct_messages: false,
            moderation: vec!["report"],
        }
    }
    async fn fetch(&self, _cursor: Option<&str>) -> Result<FetchPage, PlatformError> {
        Err(PlatformError::Unsupported("fetch"))
    }
    async fn reply(&self, _t: &Target, text: &str, key: &str) -> Result<String, PlatformError> {
        tokio::time::sleep(self.delay).await;
        let n = {
            let mut replies = self.replies.lock().unwrap();
            replies.push((text.to_string(), key.to_string()));
            replies.len()
        };
        let mut script = self.script.lock().unwrap();
        if script.is_empty() {
            Ok(format!("r-{n}"))
        } else {
            script.remove(0)
        }
    }
    async fn moderate(&self, _t: &Target, action: ModerationAction) -> Result<(), PlatformError> {
        assert!(matches!(action, ModerationAction::Report { .. }));
        tokio::time::sleep(self.delay).await;
        self.reports.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
    fn dedups_replies(&self) -> bool {
        false
    }
    fn resend_guard(&self, kind: &str, _item: ItemKind) -> ResendGuard {
        match (self.guard, kind) {
            (Some(g), _) => g,
            (None, "reply") => ResendGuard::ReadBack,
            (None, _) => ResendGuard::Nothing,
        }
    }
    async fn find_reply(
        &self,
        _t: &Target,
        _text: &str,
        _key: &str,
    ) -> Result<Option<String>, PlatformError> {
        self.reads.fetch_add(1, Ordering::SeqCst);
        Ok(self.find.lock().unwrap().clone())
    }
}

fn worker(writer: &Writer, account: i64, c: &Arc<Counting>) -> Worker {
    let connector: Arc<dyn Connector> = c.clone();
    Worker::new(writer.handle(), HashMap::from([(account, connector)]))
}

/// A process claims a row and dies: it stays `sending` under its lease.
fn claim_and_die(writer: &Writer) -> i64 {
    let now = hark::domain::now();
    writer
        .handle()
        .call_blocking(move |c| ob::claim_due(c, now, 1))
        .unwrap()
        .remove(0)
        .id
}

fn later(secs: i64) -> hark::outbox::worker::Clock {
    Arc::new(move || hark::domain::now() + secs)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_worker_never_takes_a_row_another_is_sending_even_past_the_lease() {
    let (_dir, path) = temp();
    let (writer_a, account, item) = open(&path);
    let writer_b = Writer::spawn(&path).unwrap();
    let id = queue(&writer_a, item, "reply", json!({"text": "on it"}));
    // A sends slowly: 3.5 s against a 1 s lease, renewed while the call lasts.
    let slow = Arc::new(Counting {
        delay: Duration::from_millis(3_500),
        ..Default::default()
    });
    let mut a = worker(&writer_a, account, &slow);
    a.lease = Duration::from_secs(1);
    let other = Arc::new(Counting::default());
    let b = worker(&writer_b, account, &other);
    let sending = tokio::spawn(async move { a.run_once().await });
    for _ in 0..15 {
        tokio::time::sleep(Duration::from_millis(250)).await;
        assert_eq!(b.reconcile().await.unwrap(), 0, "B reconciled A's live row");
        b.run_once().await.unwrap();
    }
    assert_eq!(sending.await.unwrap().unwrap(), 1);
    assert_eq!(row(&path, id).0, OutboxState::Sent);
    assert_eq!(slow.replies.lock().unwrap().len(), 1);
    assert_eq!(other.replies.lock().unwrap().len(), 0, "B never sent it");
    assert_eq!(other.reads.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn an_expired_lease_makes_the_row_reclaimable_with_its_key() {
    let (_dir, path) = temp();
    let (writer, account, item) = open(&path);
    let id = queue(&writer, item, "reply", json!({"text": "on it"}));
    let key = row(&path, id).1;
    claim_and_die(&writer);
    let c = Arc::new(Counting::default());
    let mut w = worker(&writer, account, &c);
    assert_eq!(w.run_once().await.unwrap(), 0, "the lease still runs");
    assert_eq!(row(&path, id).0, OutboxState::Sending);
    w.clock = later(ob::LEASE_SECS + 1);
    assert_eq!(w.run_once().await.unwrap(), 1);
    // Read back first (it is not there), then sent once under the same key.
    assert_eq!(c.reads.load(Ordering::SeqCst), 1);
    assert_eq!(row(&path, id).0, OutboxState::Sent);
    assert_eq!(*c.replies.lock().unwrap(), vec![("on it".to_string(), key)]);
}

#[tokio::test]
async fn a_report_interrupted_in_flight_becomes_unknown_and_is_not_sent_again() {
    let (_dir, path) = temp();
    let (writer, account, item) = open(&path);
    let id = queue(
        &writer,
        item,
        "report",
        json!({"category": "spam", "reason": "bot"}),
    );
    claim_and_die(&writer);
    let c = Arc::new(Counting::default());
    let mut w = worker(&writer, account, &c);
    w.clock = later(ob::LEASE_SECS + 1);
    w.run_once().await.unwrap();
    w.run_once().await.unwrap();
    let (state, _, _, error) = row(&path, id);
    assert_eq!(state, OutboxState::Unknown);
    assert!(error.unwrap().contains("cannot tell"));
    assert_eq!(c.reports.load(Ordering::SeqCst), 0, "never refiled");
    let reader = Reader::open(&path).unwrap();
    assert_eq!(attention(reader.conn()).unwrap(), (0, 1));
    // The CM says it went out.
    writer
        .handle()
        .call_blocking(move |c| ob::confirm_sent(c, id, 2_000))
        .unwrap();
    assert_eq!(row(&path, id).0, OutboxState::Sent);
    w.run_once().await.unwrap();
    assert_eq!(c.reports.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_report_whose_call_times_out_is_unknown_not_retried() {
    let (_dir, path) = temp();
    let (writer, account, item) = open(&path);
    let id = queue(&writer, item, "report", json!({"category": "spam"}));
    let c = Arc::new(Counting {
        delay: Duration::from_secs(3),
        ..Default::default()
    });
    let mut w = worker(&writer, account, &c);
    w.call_timeout = Duration::from_millis(200);
    w.run_once().await.unwrap();
    assert_eq!(row(&path, id).0, OutboxState::Unknown);
}

/// An unreadable answer to a reply: `unknown`, then read back. (state after, replies sent)
async fn unreadable_then_read_back(
    found: Option<&str>,
) -> (OutboxState, Vec<(String, String)>, String) {
    let (_dir, path) = temp();
    let (writer, account, item) = open(&path);
    let id = queue(&writer, item, "reply", json!({"text": "on it"}));
    let key = row(&path, id).1;
    let c = Arc::new(Counting {
        script: Mutex::new(vec![Err(PlatformError::Malformed(
            "reply: not JSON".into(),
        ))]),
        ..Default::default()
    });
    let mut w = worker(&writer, account, &c);
    w.run_once().await.unwrap();
    let (state, _, _, error) = row(&path, id);
    assert_eq!(
        state,
        OutboxState::Unknown,
        "not failed: it may have landed"
    );
    assert!(error.unwrap().contains("may have been sent"));
    *c.find.lock().unwrap() = found.map(str::to_string);
    w.clock = later(3_600);
    w.run_once().await.unwrap();
    assert_eq!(
        c.reads.load(Ordering::SeqCst),
        1,
        "read back before anything"
    );
    let replies = c.replies.lock().unwrap().clone();
    (row(&path, id).0, replies, key)
}

#[tokio::test]
async fn an_unreadable_success_found_by_read_back_is_sent_without_a_resend() {
    let (state, replies, _) = unreadable_then_read_back(Some("r-1")).await;
    assert_eq!(state, OutboxState::Sent);
    assert_eq!(replies.len(), 1, "no second POST");
}

#[tokio::test]
async fn an_unreadable_success_not_found_is_resent_with_the_same_key() {
    let (state, replies, key) = unreadable_then_read_back(None).await;
    assert_eq!(state, OutboxState::Sent);
    assert_eq!(
        replies,
        vec![
            ("on it".to_string(), key.clone()),
            ("on it".to_string(), key)
        ]
    );
}

/// Editing an unknown reply keeps the row and its key; the new text goes out only when a
/// read-back proves the first is not there, and is otherwise kept as a draft.
async fn edit_unknown(
    guard: Option<ResendGuard>,
    found: Option<&str>,
) -> (tempfile::TempDir, PathBuf, i64, i64, Arc<Counting>, String) {
    let (dir, path) = temp();
    let (writer, account, item) = open(&path);
    let id = queue(&writer, item, "reply", json!({"text": "first"}));
    let key = row(&path, id).1;
    let c = Arc::new(Counting {
        script: Mutex::new(vec![Err(PlatformError::Malformed("unreadable".into()))]),
        guard,
        ..Default::default()
    });
    let w = worker(&writer, account, &c);
    w.run_once().await.unwrap();
    assert_eq!(row(&path, id).0, OutboxState::Unknown);
    *c.find.lock().unwrap() = found.map(str::to_string);
    let edited = writer
        .handle()
        .call_blocking(move |c| {
            ob::enqueue(
                c,
                item,
                "reply",
                &json!({"text": "second"}),
                Some(id),
                "user",
                2_000,
            )
        })
        .unwrap();
    assert_eq!(edited, id, "the same row");
    assert_eq!(row(&path, id).1, key, "the same key");
    w.run_once().await.unwrap();
    (dir, path, id, item, c, key)
}

#[tokio::test]
async fn editing_an_unknown_reply_sends_the_new_text_under_the_same_key_once_proven_absent() {
    let (_dir, path, id, _, c, key) = edit_unknown(None, None).await;
    assert_eq!(row(&path, id).0, OutboxState::Sent);
    assert_eq!(row(&path, id).2, "second");
    let replies = c.replies.lock().unwrap().clone();
    assert_eq!(replies.last().unwrap(), &("second".to_string(), key));
}

#[tokio::test]
async fn editing_an_unknown_reply_that_did_land_is_refused_and_the_edit_kept_as_a_draft() {
    let (_dir, path, id, item, c, _) = edit_unknown(None, Some("r-1")).await;
    let (state, _, text, error) = row(&path, id);
    assert_eq!((state, text.as_str()), (OutboxState::Sent, "first"));
    assert!(error.unwrap().contains("edit not sent"));
    assert_eq!(
        c.replies.lock().unwrap().len(),
        1,
        "the edit never went out"
    );
    let reader = Reader::open(&path).unwrap();
    let draft = item_outbox(reader.conn(), item).unwrap().draft.unwrap();
    assert_eq!(draft.body, "second");
}

#[tokio::test]
async fn editing_an_unknown_reply_without_read_back_is_refused() {
    let guard = Some(ResendGuard::Key { window: None });
    let (_dir, path, id, item, c, _) = edit_unknown(guard, None).await;
    let (state, _, text, error) = row(&path, id);
    assert_eq!((state, text.as_str()), (OutboxState::Unknown, "first"));
    assert!(error.unwrap().contains("cannot check"));
    assert_eq!(c.replies.lock().unwrap().len(), 1);
    let reader = Reader::open(&path).unwrap();
    assert_eq!(
        item_outbox(reader.conn(), item)
            .unwrap()
            .draft
            .unwrap()
            .body,
        "second"
    );
}

#[tokio::test]
async fn a_key_the_platform_has_forgotten_is_not_trusted_after_a_long_crash() {
    let (_dir, path) = temp();
    let (writer, account, item) = open(&path);
    let id = queue(&writer, item, "reply", json!({"text": "on it"}));
    claim_and_die(&writer);
    let c = Arc::new(Counting {
        guard: Some(ResendGuard::Key {
            window: Some(Duration::from_secs(3_600)),
        }),
        ..Default::default()
    });
    let mut w = worker(&writer, account, &c);
    w.clock = later(2 * 3_600);
    w.run_once().await.unwrap();
    assert_eq!(row(&path, id).0, OutboxState::Unknown);
    assert!(c.replies.lock().unwrap().is_empty());
}
