//! Shared helpers for the Mastodon tests: fixtures, a mock instance, a store and a poller.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use hark::ingest::Pipeline;
use hark::platform::mastodon::MastodonConnector;
use hark::poller::{Poller, Schedule};
use hark::secrets::Secret;
use hark::store::{ingest, Writer};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

pub const TOKEN: &str = "test-token-not-real";

/// A fixture's JSON: the `//` lines at the top name its source and are dropped.
pub fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/mastodon")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .skip_while(|l| l.starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A 200 answer with a fixture as JSON body.
pub fn json(name: &str) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .insert_header("content-type", "application/json")
        .set_body_string(fixture(name))
}

/// A 200 answer with a fixture and a `Link` header whose `prev` page starts after `prev`.
pub fn page(
    server: &MockServer,
    name: &str,
    route: &str,
    prev: &str,
    next: &str,
) -> ResponseTemplate {
    let base = server.uri();
    json(name).insert_header(
        "link",
        format!("<{base}{route}?max_id={next}>; rel=\"next\", <{base}{route}?min_id={prev}>; rel=\"prev\"").as_str(),
    )
}

/// An empty page: caught up.
pub fn empty() -> ResponseTemplate {
    ResponseTemplate::new(200)
        .insert_header("content-type", "application/json")
        .set_body_string("[]")
}

/// A mock instance that knows the brand's account and its status limit.
pub async fn instance() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/accounts/verify_credentials"))
        .respond_with(json("verify_credentials.json"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v2/instance"))
        .respond_with(json("instance.json"))
        .mount(&server)
        .await;
    server
}

pub fn connector(server: &MockServer) -> Arc<MastodonConnector> {
    Arc::new(MastodonConnector::new(&server.uri(), Secret::new(TOKEN)).unwrap())
}

/// A store in a temporary directory, reopened as after a restart with [`Store::reopen`].
pub struct Store {
    pub dir: tempfile::TempDir,
    pub writer: Option<Writer>,
    pub account_id: i64,
}

impl Store {
    pub fn new() -> Store {
        let dir = tempfile::tempdir().unwrap();
        let writer = Writer::spawn(&dir.path().join("hark.db")).unwrap();
        let account_id = writer
            .handle()
            .call_blocking(|c| {
                ingest::ensure_account(c, "brand-mastodon", "mastodon", "@nimbuscoffee")
            })
            .unwrap();
        Store {
            dir,
            writer: Some(writer),
            account_id,
        }
    }

    pub fn path(&self) -> PathBuf {
        self.dir.path().join("hark.db")
    }

    /// Stops the writer and starts a new one on the same file, as a restarted hark would.
    pub fn reopen(&mut self) {
        self.writer.take().unwrap().shutdown();
        self.writer = Some(Writer::spawn(&self.path()).unwrap());
    }

    pub fn poller(&self, connector: Arc<MastodonConnector>) -> Poller {
        // `poll_round` reports no status; only `run` does.
        let (tx, _) = tokio::sync::mpsc::unbounded_channel();
        Poller {
            account_id: self.account_id,
            account: "brand-mastodon".into(),
            connector,
            writer: self.writer.as_ref().unwrap().handle(),
            pipeline: Arc::new(Pipeline::default()),
            schedule: Schedule {
                interval: Duration::from_secs(60),
                base_backoff: Duration::from_secs(1),
                max_backoff: Duration::from_secs(60),
            },
            status: tx,
        }
    }

    pub fn cursor(&self) -> Option<String> {
        let conn = rusqlite::Connection::open(self.path()).unwrap();
        conn.query_row(
            "SELECT cursor FROM accounts WHERE id = ?",
            [self.account_id],
            |r| r.get(0),
        )
        .unwrap()
    }

    /// (external id, kind, body) of every stored item, by external id.
    pub fn items(&self) -> Vec<(String, String, String)> {
        let conn = rusqlite::Connection::open(self.path()).unwrap();
        let mut stmt = conn
            .prepare("SELECT external_id, kind, body FROM items ORDER BY external_id")
            .unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }

    pub fn body(&self, external_id: &str) -> String {
        self.items()
            .into_iter()
            .find(|(id, _, _)| id == external_id)
            .unwrap_or_else(|| panic!("item {external_id} is not stored"))
            .2
    }

    pub fn query_i64(&self, sql: &str) -> i64 {
        let conn = rusqlite::Connection::open(self.path()).unwrap();
        conn.query_row(sql, [], |r| r.get(0)).unwrap()
    }
}

/// The `min_id` query values of the notification requests the server saw, in order
/// (`-` for a request without one).
pub async fn asked_min_ids(server: &MockServer, route: &str) -> Vec<String> {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == route)
        .map(|r| {
            r.url
                .query_pairs()
                .find(|(k, _)| k == "min_id")
                .map(|(_, v)| v.into_owned())
                .unwrap_or_else(|| "-".into())
        })
        .collect()
}
