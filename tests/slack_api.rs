//! The Slack connector against a local Web API replaying the shapes of Slack's method docs
//! (tests/fixtures/slack/, each naming its page): the limited (non-Marketplace) app found
//! and paced, `ok: false` answers with the scopes named, threads the brand took part in,
//! DMs, and `hark account add slack`.

#[path = "contract/harness.rs"]
#[allow(dead_code)]
mod harness;
#[path = "contract/slack.rs"]
#[allow(dead_code)]
mod slack_adapter;

use std::sync::{Arc, Mutex};

use hark::domain::ItemKind;
use hark::platform::account_note::AccountNote;
use hark::platform::chat::Watch;
use hark::platform::slack::{setup, tiers::Access, Settings, SlackConnector};
use hark::platform::{Connector, FetchPage, PlatformError};
use hark::secrets::Secret;
use harness::{json_answer, query};
use serde_json::{json, Value};
use slack_adapter::{fixture, BOT_ID, BOT_USER};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const GENERAL: &str = "C012AB3CD";
const DM: &str = "D0C0F7S8Y";

fn connector(server: &MockServer, watch: &str) -> SlackConnector {
    SlackConnector::new(Settings {
        base: server.uri(),
        token: Secret::new("xoxb-fixture-token-XYZ"),
        user_token: None,
        app_token: None,
        watch: toml::from_str::<Watch>(watch).unwrap(),
        access: Access::Auto,
    })
    .unwrap()
}

/// A message of the conversations.history example, by `user`, saying `text` at `ts`.
fn message(user: &str, text: &str, ts: &str) -> Value {
    let mut m = fixture("conversations_history.json")["messages"][0].clone();
    m["user"] = json!(user);
    m["text"] = json!(text);
    m["ts"] = json!(ts);
    m
}

/// `#general` (the bot is a member) and a DM with U0BS9U4SV, from the list example.
async fn mount_basics(server: &MockServer) {
    Mock::given(path("/api/auth.test"))
        .respond_with(json_answer(fixture("auth_test.json")))
        .mount(server)
        .await;
    let mut list = fixture("conversations_list.json");
    let general = list["channels"][0].clone();
    let dm = list["channels"][2].clone();
    list["channels"] = json!([general, dm]);
    list["response_metadata"]["next_cursor"] = json!("");
    Mock::given(path("/api/conversations.list"))
        .respond_with(json_answer(list))
        .mount(server)
        .await;
}

/// A channel's history as Slack pages it: newest first after `oldest`, `limit` at a time,
/// cut to 15 for a limited app whatever was asked.
#[derive(Clone)]
struct History {
    messages: Arc<Mutex<Vec<Value>>>,
    limited: bool,
    limits_asked: Arc<Mutex<Vec<u32>>>,
}

impl Respond for History {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        if query(request, "channel").as_deref() != Some(GENERAL) {
            return json_answer(json!({"ok": true, "messages": [], "has_more": false}));
        }
        let limit: u32 = query(request, "limit").unwrap().parse().unwrap();
        self.limits_asked.lock().unwrap().push(limit);
        let limit = if self.limited { limit.min(15) } else { limit } as usize;
        let oldest: f64 = query(request, "oldest").map_or(0.0, |o| o.parse().unwrap());
        let from: usize = query(request, "cursor").map_or(0, |c| c.parse().unwrap());
        let mut newer: Vec<Value> = self
            .messages
            .lock()
            .unwrap()
            .iter()
            .filter(|m| m["ts"].as_str().unwrap().parse::<f64>().unwrap() > oldest)
            .cloned()
            .collect();
        newer.reverse();
        let page: Vec<Value> = newer.iter().skip(from).take(limit).cloned().collect();
        let more = from + page.len() < newer.len();
        let mut answer = fixture("conversations_history.json");
        answer["messages"] = json!(page);
        answer["has_more"] = json!(more);
        answer["response_metadata"]["next_cursor"] = json!(if more {
            (from + page.len()).to_string()
        } else {
            String::new()
        });
        json_answer(answer)
    }
}

fn numbered(range: std::ops::RangeInclusive<u32>) -> Vec<Value> {
    range
        .map(|n| {
            message(
                &format!("U{n:04}"),
                &format!("message {n}"),
                &format!("{}.000100", 1_700_000_000 + n),
            )
        })
        .collect()
}

async fn round(c: &SlackConnector, cursor: &mut Option<String>) -> FetchPage {
    let page = c.fetch(cursor.as_deref()).await.unwrap();
    *cursor = page.next_cursor.clone();
    page
}

#[tokio::test]
async fn a_limited_app_is_found_from_its_15_message_pages_said_in_the_status_bar_and_paced_without_losing_messages(
) {
    let server = MockServer::start().await;
    mount_basics(&server).await;
    let history = History {
        messages: Arc::new(Mutex::new(numbered(1..=40))),
        limited: true,
        limits_asked: Default::default(),
    };
    Mock::given(path("/api/conversations.history"))
        .respond_with(history.clone())
        .mount(&server)
        .await;
    let mut cursor = None;
    let all = r#"mode = "all""#;
    let c = connector(&server, all);
    assert_eq!(c.account_note(), None, "not known before the first page");
    let first = round(&c, &mut cursor).await;
    assert_eq!(first.items.len(), 15, "the newest page on a first read");
    assert_eq!(
        c.account_note(),
        Some(AccountNote::warning("limited app: 1 read/min"))
    );
    let notice = c.take_notice().unwrap();
    assert!(notice.contains("once a minute, 15 messages"), "{notice}");
    assert_eq!(c.take_notice(), None, "said once");
    assert_eq!(
        c.rate_remaining(),
        Some((0, 1)),
        "the minute's read is spent"
    );
    // Later in the same minute: no request, nothing lost, the round waits.
    let asked = history.limits_asked.lock().unwrap().len();
    let idle = round(&c, &mut cursor).await;
    assert!(idle.items.is_empty() && !idle.more);
    assert_eq!(
        history.limits_asked.lock().unwrap().len(),
        asked,
        "no request"
    );

    // 20 more arrive; each later minute (a fresh budget) reads one page of 15.
    history.messages.lock().unwrap().extend(numbered(41..=60));
    let mut got = Vec::new();
    for _ in 0..3 {
        let c = connector(&server, all);
        let page = round(&c, &mut cursor).await;
        assert!(!page.more, "one read a minute");
        got.extend(page.items.into_iter().map(|i| i.body));
    }
    got.sort();
    let mut wanted: Vec<String> = (41..=60).map(|n| format!("message {n}")).collect();
    wanted.sort();
    assert_eq!(got, wanted, "every message once");
    assert_eq!(
        history.limits_asked.lock().unwrap()[1..],
        [15, 15, 15],
        "asks for 15 once known limited"
    );
}

#[tokio::test]
async fn an_internal_app_reads_full_pages_and_is_not_called_limited() {
    let server = MockServer::start().await;
    mount_basics(&server).await;
    let history = History {
        messages: Arc::new(Mutex::new(numbered(1..=40))),
        limited: false,
        limits_asked: Default::default(),
    };
    Mock::given(path("/api/conversations.history"))
        .respond_with(history.clone())
        .mount(&server)
        .await;
    let c = connector(&server, r#"mode = "all""#);
    let mut cursor = None;
    let page = round(&c, &mut cursor).await;
    assert_eq!(page.items.len(), 40);
    assert_eq!(c.account_note(), None);
    assert_eq!(c.rate_remaining(), Some((49, 50)), "Tier 3");
}

/// The list shows `#general` beside a Slack item: each page names the watched channels
/// from conversations.list (read anyway), and each item names its channel. The DM is no
/// room of the list: its items name the person already.
#[tokio::test]
async fn a_page_names_its_channels_and_each_item_its_own() {
    let server = MockServer::start().await;
    mount_basics(&server).await;
    let history = History {
        messages: Arc::new(Mutex::new(numbered(1..=2))),
        limited: false,
        limits_asked: Default::default(),
    };
    Mock::given(path("/api/conversations.history"))
        .respond_with(history.clone())
        .mount(&server)
        .await;
    let c = connector(&server, r#"mode = "all""#);
    let page = round(&c, &mut None).await;
    let rooms: Vec<(&str, &str)> = page
        .rooms
        .iter()
        .map(|r| (r.id.as_str(), r.label.as_str()))
        .collect();
    assert_eq!(rooms, [(GENERAL, "#general")]);
    assert_eq!(page.items.len(), 2);
    assert!(
        page.items
            .iter()
            .all(|i| i.room.as_deref() == Some(GENERAL)),
        "{:?}",
        page.items
    );
}

#[tokio::test]
async fn an_ok_false_answer_is_an_error_that_names_the_missing_scope() {
    let server = MockServer::start().await;
    mount_basics(&server).await;
    let mut missing = fixture("errors.json")["missing_scope"].clone();
    missing["needed"] = json!("channels:history");
    missing["provided"] = json!("channels:read,chat:write");
    Mock::given(path("/api/conversations.history"))
        .respond_with(json_answer(missing))
        .mount(&server)
        .await;
    let c = connector(&server, "");
    let e = c.fetch(None).await.unwrap_err();
    let text = e.to_string();
    assert!(matches!(e, PlatformError::Permanent(_)), "{e:?}");
    assert!(
        text.contains("conversations.history: missing_scope"),
        "{text}"
    );
    assert!(text.contains("lacks the scope channels:history"), "{text}");
    assert!(text.contains("it has: channels:read,chat:write"), "{text}");
    assert!(!text.contains("xoxb"), "no token in errors");
}

#[tokio::test]
async fn a_rejected_token_is_an_authentication_failure() {
    let server = MockServer::start().await;
    Mock::given(path("/api/auth.test"))
        .respond_with(json_answer(fixture("errors.json")["generic"].clone()))
        .mount(&server)
        .await;
    let c = connector(&server, "");
    let e = c.fetch(None).await.unwrap_err();
    assert!(
        matches!(&e, PlatformError::Auth(m) if m.contains("invalid_auth")),
        "{e:?}"
    );
}

/// The brand answered a fan's question in a thread: the fan's next reply there is owed a
/// look even without a mention; a thread the brand never joined stays quiet.
#[tokio::test]
async fn replies_in_a_thread_the_brand_joined_become_items_and_dms_are_dms() {
    let server = MockServer::start().await;
    mount_basics(&server).await;
    let mut ours = message("U0FAN", "is the oat milk vegan?", "1700000100.000100");
    ours["thread_ts"] = json!("1700000100.000100");
    ours["reply_count"] = json!(2);
    ours["reply_users"] = json!([BOT_USER, "U0FAN"]);
    ours["latest_reply"] = json!("1700000300.000100");
    let mut other = message("U0OTHER", "lunch?", "1700000150.000100");
    other["thread_ts"] = json!("1700000150.000100");
    other["reply_count"] = json!(1);
    other["latest_reply"] = json!("1700000250.000100");
    let history = json!({"ok": true, "messages": [other.clone(), ours.clone()], "has_more": false});
    let dm_history = json!({"ok": true, "messages": [message("U0BS9U4SV", "my order never came", "1700000400.000100")], "has_more": false});
    Mock::given(path("/api/conversations.history"))
        .respond_with(move |r: &Request| {
            if query(r, "channel").as_deref() == Some(DM) {
                json_answer(dm_history.clone())
            } else {
                json_answer(history.clone())
            }
        })
        .mount(&server)
        .await;
    let mut bot_reply = message(BOT_USER, "Yes, it is!", "1700000200.000100");
    bot_reply["bot_id"] = json!(BOT_ID);
    bot_reply["thread_ts"] = json!("1700000100.000100");
    let mut fan_reply = message("U0FAN", "great, thanks", "1700000300.000100");
    fan_reply["thread_ts"] = json!("1700000100.000100");
    let mut chatter = message("U0FRIEND", "the usual place", "1700000250.000100");
    chatter["thread_ts"] = json!("1700000150.000100");
    Mock::given(path("/api/conversations.replies"))
        .respond_with(move |r: &Request| {
            let mut answer = fixture("conversations_replies.json");
            answer["has_more"] = json!(false);
            answer["response_metadata"]["next_cursor"] = json!("");
            answer["messages"] = match query(r, "ts").as_deref() {
                Some("1700000100.000100") => json!([ours, bot_reply, fan_reply]),
                _ => json!([other, chatter]),
            };
            json_answer(answer)
        })
        .mount(&server)
        .await;
    Mock::given(path("/api/users.info"))
        .respond_with(|r: &Request| match query(r, "user").as_deref() {
            Some("U0FAN") => json_answer(fixture("users_info.json")),
            _ => json_answer(json!({"ok": false, "error": "user_not_found"})),
        })
        .mount(&server)
        .await;
    let c = connector(&server, "");
    let mut cursor = None;
    let mut items = Vec::new();
    for _ in 0..10 {
        let page = round(&c, &mut cursor).await;
        items.extend(page.items);
        if !page.more {
            break;
        }
    }
    let find = |body: &str| items.iter().find(|i| i.body == body);
    let reply = find("great, thanks").expect("the fan's reply in the brand's thread");
    assert_eq!(reply.kind, ItemKind::Comment);
    assert_eq!(
        (
            reply.author.handle.as_str(),
            reply.author.display_name.as_str()
        ),
        ("@spengler", "Egon Spengler"),
        "named by users.info"
    );
    let dm = find("my order never came").unwrap();
    assert_eq!(dm.author.handle, "U0BS9U4SV", "no name found: the id stays");
    assert_eq!(
        reply.thread_external_id.as_deref(),
        Some("C012AB3CD/1700000100.000100")
    );
    assert_eq!(
        find("Yes, it is!").unwrap().kind,
        ItemKind::Post,
        "the brand's own"
    );
    assert!(
        find("the usual place").is_none(),
        "a thread the brand never joined"
    );
    assert!(find("lunch?").is_none());
    assert_eq!(find("my order never came").unwrap().kind, ItemKind::Dm);
    assert_eq!(
        find("is the oat milk vegan?").map(|i| i.kind),
        None,
        "no mention, a mentions-only channel"
    );
}

#[tokio::test]
async fn account_add_checks_the_bot_token_and_names_missing_scopes() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/auth.test"))
        .respond_with(json_answer(fixture("auth_test.json")).insert_header(
            "x-oauth-scopes",
            "channels:read,channels:history,chat:write",
        ))
        .mount(&server)
        .await;
    std::env::set_var("HARK_TEST_SLACK_BOT", "xoxb-setup-token-XYZ");
    let args = setup::AddArgs {
        token_env: Some("HARK_TEST_SLACK_BOT".into()),
        token_cmd: None,
        user_token_env: None,
        app_token_env: None,
        name: None,
        app: "auto".into(),
        server: Some(server.uri()),
    };
    let e = setup::add(&args).await.unwrap_err().to_string();
    assert!(
        e.contains("lacks the scopes groups:read, groups:history, im:read, im:history"),
        "{e}"
    );
    assert!(!e.contains("xoxb-setup"), "{e}");

    let server = MockServer::start().await;
    Mock::given(path("/api/auth.test"))
        .respond_with(
            json_answer(fixture("auth_test.json"))
                .insert_header("x-oauth-scopes", setup::BOT_SCOPES.join(",")),
        )
        .mount(&server)
        .await;
    let args = setup::AddArgs {
        server: Some(server.uri()),
        ..args
    };
    let block = setup::add(&args).await.unwrap();
    assert!(block.contains("platform = \"slack\""), "{block}");
    assert!(
        block.contains("name = \"slack-subarachnoid-workspace\""),
        "{block}"
    );
    assert!(
        block.contains("token_env = \"HARK_TEST_SLACK_BOT\""),
        "{block}"
    );
    let parsed: toml::Value = toml::from_str(&block).unwrap();
    assert_eq!(parsed["account"][0]["slack"]["app"].as_str(), Some("auto"));
}

/// `hark doctor` checks the bot token and the admin's user token with `auth.test`, naming
/// Slack's code for a rejected one and never printing a token.
#[test]
fn doctor_checks_both_tokens_and_names_a_rejection() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime.block_on(async {
        let server = MockServer::start().await;
        Mock::given(path("/api/apps.connections.open"))
            .respond_with(json_answer(
                json!({"ok": true, "url": "wss://wss-primary.slack.com/link/?ticket=kit"}),
            ))
            .mount(&server)
            .await;
        Mock::given(path("/api/auth.test"))
            .respond_with(|r: &Request| {
                let auth = r.headers.get("authorization").unwrap().to_str().unwrap();
                if auth == "Bearer xoxb-doctor-bot-XYZ" {
                    json_answer(fixture("auth_test.json"))
                } else {
                    json_answer(fixture("errors.json")["generic"].clone())
                }
            })
            .mount(&server)
            .await;
        server
    });
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "brand = \"Nimbus\"\n[[account]]\nname = \"community\"\nplatform = \"slack\"\n\
             handle = \"bot\"\nserver = \"{}\"\ntoken_env = \"HARK_DOCTOR_SLACK_BOT\"\n\
             [account.slack]\nuser_token_env = \"HARK_DOCTOR_SLACK_ADMIN\"\n\
             app_token_env = \"HARK_DOCTOR_SLACK_APP\"\n",
            server.uri()
        ),
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_hark"))
        .arg("--config")
        .arg(&config)
        .arg("--data-dir")
        .arg(&data)
        .arg("doctor")
        .env("HARK_DOCTOR_SLACK_BOT", "xoxb-doctor-bot-XYZ")
        .env("HARK_DOCTOR_SLACK_ADMIN", "xoxp-doctor-admin-XYZ")
        .env("HARK_DOCTOR_SLACK_APP", "xapp-doctor-app-XYZ")
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let line = |name: &str| {
        text.lines()
            .find(|l| l.contains(&format!("{name}:")))
            .unwrap_or_else(|| panic!("no `{name}` line in:\n{text}"))
            .to_string()
    };
    assert!(
        line("server community").contains("accepts the bot token (bot in Subarachnoid Workspace)"),
        "{text}"
    );
    assert!(
        line("user token community").contains("invalid_auth"),
        "{text}"
    );
    assert!(
        line("socket mode community").contains("the app-level token opens a connection"),
        "{text}"
    );
    assert!(
        !text.contains("doctor-bot-XYZ")
            && !text.contains("doctor-admin-XYZ")
            && !text.contains("doctor-app-XYZ"),
        "{text}"
    );
    drop(runtime);
}

/// Socket Mode: with an app-level token, a mention Slack pushes is in the next fetch, before
/// any history read of its channel could see it, and its envelope is acknowledged.
#[tokio::test]
async fn socket_mode_delivers_a_mention_at_once_and_acknowledges_it() {
    use futures::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message as Frame;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let ws_url = format!("ws://{}/link/?ticket=kit", listener.local_addr().unwrap());
    let (acked, mut acks) = tokio::sync::mpsc::unbounded_channel::<String>();
    tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let mut ws = tokio_tungstenite::accept_async(tcp).await.unwrap();
        // The hello of the docs' Socket Mode page, then an app_mention envelope.
        let hello = json!({"type": "hello", "num_connections": 1,
            "connection_info": {"app_id": "A01K1A1A1A1"}});
        ws.send(Frame::Text(hello.to_string().into()))
            .await
            .unwrap();
        let envelope = json!({"envelope_id": "57d6a792-4d35-4d0b-b6aa-3361493e1caf",
            "payload": {"type": "event_callback", "event": {"type": "app_mention",
                "user": "U061F7AUR", "text": format!("<@{BOT_USER}> is the cold brew back?"),
                "ts": "1700000500.000100", "channel": GENERAL, "event_ts": "1700000500.000100"}},
            "type": "events_api", "accepts_response_payload": false, "retry_attempt": 0});
        ws.send(Frame::Text(envelope.to_string().into()))
            .await
            .unwrap();
        while let Some(Ok(frame)) = ws.next().await {
            if let Frame::Text(t) = frame {
                acked.send(t.to_string()).unwrap();
            }
        }
    });
    let server = MockServer::start().await;
    mount_basics(&server).await;
    Mock::given(path("/api/conversations.history"))
        .respond_with(json_answer(
            json!({"ok": true, "messages": [], "has_more": false}),
        ))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/apps.connections.open"))
        .and(wiremock::matchers::header(
            "authorization",
            "Bearer xapp-kit-app-token",
        ))
        .respond_with(json_answer(json!({"ok": true, "url": ws_url})))
        .mount(&server)
        .await;
    let c = SlackConnector::new(Settings {
        app_token: Some(Secret::new("xapp-kit-app-token")),
        ..connector_settings(&server)
    })
    .unwrap();
    let mut cursor = None;
    // History is empty: the mention can only come through the socket, on this round or the
    // next (it may arrive while the first round runs).
    let mut items = round(&c, &mut cursor).await.items;
    let ack = tokio::time::timeout(std::time::Duration::from_secs(10), acks.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(&ack).unwrap(),
        json!({"envelope_id": "57d6a792-4d35-4d0b-b6aa-3361493e1caf"})
    );
    items.extend(round(&c, &mut cursor).await.items);
    assert_eq!(items.len(), 1, "{items:?}");
    let mention = &items[0];
    assert_eq!(mention.kind, ItemKind::Mention);
    assert_eq!(mention.external_id, format!("{GENERAL}/1700000500.000100"));
    assert_eq!(mention.body, format!("@{BOT_USER} is the cold brew back?"));
    assert!(round(&c, &mut cursor).await.items.is_empty(), "taken once");
}

fn connector_settings(server: &MockServer) -> Settings {
    Settings {
        base: server.uri(),
        token: Secret::new("xoxb-fixture-token-XYZ"),
        user_token: None,
        app_token: None,
        watch: Watch::default(),
        access: Access::Auto,
    }
}

/// A fan asks in a channel, the brand answers in a new thread under the question, the fan
/// answers there: history never shows the old question again, yet the fan's answer is read.
#[tokio::test]
async fn the_fans_answer_in_a_thread_the_brand_started_with_a_reply_arrives() {
    let server = MockServer::start().await;
    mount_basics(&server).await;
    let question = message(
        "U0FAN",
        &format!("<@{BOT_USER}> do you ship to Lisbon?"),
        "1700000100.000100",
    );
    let history = History {
        messages: Arc::new(Mutex::new(vec![question])),
        limited: false,
        limits_asked: Default::default(),
    };
    Mock::given(path("/api/conversations.history"))
        .respond_with(history.clone())
        .mount(&server)
        .await;
    let mut posted = fixture("chat_post_message.json");
    posted["channel"] = json!(GENERAL);
    posted["ts"] = json!("1700000200.000100");
    Mock::given(method("POST"))
        .and(path("/api/chat.postMessage"))
        .respond_with(json_answer(posted))
        .mount(&server)
        .await;
    let mut bot_reply = message(BOT_USER, "Yes, in 3 days!", "1700000200.000100");
    bot_reply["bot_id"] = json!(BOT_ID);
    bot_reply["thread_ts"] = json!("1700000100.000100");
    let mut fan_reply = message("U0FAN", "perfect", "1700000300.000100");
    fan_reply["thread_ts"] = json!("1700000100.000100");
    Mock::given(path("/api/conversations.replies"))
        .respond_with(move |r: &Request| {
            let oldest: f64 = query(r, "oldest").map_or(0.0, |o| o.parse().unwrap());
            let mut answer = fixture("conversations_replies.json");
            answer["has_more"] = json!(false);
            answer["response_metadata"]["next_cursor"] = json!("");
            let mut parent = message("U0FAN", "do you ship to Lisbon?", "1700000100.000100");
            parent["thread_ts"] = json!("1700000100.000100");
            let replies: Vec<Value> = [bot_reply.clone(), fan_reply.clone()]
                .into_iter()
                .filter(|m| m["ts"].as_str().unwrap().parse::<f64>().unwrap() > oldest)
                .collect();
            let mut all = vec![parent];
            all.extend(replies);
            answer["messages"] = json!(all);
            json_answer(answer)
        })
        .mount(&server)
        .await;
    let c = connector(&server, "");
    let mut cursor = None;
    let first = round(&c, &mut cursor).await;
    assert_eq!(first.items.len(), 1, "the question");
    let target = hark::platform::Target {
        external_id: first.items[0].external_id.clone(),
        parent_external_id: None,
        thread_external_id: None,
        kind: ItemKind::Mention,
        author_external_id: "U0FAN".into(),
        author_handle: "U0FAN".into(),
        raw_json: first.items[0].raw_json.clone(),
    };
    c.reply(&target, "Yes, in 3 days!", "k1").await.unwrap();
    let mut items = Vec::new();
    for _ in 0..5 {
        let page = round(&c, &mut cursor).await;
        items.extend(page.items);
        if !page.more {
            break;
        }
    }
    let answer = items
        .iter()
        .find(|i| i.body == "perfect")
        .expect("the fan's answer");
    assert_eq!(answer.kind, ItemKind::Comment);
    assert!(
        items.iter().all(|i| i.body != "Yes, in 3 days!"),
        "read from the reply on"
    );
}
