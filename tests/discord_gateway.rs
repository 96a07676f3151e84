//! DMs to the bot over the Gateway, against a local websocket server replaying the
//! developer docs' payloads (tests/fixtures/discord/gateway.json names the pages:
//! "Gateway", "Gateway Events", "Opcodes and Status Codes"): hello, identify, READY, a DM
//! MESSAGE_CREATE, a Reconnect resumed, heartbeats and a missing ACK resumed, DMs sent
//! while no session ran read back by REST, a
//! 4014 and a 4004 close said plainly, and one session per data directory.

#[path = "contract/discord.rs"]
#[allow(dead_code)]
mod discord_adapter;
#[path = "contract/harness.rs"]
#[allow(dead_code)]
mod harness;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use discord_adapter::{fixture, message, Discord, CHANNEL};
use futures::{SinkExt, StreamExt};
use hark::domain::{ItemKind, NewItem};
use hark::platform::Connector;
use harness::{Platform, Scripted, T0};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message as Frame;

/// A DM channel between a fan and the bot.
const DM: &str = "290926798999357251";

/// One step of a scripted gateway connection.
#[derive(Clone)]
enum Step {
    Send(Value),
    /// Waits for the client's next payload (heartbeats aside) and records it.
    Recv,
    Close(u16),
    /// Keeps the connection open, recording what comes.
    Hold,
}

struct Gateway {
    url: String,
    received: Arc<Mutex<Vec<Value>>>,
    /// Heartbeats (op 1) received, by their `d`.
    beats: Arc<Mutex<Vec<Value>>>,
    connections: Arc<AtomicUsize>,
}

impl Gateway {
    /// Serves the scripts `make` writes knowing the server's address, one per connection
    /// in order; later connections are closed at once.
    async fn start(make: impl FnOnce(&str) -> Vec<Vec<Step>>) -> Gateway {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("ws://{}", listener.local_addr().unwrap());
        let scripts = make(&url);
        let received = Arc::new(Mutex::new(Vec::new()));
        let beats = Arc::new(Mutex::new(Vec::new()));
        let connections = Arc::new(AtomicUsize::new(0));
        let (rec, count, beat) = (received.clone(), connections.clone(), beats.clone());
        tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    return;
                };
                let n = count.fetch_add(1, Ordering::SeqCst);
                let script = scripts.get(n).cloned().unwrap_or_default();
                let rec = rec.clone();
                let beat = beat.clone();
                tokio::spawn(async move {
                    let Ok(mut ws) = tokio_tungstenite::accept_async(tcp).await else {
                        return;
                    };
                    for step in script {
                        match step {
                            Step::Send(v) => {
                                let _ = ws.send(Frame::Text(v.to_string().into())).await;
                            }
                            Step::Recv | Step::Hold => loop {
                                let Some(Ok(frame)) = ws.next().await else {
                                    return;
                                };
                                let Frame::Text(t) = frame else { continue };
                                let v: Value = serde_json::from_str(&t).unwrap();
                                if v["op"] == 1 {
                                    beat.lock().unwrap().push(v["d"].clone());
                                    continue;
                                }
                                rec.lock().unwrap().push(v);
                                if matches!(step, Step::Recv) {
                                    break;
                                }
                            },
                            Step::Close(code) => {
                                let _ = ws
                                    .close(Some(CloseFrame {
                                        code: CloseCode::from(code),
                                        reason: "".into(),
                                    }))
                                    .await;
                                return;
                            }
                        }
                    }
                });
            }
        });
        Gateway {
            url,
            received,
            beats,
            connections,
        }
    }

    fn received(&self) -> Vec<Value> {
        self.received.lock().unwrap().clone()
    }
}

fn payload(name: &str) -> Value {
    fixture("gateway.json")[name].clone()
}

/// Fetches until `done` holds for the items so far (at most about ten seconds).
async fn fetch_until(
    c: &dyn Connector,
    mut cursor: Option<String>,
    done: impl Fn(&[NewItem]) -> bool,
) -> (Vec<NewItem>, Option<String>) {
    let mut items = Vec::new();
    for _ in 0..200 {
        let page = c.fetch(cursor.as_deref()).await.unwrap();
        items.extend(page.items);
        cursor = page.next_cursor;
        if done(&items) {
            return (items, cursor);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("not done: {items:?}");
}

#[tokio::test]
async fn a_dm_arrives_over_the_gateway_a_reconnect_resumes_and_missed_dms_are_read_back() {
    let p = Discord::start().await;
    let dir = tempfile::tempdir().unwrap();
    // A DM sent while hark was not running, in a DM channel hark already knows.
    let missed = {
        let mut s = p.state();
        let mut m = message(0, "7009", "are you open on sunday?", T0);
        m["channel_id"] = json!(DM);
        s.push(m)
    };
    let mut ready = payload("ready");
    let mut second = payload("dm_message_create");
    second["s"] = json!(4);
    second["d"]["id"] = json!("1190000000000000001");
    second["d"]["content"] = json!("hello again");
    let resumed = json!({"op": 0, "s": 3, "t": "RESUMED", "d": null});
    let gw = Gateway::start(|url| {
        ready["d"]["resume_gateway_url"] = json!(url);
        vec![
            vec![
                Step::Send(payload("hello")),
                Step::Recv,
                Step::Send(ready.clone()),
                Step::Send(payload("dm_message_create")),
                Step::Send(payload("reconnect")),
                Step::Hold,
            ],
            vec![
                Step::Send(payload("hello")),
                Step::Recv,
                Step::Send(resumed.clone()),
                Step::Send(second.clone()),
                Step::Hold,
            ],
        ]
    })
    .await;
    p.state().gateway_url = Some(gw.url.clone());
    let c = p.connector_in("", Some(dir.path().to_path_buf()));
    assert!(c.capabilities().direct_messages);
    let cursor = json!({ format!("@{DM}"): "1" }).to_string();
    let (items, cursor) = fetch_until(&c, Some(cursor), |items| items.len() >= 3).await;

    let mut bodies: Vec<&str> = items.iter().map(|i| i.body.as_str()).collect();
    bodies.sort();
    assert_eq!(
        bodies,
        ["Supa Hot", "are you open on sunday?", "hello again"]
    );
    assert!(items.iter().all(|i| i.kind == ItemKind::Dm), "{items:?}");
    assert!(items.iter().all(|i| i
        .url
        .as_deref()
        .is_some_and(|u| u.starts_with("https://discord.com/channels/@me/"))));
    // The missed one came by REST, after the DM channel's cursor.
    assert!(items.iter().any(|i| i.external_id == missed));
    assert!(p
        .state()
        .requests
        .iter()
        .any(|r| r.starts_with(&format!("GET /channels/{DM}/messages")) && r.contains("after=1")));
    let positions: Value = serde_json::from_str(cursor.as_deref().unwrap()).unwrap();
    assert_eq!(positions[format!("@{DM}")], "1190000000000000001");

    let sent = gw.received();
    assert_eq!(sent[0]["op"], 2, "identify: {sent:?}");
    assert_eq!(sent[0]["d"]["intents"], 1 << 12, "DIRECT_MESSAGES alone");
    assert_eq!(sent[0]["d"]["token"], "kit-bot-token");
    assert_eq!(sent[1]["op"], 6, "resume after op 7: {sent:?}");
    assert_eq!(sent[1]["d"]["session_id"], "evenmorerandomstring");
    assert_eq!(sent[1]["d"]["seq"], 2);
    assert_eq!(gw.connections.load(Ordering::SeqCst), 2);

    // The answer goes to the DM channel, with the nonce and its read-back.
    let dm = items.iter().find(|i| i.body == "Supa Hot").unwrap();
    let target = hark::platform::Target {
        external_id: dm.external_id.clone(),
        parent_external_id: None,
        thread_external_id: None,
        kind: dm.kind,
        author_external_id: dm.author.external_id.clone(),
        author_handle: dm.author.handle.clone(),
        raw_json: dm.raw_json.clone(),
    };
    let id = c.reply(&target, "Yes, 9 to 5", "outbox-dm").await.unwrap();
    assert!(p
        .state()
        .requests
        .iter()
        .any(|r| r == &format!("POST /channels/{DM}/messages")));
    assert_eq!(
        c.find_reply(&target, "Yes, 9 to 5", "outbox-dm")
            .await
            .unwrap(),
        Some(id)
    );
    // Opening the DM reads its channel around it; the links name no server.
    let context = c.thread(&target).await.unwrap();
    assert!(!context.is_empty());
    assert!(context.iter().all(|i| i
        .url
        .as_deref()
        .is_some_and(|u| u.starts_with(&format!("https://discord.com/channels/@me/{DM}/")))));
    assert!(!items
        .iter()
        .any(|i| i.raw_json.as_deref().unwrap().contains(CHANNEL)));
}

#[tokio::test]
async fn a_refused_token_or_intent_stops_the_session_and_says_so_without_the_token() {
    for (code, says) in [
        (4014, "disallowed intents"),
        (4004, "refused the bot token"),
    ] {
        let p = Discord::start().await;
        let dir = tempfile::tempdir().unwrap();
        let gw = Gateway::start(|_| {
            vec![vec![
                Step::Send(payload("hello")),
                Step::Recv,
                Step::Close(code),
            ]]
        })
        .await;
        p.state().gateway_url = Some(gw.url.clone());
        let c = p.connector_in("", Some(dir.path().to_path_buf()));
        let mut notice = None;
        for _ in 0..200 {
            c.fetch(None).await.unwrap();
            notice = c.take_notice();
            if notice.is_some() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let notice = notice.expect("a notice");
        assert!(notice.contains(says), "{code}: {notice}");
        assert!(notice.contains("DMs to the bot are not read"), "{notice}");
        assert!(!notice.contains("kit-bot-token"), "{notice}");
        if code == 4014 {
            assert!(notice.contains("DIRECT_MESSAGES"), "{notice}");
        }
        // Past the pause a reconnect would take: none was tried.
        tokio::time::sleep(Duration::from_millis(1500)).await;
        assert_eq!(gw.connections.load(Ordering::SeqCst), 1, "{code}");
    }
}

#[tokio::test]
async fn two_connectors_on_one_data_directory_open_one_session() {
    let p = Discord::start().await;
    let dir = tempfile::tempdir().unwrap();
    let gw = Gateway::start(|_| {
        vec![vec![
            Step::Send(payload("hello")),
            Step::Recv,
            Step::Send(payload("ready")),
            Step::Hold,
        ]]
    })
    .await;
    p.state().gateway_url = Some(gw.url.clone());
    let first = p.connector_in("", Some(dir.path().to_path_buf()));
    let second = p.connector_in("", Some(dir.path().to_path_buf()));
    for _ in 0..200 {
        first.fetch(None).await.unwrap();
        if !gw.received().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(gw.received()[0]["op"], 2, "the first identified");
    let mut notice = None;
    for _ in 0..200 {
        second.fetch(None).await.unwrap();
        notice = second.take_notice();
        if notice.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let notice = notice.expect("the second says why it does not connect");
    assert!(
        notice.contains("another hark process")
            && notice.contains(&format!("pid {}", std::process::id())),
        "{notice}"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(gw.connections.load(Ordering::SeqCst), 1);
    assert_eq!(first.take_notice(), None);
}

#[tokio::test]
async fn heartbeats_carry_the_last_sequence_and_a_missing_ack_resumes_the_session() {
    let p = Discord::start().await;
    let dir = tempfile::tempdir().unwrap();
    let mut quick = payload("hello");
    quick["d"]["heartbeat_interval"] = json!(150);
    let mut ready = payload("ready");
    let gw = Gateway::start(|url| {
        ready["d"]["resume_gateway_url"] = json!(url);
        vec![
            // This server never answers a heartbeat with op 11.
            vec![
                Step::Send(quick.clone()),
                Step::Recv,
                Step::Send(ready.clone()),
                Step::Hold,
            ],
            vec![Step::Send(payload("hello")), Step::Recv, Step::Hold],
        ]
    })
    .await;
    p.state().gateway_url = Some(gw.url.clone());
    let c = p.connector_in("", Some(dir.path().to_path_buf()));
    for _ in 0..200 {
        c.fetch(None).await.unwrap();
        if gw.received().len() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let sent = gw.received();
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert_eq!(
        sent[1]["op"], 6,
        "the silent connection is resumed: {sent:?}"
    );
    assert_eq!(sent[1]["d"]["seq"], 1);
    assert_eq!(gw.beats.lock().unwrap().first(), Some(&json!(1)));
    assert_eq!(gw.connections.load(Ordering::SeqCst), 2);
}

#[test]
fn hark_poll_once_opens_no_gateway_session() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let p = rt.block_on(Discord::start());
    let gw = rt.block_on(Gateway::start(|_| {
        vec![vec![
            Step::Send(payload("hello")),
            Step::Recv,
            Step::Send(payload("ready")),
            Step::Hold,
        ]]
    }));
    p.state().gateway_url = Some(gw.url.clone());
    rt.block_on(p.publish(&[harness::mention(1)]));
    let temp = tempfile::tempdir().unwrap();
    let config = temp.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "brand = \"Acme\"\n[[account]]\nname = \"dc\"\nplatform = \"discord\"\n\
             token_env = \"HARK_TEST_DISCORD\"\nserver = \"{}/api/v10\"\n\
             [account.discord]\nguild = \"{}\"\n",
            p.server.uri(),
            discord_adapter::GUILD
        ),
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_hark"))
        .args(["--data-dir", temp.path().join("data").to_str().unwrap()])
        .args(["--config", config.to_str().unwrap(), "poll", "--once"])
        .env("HARK_TEST_DISCORD", "kit-bot-token")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(p
        .state()
        .requests
        .iter()
        .any(|r| r.starts_with(&format!("GET /channels/{CHANNEL}/messages"))));
    assert!(!p.state().requests.iter().any(|r| r == "GET /gateway/bot"));
    assert_eq!(gw.connections.load(Ordering::SeqCst), 0);
}
