//! The Mastodon connector's replies, moderation, thread context and account setup against
//! a mock instance replaying documentation-shaped responses (tests/fixtures/mastodon/).

mod support;

use std::sync::Arc;

use hark::domain::NewItem;
use hark::platform::mastodon::setup::{self, AuthMethod};
use hark::platform::{Connector, ModerationAction, PlatformError, Target};
use support::mastodon::*;
use wiremock::matchers::{
    body_json, body_string_contains, header, method, path, query_param_is_missing,
};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The first round's items, as the outbox would see them.
async fn fetched(server: &MockServer) -> Vec<NewItem> {
    Mock::given(method("GET"))
        .and(path("/api/v1/notifications"))
        .and(query_param_is_missing("min_id"))
        .respond_with(json("notifications_page1.json"))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/conversations"))
        .respond_with(json("conversations.json"))
        .mount(server)
        .await;
    let c = connector(server);
    let mut items = c.fetch(None).await.unwrap().items;
    items.extend(c.fetch(Some("n=12;p=c")).await.unwrap().items);
    items
}

fn target(items: &[NewItem], id: &str) -> Target {
    let item = items.iter().find(|i| i.external_id == id).unwrap();
    Target {
        external_id: item.external_id.clone(),
        parent_external_id: item.parent_external_id.clone(),
        thread_external_id: item.thread_external_id.clone(),
        kind: item.kind,
        author_external_id: item.author.external_id.clone(),
        author_handle: item.author.handle.clone(),
        raw_json: item.raw_json.clone(),
    }
}

#[tokio::test]
async fn a_dm_reply_stays_direct_addresses_the_sender_and_a_retry_reuses_the_key() {
    let server = instance().await;
    let items = fetched(&server).await;
    Mock::given(method("POST"))
        .and(path("/api/v1/statuses"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/statuses"))
        .and(header("idempotency-key", "outbox-7"))
        .respond_with(json("status_created.json"))
        .mount(&server)
        .await;
    let c = connector(&server);
    let dm = target(&items, "1020");
    let err = c
        .reply(&dm, "so sorry, we are on it", "outbox-7")
        .await
        .unwrap_err();
    assert!(matches!(err, PlatformError::Transient(_)), "{err:?}");
    assert_eq!(
        c.reply(&dm, "so sorry, we are on it", "outbox-7")
            .await
            .unwrap(),
        "1040"
    );

    let posts: Vec<_> = server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.url.path() == "/api/v1/statuses")
        .collect();
    assert_eq!(posts.len(), 2);
    for post in &posts {
        assert_eq!(post.headers.get("idempotency-key").unwrap(), "outbox-7");
        let body: serde_json::Value = serde_json::from_slice(&post.body).unwrap();
        assert_eq!(
            body,
            serde_json::json!({
                "status": "@carla@big.example so sorry, we are on it",
                "in_reply_to_id": "1020",
                "visibility": "direct",
            })
        );
    }
}

#[tokio::test]
async fn a_public_reply_keeps_its_visibility_and_an_existing_mention() {
    let server = instance().await;
    let items = fetched(&server).await;
    Mock::given(method("POST"))
        .and(path("/api/v1/statuses"))
        .and(header("idempotency-key", "outbox-8"))
        .and(body_json(serde_json::json!({
            "status": "@bob yes, since this morning!",
            "in_reply_to_id": "1012",
            "visibility": "public",
        })))
        .respond_with(json("status_created.json"))
        .expect(1)
        .mount(&server)
        .await;
    let c = connector(&server);
    c.reply(
        &target(&items, "1012"),
        "@bob yes, since this morning!",
        "outbox-8",
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn the_reply_limit_comes_from_the_instance_and_hide_is_never_offered() {
    let server = instance().await;
    let c = connector(&server);
    let before = c.capabilities();
    assert_eq!(before.reply_limit.map(|l| l.length), Some(500));
    // The composer's kit is built when the UI starts, before any poll.
    let kit = hark::tui::composer::ReplyKit {
        sources: hark::tui::composer::LimitSources(vec![c.clone()]),
        ..Default::default()
    };
    assert_eq!(kit.limit_for("mastodon").map(|l| l.length), Some(500));
    Mock::given(method("GET"))
        .and(path("/api/v1/notifications"))
        .respond_with(empty())
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/conversations"))
        .respond_with(empty())
        .mount(&server)
        .await;
    let first = c.fetch(None).await.unwrap();
    // An account without DMs starts its conversations stream at 0, so the next round
    // asks for every DM after that, and ends with the re-read of the newest page.
    let second = c.fetch(first.next_cursor.as_deref()).await.unwrap();
    assert_eq!(second.next_cursor.as_deref(), Some("c=0;p=n"));
    let asked: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| {
            r.url.path().starts_with("/api/v1/notifications")
                || r.url.path() == "/api/v1/conversations"
        })
        .map(|r| {
            format!(
                "{}?{}",
                r.url.path(),
                r.url.query().unwrap_or("").contains("min_id")
            )
        })
        .collect();
    assert_eq!(
        asked,
        [
            "/api/v1/notifications?false",
            "/api/v1/conversations?false",
            // No notification requests on this server (404): asked once, then remembered.
            "/api/v1/notifications/requests?false",
            "/api/v1/notifications?false",
            "/api/v1/conversations?true",
            "/api/v1/notifications?false",
        ]
    );
    let after = c.capabilities();
    assert_eq!(after.reply_limit.map(|l| l.length), Some(1000));
    // A composer opened after the first poll counts against the instance's 1000.
    assert_eq!(kit.limit_for("mastodon").map(|l| l.length), Some(1000));
    assert!(after.direct_messages);
    assert!(!after.moderation.contains(&"hide"));
    for kind in ["block", "mute", "report", "dismiss", "delete"] {
        assert!(after.moderation.contains(&kind), "{kind}");
    }
}

async fn expect_call(server: &MockServer, verb: &str, route: &str, fixture: &str) {
    Mock::given(method(verb))
        .and(path(route))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(json(fixture))
        .expect(1)
        .named(route)
        .mount(server)
        .await;
}

#[tokio::test]
async fn each_moderation_action_calls_its_endpoint_once() {
    let server = instance().await;
    let items = fetched(&server).await;
    let c = connector(&server);
    let (comment, dm, own) = (
        target(&items, "1012"),
        target(&items, "1020"),
        target(&items, "1021"),
    );

    expect_call(
        &server,
        "POST",
        "/api/v1/accounts/202/block",
        "relationship.json",
    )
    .await;
    c.moderate(&comment, ModerationAction::BlockAuthor)
        .await
        .unwrap();
    expect_call(
        &server,
        "POST",
        "/api/v1/accounts/202/mute",
        "relationship.json",
    )
    .await;
    c.moderate(&comment, ModerationAction::MuteAuthor)
        .await
        .unwrap();
    expect_call(
        &server,
        "POST",
        "/api/v1/statuses/1020/mute",
        "status_created.json",
    )
    .await;
    c.moderate(&dm, ModerationAction::MuteThread).await.unwrap();
    expect_call(
        &server,
        "POST",
        "/api/v1/notifications/12/dismiss",
        "relationship.json",
    )
    .await;
    c.moderate(&comment, ModerationAction::DismissNotification)
        .await
        .unwrap();
    expect_call(
        &server,
        "POST",
        "/api/v1/conversations/418/read",
        "relationship.json",
    )
    .await;
    c.moderate(&dm, ModerationAction::DismissNotification)
        .await
        .unwrap();
    expect_call(
        &server,
        "DELETE",
        "/api/v1/statuses/1021",
        "status_created.json",
    )
    .await;
    c.moderate(&own, ModerationAction::Delete).await.unwrap();

    Mock::given(method("POST"))
        .and(path("/api/v1/reports"))
        .and(body_json(serde_json::json!({
            "account_id": "202",
            "status_ids": ["1012"],
            "comment": "crypto spam",
            "category": "spam",
            "forward": true,
        })))
        .respond_with(json("report.json"))
        .expect(1)
        .mount(&server)
        .await;
    c.moderate(
        &comment,
        ModerationAction::Report {
            category: "spam".into(),
            reason: "crypto spam".into(),
        },
    )
    .await
    .unwrap();

    // What Mastodon cannot do is refused before any request.
    let requests = server.received_requests().await.unwrap().len();
    assert_eq!(
        c.moderate(&comment, ModerationAction::Delete)
            .await
            .unwrap_err(),
        PlatformError::Unsupported("deleting another person's post")
    );
    assert!(matches!(
        c.moderate(&comment, ModerationAction::Hide)
            .await
            .unwrap_err(),
        PlatformError::Unsupported(_)
    ));
    assert_eq!(server.received_requests().await.unwrap().len(), requests);
    server.verify().await;
}

#[tokio::test]
async fn a_refused_moderation_call_is_permanent_with_the_instance_s_reason() {
    let server = instance().await;
    let items = fetched(&server).await;
    Mock::given(method("POST"))
        .and(path("/api/v1/accounts/202/block"))
        .respond_with(
            ResponseTemplate::new(422).set_body_string(r#"{"error":"Validation failed"}"#),
        )
        .mount(&server)
        .await;
    let err = connector(&server)
        .moderate(&target(&items, "1012"), ModerationAction::BlockAuthor)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, PlatformError::Permanent(m) if m.contains("Validation failed")),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_403_refusing_the_action_is_permanent_and_a_403_about_the_token_is_auth() {
    let server = instance().await;
    let items = fetched(&server).await;
    Mock::given(method("POST"))
        .and(path("/api/v1/accounts/202/block"))
        .respond_with(
            ResponseTemplate::new(403).set_body_string(r#"{"error":"This action is not allowed"}"#),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/accounts/202/mute"))
        .respond_with(
            ResponseTemplate::new(403)
                .set_body_string(r#"{"error":"This action is outside the authorized scopes"}"#),
        )
        .mount(&server)
        .await;
    let c = connector(&server);
    let refused = c
        .moderate(&target(&items, "1012"), ModerationAction::BlockAuthor)
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, PlatformError::Permanent(m) if m.contains("not allowed")),
        "a refusal is not a broken login: {refused:?}"
    );
    let scope = c
        .moderate(&target(&items, "1012"), ModerationAction::MuteAuthor)
        .await
        .unwrap_err();
    assert!(matches!(&scope, PlatformError::Auth(_)), "{scope:?}");
}

#[tokio::test]
async fn opening_a_status_fetches_it_as_it_is_now_then_its_context() {
    let server = instance().await;
    let items = fetched(&server).await;
    Mock::given(method("GET"))
        .and(path("/api/v1/statuses/1012"))
        .respond_with(json("status_1012_edited.json"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/statuses/1012/context"))
        .respond_with(json("context.json"))
        .expect(1)
        .mount(&server)
        .await;
    let c = connector(&server);
    let comment = target(&items, "1012");
    let thread = c.thread(&comment).await.unwrap();
    let summary: Vec<(&str, &str, &str)> = thread
        .iter()
        .map(|i| (i.external_id.as_str(), i.kind.as_str(), i.body.as_str()))
        .collect();
    assert_eq!(
        summary,
        [
            (
                "1012",
                "comment",
                "@nimbuscoffee is the grinder back in stock? I need it for Friday\n\
                 [image: an empty shelf where the grinder was] https://nimbus.social/media/55.jpg"
            ),
            ("900", "post", "The grinder is back next week."),
            ("1030", "post", "@bob yes, since this morning!")
        ],
        "the status with its edit, then the brand's post above and its reply below"
    );
    server.verify().await;
}

#[tokio::test]
async fn account_add_authorizes_stores_a_private_token_and_prints_a_working_block() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/apps"))
        .and(body_string_contains(
            "redirect_uris=urn%3Aietf%3Awg%3Aoauth%3A2.0%3Aoob",
        ))
        .and(body_string_contains("write%3Areports"))
        .respond_with(json("app.json"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .and(body_string_contains("code=pasted-code"))
        .and(body_string_contains(
            "client_secret=hark-test-client-secret-q2",
        ))
        .respond_with(json("token.json"))
        .expect(1)
        .mount(&server)
        .await;
    let bearer = "Bearer hark-test-access-token-7f3";
    Mock::given(method("GET"))
        .and(path("/api/v1/accounts/verify_credentials"))
        .and(header("authorization", bearer))
        .respond_with(json("verify_credentials.json"))
        .mount(&server)
        .await;
    let data = tempfile::tempdir().unwrap();
    let mut input = std::io::Cursor::new(b"pasted-code\n".to_vec());
    let mut out = Vec::new();
    setup::add_account(
        &server.uri(),
        Some("brand"),
        AuthMethod::OAuth,
        data.path(),
        &mut input,
        &mut out,
    )
    .await
    .unwrap();
    let out = String::from_utf8(out).unwrap();
    assert!(
        out.contains(&format!(
            "{}/oauth/authorize?client_id=hark-test-client-id-5x9",
            server.uri()
        )),
        "{out}"
    );
    assert!(out.contains("response_type=code"), "{out}");
    assert!(!out.contains("hark-test-access-token-7f3"), "{out}");
    assert!(!out.contains("hark-test-client-secret-q2"), "{out}");

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let file = hark::secrets::token_file(data.path(), "brand");
        assert_eq!(
            std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }

    // The printed block is a valid config whose account connects with the stored token.
    let start = out.find("[[account]]").unwrap();
    let block: String = out[start..]
        .lines()
        .take_while(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        block.contains("handle = \"@nimbuscoffee@127.0.0.1\""),
        "{block}"
    );
    let config = hark::config::Config::parse(&block, std::path::Path::new("config.toml")).unwrap();
    let account = &config.accounts[0];
    Mock::given(method("GET"))
        .and(path("/api/v2/instance"))
        .respond_with(json("instance.json"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(header("authorization", bearer))
        .respond_with(empty())
        .mount(&server)
        .await;
    let connector = hark::platform::connect_in(account, Some(data.path())).unwrap();
    assert_eq!(connector.platform(), "mastodon");
    assert!(!connector.fetch(None).await.unwrap().more);
}

#[tokio::test]
async fn a_rejected_personal_token_is_not_stored() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/accounts/verify_credentials"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_string(r#"{"error":"The access token is invalid"}"#),
        )
        .mount(&server)
        .await;
    let data = tempfile::tempdir().unwrap();
    let mut input = std::io::Cursor::new(b"pasted-wrong-token\n".to_vec());
    let mut out = Vec::new();
    let err = setup::add_account(
        &server.uri(),
        Some("brand"),
        AuthMethod::PersonalToken,
        data.path(),
        &mut input,
        &mut out,
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(err.contains("access token is invalid"), "{err}");
    assert!(!err.contains("pasted-wrong-token"), "{err}");
    assert!(!hark::secrets::token_file(data.path(), "brand").exists());
}

#[test]
fn the_example_config_s_mastodon_block_parses_once_uncommented() {
    let example = include_str!("../config.example.toml");
    let start = example.find("# [[account]]").unwrap();
    let block: String = example[start..]
        .lines()
        .take_while(|l| l.starts_with('#'))
        .map(|l| l.strip_prefix("# ").unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    let config = hark::config::Config::parse(&block, std::path::Path::new("example")).unwrap();
    let account = &config.accounts[0];
    assert_eq!(account.platform, "mastodon");
    assert_eq!(account.server.as_deref(), Some("https://example.social"));
}

// Local state follows the platform: the connector's real client, the outbox worker and
// the store together, against the mock instance.

fn item_id(store: &Store, external_id: &str) -> i64 {
    let conn = rusqlite::Connection::open(store.path()).unwrap();
    conn.query_row(
        "SELECT id FROM items WHERE external_id = ?",
        [external_id],
        |r| r.get(0),
    )
    .unwrap()
}

fn list_row(store: &Store, view: hark::store::View, id: i64) -> Option<hark::store::read::ItemRow> {
    hark::store::Reader::open(&store.path())
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

fn outbox_worker(store: &Store, c: Arc<dyn Connector>) -> hark::outbox::worker::Worker {
    hark::outbox::worker::Worker::new(
        store.writer.as_ref().unwrap().handle(),
        std::collections::HashMap::from([(store.account_id, c)]),
    )
}

fn queue(store: &Store, id: i64, kind: &'static str, payload: serde_json::Value) {
    store
        .writer
        .as_ref()
        .unwrap()
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

#[tokio::test]
async fn a_refused_delete_or_block_leaves_the_item_in_the_inbox_with_the_reason() {
    use hark::store::View;
    let server = instance().await;
    fetched(&server).await;
    Mock::given(method("POST"))
        .and(path("/api/v1/accounts/202/block"))
        .respond_with(
            ResponseTemplate::new(403).set_body_string(r#"{"error":"This action is not allowed"}"#),
        )
        .mount(&server)
        .await;
    let store = Store::new();
    let c = connector(&server);
    store.poller(c.clone()).poll_round().await.unwrap();
    let id = item_id(&store, "1012");
    // Someone else's status: the old menu offered delete; the outbox must not hide the
    // refusal behind a `deleted` item.
    queue(&store, id, "delete", serde_json::json!({}));
    assert_eq!(
        list_row(&store, View::Inbox, id)
            .unwrap()
            .marks
            .pending
            .as_deref(),
        Some("delete"),
        "pending while the platform answers"
    );
    outbox_worker(&store, c.clone()).run_once().await.unwrap();
    let row = list_row(&store, View::Inbox, id).expect("still in the Inbox: the post is public");
    let (kind, reason) = row
        .marks
        .refused
        .clone()
        .expect("the refusal is on the item");
    assert_eq!(kind, "delete");
    assert!(reason.contains("another person's post"), "{reason}");
    // A refusal answered over HTTP carries the instance's own words.
    queue(&store, id, "block", serde_json::json!({}));
    outbox_worker(&store, c).run_once().await.unwrap();
    let row = list_row(&store, View::Inbox, id).expect("still in the Inbox");
    let (kind, reason) = row.marks.refused.expect("the refusal is on the item");
    assert_eq!(kind, "block");
    assert!(reason.contains("This action is not allowed"), "{reason}");
    let deletes = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.method.as_str() == "DELETE")
        .count();
    assert_eq!(deletes, 0);
}

#[tokio::test]
async fn a_reply_refused_with_401_is_back_in_needs_reply_and_goes_again_after_a_good_poll() {
    use hark::store::View;
    let server = instance().await;
    fetched(&server).await;
    Mock::given(method("POST"))
        .and(path("/api/v1/statuses"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_string(r#"{"error":"The access token was revoked"}"#),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/statuses"))
        .respond_with(json("status_created.json"))
        .mount(&server)
        .await;
    let store = Store::new();
    let c = connector(&server);
    let poller = store.poller(c.clone());
    poller.poll_round().await.unwrap();
    let id = item_id(&store, "1012");
    queue(
        &store,
        id,
        "reply",
        serde_json::json!({"text": "back on Friday!"}),
    );
    let worker = outbox_worker(&store, c);
    worker.run_once().await.unwrap();
    let row =
        list_row(&store, View::NeedsReply, id).expect("the failed reply is back in Needs reply");
    assert!(row.marks.reply_failed, "with its failure marker");
    // Nothing retries it while the account fails...
    assert_eq!(worker.run_once().await.unwrap(), 0);
    // ...and a poll round that works puts it back in the queue.
    Mock::given(method("GET"))
        .and(path("/api/v1/notifications"))
        .respond_with(empty())
        .mount(&server)
        .await;
    poller.poll_round().await.unwrap();
    assert_eq!(worker.run_once().await.unwrap(), 1);
    assert!(list_row(&store, View::NeedsReply, id).is_none(), "answered");
    let conn = rusqlite::Connection::open(store.path()).unwrap();
    let state: String = conn
        .query_row("SELECT state FROM outbox", [], |r| r.get(0))
        .unwrap();
    assert_eq!(state, "sent");
}

#[tokio::test]
async fn a_404_on_opening_marks_the_item_deleted_on_the_platform() {
    use hark::store::View;
    let server = instance().await;
    fetched(&server).await;
    Mock::given(method("GET"))
        .and(path("/api/v1/statuses/1012"))
        .respond_with(ResponseTemplate::new(404).set_body_string(r#"{"error":"Record not found"}"#))
        .mount(&server)
        .await;
    let store = Store::new();
    let c = connector(&server);
    store.poller(c.clone()).poll_round().await.unwrap();
    let id = item_id(&store, "1012");
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let fetcher = hark::threads::spawn(
        store.writer.as_ref().unwrap().handle(),
        hark::threads::Platforms {
            connectors: std::collections::HashMap::from([(
                store.account_id,
                c as Arc<dyn Connector>,
            )]),
            pipeline: Arc::new(hark::ingest::Pipeline::default()),
        },
        move |news| {
            let _ = tx.send(news);
        },
    );
    fetcher.request(id);
    let failed = loop {
        match rx.recv().await.unwrap() {
            hark::threads::ThreadNews::Failed { error, .. } => break error,
            hark::threads::ThreadNews::Fetched { .. } => panic!("a gone post fetched"),
            _ => {}
        }
    };
    assert!(failed.contains("deleted on the platform"), "{failed}");
    let row = list_row(&store, View::All, id).unwrap();
    assert!(row.marks.gone, "the item is marked deleted on the platform");
}
