//! What every adapter gives the kit, and a store on disk as hark keeps it.
//!
//! An adapter renders platform-neutral facts (a mention, a malformed record, a rate limit,
//! a refusal, a slow or unreadable answer) into its platform's wire format on a local
//! server, and drives the connector's real client against it.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use hark::domain::NewItem;
use hark::ingest::Pipeline;
use hark::outbox::worker::Worker;
use hark::platform::Connector;
use hark::poller::{Poller, RoundError, Schedule};
use hark::store::ingest::{self, Incoming};
use hark::store::Writer;
use tokio::sync::Notify;

/// The server's clock: arrival n happens at `T0 + 300·n` seconds (five minutes apart, more
/// than any overlap a connector reads below its mark).
pub const T0: i64 = 1_780_000_000;

pub fn arrival(n: u32) -> i64 {
    T0 + 300 * n as i64
}

/// A mention of the brand, numbered in the order it reaches the platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mention {
    pub n: u32,
    /// When its author says it was written: its arrival, or earlier when backdated.
    pub created_at: i64,
}

/// One record of the platform's notification list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    Mention(Mention),
    /// A record of the list that cannot be parsed (a required field missing).
    Malformed(u32),
}

impl Record {
    pub fn n(&self) -> u32 {
        match self {
            Record::Mention(m) => m.n,
            Record::Malformed(n) => *n,
        }
    }
}

pub fn mention(n: u32) -> Record {
    Record::Mention(Mention {
        n,
        created_at: arrival(n),
    })
}

/// A mention its author dated `secs` before it reached the platform.
pub fn backdated(n: u32, secs: i64) -> Record {
    Record::Mention(Mention {
        n,
        created_at: arrival(n) - secs,
    })
}

pub fn mentions(ns: std::ops::RangeInclusive<u32>) -> Vec<Record> {
    ns.map(mention).collect()
}

/// A rate-limit answer in one of the forms the platform documents.
#[derive(Debug, Clone)]
pub struct RateLimit {
    pub form: &'static str,
    pub template: wiremock::ResponseTemplate,
    /// The wait it names, in seconds.
    pub wait: u64,
}

/// The outbox side: what the demo (no HTTP) passes too.
#[async_trait]
pub trait Platform: Send + Sync + Sized + 'static {
    /// The platform's name as stored with the account.
    const NAME: &'static str;

    async fn start() -> Self;

    /// A new client of the platform, as a freshly started hark builds it.
    fn connector(&self) -> Arc<dyn Connector>;

    /// An item as the platform's fetch stores it, that outbox `kind` applies to; `n`
    /// makes it distinct.
    fn target(&self, kind: &str, n: u32) -> NewItem;

    /// A client whose next write reaches the platform, which takes it but answers only
    /// after a long pause (a slow send); `taken` is notified when the write arrives.
    async fn slow_connector(&self) -> (Arc<dyn Connector>, Arc<Notify>);

    /// Writes are answered promptly again.
    async fn prompt(&self);

    /// How many writes of outbox `kind` reached the platform.
    async fn writes(&self, kind: &str) -> usize;

    /// How many copies of `kind`'s effect the platform now holds (posts, reports, …).
    async fn copies(&self, kind: &str) -> usize;
}

/// The ingest side and the platform's answers: what every HTTP connector passes.
#[async_trait]
pub trait Scripted: Platform {
    /// The platform's notification list now also holds `records`, in this order.
    async fn publish(&self, records: &[Record]);

    /// After `ok` more list requests succeed, the next one fails once (the server dies).
    async fn outage_after(&self, ok: usize);

    /// Each rate-limit form the platform documents, relative to the real clock.
    fn rate_limits(&self) -> Vec<RateLimit>;

    /// The next list request gets `limit` instead of a page.
    async fn rate_limit_next_list(&self, limit: &RateLimit);

    /// Writes of `kind` are refused the way the platform refuses them; returns the reason
    /// the platform gives.
    async fn refuse(&self, kind: &str) -> String;

    /// Writes are taken but answered with a success whose body cannot be read.
    async fn garble(&self);
}

/// A hark cache on disk with one account of the platform.
pub struct Store {
    pub dir: tempfile::TempDir,
    pub writer: Option<Writer>,
    pub account_id: i64,
}

impl Store {
    pub fn new<P: Platform>() -> Store {
        let dir = tempfile::tempdir().unwrap();
        let writer = Writer::spawn(&dir.path().join("hark.db")).unwrap();
        let account_id = writer
            .handle()
            .call_blocking(|c| ingest::ensure_account(c, "brand", P::NAME, "@brand"))
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

    fn writer(&self) -> &Writer {
        self.writer.as_ref().unwrap()
    }

    /// Stops the writer and starts a new one on the same file, as a restarted hark would.
    pub fn reopen(&mut self) {
        self.writer.take().unwrap().shutdown();
        self.writer = Some(Writer::spawn(&self.path()).unwrap());
    }

    /// A second process's writer on the same file.
    pub fn second_process(&self) -> Writer {
        Writer::spawn(&self.path()).unwrap()
    }

    /// One poll round through the real poller; the count of newly stored items.
    pub async fn poll(&self, connector: Arc<dyn Connector>) -> Result<usize, RoundError> {
        let (status, _) = tokio::sync::mpsc::unbounded_channel();
        Poller {
            account_id: self.account_id,
            account: "brand".into(),
            connector,
            writer: self.writer().handle(),
            pipeline: Arc::new(Pipeline::default()),
            schedule: Schedule {
                interval: Duration::from_secs(60),
                base_backoff: Duration::from_secs(1),
                max_backoff: Duration::from_secs(60),
            },
            status,
        }
        .poll_round()
        .await
    }

    pub fn cursor(&self) -> Option<String> {
        self.query_row(
            "SELECT cursor FROM accounts WHERE id = ?",
            [self.account_id],
        )
    }

    /// The numbers of the stored kit mentions, sorted (a duplicate shows twice).
    pub fn mentions(&self) -> Vec<u32> {
        let conn = rusqlite::Connection::open(self.path()).unwrap();
        let mut stmt = conn.prepare("SELECT body FROM items").unwrap();
        let mut ns: Vec<u32> = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .unwrap()
            .filter_map(|b| {
                let b = b.unwrap();
                let at = b.find("contract mention ")? + "contract mention ".len();
                b[at..].split_whitespace().next()?.parse().ok()
            })
            .collect();
        ns.sort_unstable();
        ns
    }

    /// Stores `item` as a poll would; returns its id.
    pub fn add(&self, item: NewItem) -> i64 {
        let account = self.account_id;
        let external = item.external_id.clone();
        self.writer()
            .handle()
            .call_blocking(move |c| {
                ingest::ingest(c, account, &[Incoming::from(item)], None, T0)?;
                Ok(c.query_row(
                    "SELECT id FROM items WHERE account_id = ? AND external_id = ?",
                    rusqlite::params![account, external],
                    |r| r.get(0),
                )?)
            })
            .unwrap()
    }

    /// Queues outbox `kind` on `item` as the CM's keys do; returns the row id.
    pub fn queue(&self, item: i64, kind: &str) -> i64 {
        let kind = kind.to_string();
        self.writer()
            .handle()
            .call_blocking(move |c| {
                let now = hark::domain::now();
                if kind == "reply" {
                    let text = serde_json::json!({"text": "Thanks, we are on it"});
                    hark::store::outbox::enqueue(c, item, "reply", &text, None, "user", now)
                } else {
                    let payload = serde_json::json!({"category": "spam", "reason": "kit"});
                    let ids =
                        hark::store::moderation::queue(c, &[item], &kind, &payload, "user", now)?;
                    Ok(ids[0])
                }
            })
            .unwrap()
    }

    pub fn worker(&self, connector: Arc<dyn Connector>) -> Worker {
        worker_on(self.writer(), self.account_id, connector)
    }

    /// (state, attempts, last error) of outbox row `id`.
    pub fn row(&self, id: i64) -> (String, i64, Option<String>) {
        let conn = rusqlite::Connection::open(self.path()).unwrap();
        conn.query_row(
            "SELECT state, attempts, last_error FROM outbox WHERE id = ?",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap()
    }

    pub fn item_state(&self, item: i64) -> String {
        self.query_row("SELECT state FROM items WHERE id = ?", [item])
    }

    /// Makes every queued row due now (retries wait with backoff).
    pub fn make_due(&self) {
        self.writer()
            .handle()
            .call_blocking(|c| Ok(c.execute("UPDATE outbox SET next_attempt_at = 0", [])?))
            .unwrap();
    }

    fn query_row<T: rusqlite::types::FromSql>(&self, sql: &str, p: [i64; 1]) -> T {
        let conn = rusqlite::Connection::open(self.path()).unwrap();
        conn.query_row(sql, p, |r| r.get(0)).unwrap()
    }
}

pub fn worker_on(writer: &Writer, account_id: i64, connector: Arc<dyn Connector>) -> Worker {
    Worker::new(writer.handle(), HashMap::from([(account_id, connector)]))
}

/// How long a slow send keeps the worker waiting.
pub const SLOW: Duration = Duration::from_secs(1);

/// A JSON fixture from `tests/fixtures/<dir>/`, without its provenance: a leading `//`
/// comment or a `_source` key (each fixture names the documentation page it is copied from).
pub fn fixture_json(dir: &str, name: &str) -> serde_json::Value {
    let path = format!("{}/tests/fixtures/{dir}/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let json: String = text
        .lines()
        .skip_while(|l| l.starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let mut v: serde_json::Value = serde_json::from_str(&json).unwrap();
    if let Some(o) = v.as_object_mut() {
        o.remove("_source");
    }
    v
}

/// `t` as RFC 3339 UTC, as most platforms write their times.
pub fn iso(t: i64) -> String {
    jiff::Timestamp::from_second(t).unwrap().to_string()
}

/// A 200 answer with a JSON body.
pub fn json_answer(v: serde_json::Value) -> wiremock::ResponseTemplate {
    wiremock::ResponseTemplate::new(200)
        .insert_header("content-type", "application/json")
        .set_body_string(v.to_string())
}

/// The request's query parameter `key`, decoded.
pub fn query(request: &wiremock::Request, key: &str) -> Option<String> {
    request
        .url
        .query_pairs()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}
