//! The Bluesky connector against a wiremock PDS answering in the lexicons' shapes
//! (tests/fixtures/bluesky/): ingest, sessions, DMs, rate limits, malformed answers.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use hark::domain::ItemKind;
use hark::platform::{Connector, PlatformError, Target};
use serde_json::{json, Value};
use support::bluesky::*;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const LIST: &str = "/xrpc/app.bsky.notification.listNotifications";

async fn mount_profiles(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path("/xrpc/app.bsky.actor.getProfiles"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("profiles.json")))
        .mount(server)
        .await;
}

/// Chat off (as for an app password without DM access): the public inbox still works.
async fn mount_no_chat(server: &MockServer) {
    Mock::given(path("/xrpc/chat.bsky.convo.listConvos"))
        .respond_with(xrpc_error(400, "InvalidToken"))
        .mount(server)
        .await;
}

async fn first_pages(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path(LIST))
        .and(query_param("cursor", "page-2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("notifications_page2.json")))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(LIST))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("notifications_page1.json")))
        .with_priority(10)
        .mount(server)
        .await;
}

fn marks(cursor: &Option<String>) -> Value {
    serde_json::from_str(cursor.as_deref().unwrap()).unwrap()
}

#[tokio::test]
async fn first_fetch_pages_down_dedupes_and_classifies_by_record() {
    let server = MockServer::start().await;
    mount_login(&server).await;
    mount_profiles(&server).await;
    mount_no_chat(&server).await;
    first_pages(&server).await;
    let page = connector(&server).fetch(None).await.unwrap();

    let ids: Vec<&str> = page.items.iter().map(|i| i.external_id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "at://did:plc:fan/app.bsky.feed.post/3kfan00000001",
            "at://did:plc:fan2/app.bsky.feed.post/3kfan00000002",
            "at://did:plc:fan4/app.bsky.feed.post/3kfan00000004",
            "at://did:plc:fan5/app.bsky.feed.post/3kfan00000005",
        ],
        "the like is skipped and the notification repeated across the page boundary comes once"
    );
    let [mention, reply_mention, reply, quote] = &page.items[..] else {
        panic!()
    };
    assert_eq!(mention.kind, ItemKind::Mention);
    // Reason `mention`, but record.reply in the brand's thread: a comment.
    assert_eq!(reply_mention.kind, ItemKind::Comment);
    assert_eq!(
        reply_mention.parent_external_id.as_deref(),
        Some("at://did:plc:brand/app.bsky.feed.post/3kbrand000001")
    );
    assert_eq!(reply.kind, ItemKind::Comment);
    assert_eq!(
        reply.thread_external_id.as_deref(),
        Some("at://did:plc:brand/app.bsky.feed.post/3kbrand000001")
    );
    assert_eq!(quote.kind, ItemKind::Mention);
    assert_eq!(
        mention.body,
        "@brand.test my mug arrived broken, see example.com/ord… <https://example.com/order/123>\n[image: a mug in pieces]"
    );
    assert_eq!(
        quote.body,
        "this is the best coffee\n[quoting at://did:plc:brand/app.bsky.feed.post/3kbrand000001]"
    );
    assert_eq!(mention.author.handle, "@fan.test");
    assert_eq!(mention.author.display_name, "Fan One");
    assert_eq!(mention.author.followers, Some(1200));
    assert_eq!(quote.author.followers, Some(98000));
    assert_eq!(mention.created_at, 1714564804);
    assert_eq!(
        mention.url.as_deref(),
        Some("https://bsky.app/profile/did:plc:fan/post/3kfan00000001")
    );
    let raw: Value = serde_json::from_str(mention.raw_json.as_deref().unwrap()).unwrap();
    assert_eq!(
        raw["cid"], "bafyreifan1",
        "the notification is kept for replying"
    );
    assert_eq!(marks(&page.next_cursor)["n"], "2024-05-01T12:00:05.000Z");
    assert!(!page.more);
    // Follower counts in one batched call.
    assert_eq!(count(&server, "app.bsky.actor.getProfiles").await, 1);
}

#[tokio::test]
async fn later_fetch_rereads_the_look_back_window_and_caches_profiles() {
    let server = MockServer::start().await;
    mount_login(&server).await;
    mount_profiles(&server).await;
    mount_no_chat(&server).await;
    first_pages(&server).await;
    let conn = connector(&server);
    let first = conn.fetch(None).await.unwrap();

    server.reset().await;
    mount_login(&server).await;
    mount_profiles(&server).await;
    mount_no_chat(&server).await;
    Mock::given(method("GET"))
        .and(path(LIST))
        .and(query_param("cursor", "page-later-2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"notifications": []})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(LIST))
        .and(query_param("reasons", "mention"))
        .and(query_param("reasons", "quote"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("notifications_later.json")))
        .with_priority(10)
        .mount(&server)
        .await;
    let later = conn.fetch(first.next_cursor.as_deref()).await.unwrap();
    let ids: Vec<&str> = later.items.iter().map(|i| i.external_id.as_str()).collect();
    // The whole window is read again, whatever the mark: the quote 10 minutes below it
    // too (the store dedupes what it has), down to the end of the list.
    assert_eq!(
        ids,
        [
            "at://did:plc:fan6/app.bsky.feed.post/3kfan00000006",
            "at://did:plc:fan/app.bsky.feed.post/3kfan00000001",
            "at://did:plc:fan5/app.bsky.feed.post/3kfan00000005"
        ]
    );
    assert_eq!(
        count(&server, "app.bsky.notification.listNotifications").await,
        2
    );
    assert_eq!(marks(&later.next_cursor)["n"], "2024-05-01T12:10:00.000Z");
    // Counts cached from the first fetch; the session too (no second login).
    assert_eq!(later.items[1].author.followers, Some(1200));
    assert_eq!(count(&server, "com.atproto.server.createSession").await, 0);
}

#[tokio::test]
async fn an_empty_page_keeps_the_mark() {
    let server = MockServer::start().await;
    mount_login(&server).await;
    mount_no_chat(&server).await;
    Mock::given(path(LIST))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"notifications": []})))
        .mount(&server)
        .await;
    let cursor = r#"{"n":"2024-05-01T12:00:05.000Z"}"#;
    let page = connector(&server).fetch(Some(cursor)).await.unwrap();
    assert!(page.items.is_empty());
    assert_eq!(marks(&page.next_cursor)["n"], "2024-05-01T12:00:05.000Z");
}

#[tokio::test]
async fn expired_access_token_is_refreshed_once_without_a_new_login() {
    let server = MockServer::start().await;
    mount_login(&server).await;
    mount_no_chat(&server).await;
    Mock::given(path(LIST))
        .and(authed("access-1"))
        .respond_with(xrpc_error(400, "ExpiredToken"))
        .mount(&server)
        .await;
    Mock::given(path("/xrpc/com.atproto.server.refreshSession"))
        .and(authed("refresh-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(session("access-2", "refresh-2")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path(LIST))
        .and(authed("access-2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"notifications": []})))
        .mount(&server)
        .await;
    let conn = connector(&server);
    conn.fetch(None).await.unwrap();
    conn.fetch(None).await.unwrap();
    assert_eq!(
        count(&server, "com.atproto.server.createSession").await,
        1,
        "never log in per poll"
    );
}

#[tokio::test]
async fn failed_refresh_logs_in_again() {
    let server = MockServer::start().await;
    let logins = Arc::new(AtomicUsize::new(0));
    Mock::given(path("/xrpc/com.atproto.server.createSession"))
        .respond_with(Sequence {
            answers: vec![
                ResponseTemplate::new(200).set_body_json(session("access-1", "refresh-1")),
                ResponseTemplate::new(200).set_body_json(session("access-3", "refresh-3")),
            ],
            calls: logins.clone(),
        })
        .mount(&server)
        .await;
    mount_no_chat(&server).await;
    Mock::given(path(LIST))
        .and(authed("access-1"))
        .respond_with(xrpc_error(400, "ExpiredToken"))
        .mount(&server)
        .await;
    Mock::given(path("/xrpc/com.atproto.server.refreshSession"))
        .respond_with(xrpc_error(400, "ExpiredToken"))
        .mount(&server)
        .await;
    Mock::given(path(LIST))
        .and(authed("access-3"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"notifications": []})))
        .mount(&server)
        .await;
    connector(&server).fetch(None).await.unwrap();
    assert_eq!(logins.load(Ordering::SeqCst), 2);
    let login = &bodies(&server, "com.atproto.server.createSession").await[0];
    assert_eq!(login["identifier"], "brand.test");
}

#[tokio::test]
async fn wrong_app_password_is_an_auth_error_that_never_shows_the_password() {
    let server = MockServer::start().await;
    Mock::given(path("/xrpc/com.atproto.server.createSession"))
        .respond_with(xrpc_error(401, "AuthenticationRequired"))
        .mount(&server)
        .await;
    let err = connector(&server).fetch(None).await.unwrap_err();
    assert!(matches!(err, PlatformError::Auth(_)), "{err:?}");
    let text = format!("{err} {err:?}");
    assert!(text.contains("app password"), "{text}");
    assert!(!text.contains(PASSWORD), "{text}");
}

#[tokio::test]
async fn refresh_token_is_saved_0600_and_a_restart_refreshes_instead_of_logging_in() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bluesky-brand.session");
    let server = MockServer::start().await;
    mount_login(&server).await;
    mount_no_chat(&server).await;
    Mock::given(path("/xrpc/com.atproto.server.refreshSession"))
        .and(authed("refresh-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(session("access-2", "refresh-2")))
        .mount(&server)
        .await;
    Mock::given(path(LIST))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"notifications": []})))
        .mount(&server)
        .await;
    connector_with_file(&server, Some(file.clone()))
        .fetch(None)
        .await
        .unwrap();
    let saved = std::fs::read_to_string(&file).unwrap();
    assert!(
        saved.contains("refresh-1") && !saved.contains("access-1") && !saved.contains(PASSWORD)
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    connector_with_file(&server, Some(file.clone()))
        .fetch(None)
        .await
        .unwrap();
    assert_eq!(count(&server, "com.atproto.server.createSession").await, 1);
    assert!(std::fs::read_to_string(&file)
        .unwrap()
        .contains("refresh-2"));
}

#[tokio::test]
async fn an_unreadable_notification_is_set_aside_and_the_rest_is_stored() {
    use hark::ingest::Pipeline;
    use hark::poller::{Poller, Schedule};
    use hark::store::{ingest, Writer};

    let server = MockServer::start().await;
    mount_login(&server).await;
    mount_profiles(&server).await;
    mount_no_chat(&server).await;
    first_pages(&server).await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hark.db");
    let writer = Writer::spawn(&db).unwrap();
    let account_id = writer
        .handle()
        .call_blocking(|c| ingest::ensure_account(c, "bsky", "bluesky", "brand.test"))
        .unwrap();
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
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
    assert_eq!(poller.poll_round().await.unwrap(), 4);
    let cursor_after_first = writer
        .handle()
        .call_blocking(move |c| ingest::cursor(c, account_id))
        .unwrap();

    // Not JSON at all: nothing stored, the cursor stays.
    server.reset().await;
    mount_login(&server).await;
    Mock::given(path(LIST))
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>gateway</html>"))
        .mount(&server)
        .await;
    let err = poller.poll_round().await.unwrap_err().to_string();
    assert!(err.contains("invalid JSON"), "{err}");
    let cursor_now = writer
        .handle()
        .call_blocking(move |c| ingest::cursor(c, account_id))
        .unwrap();
    assert_eq!(
        cursor_now, cursor_after_first,
        "a bad answer never moves the cursor"
    );

    // One unreadable notification among good ones: it is set aside with its raw text,
    // the good new mention after it is stored and the cursor moves on.
    server.reset().await;
    mount_login(&server).await;
    mount_no_chat(&server).await;
    mount_profiles(&server).await;
    let mut page = fixture("notifications_later.json");
    page.as_object_mut().unwrap().remove("cursor");
    let mut bad = page["notifications"][0].clone();
    bad["uri"] = "at://did:plc:fan7/app.bsky.feed.post/3kfan00000007".into();
    bad["record"]["text"] = "@brand.test a mention hark cannot date".into();
    bad.as_object_mut().unwrap().remove("indexedAt");
    page["notifications"].as_array_mut().unwrap().insert(0, bad);
    Mock::given(path(LIST))
        .respond_with(ResponseTemplate::new(200).set_body_json(page))
        .mount(&server)
        .await;
    assert_eq!(
        poller.poll_round().await.unwrap(),
        1,
        "the new good mention"
    );
    let db_conn = rusqlite::Connection::open(&db).unwrap();
    let stored: i64 = db_conn
        .query_row(
            "SELECT count(*) FROM items WHERE external_id LIKE '%fan6%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(stored, 1);
    let aside = hark::store::aside::unreadable(&db_conn).unwrap();
    assert_eq!(aside.len(), 1, "{aside:?}");
    assert!(aside[0].raw.contains("a mention hark cannot date"));
    assert!(aside[0].reason.contains("indexedAt"), "{}", aside[0].reason);
    let cursor_now = writer
        .handle()
        .call_blocking(move |c| ingest::cursor(c, account_id))
        .unwrap();
    assert_ne!(cursor_now, cursor_after_first, "the cursor moved on");
    // Read again next poll: still one entry, not a second.
    poller.poll_round().await.unwrap();
    assert_eq!(hark::store::aside::unreadable(&db_conn).unwrap().len(), 1);
}

#[tokio::test]
async fn too_many_requests_names_the_wait_from_retry_after_or_reset() {
    let server = MockServer::start().await;
    mount_login(&server).await;
    Mock::given(path(LIST))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "42")
                .set_body_json(json!({"error": "RateLimitExceeded"})),
        )
        .mount(&server)
        .await;
    let conn = connector(&server);
    assert_eq!(
        conn.fetch(None).await.unwrap_err(),
        PlatformError::RateLimited {
            wait: Duration::from_secs(42)
        }
    );

    server.reset().await;
    mount_login(&server).await;
    let reset = hark::domain::now() + 300;
    Mock::given(path(LIST))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("ratelimit-limit", "3000")
                .insert_header("ratelimit-remaining", "0")
                .insert_header("ratelimit-reset", reset.to_string().as_str())
                .set_body_json(json!({"error": "RateLimitExceeded"})),
        )
        .mount(&server)
        .await;
    let PlatformError::RateLimited { wait } = connector(&server).fetch(None).await.unwrap_err()
    else {
        panic!()
    };
    assert!((298..=300).contains(&wait.as_secs()), "{wait:?}");
}

#[tokio::test]
async fn an_exhausted_window_waits_without_earning_a_429() {
    let server = MockServer::start().await;
    mount_login(&server).await;
    mount_no_chat(&server).await;
    let reset = hark::domain::now() + 120;
    Mock::given(path(LIST))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("ratelimit-remaining", "0")
                .insert_header("ratelimit-reset", reset.to_string().as_str())
                .set_body_json(json!({"notifications": []})),
        )
        .mount(&server)
        .await;
    let conn = connector(&server);
    // The DM call after the page already waits.
    conn.fetch(None).await.ok();
    let calls = count(&server, "app.bsky.notification.listNotifications").await;
    let err = conn.fetch(None).await.unwrap_err();
    assert!(
        matches!(err, PlatformError::RateLimited { wait } if wait.as_secs() >= 100),
        "{err:?}"
    );
    assert_eq!(
        count(&server, "app.bsky.notification.listNotifications").await,
        calls
    );
}

async fn mount_chat(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path("/xrpc/chat.bsky.convo.listConvos"))
        .and(header("atproto-proxy", "did:web:api.bsky.chat#bsky_chat"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("convos.json")))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/xrpc/chat.bsky.convo.getMessages"))
        .and(query_param("convoId", "convo-1"))
        .and(header("atproto-proxy", "did:web:api.bsky.chat#bsky_chat"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("messages.json")))
        .mount(server)
        .await;
}

#[tokio::test]
async fn direct_messages_come_through_the_chat_proxy() {
    let server = MockServer::start().await;
    mount_login(&server).await;
    mount_profiles(&server).await;
    mount_chat(&server).await;
    Mock::given(path(LIST))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"notifications": []})))
        .mount(&server)
        .await;
    let page = connector(&server).fetch(None).await.unwrap();
    let dms: Vec<_> = page
        .items
        .iter()
        .filter(|i| i.kind == ItemKind::Dm)
        .collect();
    // The brand's own message and the deleted one are not inbox items.
    assert_eq!(dms.len(), 2, "{dms:#?}");
    assert_eq!(dms[0].external_id, "chat:convo-1:msg-3");
    assert_eq!(dms[0].thread_external_id.as_deref(), Some("chat:convo-1"));
    assert_eq!(dms[0].author.handle, "@fan.test");
    assert_eq!(dms[0].author.followers, Some(1200));
    assert_eq!(dms[1].body, "my order is late, see https://example.com/o/1");
    assert_eq!(marks(&page.next_cursor)["d"], "2024-05-01T12:05:00.000Z");
    // The conversation without messages was not opened.
    assert_eq!(count(&server, "chat.bsky.convo.getMessages").await, 1);
}

#[tokio::test]
async fn dm_reply_is_sent_once_even_when_retried_by_a_restarted_hark() {
    let server = MockServer::start().await;
    mount_login(&server).await;
    let sent = Arc::new(AtomicUsize::new(0));
    let mut after = fixture("messages.json");
    after["messages"].as_array_mut().unwrap().insert(
        0,
        json!({"$type": "chat.bsky.convo.defs#messageView", "id": "msg-4", "rev": "2222222222224",
               "text": "Sorry! We are on it.", "sender": {"did": "did:plc:brand"}, "sentAt": "2024-05-01T12:06:00.000Z"}),
    );
    // getMessages shows the brand's answer once sendMessage has been called.
    Mock::given(path("/xrpc/chat.bsky.convo.getMessages"))
        .and(header("atproto-proxy", "did:web:api.bsky.chat#bsky_chat"))
        .respond_with(Sequence {
            answers: vec![
                ResponseTemplate::new(200).set_body_json(fixture("messages.json")),
                ResponseTemplate::new(200).set_body_json(after),
            ],
            calls: Arc::new(AtomicUsize::new(0)),
        })
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/xrpc/chat.bsky.convo.sendMessage"))
        .and(header("atproto-proxy", "did:web:api.bsky.chat#bsky_chat"))
        .respond_with(Sequence {
            answers: vec![ResponseTemplate::new(200).set_body_json(json!({
                "id": "msg-4", "rev": "2222222222224", "text": "Sorry! We are on it.",
                "sender": {"did": "did:plc:brand"}, "sentAt": "2024-05-01T12:06:00.000Z"}))],
            calls: sent.clone(),
        })
        .mount(&server)
        .await;
    let msg = fixture("messages.json")["messages"][0].clone();
    let target = Target {
        external_id: "chat:convo-1:msg-3".into(),
        parent_external_id: None,
        thread_external_id: Some("chat:convo-1".into()),
        kind: ItemKind::Dm,
        author_external_id: "did:plc:fan".into(),
        author_handle: "@fan.test".into(),
        raw_json: Some(json!({"convoId": "convo-1", "message": msg}).to_string()),
    };
    let first = connector(&server)
        .reply(&target, "Sorry! We are on it.", "dm-key-1")
        .await
        .unwrap();
    assert_eq!(first, "chat:convo-1:msg-4");
    // A new process (the worker died after sending) retries with the same key.
    let again = connector(&server)
        .reply(&target, "Sorry! We are on it.", "dm-key-1")
        .await
        .unwrap();
    assert_eq!(again, first);
    assert_eq!(sent.load(Ordering::SeqCst), 1);
    let body = &bodies(&server, "chat.bsky.convo.sendMessage").await[0];
    assert_eq!(body["convoId"], "convo-1");
    assert_eq!(body["message"]["text"], "Sorry! We are on it.");
}

#[tokio::test]
async fn malformed_chat_answer_skips_dms_without_moving_their_mark() {
    let server = MockServer::start().await;
    mount_login(&server).await;
    Mock::given(path(LIST))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("notifications_later.json")))
        .mount(&server)
        .await;
    Mock::given(path("/xrpc/chat.bsky.convo.listConvos"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"conversations": []})))
        .mount(&server)
        .await;
    let cursor = r#"{"n":"2024-05-01T12:00:05.000Z","d":"2024-05-01T12:05:00.000Z"}"#;
    let page = connector(&server).fetch(Some(cursor)).await.unwrap();
    assert_eq!(page.items.len(), 3, "the notifications still arrive");
    assert_eq!(marks(&page.next_cursor)["d"], "2024-05-01T12:05:00.000Z");
}

#[tokio::test]
async fn opening_a_reply_fetches_its_thread_parents_and_replies_but_not_hidden_posts() {
    let server = MockServer::start().await;
    mount_login(&server).await;
    Mock::given(method("GET"))
        .and(path("/xrpc/app.bsky.feed.getPostThread"))
        .and(query_param(
            "uri",
            "at://did:plc:fan2/app.bsky.feed.post/3kfan00000002",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("post_thread.json")))
        .expect(1)
        .mount(&server)
        .await;
    let target = Target {
        external_id: "at://did:plc:fan2/app.bsky.feed.post/3kfan00000002".into(),
        parent_external_id: Some("at://did:plc:brand/app.bsky.feed.post/3kbrand000001".into()),
        thread_external_id: Some("at://did:plc:brand/app.bsky.feed.post/3kbrand000001".into()),
        kind: ItemKind::Comment,
        author_external_id: "did:plc:fan2".into(),
        author_handle: "@fan2.test".into(),
        raw_json: None,
    };
    let posts = connector(&server).thread(&target).await.unwrap();
    let seen: Vec<(&str, ItemKind, &str)> = posts
        .iter()
        .map(|p| (p.author.handle.as_str(), p.kind, p.body.as_str()))
        .collect();
    assert_eq!(
        seen,
        [
            (
                "@brand.test",
                ItemKind::Post,
                "Version 4.2 of the app is out today"
            ),
            (
                "@fan4.test",
                ItemKind::Comment,
                "same here since the update"
            ),
            (
                "@brand.test",
                ItemKind::Post,
                "We're on it, a fix ships tonight"
            ),
        ],
        "the parent, then the replies breadth-first; blocked and deleted posts are skipped"
    );
    assert_eq!(
        posts[2].parent_external_id.as_deref(),
        Some("at://did:plc:fan4/app.bsky.feed.post/3kfan00000004")
    );

    // A DM has no thread view: nothing is asked.
    let dm = Target {
        kind: ItemKind::Dm,
        ..target
    };
    assert!(matches!(
        connector(&server).thread(&dm).await,
        Err(PlatformError::Unsupported(_))
    ));
}

#[tokio::test]
async fn a_thread_answer_without_a_thread_is_a_clear_error() {
    let server = MockServer::start().await;
    mount_login(&server).await;
    Mock::given(method("GET"))
        .and(path("/xrpc/app.bsky.feed.getPostThread"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"threadgate": null})))
        .mount(&server)
        .await;
    let target = Target {
        external_id: "at://did:plc:fan/app.bsky.feed.post/3kfan00000001".into(),
        parent_external_id: None,
        thread_external_id: None,
        kind: ItemKind::Mention,
        author_external_id: "did:plc:fan".into(),
        author_handle: "@fan.test".into(),
        raw_json: None,
    };
    match connector(&server).thread(&target).await {
        Err(PlatformError::Malformed(m)) => assert!(m.contains("getPostThread"), "{m}"),
        other => panic!("expected a malformed answer, got {other:?}"),
    }
}

/// A server that sends `RateLimit-Reset` as seconds from now (not epoch seconds) is read
/// as such, and the error names the local time the wait ends.
#[tokio::test]
async fn a_reset_given_as_a_delta_waits_that_long_and_prints_as_a_time() {
    let server = MockServer::start().await;
    mount_login(&server).await;
    Mock::given(path(LIST))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("ratelimit-remaining", "0")
                .insert_header("ratelimit-reset", "300")
                .set_body_json(json!({"error": "RateLimitExceeded"})),
        )
        .mount(&server)
        .await;
    let err = connector(&server).fetch(None).await.unwrap_err();
    let PlatformError::RateLimited { wait } = err else {
        panic!("{err:?}")
    };
    assert_eq!(wait.as_secs(), 300);
    let text = err.to_string();
    let time = text.strip_prefix("rate limited until ").expect(&text);
    assert!(
        time.len() >= 5 && time[time.len() - 5..].chars().filter(|c| *c == ':').count() == 1,
        "{text}"
    );
}

/// An author who set no display name is stored without one: `{author_name|there}` then
/// says "there", not the handle, and the detail pane shows the handle.
#[tokio::test]
async fn an_author_without_a_display_name_keeps_none_and_the_fallback_applies() {
    let server = MockServer::start().await;
    mount_login(&server).await;
    mount_profiles(&server).await;
    mount_no_chat(&server).await;
    first_pages(&server).await;
    let page = connector(&server).fetch(None).await.unwrap();
    let fan2 = page
        .items
        .iter()
        .find(|i| i.author.handle == "@fan2.test")
        .unwrap();
    assert_eq!(fan2.author.display_name, "");
    let voice = hark::replies::VoiceConfig::default();
    let vars = hark::replies::Vars::for_item(
        &voice,
        "Nimbus",
        "bluesky",
        &fan2.author.handle,
        &fan2.author.display_name,
        None,
    );
    let known = |n: &str| hark::replies::Vars::is_known(n, &voice);
    assert_eq!(
        hark::replies::expand("Hi {author_name|there}!", &vars, &known).unwrap(),
        "Hi there!"
    );
}

/// A log sink for one test (the subscriber is set for this thread only).
#[derive(Clone, Default)]
struct Log(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Log {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Chat off for the app password: said once (one warning, one status notice), not on
/// every poll.
#[tokio::test]
async fn dms_unavailable_are_said_once_not_every_poll() {
    let log = Log::default();
    let sink = log.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || sink.clone())
        .with_max_level(tracing::Level::INFO)
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let server = MockServer::start().await;
    mount_login(&server).await;
    mount_profiles(&server).await;
    mount_no_chat(&server).await;
    Mock::given(path(LIST))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"notifications": []})))
        .mount(&server)
        .await;
    let conn = connector(&server);
    let mut notices = Vec::new();
    let mut cursor = None;
    for _ in 0..3 {
        let page = conn.fetch(cursor.as_deref()).await.unwrap();
        cursor = page.next_cursor;
        notices.extend(conn.take_notice());
    }
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert!(notices[0].starts_with("DMs unavailable"), "{notices:?}");
    let text = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
    assert_eq!(text.matches("DMs unavailable").count(), 1, "{text}");
    assert_eq!(count(&server, "chat.bsky.convo.listConvos").await, 3);
}

/// A quote notification carries only a reference to the quoted post: its text is read
/// (one getPosts call for the page) and shown in the item's body.
#[tokio::test]
async fn a_quote_shows_the_quoted_posts_text() {
    let server = MockServer::start().await;
    mount_login(&server).await;
    mount_profiles(&server).await;
    mount_no_chat(&server).await;
    first_pages(&server).await;
    Mock::given(method("GET"))
        .and(path("/xrpc/app.bsky.feed.getPosts"))
        .and(query_param(
            "uris",
            "at://did:plc:brand/app.bsky.feed.post/3kbrand000001",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"posts": [{
            "uri": "at://did:plc:brand/app.bsky.feed.post/3kbrand000001",
            "cid": "bafyreibrandroot",
            "author": {"did": "did:plc:brand", "handle": "brand.test"},
            "record": {
                "$type": "app.bsky.feed.post",
                "text": "New autumn roast today.\nCome try it!",
                "createdAt": "2024-05-01T10:00:00.000Z"
            },
            "indexedAt": "2024-05-01T10:00:00.000Z"
        }]})))
        .mount(&server)
        .await;
    let page = connector(&server).fetch(None).await.unwrap();
    let quote = page
        .items
        .iter()
        .find(|i| i.author.handle == "@fan5.test")
        .unwrap();
    assert_eq!(
        quote.body,
        "this is the best coffee\n> @brand.test: New autumn roast today.\n> Come try it!"
    );
    assert_eq!(count(&server, "app.bsky.feed.getPosts").await, 1);
}
