//! Replies and moderation of the Bluesky connector against a wiremock PDS.

mod support;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use hark::domain::ItemKind;
use hark::platform::bluesky::tid;
use hark::platform::{Connector, ModerationAction, PlatformError, Target};
use serde_json::{json, Value};
use support::bluesky::*;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// A tiny repo: getRecord finds what createRecord wrote, by rkey.
#[derive(Clone, Default)]
struct Repo(Arc<Mutex<HashMap<String, Value>>>);

impl Respond for Repo {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut records = self.0.lock().unwrap();
        if request.url.path().ends_with("createRecord") {
            let body: Value = serde_json::from_slice(&request.body).unwrap();
            let rkey = body["rkey"].as_str().unwrap().to_string();
            if records.contains_key(&rkey) {
                return ResponseTemplate::new(500)
                    .set_body_json(json!({"error": "InternalServerError"}));
            }
            let uri = format!("at://did:plc:brand/app.bsky.feed.post/{rkey}");
            records.insert(rkey, body["record"].clone());
            return ResponseTemplate::new(200)
                .set_body_json(json!({"uri": uri, "cid": "bafyreinew"}));
        }
        let rkey = request
            .url
            .query_pairs()
            .find(|(k, _)| k == "rkey")
            .unwrap()
            .1
            .to_string();
        match records.get(&rkey) {
            Some(v) => ResponseTemplate::new(200).set_body_json(json!({
                "uri": format!("at://did:plc:brand/app.bsky.feed.post/{rkey}"), "cid": "bafyreinew", "value": v})),
            None => xrpc_error(400, "RecordNotFound"),
        }
    }
}

/// The fan's reply in the brand's thread, as ingest keeps it.
fn reply_target() -> Target {
    let n = fixture("notifications_page1.json")["notifications"][3].clone();
    Target {
        external_id: n["uri"].as_str().unwrap().into(),
        parent_external_id: Some("at://did:plc:fan2/app.bsky.feed.post/3kfan00000002".into()),
        thread_external_id: Some("at://did:plc:brand/app.bsky.feed.post/3kbrand000001".into()),
        kind: ItemKind::Comment,
        author_external_id: "did:plc:fan4".into(),
        author_handle: "@fan4.test".into(),
        raw_json: Some(n.to_string()),
    }
}

/// A mention outside the brand's threads.
fn mention_target() -> Target {
    let n = fixture("notifications_page1.json")["notifications"][0].clone();
    Target {
        external_id: n["uri"].as_str().unwrap().into(),
        parent_external_id: None,
        thread_external_id: None,
        kind: ItemKind::Mention,
        author_external_id: "did:plc:fan".into(),
        author_handle: "@fan.test".into(),
        raw_json: Some(n.to_string()),
    }
}

async fn repo_server() -> (MockServer, Repo) {
    let server = MockServer::start().await;
    mount_login(&server).await;
    let repo = Repo::default();
    Mock::given(path("/xrpc/com.atproto.repo.getRecord"))
        .and(query_param("collection", "app.bsky.feed.post"))
        .respond_with(repo.clone())
        .mount(&server)
        .await;
    Mock::given(path("/xrpc/com.atproto.repo.createRecord"))
        .respond_with(repo.clone())
        .mount(&server)
        .await;
    Mock::given(path("/xrpc/com.atproto.identity.resolveHandle"))
        .and(query_param("handle", "fan4.test"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"did": "did:plc:fan4"})))
        .mount(&server)
        .await;
    Mock::given(path("/xrpc/com.atproto.identity.resolveHandle"))
        .respond_with(xrpc_error(400, "InvalidRequest"))
        .with_priority(10)
        .mount(&server)
        .await;
    (server, repo)
}

#[tokio::test]
async fn reply_uses_strong_refs_a_derived_rkey_and_facets() {
    let (server, repo) = repo_server().await;
    let text = "@fan4.test sorry! Track it at https://help.example/track ok?";
    let uri = connector(&server)
        .reply(&reply_target(), text, "outbox-7")
        .await
        .unwrap();
    let rkey = tid::from_key("outbox-7");
    assert_eq!(uri, format!("at://did:plc:brand/app.bsky.feed.post/{rkey}"));
    let body = &bodies(&server, "com.atproto.repo.createRecord").await[0];
    assert_eq!(body["repo"], "did:plc:brand");
    assert_eq!(body["rkey"], rkey.as_str());
    let record = &body["record"];
    assert_eq!(record["$type"], "app.bsky.feed.post");
    assert_eq!(record["text"], text);
    // Parent = the fan's post; root = the brand's thread start, both with their CIDs.
    assert_eq!(
        record["reply"]["parent"],
        json!({"uri": "at://did:plc:fan4/app.bsky.feed.post/3kfan00000004", "cid": "bafyreifan4"})
    );
    assert_eq!(
        record["reply"]["root"],
        json!({"uri": "at://did:plc:brand/app.bsky.feed.post/3kbrand000001", "cid": "bafyreibrandroot"})
    );
    assert_eq!(
        record["facets"],
        json!([
            {"index": {"byteStart": 0, "byteEnd": 10}, "features": [{"$type": "app.bsky.richtext.facet#mention", "did": "did:plc:fan4"}]},
            {"index": {"byteStart": 30, "byteEnd": 56}, "features": [{"$type": "app.bsky.richtext.facet#link", "uri": "https://help.example/track"}]}
        ])
    );
    assert!(record["createdAt"].as_str().unwrap().ends_with('Z'));
    assert_eq!(repo.0.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn a_retried_reply_finds_the_first_attempt_and_posts_nothing_more() {
    let (server, repo) = repo_server().await;
    let first = connector(&server)
        .reply(&mention_target(), "We're on it", "outbox-9")
        .await
        .unwrap();
    // The worker crashed before recording success; a new process retries the same row.
    let second = connector(&server)
        .reply(&mention_target(), "We're on it", "outbox-9")
        .await
        .unwrap();
    assert_eq!(first, second);
    assert_eq!(count(&server, "com.atproto.repo.createRecord").await, 1);
    assert_eq!(repo.0.lock().unwrap().len(), 1);
    // A root post: root and parent are both the mention.
    let body = &bodies(&server, "com.atproto.repo.createRecord").await[0];
    assert_eq!(
        body["record"]["reply"]["root"],
        body["record"]["reply"]["parent"]
    );
    // A different outbox row is a different reply.
    connector(&server)
        .reply(&mention_target(), "We're on it", "outbox-10")
        .await
        .unwrap();
    assert_eq!(repo.0.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn reply_without_a_stored_record_looks_the_target_up() {
    let (server, _repo) = repo_server().await;
    Mock::given(path("/xrpc/com.atproto.repo.getRecord"))
        .and(query_param("repo", "did:plc:fan"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "uri": "at://did:plc:fan/app.bsky.feed.post/3kfan00000001", "cid": "bafyfetched",
            "value": {"$type": "app.bsky.feed.post", "text": "hi", "createdAt": "2024-05-01T12:00:04.000Z",
                      "reply": {"root": {"uri": "at://did:plc:x/app.bsky.feed.post/r", "cid": "bafyroot"},
                                "parent": {"uri": "at://did:plc:x/app.bsky.feed.post/r", "cid": "bafyroot"}}}})))
        .with_priority(1)
        .mount(&server)
        .await;
    let mut target = mention_target();
    target.raw_json = None;
    connector(&server)
        .reply(&target, "thanks", "outbox-11")
        .await
        .unwrap();
    let body = &bodies(&server, "com.atproto.repo.createRecord").await[0];
    assert_eq!(body["record"]["reply"]["parent"]["cid"], "bafyfetched");
    assert_eq!(
        body["record"]["reply"]["root"]["uri"],
        "at://did:plc:x/app.bsky.feed.post/r"
    );
}

#[tokio::test]
async fn over_300_graphemes_is_refused_before_any_call() {
    let server = MockServer::start().await;
    let conn = connector(&server);
    let long = "é".repeat(301);
    let err = conn.reply(&mention_target(), &long, "k").await.unwrap_err();
    assert!(
        matches!(&err, PlatformError::Permanent(m) if m.contains("301 graphemes")),
        "{err:?}"
    );
    assert!(server.received_requests().await.unwrap().is_empty());
    assert_eq!(
        conn.capabilities().reply_limit,
        Some(hark::replies::length::Limit {
            length: 300,
            bytes: Some(3000)
        })
    );
}

async fn gate_server(existing: Option<Value>) -> MockServer {
    let server = MockServer::start().await;
    mount_login(&server).await;
    let answer = match existing {
        Some(v) => ResponseTemplate::new(200).set_body_json(v),
        None => xrpc_error(400, "RecordNotFound"),
    };
    Mock::given(method("GET"))
        .and(path("/xrpc/com.atproto.repo.getRecord"))
        .and(query_param("collection", "app.bsky.feed.threadgate"))
        .and(query_param("rkey", "3kbrand000001"))
        .respond_with(answer)
        .mount(&server)
        .await;
    Mock::given(path("/xrpc/com.atproto.repo.putRecord"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"uri": "at://did:plc:brand/app.bsky.feed.threadgate/3kbrand000001", "cid": "bafyreigate2"})))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn hide_merges_into_the_existing_threadgate() {
    let server = gate_server(Some(fixture("threadgate.json"))).await;
    connector(&server)
        .moderate(&reply_target(), ModerationAction::Hide)
        .await
        .unwrap();
    let put = &bodies(&server, "com.atproto.repo.putRecord").await[0];
    assert_eq!(put["collection"], "app.bsky.feed.threadgate");
    assert_eq!(put["rkey"], "3kbrand000001");
    assert_eq!(put["swapRecord"], "bafyreigate");
    let gate = &put["record"];
    assert_eq!(
        gate["allow"],
        json!([{"$type": "app.bsky.feed.threadgate#followingRule"}]),
        "who may reply is kept"
    );
    assert_eq!(
        gate["hiddenReplies"],
        json!([
            "at://did:plc:troll/app.bsky.feed.post/3ktroll000001",
            "at://did:plc:fan4/app.bsky.feed.post/3kfan00000004"
        ])
    );
}

#[tokio::test]
async fn hide_creates_a_threadgate_that_still_lets_everyone_reply_and_unhide_removes() {
    let server = gate_server(None).await;
    connector(&server)
        .moderate(&reply_target(), ModerationAction::Hide)
        .await
        .unwrap();
    let put = &bodies(&server, "com.atproto.repo.putRecord").await[0];
    assert!(put.get("swapRecord").is_none());
    assert!(
        put["record"].get("allow").is_none(),
        "an empty allow list would close the thread"
    );
    assert_eq!(
        put["record"]["post"],
        "at://did:plc:brand/app.bsky.feed.post/3kbrand000001"
    );

    let mut gate = fixture("threadgate.json");
    gate["value"]["hiddenReplies"] = json!([
        "at://did:plc:fan4/app.bsky.feed.post/3kfan00000004",
        "at://x/y/z"
    ]);
    let server = gate_server(Some(gate)).await;
    connector(&server)
        .moderate(&reply_target(), ModerationAction::Unhide)
        .await
        .unwrap();
    let put = &bodies(&server, "com.atproto.repo.putRecord").await[0];
    assert_eq!(put["record"]["hiddenReplies"], json!(["at://x/y/z"]));
}

#[tokio::test]
async fn hide_refuses_threads_the_brand_did_not_start() {
    let server = MockServer::start().await;
    mount_login(&server).await;
    let mut target = reply_target();
    let mut raw: Value = serde_json::from_str(target.raw_json.as_deref().unwrap()).unwrap();
    raw["record"]["reply"]["root"]["uri"] =
        "at://did:plc:other/app.bsky.feed.post/3kother00001".into();
    target.raw_json = Some(raw.to_string());
    let err = connector(&server)
        .moderate(&target, ModerationAction::Hide)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, PlatformError::Permanent(m) if m.contains("threads it started")),
        "{err:?}"
    );
    assert_eq!(count(&server, "com.atproto.repo.putRecord").await, 0);
}

async fn ok_server(nsid: &str) -> MockServer {
    let server = MockServer::start().await;
    mount_login(&server).await;
    Mock::given(method("POST"))
        .and(path(format!("/xrpc/{nsid}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"uri": "at://did:plc:brand/app.bsky.graph.block/3kblock", "cid": "bafyblock", "id": 1})))
        .expect(1)
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn mute_actor_and_mute_thread() {
    let server = ok_server("app.bsky.graph.muteActor").await;
    connector(&server)
        .moderate(&reply_target(), ModerationAction::MuteAuthor)
        .await
        .unwrap();
    assert_eq!(
        bodies(&server, "app.bsky.graph.muteActor").await[0],
        json!({"actor": "did:plc:fan4"})
    );

    let server = ok_server("app.bsky.graph.muteThread").await;
    connector(&server)
        .moderate(&reply_target(), ModerationAction::MuteThread)
        .await
        .unwrap();
    assert_eq!(
        bodies(&server, "app.bsky.graph.muteThread").await[0],
        json!({"root": "at://did:plc:brand/app.bsky.feed.post/3kbrand000001"})
    );
}

#[tokio::test]
async fn block_writes_a_graph_block_record() {
    let server = ok_server("com.atproto.repo.createRecord").await;
    connector(&server)
        .moderate(&reply_target(), ModerationAction::BlockAuthor)
        .await
        .unwrap();
    let body = &bodies(&server, "com.atproto.repo.createRecord").await[0];
    assert_eq!(body["collection"], "app.bsky.graph.block");
    assert_eq!(body["repo"], "did:plc:brand");
    assert_eq!(body["record"]["subject"], "did:plc:fan4");
    assert_eq!(body["record"]["$type"], "app.bsky.graph.block");
}

#[tokio::test]
async fn report_sends_the_post_as_a_strong_ref_with_its_reason() {
    let server = ok_server("com.atproto.moderation.createReport").await;
    let action = ModerationAction::Report {
        category: "spam".into(),
        reason: "crypto scam link".into(),
    };
    connector(&server)
        .moderate(&mention_target(), action)
        .await
        .unwrap();
    assert_eq!(
        bodies(&server, "com.atproto.moderation.createReport").await[0],
        json!({
            "reasonType": "com.atproto.moderation.defs#reasonSpam",
            "reason": "crypto scam link",
            "subject": {"$type": "com.atproto.repo.strongRef", "uri": "at://did:plc:fan/app.bsky.feed.post/3kfan00000001", "cid": "bafyreifan1"}
        })
    );
}

#[tokio::test]
async fn delete_only_the_brands_own_posts() {
    let server = ok_server("com.atproto.repo.deleteRecord").await;
    let own = Target {
        external_id: "at://did:plc:brand/app.bsky.feed.post/3kbrandreply1".into(),
        kind: ItemKind::Post,
        author_external_id: "did:plc:brand".into(),
        ..mention_target()
    };
    connector(&server)
        .moderate(&own, ModerationAction::Delete)
        .await
        .unwrap();
    assert_eq!(
        bodies(&server, "com.atproto.repo.deleteRecord").await[0],
        json!({"repo": "did:plc:brand", "collection": "app.bsky.feed.post", "rkey": "3kbrandreply1"})
    );
    let err = connector(&server)
        .moderate(&mention_target(), ModerationAction::Delete)
        .await
        .unwrap_err();
    assert!(matches!(err, PlatformError::Permanent(_)), "{err:?}");
}

#[tokio::test]
async fn a_refused_moderation_call_is_permanent_and_a_429_waits() {
    let server = MockServer::start().await;
    mount_login(&server).await;
    Mock::given(path("/xrpc/app.bsky.graph.muteActor"))
        .respond_with(xrpc_error(400, "InvalidRequest"))
        .mount(&server)
        .await;
    Mock::given(path("/xrpc/com.atproto.moderation.createReport"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "7"))
        .mount(&server)
        .await;
    let conn = connector(&server);
    let err = conn
        .moderate(&mention_target(), ModerationAction::MuteAuthor)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, PlatformError::Permanent(m) if m.contains("InvalidRequest")),
        "{err:?}"
    );
    let report = ModerationAction::Report {
        category: "other".into(),
        reason: String::new(),
    };
    assert_eq!(
        conn.moderate(&mention_target(), report).await.unwrap_err(),
        PlatformError::RateLimited {
            wait: std::time::Duration::from_secs(7)
        }
    );
}

#[tokio::test]
async fn account_add_checks_the_login_and_prints_the_block() {
    let server = MockServer::start().await;
    mount_login(&server).await;
    let uri = server.uri();
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_hark"))
            .args([
                "account",
                "add",
                "bluesky",
                "--handle",
                "@brand.test",
                "--service",
                &uri,
            ])
            .args(["--token-env", "HARK_TEST_BSKY_PW"])
            .env("HARK_TEST_BSKY_PW", PASSWORD)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("# logged in as brand.test (did:plc:brand)"),
        "{stdout}"
    );
    let block: toml::Value = toml::from_str(&stdout).unwrap();
    let account = &block["account"][0];
    assert_eq!(account["platform"].as_str(), Some("bluesky"));
    assert_eq!(account["handle"].as_str(), Some("brand.test"));
    assert_eq!(account["name"].as_str(), Some("bluesky-brand"));
    assert_eq!(account["token_env"].as_str(), Some("HARK_TEST_BSKY_PW"));
    assert_eq!(account["server"].as_str(), Some(server.uri().as_str()));
    assert!(!stdout.contains(PASSWORD));
    let login = &bodies(&server, "com.atproto.server.createSession").await[0];
    assert_eq!(login["password"], PASSWORD);

    // A refused login fails with a clear message and prints no block.
    let bad = MockServer::start().await;
    Mock::given(path("/xrpc/com.atproto.server.createSession"))
        .respond_with(xrpc_error(401, "AuthenticationRequired"))
        .mount(&bad)
        .await;
    let uri = bad.uri();
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_hark"))
            .args([
                "account",
                "add",
                "bluesky",
                "--handle",
                "brand.test",
                "--service",
                &uri,
            ])
            .args(["--token-env", "HARK_TEST_BSKY_PW"])
            .env("HARK_TEST_BSKY_PW", PASSWORD)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("app password") && !stderr.contains(PASSWORD),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
}

// Local state follows the platform: the connector's real client, the outbox worker and
// the store together, against the mock PDS.

struct Truth {
    _dir: tempfile::TempDir,
    path: std::path::PathBuf,
    writer: hark::store::Writer,
    account: i64,
}

/// A store holding `targets` as items of the Bluesky account.
fn truth_store(targets: &[Target]) -> (Truth, Vec<i64>) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hark.db");
    let writer = hark::store::Writer::spawn(&path).unwrap();
    let items: Vec<hark::store::ingest::Incoming> = targets
        .iter()
        .map(|t| {
            hark::store::ingest::Incoming::from(hark::domain::NewItem {
                external_id: t.external_id.clone(),
                kind: t.kind,
                parent_external_id: t.parent_external_id.clone(),
                thread_external_id: t.thread_external_id.clone(),
                author: hark::domain::NewAuthor {
                    external_id: t.author_external_id.clone(),
                    handle: t.author_handle.clone(),
                    display_name: "Fan".into(),
                    followers: None,
                },
                body: "hello @brand.test?".into(),
                url: None,
                created_at: 1_764_000_000,
                raw_json: t.raw_json.clone(),
                room: None,
            })
        })
        .collect();
    let (account, ids) = writer
        .handle()
        .call_blocking(move |c| {
            let account =
                hark::store::ingest::ensure_account(c, "brand-bsky", "bluesky", "brand.test")?;
            let ids =
                hark::store::ingest::ingest(c, account, &items, None, 1_764_000_000)?.inserted;
            Ok((account, ids))
        })
        .unwrap();
    (
        Truth {
            _dir: dir,
            path,
            writer,
            account,
        },
        ids,
    )
}

impl Truth {
    fn row(&self, view: hark::store::View, id: i64) -> Option<hark::store::read::ItemRow> {
        hark::store::Reader::open(&self.path)
            .unwrap()
            .page(
                &hark::store::read::ListQuery::view(view),
                None,
                hark::store::read::Direction::Older,
                100,
            )
            .unwrap()
            .into_iter()
            .find(|r| r.id == id)
    }

    fn worker(&self, c: Arc<dyn Connector>) -> hark::outbox::worker::Worker {
        hark::outbox::worker::Worker::new(self.writer.handle(), HashMap::from([(self.account, c)]))
    }

    fn queue(&self, id: i64, kind: &'static str, payload: Value) {
        self.writer
            .handle()
            .call_blocking(move |c| {
                if kind == "reply" {
                    hark::store::outbox::enqueue(
                        c,
                        id,
                        kind,
                        &payload,
                        None,
                        "user",
                        hark::domain::now(),
                    )?;
                } else {
                    hark::store::moderation::queue(
                        c,
                        &[id],
                        kind,
                        &payload,
                        "user",
                        hark::domain::now(),
                    )?;
                }
                Ok(())
            })
            .unwrap();
    }
}

#[tokio::test]
async fn a_refused_delete_or_hide_leaves_the_mention_in_the_inbox_with_the_reason() {
    use hark::store::View;
    let (server, _) = repo_server().await;
    let (store, ids) = truth_store(&[mention_target()]);
    let c: Arc<dyn Connector> = Arc::new(connector(&server));
    for (kind, reason) in [
        ("delete", "only the brand's own posts"),
        ("hide", "only replies can be hidden"),
    ] {
        store.queue(ids[0], kind, json!({}));
        assert_eq!(
            store
                .row(View::Inbox, ids[0])
                .unwrap()
                .marks
                .pending
                .as_deref(),
            Some(kind)
        );
        store.worker(c.clone()).run_once().await.unwrap();
        let row = store
            .row(View::Inbox, ids[0])
            .expect("still in the Inbox: the post is still public");
        let (refused, why) = row.marks.refused.expect("the refusal is on the item");
        assert_eq!(refused, kind);
        assert!(why.contains(reason), "{why}");
    }
    assert_eq!(count(&server, "com.atproto.repo.deleteRecord").await, 0);
    assert_eq!(count(&server, "com.atproto.repo.putRecord").await, 0);
}

#[tokio::test]
async fn a_reply_refused_for_its_credentials_goes_again_once_a_call_on_the_account_works() {
    use hark::store::View;
    let (server, _) = repo_server().await;
    Mock::given(path("/xrpc/com.atproto.repo.createRecord"))
        .respond_with(xrpc_error(401, "AuthRequired"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(path("/xrpc/app.bsky.graph.muteActor"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .mount(&server)
        .await;
    let (store, ids) = truth_store(&[reply_target(), mention_target()]);
    let c: Arc<dyn Connector> = Arc::new(connector(&server));
    let worker = store.worker(c);
    store.queue(ids[0], "reply", json!({"text": "thanks!"}));
    worker.run_once().await.unwrap();
    let row = store
        .row(View::NeedsReply, ids[0])
        .expect("the failed reply is back in Needs reply");
    assert!(row.marks.reply_failed);
    // Another call on the account works: the reply goes again, with its key.
    store.queue(ids[1], "mute", json!({}));
    worker.run_once().await.unwrap();
    assert_eq!(worker.run_once().await.unwrap(), 1);
    assert!(store.row(View::NeedsReply, ids[0]).is_none(), "answered");
    let conn = rusqlite::Connection::open(&store.path).unwrap();
    let states: Vec<String> = conn
        .prepare("SELECT state FROM outbox ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(states, vec!["sent", "sent"]);
}

#[tokio::test]
async fn a_post_gone_on_opening_or_replying_is_marked_deleted_and_no_orphan_is_written() {
    use hark::store::View;
    let (server, _) = repo_server().await;
    Mock::given(path("/xrpc/app.bsky.feed.getPostThread"))
        .respond_with(xrpc_error(400, "NotFound"))
        .mount(&server)
        .await;
    Mock::given(path("/xrpc/app.bsky.feed.getPosts"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"posts": []})))
        .mount(&server)
        .await;
    let (store, ids) = truth_store(&[reply_target(), mention_target()]);
    let c: Arc<dyn Connector> = Arc::new(connector(&server));
    // Opening: the thread fetch answers NotFound.
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let fetcher = hark::threads::spawn(
        store.writer.handle(),
        hark::threads::Platforms {
            connectors: HashMap::from([(store.account, c.clone())]),
            pipeline: Arc::new(hark::ingest::Pipeline::default()),
        },
        move |news| {
            let _ = tx.send(news);
        },
    );
    fetcher.request(ids[1]);
    loop {
        match rx.recv().await.unwrap() {
            hark::threads::ThreadNews::Failed { .. } => break,
            hark::threads::ThreadNews::Fetched { .. } => panic!("a gone post fetched"),
            _ => {}
        }
    }
    assert!(store.row(View::All, ids[1]).unwrap().marks.gone);
    // Replying: the parent is gone, so nothing is written and the item says why.
    store.queue(ids[0], "reply", json!({"text": "thanks!"}));
    store.worker(c).run_once().await.unwrap();
    let row = store.row(View::All, ids[0]).unwrap();
    assert!(row.marks.gone && row.marks.reply_failed, "{:?}", row.marks);
    assert_eq!(count(&server, "com.atproto.repo.createRecord").await, 0);
}
