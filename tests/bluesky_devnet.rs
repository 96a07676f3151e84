//! hark against a real local Bluesky network (PLC, PDS, AppView from @atproto/dev-env),
//! started by scripts/bluesky-devnet/start.sh. Runs only with HARK_BLUESKY_DEVNET=1, and
//! then FAILS if the network cannot start (install it first: scripts/bluesky-devnet/install.sh).

use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use hark::domain::ItemKind;
use hark::ingest::Pipeline;
use hark::outbox::worker::Worker;
use hark::platform::bluesky::{BlueskyConnector, Secret, Settings, CHAT_PROXY};
use hark::platform::{Capabilities, Connector, FetchPage, ModerationAction, PlatformError, Target};
use hark::poller::{PollStatus, Poller, Schedule};
use hark::store::outbox as outbox_store;
use hark::store::read::Reader;
use hark::store::{ingest, Writer};
use hark::threads::ThreadNews;
use serde_json::{json, Value};
use std::collections::HashMap;
use tokio::sync::Notify;

fn script(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("scripts/bluesky-devnet")
        .join(name)
}

/// The running network; dropping it stops exactly what start.sh started.
struct Devnet {
    pds: String,
    run_dir: String,
}

impl Devnet {
    fn start() -> Devnet {
        let out = Command::new(script("start.sh"))
            .output()
            .expect("cannot run start.sh");
        assert!(
            out.status.success(),
            "the Bluesky devnet did not start:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let line = String::from_utf8_lossy(&out.stdout);
        let info: Value = serde_json::from_str(line.trim())
            .unwrap_or_else(|e| panic!("start.sh printed {line:?}: {e}"));
        Devnet {
            pds: info["pds"]
                .as_str()
                .unwrap()
                .replace("localhost", "127.0.0.1"),
            run_dir: info["run_dir"].as_str().unwrap().to_string(),
        }
    }
}

impl Drop for Devnet {
    fn drop(&mut self) {
        let _ = Command::new(script("stop.sh")).arg(&self.run_dir).status();
    }
}

/// Raw XRPC for the test's own moves (the fan's posts, checks on the PDS).
struct Raw {
    http: reqwest::Client,
    pds: String,
}

impl Raw {
    async fn call(
        &self,
        nsid: &str,
        token: Option<&str>,
        query: &[(&str, &str)],
        body: Option<Value>,
    ) -> (u16, Value) {
        let url = format!("{}/xrpc/{nsid}", self.pds);
        let mut req = match body {
            Some(b) => self.http.post(url).json(&b),
            None => self.http.get(url),
        }
        .query(query);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    async fn ok(
        &self,
        nsid: &str,
        token: Option<&str>,
        query: &[(&str, &str)],
        body: Option<Value>,
    ) -> Value {
        let (status, v) = self.call(nsid, token, query, body).await;
        assert_eq!(status, 200, "{nsid}: {v}");
        v
    }

    async fn create_account(&self, handle: &str, password: &str) -> (String, String) {
        let v = self
            .ok(
                "com.atproto.server.createAccount",
                None,
                &[],
                Some(json!({"handle": handle, "email": format!("{handle}@example.com"), "password": password})),
            )
            .await;
        (
            v["did"].as_str().unwrap().into(),
            v["accessJwt"].as_str().unwrap().into(),
        )
    }

    async fn post(&self, token: &str, did: &str, record: Value) -> Value {
        self.ok(
            "com.atproto.repo.createRecord",
            Some(token),
            &[],
            Some(json!({"repo": did, "collection": "app.bsky.feed.post", "record": record})),
        )
        .await
    }

    /// Polls `check` until it holds (the AppView indexes within a fraction of a second).
    async fn eventually<F, Fut>(&self, what: &str, check: F)
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        let start = Instant::now();
        while !check().await {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "timed out waiting: {what}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

fn now() -> String {
    jiff::Timestamp::now().to_string()
}

fn connector(pds: &str, password: &str) -> BlueskyConnector {
    BlueskyConnector::new(Settings {
        service: pds.into(),
        handle: "brand.test".into(),
        password: Secret::new(password),
        session_file: None,
        chat_proxy: CHAT_PROXY.into(),
    })
    .unwrap()
}

fn poller(
    conn: Arc<BlueskyConnector>,
    writer: &Writer,
    account_id: i64,
) -> (
    Poller,
    tokio::sync::mpsc::UnboundedReceiver<hark::poller::StatusUpdate>,
) {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    (
        Poller {
            account_id,
            account: "bsky".into(),
            connector: conn,
            writer: writer.handle(),
            pipeline: Arc::new(Pipeline::default()),
            schedule: Schedule {
                interval: Duration::from_millis(300),
                base_backoff: Duration::from_millis(300),
                max_backoff: Duration::from_secs(5),
            },
            status: tx,
        },
        rx,
    )
}

fn target(db: &std::path::Path, external_id: &str) -> Target {
    let c = rusqlite::Connection::open(db).unwrap();
    c.query_row(
        "SELECT i.external_id, i.kind, i.parent_external_id, i.thread_external_id, a.external_id, a.handle, i.raw_json
         FROM items i JOIN authors a ON a.id = i.author_id WHERE i.external_id = ?1",
        [external_id],
        |r| {
            Ok(Target {
                external_id: r.get(0)?,
                kind: r.get::<_, String>(1)?.parse().unwrap(),
                parent_external_id: r.get(2)?,
                thread_external_id: r.get(3)?,
                author_external_id: r.get(4)?,
                author_handle: r.get(5)?,
                raw_json: r.get(6)?,
            })
        },
    )
    .unwrap()
}

fn item_id(db: &std::path::Path, external_id: &str) -> i64 {
    let c = rusqlite::Connection::open(db).unwrap();
    c.query_row(
        "SELECT id FROM items WHERE external_id = ?1",
        [external_id],
        |r| r.get(0),
    )
    .unwrap()
}

/// An outbox row's state and the platform's id of what it posted.
fn item_state(db: &std::path::Path, id: i64) -> String {
    rusqlite::Connection::open(db)
        .unwrap()
        .query_row("SELECT state FROM items WHERE id = ?", [id], |r| r.get(0))
        .unwrap()
}

fn outbox_failure(db: &std::path::Path, id: i64) -> (String, String) {
    rusqlite::Connection::open(db)
        .unwrap()
        .query_row(
            "SELECT state, coalesce(last_error, '') FROM outbox WHERE id = ?",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap()
}

fn outbox_row(db: &std::path::Path, id: i64) -> (String, Option<String>) {
    let c = rusqlite::Connection::open(db).unwrap();
    c.query_row(
        "SELECT state, remote_id FROM outbox WHERE id = ?1",
        [id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .unwrap()
}

/// The real connector, except that a reply never returns once the PDS has taken it: the
/// worker "dies" between sending and recording the send.
struct CrashAfterSend {
    inner: BlueskyConnector,
    sent: Arc<Notify>,
}

#[async_trait::async_trait]
impl Connector for CrashAfterSend {
    fn platform(&self) -> &str {
        self.inner.platform()
    }
    fn capabilities(&self) -> Capabilities {
        self.inner.capabilities()
    }
    async fn fetch(&self, cursor: Option<&str>) -> Result<FetchPage, PlatformError> {
        self.inner.fetch(cursor).await
    }
    async fn reply(&self, target: &Target, text: &str, key: &str) -> Result<String, PlatformError> {
        self.inner.reply(target, text, key).await?;
        self.sent.notify_one();
        std::future::pending().await
    }
    fn dedups_replies(&self) -> bool {
        self.inner.dedups_replies()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hark_against_a_real_bluesky_network() {
    if std::env::var("HARK_BLUESKY_DEVNET").as_deref() != Ok("1") {
        eprintln!("HARK_BLUESKY_DEVNET is not 1: the devnet test does not run");
        return;
    }
    let net = Devnet::start();
    let raw = Raw {
        http: reqwest::Client::new(),
        pds: net.pds.clone(),
    };
    let (brand_did, brand_token) = raw
        .create_account("brand.test", "brand-main-password")
        .await;
    let (fan_did, fan_token) = raw.create_account("fan.test", "fan-main-password").await;
    // hark logs in with an app password, as a brand would.
    let app = raw
        .ok(
            "com.atproto.server.createAppPassword",
            Some(&brand_token),
            &[],
            Some(json!({"name": "hark"})),
        )
        .await;
    let app_password = app["password"].as_str().unwrap().to_string();

    // The brand's post, a fan's mention and a fan's reply to the post.
    let root = raw
        .post(
            &brand_token,
            &brand_did,
            json!({"$type": "app.bsky.feed.post", "text": "New beans today", "createdAt": now()}),
        )
        .await;
    let root_ref = json!({"uri": root["uri"], "cid": root["cid"]});
    let mention_text = "@brand.test my order never came";
    let mention = raw
        .post(&fan_token, &fan_did, json!({"$type": "app.bsky.feed.post", "text": mention_text, "createdAt": now(),
            "facets": [{"index": {"byteStart": 0, "byteEnd": 11}, "features": [{"$type": "app.bsky.richtext.facet#mention", "did": brand_did}]}]}))
        .await;
    let reply = raw
        .post(
            &fan_token,
            &fan_did,
            json!({"$type": "app.bsky.feed.post", "text": "Which origin?", "createdAt": now(),
            "reply": {"root": root_ref, "parent": root_ref}}),
        )
        .await;
    let mention_uri = mention["uri"].as_str().unwrap().to_string();
    let reply_uri = reply["uri"].as_str().unwrap().to_string();

    // Both reach hark's inbox through the real poller.
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hark.db");
    let writer = Writer::spawn(&db).unwrap();
    let account_id = writer
        .handle()
        .call_blocking(|c| ingest::ensure_account(c, "bsky", "bluesky", "brand.test"))
        .unwrap();
    let conn = Arc::new(connector(&net.pds, &app_password));
    let (p, _rx) = poller(conn.clone(), &writer, account_id);
    let started = Instant::now();
    let mut stored = 0;
    while stored < 2 {
        stored += p.poll_round().await.unwrap();
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "only {stored} of 2 notifications arrived"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(
        p.poll_round().await.unwrap(),
        0,
        "a second poll stores nothing twice"
    );

    // A mention its client dated a day back (clock skew, an offline draft, a bridged
    // post): the AppView sorts it below everything stored so far. It still arrives.
    let day_ago = jiff::Timestamp::now()
        .checked_sub(jiff::SignedDuration::from_hours(24))
        .unwrap();
    let backdated = raw
        .post(&fan_token, &fan_did, json!({"$type": "app.bsky.feed.post",
            "text": "@brand.test written offline yesterday: the lid leaks", "createdAt": day_ago.to_string(),
            "facets": [{"index": {"byteStart": 0, "byteEnd": 11}, "features": [{"$type": "app.bsky.richtext.facet#mention", "did": brand_did}]}]}))
        .await;
    let backdated_uri = backdated["uri"].as_str().unwrap().to_string();
    let started = Instant::now();
    let mut stored = 0;
    while stored < 1 {
        stored += p.poll_round().await.unwrap();
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the mention dated a day back never arrived"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let backdated_t = target(&db, &backdated_uri);
    assert_eq!(backdated_t.kind, ItemKind::Mention);
    let created: i64 = rusqlite::Connection::open(&db)
        .unwrap()
        .query_row(
            "SELECT created_at FROM items WHERE external_id = ?",
            [&backdated_uri],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        (created - day_ago.as_second()).abs() <= 1,
        "kept with the date its author gave it"
    );

    let mention_t = target(&db, &mention_uri);
    let reply_t = target(&db, &reply_uri);
    assert_eq!(mention_t.kind, ItemKind::Mention);
    assert_eq!(reply_t.kind, ItemKind::Comment);
    assert_eq!(reply_t.author_handle, "@fan.test");

    // A reply queued in hark goes out through the outbox worker. The worker is killed
    // after the PDS took the post and before it recorded that; the restarted worker sends
    // again with the same key, and the reply exists once.
    let text = "Sorry! Ethiopia Guji today.";
    let reply_item = item_id(&db, &reply_uri);
    let outbox_id = writer
        .handle()
        .call_blocking(move |c| {
            outbox_store::enqueue(
                c,
                reply_item,
                "reply",
                &json!({ "text": text }),
                None,
                "user",
                hark::domain::now(),
            )
        })
        .unwrap();
    let sent = Arc::new(Notify::new());
    let crashing: Arc<dyn Connector> = Arc::new(CrashAfterSend {
        inner: connector(&net.pds, &app_password),
        sent: sent.clone(),
    });
    let worker = Worker::new(writer.handle(), HashMap::from([(account_id, crashing)]));
    tokio::select! {
        _ = worker.run_once() => panic!("the crashing worker never returns"),
        _ = sent.notified() => {}
    }
    drop(worker);
    assert_eq!(outbox_row(&db, outbox_id).0, "sending");
    let restarted: Arc<dyn Connector> = Arc::new(connector(&net.pds, &app_password));
    let mut worker = Worker::new(writer.handle(), HashMap::from([(account_id, restarted)]));
    // The dead worker's lease holds the row until it runs out; hark started again later
    // rechecks it (a live process's row would be left alone).
    assert_eq!(
        worker.reconcile().await.unwrap(),
        0,
        "the lease still holds"
    );
    worker.clock = Arc::new(|| hark::domain::now() + 2 * outbox_store::LEASE_SECS);
    assert_eq!(worker.reconcile().await.unwrap(), 1, "the row left sending");
    assert_eq!(worker.run_once().await.unwrap(), 1);
    let (state, remote) = outbox_row(&db, outbox_id);
    assert_eq!(state, "sent");
    let first = remote.expect("the sent row keeps the post's uri");
    let records = raw
        .ok(
            "com.atproto.repo.listRecords",
            None,
            &[
                ("repo", brand_did.as_str()),
                ("collection", "app.bsky.feed.post"),
            ],
            None,
        )
        .await;
    let copies = records["records"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["value"]["text"] == text)
        .count();
    assert_eq!(copies, 1, "the reply exists exactly once on the PDS");
    let root_uri = root["uri"].as_str().unwrap();
    raw.eventually("the brand's reply in the thread", || async {
        let t = raw
            .ok(
                "app.bsky.feed.getPostThread",
                Some(&fan_token),
                &[("uri", root_uri), ("depth", "5")],
                None,
            )
            .await;
        let nested: Vec<String> = t["thread"]["replies"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|r| r["replies"].as_array().cloned().unwrap_or_default())
            .filter_map(|r| r["post"]["uri"].as_str().map(str::to_string))
            .collect();
        nested.iter().filter(|u| **u == first).count() == 1
    })
    .await;

    // Opening the fan's reply in hark fetches its conversation from the AppView: the
    // brand's post above it and the brand's answer below, kept in the store.
    let (news_tx, mut news) = tokio::sync::mpsc::unbounded_channel();
    let platforms = hark::threads::Platforms {
        connectors: HashMap::from([(account_id, conn.clone() as Arc<dyn Connector>)]),
        pipeline: Arc::new(Pipeline::default()),
    };
    let fetcher = hark::threads::spawn(writer.handle(), platforms, move |n| {
        let _ = news_tx.send(n);
    });
    fetcher.request(reply_item);
    loop {
        match tokio::time::timeout(Duration::from_secs(20), news.recv()).await {
            Ok(Some(ThreadNews::Fetching(_))) => continue,
            Ok(Some(ThreadNews::Fetched { .. })) => break,
            other => panic!("thread context not fetched: {other:?}"),
        }
    }
    let detail = Reader::open(&db)
        .unwrap()
        .detail(reply_item)
        .unwrap()
        .unwrap();
    let above: Vec<(&str, bool)> = detail
        .ancestors
        .iter()
        .map(|e| (e.body.as_str(), e.own))
        .collect();
    assert_eq!(above, [("New beans today", true)]);
    let below: Vec<&str> = detail.replies.iter().map(|e| e.body.as_str()).collect();
    assert_eq!(below, [text]);

    // Hiding the fan's reply takes it out of the thread as others see it (the AppView's
    // thread view moves threadgate-hidden replies out of the thread).
    let thread_v2 = |token: String| {
        let raw = &raw;
        async move {
            let t = raw
                .ok(
                    "app.bsky.unspecced.getPostThreadV2",
                    Some(&token),
                    &[("anchor", root_uri)],
                    None,
                )
                .await;
            t["thread"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|p| p["uri"].as_str().map(str::to_string))
                .collect::<Vec<String>>()
        }
    };
    assert!(
        thread_v2(brand_token.clone()).await.contains(&reply_uri),
        "the reply is in the thread before hiding"
    );
    conn.moderate(&reply_t, ModerationAction::Hide)
        .await
        .unwrap();
    raw.eventually("the hidden reply gone from the thread", || async {
        !thread_v2(brand_token.clone()).await.contains(&reply_uri)
    })
    .await;
    let v1 = raw
        .ok(
            "app.bsky.feed.getPostThread",
            Some(&fan_token),
            &[("uri", root_uri)],
            None,
        )
        .await;
    assert_eq!(
        v1["threadgate"]["record"]["hiddenReplies"],
        json!([reply_uri])
    );

    // Block, mute, mute thread and report succeed.
    conn.moderate(&mention_t, ModerationAction::MuteAuthor)
        .await
        .unwrap();
    conn.moderate(&mention_t, ModerationAction::MuteThread)
        .await
        .unwrap();
    conn.moderate(
        &mention_t,
        ModerationAction::Report {
            category: "spam".into(),
            reason: "test report".into(),
        },
    )
    .await
    .unwrap();
    conn.moderate(&mention_t, ModerationAction::BlockAuthor)
        .await
        .unwrap();
    let blocks = raw
        .ok(
            "com.atproto.repo.listRecords",
            None,
            &[
                ("repo", brand_did.as_str()),
                ("collection", "app.bsky.graph.block"),
            ],
            None,
        )
        .await;
    assert_eq!(blocks["records"][0]["value"]["subject"], fan_did.as_str());
    let mutes = raw
        .ok("app.bsky.graph.getMutes", Some(&brand_token), &[], None)
        .await;
    assert_eq!(mutes["mutes"][0]["did"], fan_did.as_str());
    // A refusal from the real PDS, through the outbox: an author whose id is not a valid
    // AT identifier (as a record bridged from elsewhere can carry) cannot be muted. The
    // row fails with the PDS's own words, and the item stays as it was.
    let odd = hark::domain::NewItem {
        external_id: format!("{mention_uri}-bridged"),
        kind: ItemKind::Mention,
        parent_external_id: None,
        thread_external_id: None,
        author: hark::domain::NewAuthor {
            external_id: "bridged:not-an-at-identifier".into(),
            handle: "@bridged".into(),
            display_name: String::new(),
            followers: None,
        },
        body: "hello from elsewhere @brand".into(),
        url: None,
        created_at: hark::domain::now(),
        raw_json: None,
        room: None,
    };
    let odd_external = odd.external_id.clone();
    writer
        .handle()
        .call_blocking(move |c| {
            ingest::ingest(
                c,
                account_id,
                &[ingest::Incoming::from(odd)],
                None,
                hark::domain::now(),
            )
            .map(drop)
        })
        .unwrap();
    let odd_item = item_id(&db, &odd_external);
    let state_before = item_state(&db, odd_item);
    let mute_row = writer
        .handle()
        .call_blocking(move |c| {
            hark::store::moderation::queue(
                c,
                &[odd_item],
                "mute",
                &json!({}),
                "user",
                hark::domain::now(),
            )
            .map(|ids| ids[0])
        })
        .unwrap();
    let worker = Worker::new(
        writer.handle(),
        HashMap::from([(account_id, conn.clone() as Arc<dyn Connector>)]),
    );
    worker.run_once().await.unwrap();
    let (state, error) = outbox_failure(&db, mute_row);
    assert_eq!(state, "failed");
    assert!(
        error.contains("InvalidRequest"),
        "the PDS's reason: {error}"
    );
    assert_eq!(
        item_state(&db, odd_item),
        state_before,
        "the item is as it was"
    );

    // The brand deletes its own reply.
    let own = Target {
        external_id: first.clone(),
        kind: ItemKind::Post,
        ..reply_t.clone()
    };
    conn.moderate(&own, ModerationAction::Delete).await.unwrap();

    // A real 429: spend the PDS's createSession budget for the brand, then a fresh hark
    // (which must log in) is rate limited and its poller waits it out.
    // All at once: the window is short (start.sh caps windows at 10 s) and logins are slow.
    let attempts = (0..40).map(|_| {
        raw.call(
            "com.atproto.server.createSession",
            None,
            &[],
            Some(json!({"identifier": "brand.test", "password": "wrong-password"})),
        )
    });
    // Stop at the first 429: the rest are still being answered (slowly) while hark tries.
    let mut pending: futures::stream::FuturesUnordered<_> = attempts.collect();
    let mut limited = false;
    while let Some((status, _)) = futures::StreamExt::next(&mut pending).await {
        if status == 429 {
            limited = true;
            break;
        }
    }
    assert!(limited, "the PDS never answered 429");
    let fresh = Arc::new(connector(&net.pds, &app_password));
    match fresh.fetch(None).await {
        Err(PlatformError::RateLimited { wait }) => {
            assert!(wait <= Duration::from_secs(11), "{wait:?}")
        }
        other => panic!("expected a rate limit, got {other:?}"),
    }
    let (p, mut statuses) = poller(fresh, &writer, account_id);
    let task = tokio::spawn(p.run());
    let mut saw_limit = false;
    let outcome = tokio::time::timeout(Duration::from_secs(40), async {
        while let Some(update) = statuses.recv().await {
            match update.status {
                PollStatus::RateLimited { .. } => saw_limit = true,
                PollStatus::Ok { .. } => return true,
                PollStatus::Error { message, .. } => panic!("poll failed: {message}"),
                _ => {}
            }
        }
        false
    })
    .await;
    task.abort();
    assert!(saw_limit, "the poller never reported the rate limit");
    assert_eq!(
        outcome,
        Ok(true),
        "the poller did not recover after the wait"
    );
    drop(writer);
}
