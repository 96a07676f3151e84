//! The Mastodon connector's ingest against a mock instance replaying documentation-shaped
//! responses (tests/fixtures/mastodon/), through the real poller and store.

mod support;

use std::sync::Arc;
use std::time::Duration;

use hark::platform::{Connector, PlatformError};
use hark::poller::RoundError;
use support::mastodon::*;
use wiremock::matchers::{header, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

const NOTIFICATIONS: &str = "/api/v1/notifications";
const CONVERSATIONS: &str = "/api/v1/conversations";

/// The first round's answers: the newest notifications page and the conversations.
async fn mount_first_round(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path(NOTIFICATIONS))
        .and(query_param_is_missing("min_id"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(page(
            server,
            "notifications_page1.json",
            NOTIFICATIONS,
            "12",
            "11",
        ))
        .up_to_n_times(1)
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(CONVERSATIONS))
        .and(query_param_is_missing("min_id"))
        .respond_with(page(
            server,
            "conversations.json",
            CONVERSATIONS,
            "1021",
            "1020",
        ))
        .mount(server)
        .await;
}

/// The newest notifications page as a later round's end re-reads it.
async fn mount_refresh(server: &MockServer, fixture: &str) {
    Mock::given(method("GET"))
        .and(path(NOTIFICATIONS))
        .and(query_param_is_missing("min_id"))
        .respond_with(json(fixture))
        .mount(server)
        .await;
}

/// Later rounds: one newer notifications page after 12, then nothing new anywhere; the
/// round's closing re-read of the newest page sees the same.
async fn mount_newer(server: &MockServer) {
    mount_refresh(server, "notifications_page2.json").await;
    Mock::given(method("GET"))
        .and(path(NOTIFICATIONS))
        .and(query_param("min_id", "12"))
        .respond_with(page(
            server,
            "notifications_page2.json",
            NOTIFICATIONS,
            "15",
            "13",
        ))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(NOTIFICATIONS))
        .and(query_param("min_id", "15"))
        .respond_with(empty())
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(CONVERSATIONS))
        .and(query_param("min_id", "1021"))
        .respond_with(empty())
        .mount(server)
        .await;
}

#[tokio::test]
async fn a_first_round_stores_mentions_replies_and_dms_with_readable_text() {
    let server = instance().await;
    mount_first_round(&server).await;
    let store = Store::new();
    let poller = store.poller(connector(&server));
    assert_eq!(poller.poll_round().await.unwrap(), 4);

    let items = store.items();
    let kinds: Vec<(&str, &str)> = items
        .iter()
        .map(|(id, k, _)| (id.as_str(), k.as_str()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("1011", "mention"),
            ("1012", "comment"),
            ("1020", "dm"),
            ("1021", "post")
        ]
    );
    // Links kept whole, mentions and hashtags readable, custom emoji by shortcode,
    // entities decoded, paragraphs and <br> as newlines.
    assert_eq!(
        store.body("1011"),
        "@nimbuscoffee the new #oatlatte is great :blobcoffee: & cheap! Review: \
         https://blog.example/reviews/2026/nimbus-oat-latte\n\nAsk @bob\nhe agrees"
    );
    // Media with its alt text.
    assert_eq!(
        store.body("1012"),
        "@nimbuscoffee is the grinder back in stock?\n\
         [image: an empty shelf where the grinder was] https://nimbus.social/media/55.jpg"
    );
    // Authors carry full handles and follower counts.
    assert_eq!(
        store.query_i64("SELECT followers FROM authors WHERE handle = '@ana@other.example'"),
        312
    );
    assert_eq!(
        store.query_i64("SELECT followers FROM authors WHERE handle = '@carla@big.example'"),
        12000
    );
    // The brand's own DM reply is context, not work.
    assert_eq!(
        store.query_i64("SELECT count(*) FROM items WHERE external_id = '1021' AND state = 'done'"),
        1
    );
    assert_eq!(store.cursor().as_deref(), Some("n=12;c=1021;p=n"));
}

#[tokio::test]
async fn later_rounds_follow_link_pages_until_caught_up_and_apply_edits() {
    let server = instance().await;
    mount_first_round(&server).await;
    mount_newer(&server).await;
    let store = Store::new();
    let poller = store.poller(connector(&server));
    poller.poll_round().await.unwrap();
    let before = store.body("1011");

    // The DM is new; the edit of 1011 updates it; the edit of a post the brand only
    // boosted (1099) is not about the brand and is skipped.
    assert_eq!(poller.poll_round().await.unwrap(), 1);
    assert_eq!(
        asked_min_ids(&server, NOTIFICATIONS).await,
        ["-", "12", "15", "-"]
    );
    assert_eq!(asked_min_ids(&server, CONVERSATIONS).await, ["-", "1021"]);

    let edited = store.body("1011");
    assert_ne!(edited, before);
    assert_eq!(
        edited,
        "@nimbuscoffee EDIT: the oat latte is great but pricey"
    );
    assert_eq!(
        store.query_i64("SELECT count(*) FROM events WHERE kind = 'edited'"),
        1
    );
    assert_eq!(
        store.query_i64("SELECT count(*) FROM items WHERE external_id = '1099'"),
        0
    );

    // A DM with a content warning: kind dm, the warning shown first.
    let dm = store
        .items()
        .into_iter()
        .find(|(id, _, _)| id == "1013")
        .unwrap();
    assert_eq!(dm.1, "dm");
    assert_eq!(
        dm.2,
        "CW: order problem\n\n@nimbuscoffee my order #4411 never arrived, please help"
    );
    assert_eq!(store.cursor().as_deref(), Some("n=15;c=1021;p=n"));
}

#[tokio::test]
async fn an_edit_without_a_notification_arrives_with_the_end_of_round_re_read() {
    let server = instance().await;
    mount_first_round(&server).await;
    Mock::given(method("GET"))
        .and(path(NOTIFICATIONS))
        .and(query_param("min_id", "12"))
        .respond_with(empty())
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(CONVERSATIONS))
        .and(query_param("min_id", "1021"))
        .respond_with(empty())
        .mount(&server)
        .await;
    mount_refresh(&server, "notifications_refresh.json").await;
    let store = Store::new();
    let poller = store.poller(connector(&server));
    poller.poll_round().await.unwrap();
    assert!(store.body("1011").contains("#oatlatte"));
    assert_eq!(poller.poll_round().await.unwrap(), 0);
    assert_eq!(
        store.body("1011"),
        "@nimbuscoffee EDIT: the oat latte is great but pricey"
    );
    assert_eq!(
        store.query_i64("SELECT count(*) FROM events WHERE kind = 'edited'"),
        1
    );
    // The re-read moves no cursor.
    assert_eq!(store.cursor().as_deref(), Some("n=12;c=1021;p=n"));
}

#[tokio::test]
async fn a_restart_resumes_from_the_saved_cursor_without_gaps_or_duplicates() {
    let server = instance().await;
    mount_first_round(&server).await;
    // The page after 15 fails once, as if hark died there.
    Mock::given(method("GET"))
        .and(path(NOTIFICATIONS))
        .and(query_param("min_id", "15"))
        .respond_with(ResponseTemplate::new(502))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    mount_newer(&server).await;
    let mut store = Store::new();
    {
        let poller = store.poller(connector(&server));
        poller.poll_round().await.unwrap();
        let err = poller.poll_round().await.unwrap_err();
        assert!(
            matches!(err, RoundError::Platform(PlatformError::Transient(_))),
            "{err}"
        );
        // Page 2 was stored with its cursor before the failure.
        assert_eq!(store.cursor().as_deref(), Some("n=15;c=1021;p=n"));
    }

    // A new process: new writer, new connector, the same database.
    store.reopen();
    let poller = store.poller(connector(&server));
    assert_eq!(poller.poll_round().await.unwrap(), 0);
    // It resumed after 15: page 2 was not fetched again and nothing was skipped.
    assert_eq!(
        asked_min_ids(&server, NOTIFICATIONS).await,
        ["-", "12", "15", "15", "-"]
    );
    let ids: Vec<String> = store.items().into_iter().map(|(id, _, _)| id).collect();
    assert_eq!(ids, ["1011", "1012", "1013", "1020", "1021"]);
    assert_eq!(store.query_i64("SELECT count(*) FROM items"), 5);
}

#[tokio::test]
async fn a_server_error_then_success_stores_everything_once() {
    let server = instance().await;
    Mock::given(method("GET"))
        .and(path(NOTIFICATIONS))
        .respond_with(
            ResponseTemplate::new(500).set_body_string(r#"{"error":"Something went wrong"}"#),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    mount_first_round(&server).await;
    let store = Store::new();
    let poller = store.poller(connector(&server));
    let err = poller.poll_round().await.unwrap_err().to_string();
    assert!(err.contains("HTTP 500"), "{err}");
    assert!(err.contains("Something went wrong"), "{err}");
    assert_eq!(store.cursor(), None);
    assert_eq!(poller.poll_round().await.unwrap(), 4);
    assert_eq!(store.cursor().as_deref(), Some("n=12;c=1021;p=n"));
}

#[tokio::test]
async fn a_page_that_is_not_json_is_a_clear_error_and_the_cursor_stays() {
    let server = instance().await;
    mount_first_round(&server).await;
    Mock::given(method("GET"))
        .and(path(NOTIFICATIONS))
        .and(query_param("min_id", "12"))
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>maintenance</html>"))
        .mount(&server)
        .await;
    let store = Store::new();
    let poller = store.poller(connector(&server));
    poller.poll_round().await.unwrap();
    let err = poller.poll_round().await.unwrap_err().to_string();
    assert!(err.contains("malformed response"), "{err}");
    assert!(err.contains("not a JSON list"), "{err}");
    assert_eq!(store.cursor().as_deref(), Some("n=12;c=1021;p=n"));
    assert_eq!(store.query_i64("SELECT count(*) FROM items"), 4);
}

/// One notification without its `created_at` between two good ones: the good ones are
/// stored, the cursor moves past all three, and the bad one is kept with its raw text.
#[tokio::test]
async fn an_unreadable_notification_is_set_aside_and_the_good_ones_around_it_stored() {
    let server = instance().await;
    mount_first_round(&server).await;
    Mock::given(method("GET"))
        .and(path(NOTIFICATIONS))
        .and(query_param("min_id", "12"))
        .respond_with(page(
            &server,
            "notifications_one_unreadable.json",
            NOTIFICATIONS,
            "18",
            "16",
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(NOTIFICATIONS))
        .and(query_param("min_id", "18"))
        .respond_with(empty())
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(CONVERSATIONS))
        .and(query_param("min_id", "1021"))
        .respond_with(empty())
        .mount(&server)
        .await;
    let store = Store::new();
    let poller = store.poller(connector(&server));
    poller.poll_round().await.unwrap();
    mount_refresh(&server, "notifications_page1.json").await;
    assert_eq!(poller.poll_round().await.unwrap(), 2);
    let ids: Vec<String> = store.items().into_iter().map(|i| i.0).collect();
    assert!(ids.contains(&"1030".to_string()) && ids.contains(&"1028".to_string()));
    assert!(!ids.contains(&"1029".to_string()));
    assert!(
        store.cursor().unwrap().starts_with("n=18;"),
        "{:?}",
        store.cursor()
    );
    let conn = rusqlite::Connection::open(store.path()).unwrap();
    let aside = hark::store::aside::unreadable(&conn).unwrap();
    assert_eq!(aside.len(), 1, "{aside:?}");
    assert_eq!(aside[0].source, "mastodon notification");
    assert!(
        aside[0].reason.contains("created_at"),
        "{}",
        aside[0].reason
    );
    assert!(aside[0].raw.contains("hark cannot read this one"));
    // The next round goes on from 18 and never fails on it again.
    assert_eq!(poller.poll_round().await.unwrap(), 0);
    assert_eq!(hark::store::aside::unreadable(&conn).unwrap().len(), 1);
}

fn fixed_clock() -> (jiff::Timestamp, hark::platform::mastodon::client::Clock) {
    let now: jiff::Timestamp = "2026-11-20T12:00:00Z".parse().unwrap();
    (now, Arc::new(move || now))
}

#[tokio::test]
async fn a_429_waits_until_the_reset_the_instance_names() {
    let server = instance().await;
    let (now, clock) = fixed_clock();
    let reset = now + jiff::SignedDuration::from_secs(120);
    Mock::given(method("GET"))
        .and(path(NOTIFICATIONS))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("x-ratelimit-limit", "300")
                .insert_header("x-ratelimit-remaining", "0")
                .insert_header("x-ratelimit-reset", reset.to_string().as_str())
                .set_body_string(r#"{"error":"Too many requests"}"#),
        )
        .mount(&server)
        .await;
    let store = Store::new();
    let connector = Arc::new(
        hark::platform::mastodon::MastodonConnector::new(
            &server.uri(),
            hark::secrets::Secret::new(TOKEN),
        )
        .unwrap()
        .with_clock(clock),
    );
    let err = connector.fetch(None).await.unwrap_err();
    assert_eq!(
        err,
        PlatformError::RateLimited {
            wait: Duration::from_secs(120)
        }
    );
    let poller = store.poller(connector.clone());
    let err = poller.poll_round().await.unwrap_err();
    assert!(matches!(
        err,
        RoundError::Platform(PlatformError::RateLimited { .. })
    ));
    assert_eq!(store.cursor(), None);
    assert_eq!(connector.rate_budget().unwrap().remaining, 0);
}

/// `Retry-After` as an HTTP date (no `X-RateLimit-Reset`) is a time, not a malformed
/// number falling back to the default minute.
#[tokio::test]
async fn a_retry_after_http_date_is_read_as_a_time() {
    let server = instance().await;
    let (_, clock) = fixed_clock();
    Mock::given(method("GET"))
        .and(path(NOTIFICATIONS))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "Fri, 20 Nov 2026 12:05:00 GMT")
                .set_body_string(r#"{"error":"Too many requests"}"#),
        )
        .mount(&server)
        .await;
    let connector = hark::platform::mastodon::MastodonConnector::new(
        &server.uri(),
        hark::secrets::Secret::new(TOKEN),
    )
    .unwrap()
    .with_clock(clock);
    assert_eq!(
        connector.fetch(None).await.unwrap_err(),
        PlatformError::RateLimited {
            wait: Duration::from_secs(300)
        }
    );
}

#[tokio::test]
async fn reads_pause_before_the_limit_and_keep_a_reserve_for_replies() {
    let server = instance().await;
    let (now, clock) = fixed_clock();
    let reset = now + jiff::SignedDuration::from_secs(90);
    Mock::given(method("GET"))
        .and(path(NOTIFICATIONS))
        .respond_with(
            page(
                &server,
                "notifications_page1.json",
                NOTIFICATIONS,
                "12",
                "11",
            )
            .insert_header("x-ratelimit-limit", "300")
            .insert_header("x-ratelimit-remaining", "20")
            .insert_header("x-ratelimit-reset", reset.to_string().as_str()),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/statuses"))
        .respond_with(json("status_created.json"))
        .mount(&server)
        .await;
    let connector = hark::platform::mastodon::MastodonConnector::new(
        &server.uri(),
        hark::secrets::Secret::new(TOKEN),
    )
    .unwrap()
    .with_clock(clock);
    let first = connector.fetch(None).await.unwrap();
    assert_eq!(first.items.len(), 2);
    let budget = connector.rate_budget().unwrap();
    assert_eq!((budget.limit, budget.remaining), (300, 20));
    // What the status bar shows, through the connector trait.
    assert_eq!(
        hark::platform::Connector::rate_remaining(&connector),
        Some((20, 300))
    );

    let requests_before = server.received_requests().await.unwrap().len();
    let err = connector
        .fetch(first.next_cursor.as_deref())
        .await
        .unwrap_err();
    assert_eq!(
        err,
        PlatformError::RateLimited {
            wait: Duration::from_secs(90)
        }
    );
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        requests_before
    );

    // A reply still goes out: the reserve is for exactly this.
    let target = hark::platform::Target {
        external_id: "1012".into(),
        parent_external_id: None,
        thread_external_id: None,
        kind: hark::domain::ItemKind::Comment,
        author_external_id: "https://nimbus.social/@bob".into(),
        author_handle: "@bob@nimbus.social".into(),
        raw_json: None,
    };
    assert_eq!(
        connector.reply(&target, "@bob yes!", "k-1").await.unwrap(),
        "1040"
    );
}

#[tokio::test]
async fn a_rejected_token_is_an_auth_error_that_does_not_quote_it() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_string(r#"{"error":"The access token is invalid"}"#),
        )
        .mount(&server)
        .await;
    let err = connector(&server).fetch(None).await.unwrap_err();
    assert!(matches!(err, PlatformError::Auth(_)), "{err:?}");
    let text = format!("{err} {err:?}");
    assert!(text.contains("access token is invalid"), "{text}");
    assert!(!text.contains(TOKEN), "{text}");
}
