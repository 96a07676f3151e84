//! The durable outbox: its state machine, drafts across a restart, and crash safety
//! against a local HTTP server that counts posts and honours an idempotency key.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use hark::domain::{ItemKind, NewAuthor, NewItem};
use hark::outbox::read::{item_outbox, recent};
use hark::outbox::worker::{Outcome, Worker};
use hark::outbox::OutboxState;
use hark::platform::{Capabilities, Connector, FetchPage, PlatformError, Target};
use hark::store::ingest::{self, Incoming};
use hark::store::outbox as ob;
use hark::store::{Reader, Writer};
use serde_json::json;
use tokio::sync::Notify;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

fn item(id: &str) -> Incoming {
    Incoming::from(NewItem {
        external_id: id.into(),
        kind: ItemKind::Mention,
        parent_external_id: None,
        thread_external_id: None,
        author: NewAuthor {
            external_id: "u-ana".into(),
            handle: "@ana".into(),
            display_name: "Ana Ruiz".into(),
            followers: Some(120),
        },
        body: "where is my order?".into(),
        url: None,
        created_at: 1_000,
        raw_json: None,
        room: None,
    })
}

/// A cache with one account and one item; returns (writer, account id, item id).
fn open(path: &Path) -> (Writer, i64, i64) {
    let writer = Writer::spawn(path).unwrap();
    let account = writer
        .handle()
        .call_blocking(|c| ingest::ensure_account(c, "brand", "chirp", "@brand"))
        .unwrap();
    writer
        .handle()
        .call_blocking(move |c| ingest::ingest(c, account, &[item("m1")], None, 1_000))
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

fn state_of(path: &Path, item: i64) -> Vec<(OutboxState, i64, Option<String>)> {
    let reader = Reader::open(path).unwrap();
    item_outbox(reader.conn(), item)
        .unwrap()
        .rows
        .into_iter()
        .map(|r| (r.state, r.attempts, r.last_error))
        .collect()
}

fn outbox_events(path: &Path) -> Vec<(String, String)> {
    let reader = Reader::open(path).unwrap();
    let mut stmt = reader
        .conn()
        .prepare("SELECT actor, detail FROM events WHERE kind = 'outbox' ORDER BY id")
        .unwrap();
    stmt.query_map([], |r| {
        let detail: String = r.get(1)?;
        let v: serde_json::Value = serde_json::from_str(&detail).unwrap();
        Ok((
            r.get::<_, String>(0)?,
            format!(
                "{}→{}",
                v["from"].as_str().unwrap_or("-"),
                v["to"].as_str().unwrap()
            ),
        ))
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

/// A connector scripted with the answers to give, in order.
struct Scripted {
    answers: Mutex<Vec<Result<String, PlatformError>>>,
    calls: AtomicUsize,
}

#[async_trait]
impl Connector for Scripted {
    fn platform(&self) -> &str {
        "chirp"
    }
    fn capabilities(&self) -> Capabilities {
        Capabilities {
            reply_limit: Some(hark::replies::length::Limit::length(280)),
            direct_messages: true,
            moderation: vec!["hide"],
        }
    }
    async fn fetch(&self, _cursor: Option<&str>) -> Result<FetchPage, PlatformError> {
        Err(PlatformError::Unsupported("fetch"))
    }
    async fn reply(&self, _t: &Target, _text: &str, _key: &str) -> Result<String, PlatformError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.answers.lock().unwrap().remove(0)
    }
    async fn moderate(
        &self,
        _t: &Target,
        action: hark::platform::ModerationAction,
    ) -> Result<(), PlatformError> {
        assert_eq!(action, hark::platform::ModerationAction::Hide);
        self.calls.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

fn scripted(answers: Vec<Result<String, PlatformError>>) -> Arc<Scripted> {
    Arc::new(Scripted {
        answers: Mutex::new(answers),
        calls: AtomicUsize::new(0),
    })
}

fn worker(writer: &Writer, account: i64, connector: Arc<dyn Connector>) -> Worker {
    Worker::new(writer.handle(), HashMap::from([(account, connector)]))
}

fn queue_reply(writer: &Writer, item: i64, text: &str) -> i64 {
    let text = text.to_string();
    writer
        .handle()
        .call_blocking(move |c| {
            ob::enqueue(
                c,
                item,
                "reply",
                &json!({ "text": text }),
                None,
                "user",
                1_000,
            )
        })
        .unwrap()
}

/// Makes every row due now (the worker's backoff put them in the future).
fn make_due(writer: &Writer) {
    writer
        .handle()
        .call_blocking(|c| Ok(c.execute("UPDATE outbox SET next_attempt_at = 0", [])?))
        .unwrap();
}

#[tokio::test]
async fn queueing_marks_the_item_replied_and_sending_records_the_first_response() {
    let (_dir, path) = temp();
    let (writer, account, item) = open(&path);
    writer
        .handle()
        .call_blocking(move |c| ob::save_draft(c, item, "half-written", 900))
        .unwrap();
    queue_reply(&writer, item, "Thanks @ana!");
    let reader = Reader::open(&path).unwrap();
    let (state, first): (String, Option<i64>) = reader
        .conn()
        .query_row(
            "SELECT state, first_response_at FROM items WHERE id = ?",
            [item],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((state.as_str(), first), ("replied", None));
    assert_eq!(
        item_outbox(reader.conn(), item).unwrap().draft,
        None,
        "queueing clears the draft"
    );
    assert_eq!(state_of(&path, item), vec![(OutboxState::Queued, 0, None)]);

    let connector = scripted(vec![Ok("remote-1".into())]);
    let w = worker(&writer, account, connector.clone());
    assert_eq!(w.run_once().await.unwrap(), 1);
    assert_eq!(state_of(&path, item), vec![(OutboxState::Sent, 1, None)]);
    let first: Option<i64> = reader
        .conn()
        .query_row(
            "SELECT first_response_at FROM items WHERE id = ?",
            [item],
            |r| r.get(0),
        )
        .unwrap();
    assert!(first.is_some());
    assert_eq!(
        outbox_events(&path),
        vec![
            ("user".to_string(), "-→queued".to_string()),
            ("outbox".into(), "queued→sending".into()),
            ("outbox".into(), "sending→sent".into()),
        ]
    );
    // Nothing more to send.
    assert_eq!(w.run_once().await.unwrap(), 0);
    assert_eq!(connector.calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn transient_errors_retry_with_backoff_and_permanent_ones_fail_with_the_message() {
    let (_dir, path) = temp();
    let (writer, account, item) = open(&path);
    queue_reply(&writer, item, "hello");
    let connector = scripted(vec![
        Err(PlatformError::Transient("502 bad gateway".into())),
        Err(PlatformError::RateLimited {
            wait: Duration::from_secs(90),
        }),
        Err(PlatformError::Permanent("422 text too long".into())),
    ]);
    let w = worker(&writer, account, connector.clone());
    w.run_once().await.unwrap();
    let rows = state_of(&path, item);
    assert_eq!(rows[0].0, OutboxState::Queued);
    assert!(rows[0].2.as_deref().unwrap().contains("502"));
    // Not due yet: the backoff holds it back.
    assert_eq!(w.run_once().await.unwrap(), 0);
    make_due(&writer);
    w.run_once().await.unwrap();
    // Rate limited: due no sooner than the platform asked.
    let next: i64 = Reader::open(&path)
        .unwrap()
        .conn()
        .query_row("SELECT next_attempt_at FROM outbox", [], |r| r.get(0))
        .unwrap();
    assert!(next >= hark::domain::now() + 89, "Retry-After honoured");
    make_due(&writer);
    w.run_once().await.unwrap();
    assert_eq!(
        state_of(&path, item),
        vec![(
            OutboxState::Failed,
            3,
            Some("the platform refused: 422 text too long".into())
        )]
    );
    // A failed row is left alone by the worker...
    make_due(&writer);
    assert_eq!(w.run_once().await.unwrap(), 0);
    assert_eq!(connector.calls.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn the_cm_can_retry_or_cancel_failed_rows_and_edit_one_into_a_new_reply() {
    let (_dir, path) = temp();
    let (writer, account, item) = open(&path);
    let id = queue_reply(&writer, item, "too long");
    let w = worker(
        &writer,
        account,
        scripted(vec![
            Err(PlatformError::Permanent("no".into())),
            Ok("r2".into()),
            Ok("r3".into()),
        ]),
    );
    w.run_once().await.unwrap();
    // Retry keeps the key and sends again.
    assert!(writer
        .handle()
        .call_blocking(move |c| ob::retry(c, id, 2_000))
        .unwrap());
    w.run_once().await.unwrap();
    assert_eq!(state_of(&path, item)[0].0, OutboxState::Sent);
    // A sent row can be neither cancelled nor retried.
    assert!(!writer
        .handle()
        .call_blocking(move |c| ob::cancel(c, id, 2_000))
        .unwrap());
    assert!(!writer
        .handle()
        .call_blocking(move |c| ob::retry(c, id, 2_000))
        .unwrap());

    // Editing a failed reply: the new text replaces it, the old row is cancelled.
    let second = queue_reply(&writer, item, "v1");
    writer
        .handle()
        .call_blocking(move |c| {
            Ok(c.execute("UPDATE outbox SET state = 'failed' WHERE id = ?", [second])?)
        })
        .unwrap();
    writer
        .handle()
        .call_blocking(move |c| {
            ob::enqueue(
                c,
                item,
                "reply",
                &json!({"text": "v2"}),
                Some(second),
                "user",
                3_000,
            )
        })
        .unwrap();
    let reader = Reader::open(&path).unwrap();
    let rows = item_outbox(reader.conn(), item).unwrap().rows;
    assert_eq!(
        rows.iter()
            .map(|r| (r.text.as_str(), r.state))
            .collect::<Vec<_>>(),
        vec![
            ("v2", OutboxState::Queued),
            ("v1", OutboxState::Cancelled),
            ("too long", OutboxState::Sent)
        ]
    );
    // Cancelling a queued row means it is never sent.
    let third = rows[0].id;
    assert!(writer
        .handle()
        .call_blocking(move |c| ob::cancel(c, third, 3_000))
        .unwrap());
    assert_eq!(w.run_once().await.unwrap(), 0);
    assert_eq!(recent(reader.conn(), 10).unwrap().len(), 3);
}

#[tokio::test]
async fn moderation_rows_go_through_moderate_and_unknown_kinds_are_refused() {
    let (_dir, path) = temp();
    let (writer, account, item) = open(&path);
    writer
        .handle()
        .call_blocking(move |c| ob::enqueue(c, item, "hide", &json!({}), None, "user", 1_000))
        .unwrap();
    let err = writer
        .handle()
        .call_blocking(move |c| ob::enqueue(c, item, "explode", &json!({}), None, "user", 1_000))
        .unwrap_err();
    assert!(err.to_string().contains("unknown outbox kind `explode`"));
    let connector = scripted(vec![]);
    worker(&writer, account, connector.clone())
        .run_once()
        .await
        .unwrap();
    assert_eq!(state_of(&path, item)[0].0, OutboxState::Sent);
    assert_eq!(connector.calls.load(Ordering::SeqCst), 1);
    let state: String = Reader::open(&path)
        .unwrap()
        .conn()
        .query_row("SELECT state FROM items WHERE id = ?", [item], |r| r.get(0))
        .unwrap();
    assert_eq!(
        state, "hidden",
        "a confirmed hide hides the item (and is not a reply)"
    );
}

#[test]
fn a_draft_survives_a_restart() {
    let (_dir, path) = temp();
    let (writer, _, item) = open(&path);
    writer
        .handle()
        .call_blocking(move |c| ob::save_draft(c, item, "Hi @ana, about your order", 1_234))
        .unwrap();
    writer.shutdown();
    let (_writer, _, again) = open(&path);
    assert_eq!(again, item);
    let draft = item_outbox(Reader::open(&path).unwrap().conn(), item)
        .unwrap()
        .draft
        .unwrap();
    assert_eq!(draft.body, "Hi @ana, about your order");
}

// ---- Crash safety against a real HTTP server ----

/// The server: counts POSTs and creates one post per idempotency key.
#[derive(Clone, Default)]
struct Server {
    posts: Arc<Mutex<HashMap<String, String>>>,
    requests: Arc<AtomicUsize>,
}

impl Respond for Server {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        self.requests.fetch_add(1, Ordering::SeqCst);
        let key = request
            .headers
            .get("Idempotency-Key")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let mut posts = self.posts.lock().unwrap();
        let key = key.unwrap_or_else(|| format!("no-key-{}", posts.len()));
        let n = posts.len();
        let id = posts
            .entry(key)
            .or_insert_with(|| format!("post-{n}"))
            .clone();
        ResponseTemplate::new(200).set_body_json(json!({ "id": id }))
    }
}

/// A test connector speaking HTTP: POST /statuses with an Idempotency-Key header, like
/// Mastodon. With `crash_after_send`, it never returns once the server has answered —
/// the process "dies" between "sent to the server" and "marked sent".
struct HttpConnector {
    base: String,
    client: reqwest::Client,
    crash_after_send: bool,
    sent: Arc<Notify>,
    /// Without server-side keys, the worker must read back first.
    dedups: bool,
}

#[async_trait]
impl Connector for HttpConnector {
    fn platform(&self) -> &str {
        "webhook-test"
    }
    fn capabilities(&self) -> Capabilities {
        Capabilities {
            reply_limit: Some(hark::replies::length::Limit::length(500)),
            direct_messages: false,
            moderation: vec![],
        }
    }
    async fn fetch(&self, _cursor: Option<&str>) -> Result<FetchPage, PlatformError> {
        Err(PlatformError::Unsupported("fetch"))
    }
    async fn reply(&self, target: &Target, text: &str, key: &str) -> Result<String, PlatformError> {
        let mut request = self
            .client
            .post(format!("{}/statuses", self.base))
            .json(&json!({ "in_reply_to_id": target.external_id, "status": text }));
        if self.dedups {
            request = request.header("Idempotency-Key", key);
        }
        let response = request
            .send()
            .await
            .map_err(|e| PlatformError::Transient(e.to_string()))?;
        let body: serde_json::Value = response
            .json()
            .await
            .map_err(|e| PlatformError::Malformed(e.to_string()))?;
        if self.crash_after_send {
            self.sent.notify_one();
            std::future::pending::<()>().await;
        }
        Ok(body["id"].as_str().unwrap_or_default().to_string())
    }
    fn dedups_replies(&self) -> bool {
        self.dedups
    }
    async fn find_reply(
        &self,
        _t: &Target,
        text: &str,
        _key: &str,
    ) -> Result<Option<String>, PlatformError> {
        let thread: serde_json::Value = self
            .client
            .get(format!("{}/context", self.base))
            .send()
            .await
            .map_err(|e| PlatformError::Transient(e.to_string()))?
            .json()
            .await
            .map_err(|e| PlatformError::Malformed(e.to_string()))?;
        Ok(thread["replies"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|r| r["text"] == text)
            .and_then(|r| r["id"].as_str().map(str::to_string)))
    }
}

async fn crash_then_restart(dedups: bool) -> (Server, Vec<(OutboxState, i64, Option<String>)>) {
    let server = Server::default();
    let mock = MockServer::start().await;
    Mock::given(wiremock::matchers::method("POST"))
        .and(wiremock::matchers::path("/statuses"))
        .respond_with(server.clone())
        .mount(&mock)
        .await;
    let (_dir, path) = temp();
    let (writer, account, item) = open(&path);
    queue_reply(&writer, item, "Sorry about that — Sam");

    // First run: the server gets the post, then the worker dies before marking it sent.
    let sent = Arc::new(Notify::new());
    let crashing: Arc<dyn Connector> = Arc::new(HttpConnector {
        base: mock.uri(),
        client: reqwest::Client::new(),
        crash_after_send: true,
        sent: sent.clone(),
        dedups,
    });
    let w = worker(&writer, account, crashing);
    tokio::select! {
        _ = w.run_once() => panic!("the crashing connector never returns"),
        _ = sent.notified() => {}
    }
    drop(w);
    assert_eq!(server.requests.load(Ordering::SeqCst), 1);
    assert_eq!(state_of(&path, item)[0].0, OutboxState::Sending);
    writer.shutdown();

    // Restart: the row left `sending` is reconciled, then sent again safely.
    if !dedups {
        let body = json!({ "replies": [{ "id": "post-0", "text": "Sorry about that — Sam" }] });
        Mock::given(wiremock::matchers::method("GET"))
            .and(wiremock::matchers::path("/context"))
            .respond_with(ResponseTemplate::new(200).set_body_json(body))
            .mount(&mock)
            .await;
    }
    let (writer, account, _) = open(&path);
    let healthy: Arc<dyn Connector> = Arc::new(HttpConnector {
        base: mock.uri(),
        client: reqwest::Client::new(),
        crash_after_send: false,
        sent: Arc::new(Notify::new()),
        dedups,
    });
    let mut w = worker(&writer, account, healthy);
    // The dead process's lease still runs: the row is not touched until it expires.
    assert_eq!(w.reconcile().await.unwrap(), 0);
    w.clock = Arc::new(|| hark::domain::now() + 2 * ob::LEASE_SECS);
    assert_eq!(w.reconcile().await.unwrap(), 1);
    assert_eq!(w.run_once().await.unwrap(), 1);
    let rows = state_of(&path, item);
    (server, rows)
}

#[tokio::test]
async fn a_crash_between_send_and_mark_sent_never_posts_twice_with_an_idempotency_key() {
    let (server, rows) = crash_then_restart(true).await;
    assert_eq!(rows[0].0, OutboxState::Sent);
    assert_eq!(rows[0].1, 2, "sent twice with the same key");
    assert_eq!(server.requests.load(Ordering::SeqCst), 2);
    assert_eq!(
        server.posts.lock().unwrap().len(),
        1,
        "the server made exactly one post"
    );
}

#[tokio::test]
async fn without_keys_the_thread_is_read_back_instead_of_resending() {
    let (server, rows) = crash_then_restart(false).await;
    assert_eq!(rows[0].0, OutboxState::Sent);
    assert_eq!(server.requests.load(Ordering::SeqCst), 1, "no second POST");
    assert_eq!(server.posts.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn the_outcome_of_a_send_is_reported() {
    let (_dir, path) = temp();
    let (writer, account, item) = open(&path);
    queue_reply(&writer, item, "hi");
    let w = worker(
        &writer,
        account,
        scripted(vec![Err(PlatformError::Auth("token expired".into()))]),
    );
    let job = writer
        .handle()
        .call_blocking(|c| ob::claim_due(c, 5_000, 1))
        .unwrap()
        .remove(0);
    assert_eq!(job.target.author_handle, "@ana");
    assert_eq!(
        w.process(job).await.unwrap(),
        Outcome::Failed("authentication failed: token expired".into())
    );
}

/// A once-run (cron) may wait out a short rate limit but never a long one: a wait past
/// its budget ends the run at once and leaves the rest queued, untouched.
#[tokio::test]
async fn a_rate_limit_longer_than_the_budget_ends_the_run_and_leaves_the_rest_queued() {
    use hark::outbox::worker::RateBudget;
    let (_dir, path) = temp();
    let (writer, account, item) = open(&path);
    for n in 0..5 {
        queue_reply(&writer, item, &format!("reply {n}"));
    }
    let connector = scripted(vec![
        Ok("remote-1".into()),
        Err(PlatformError::RateLimited {
            wait: Duration::from_secs(1),
        }),
        Ok("remote-3".into()),
        Err(PlatformError::RateLimited {
            wait: Duration::from_secs(300),
        }),
    ]);
    let w = worker(&writer, account, connector.clone());
    let mut budget = RateBudget::new(RateBudget::ONCE);
    let drained = tokio::time::timeout(Duration::from_secs(30), w.drain(&mut budget))
        .await
        .expect("the run ends instead of waiting 300s")
        .unwrap();
    // The 1s wait was taken; the 300s one ended the run with one row never tried.
    assert_eq!(drained.tried, 4);
    assert_eq!(drained.left, Some((Duration::from_secs(300), 1)));
    assert_eq!(connector.calls.load(Ordering::SeqCst), 4);
    let rows = state_of(&path, item);
    let untouched = rows
        .iter()
        .filter(|(s, attempts, _)| *s == OutboxState::Queued && *attempts == 0)
        .count();
    assert_eq!(untouched, 1, "{rows:?}");
    // The row limited for 1s was due again after the pause, and not sent twice: the
    // scripted answers would have run out.
}
