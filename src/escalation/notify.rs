//! Sends escalation notifications. A row names a protocol step (`critical/command`); the
//! command or webhook it stands for is looked up in the config when it is sent (see
//! [`super::step`]), so the database never holds anything to run. Every try is a row in
//! `notification_attempts`; a failure is retried with backoff until `max_attempts`, then
//! the notification is `failed`, shown to the CM and retryable, never dropped. A step the
//! config no longer has is marked `failed` with the reason, never run.
//!
//! Several processes may share the data directory: a notification is claimed
//! (`pending` → `sending`, leased to one [`Owner`]) before it runs, so it runs once. A
//! claim whose lease ran out (its process died mid-run) goes back to `pending`: an alert
//! sent twice after a crash beats one never sent.

use std::time::Duration;

use rusqlite::Connection;

use super::step::{self, Channel};
use super::{command, webhook, EscalationConfig};
use crate::backoff::{Backoff, Jitter};
use crate::domain::UnixTime;
use crate::outbox::lease::{Leases, Owner, Table};
use crate::store::lease::SqliteLeases;
use crate::store::notifications;
use crate::store::{Result, WriterHandle};

pub use crate::store::notifications::{
    claim, due, due_except, mark_not_run, reconcile, renew, Attempt, Due, Retried,
};

/// How long a claim on a notification lasts unless renewed.
pub const LEASE_SECS: i64 = 60;

/// How notification retries are spaced: 30 s doubling, at most an hour, no jitter (few
/// notifications fail together).
pub const RETRY_BACKOFF: Backoff = Backoff {
    base: Duration::from_secs(30),
    cap: Duration::from_secs(60 * 60),
    jitter: Jitter::None,
};

/// The wait in seconds before try number `attempts + 1`.
pub fn retry_delay(attempts: u32) -> i64 {
    RETRY_BACKOFF.delay(attempts, 0.0).as_secs() as i64
}

/// Records one try and moves the notification on: sent, retried later (`pending`), or
/// failed; the claim is given up.
pub fn record(conn: &mut Connection, id: i64, attempt: &Attempt, now: UnixTime) -> Result<()> {
    notifications::record(conn, id, attempt, now, retry_delay)
}

/// Puts failed notifications back in the queue, the ones whose step the config still
/// has; the others stay failed with the reason.
pub fn retry_failed(
    conn: &Connection,
    config: &EscalationConfig,
    now: UnixTime,
) -> Result<Retried> {
    notifications::retry_failed(conn, |name| step::resolve(config, name).map(|_| ()), now)
}

/// Sends notifications with the config's protocol.
pub struct Notifier {
    config: EscalationConfig,
    client: reqwest::Client,
    /// Who this notifier is when it claims rows.
    pub owner: Owner,
    /// How long a claim lasts; renewed every third of it while a step runs.
    pub lease: Duration,
}

impl Notifier {
    pub fn new(config: EscalationConfig) -> Notifier {
        Notifier {
            config,
            client: webhook::client(),
            owner: Owner::new(),
            lease: Duration::from_secs(LEASE_SECS as u64),
        }
    }

    fn ttl(&self) -> i64 {
        self.lease.as_secs().max(1) as i64
    }

    /// Runs `call` while renewing the claim on notification `id`.
    async fn renewing<T>(
        &self,
        writer: &WriterHandle,
        id: i64,
        call: impl std::future::Future<Output = T>,
    ) -> T {
        crate::outbox::lease::while_renewing(self.lease, call, || async move {
            let (owner, ttl) = (self.owner.clone(), self.ttl());
            if let Err(e) = writer
                .call(move |c| renew(c, id, &owner, crate::domain::now(), ttl))
                .await
            {
                tracing::warn!(notification = id, error = %e, "claim not renewed");
            }
        })
        .await
    }

    /// One try of the step; `Err` is why it was not run.
    pub async fn send(
        &self,
        step_name: &str,
        payload: &str,
    ) -> std::result::Result<Attempt, String> {
        Ok(match step::resolve(&self.config, step_name)? {
            Channel::Command { command, timeout } => command::run(&command, payload, timeout).await,
            Channel::Webhook { url, timeout } => {
                webhook::post(&self.client, &url, payload, timeout).await
            }
        })
    }

    /// Handles every notification due now, each at most once; returns how many.
    pub async fn run_once(&self, writer: &WriterHandle) -> Result<usize> {
        let now = crate::domain::now();
        let mut done: Vec<i64> = Vec::new();
        let mut tried = 0;
        // Reads on the writer's connection send no change notice.
        let expired = writer
            .call(move |c| SqliteLeases::new(c, Table::Notifications).expired(now))
            .await?;
        if !expired.is_empty() {
            writer.call(move |c| reconcile(c, now)).await?;
        }
        loop {
            let skip = done.clone();
            let batch = writer.call(move |c| due_except(c, now, &skip)).await?;
            if batch.is_empty() {
                return Ok(tried);
            }
            for item in batch {
                let id = item.id;
                done.push(id);
                let (owner, ttl) = (self.owner.clone(), self.ttl());
                let claimed = writer
                    .call(move |c| claim(c, id, &owner, crate::domain::now(), ttl))
                    .await?;
                if !claimed {
                    continue; // another process runs it
                }
                tried += 1;
                // Items may have joined the notice since it was listed.
                let payload = writer.call(move |c| notifications::payload(c, id)).await?;
                match self
                    .renewing(writer, id, self.send(&item.step, &payload))
                    .await
                {
                    Ok(attempt) => {
                        if let Some(e) = &attempt.error {
                            tracing::warn!(notification = id, step = %item.step, error = %e, "notification try failed");
                        }
                        writer
                            .call(move |conn| record(conn, id, &attempt, crate::domain::now()))
                            .await?;
                    }
                    Err(reason) => {
                        writer
                            .call(move |conn| mark_not_run(conn, id, &reason))
                            .await?;
                    }
                }
            }
        }
    }
}

/// Runs the notifier until the writer stops.
pub fn spawn(writer: WriterHandle, config: EscalationConfig) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let notifier = Notifier::new(config);
        loop {
            match notifier.run_once(&writer).await {
                Err(crate::store::Error::WriterGone) => return,
                Err(e) => tracing::error!(error = %e, "notifier"),
                Ok(_) => {}
            }
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
    })
}

#[cfg(test)]
mod tests {
    //! Sending: commands (stdin, timeout, process group), webhooks (redirects, Referer, TLS)
    //! and the rule that only the config says what runs.

    use std::path::Path;
    use std::time::Duration;

    use crate::escalation::notify::{self, Attempt, Notifier};
    use crate::escalation::tests::{protocol_config, store_with_escalation};

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
        let attempt =
            tokio::time::timeout(Duration::from_secs(20), run_command(&command, 1, &payload))
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
        crate::store::peek::notifications(conn)
            .into_iter()
            .map(|n| (n.step, n.state, n.last_error))
            .collect()
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
        crate::store::peek::delete_notifications(&conn, None);
        let marker = dir.path().join("pwned");
        let planted = format!("touch '{}'", marker.display());
        for step in [planted.clone(), format!("critical/command; {planted}")] {
            crate::store::peek::plant_notification(&conn, id, "command", &step);
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
        let config = crate::escalation::EscalationConfig::default();
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
        let back = crate::escalation::tests::protocol_config(Some(&command), None, 3);
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
        crate::store::peek::delete_notifications(&conn, Some("webhook"));
        drop(conn);
        let notifier = with_command(&format!("touch '{}'", new.display()), 5);
        assert_eq!(run_notifier(dir.path(), &notifier).await, 1);
        assert!(new.exists() && !old.exists());
    }
}
