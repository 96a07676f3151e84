use std::time::Duration;

use super::notify::{self, Attempt};
use super::*;

/// A config whose critical protocol has the given command and webhook.
pub(super) fn protocol_config(
    command: Option<&str>,
    webhook: Option<&str>,
    max_attempts: u32,
) -> EscalationConfig {
    let mut config = EscalationConfig::default();
    config.protocol.insert(
        Severity::Critical,
        Protocol {
            notify_command: command.map(Into::into),
            notify_timeout: Duration::from_secs(5),
            webhook: webhook.map(Into::into),
            max_attempts,
            checklist: vec!["call the SMM".into()],
        },
    );
    config
}

/// A store with one item and an escalation whose protocol has a command and a webhook.
pub(super) fn store_with_escalation(
    command: &str,
    webhook: &str,
    max_attempts: u32,
) -> (tempfile::TempDir, rusqlite::Connection, i64) {
    let dir = tempfile::tempdir().unwrap();
    let mut conn = crate::store::open_rw(&dir.path().join("hark.db")).unwrap();
    let account = crate::store::ingest::ensure_account(&conn, "a", "chirp", "@brand").unwrap();
    let item = crate::store::ingest::Incoming::from(crate::domain::NewItem {
        external_id: "x1".into(),
        kind: crate::domain::ItemKind::Mention,
        parent_external_id: None,
        thread_external_id: None,
        author: crate::domain::NewAuthor {
            external_id: "u".into(),
            handle: "@dana".into(),
            display_name: "Dana".into(),
            followers: Some(48_000),
        },
        body: "readers report illness after the cold brew".into(),
        url: None,
        created_at: 100,
        raw_json: None,
    });
    let report = crate::store::ingest::ingest(&mut conn, account, &[item], None, 100).unwrap();
    let config = protocol_config(Some(command), Some(webhook), max_attempts);
    let id = open(
        &conn,
        &NewEscalation {
            item_id: Some(report.inserted[0]),
            linked: vec![],
            severity: Severity::Critical,
            reason: "press".into(),
            actor: "user".into(),
            topic: Default::default(),
        },
        &config,
        200,
    )
    .unwrap()
    .incident;
    (dir, conn, id)
}

#[test]
fn opening_writes_one_notification_per_channel_with_the_payload() {
    let (_dir, conn, id) = store_with_escalation("true", "http://127.0.0.1:1/hook", 3);
    let due = notify::due(&conn, 200).unwrap();
    assert_eq!(due.len(), 2);
    // The rows name the protocol step, never the command or the URL.
    assert_eq!(due[0].step, "critical/command");
    assert_eq!(due[1].step, "critical/webhook");
    let payload: serde_json::Value = serde_json::from_str(&due[0].payload).unwrap();
    assert_eq!(payload["incident_id"], id);
    assert_eq!(payload["notice"], "opened");
    assert_eq!(payload["severity"], "critical");
    assert_eq!(payload["added"][0]["author"], "@dana");
    assert_eq!(payload["checklist"][0]["step"], "call the SMM");
    assert_eq!(payload["next_step"], "call the SMM");
    let event: String = conn
        .query_row(
            "SELECT detail FROM events WHERE kind = 'escalation'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(event.contains("\"op\":\"open\""), "{event}");
}

#[test]
fn failures_are_retried_with_backoff_then_kept_as_failed_until_retried() {
    let (_dir, mut conn, _) = store_with_escalation("false", "http://127.0.0.1:1/hook", 2);
    let fail = Attempt {
        ok: false,
        exit_status: Some(1),
        http_status: None,
        error: Some("the notify command exited with 1".into()),
    };
    let first = notify::due(&conn, 200).unwrap()[0].id;
    notify::record(&mut conn, first, &fail, 200).unwrap();
    // Not due again until the backoff passes.
    assert!(notify::due(&conn, 200)
        .unwrap()
        .iter()
        .all(|d| d.id != first));
    let retry_at = 200 + notify::retry_delay(1);
    assert!(notify::due(&conn, retry_at)
        .unwrap()
        .iter()
        .any(|d| d.id == first));
    notify::record(&mut conn, first, &fail, retry_at).unwrap();
    let (state, attempts, error): (String, i64, String) = conn
        .query_row(
            "SELECT state, attempts, last_error FROM notifications WHERE id = ?",
            [first],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!((state.as_str(), attempts), ("failed", 2));
    assert!(error.contains("exited with 1"));
    let tries: i64 = conn
        .query_row(
            "SELECT count(*) FROM notification_attempts WHERE notification_id = ? AND exit_status = 1",
            [first],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(tries, 2, "every try is on record with its exit status");
    let listed = open_list(&conn).unwrap();
    assert_eq!(listed[0].failed_notifications, 1, "the failure is visible");
    assert!(notify::due(&conn, 1_000_000)
        .unwrap()
        .iter()
        .all(|d| d.id != first));
    let config = protocol_config(Some("false"), None, 2);
    assert_eq!(
        notify::retry_failed(&conn, &config, 5_000).unwrap().queued,
        1
    );
    assert!(notify::due(&conn, 5_000)
        .unwrap()
        .iter()
        .any(|d| d.id == first));
    notify::record(
        &mut conn,
        first,
        &Attempt {
            ok: true,
            exit_status: Some(0),
            ..Attempt::default()
        },
        5_000,
    )
    .unwrap();
    let state: String = conn
        .query_row(
            "SELECT state FROM notifications WHERE id = ?",
            [first],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(state, "sent");
}

#[tokio::test]
async fn the_notifier_sends_due_rows_through_the_writer_and_survives_a_restart() {
    use wiremock::matchers::method;
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    let hook = format!("{}/h", server.uri());
    let (dir, conn, _) = store_with_escalation("exit 0", &hook, 3);
    drop(conn);
    // A restart: a new writer on the same file finds the pending rows.
    let writer = crate::store::Writer::spawn(&dir.path().join("hark.db")).unwrap();
    let notifier = notify::Notifier::new(protocol_config(Some("exit 0"), Some(&hook), 3));
    let sent = notifier.run_once(&writer.handle()).await.unwrap();
    assert_eq!(sent, 2);
    let states: Vec<String> = writer
        .handle()
        .call(|c| {
            Ok(c.prepare("SELECT state FROM notifications ORDER BY id")?
                .query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?)
        })
        .await
        .unwrap();
    assert_eq!(states, vec!["sent", "sent"]);
}

#[test]
fn resolving_closes_the_items_escalations_with_an_outcome() {
    let (_dir, mut conn, id) = store_with_escalation("true", "http://127.0.0.1:1/h", 3);
    let item: i64 = conn
        .query_row("SELECT item_id FROM escalations WHERE id = ?", [id], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(open_list(&conn).unwrap().len(), 1);
    assert_eq!(
        resolve_items(
            &mut conn,
            &[item],
            "statement published",
            "user",
            &EscalationConfig::default(),
            900
        )
        .unwrap(),
        1
    );
    assert!(open_list(&conn).unwrap().is_empty());
    let (resolved_at, outcome): (i64, String) = conn
        .query_row(
            "SELECT resolved_at, outcome FROM escalations WHERE id = ?",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(
        (resolved_at, outcome.as_str()),
        (900, "statement published")
    );
    assert_eq!(
        resolve_items(
            &mut conn,
            &[item],
            "again",
            "user",
            &EscalationConfig::default(),
            901
        )
        .unwrap(),
        0
    );
}

#[test]
fn a_bad_protocol_is_a_config_error() {
    let err = crate::config::Config::parse(
        "[escalation.protocol.critical]\nwebhook = \"ftp://x\"\n",
        std::path::Path::new("c.toml"),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("not an http(s) URL"), "{err}");
    let err = crate::config::Config::parse(
        "[escalation.spike]\nmin_count = 3\n",
        std::path::Path::new("c.toml"),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("set `multiple` or `z_score`"), "{err}");
}

/// Two processes share the data directory (the TUI and `hark poll --once`): each
/// notification is claimed by one of them and runs once, even when the hook is slow.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_notifiers_on_one_file_send_each_notification_once() {
    use wiremock::matchers::method;
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_millis(800)))
        .mount(&server)
        .await;
    let hook = format!("{}/h", server.uri());
    let dir = tempfile::tempdir().unwrap();
    let count = dir.path().join("runs");
    let command = format!("echo run >> '{}'", count.display());
    let (dir_, conn, _) = store_with_escalation(&command, &hook, 3);
    drop(conn);
    let path = dir_.path().join("hark.db");
    let (w1, w2) = (
        crate::store::Writer::spawn(&path).unwrap(),
        crate::store::Writer::spawn(&path).unwrap(),
    );
    let config = protocol_config(Some(&command), Some(&hook), 3);
    let (a, b) = (
        notify::Notifier::new(config.clone()),
        notify::Notifier::new(config),
    );
    let (ha, hb) = (w1.handle(), w2.handle());
    let (ra, rb) = tokio::join!(a.run_once(&ha), b.run_once(&hb));
    assert_eq!(
        ra.unwrap() + rb.unwrap(),
        2,
        "two notifications, each tried once"
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
    let runs = std::fs::read_to_string(&count).unwrap_or_default();
    assert_eq!(runs.lines().count(), 1, "the command ran once");
}

/// A notification whose claimer died mid-run is sent again once its lease runs out,
/// never while it lives.
#[test]
fn an_expired_notification_claim_is_sent_again_and_a_live_one_is_left_alone() {
    use crate::outbox::lease::Owner;
    let (_dir, mut conn, _) = store_with_escalation("true", "http://127.0.0.1:1/h", 3);
    let id: i64 = conn
        .query_row("SELECT min(id) FROM notifications", [], |r| r.get(0))
        .unwrap();
    let now = crate::domain::now();
    assert!(notify::claim(&mut conn, id, &Owner::new(), now, 60).unwrap());
    assert!(
        !notify::claim(&mut conn, id, &Owner::new(), now + 1, 60).unwrap(),
        "claimed once"
    );
    assert_eq!(notify::reconcile(&mut conn, now + 30).unwrap(), 0);
    assert_eq!(notify::reconcile(&mut conn, now + 61).unwrap(), 1);
    // (a lease holds through its last second: now + 60)
    let state: String = conn
        .query_row("SELECT state FROM notifications WHERE id = ?", [id], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(state, "pending");
}
