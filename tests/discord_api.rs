//! The Discord connector against a local API replaying the developer docs' shapes
//! (tests/fixtures/discord/, each naming its page): rate-limit buckets and the global
//! limit, a missing permission, text withheld without the Message Content intent, a
//! nonce resend, the read-back after a crash, paging with `after`, and `hark account add
//! discord` / `hark doctor`.

#[path = "contract/discord.rs"]
#[allow(dead_code)]
mod discord_adapter;
#[path = "contract/harness.rs"]
#[allow(dead_code)]
mod harness;

use discord_adapter::{fixture, message, Discord, BOT, BOT_ROLE, CHANNEL, GUILD, MODERATOR};
use hark::domain::ItemKind;
use hark::platform::discord::messages::WITHHELD;
use hark::platform::{Connector, ModerationAction, PlatformError};
use harness::{mention, mentions, Platform, Scripted, T0};
use serde_json::json;

fn requests(p: &Discord, prefix: &str) -> Vec<String> {
    p.state()
        .requests
        .iter()
        .filter(|r| r.starts_with(prefix))
        .cloned()
        .collect()
}

fn list_requests(p: &Discord) -> Vec<String> {
    requests(p, &format!("GET /channels/{CHANNEL}/messages"))
}

fn cursor_of(page: &hark::platform::FetchPage) -> String {
    page.next_cursor.clone().unwrap()
}

#[tokio::test]
async fn pages_are_read_with_after_from_the_cursor_and_quiet_channels_cost_nothing() {
    let p = Discord::start().await;
    let c = p.connector_with("");
    p.publish(&[mention(1)]).await;
    let first = c.fetch(None).await.unwrap();
    assert_eq!(first.items.len(), 1);
    assert!(
        !first.more,
        "a new channel is read from its newest page only"
    );
    let id1 = first.items[0].external_id.clone();
    let cursor = cursor_of(&first);
    assert_eq!(cursor, json!({CHANNEL: id1}).to_string());
    p.publish(&mentions(2..=4)).await;
    let next = c.fetch(Some(&cursor)).await.unwrap();
    assert!(next.more, "a full page: more to read");
    let bodies: Vec<&str> = next.items.iter().map(|i| i.body.as_str()).collect();
    assert_eq!(
        bodies,
        ["@Nelly contract mention 3", "@Nelly contract mention 2"],
        "the two right after the cursor, newest first"
    );
    let list = list_requests(&p);
    assert_eq!(list.len(), 2);
    assert!(list[0].ends_with("?limit=2"), "{list:?}");
    assert!(
        list[1].ends_with(&format!("?limit=2&after={id1}")),
        "{list:?}"
    );
    let last = c.fetch(Some(&cursor_of(&next))).await.unwrap();
    assert_eq!(last.items.len(), 1);
    assert!(!last.more);
    // Nothing new: the channel list's last_message_id says so, no message request.
    let quiet = c.fetch(Some(&cursor_of(&last))).await.unwrap();
    assert!(quiet.items.is_empty());
    assert_eq!(list_requests(&p).len(), 3);
    assert_eq!(
        next.items[0]
            .url
            .as_deref()
            .map(|u| u.starts_with(&format!("https://discord.com/channels/{GUILD}/{CHANNEL}/"))),
        Some(true)
    );
}

#[tokio::test]
async fn a_spent_bucket_is_waited_out_without_asking_and_a_short_reset_in_place() {
    let p = Discord::start().await;
    let f = fixture("rate_limits.json");
    // Every list answer says the bucket is spent for 30 s (the docs' header example).
    p.state().list_headers = f["ok_headers"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
        .map(|(k, v)| {
            let v = if k == "x-ratelimit-reset-after" {
                "30".into()
            } else {
                v
            };
            (k, v)
        })
        .collect();
    let c = p.connector_with("");
    p.publish(&[mention(1)]).await;
    let first = c.fetch(None).await.unwrap();
    assert_eq!(c.rate_remaining(), Some((0, 5)), "the status bar's budget");
    p.publish(&[mention(2)]).await;
    match c.fetch(Some(&cursor_of(&first))).await {
        Err(PlatformError::RateLimited { wait }) => {
            assert!((29..=30).contains(&wait.as_secs()), "{wait:?}")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(list_requests(&p).len(), 1, "the spent bucket was not asked");

    // A bucket resetting within a second is waited out in place.
    let p = Discord::start().await;
    p.state().list_headers = vec![
        ("x-ratelimit-bucket".into(), "abcd1234".into()),
        ("x-ratelimit-limit".into(), "5".into()),
        ("x-ratelimit-remaining".into(), "0".into()),
        ("x-ratelimit-reset-after".into(), "0.3".into()),
    ];
    let c = p.connector_with("");
    p.publish(&[mention(1)]).await;
    let first = c.fetch(None).await.unwrap();
    p.publish(&[mention(2)]).await;
    let next = c.fetch(Some(&cursor_of(&first))).await.unwrap();
    assert_eq!(next.items.len(), 1);
}

#[tokio::test]
async fn a_global_429_holds_every_route_for_its_retry_after() {
    let p = Discord::start().await;
    let c = p.connector_with("");
    p.publish(&[mention(1)]).await;
    let first = c.fetch(None).await.unwrap();
    let limits = p.rate_limits();
    let global = limits
        .iter()
        .find(|l| l.form.starts_with("global"))
        .unwrap();
    p.rate_limit_next_list(global).await;
    p.publish(&[mention(2)]).await;
    match c.fetch(Some(&cursor_of(&first))).await {
        Err(PlatformError::RateLimited { wait }) => assert_eq!(wait.as_secs(), 65),
        other => panic!("{other:?}"),
    }
    // A reply, another route, is held too: nothing reaches Discord.
    let target = hark::platform::Target {
        external_id: first.items[0].external_id.clone(),
        parent_external_id: None,
        thread_external_id: None,
        kind: ItemKind::Mention,
        author_external_id: "7001".into(),
        author_handle: "fan1".into(),
        raw_json: first.items[0].raw_json.clone(),
    };
    match c.reply(&target, "On it!", "outbox-1").await {
        Err(PlatformError::RateLimited { wait }) => assert!(wait.as_secs() >= 60, "{wait:?}"),
        other => panic!("{other:?}"),
    }
    assert!(requests(&p, "POST").is_empty());
}

fn target_of(item: &hark::domain::NewItem) -> hark::platform::Target {
    hark::platform::Target {
        external_id: item.external_id.clone(),
        parent_external_id: item.parent_external_id.clone(),
        thread_external_id: item.thread_external_id.clone(),
        kind: item.kind,
        author_external_id: item.author.external_id.clone(),
        author_handle: item.author.handle.clone(),
        raw_json: item.raw_json.clone(),
    }
}

#[tokio::test]
async fn an_action_the_bots_roles_do_not_grant_is_refused_as_missing_permission() {
    let p = Discord::start().await;
    // The bot's role may delete and time out, not kick or ban; the channel denies the
    // bot's role Send Messages.
    p.state().bot_perms = MODERATOR & !(1 << 1) & !(1 << 2);
    p.state().overwrites = vec![json!({"id": BOT_ROLE, "type": 0, "allow": "0",
        "deny": (1u64 << 11).to_string()})];
    let c = p.connector_with("");
    let lines = c.permission_lines().await.unwrap();
    assert_eq!(
        lines,
        ["#help: read, delete, time out (not: reply, kick, ban)"]
    );
    let target = target_of(&p.target("block", 1));
    for (action, permission) in [
        (ModerationAction::BlockAuthor, "Ban Members"),
        (ModerationAction::KickAuthor, "Kick Members"),
    ] {
        match c.moderate(&target, action).await {
            Err(PlatformError::Permanent(e)) => {
                assert!(e.contains("missing permission"), "{e}");
                assert!(e.contains(permission), "{e}");
            }
            other => panic!("{other:?}"),
        }
    }
    match c.reply(&target, "hi", "outbox-1").await {
        Err(PlatformError::Permanent(e)) => {
            assert!(
                e.contains("missing permission") && e.contains("#help"),
                "{e}"
            )
        }
        other => panic!("{other:?}"),
    }
    assert!(requests(&p, "PUT").is_empty() && requests(&p, "POST").is_empty());
    // The server's admin grants Ban Members: the next ban reads the roles again and goes.
    p.state().bot_perms = MODERATOR;
    c.moderate(&target, ModerationAction::BlockAuthor)
        .await
        .unwrap();
    assert_eq!(p.copies("block").await, 1);
    // Discord's own refusal (a member above the bot's role): 403 code 50013.
    p.state().refused.insert(
        "mute".into(),
        discord_adapter::error(403, "missing_permissions"),
    );
    match c.moderate(&target, ModerationAction::MuteAuthor).await {
        Err(PlatformError::Permanent(e)) => {
            assert!(e.contains("missing permission (Discord 50013"), "{e}")
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_time_out_lasts_the_configured_time_and_a_second_kick_or_delete_is_done() {
    let p = Discord::start().await;
    let c = p.connector_with("");
    let target = target_of(&p.target("mute", 1));
    c.moderate(&target, ModerationAction::MuteAuthor)
        .await
        .unwrap();
    let patch = requests(&p, "PATCH");
    assert_eq!(
        patch,
        [format!(
            "PATCH /guilds/{GUILD}/members/{}",
            target.author_external_id
        )]
    );
    let (_, body) = p.state().bodies[0].clone();
    let until: jiff::Timestamp = body["communication_disabled_until"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let lasts = until.as_second() - hark::domain::now();
    assert!((3590..=3600).contains(&lasts), "{body}");
    for action in [ModerationAction::KickAuthor, ModerationAction::Delete] {
        c.moderate(&target, action.clone()).await.unwrap();
        c.moderate(&target, action).await.unwrap();
    }
    assert_eq!(p.copies("kick").await, 1);
    assert_eq!(p.copies("delete").await, 1);
}

#[tokio::test]
async fn text_withheld_without_the_message_content_intent_is_said_once_and_shown() {
    let p = Discord::start().await;
    p.state().content_intent = false;
    {
        let mut s = p.state();
        // Without the intent Discord sends content, embeds and attachments empty, except
        // in messages that mention the bot.
        s.push(message(0, "7001", "", T0));
        let mut pinged = message(0, "7003", &format!("<@{BOT}> where is my order?"), T0 + 120);
        pinged["mentions"] = json!([{"id": BOT, "username": "Nelly"}]);
        s.push(pinged);
    }
    let c = p.connector_with(r##"mode = "support""##);
    let page = c.fetch(None).await.unwrap();
    let bodies: Vec<&str> = page.items.iter().map(|i| i.body.as_str()).collect();
    assert_eq!(bodies, ["@Nelly where is my order?", WITHHELD]);
    let notice = c.take_notice().expect("a notice");
    assert!(
        notice.contains("1 message(s) arrived without their text"),
        "{notice}"
    );
    assert!(notice.contains("Message Content intent"), "{notice}");
    c.fetch(Some(&cursor_of(&page))).await.unwrap();
    assert_eq!(c.take_notice(), None, "said once");
    assert!(!c.content_intent().await.unwrap());
    p.state().content_intent = true;
    assert!(c.content_intent().await.unwrap());
}

#[tokio::test]
async fn a_resend_within_the_nonce_window_answers_the_first_message() {
    let p = Discord::start().await;
    p.state().nonce_window = true;
    let c = p.connector_with("");
    let target = target_of(&p.target("reply", 1));
    let first = c.reply(&target, "On it!", "outbox-9").await.unwrap();
    let again = c.reply(&target, "On it!", "outbox-9").await.unwrap();
    assert_eq!(first, again);
    assert_eq!(p.copies("reply").await, 1);
    let s = p.state();
    let sent = s.timeline.last().unwrap();
    assert_eq!(
        sent["message_reference"]["message_id"],
        target.external_id.as_str()
    );
    assert_eq!(sent["nonce"].as_str().map(str::len), Some(25));
}

#[tokio::test]
async fn after_the_nonce_window_the_channel_is_read_back_for_the_bots_reply() {
    let p = Discord::start().await;
    let c = p.connector_with("");
    let target = target_of(&p.target("reply", 1));
    // Others wrote after the item, and the bot answered someone else.
    {
        let mut s = p.state();
        s.push(message(0, "7002", "me too", T0));
        s.push(message(0, BOT, "On it!", T0 + 1));
    }
    assert_eq!(
        c.find_reply(&target, "On it!", "outbox-3").await.unwrap(),
        None,
        "the bot's same words to someone else are not this reply"
    );
    let sent = c.reply(&target, "On it!", "outbox-3").await.unwrap();
    assert_eq!(
        c.find_reply(&target, "On it!", "outbox-3").await.unwrap(),
        Some(sent.clone()),
        "found by its nonce"
    );
    assert_eq!(
        c.find_reply(&target, " On it! ", "another-key")
            .await
            .unwrap(),
        Some(sent),
        "or by the item it answers and its text"
    );
    assert!(requests(&p, "GET")
        .iter()
        .any(|r| r.contains(&format!("after={}", target.external_id))));
}

#[test]
fn account_add_checks_the_bot_shows_its_permissions_and_doctor_agrees() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let p = rt.block_on(Discord::start());
    p.state().bot_perms = MODERATOR & !(1 << 2);
    let temp = tempfile::tempdir().unwrap();
    let data = temp.path().join("data");
    let hark = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_hark"))
            .args(["--data-dir", data.to_str().unwrap()])
            .args(args)
            .env("HARK_TEST_DISCORD", "kit-bot-token")
            .output()
            .unwrap()
    };
    let api = format!("{}/api/v10", p.server.uri());
    let out = hark(&[
        "account",
        "add",
        "discord",
        "--guild",
        GUILD,
        "--token-env",
        "HARK_TEST_DISCORD",
        "--api",
        &api,
    ]);
    let block = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(block.contains("# signed in as the bot Nelly"), "{block}");
    assert!(block.contains("# Message Content intent: on"), "{block}");
    assert!(
        block.contains("#   #help: read, reply, delete, time out, kick (not: ban)"),
        "{block}"
    );
    assert!(block.contains("platform = \"discord\""), "{block}");
    assert!(
        block.contains(&format!("[account.discord]\nguild = \"{GUILD}\"")),
        "{block}"
    );
    assert!(!block.contains("kit-bot-token"));
    assert!(p.state().requests.iter().any(|r| r == "GET /users/@me"));

    // The printed block is a working config: the doctor checks the same things.
    let config = temp.path().join("config.toml");
    std::fs::write(&config, format!("brand = \"Acme\"\n{block}")).unwrap();
    p.state().content_intent = false;
    let out = hark(&["--config", config.to_str().unwrap(), "doctor"]);
    let report = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(report.contains("accepts the token (bot Nelly)"), "{report}");
    assert!(report.contains("Message Content intent off"), "{report}");
    assert!(
        report.contains("#help: read, reply, delete, time out, kick (not: ban)"),
        "{report}"
    );

    // A wrong token is refused by name.
    let out = hark(&[
        "account",
        "add",
        "discord",
        "--guild",
        GUILD,
        "--token-env",
        "HARK_TEST_UNSET_DISCORD",
        "--api",
        &api,
    ]);
    assert!(!out.status.success());
}

#[tokio::test]
async fn in_a_mentions_channel_pings_replies_to_the_bot_and_its_threads_become_items() {
    let p = Discord::start().await;
    let c = p.connector_with("");
    // The channel and its threads start empty: a first poll sets the cursors.
    let thread = |id: &str, owner: &str| {
        let mut t = fixture("thread.json")["threads"][0].clone();
        t["id"] = json!(id);
        t["guild_id"] = json!(GUILD);
        t["parent_id"] = json!(CHANNEL);
        t["owner_id"] = json!(owner);
        t
    };
    let (joined, other) = ("1170000000000000001", "1170000000000000002");
    {
        let mut s = p.state();
        s.threads = vec![thread(joined, "7001"), thread(other, "7002")];
        let mut member = fixture("thread.json")["members"][0].clone();
        member["id"] = json!(joined);
        member["user_id"] = json!(BOT);
        s.thread_members = vec![member];
    }
    let first = c.fetch(None).await.unwrap();
    assert!(first.items.is_empty());
    {
        let mut s = p.state();
        s.push(message(0, "7001", "lunch anyone?", T0));
        let bots = s.push(message(0, BOT, "We shipped the fix", T0 + 10));
        let mut reply = message(0, "7002", "not for me", T0 + 20);
        reply["type"] = json!(19);
        reply["message_reference"] = json!({"message_id": bots, "channel_id": CHANNEL});
        // A reply pings its author unless the sender turned that off.
        reply["mentions"] = json!([{"id": BOT, "username": "Nelly"}]);
        s.push(reply);
        let mut in_joined = message(0, "7003", "still broken?", T0 + 30);
        in_joined["channel_id"] = json!(joined);
        s.push(in_joined);
        let mut in_other = message(0, "7004", "still broken?", T0 + 40);
        in_other["channel_id"] = json!(other);
        s.push(in_other);
    }
    let mut cursor = cursor_of(&first);
    let mut items = Vec::new();
    loop {
        let page = c.fetch(Some(&cursor)).await.unwrap();
        items.extend(page.items.clone());
        cursor = cursor_of(&page);
        if !page.more {
            break;
        }
    }
    items.sort_by_key(|i| i.created_at);
    let got: Vec<(&str, ItemKind)> = items.iter().map(|i| (i.body.as_str(), i.kind)).collect();
    assert_eq!(
        got,
        [
            ("We shipped the fix", ItemKind::Post),
            ("not for me", ItemKind::Mention),
            ("still broken?", ItemKind::Comment),
        ]
    );
    assert_eq!(
        items[1].parent_external_id,
        Some(items[0].external_id.clone())
    );
    assert_eq!(items[2].thread_external_id.as_deref(), Some(joined));
    assert_eq!(items[2].parent_external_id.as_deref(), Some(joined));
    let positions: serde_json::Value = serde_json::from_str(&cursor).unwrap();
    assert!(positions[joined].is_string() && positions[other].is_string());
}

/// The list shows `#help` beside a Discord item: each page names the watched channels and
/// threads (from the listing hark reads anyway), and each item names the one it is in.
#[tokio::test]
async fn a_page_names_its_channels_and_threads_and_each_item_its_own() {
    let p = Discord::start().await;
    let c = p.connector_with("");
    let thread_id = "1170000000000000001";
    {
        let mut t = fixture("thread.json")["threads"][0].clone();
        t["id"] = json!(thread_id);
        t["guild_id"] = json!(GUILD);
        t["parent_id"] = json!(CHANNEL);
        p.state().threads = vec![t];
    }
    let first = c.fetch(None).await.unwrap();
    let rooms: Vec<(&str, &str)> = first
        .rooms
        .iter()
        .map(|r| (r.id.as_str(), r.label.as_str()))
        .collect();
    assert_eq!(
        rooms,
        [(CHANNEL, "#help"), (thread_id, "#help › don't buy dota-2")]
    );
    assert!(first.rooms.iter().all(|r| r.power.is_none()));
    p.publish(&[mention(1)]).await;
    {
        let mut s = p.state();
        let mut in_thread = message(0, "7003", "@Nelly still broken?", T0 + 30);
        in_thread["channel_id"] = json!(thread_id);
        in_thread["mentions"] = json!([{"id": BOT, "username": "Nelly"}]);
        s.push(in_thread);
    }
    let mut cursor = cursor_of(&first);
    let mut rooms = Vec::new();
    loop {
        let page = c.fetch(Some(&cursor)).await.unwrap();
        rooms.extend(page.items.iter().map(|i| (i.body.clone(), i.room.clone())));
        cursor = cursor_of(&page);
        if !page.more {
            break;
        }
    }
    rooms.sort();
    assert_eq!(
        rooms,
        [
            (
                "@Nelly contract mention 1".to_string(),
                Some(CHANNEL.to_string())
            ),
            (
                "@Nelly still broken?".to_string(),
                Some(thread_id.to_string())
            ),
        ]
    );
}

#[tokio::test]
async fn opening_an_item_reads_the_messages_around_it() {
    let p = Discord::start().await;
    let c = p.connector_with("");
    let (mention_id, answer) = {
        let mut s = p.state();
        let mut m = message(0, "7001", "<@1> where is my order?", T0);
        m["mentions"] = json!([{"id": BOT, "username": "Nelly"}]);
        let id = s.push(m);
        let a = s.push(message(0, BOT, "Checking now", T0 + 60));
        (id, a)
    };
    let page = c.fetch(None).await.unwrap();
    let item = page
        .items
        .iter()
        .find(|i| i.external_id == mention_id)
        .unwrap();
    let context = c.thread(&target_of(item)).await.unwrap();
    let ids: Vec<&str> = context.iter().map(|i| i.external_id.as_str()).collect();
    assert_eq!(ids, [mention_id.as_str(), answer.as_str()]);
    assert_eq!(context[1].kind, ItemKind::Post);
    assert!(requests(&p, "GET")
        .iter()
        .any(|r| r.contains(&format!("around={mention_id}"))));
}

#[tokio::test]
async fn a_thread_the_bot_may_not_read_is_skipped_and_named_not_the_round() {
    let p = Discord::start().await;
    let c = p.connector_with("");
    let private = "1170000000000000009";
    {
        let mut s = p.state();
        let mut t = fixture("thread.json")["threads"][0].clone();
        t["id"] = json!(private);
        t["parent_id"] = json!(CHANNEL);
        t["type"] = json!(12);
        t["name"] = json!("mods only");
        s.threads = vec![t];
        s.forbidden = vec![private.to_string()];
        let mut hidden = message(0, "7001", "psst", T0);
        hidden["channel_id"] = json!(private);
        s.push(hidden);
    }
    p.publish(&[mention(1)]).await;
    let page = c.fetch(None).await.unwrap();
    assert_eq!(page.items.len(), 1, "the channel's mention is read");
    let notice = c.take_notice().expect("a notice");
    assert!(notice.contains("cannot read #help › mods only"), "{notice}");
}

/// Undoes the header's percent-encoding.
fn percent_decoded(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

#[tokio::test]
async fn every_moderation_names_the_cm_in_the_servers_audit_log() {
    let p = Discord::start().await;
    let c = p.connector_with("");
    let target = target_of(&p.target("block", 1));
    for action in [
        ModerationAction::Delete,
        ModerationAction::MuteAuthor,
        ModerationAction::KickAuthor,
        ModerationAction::BlockAuthor,
    ] {
        c.moderate(&target, action).await.unwrap();
    }
    let audit = p.state().audit.clone();
    let got: Vec<(&str, String)> = audit
        .iter()
        .map(|(k, v)| (k.as_str(), percent_decoded(v)))
        .collect();
    assert_eq!(
        got,
        [
            ("delete", "hark: delete by sam".to_string()),
            ("mute", "hark: time out by sam".to_string()),
            ("kick", "hark: kick by sam".to_string()),
            ("block", "hark: ban by sam".to_string()),
        ]
    );
    assert!(audit[0].1.starts_with("hark%3A%20delete"), "{audit:?}");
    assert!(
        p.state().bodies.iter().all(|(k, _)| k != "reply"),
        "a reply carries no audit reason"
    );
}

#[tokio::test]
async fn a_reply_in_a_thread_archived_while_hark_was_away_is_read() {
    let p = Discord::start().await;
    let joined = "1170000000000000001";
    {
        let mut s = p.state();
        let mut t = fixture("thread.json")["threads"][0].clone();
        t["id"] = json!(joined);
        t["guild_id"] = json!(GUILD);
        t["parent_id"] = json!(CHANNEL);
        t["owner_id"] = json!(BOT);
        s.threads = vec![t];
    }
    let c = p.connector_with("");
    let first = c.fetch(None).await.unwrap();
    let cursor = cursor_of(&first);
    // A fan answers in the bot's thread; an hour without messages archives it, and only
    // then does hark (started again) poll.
    {
        let mut s = p.state();
        let mut answer = message(0, "7002", "any news on my refund?", T0);
        answer["channel_id"] = json!(joined);
        s.push(answer);
        let thread = s.threads.remove(0);
        s.archived.push(thread);
    }
    let c = p.connector_with("");
    let page = c.fetch(Some(&cursor)).await.unwrap();
    let got: Vec<(&str, ItemKind, Option<&str>)> = page
        .items
        .iter()
        .map(|i| (i.body.as_str(), i.kind, i.thread_external_id.as_deref()))
        .collect();
    assert_eq!(
        got,
        [("any news on my refund?", ItemKind::Comment, Some(joined))]
    );
    let archived = format!("GET /channels/{CHANNEL}/threads/archived/public");
    assert_eq!(requests(&p, &archived).len(), 2, "one listing per start");
    // Listed on a slow cadence: the next rounds use the last listing, and the thread,
    // quiet, costs no request.
    let before = requests(&p, &format!("GET /channels/{joined}/messages")).len();
    c.fetch(Some(&cursor_of(&page))).await.unwrap();
    assert_eq!(requests(&p, &archived).len(), 2);
    assert_eq!(
        requests(&p, &format!("GET /channels/{joined}/messages")).len(),
        before
    );
}

#[tokio::test]
async fn withheld_text_is_read_again_once_the_intent_is_on() {
    let p = Discord::start().await;
    p.state().content_intent = false;
    let hidden = p.state().push(message(0, "7001", "", T0));
    let c = p.connector_with(r##"mode = "support""##);
    let page = c.fetch(None).await.unwrap();
    assert_eq!(page.items[0].body, WITHHELD);
    let cursor = cursor_of(&page);
    assert!(
        cursor.contains(&format!("\"~{CHANNEL}\":\"{hidden}\"")),
        "{cursor}"
    );
    // The server's admin turns the intent on: Discord now sends the text, of new messages
    // and of the one stored without it.
    {
        let mut s = p.state();
        s.content_intent = true;
        let old = s.timeline.iter_mut().find(|m| m["id"] == hidden).unwrap();
        old["content"] = json!("my order never came");
        s.push(message(0, "7002", "hello?", T0 + 60));
    }
    let page = c.fetch(Some(&cursor)).await.unwrap();
    assert_eq!(page.items[0].body, "hello?");
    assert!(page.more, "the channel is read again at once");
    let mut cursor = cursor_of(&page);
    let mut again = Vec::new();
    loop {
        let page = c.fetch(Some(&cursor)).await.unwrap();
        cursor = cursor_of(&page);
        again.extend(page.items);
        if !page.more {
            break;
        }
    }
    let old = again
        .iter()
        .find(|i| i.external_id == hidden)
        .expect("read again");
    assert_eq!(old.body, "my order never came");
    assert!(!cursor.contains('~'), "{cursor}");
}
