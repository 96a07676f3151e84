//! hark against a real Synapse (scripts/synapse/start.sh: SQLite, 127.0.0.1, no
//! federation). Runs only with HARK_SYNAPSE=1, and then FAILS if Synapse cannot start
//! (install it first: scripts/synapse/install.sh).
//!
//! A brand and fans register; fans mention the brand, chat, answer in a thread the brand
//! took part in and open a DM; hark ingests each item once, answers in the thread through
//! the outbox (killed after Synapse stored the reply and before hark read the answer: after
//! the restart exactly one reply exists), redacts, kicks and bans once it has the power level,
//! and a burst of replies earns a real 429 that hark waits out. A fan with an encrypting
//! client opens an encrypted DM: hark reads it (also a message whose key came late) and
//! its answer reaches the fan encrypted.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hark::domain::ItemKind;
use hark::ingest::Pipeline;
use hark::outbox::worker::Worker;
use hark::platform::matrix::{setup, MatrixConnector};
use hark::platform::{AccountConfig, Connector, ModerationAction, PlatformError};
use hark::poller::{Poller, Schedule};
use hark::store::{ingest, Writer};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::Notify;

#[path = "matrix_synapse/olm_fan.rs"]
mod olm_fan;

fn enabled() -> bool {
    if std::env::var("HARK_SYNAPSE").as_deref() == Ok("1") {
        return true;
    }
    eprintln!("skipped: set HARK_SYNAPSE=1 (after scripts/synapse/install.sh)");
    false
}

fn script(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("scripts/synapse")
        .join(name)
}

/// The running Synapse; dropping it stops exactly what start.sh started.
struct Synapse {
    url: String,
    run_dir: String,
}

impl Synapse {
    fn start(tight: bool) -> Synapse {
        let out = Command::new(script("start.sh"))
            .env("HARK_SYNAPSE_TIGHT", if tight { "1" } else { "0" })
            .output()
            .expect("cannot run start.sh");
        assert!(
            out.status.success(),
            "Synapse did not start:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let line = String::from_utf8_lossy(&out.stdout);
        let info: Value = serde_json::from_str(line.trim())
            .unwrap_or_else(|e| panic!("start.sh printed {line:?}: {e}"));
        Synapse {
            url: info["homeserver"].as_str().unwrap().to_string(),
            run_dir: info["run_dir"].as_str().unwrap().to_string(),
        }
    }

    fn register(&self, user: &str, password: &str) {
        let status = Command::new(script("register.sh"))
            .args([&self.run_dir, &self.url, user, password])
            .status()
            .unwrap();
        assert!(status.success(), "cannot register {user}");
    }
}

impl Drop for Synapse {
    fn drop(&mut self) {
        let _ = Command::new(script("stop.sh")).arg(&self.run_dir).status();
    }
}

/// A fan's own client: raw client-server API calls.
struct Fan {
    http: reqwest::Client,
    url: String,
    token: String,
    txn: std::sync::atomic::AtomicU32,
}

fn seg(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

impl Fan {
    async fn login(url: &str, user: &str, password: &str) -> Fan {
        let http = reqwest::Client::new();
        let v: Value = http
            .post(format!("{url}/_matrix/client/v3/login"))
            .json(&json!({"type": "m.login.password",
                "identifier": {"type": "m.id.user", "user": user}, "password": password}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        Fan {
            http,
            url: url.to_string(),
            token: v["access_token"].as_str().unwrap().to_string(),
            txn: Default::default(),
        }
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut req = self
            .http
            .request(method, format!("{}/_matrix/client{path}", self.url))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            req = req.json(&body);
        }
        let response = req.send().await.unwrap();
        let status = response.status();
        let v: Value = response.json().await.unwrap();
        assert!(status.is_success(), "{path}: {status} {v}");
        v
    }

    async fn send(&self, room: &str, content: Value) -> String {
        let n = self.txn.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let path = format!("/v3/rooms/{}/send/m.room.message/fan{n}", seg(room));
        let v = self.call(reqwest::Method::PUT, &path, Some(content)).await;
        v["event_id"].as_str().unwrap().to_string()
    }

    /// Every message of the room, oldest first, as this fan sees it.
    async fn messages(&self, room: &str) -> Vec<Value> {
        let path = format!("/v3/rooms/{}/messages?dir=f&limit=200", seg(room));
        let v = self.call(reqwest::Method::GET, &path, None).await;
        v["chunk"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["type"] == "m.room.message")
            .cloned()
            .collect()
    }
}

/// A hark cache with the brand's Matrix account, as `hark account add matrix` set it up.
struct Hark {
    data: tempfile::TempDir,
    writer: Option<Writer>,
    account_id: i64,
    account: AccountConfig,
}

impl Hark {
    async fn add_account(url: &str) -> Hark {
        let data = tempfile::tempdir().unwrap();
        std::env::set_var("HARK_TEST_MATRIX_PASSWORD", "brand-pass-1");
        let args = setup::AddArgs {
            homeserver: url.to_string(),
            user: "@brand:nimbus.test".into(),
            name: Some("brand-matrix".into()),
            token_env: None,
            token_cmd: None,
            password_env: Some("HARK_TEST_MATRIX_PASSWORD".into()),
            allow_insecure: false,
        };
        let block = setup::add(&args, data.path()).await.unwrap();
        assert!(block.contains("platform = \"matrix\""), "{block}");
        assert!(!block.contains("syt_"), "the block holds no token: {block}");
        let account: AccountConfig = toml::from_str(
            &block
                .lines()
                .filter(|l| !l.starts_with('#') && *l != "[[account]]")
                .collect::<Vec<_>>()
                .join("\n"),
        )
        .unwrap();
        let writer = Writer::spawn(&data.path().join("hark.db")).unwrap();
        let account_id = writer
            .handle()
            .call_blocking(|c| ingest::ensure_account(c, "brand-matrix", "matrix", "@brand"))
            .unwrap();
        Hark {
            data,
            writer: Some(writer),
            account_id,
            account,
        }
    }

    fn token(&self) -> String {
        hark::secrets::resolve_token(self.account.token_source(), Some(self.data.path()))
            .unwrap()
            .expose()
            .to_string()
    }

    fn connector_at(&self, url: &str) -> Arc<dyn Connector> {
        let mut account = self.account.clone();
        account.server = Some(url.to_string());
        Arc::new(MatrixConnector::from_account(&account, Some(self.data.path())).unwrap())
    }

    fn writer(&self) -> &Writer {
        self.writer.as_ref().unwrap()
    }

    async fn poll(&self, connector: Arc<dyn Connector>) -> usize {
        let (status, _) = tokio::sync::mpsc::unbounded_channel();
        Poller {
            account_id: self.account_id,
            account: "brand-matrix".into(),
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
        .unwrap()
    }

    /// (external id, kind, body) of every stored item, oldest first.
    fn items(&self) -> Vec<(String, String, String)> {
        let conn = rusqlite::Connection::open(self.data.path().join("hark.db")).unwrap();
        let mut stmt = conn
            .prepare("SELECT external_id, kind, body FROM items ORDER BY created_at, id")
            .unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }

    fn item_id(&self, external: &str) -> i64 {
        let conn = rusqlite::Connection::open(self.data.path().join("hark.db")).unwrap();
        conn.query_row(
            "SELECT id FROM items WHERE external_id = ?",
            [external],
            |r| r.get(0),
        )
        .unwrap()
    }

    /// The room the list shows for the item, with the account's power there.
    fn room_of(&self, external: &str) -> Option<hark::store::chat_rooms::RoomMarks> {
        let id = self.item_id(external);
        let reader = hark::store::read::Reader::open(&self.data.path().join("hark.db")).unwrap();
        let query = hark::store::read::ListQuery::view(hark::store::View::All);
        reader
            .page(&query, None, hark::store::read::Direction::Older, 500)
            .unwrap()
            .into_iter()
            .find(|r| r.id == id)
            .unwrap()
            .marks
            .room
    }

    /// Whether the item carries the "deleted on the platform" mark.
    fn gone(&self, external: &str) -> bool {
        let conn = rusqlite::Connection::open(self.data.path().join("hark.db")).unwrap();
        conn.query_row(
            "SELECT gone_at IS NOT NULL FROM items WHERE external_id = ?",
            [external],
            |r| r.get(0),
        )
        .unwrap()
    }

    fn outbox_state(&self, row: i64) -> String {
        let conn = rusqlite::Connection::open(self.data.path().join("hark.db")).unwrap();
        conn.query_row("SELECT state FROM outbox WHERE id = ?", [row], |r| r.get(0))
            .unwrap()
    }

    fn queue_reply(&self, item: i64, text: &str) -> i64 {
        let text = json!({ "text": text });
        self.writer()
            .handle()
            .call_blocking(move |c| {
                hark::store::outbox::enqueue(
                    c,
                    item,
                    "reply",
                    &text,
                    None,
                    "user",
                    hark::domain::now(),
                )
            })
            .unwrap()
    }

    fn worker(&self, connector: Arc<dyn Connector>) -> Worker {
        Worker::new(
            self.writer().handle(),
            HashMap::from([(self.account_id, connector)]),
        )
    }

    fn reopen(&mut self) {
        self.writer.take().unwrap().shutdown();
        self.writer = Some(Writer::spawn(&self.data.path().join("hark.db")).unwrap());
    }
}

/// A proxy in front of Synapse that, once armed, passes the next message send through
/// to Synapse and then never answers it: "the server stored the reply, hark never got the
/// answer". Everything else passes both ways.
struct HoldingProxy {
    url: String,
    armed: Arc<Mutex<Option<Arc<Notify>>>>,
}

impl HoldingProxy {
    async fn start(upstream: &str) -> HoldingProxy {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let armed: Arc<Mutex<Option<Arc<Notify>>>> = Default::default();
        let (upstream, held) = (upstream.to_string(), armed.clone());
        tokio::spawn(async move {
            loop {
                let Ok((socket, _)) = listener.accept().await else {
                    return;
                };
                tokio::spawn(serve(socket, upstream.clone(), held.clone()));
            }
        });
        HoldingProxy { url, armed }
    }

    fn arm(&self) -> Arc<Notify> {
        let stored = Arc::new(Notify::new());
        *self.armed.lock().unwrap() = Some(stored.clone());
        stored
    }
}

async fn serve(
    mut socket: tokio::net::TcpStream,
    upstream: String,
    armed: Arc<Mutex<Option<Arc<Notify>>>>,
) {
    let http = reqwest::Client::new();
    let mut buf = Vec::new();
    loop {
        let head_end = loop {
            if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break at + 4;
            }
            let mut chunk = [0u8; 8192];
            match socket.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
        let mut lines = head.split("\r\n");
        let mut first = lines.next().unwrap().split(' ');
        let (method, path) = (
            first.next().unwrap().to_string(),
            first.next().unwrap().to_string(),
        );
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(": "))
            .map(|(k, v)| (k.to_ascii_lowercase(), v.to_string()))
            .collect();
        let length: usize = headers
            .iter()
            .find(|(k, _)| k == "content-length")
            .map_or(0, |(_, v)| v.parse().unwrap());
        while buf.len() < head_end + length {
            let mut chunk = [0u8; 8192];
            match socket.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        let body = buf[head_end..head_end + length].to_vec();
        buf.drain(..head_end + length);
        let mut request = http.request(method.parse().unwrap(), format!("{upstream}{path}"));
        for (k, v) in &headers {
            if k == "authorization" || k == "content-type" {
                request = request.header(k, v);
            }
        }
        let response = request.body(body).send().await.unwrap();
        let status = response.status().as_u16();
        let answer = response.bytes().await.unwrap();
        if method == "PUT" && path.contains("/send/m.room.message/") {
            let held = armed.lock().unwrap().take();
            if let Some(stored) = held {
                stored.notify_one();
                // Hold the connection: hark is killed before it reads an answer.
                std::future::pending::<()>().await;
            }
        }
        let head = format!(
            "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
            answer.len()
        );
        if socket.write_all(head.as_bytes()).await.is_err()
            || socket.write_all(&answer).await.is_err()
        {
            return;
        }
    }
}

const ROOM_ALIAS: &str = "#help:nimbus.test";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fans_mention_thread_reply_and_dm_reach_hark_once_and_the_answer_lands_once() {
    if !enabled() {
        return;
    }
    let synapse = Synapse::start(false);
    synapse.register("brand", "brand-pass-1");
    synapse.register("fan", "fan-pass-1");
    synapse.register("spammer", "spam-pass-1");
    let mut hark = Hark::add_account(&synapse.url).await;
    let device =
        std::fs::read_to_string(setup::device_file(hark.data.path(), "brand-matrix")).unwrap();
    let brand = Fan {
        token: hark.token(),
        ..Fan::login(&synapse.url, "brand", "brand-pass-1").await
    };
    let whoami = brand
        .call(reqwest::Method::GET, "/v3/account/whoami", None)
        .await;
    assert_eq!(
        whoami["device_id"].as_str(),
        Some(device.trim()),
        "the kept device"
    );
    let fan = Fan::login(&synapse.url, "fan", "fan-pass-1").await;
    let spammer = Fan::login(&synapse.url, "spammer", "spam-pass-1").await;

    // The fan's community room; the brand and a spammer join it.
    let room = fan
        .call(
            reqwest::Method::POST,
            "/v3/createRoom",
            Some(json!({"preset": "public_chat", "room_alias_name": "help", "name": "Help"})),
        )
        .await["room_id"]
        .as_str()
        .unwrap()
        .to_string();
    for who in [&brand, &spammer] {
        who.call(
            reqwest::Method::POST,
            &format!("/v3/join/{}", seg(ROOM_ALIAS)),
            Some(json!({})),
        )
        .await;
    }
    // A new connector stands for a restarted hark: the old one goes first, as a process
    // does (one process of a data directory holds the account's encryption keys).
    let mut direct = hark.connector_at(&synapse.url);
    assert_eq!(hark.poll(direct.clone()).await, 0, "nothing said yet");

    // Chatter (not an item), a question the brand answers in a thread (from Element),
    // the fan's follow-up in that thread (an item: the brand took part), and a mention.
    let chatter = fan
        .send(
            &room,
            json!({"msgtype": "m.text", "body": "is the shop open on sunday"}),
        )
        .await;
    brand
        .send(
            &room,
            json!({"msgtype": "m.text", "body": "Yes, 9 to 5!",
            "m.relates_to": {"rel_type": "m.thread", "event_id": chatter,
                "is_falling_back": true, "m.in_reply_to": {"event_id": chatter}}}),
        )
        .await;
    let follow_up = fan
        .send(
            &room,
            json!({"msgtype": "m.text", "body": "and on holidays?",
            "m.relates_to": {"rel_type": "m.thread", "event_id": chatter,
                "is_falling_back": true, "m.in_reply_to": {"event_id": chatter}}}),
        )
        .await;
    let mention = fan
        .send(
            &room,
            json!({"msgtype": "m.text", "body": "brand: my order 1234 never arrived",
            "m.mentions": {"user_ids": ["@brand:nimbus.test"]}}),
        )
        .await;
    let spam = spammer
        .send(
            &room,
            json!({"msgtype": "m.text", "body": "@brand:nimbus.test cheap watches at spam.example"}),
        )
        .await;
    // A DM: the fan invites the brand to a direct chat; hark joins it and reads it.
    let dm = fan
        .call(
            reqwest::Method::POST,
            "/v3/createRoom",
            // Named, so only the m.direct hark keeps tells a later run it is a DM.
            Some(json!({"preset": "trusted_private_chat", "is_direct": true,
                "name": "Address change", "invite": ["@brand:nimbus.test"]})),
        )
        .await["room_id"]
        .as_str()
        .unwrap()
        .to_string();
    let dm_message = fan
        .send(
            &dm,
            json!({"msgtype": "m.text", "body": "can I change my address privately"}),
        )
        .await;

    let first = hark.poll(direct.clone()).await;
    // The DM room was joined during that poll: its message comes with the next run.
    drop(direct);
    direct = hark.connector_at(&synapse.url);
    let second = hark.poll(direct.clone()).await;
    let items = hark.items();
    let kind_of = |id: &str| {
        items
            .iter()
            .find(|(e, _, _)| e == id)
            .map(|(_, k, _)| k.clone())
    };
    assert_eq!(
        kind_of(&chatter),
        None,
        "chatter in a mentions room: {items:?}"
    );
    assert_eq!(kind_of(&follow_up).as_deref(), Some("comment"));
    assert_eq!(kind_of(&mention).as_deref(), Some("mention"));
    assert_eq!(kind_of(&spam).as_deref(), Some("mention"), "body mention");
    assert_eq!(kind_of(&dm_message).as_deref(), Some("dm"), "{items:?}");
    assert_eq!(
        items.iter().filter(|(_, k, _)| k == "post").count(),
        1,
        "the brand's own thread answer is context: {items:?}"
    );
    assert_eq!(first + second, items.len(), "each stored once");
    drop(direct);
    direct = hark.connector_at(&synapse.url);
    assert_eq!(
        hark.poll(direct.clone()).await,
        0,
        "the since token was kept"
    );

    // The fan corrects the mention in Element: the item's text follows.
    fan.send(
        &room,
        json!({"msgtype": "m.text", "body": "* brand: my order 1235 never arrived",
            "m.new_content": {"msgtype": "m.text", "body": "brand: my order 1235 never arrived"},
            "m.relates_to": {"rel_type": "m.replace", "event_id": mention}}),
    )
    .await;
    drop(direct);
    direct = hark.connector_at(&synapse.url);
    assert_eq!(hark.poll(direct.clone()).await, 0, "an edit is no new item");
    let body = hark
        .items()
        .into_iter()
        .find(|(e, _, _)| *e == mention)
        .unwrap()
        .2;
    assert_eq!(body, "brand: my order 1235 never arrived");

    // A mention its author takes back: the redaction in the next sync marks the item gone
    // at once, before anyone opens it.
    let oops = fan
        .send(
            &room,
            json!({"msgtype": "m.text", "body": "brand: wrong room, sorry",
            "m.mentions": {"user_ids": ["@brand:nimbus.test"]}}),
        )
        .await;
    drop(direct);
    direct = hark.connector_at(&synapse.url);
    assert_eq!(hark.poll(direct.clone()).await, 1);
    assert!(!hark.gone(&oops));
    fan.call(
        reqwest::Method::PUT,
        &format!("/v3/rooms/{}/redact/{}/fan-redact", seg(&room), seg(&oops)),
        Some(json!({"reason": "wrong room"})),
    )
    .await;
    drop(direct);
    direct = hark.connector_at(&synapse.url);
    assert_eq!(hark.poll(direct.clone()).await, 0);
    assert!(hark.gone(&oops), "the redaction marks the item");

    // Thread context on open: the thread's root and replies.
    let conn = rusqlite::Connection::open(hark.data.path().join("hark.db")).unwrap();
    let target = hark::store::thread::target_of(&conn, hark.item_id(&follow_up))
        .unwrap()
        .unwrap()
        .1;
    let context = direct.thread(&target).await.unwrap();
    let bodies: Vec<&str> = context.iter().map(|i| i.body.as_str()).collect();
    assert_eq!(
        bodies,
        [
            "is the shop open on sunday",
            "Yes, 9 to 5!",
            "and on holidays?"
        ]
    );

    // The CM answers the mention; hark dies after Synapse stored it, before the answer.
    let proxy = HoldingProxy::start(&synapse.url).await;
    let row = hark.queue_reply(hark.item_id(&mention), "Sorry! Sending a new one today.");
    let stored = proxy.arm();
    let worker = hark.worker(hark.connector_at(&proxy.url));
    tokio::select! {
        r = worker.run_once() => panic!("the held send answered: {r:?}"),
        _ = stored.notified() => {}
    }
    drop(worker);
    hark.reopen();
    let mut worker = hark.worker(hark.connector_at(&synapse.url));
    worker.clock = Arc::new(|| hark::domain::now() + 2 * hark::store::outbox::LEASE_SECS);
    assert_eq!(worker.reconcile().await.unwrap(), 1);
    worker.run_once().await.unwrap();
    assert_eq!(hark.outbox_state(row), "sent");
    let replies: Vec<Value> = fan
        .messages(&room)
        .await
        .into_iter()
        .filter(|e| e["content"]["body"] == "Sorry! Sending a new one today.")
        .collect();
    assert_eq!(replies.len(), 1, "the fan sees the answer once");
    let relation = &replies[0]["content"]["m.relates_to"];
    assert_eq!(relation["rel_type"], "m.thread");
    assert_eq!(relation["event_id"].as_str(), Some(mention.as_str()));

    // Moderation within the power level: refused (and not sent) at 0, done at 50.
    let spam_target = hark::store::thread::target_of(&conn, hark.item_id(&spam))
        .unwrap()
        .unwrap()
        .1;
    match direct
        .moderate(&spam_target, ModerationAction::BlockAuthor)
        .await
    {
        Err(PlatformError::Permanent(why)) => {
            assert_eq!(
                why,
                "the account's power level in this room is 0; banning needs 50"
            )
        }
        other => panic!("{other:?}"),
    }
    // The list knows the room, and the menu the account's level there (from the sync).
    let known = hark.room_of(&spam).expect("the spam's room");
    assert_eq!(known.label, ROOM_ALIAS);
    let power = known.power.expect("levels from the first sync's state");
    assert_eq!(
        (power.mine, power.theirs, power.ban, power.kick),
        (0, 0, 50, 50)
    );
    let pl_path = format!("/v3/rooms/{}/state/m.room.power_levels/", seg(&room));
    let mut levels = fan.call(reqwest::Method::GET, &pl_path, None).await;
    levels["users"]["@brand:nimbus.test"] = json!(50);
    fan.call(reqwest::Method::PUT, &pl_path, Some(levels)).await;
    // The change arrives as a state event of the next sync: the connector that read the
    // levels at 0 (and never reads them again) passes on the new ones.
    hark.poll(direct.clone()).await;
    assert_eq!(hark.room_of(&spam).unwrap().power.unwrap().mine, 50);
    direct
        .moderate(&spam_target, ModerationAction::Delete)
        .await
        .unwrap();
    let membership = |who: &'static str| {
        let path = format!("/v3/rooms/{}/state/m.room.member/{}", seg(&room), seg(who));
        let fan = &fan;
        async move { fan.call(reqwest::Method::GET, &path, None).await["membership"].clone() }
    };
    // A kick, then the same kick again (a resend, or a second CM): done, not an error.
    for _ in 0..2 {
        direct
            .moderate(&spam_target, ModerationAction::KickAuthor)
            .await
            .unwrap();
        assert_eq!(membership("@spammer:nimbus.test").await, "leave");
    }
    direct
        .moderate(&spam_target, ModerationAction::BlockAuthor)
        .await
        .unwrap();
    let spam_now = fan
        .call(
            reqwest::Method::GET,
            &format!("/v3/rooms/{}/event/{}", seg(&room), seg(&spam)),
            None,
        )
        .await;
    assert_eq!(spam_now["content"], json!({}), "redacted: {spam_now}");
    match direct.thread(&spam_target).await {
        Err(PlatformError::NotFound(why)) => {
            assert_eq!(why, "the message was removed by @brand:nimbus.test")
        }
        other => panic!("opening the redacted spam: {other:?}"),
    }
    assert_eq!(membership("@spammer:nimbus.test").await, "ban");

    // The room turns encryption on: hark's answer is encrypted, never plaintext; a
    // connector without keys (no data directory) refuses instead.
    fan.call(
        reqwest::Method::PUT,
        &format!("/v3/rooms/{}/state/m.room.encryption/", seg(&room)),
        Some(json!({"algorithm": "m.megolm.v1.aes-sha2"})),
    )
    .await;
    let mention_target = hark::store::thread::target_of(&conn, hark.item_id(&mention))
        .unwrap()
        .unwrap()
        .1;
    let keyless = MatrixConnector::new(hark::platform::matrix::Settings {
        homeserver: synapse.url.clone(),
        user_id: "@brand:nimbus.test".into(),
        token: hark::secrets::Secret::new(hark.token()),
        watch: Default::default(),
    })
    .unwrap();
    match keyless
        .reply(&mention_target, "a plaintext answer", "after-encryption")
        .await
    {
        Err(PlatformError::Permanent(why)) => assert!(why.contains("end-to-end encrypted")),
        other => panic!("a reply into an encrypted room without keys: {other:?}"),
    }
    let sent = direct
        .reply(&mention_target, "an encrypted answer", "after-encryption-2")
        .await
        .unwrap();
    let sent_event = fan
        .call(
            reqwest::Method::GET,
            &format!("/v3/rooms/{}/event/{}", seg(&room), seg(&sent)),
            None,
        )
        .await;
    assert_eq!(sent_event["type"], "m.room.encrypted", "{sent_event}");
    assert!(
        !fan.messages(&room).await.iter().any(|e| {
            let body = e["content"]["body"].as_str().unwrap_or_default();
            body.contains("plaintext answer") || body.contains("encrypted answer")
        }),
        "nothing in plaintext"
    );
    drop(conn);
    let _ = Path::new(&synapse.run_dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_replies_earns_a_real_429_that_hark_waits_out() {
    if !enabled() {
        return;
    }
    let synapse = Synapse::start(true);
    synapse.register("brand", "brand-pass-1");
    synapse.register("fan", "fan-pass-1");
    let hark = Hark::add_account(&synapse.url).await;
    let fan = Fan::login(&synapse.url, "fan", "fan-pass-1").await;
    let room = fan
        .call(
            reqwest::Method::POST,
            "/v3/createRoom",
            Some(json!({"preset": "public_chat", "room_alias_name": "help"})),
        )
        .await["room_id"]
        .as_str()
        .unwrap()
        .to_string();
    let brand = Fan {
        token: hark.token(),
        ..Fan::login(&synapse.url, "brand", "brand-pass-1").await
    };
    brand
        .call(
            reqwest::Method::POST,
            &format!("/v3/join/{}", seg(ROOM_ALIAS)),
            Some(json!({})),
        )
        .await;
    let question = fan
        .send(
            &room,
            json!({"msgtype": "m.text", "body": "brand: hello?",
            "m.mentions": {"user_ids": ["@brand:nimbus.test"]}}),
        )
        .await;
    let connector = hark.connector_at(&synapse.url);
    hark.poll(connector.clone()).await;
    let conn = rusqlite::Connection::open(hark.data.path().join("hark.db")).unwrap();
    let target = hark::store::thread::target_of(&conn, hark.item_id(&question))
        .unwrap()
        .unwrap()
        .1;
    let mut wait = None;
    for n in 0..10 {
        match connector
            .reply(&target, &format!("answer {n}"), &format!("burst-{n}"))
            .await
        {
            Ok(_) => {}
            Err(PlatformError::RateLimited { wait: w }) => {
                wait = Some((n, w));
                break;
            }
            Err(e) => panic!("{e}"),
        }
    }
    let (n, wait) = wait.expect("Synapse's rc_message limit answered 429");
    assert!(n >= 1 && wait <= Duration::from_secs(20), "{n} {wait:?}");
    tokio::time::sleep(wait).await;
    connector
        .reply(&target, &format!("answer {n}"), &format!("burst-{n}"))
        .await
        .expect("after the wait the reply goes through");
    assert_eq!(
        ItemKind::Mention.as_str(),
        hark.items()
            .iter()
            .find(|(e, _, _)| *e == question)
            .unwrap()
            .1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_encrypted_dm_is_read_once_and_the_answer_reaches_the_fan_encrypted() {
    if !enabled() {
        return;
    }
    let synapse = Synapse::start(false);
    synapse.register("brand", "brand-pass-1");
    synapse.register("fan", "fan-pass-1");
    let hark = Hark::add_account(&synapse.url).await;
    // hark's first sync uploads its device's keys.
    assert_eq!(hark.poll(hark.connector_at(&synapse.url)).await, 0);
    let fan = olm_fan::OlmFan::login(&synapse.url, "fan", "fan-pass-1").await;
    let dm = fan
        .fan
        .call(
            reqwest::Method::POST,
            "/v3/createRoom",
            Some(olm_fan::encrypted_dm("@brand:nimbus.test")),
        )
        .await["room_id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        hark.poll(hark.connector_at(&synapse.url)).await,
        0,
        "joins the DM"
    );

    // The first message arrives before its key (the fan's device sends it late).
    let held = fan.key_for(&dm, &["@brand:nimbus.test"]).await;
    assert!(!held.is_empty(), "a key for hark's device");
    let late = fan
        .send_encrypted(
            &dm,
            json!({"msgtype": "m.text", "body": "my card was charged twice"}),
        )
        .await;
    assert_eq!(hark.poll(hark.connector_at(&synapse.url)).await, 0);
    let unreadable = |hark: &Hark| {
        let conn = rusqlite::Connection::open(hark.data.path().join("hark.db")).unwrap();
        hark::store::aside::unreadable(&conn).unwrap()
    };
    let waiting = unreadable(&hark);
    assert_eq!(waiting.len(), 1, "set aside, not dropped: {waiting:?}");
    assert!(
        waiting[0].reason.contains("waiting for the room key"),
        "{waiting:?}"
    );
    assert!(
        !waiting[0].raw.contains("charged"),
        "no plaintext anywhere yet"
    );
    fan.deliver(held).await;
    // A new process (a new connector) reads it: the retry list was kept.
    assert_eq!(hark.poll(hark.connector_at(&synapse.url)).await, 1);
    assert!(
        unreadable(&hark).is_empty(),
        "read now: no longer set aside"
    );

    // The next message comes with the key already there.
    let second = fan
        .send_encrypted(
            &dm,
            json!({"msgtype": "m.text", "body": "order 1234, please refund"}),
        )
        .await;
    assert_eq!(hark.poll(hark.connector_at(&synapse.url)).await, 1);
    assert_eq!(
        hark.poll(hark.connector_at(&synapse.url)).await,
        0,
        "each once"
    );
    let items = hark.items();
    assert_eq!(
        items,
        vec![
            (
                late.clone(),
                "dm".to_string(),
                "my card was charged twice".to_string()
            ),
            (
                second.clone(),
                "dm".to_string(),
                "order 1234, please refund".to_string()
            ),
        ]
    );

    // The CM answers through the outbox: one encrypted event the fan decrypts.
    let row = hark.queue_reply(hark.item_id(&second), "Refunded, sorry about that!");
    hark.worker(hark.connector_at(&synapse.url))
        .run_once()
        .await
        .unwrap();
    let why: Option<String> = rusqlite::Connection::open(hark.data.path().join("hark.db"))
        .unwrap()
        .query_row("SELECT last_error FROM outbox WHERE id = ?", [row], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(hark.outbox_state(row), "sent", "{why:?}");
    fan.sync().await;
    let from_brand: Vec<(Value, Option<Value>)> = fan
        .read(&dm)
        .await
        .into_iter()
        .filter(|(e, _)| e["sender"] == "@brand:nimbus.test" && e["type"] != "m.room.member")
        .collect();
    assert_eq!(from_brand.len(), 1, "one event: {from_brand:?}");
    let (wire, plain) = &from_brand[0];
    assert_eq!(wire["type"], "m.room.encrypted");
    let plain = plain.as_ref().expect("the fan decrypts the answer");
    assert_eq!(plain["content"]["body"], "Refunded, sorry about that!");
    assert_eq!(
        plain["content"]["m.relates_to"]["m.in_reply_to"]["event_id"].as_str(),
        Some(second.as_str())
    );
    assert_eq!(plain["type"], "m.room.message");
    // What the keys cost on disk, for the README.
    fn size(dir: &Path) -> u64 {
        std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap())
            .map(|e| match e.file_type().unwrap().is_dir() {
                true => size(&e.path()),
                false => e.metadata().unwrap().len(),
            })
            .sum()
    }
    let store = hark.data.path().join("matrix-brand-matrix.crypto");
    eprintln!("encryption store on disk: {} bytes", size(&store));
}
