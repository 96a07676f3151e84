//! Two real hark processes on one data directory (`hark poll` running, `hark poll --once`
//! from cron in a loop) against a counting Mastodon server whose writes are slow: every
//! reply, report and escalation notification reaches the server exactly once.

mod support;

use std::collections::HashMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hark::store::outbox as ob;
use hark::store::{Reader, Writer};
use support::mastodon::{empty, fixture, instance, TOKEN};
use wiremock::matchers::{method, path};
use wiremock::{Mock, Request, Respond, ResponseTemplate};

const TOKEN_ENV: &str = "HARK_E2E_TWO_PROCESSES_TOKEN";
const SLOW: Duration = Duration::from_millis(2_500);

/// Counts requests by their Idempotency-Key (or path), answering slowly.
#[derive(Clone)]
struct Counting {
    hits: Arc<Mutex<HashMap<String, usize>>>,
    body: String,
}

impl Counting {
    fn new(body: String) -> Counting {
        Counting {
            hits: Arc::default(),
            body,
        }
    }
    fn total(&self) -> usize {
        self.hits.lock().unwrap().values().sum()
    }
    fn max_per_key(&self) -> usize {
        self.hits
            .lock()
            .unwrap()
            .values()
            .copied()
            .max()
            .unwrap_or(0)
    }
}

impl Respond for Counting {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let key = request
            .headers
            .get("Idempotency-Key")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
            .unwrap_or_else(|| String::from_utf8_lossy(&request.body).into_owned());
        *self.hits.lock().unwrap().entry(key).or_default() += 1;
        ResponseTemplate::new(200)
            .insert_header("content-type", "application/json")
            .set_body_string(self.body.clone())
            .set_delay(SLOW)
    }
}

fn hark(config: &Path, data: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hark"));
    cmd.arg("--config")
        .arg(config)
        .arg("--data-dir")
        .arg(data)
        .env(TOKEN_ENV, TOKEN)
        .env_remove("HARK_LOG");
    cmd
}

fn count(db: &Path, sql: &str) -> i64 {
    Reader::open(db)
        .unwrap()
        .conn()
        .query_row(sql, [], |r| r.get(0))
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_on_one_data_directory_send_everything_exactly_once() {
    let server = instance().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/notifications"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "application/json")
                .set_body_string(fixture("notifications_page1.json")),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    for route in ["/api/v1/notifications", "/api/v1/conversations"] {
        Mock::given(method("GET"))
            .and(path(route))
            .respond_with(empty())
            .mount(&server)
            .await;
    }
    let replies = Counting::new(fixture("status_created.json"));
    let reports = Counting::new(fixture("report.json"));
    let hooks = Counting::new("{}".into());
    for (route, counter) in [
        ("/api/v1/statuses", &replies),
        ("/api/v1/reports", &reports),
        ("/hook", &hooks),
    ] {
        Mock::given(method("POST"))
            .and(path(route))
            .respond_with(counter.clone())
            .mount(&server)
            .await;
    }

    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "brand = \"Nimbus Coffee\"\n\
             [[account]]\nname = \"masto\"\nplatform = \"mastodon\"\nhandle = \"@brand\"\n\
             server = \"{uri}\"\ntoken_env = \"{TOKEN_ENV}\"\n\
             [escalation.protocol.critical]\nwebhook = \"{uri}/hook\"\n",
            uri = server.uri()
        ),
    )
    .unwrap();
    let data = dir.path().join("data");
    let first = hark(&config, &data)
        .args(["poll", "--once"])
        .output()
        .unwrap();
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );

    // Three replies, two reports and two escalations (one webhook each) are waiting.
    let db = data.join("hark.db");
    let items: Vec<i64> = Reader::open(&db)
        .unwrap()
        .conn()
        .prepare("SELECT id FROM items WHERE kind != 'post' ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(items.len() >= 2, "the fixture's mentions were stored");
    let protocol = hark::config::Config::parse(&std::fs::read_to_string(&config).unwrap(), &config)
        .unwrap()
        .escalation;
    let writer = Writer::spawn(&db).unwrap();
    for n in 0..3 {
        let item = items[n % items.len()];
        writer
            .handle()
            .call_blocking(move |c| {
                let text = serde_json::json!({ "text": format!("Thanks! ({n})") });
                ob::enqueue(c, item, "reply", &text, None, "user", 1)
            })
            .unwrap();
    }
    for n in 0..2 {
        let (item, protocol) = (items[n % items.len()], protocol.clone());
        writer
            .handle()
            .call_blocking(move |c| {
                let report = serde_json::json!({"category": "spam", "reason": format!("bot {n}")});
                ob::enqueue(c, item, "report", &report, None, "user", 1)?;
                let new = hark::escalation::NewEscalation {
                    item_id: Some(item),
                    linked: vec![],
                    severity: hark::domain::Severity::Critical,
                    // A reason each: the same reason would join one incident, one notice.
                    reason: format!("press {n}"),
                    actor: "user".into(),
                    topic: Default::default(),
                };
                hark::escalation::open(c, &new, &protocol, 1).map(|o| o.escalation)
            })
            .unwrap();
    }
    writer.shutdown();

    // `hark poll` runs; cron starts `hark poll --once` again and again meanwhile.
    let mut running = hark(&config, &data)
        .arg("poll")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let done = || {
        count(&db, "SELECT count(*) FROM outbox WHERE state != 'sent'") == 0
            && count(
                &db,
                "SELECT count(*) FROM notifications WHERE state != 'sent'",
            ) == 0
    };
    while !done() && started.elapsed() < Duration::from_secs(90) {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let once = tokio::task::spawn_blocking({
            let mut cmd = hark(&config, &data);
            cmd.args(["poll", "--once"]);
            move || cmd.output().unwrap()
        })
        .await
        .unwrap();
        assert!(
            once.status.success(),
            "{}",
            String::from_utf8_lossy(&once.stderr)
        );
    }
    let _ = running.kill();
    let _ = running.wait();

    assert!(done(), "everything went out within 90 s");
    assert_eq!(
        (replies.total(), replies.max_per_key()),
        (3, 1),
        "each reply POSTed once: {:?}",
        replies.hits.lock().unwrap()
    );
    assert_eq!((reports.total(), reports.max_per_key()), (2, 1));
    assert_eq!(
        (hooks.total(), hooks.max_per_key()),
        (2, 1),
        "{:?}",
        hooks.hits.lock().unwrap()
    );
}
