//! Mastodon notification requests (4.3+): mentions the account's policy filtered are
//! read, stored with a "filtered by the platform" mark, and accepted or dismissed through
//! the outbox. Older servers answer 404, which is silent and remembered.

mod support;

use std::collections::HashMap;

use hark::outbox::worker::Worker;
use hark::platform::Connector;
use serde_json::json;
use support::mastodon::*;
use wiremock::matchers::{method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

const NOTIFICATIONS: &str = "/api/v1/notifications";
const REQUESTS: &str = "/api/v1/notifications/requests";

/// Nothing in the ordinary streams: what arrives comes through the requests.
async fn mount_quiet_streams(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path(NOTIFICATIONS))
        .and(query_param_is_missing("account_id"))
        .respond_with(empty())
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/conversations"))
        .respond_with(empty())
        .mount(server)
        .await;
}

async fn mount_requests(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path(REQUESTS))
        .respond_with(json("notification_requests.json"))
        .mount(server)
        .await;
    for (account, fixture) in [
        ("301", "request_notifications_gil.json"),
        ("302", "request_notifications_hal.json"),
    ] {
        Mock::given(method("GET"))
            .and(path(NOTIFICATIONS))
            .and(query_param("account_id", account))
            .respond_with(json(fixture))
            .mount(server)
            .await;
    }
}

fn item_id(store: &Store, external_id: &str) -> i64 {
    store.query_i64(&format!(
        "SELECT id FROM items WHERE external_id = '{external_id}'"
    ))
}

fn filtered(store: &Store, external_id: &str) -> Option<String> {
    let conn = rusqlite::Connection::open(store.path()).unwrap();
    conn.query_row(
        "SELECT filtered_request FROM items WHERE external_id = ?",
        [external_id],
        |r| r.get(0),
    )
    .unwrap()
}

#[tokio::test]
async fn filtered_mentions_are_stored_marked_and_accepted_or_dismissed() {
    let server = instance().await;
    mount_quiet_streams(&server).await;
    mount_requests(&server).await;
    for (id, verb) in [("9001", "accept"), ("9002", "dismiss")] {
        Mock::given(method("POST"))
            .and(path(format!("{REQUESTS}/{id}/{verb}")))
            .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
            .expect(1)
            .mount(&server)
            .await;
    }
    let store = Store::new();
    let conn = connector(&server);
    assert!(conn.capabilities().moderation.contains(&"accept-request"));
    let poller = store.poller(conn.clone());
    assert_eq!(poller.poll_round().await.unwrap(), 2);
    assert_eq!(filtered(&store, "1101").as_deref(), Some("9001"));
    assert_eq!(filtered(&store, "1102").as_deref(), Some("9002"));
    assert!(
        store.cursor().unwrap().contains("r="),
        "{:?}",
        store.cursor()
    );

    let (gil, hal) = (item_id(&store, "1101"), item_id(&store, "1102"));
    // The list rows carry the mark, so the inbox shows which items the platform holds.
    let rows = hark::store::read::Reader::open(&store.path())
        .unwrap()
        .page(
            &hark::store::read::ListQuery::view(hark::store::View::Inbox),
            None,
            hark::store::read::Direction::Older,
            50,
        )
        .unwrap();
    let held: Vec<bool> = [gil, hal]
        .iter()
        .map(|id| rows.iter().find(|r| r.id == *id).unwrap().marks.filtered)
        .collect();
    assert_eq!(held, [true, true]);
    let handle = store.writer.as_ref().unwrap().handle();
    let queued = handle
        .call_blocking(move |c| {
            let mut out =
                hark::store::moderation::queue(c, &[gil], "accept-request", &json!({}), "cm", 1)?;
            out.extend(hark::store::moderation::queue(
                c,
                &[hal],
                "dismiss-request",
                &json!({}),
                "cm",
                1,
            )?);
            Ok(out)
        })
        .unwrap();
    assert_eq!(queued.len(), 2);
    let worker = Worker::new(
        handle.clone(),
        HashMap::from([(
            store.account_id,
            conn.clone() as std::sync::Arc<dyn Connector>,
        )]),
    );
    worker.run_once().await.unwrap();
    assert_eq!(filtered(&store, "1101"), None, "accepted: no longer held");
    assert_eq!(filtered(&store, "1102"), None, "dismissed: no longer held");
    assert_eq!(
        store.query_i64("SELECT count(*) FROM items WHERE external_id = '1102' AND state = 'done'"),
        1
    );
    // An item the platform never held has no request to answer: nothing is queued.
    let none = handle
        .call_blocking(move |c| {
            hark::store::moderation::queue(c, &[gil], "accept-request", &json!({}), "cm", 2)
        })
        .unwrap();
    assert!(none.is_empty());
    // A later round reads the requests again (same second as the mark) without putting
    // the mark back on what the CM answered.
    poller.poll_round().await.unwrap();
    assert_eq!(filtered(&store, "1101"), None);
    drop(worker);
    server.verify().await;
}

#[tokio::test]
async fn a_server_without_notification_requests_is_silent_and_not_asked_again() {
    let server = instance().await;
    mount_quiet_streams(&server).await;
    Mock::given(method("GET"))
        .and(path(REQUESTS))
        .respond_with(ResponseTemplate::new(404).set_body_string(r#"{"error":"Record not found"}"#))
        .expect(1)
        .mount(&server)
        .await;
    let store = Store::new();
    let poller = store.poller(connector(&server));
    assert_eq!(poller.poll_round().await.unwrap(), 0);
    assert_eq!(poller.poll_round().await.unwrap(), 0);
    assert_eq!(
        store.query_i64("SELECT count(*) FROM unreadable"),
        0,
        "a 404 is not a bad record"
    );
    server.verify().await;
}

/// Retrying a failed accept puts it back in the queue; the item stays held (and the
/// accept can run again) until the platform confirms.
#[tokio::test]
async fn a_retried_accept_keeps_the_item_held_until_the_platform_confirms() {
    let server = instance().await;
    mount_quiet_streams(&server).await;
    mount_requests(&server).await;
    let accept = format!("{REQUESTS}/9001/accept");
    Mock::given(method("POST"))
        .and(path(accept.clone()))
        .respond_with(
            ResponseTemplate::new(422).set_body_string(r#"{"error":"Validation failed"}"#),
        )
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(accept))
        .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
        .expect(1)
        .mount(&server)
        .await;
    let store = Store::new();
    let conn = connector(&server);
    store.poller(conn.clone()).poll_round().await.unwrap();
    let gil = item_id(&store, "1101");
    let handle = store.writer.as_ref().unwrap().handle();
    let queued = handle
        .call_blocking(move |c| {
            hark::store::moderation::queue(c, &[gil], "accept-request", &json!({}), "cm", 1)
        })
        .unwrap();
    let worker = Worker::new(
        handle.clone(),
        HashMap::from([(
            store.account_id,
            conn.clone() as std::sync::Arc<dyn Connector>,
        )]),
    );
    worker.run_once().await.unwrap();
    assert_eq!(
        filtered(&store, "1101").as_deref(),
        Some("9001"),
        "refused: still held"
    );

    let id = queued[0];
    let retried = handle
        .call_blocking(move |c| hark::store::outbox::retry(c, id, 10))
        .unwrap();
    assert!(retried);
    assert_eq!(
        filtered(&store, "1101").as_deref(),
        Some("9001"),
        "a retry is not a confirmation: the item is still held"
    );
    worker.run_once().await.unwrap();
    assert_eq!(filtered(&store, "1101"), None, "accepted: no longer held");
    drop(worker);
    server.verify().await;
}
