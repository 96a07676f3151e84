//! Facebook and Instagram against a local Graph API replaying responses in the shapes of
//! Meta's reference (tests/fixtures/meta names each page): paging per edge, the look-back,
//! errors and their waits, the usage headers, the read-back before a resend, the token's
//! expiry and missing permissions.

use std::sync::Arc;
use std::time::Duration;

use hark::domain::{ItemKind, NewItem};
use hark::platform::meta::{MetaConnector, Network, Settings};
use hark::platform::{Connector, PlatformError, Target};
use hark::secrets::Secret;
use serde_json::{json, Value};
use wiremock::matchers::{method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

const PAGE: &str = "104000000000001";
const POST: &str = "104000000000001_880000000000002";
const OLD_POST: &str = "104000000000001_880000000000003";
const IG_USER: &str = "17841400000000001";
const MEDIA: &str = "17918195224117851";
const TOKEN: &str = "EAAtestTOKENvalue0123456789";
/// 2026-05-29 00:00 UTC: the fixtures' day after.
const NOW: i64 = 1_780_012_800;

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/meta/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(path).unwrap();
    let json: String = text
        .lines()
        .skip_while(|l| l.starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    serde_json::from_str(&json).unwrap()
}

fn ok(v: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(v)
}

fn connector(network: Network, server: &MockServer) -> MetaConnector {
    MetaConnector::new(Settings {
        network,
        server: server.uri(),
        version: "v21.0".into(),
        id: match network {
            Network::Facebook => PAGE.into(),
            Network::Instagram => IG_USER.into(),
        },
        handle: "nimbuscoffee".into(),
        token: Secret::new(TOKEN),
        lookback: Duration::from_secs(14 * 86_400),
        // DMs are proven on their own below.
        page: None,
        human_agent: false,
    })
    .unwrap()
    .with_clock(Arc::new(|| NOW))
}

async fn debug_token(server: &MockServer, data: Value) {
    let mut body = fixture("debug_token.json");
    if let Some(o) = data.as_object() {
        for (k, v) in o {
            body["data"][k] = v.clone();
        }
    }
    Mock::given(path("/v21.0/debug_token"))
        .respond_with(ok(body))
        .mount(server)
        .await;
}

/// Every page of a round, until the connector says it is caught up.
async fn round(c: &MetaConnector, mut cursor: Option<String>) -> (Vec<NewItem>, Option<String>) {
    let mut items = Vec::new();
    for _ in 0..50 {
        let page = c.fetch(cursor.as_deref()).await.unwrap();
        items.extend(page.items);
        cursor = page.next_cursor;
        if !page.more {
            return (items, cursor);
        }
    }
    panic!("the round never ended");
}

fn ids(items: &[NewItem]) -> Vec<&str> {
    items.iter().map(|i| i.external_id.as_str()).collect()
}

fn comment(id: &str, at: &str, from: &str, message: &str) -> Value {
    let mut c = fixture("post_comments.json")["data"][0].clone();
    c["id"] = json!(id);
    c["created_time"] = json!(at);
    c["from"] = json!({"id": from, "name": "Ana Lima"});
    c["message"] = json!(message);
    c
}

/// The feed pages by `after` and stops at the look-back; each post's comments page by
/// `after` too, and a comment's replies point at it.
#[tokio::test]
async fn facebook_pages_each_edge_by_its_after_cursor_down_to_the_look_back() {
    let server = MockServer::start().await;
    debug_token(&server, json!({})).await;
    let mut feed1 = fixture("page_feed.json");
    feed1["data"][0]["id"] = json!(POST);
    let mut visitor = feed1["data"][0].clone();
    visitor["id"] = json!("104000000000001_880000000000009");
    visitor["from"] = json!({"id": "6200000000000777", "name": "Rui"});
    visitor["message"] = json!("Do you deliver to Braga?");
    visitor["created_time"] = json!("2026-05-27T12:00:00+0000");
    visitor["updated_time"] = json!("2026-05-27T12:00:00+0000");
    feed1["data"] = json!([feed1["data"][0].clone(), visitor]);
    Mock::given(path(format!("/v21.0/{PAGE}/feed")))
        .and(query_param_is_missing("after"))
        .respond_with(ok(feed1))
        .expect(1)
        .mount(&server)
        .await;
    let mut feed2 = fixture("page_feed.json");
    feed2["data"][0]["id"] = json!(OLD_POST);
    // Older than the 14-day look-back: the walk ends here, whatever comes after it.
    feed2["data"][0]["created_time"] = json!("2026-05-01T09:00:00+0000");
    feed2["data"][0]["updated_time"] = json!("2026-05-28T23:00:00+0000");
    Mock::given(path(format!("/v21.0/{PAGE}/feed")))
        .and(query_param("after", "QVFIUmZAfeedAfter"))
        .respond_with(ok(feed2))
        .expect(1)
        .mount(&server)
        .await;
    let mut page1 = fixture("post_comments.json");
    page1["data"] = json!([comment(
        "880000000000002_5502",
        "2026-05-28T09:38:00+0000",
        "6200000000000302",
        "Me too, whole beans please"
    )]);
    page1["data"][0]["parent"] = json!({"id": "880000000000002_5501"});
    Mock::given(path(format!("/v21.0/{POST}/comments")))
        .and(query_param("filter", "stream"))
        .and(query_param("order", "reverse_chronological"))
        .and(query_param_is_missing("after"))
        .respond_with(ok(page1))
        .expect(1)
        .mount(&server)
        .await;
    let mut page2 = fixture("post_comments.json");
    page2.as_object_mut().unwrap().remove("paging");
    Mock::given(path(format!("/v21.0/{POST}/comments")))
        .and(query_param("after", "NDMyNzQyODI3OTQw"))
        .respond_with(ok(page2))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/v21.0/104000000000001_880000000000009/comments"))
        .respond_with(ok(json!({"data": []})))
        .mount(&server)
        .await;
    Mock::given(path(format!("/v21.0/{PAGE}/tagged")))
        .respond_with(ok(json!({"data": []})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path(format!("/v21.0/{OLD_POST}/comments")))
        .respond_with(ok(json!({"data": []})))
        .expect(0)
        .mount(&server)
        .await;
    let c = connector(Network::Facebook, &server);
    let (items, cursor) = round(&c, None).await;
    assert_eq!(
        ids(&items),
        [
            "104000000000001_880000000000009",
            "880000000000002_5502",
            "880000000000002_5501"
        ]
    );
    assert_eq!(items[0].kind, ItemKind::Mention, "a visitor post");
    assert_eq!(
        items[1].parent_external_id.as_deref(),
        Some("880000000000002_5501")
    );
    assert_eq!(items[2].thread_external_id.as_deref(), Some(POST));
    assert!(cursor.unwrap().starts_with("graph1:"));
}

/// A second round reads the comments only down to the first round's mark: a post whose
/// `updated_time` is below it is not opened at all.
#[tokio::test]
async fn a_later_round_opens_only_posts_updated_since_the_mark() {
    let server = MockServer::start().await;
    debug_token(&server, json!({})).await;
    let mut feed = fixture("page_feed.json");
    feed["data"][0]["id"] = json!(POST);
    feed.as_object_mut().unwrap().remove("paging");
    Mock::given(path(format!("/v21.0/{PAGE}/feed")))
        .respond_with(ok(feed))
        .mount(&server)
        .await;
    let mut comments = fixture("post_comments.json");
    comments.as_object_mut().unwrap().remove("paging");
    Mock::given(path(format!("/v21.0/{POST}/comments")))
        .respond_with(ok(comments))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path(format!("/v21.0/{PAGE}/tagged")))
        .respond_with(ok(json!({"data": []})))
        .mount(&server)
        .await;
    let c = connector(Network::Facebook, &server);
    let (first, cursor) = round(&c, None).await;
    assert_eq!(first.len(), 1);
    // The post was last updated at 09:40: with the comments mark an hour later (a later
    // comment elsewhere), nothing on it can be new and it is not opened.
    let mut state: Value =
        serde_json::from_str(cursor.as_deref().unwrap().strip_prefix("graph1:").unwrap()).unwrap();
    state["marks"]["comments"] = json!(1_779_962_400 + 3600);
    let cursor = format!("graph1:{state}");
    let (second, _) = round(&c, Some(cursor)).await;
    assert!(second.is_empty(), "{second:?}");
}

/// Instagram lists media by `after`, reads a media's comments (and their replies) only
/// when its `comments_count` changed, and pages the comments by `after`.
#[tokio::test]
async fn instagram_reads_a_media_again_only_when_its_comment_count_changes() {
    let server = MockServer::start().await;
    debug_token(&server, json!({})).await;
    // The media list pages by `after`; a media older than the look-back ends it, and its
    // comments are never read.
    Mock::given(path(format!("/v21.0/{IG_USER}/media")))
        .and(query_param_is_missing("after"))
        .respond_with(ok(fixture("ig_media.json")))
        .mount(&server)
        .await;
    let mut old = fixture("ig_media.json");
    old["data"][0]["id"] = json!("17918195224117000");
    old["data"][0]["timestamp"] = json!("2026-04-01T09:00:00+0000");
    Mock::given(path(format!("/v21.0/{IG_USER}/media")))
        .and(query_param("after", "QVFIUmVkaHBfmediaAfter"))
        .respond_with(ok(old))
        .mount(&server)
        .await;
    Mock::given(path("/v21.0/17918195224117000/comments"))
        .respond_with(ok(json!({"data": []})))
        .expect(0)
        .mount(&server)
        .await;
    let mut page1 = fixture("ig_comments.json");
    page1["data"][0]["replies"] = json!({"data": [{
        "id": "17873440459141099", "text": "Yes, since Monday!", "timestamp": "2026-05-28T09:31:00+0000",
        "username": "nimbuscoffee", "from": {"id": IG_USER, "username": "nimbuscoffee"}, "hidden": false,
        "parent_id": "17873440459141021"}]});
    Mock::given(path(format!("/v21.0/{MEDIA}/comments")))
        .and(query_param_is_missing("after"))
        .respond_with(ok(page1))
        .expect(1)
        .mount(&server)
        .await;
    let mut page2 = fixture("ig_comments.json");
    page2["data"][0]["id"] = json!("17870913679156914");
    page2["data"][0]["text"] = json!("This is awesome!");
    page2.as_object_mut().unwrap().remove("paging");
    Mock::given(path(format!("/v21.0/{MEDIA}/comments")))
        .and(query_param("after", "QVFIUkNhZAcommentsAfter"))
        .respond_with(ok(page2))
        .expect(1)
        .mount(&server)
        .await;
    let mut tagged = fixture("ig_tags.json");
    tagged.as_object_mut().unwrap().remove("paging");
    Mock::given(path(format!("/v21.0/{IG_USER}/tags")))
        .respond_with(ok(tagged))
        .expect(2)
        .mount(&server)
        .await;
    let c = connector(Network::Instagram, &server);
    let (items, cursor) = round(&c, None).await;
    // Media the account is tagged in are mentions.
    let (tagged, items): (Vec<NewItem>, Vec<NewItem>) =
        items.into_iter().partition(|i| i.kind == ItemKind::Mention);
    assert_eq!(ids(&tagged), ["17895695668004550"]);
    assert_eq!(tagged[0].author.handle, "@ana.lima");
    assert_eq!(
        ids(&items),
        [
            "17873440459141021",
            "17873440459141099",
            "17870913679156914"
        ]
    );
    assert_eq!(
        items[1].kind,
        ItemKind::Post,
        "the account's own reply is context"
    );
    assert_eq!(
        items[1].parent_external_id.as_deref(),
        Some("17873440459141021")
    );
    // Same count next round: the media is not read again (the mocks expect one call each).
    let (again, _) = round(&c, cursor).await;
    // Only the tagged media comes again, inside the mark's overlap (the store keeps it once).
    assert_eq!(ids(&again), ["17895695668004550"]);
}

/// An expired token (190/463) is an authentication failure that says what to do, and the
/// token never appears in it, even when Graph quotes it.
#[tokio::test]
async fn an_expired_token_is_named_and_never_quoted() {
    let server = MockServer::start().await;
    debug_token(&server, json!({})).await;
    let mut expired = fixture("error_expired_token.json");
    expired["error"]["message"] = json!(format!(
        "Error validating access token: Session has expired ({TOKEN})"
    ));
    Mock::given(path(format!("/v21.0/{PAGE}/feed")))
        .respond_with(ResponseTemplate::new(400).set_body_json(expired))
        .mount(&server)
        .await;
    let c = connector(Network::Facebook, &server);
    match c.fetch(None).await {
        Err(PlatformError::Auth(text)) => {
            assert!(text.contains("Graph error 190/463"), "{text}");
            assert!(text.contains("expired"), "{text}");
            assert!(!text.contains(TOKEN), "{text}");
        }
        other => panic!("{other:?}"),
    }
    // A missing permission (200) is named too.
    let server = MockServer::start().await;
    debug_token(&server, json!({})).await;
    Mock::given(path(format!("/v21.0/{PAGE}/feed")))
        .respond_with(
            ResponseTemplate::new(403).set_body_json(fixture("error_missing_permission.json")),
        )
        .mount(&server)
        .await;
    match connector(Network::Facebook, &server).fetch(None).await {
        Err(PlatformError::Auth(text)) => {
            assert!(text.contains("pages_manage_engagement"), "{text}")
        }
        other => panic!("{other:?}"),
    }
}

/// Each throttling code is waited out: the wait the usage headers estimate, else the
/// code's own.
#[tokio::test]
async fn each_throttling_code_waits_its_own_time() {
    let buc = r#"{"104000000000001":[{"type":"pages","call_count":100,"total_cputime":5,"total_time":5,"estimated_time_to_regain_access":3}]}"#;
    let cases: [(i64, Option<&str>, u64); 7] = [
        (4, None, 900),
        (17, None, 900),
        (32, None, 900),
        (613, None, 300),
        (80001, None, 900),
        (32, Some(buc), 180),
        (80004, Some(buc), 180),
    ];
    for (code, header, wait) in cases {
        let server = MockServer::start().await;
        debug_token(&server, json!({})).await;
        let mut body = fixture("error_throttled.json");
        body["error"]["code"] = json!(code);
        let mut answer = ResponseTemplate::new(400).set_body_json(body);
        if let Some(h) = header {
            answer = answer.insert_header("x-business-use-case-usage", h);
        }
        Mock::given(path(format!("/v21.0/{PAGE}/feed")))
            .respond_with(answer)
            .mount(&server)
            .await;
        match connector(Network::Facebook, &server).fetch(None).await {
            Err(PlatformError::RateLimited { wait: w }) => {
                assert_eq!(w.as_secs(), wait, "code {code} with {header:?}")
            }
            other => panic!("code {code}: {other:?}"),
        }
    }
}

/// Usage climbing past 75% spaces reads out before any limit answer: the next read waits
/// without reaching Graph, and the status bar's budget shows what is left.
#[tokio::test]
async fn usage_headers_slow_polling_before_the_limit() {
    let server = MockServer::start().await;
    debug_token(&server, json!({})).await;
    let mut feed = fixture("page_feed.json");
    feed["data"] = json!([]);
    feed.as_object_mut().unwrap().remove("paging");
    Mock::given(path(format!("/v21.0/{PAGE}/feed")))
        .respond_with(ok(feed).insert_header(
            "x-app-usage",
            r#"{"call_count":85,"total_time":20,"total_cputime":20}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    let c = connector(Network::Facebook, &server);
    let first = c.fetch(None).await.unwrap();
    assert!(first.more);
    assert_eq!(c.rate_remaining(), Some((15, 100)));
    match c.fetch(first.next_cursor.as_deref()).await {
        // 85% is half-way from 75% to 95%: half of the ten-minute pause.
        Err(PlatformError::RateLimited { wait }) => {
            assert!((299..=300).contains(&wait.as_secs()), "{wait:?}")
        }
        other => panic!("{other:?}"),
    }
}

fn target(id: &str, parent: &str, thread: &str) -> Target {
    Target {
        external_id: id.into(),
        parent_external_id: Some(parent.into()),
        thread_external_id: Some(thread.into()),
        kind: ItemKind::Comment,
        author_external_id: "6200000000000301".into(),
        author_handle: "Ana Lima".into(),
        raw_json: None,
    }
}

/// Before a resend, the comment's replies are read back (across pages) for the brand's
/// own text; someone else's identical text does not count.
#[tokio::test]
async fn the_read_back_finds_the_brands_reply_across_pages() {
    let server = MockServer::start().await;
    let comment_id = "880000000000002_5501";
    let mut page1 = fixture("post_comments.json");
    page1["data"] = json!([comment(
        "880000000000002_7001",
        "2026-05-28T10:00:00+0000",
        "6200000000000999",
        "Thanks, we are on it"
    )]);
    Mock::given(path(format!("/v21.0/{comment_id}/comments")))
        .and(query_param_is_missing("after"))
        .respond_with(ok(page1))
        .mount(&server)
        .await;
    let mut page2 = fixture("post_comments.json");
    page2["data"] = json!([comment(
        "880000000000002_7000",
        "2026-05-28T09:59:00+0000",
        PAGE,
        "Thanks, we are on it"
    )]);
    page2.as_object_mut().unwrap().remove("paging");
    Mock::given(path(format!("/v21.0/{comment_id}/comments")))
        .and(query_param("after", "NDMyNzQyODI3OTQw"))
        .respond_with(ok(page2))
        .mount(&server)
        .await;
    let c = connector(Network::Facebook, &server);
    // A reply to a reply is read back (and posted) under its top-level comment.
    let t = target("880000000000002_5502", comment_id, POST);
    assert_eq!(
        c.find_reply(&t, " Thanks, we are on it ", "key")
            .await
            .unwrap()
            .as_deref(),
        Some("880000000000002_7000")
    );
    assert_eq!(
        c.find_reply(&t, "Something else", "key").await.unwrap(),
        None
    );
    assert!(!c.dedups_replies());
}

/// Replies go to the top-level comment on both networks; moderation uses each network's
/// field (`is_hidden` on Facebook, `hide` on Instagram), and blocking goes to the Page.
#[tokio::test]
async fn replies_and_moderation_reach_the_documented_endpoints() {
    use hark::platform::ModerationAction;
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v21.0/880000000000002_5501/comments"))
        .respond_with(ok(json!({"id": "880000000000002_7002"})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v21.0/880000000000002_5502"))
        .and(wiremock::matchers::body_string("is_hidden=true"))
        .respond_with(ok(json!({"success": true})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("/v21.0/{PAGE}/blocked")))
        .and(wiremock::matchers::body_string("user=6200000000000301"))
        .respond_with(ok(json!({"6200000000000301": true})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v21.0/17873440459141021/replies"))
        .respond_with(ok(json!({"id": "17873440459141100"})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v21.0/17873440459141021"))
        .and(wiremock::matchers::body_string("hide=false"))
        .respond_with(ok(json!({"success": true})))
        .expect(1)
        .mount(&server)
        .await;
    let fb = connector(Network::Facebook, &server);
    let reply_to_reply = target("880000000000002_5502", "880000000000002_5501", POST);
    assert_eq!(
        fb.reply(&reply_to_reply, "On its way", "k").await.unwrap(),
        "880000000000002_7002"
    );
    fb.moderate(&reply_to_reply, ModerationAction::Hide)
        .await
        .unwrap();
    fb.moderate(&reply_to_reply, ModerationAction::BlockAuthor)
        .await
        .unwrap();
    let ig = connector(Network::Instagram, &server);
    let top = target("17873440459141021", MEDIA, MEDIA);
    assert_eq!(
        ig.reply(&top, "Yes!", "k").await.unwrap(),
        "17873440459141100"
    );
    ig.moderate(&top, ModerationAction::Unhide).await.unwrap();
    assert!(matches!(
        ig.moderate(&top, ModerationAction::BlockAuthor).await,
        Err(PlatformError::Unsupported(_))
    ));
}

/// A token ending within a week is said once to the status bar.
#[tokio::test]
async fn a_token_expiring_within_a_week_is_announced_once() {
    let server = MockServer::start().await;
    debug_token(&server, json!({"expires_at": NOW + 3 * 86_400 + 60})).await;
    let mut feed = fixture("page_feed.json");
    feed["data"] = json!([]);
    feed.as_object_mut().unwrap().remove("paging");
    Mock::given(path(format!("/v21.0/{PAGE}/feed")))
        .respond_with(ok(feed))
        .mount(&server)
        .await;
    let c = connector(Network::Facebook, &server);
    c.fetch(None).await.unwrap();
    let notice = c.take_notice().expect("a notice");
    assert!(notice.starts_with("facebook token expires"), "{notice}");
    assert!(notice.contains("(in 3 days)"), "{notice}");
    c.fetch(None).await.unwrap();
    assert_eq!(c.take_notice(), None, "said once");
}

/// The post a comment is on, and the comments around it, when the CM opens it.
#[tokio::test]
async fn opening_a_comment_brings_its_post_and_the_comments_around_it() {
    let server = MockServer::start().await;
    let mut post = fixture("page_feed.json")["data"][0].clone();
    post["id"] = json!(POST);
    Mock::given(path(format!("/v21.0/{POST}")))
        .respond_with(ok(post))
        .mount(&server)
        .await;
    let mut comments = fixture("post_comments.json");
    comments.as_object_mut().unwrap().remove("paging");
    Mock::given(path(format!("/v21.0/{POST}/comments")))
        .respond_with(ok(comments))
        .mount(&server)
        .await;
    let c = connector(Network::Facebook, &server);
    let items = c
        .thread(&target("880000000000002_5501", POST, POST))
        .await
        .unwrap();
    assert_eq!(ids(&items), [POST, "880000000000002_5501"]);
    assert_eq!(items[0].kind, ItemKind::Post);
}

const CONVERSATION: &str = "t_10161234567890123";
/// The fixture's inbound message: 2026-05-28 10:00 UTC.
const INBOUND: i64 = 1_779_962_400;

fn dm_target() -> Target {
    let raw = fixture("conversations.json")["data"][0]["messages"]["data"][1].clone();
    Target {
        external_id: "m_AbC-1".into(),
        parent_external_id: None,
        thread_external_id: Some(CONVERSATION.into()),
        kind: ItemKind::Dm,
        author_external_id: "7300000000000501".into(),
        author_handle: "Ana Lima".into(),
        raw_json: Some(raw.to_string()),
    }
}

fn dm_connector(server: &MockServer, now: i64, human_agent: bool) -> MetaConnector {
    MetaConnector::new(Settings {
        network: Network::Facebook,
        server: server.uri(),
        version: "v21.0".into(),
        id: PAGE.into(),
        handle: "Nimbus Coffee".into(),
        token: Secret::new(TOKEN),
        lookback: Duration::from_secs(14 * 86_400),
        page: Some(PAGE.into()),
        human_agent,
    })
    .unwrap()
    .with_clock(Arc::new(move || now))
}

async fn conversation_answer(server: &MockServer) {
    let conversation = fixture("conversations.json")["data"][0].clone();
    Mock::given(method("GET"))
        .and(path(format!("/v21.0/{CONVERSATION}")))
        .respond_with(ok(conversation))
        .mount(server)
        .await;
}

/// Messenger conversations come in as DMs, the Page's own messages as context.
#[tokio::test]
async fn messenger_conversations_are_read_as_direct_messages() {
    let server = MockServer::start().await;
    debug_token(&server, json!({})).await;
    let mut feed = fixture("page_feed.json");
    feed["data"] = json!([]);
    feed.as_object_mut().unwrap().remove("paging");
    Mock::given(path(format!("/v21.0/{PAGE}/feed")))
        .respond_with(ok(feed))
        .mount(&server)
        .await;
    Mock::given(path(format!("/v21.0/{PAGE}/tagged")))
        .respond_with(ok(json!({"data": []})))
        .mount(&server)
        .await;
    let mut first = fixture("conversations.json");
    first["paging"]["next"] = json!("https://graph.example/next");
    Mock::given(path(format!("/v21.0/{PAGE}/conversations")))
        .and(query_param("platform", "messenger"))
        .and(query_param_is_missing("after"))
        .respond_with(ok(first))
        .expect(1)
        .mount(&server)
        .await;
    let mut second = fixture("conversations.json");
    second["data"][0]["id"] = json!("t_10161234567890999");
    second["data"][0]["updated_time"] = json!("2026-05-27T08:00:00+0000");
    second["data"][0]["messages"]["data"] = json!([{
        "id": "m_XyZ-1", "message": "Do you ship to Porto?",
        "from": {"id": "7300000000000777", "name": "Rui"}, "created_time": "2026-05-27T08:00:00+0000"}]);
    Mock::given(path(format!("/v21.0/{PAGE}/conversations")))
        .and(query_param("after", "QVFIU2conversationsAfter"))
        .respond_with(ok(second))
        .expect(1)
        .mount(&server)
        .await;
    let c = dm_connector(&server, NOW, false);
    let (items, _) = round(&c, None).await;
    assert_eq!(ids(&items), ["m_AbC-2", "m_AbC-1", "m_XyZ-1"]);
    assert_eq!(items[1].kind, ItemKind::Dm);
    assert_eq!(items[0].kind, ItemKind::Post);
    assert_eq!(items[1].thread_external_id.as_deref(), Some(CONVERSATION));
    assert!(c.capabilities().direct_messages);
}

/// A token without the messaging permission still reads comments; the status bar hears
/// once why DMs do not come in.
#[tokio::test]
async fn without_the_messaging_permission_comments_still_come_and_the_cm_hears_why() {
    let server = MockServer::start().await;
    debug_token(&server, json!({})).await;
    let mut feed = fixture("page_feed.json");
    feed["data"][0]["id"] = json!(POST);
    feed.as_object_mut().unwrap().remove("paging");
    Mock::given(path(format!("/v21.0/{PAGE}/feed")))
        .respond_with(ok(feed))
        .mount(&server)
        .await;
    let mut comments = fixture("post_comments.json");
    comments.as_object_mut().unwrap().remove("paging");
    Mock::given(path(format!("/v21.0/{POST}/comments")))
        .respond_with(ok(comments))
        .mount(&server)
        .await;
    Mock::given(path(format!("/v21.0/{PAGE}/tagged")))
        .respond_with(ok(json!({"data": []})))
        .mount(&server)
        .await;
    let mut refused = fixture("error_missing_permission.json");
    refused["error"]["message"] =
        json!("(#200) Requires pages_messaging permission to manage the object");
    Mock::given(path(format!("/v21.0/{PAGE}/conversations")))
        .respond_with(ResponseTemplate::new(403).set_body_json(refused))
        .mount(&server)
        .await;
    let c = dm_connector(&server, NOW, false);
    let (items, cursor) = round(&c, None).await;
    assert_eq!(ids(&items), ["880000000000002_5501"]);
    let notice = c.take_notice().expect("a notice");
    assert!(
        notice.starts_with("facebook direct messages unavailable"),
        "{notice}"
    );
    assert!(notice.contains("pages_messaging"), "{notice}");
    round(&c, cursor).await;
    assert_eq!(c.take_notice(), None, "said once");
}

/// Inside 24 hours of the person's last message a DM is a standard `RESPONSE`.
#[tokio::test]
async fn a_dm_inside_the_day_goes_out_as_a_response() {
    let server = MockServer::start().await;
    conversation_answer(&server).await;
    Mock::given(method("POST"))
        .and(path(format!("/v21.0/{PAGE}/messages")))
        .and(wiremock::matchers::body_partial_json(json!({
            "recipient": {"id": "7300000000000501"},
            "messaging_type": "RESPONSE",
            "message": {"text": "Sorry! A new one is on its way."}
        })))
        .respond_with(ok(fixture("send_message.json")))
        .expect(1)
        .mount(&server)
        .await;
    let c = dm_connector(&server, INBOUND + 3600, false);
    let id = c
        .reply(&dm_target(), "Sorry! A new one is on its way.", "k")
        .await
        .unwrap();
    assert_eq!(id, "m_AbC-3");
}

/// Past 24 hours, an app with the Human Agent permission answers with the tag; without
/// it the DM is refused with the reason and nothing reaches Graph's Send API.
#[tokio::test]
async fn past_the_day_a_dm_needs_the_human_agent_tag_or_is_refused() {
    let server = MockServer::start().await;
    conversation_answer(&server).await;
    Mock::given(method("POST"))
        .and(path(format!("/v21.0/{PAGE}/messages")))
        .and(wiremock::matchers::body_partial_json(json!({
            "messaging_type": "MESSAGE_TAG",
            "tag": "HUMAN_AGENT"
        })))
        .respond_with(ok(fixture("send_message.json")))
        .expect(1)
        .mount(&server)
        .await;
    let two_days = INBOUND + 2 * 86_400;
    let tagged = dm_connector(&server, two_days, true);
    tagged
        .reply(&dm_target(), "Checking now", "k")
        .await
        .unwrap();
    let plain = dm_connector(&server, two_days, false);
    match plain.reply(&dm_target(), "Checking now", "k").await {
        Err(PlatformError::Permanent(reason)) => {
            assert!(reason.contains("24-hour messaging window"), "{reason}");
            assert!(reason.contains("2d 0h ago"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    // The composer hears the same before anything is queued.
    let window = plain.messaging_window(INBOUND, two_days).unwrap();
    assert!(window.refusal().is_some());
    let open = tagged.messaging_window(INBOUND, two_days).unwrap();
    assert_eq!(
        open.describe(two_days),
        "past the 24-hour window: sent with the human-agent tag, open 5d 0h"
    );
}

/// A DM whose send is uncertain is read back from the conversation: the brand's message
/// with that text, sent after the one answered.
#[tokio::test]
async fn the_read_back_of_a_dm_looks_in_its_conversation() {
    let server = MockServer::start().await;
    conversation_answer(&server).await;
    let c = dm_connector(&server, INBOUND + 600, false);
    assert_eq!(
        c.find_reply(&dm_target(), "We can hold one for you until Friday.", "k")
            .await
            .unwrap()
            .as_deref(),
        Some("m_AbC-2")
    );
    assert_eq!(
        c.find_reply(&dm_target(), "Other text", "k").await.unwrap(),
        None
    );
    // Opening the DM shows its conversation, oldest first.
    let thread = c.thread(&dm_target()).await.unwrap();
    assert_eq!(ids(&thread), ["m_AbC-1", "m_AbC-2"]);
}
