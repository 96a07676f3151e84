//! Nothing missed on Bluesky (issue 14): the AppView sorts a backdated post by its
//! `createdAt`, below notifications hark already stored. A wiremock AppView pages a list
//! (newest first by `indexedAt`, which is the sort time, as the real one reports it) and
//! a real poller stores into a real cache.

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use hark::ingest::Pipeline;
use hark::poller::{Poller, Schedule};
use hark::store::{ingest, Writer};
use jiff::{Timestamp, ToSpan};
use serde_json::{json, Value};
use support::bluesky::*;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const LIST: &str = "/xrpc/app.bsky.notification.listNotifications";

/// A listNotifications that pages `notes` (kept newest first) `page` at a time, with the
/// offset as its cursor.
struct Feed {
    notes: Arc<Mutex<Vec<Value>>>,
    page: usize,
}

impl Respond for Feed {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let notes = self.notes.lock().unwrap();
        let offset: usize = request
            .url
            .query_pairs()
            .find(|(k, _)| k == "cursor")
            .map(|(_, v)| v.parse().unwrap())
            .unwrap_or(0);
        let end = (offset + self.page).min(notes.len());
        let mut body = json!({"notifications": notes[offset.min(end)..end]});
        if end < notes.len() {
            body["cursor"] = end.to_string().into();
        }
        ResponseTemplate::new(200).set_body_json(body)
    }
}

/// A mention notification by `fan`: `created` is the record's `createdAt` (what its
/// client claimed), `sort` the AppView's sort time reported as `indexedAt`.
fn mention(fan: &str, created: Timestamp, sort: Timestamp) -> Value {
    json!({
        "uri": format!("at://did:plc:{fan}/app.bsky.feed.post/3k{fan}"),
        "cid": format!("bafy{fan}"),
        "author": {"did": format!("did:plc:{fan}"), "handle": format!("{fan}.test"), "labels": []},
        "reason": "mention",
        "record": {"$type": "app.bsky.feed.post", "text": format!("@brand.test hi from {fan}"), "createdAt": created.to_string()},
        "isRead": false,
        "indexedAt": sort.to_string(),
        "labels": []
    })
}

/// A mention indexed at `at` with a truthful clock.
fn fresh(fan: &str, at: Timestamp) -> Value {
    mention(fan, at, at)
}

/// A mention indexed now whose client dated it `at`: the AppView sorts it (and reports
/// its `indexedAt`) at that `createdAt`.
fn backdated(fan: &str, at: Timestamp) -> Value {
    mention(fan, at, at)
}

struct Rig {
    server: MockServer,
    notes: Arc<Mutex<Vec<Value>>>,
    poller: Poller,
    db: std::path::PathBuf,
    _dir: tempfile::TempDir,
    _writer: Writer,
}

async fn rig(page: usize) -> Rig {
    let server = MockServer::start().await;
    mount_login(&server).await;
    Mock::given(path("/xrpc/chat.bsky.convo.listConvos"))
        .respond_with(xrpc_error(400, "InvalidToken"))
        .mount(&server)
        .await;
    Mock::given(path("/xrpc/app.bsky.actor.getProfiles"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"profiles": []})))
        .mount(&server)
        .await;
    let notes = Arc::new(Mutex::new(Vec::new()));
    Mock::given(method("GET"))
        .and(path(LIST))
        .respond_with(Feed {
            notes: notes.clone(),
            page,
        })
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hark.db");
    let writer = Writer::spawn(&db).unwrap();
    let account_id = writer
        .handle()
        .call_blocking(|c| ingest::ensure_account(c, "bsky", "bluesky", "brand.test"))
        .unwrap();
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    std::mem::forget(rx);
    let poller = Poller {
        account_id,
        account: "bsky".into(),
        connector: Arc::new(connector(&server)),
        writer: writer.handle(),
        pipeline: Arc::new(Pipeline::default()),
        schedule: Schedule {
            interval: Duration::from_secs(60),
            base_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(60),
        },
        status: tx,
    };
    Rig {
        server,
        notes,
        poller,
        db,
        _dir: dir,
        _writer: writer,
    }
}

impl Rig {
    fn stored(&self, fan: &str) -> bool {
        let conn = rusqlite::Connection::open(&self.db).unwrap();
        conn.query_row(
            "SELECT count(*) FROM items WHERE external_id = ?",
            [format!("at://did:plc:{fan}/app.bsky.feed.post/3k{fan}")],
            |r| r.get::<_, i64>(0),
        )
        .unwrap()
            == 1
    }

    fn older_than_lookback(&self) -> i64 {
        let conn = rusqlite::Connection::open(&self.db).unwrap();
        conn.query_row(
            "SELECT older_than_lookback FROM accounts WHERE name = 'bsky'",
            [],
            |r| r.get(0),
        )
        .unwrap()
    }

    async fn list_calls(&self) -> Vec<String> {
        self.server
            .received_requests()
            .await
            .unwrap()
            .iter()
            .filter(|r| r.url.path() == LIST)
            .map(|r| r.url.query().unwrap_or("").to_string())
            .collect()
    }
}

#[tokio::test]
async fn backdated_mentions_ten_minutes_and_a_day_old_are_stored_and_an_older_one_counted() {
    let now = Timestamp::now();
    let ago = |span: jiff::Span| now.checked_sub(span).unwrap();
    let rig = rig(3).await;
    *rig.notes.lock().unwrap() = vec![
        fresh("a", ago(1.minute())),
        fresh("b", ago(30.minutes())),
        fresh("c", ago(48.hours())),
        fresh("d", ago(192.hours())),
        fresh("e", ago(400.hours())),
    ];
    assert_eq!(rig.poller.poll_round().await.unwrap(), 5);

    // Next poll: a new mention on top, and three posted now but dated in the past by
    // their clients: 10 minutes, 1 day, and 8 days (below the 7-day look-back).
    *rig.notes.lock().unwrap() = vec![
        fresh("n", ago(5.seconds())),
        fresh("a", ago(1.minute())),
        backdated("x10m", ago(10.minutes())),
        fresh("b", ago(30.minutes())),
        backdated("x1d", ago(24.hours())),
        fresh("c", ago(48.hours())),
        backdated("x8d", ago(191.hours())),
        fresh("d", ago(192.hours())),
        fresh("e", ago(400.hours())),
        fresh("f", ago(500.hours())),
    ];
    rig.server.reset().await;
    remount(&rig).await;
    assert_eq!(rig.poller.poll_round().await.unwrap(), 4);
    assert!(rig.stored("n"));
    assert!(rig.stored("x10m"), "10 minutes backdated");
    assert!(rig.stored("x1d"), "1 day backdated");
    // The 8-day one came on the last page read: stored, and counted as older than the
    // look-back; `d` and `e` (stored before) are not. Nothing below that page is read.
    assert!(rig.stored("x8d"));
    assert_eq!(rig.older_than_lookback(), 1);
    assert!(!rig.stored("f"));
    let calls = rig.list_calls().await;
    assert_eq!(calls.len(), 3, "pages of 3 down to the boundary: {calls:?}");
    for q in &calls {
        assert!(
            q.contains("reasons=mention")
                && q.contains("reasons=reply")
                && q.contains("reasons=quote"),
            "{q}"
        );
    }

    // A third poll finds nothing new and counts nothing again.
    assert_eq!(rig.poller.poll_round().await.unwrap(), 0);
    assert_eq!(rig.older_than_lookback(), 1);
}

async fn remount(rig: &Rig) {
    mount_login(&rig.server).await;
    Mock::given(path("/xrpc/chat.bsky.convo.listConvos"))
        .respond_with(xrpc_error(400, "InvalidToken"))
        .mount(&rig.server)
        .await;
    Mock::given(path("/xrpc/app.bsky.actor.getProfiles"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"profiles": []})))
        .mount(&rig.server)
        .await;
    Mock::given(method("GET"))
        .and(path(LIST))
        .respond_with(Feed {
            notes: rig.notes.clone(),
            page: 3,
        })
        .mount(&rig.server)
        .await;
}

/// The cost of a poll: one list request per 100 mention/reply/quote notifications in the
/// look-back window (the boundary page included), whatever the high-water mark says.
#[tokio::test]
async fn a_poll_costs_one_list_request_per_hundred_notifications_in_the_window() {
    let now = Timestamp::now();
    let rig = rig(100).await;
    let mut notes: Vec<Value> = (0..250)
        .map(|i| {
            fresh(
                &format!("w{i}"),
                now.checked_sub((i * 30).minutes()).unwrap(),
            )
        })
        .collect();
    notes.extend((0..300).map(|i| {
        fresh(
            &format!("old{i}"),
            now.checked_sub((200 + i).hours()).unwrap(),
        )
    }));
    *rig.notes.lock().unwrap() = notes;
    assert_eq!(rig.poller.poll_round().await.unwrap(), 250 + 50);
    assert_eq!(
        rig.list_calls().await.len(),
        3,
        "250 in the window: 3 pages"
    );
    rig.poller.poll_round().await.unwrap();
    assert_eq!(
        rig.list_calls().await.len(),
        6,
        "and 3 again on the next poll"
    );
}
