//! The Matrix connector's chat behaviour against a local homeserver replaying the spec's
//! shapes (tests/fixtures/matrix/, each naming its spec section): which messages of which
//! rooms become items, encrypted rooms, a rejected token, power levels, thread context,
//! and `hark account add matrix`.

#[path = "contract/harness.rs"]
#[allow(dead_code)]
mod harness;
#[path = "contract/matrix.rs"]
#[allow(dead_code)]
mod matrix_adapter;

use hark::domain::ItemKind;
use hark::platform::chat::Watch;
use hark::platform::matrix::{MatrixConnector, Settings};
use hark::platform::{Connector, ModerationAction, PlatformError, Target};
use hark::secrets::Secret;
use matrix_adapter::{error, fixture, BRAND};
use serde_json::{json, Value};
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn ok(v: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(v)
}

fn connector(server: &MockServer, watch: &str) -> MatrixConnector {
    MatrixConnector::new(Settings {
        homeserver: server.uri(),
        user_id: BRAND.into(),
        token: Secret::new("fixture-token-XYZ"),
        watch: toml::from_str::<Watch>(watch).unwrap(),
    })
    .unwrap()
}

/// A message of the spec's m.room.message example, by `sender`, saying `body`.
fn message(id: &str, sender: &str, body: &str) -> Value {
    let mut e = fixture("messages.json")["chunk"][0].clone();
    e.as_object_mut().unwrap().remove("room_id");
    e["event_id"] = json!(id);
    e["sender"] = json!(sender);
    e["content"] = json!({"msgtype": "m.text", "body": body});
    e
}

/// The account's `m.direct` (spec "Direct Messaging"), as GET
/// /user/{userId}/account_data/m.direct returns it; none set is the spec's 404.
async fn direct(server: &MockServer, rooms: &[&str]) {
    let answer = if rooms.is_empty() {
        error(404, "M_NOT_FOUND", "Account data not found")
    } else {
        ok(json!({ "@fan:nimbus.test": rooms }))
    };
    Mock::given(path(
        "/_matrix/client/v3/user/%40brand%3Animbus.test/account_data/m.direct",
    ))
    .respond_with(answer)
    .mount(server)
    .await;
}

/// The spec's sync example with `rooms` (room id → timeline events) joined.
fn sync(rooms: &[(&str, Vec<Value>)]) -> Value {
    let mut s = fixture("sync.json");
    let template = s["rooms"]["join"]["!726s6s6q:example.com"].take();
    let join = s["rooms"]["join"].as_object_mut().unwrap();
    join.clear();
    for (id, events) in rooms {
        let mut room = template.clone();
        room["timeline"] = json!({"events": events, "limited": false, "prev_batch": "t1"});
        join.insert(id.to_string(), room);
    }
    s
}

/// Alias, name and member count of a room.
async fn room(server: &MockServer, id: &str, alias: Option<&str>, members: usize) {
    let base = format!("/_matrix/client/v3/rooms/{}", id.replace('!', "%21"));
    let alias_answer = match alias {
        Some(a) => ok(json!({ "alias": a })),
        None => error(404, "M_NOT_FOUND", "Event not found."),
    };
    Mock::given(path(format!("{base}/state/m.room.canonical_alias/")))
        .respond_with(alias_answer)
        .mount(server)
        .await;
    Mock::given(path(format!("{base}/state/m.room.name/")))
        .respond_with(error(404, "M_NOT_FOUND", "Event not found."))
        .mount(server)
        .await;
    let joined: serde_json::Map<String, Value> = (0..members)
        .map(|n| (format!("@m{n}:nimbus.test"), json!({})))
        .collect();
    Mock::given(path(format!("{base}/joined_members")))
        .respond_with(ok(json!({ "joined": joined })))
        .mount(server)
        .await;
}

#[tokio::test]
async fn a_help_desk_a_community_room_a_quiet_room_and_a_dm_follow_their_modes() {
    let server = MockServer::start().await;
    let mut encrypted = message("$enc", "@fan:nimbus.test", "");
    encrypted["type"] = json!("m.room.encrypted");
    encrypted["content"] = json!({"algorithm": "m.megolm.v1.aes-sha2", "ciphertext": "AwgA…",
        "device_id": "RJYKSTBOIE", "sender_key": "IlRMeOPX2e0MurIyfWEucYBRVOEEUMrOHqn/8mLqMjA",
        "session_id": "X3lUlvLELLYxeTx4yOVu6UDpasGEVO0Jbu+QFnm0cKQ"});
    let answer = sync(&[
        (
            "!help",
            vec![message("$h1", "@fan:nimbus.test", "my order never came")],
        ),
        (
            "!general",
            vec![message("$g1", "@fan:nimbus.test", "lovely weather")],
        ),
        (
            "!random",
            vec![
                message("$r1", "@fan:nimbus.test", "lunch?"),
                message("$r2", "@fan:nimbus.test", "ask Nimbus about it"),
            ],
        ),
        (
            "!dm",
            vec![message("$d1", "@fan:nimbus.test", "thanks"), encrypted],
        ),
    ]);
    direct(&server, &["!dm"]).await;
    Mock::given(path("/_matrix/client/v3/sync"))
        .respond_with(ok(answer))
        .mount(&server)
        .await;
    room(&server, "!help", Some("#help:nimbus.test"), 40).await;
    room(&server, "!general", Some("#general:nimbus.test"), 300).await;
    room(&server, "!random", Some("#random:nimbus.test"), 300).await;
    // Three people: only the account's m.direct makes it a DM.
    room(&server, "!dm", None, 3).await;
    let c = connector(
        &server,
        r##"
names = ["Nimbus"]
[modes]
"#help:*" = "support"
"#general:nimbus.test" = "all"
"##,
    );
    let page = c.fetch(None).await.unwrap();
    let kinds: Vec<(&str, ItemKind, bool)> = page
        .items
        .iter()
        .map(|i| (i.external_id.as_str(), i.kind, i.needs_reply()))
        .collect();
    for expected in [
        ("$h1", ItemKind::Mention, true),
        ("$g1", ItemKind::Comment, false),
        ("$r2", ItemKind::Mention, true),
        ("$d1", ItemKind::Dm, true),
    ] {
        assert!(kinds.contains(&expected), "{expected:?} in {kinds:?}");
    }
    assert_eq!(
        kinds.len(),
        4,
        "chatter in a mentions room is no item: {kinds:?}"
    );
    assert_eq!(page.next_cursor.as_deref(), Some("s72595_4483_1934"));
    assert_eq!(page.unreadable.len(), 1);
    assert!(page.unreadable[0].reason.contains("end-to-end encrypted"));
    let help = page.items.iter().find(|i| i.external_id == "$h1").unwrap();
    assert_eq!(
        help.url.as_deref(),
        Some("https://matrix.to/#/%21help/%24h1"),
        "the item keeps its room"
    );
}

#[tokio::test]
async fn a_rejected_token_says_to_log_in_again_and_never_shows_the_token() {
    let server = MockServer::start().await;
    let body = fixture("errors.json")["unknown_token"].clone();
    Mock::given(path("/_matrix/client/v3/sync"))
        .respond_with(ResponseTemplate::new(401).set_body_json(body))
        .mount(&server)
        .await;
    match connector(&server, "").fetch(Some("s1")).await {
        Err(PlatformError::Auth(message)) => {
            assert!(message.contains("M_UNKNOWN_TOKEN"), "{message}");
            assert!(message.contains("log in again"), "{message}");
            assert!(!message.contains("fixture-token-XYZ"));
        }
        other => panic!("{other:?}"),
    }
}

fn target(kind: ItemKind) -> Target {
    Target {
        external_id: "$spam".into(),
        parent_external_id: None,
        thread_external_id: None,
        kind,
        author_external_id: "@spammer:nimbus.test".into(),
        author_handle: "@spammer:nimbus.test".into(),
        raw_json: Some(json!({"room_id": "!help"}).to_string()),
    }
}

#[tokio::test]
async fn a_ban_above_the_accounts_power_level_is_refused_without_asking_the_homeserver() {
    let server = MockServer::start().await;
    Mock::given(path(
        "/_matrix/client/v3/rooms/%21help/state/m.room.power_levels/",
    ))
    .respond_with(ok(fixture("power_levels.json")))
    .mount(&server)
    .await;
    Mock::given(method("POST"))
        .respond_with(ok(json!({})))
        .expect(0)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .respond_with(ok(json!({})))
        .expect(0)
        .mount(&server)
        .await;
    let c = connector(&server, "");
    for (action, needs) in [
        (ModerationAction::BlockAuthor, "banning needs 50"),
        (ModerationAction::KickAuthor, "kicking needs 50"),
        (
            ModerationAction::Delete,
            "removing others' messages needs 50",
        ),
    ] {
        match c.moderate(&target(ItemKind::Mention), action).await {
            Err(PlatformError::Permanent(why)) => {
                assert!(why.contains("power level in this room is 0"), "{why}");
                assert!(why.contains(needs), "{why}");
            }
            other => panic!("{other:?}"),
        }
    }
}

#[tokio::test]
async fn a_kick_removes_a_member_once_and_kicking_someone_already_gone_is_done() {
    let server = MockServer::start().await;
    let mut levels = fixture("power_levels.json");
    levels["users"][BRAND] = json!(50);
    Mock::given(path(
        "/_matrix/client/v3/rooms/%21help/state/m.room.power_levels/",
    ))
    .respond_with(ok(levels))
    .mount(&server)
    .await;
    // The content of m.room.member (spec "m.room.member") for one who is in the room and
    // one who already left.
    for (user, membership) in [
        ("%40spammer%3Animbus.test", "join"),
        ("%40left%3Animbus.test", "leave"),
    ] {
        Mock::given(path(format!(
            "/_matrix/client/v3/rooms/%21help/state/m.room.member/{user}"
        )))
        .respond_with(ok(json!({ "membership": membership })))
        .mount(&server)
        .await;
    }
    Mock::given(path("/_matrix/client/v3/rooms/%21help/kick"))
        .and(method("POST"))
        .and(wiremock::matchers::body_json(
            json!({"user_id": "@spammer:nimbus.test"}),
        ))
        .respond_with(ok(json!({})))
        .expect(1)
        .mount(&server)
        .await;
    let c = connector(&server, "");
    c.moderate(&target(ItemKind::Mention), ModerationAction::KickAuthor)
        .await
        .unwrap();
    let mut gone = target(ItemKind::Mention);
    gone.author_external_id = "@left:nimbus.test".into();
    c.moderate(&gone, ModerationAction::KickAuthor)
        .await
        .expect("someone who already left is where a kick puts them");
}

#[tokio::test]
async fn the_brands_own_message_is_redacted_without_a_power_level() {
    let server = MockServer::start().await;
    Mock::given(path_regex("^/_matrix/client/v3/rooms/%21help/redact/.*"))
        .and(method("PUT"))
        .respond_with(ok(fixture("send_response.json")))
        .expect(1)
        .mount(&server)
        .await;
    let mut own = target(ItemKind::Post);
    own.author_external_id = BRAND.into();
    connector(&server, "")
        .moderate(&own, ModerationAction::Delete)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_top_level_message_opens_with_the_messages_around_it() {
    let server = MockServer::start().await;
    Mock::given(path("/_matrix/client/v3/rooms/%21help/event/%24q"))
        .respond_with(ok(message("$q", "@fan:nimbus.test", "is it vegan?")))
        .mount(&server)
        .await;
    // Shape of GET /rooms/{roomId}/context/{eventId} (spec "Room event context"):
    // events_before newest first, then the event, then events_after oldest first.
    Mock::given(path("/_matrix/client/v3/rooms/%21help/context/%24q"))
        .respond_with(ok(json!({
            "start": "t27-54_2_0_2", "end": "t29-57_2_0_2", "state": [],
            "events_before": [message("$b2", "@fan2:nimbus.test", "same question"),
                              message("$b1", BRAND, "new menu today")],
            "event": message("$q", "@fan:nimbus.test", "is it vegan?"),
            "events_after": [message("$a1", "@fan3:nimbus.test", "+1")]
        })))
        .mount(&server)
        .await;
    let mut t = target(ItemKind::Mention);
    t.external_id = "$q".into();
    let context = connector(&server, "").thread(&t).await.unwrap();
    let seen: Vec<(&str, ItemKind)> = context.iter().map(|i| (i.body.as_str(), i.kind)).collect();
    assert_eq!(
        seen,
        [
            ("new menu today", ItemKind::Post),
            ("same question", ItemKind::Comment),
            ("is it vegan?", ItemKind::Comment),
            ("+1", ItemKind::Comment),
        ]
    );
}

#[test]
fn account_add_checks_the_token_keeps_the_device_and_prints_the_block() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = rt.block_on(MockServer::start());
    let mut me = fixture("whoami.json");
    me["user_id"] = json!(BRAND);
    rt.block_on(
        Mock::given(path("/_matrix/client/v3/account/whoami"))
            .respond_with(ok(me))
            .mount(&server),
    );
    let data = tempfile::tempdir().unwrap();
    let run = |user: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_hark"))
            .args(["--data-dir", data.path().to_str().unwrap()])
            .args(["account", "add", "matrix", "--homeserver", &server.uri()])
            .args(["--user", user, "--token-env", "HARK_TEST_MATRIX"])
            .env("HARK_TEST_MATRIX", "fixture-token-XYZ")
            .output()
            .unwrap()
    };
    let out = run(BRAND);
    let block = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(block.contains("platform = \"matrix\""), "{block}");
    assert!(block.contains("handle = \"@brand:nimbus.test\""), "{block}");
    assert!(
        block.contains("token_env = \"HARK_TEST_MATRIX\""),
        "{block}"
    );
    assert!(!block.contains("fixture-token-XYZ"));
    let device = std::fs::read_to_string(data.path().join("matrix-matrix-brand.device")).unwrap();
    assert_eq!(device.trim(), "ABC1234", "the token's device is kept");

    let out = run("@someone:nimbus.test");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("belongs to @brand:nimbus.test"), "{err}");
}

/// An edit in the shape of the spec's "Event replacements" example.
fn edit(id: &str, sender: &str, original: &str, text: &str) -> Value {
    let mut e = message(id, sender, &format!("* {text}"));
    e["content"]["m.new_content"] = json!({"body": text, "msgtype": "m.text"});
    e["content"]["m.relates_to"] = json!({"rel_type": "m.replace", "event_id": original});
    e
}

#[tokio::test]
async fn an_authors_edit_updates_the_mention_and_someone_elses_is_ignored() {
    let server = MockServer::start().await;
    let mut original = message("$m1", "@fan:nimbus.test", "@brand:nimbus.test order 12");
    original["content"]["m.mentions"] = json!({"user_ids": [BRAND]});
    Mock::given(path("/_matrix/client/v3/rooms/%21help/event/%24m1"))
        .respond_with(ok(original))
        .mount(&server)
        .await;
    room(&server, "!help", Some("#help:nimbus.test"), 40).await;
    let answer = sync(&[(
        "!help",
        vec![
            edit(
                "$e1",
                "@fan:nimbus.test",
                "$m1",
                "@brand:nimbus.test order 1234, not 12",
            ),
            edit(
                "$e2",
                "@troll:nimbus.test",
                "$m1",
                "@brand:nimbus.test I love scams",
            ),
        ],
    )]);
    direct(&server, &[]).await;
    Mock::given(path("/_matrix/client/v3/sync"))
        .respond_with(ok(answer))
        .mount(&server)
        .await;
    let page = connector(&server, "").fetch(Some("s1")).await.unwrap();
    let seen: Vec<(&str, &str)> = page
        .items
        .iter()
        .map(|i| (i.external_id.as_str(), i.body.as_str()))
        .collect();
    assert_eq!(seen, [("$m1", "@brand:nimbus.test order 1234, not 12")]);
}

#[test]
fn doctor_checks_a_matrix_token_with_whoami_and_never_prints_it() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = rt.block_on(MockServer::start());
    rt.block_on(async {
        let mut me = fixture("whoami.json");
        me["user_id"] = json!(BRAND);
        Mock::given(path("/_matrix/client/v3/account/whoami"))
            .and(wiremock::matchers::header(
                "authorization",
                "Bearer fixture-token-XYZ",
            ))
            .respond_with(ok(me))
            .mount(&server)
            .await;
        Mock::given(path("/_matrix/client/v3/account/whoami"))
            .respond_with(
                ResponseTemplate::new(401)
                    .set_body_json(fixture("errors.json")["unknown_token"].clone()),
            )
            .mount(&server)
            .await;
    });
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[[account]]\nname = \"brand-mx\"\nplatform = \"matrix\"\nhandle = \"{BRAND}\"\nserver = \"{}\"\ntoken_env = \"HARK_TEST_MX\"\n",
            server.uri()
        ),
    )
    .unwrap();
    let doctor = |token: &str| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_hark"))
            .arg("--config")
            .arg(&config)
            .arg("--data-dir")
            .arg(&data)
            .arg("doctor")
            .env("HARK_TEST_MX", token)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let good = doctor("fixture-token-XYZ");
    assert!(
        good.contains("accepts the token (@brand:nimbus.test)"),
        "{good}"
    );
    let bad = doctor("revoked-token-ABC");
    assert!(bad.contains("M_UNKNOWN_TOKEN"), "{bad}");
    assert!(bad.contains("hark account add matrix"), "{bad}");
    assert!(!bad.contains("revoked-token-ABC") && !good.contains("fixture-token-XYZ"));
}

/// A thread reply: the spec's "Threading" shape, with the fallback reply part.
fn in_thread(id: &str, sender: &str, root: &str, body: &str) -> Value {
    let mut e = message(id, sender, body);
    e["content"]["m.relates_to"] = json!({"rel_type": "m.thread", "event_id": root,
        "is_falling_back": true, "m.in_reply_to": {"event_id": root}});
    e
}

#[tokio::test]
async fn replies_in_threads_the_brand_took_part_in_are_items_and_others_are_not() {
    let server = MockServer::start().await;
    // The roots as GET /rooms/{roomId}/event/{eventId} returns them, with the bundled
    // m.thread aggregation of spec "Threading" (server behaviour).
    let mut joined = message("$t1", "@fan:nimbus.test", "shop open sunday");
    joined["unsigned"]["m.relations"] = json!({"m.thread": {"latest_event": {},
        "count": 3, "current_user_participated": true}});
    let mut other = message("$t2", "@fan:nimbus.test", "anyone seen the match");
    other["unsigned"]["m.relations"] = json!({"m.thread": {"latest_event": {},
        "count": 7, "current_user_participated": false}});
    for (id, root) in [("%24t1", joined), ("%24t2", other)] {
        Mock::given(path(format!("/_matrix/client/v3/rooms/%21help/event/{id}")))
            .respond_with(ok(root))
            .expect(1)
            .mount(&server)
            .await;
    }
    room(&server, "!help", Some("#help:nimbus.test"), 40).await;
    let answer = sync(&[(
        "!help",
        vec![
            in_thread("$a", "@fan:nimbus.test", "$t1", "and on holidays"),
            in_thread("$b", "@fan2:nimbus.test", "$t1", "same question"),
            in_thread("$c", "@fan:nimbus.test", "$t2", "what a goal"),
        ],
    )]);
    direct(&server, &[]).await;
    Mock::given(path("/_matrix/client/v3/sync"))
        .respond_with(ok(answer))
        .mount(&server)
        .await;
    let page = connector(&server, "").fetch(Some("s1")).await.unwrap();
    let mut seen: Vec<(&str, ItemKind, Option<&str>)> = page
        .items
        .iter()
        .map(|i| {
            (
                i.external_id.as_str(),
                i.kind,
                i.thread_external_id.as_deref(),
            )
        })
        .collect();
    seen.sort_by_key(|s| s.0);
    assert_eq!(
        seen,
        [
            ("$a", ItemKind::Comment, Some("$t1")),
            ("$b", ItemKind::Comment, Some("$t1")),
        ],
        "each root asked once"
    );
}

#[tokio::test]
async fn opening_a_redacted_message_says_it_is_gone_and_who_removed_it() {
    let server = MockServer::start().await;
    // The redacted form of spec "Redactions": the content emptied, the redaction event
    // under unsigned.redacted_because.
    let mut gone = message("$q", "@fan:nimbus.test", "");
    gone["content"] = json!({});
    gone["unsigned"]["redacted_because"] = json!({"type": "m.room.redaction",
        "sender": "@mod:nimbus.test", "event_id": "$r", "redacts": "$q",
        "content": {"reason": "Spamming"}, "origin_server_ts": 1432735824653i64});
    Mock::given(path("/_matrix/client/v3/rooms/%21help/event/%24q"))
        .respond_with(ok(gone))
        .mount(&server)
        .await;
    let mut t = target(ItemKind::Mention);
    t.external_id = "$q".into();
    match connector(&server, "").thread(&t).await {
        Err(PlatformError::NotFound(why)) => {
            assert_eq!(why, "the message was removed by @mod:nimbus.test")
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_watched_space_brings_its_rooms_over_two_hierarchy_pages_and_no_others() {
    let server = MockServer::start().await;
    let mut dir = fixture("directory.json");
    dir["room_id"] = json!("!space");
    Mock::given(path(
        "/_matrix/client/v3/directory/room/%23community%3Animbus.test",
    ))
    .respond_with(ok(dir))
    .expect(1)
    .mount(&server)
    .await;
    let page = |rooms: &[&str], next: Option<&str>| {
        let mut h = fixture("hierarchy.json");
        let template = h["rooms"][0].clone();
        h["rooms"] = rooms
            .iter()
            .map(|id| {
                let mut r = template.clone();
                r["room_id"] = json!(id);
                r
            })
            .collect();
        h["next_batch"] = json!(next);
        ok(h)
    };
    Mock::given(path("/_matrix/client/v1/rooms/%21space/hierarchy"))
        .and(wiremock::matchers::query_param("from", "next_batch_token"))
        .respond_with(page(&["!faq"], None))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/_matrix/client/v1/rooms/%21space/hierarchy"))
        .respond_with(page(&["!space", "!help"], Some("next_batch_token")))
        .expect(1)
        .mount(&server)
        .await;
    direct(&server, &[]).await;
    for id in ["!help", "!faq", "!elsewhere"] {
        room(&server, id, None, 30).await;
    }
    let ping = |id: &str| {
        let mut m = message(id, "@fan:nimbus.test", "brand: hello");
        m["content"]["m.mentions"] = json!({"user_ids": [BRAND]});
        m
    };
    let answer = sync(&[
        ("!help", vec![ping("$1")]),
        ("!faq", vec![ping("$2")]),
        ("!elsewhere", vec![ping("$3")]),
    ]);
    Mock::given(path("/_matrix/client/v3/sync"))
        .respond_with(ok(answer))
        .mount(&server)
        .await;
    let page = connector(&server, r##"spaces = ["#community:nimbus.test"]"##)
        .fetch(Some("s1"))
        .await
        .unwrap();
    let mut ids: Vec<&str> = page.items.iter().map(|i| i.external_id.as_str()).collect();
    ids.sort();
    assert_eq!(
        ids,
        ["$1", "$2"],
        "the room outside the space is not watched"
    );
}

#[tokio::test]
async fn a_rooms_power_levels_come_from_the_syncs_state_without_asking_the_homeserver() {
    let server = MockServer::start().await;
    let mut levels = fixture("power_levels.json");
    levels["users"][BRAND] = json!(50);
    let mut answer = sync(&[(
        "!help",
        vec![message("$h1", "@fan:nimbus.test", "brand: hello")],
    )]);
    // An m.room.power_levels state event (spec "m.room.power_levels") in the room's state.
    answer["rooms"]["join"]["!help"]["state"]["events"] = json!([{
        "type": "m.room.power_levels", "state_key": "", "event_id": "$pl",
        "sender": "@example:localhost", "origin_server_ts": 1432735824653i64,
        "content": levels}]);
    direct(&server, &[]).await;
    Mock::given(path("/_matrix/client/v3/sync"))
        .respond_with(ok(answer))
        .mount(&server)
        .await;
    room(&server, "!help", Some("#help:nimbus.test"), 40).await;
    Mock::given(path_regex("/state/m.room.power_levels/$"))
        .respond_with(ok(json!({})))
        .expect(0)
        .mount(&server)
        .await;
    let page = connector(&server, "").fetch(None).await.unwrap();
    assert_eq!(page.rooms.len(), 1, "{:?}", page.rooms);
    let help = &page.rooms[0];
    assert_eq!(
        (help.id.as_str(), help.label.as_str()),
        ("!help", "#help:nimbus.test")
    );
    let power = help.power.as_ref().unwrap();
    assert_eq!(
        (power.mine, power.kick, power.ban, power.redact),
        (50, 50, 50, 50)
    );
    assert_eq!(power.over("@example:localhost").theirs, 100);
}

#[tokio::test]
async fn a_redaction_in_a_sync_says_the_message_is_gone_in_both_room_version_forms() {
    let server = MockServer::start().await;
    // The spec's m.room.redaction example (rooms up to version 10: `redacts` at the top),
    // and the room version 11 form (`redacts` in the content).
    let old_form = json!({"type": "m.room.redaction", "event_id": "$143273582443PhrSn:example.org",
        "sender": "@example:example.org", "origin_server_ts": 1432735824653i64,
        "redacts": "$fukweghifu23:localhost", "content": {"reason": "Spamming"}});
    let v11 = json!({"type": "m.room.redaction", "event_id": "$r2", "sender": "@fan:nimbus.test",
        "origin_server_ts": 1432735824654i64, "content": {"redacts": "$oops"}});
    let answer = sync(&[("!help", vec![old_form, v11])]);
    direct(&server, &[]).await;
    Mock::given(path("/_matrix/client/v3/sync"))
        .respond_with(ok(answer))
        .mount(&server)
        .await;
    room(&server, "!help", Some("#help:nimbus.test"), 40).await;
    let page = connector(&server, "").fetch(Some("s1")).await.unwrap();
    assert_eq!(
        page.gone,
        [
            (
                "$fukweghifu23:localhost".to_string(),
                "the message was removed by @example:example.org".to_string()
            ),
            (
                "$oops".to_string(),
                "the message was removed by @fan:nimbus.test".to_string()
            ),
        ]
    );
    assert!(page.items.is_empty() && page.unreadable.is_empty());
}

#[tokio::test]
async fn without_keys_a_reply_into_an_encrypted_room_is_refused_and_never_sent_in_plaintext() {
    let server = MockServer::start().await;
    // The content of the spec's m.room.encryption example, for !secret; !help has none
    // (the spec's 404 M_NOT_FOUND).
    Mock::given(path(
        "/_matrix/client/v3/rooms/%21secret/state/m.room.encryption/",
    ))
    .respond_with(ok(json!({"algorithm": "m.megolm.v1.aes-sha2",
        "rotation_period_ms": 604800000, "rotation_period_msgs": 100})))
    .mount(&server)
    .await;
    Mock::given(path(
        "/_matrix/client/v3/rooms/%21help/state/m.room.encryption/",
    ))
    .respond_with(error(404, "M_NOT_FOUND", "Event not found."))
    .mount(&server)
    .await;
    Mock::given(path_regex("^/_matrix/client/v3/rooms/%21secret/send/"))
        .respond_with(ok(fixture("send_response.json")))
        .expect(0)
        .mount(&server)
        .await;
    Mock::given(path_regex("^/_matrix/client/v3/rooms/%21help/send/"))
        .and(method("PUT"))
        .respond_with(ok(fixture("send_response.json")))
        .expect(1)
        .mount(&server)
        .await;
    let c = connector(&server, "");
    let mut secret = target(ItemKind::Dm);
    secret.raw_json = Some(json!({"room_id": "!secret"}).to_string());
    match c.reply(&secret, "your address is changed", "k1").await {
        Err(PlatformError::Permanent(why)) => {
            assert!(why.contains("end-to-end encrypted"), "{why}");
            assert!(why.contains("Element"), "{why}");
        }
        other => panic!("{other:?}"),
    }
    c.reply(&target(ItemKind::Mention), "on it", "k2")
        .await
        .expect("a room without encryption is answered");
}

/// A homeserver for a connector with keys: its device (whoami), the key upload its first
/// exchange makes, a key query for the room's members.
async fn keys_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(path("/_matrix/client/v3/account/whoami"))
        .respond_with(ok(fixture("whoami.json")))
        .mount(&server)
        .await;
    Mock::given(path("/_matrix/client/v3/keys/upload"))
        .and(method("POST"))
        .respond_with(ok(fixture("keys_upload.json")))
        .mount(&server)
        .await;
    Mock::given(path("/_matrix/client/v3/keys/query"))
        .and(method("POST"))
        .respond_with(ok(fixture("keys_query.json")))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn with_keys_a_reply_into_an_encrypted_room_is_sent_encrypted_never_in_plaintext() {
    let server = keys_server().await;
    let data = tempfile::tempdir().unwrap();
    Mock::given(path(
        "/_matrix/client/v3/rooms/%21secret/state/m.room.encryption/",
    ))
    .respond_with(ok(json!({"algorithm": "m.megolm.v1.aes-sha2",
        "rotation_period_ms": 604800000, "rotation_period_msgs": 100})))
    .mount(&server)
    .await;
    Mock::given(path(
        "/_matrix/client/v3/rooms/%21secret/state/m.room.history_visibility/",
    ))
    .respond_with(error(404, "M_NOT_FOUND", "Event not found."))
    .mount(&server)
    .await;
    // The spec's m.room.member example, for the fan who wrote.
    Mock::given(path("/_matrix/client/v3/rooms/%21secret/members"))
        .respond_with(ok(json!({"chunk": [{"type": "m.room.member",
            "state_key": "@fan:nimbus.test", "sender": "@fan:nimbus.test",
            "event_id": "$m1", "origin_server_ts": 1432735824653i64,
            "content": {"membership": "join"}}]})))
        .mount(&server)
        .await;
    Mock::given(path_regex(
        "^/_matrix/client/v3/rooms/%21secret/send/m.room.message/",
    ))
    .respond_with(ok(fixture("send_response.json")))
    .expect(0)
    .mount(&server)
    .await;
    Mock::given(path(
        "/_matrix/client/v3/rooms/%21secret/send/m.room.encrypted/hark-k1",
    ))
    .and(method("PUT"))
    .respond_with(ok(fixture("send_response.json")))
    .expect(1)
    .mount(&server)
    .await;
    let c = connector(&server, "").with_encryption(data.path().join("keys"));
    let mut secret = target(ItemKind::Dm);
    secret.raw_json = Some(json!({"room_id": "!secret"}).to_string());
    let id = c
        .reply(&secret, "your address is changed", "k1")
        .await
        .unwrap();
    assert_eq!(id, "$YUwRidLecu:example.com");
    let sent = server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.url.path().contains("/send/"))
        .unwrap();
    let body: Value = serde_json::from_slice(&sent.body).unwrap();
    assert_eq!(body["algorithm"], "m.megolm.v1.aes-sha2", "{body}");
    assert!(
        body["ciphertext"].is_string() && body.get("body").is_none(),
        "{body}"
    );
    assert!(!String::from_utf8_lossy(&sent.body).contains("address"));
    // The thread relation stays readable to the server (the spec's rule for relations).
    assert_eq!(body["m.relates_to"]["m.in_reply_to"]["event_id"], "$spam");
    // The keys live in the data directory, the store's passphrase beside them, private.
    let passphrase = data.path().join("keys/store.passphrase");
    assert!(passphrase.exists());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&passphrase).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[tokio::test]
async fn an_encrypted_message_whose_key_has_not_come_is_set_aside_as_waiting_not_as_text() {
    let server = keys_server().await;
    let data = tempfile::tempdir().unwrap();
    let mut encrypted = message("$enc", "@fan:nimbus.test", "");
    encrypted["type"] = json!("m.room.encrypted");
    // The spec's m.room.encrypted (Megolm) example's shape, with a real Megolm message
    // from a session whose key hark never received.
    let mut session = matrix_sdk_crypto::vodozemac::megolm::GroupSession::new(
        matrix_sdk_crypto::vodozemac::megolm::SessionConfig::version_1(),
    );
    encrypted["content"] = json!({"algorithm": "m.megolm.v1.aes-sha2",
        "ciphertext": session.encrypt(r#"{"type":"m.room.message","content":{"body":"secret"}}"#).to_base64(),
        "device_id": "RJYKSTBOIE", "sender_key": "IlRMeOPX2e0MurIyfWEucYBRVOEEUMrOHqn/8mLqMjA",
        "session_id": session.session_id()});
    Mock::given(path("/_matrix/client/v3/sync"))
        .respond_with(ok(sync(&[("!dm", vec![encrypted])])))
        .mount(&server)
        .await;
    direct(&server, &["!dm"]).await;
    room(&server, "!dm", None, 2).await;
    let c = connector(&server, "").with_encryption(data.path().join("keys"));
    let page = c.fetch(None).await.unwrap();
    assert!(page.items.is_empty(), "no item with garbage text");
    assert_eq!(page.unreadable.len(), 1);
    let waiting = &page.unreadable[0];
    assert_eq!(waiting.key.as_deref(), Some("$enc"));
    assert!(
        waiting.reason.contains("waiting for the room key"),
        "{}",
        waiting.reason
    );
    assert!(
        waiting.raw.contains("\"room_id\":\"!dm\""),
        "kept whole, with its room"
    );
}

#[tokio::test]
async fn a_second_process_on_one_data_directory_leaves_the_encrypted_account_to_the_first() {
    let server = keys_server().await;
    let data = tempfile::tempdir().unwrap();
    Mock::given(path("/_matrix/client/v3/sync"))
        .respond_with(ok(sync(&[])))
        .mount(&server)
        .await;
    direct(&server, &[]).await;
    let syncs = |requests: Vec<wiremock::Request>| {
        requests
            .iter()
            .filter(|r| r.url.path() == "/_matrix/client/v3/sync")
            .count()
    };
    let first = connector(&server, "").with_encryption(data.path().join("keys"));
    first.fetch(None).await.unwrap();
    let before = syncs(server.received_requests().await.unwrap());
    // The second hark on the same data directory: its own connector, the same keys.
    let second = connector(&server, "").with_encryption(data.path().join("keys"));
    let refused = second.fetch(None).await.unwrap_err().to_string();
    assert!(
        refused.contains("another hark process") && refused.contains("holds its encryption keys"),
        "{refused}"
    );
    assert_eq!(
        syncs(server.received_requests().await.unwrap()),
        before,
        "the second never syncs: the to-device keys stay for the first"
    );
    // The first stops: the second takes the account over on its next round.
    drop(first);
    second.fetch(None).await.unwrap();
}
