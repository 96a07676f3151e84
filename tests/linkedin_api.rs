//! The LinkedIn connector against a local server replaying responses shaped as LinkedIn's
//! API reference documents them (tests/fixtures/linkedin/, each naming its page): comments
//! and their replies with paging, mentions of the organization from its notifications
//! (paged, each read once across overlapping windows, answered where they were written),
//! a refused access, a 429, a nested reply with read-back, deleting the organization's own
//! comment, token refresh and `hark account add linkedin`.

use std::path::Path;
use std::sync::Arc;

use hark::domain::ItemKind;
use hark::platform::linkedin::token::{self, Auth, TokenStore, Tokens};
use hark::platform::linkedin::{setup, LinkedInConnector, LinkedInSettings};
use hark::platform::{Connector, ModerationAction, PlatformError, Target};
use hark::secrets::Secret;
use serde_json::Value;
use wiremock::matchers::{
    body_partial_json, body_string_contains, header, method, path, query_param,
};
use wiremock::{Mock, MockServer, ResponseTemplate};

const ORG: &str = "urn:li:organization:2414183";
const POST: &str = "/rest/socialActions/urn%3Ali%3Ashare%3A7140000000000000001/comments";
const ASKING: &str = "urn:li:comment:(urn:li:activity:7140000000000000000,7140000000000000101)";
const WAITING: &str = "urn:li:comment:(urn:li:activity:7140000000000000000,7140000000000000102)";
const NOTIFICATIONS: &str = "/rest/organizationalEntityNotifications";
/// A round's comments phase from its first post, no notification read yet: where a round
/// goes once its notifications are read.
const COMMENTS: &str = "c:-:0:0";
const MENTIONING_POST: &str = "urn:li:share:7150000000000000010";
const MENTIONING_COMMENT: &str =
    "urn:li:comment:(urn:li:activity:7150000000000000020,7150000000000000031)";

fn fixture(name: &str) -> Value {
    let text = std::fs::read_to_string(format!(
        "{}/tests/fixtures/linkedin/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let mut v: Value = serde_json::from_str(&text).unwrap();
    v.as_object_mut().unwrap().remove("_source");
    v
}

fn json(name: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(fixture(name))
}

fn settings() -> LinkedInSettings {
    LinkedInSettings {
        organization: ORG.into(),
        version: "202510".into(),
        posts: 10,
        // The fixtures are dated in the past: all of it is within reach.
        lookback: std::time::Duration::from_secs(20 * 365 * 86_400),
    }
}

fn connector(server: &MockServer) -> LinkedInConnector {
    LinkedInConnector::new(
        &server.uri(),
        settings(),
        Auth::Fixed(Secret::new("li-access-1")),
    )
    .unwrap()
}

fn encoded(urn: &str) -> String {
    url::form_urlencoded::byte_serialize(urn.as_bytes()).collect()
}

async fn posts(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path("/rest/posts"))
        .and(query_param("author", ORG))
        .and(query_param("q", "author"))
        .respond_with(json("posts_by_author.json"))
        .mount(server)
        .await;
}

/// The organization's notifications hold nothing.
async fn no_notifications(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path(NOTIFICATIONS))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            serde_json::json!({"paging": {"start": 0, "count": 50, "links": []}, "elements": []}),
        ))
        .mount(server)
        .await;
}

fn target(urn: &str, parent: Option<&str>) -> Target {
    Target {
        external_id: urn.into(),
        parent_external_id: parent.map(str::to_string),
        thread_external_id: Some("urn:li:share:7140000000000000001".into()),
        kind: ItemKind::Comment,
        author_external_id: "urn:li:person:Zq81PkWm0c".into(),
        author_handle: "urn:li:person:Zq81PkWm0c".into(),
        raw_json: None,
    }
}

#[tokio::test]
async fn comments_and_their_replies_arrive_page_by_page_with_the_versioned_headers() {
    let server = MockServer::start().await;
    posts(&server).await;
    Mock::given(method("GET"))
        .and(path(POST))
        .and(query_param("start", "0"))
        .and(header("LinkedIn-Version", "202510"))
        .and(header("X-Restli-Protocol-Version", "2.0.0"))
        .and(header("authorization", "Bearer li-access-1"))
        .respond_with(json("comments_page1.json"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(POST))
        .and(query_param("start", "2"))
        .respond_with(json("comments_page2.json"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!(
            "/rest/socialActions/{}/comments",
            encoded(ASKING)
        )))
        .respond_with(json("comment_replies.json"))
        .expect(1)
        .mount(&server)
        .await;
    no_notifications(&server).await;
    let c = connector(&server);
    let mentions = c.fetch(None).await.unwrap();
    assert!(mentions.items.is_empty() && mentions.more);
    assert_eq!(mentions.next_cursor.as_deref(), Some(COMMENTS));
    let first = c.fetch(mentions.next_cursor.as_deref()).await.unwrap();
    let got: Vec<_> = first
        .items
        .iter()
        .map(|i| {
            (
                i.external_id.as_str(),
                i.kind,
                i.parent_external_id.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                ASKING,
                ItemKind::Comment,
                Some("urn:li:share:7140000000000000001")
            ),
            (
                "urn:li:comment:(urn:li:activity:7140000000000000000,7140000000000000201)",
                ItemKind::Post,
                Some(ASKING)
            ),
            (
                WAITING,
                ItemKind::Comment,
                Some("urn:li:share:7140000000000000001")
            ),
        ],
        "comments, and the organization's reply nested under the comment it answers"
    );
    assert_eq!(first.items[0].created_at, 1_702_563_600);
    assert!(first.more);
    assert_eq!(first.next_cursor.as_deref(), Some("c:-:0:2"));
    let second = c.fetch(first.next_cursor.as_deref()).await.unwrap();
    assert_eq!(second.items.len(), 1);
    assert_eq!(second.items[0].body, "Best blend this year.");
    assert!(!second.more, "one post: the round is through");
    assert_eq!(second.next_cursor.as_deref(), Some("r:-"), "the next round");
}

#[tokio::test]
async fn a_refused_access_names_the_community_management_approval_once() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/rest/posts"))
        .respond_with(ResponseTemplate::new(403).set_body_json(fixture("access_denied.json")))
        .mount(&server)
        .await;
    let c = connector(&server);
    let err = c.fetch(Some(COMMENTS)).await.unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, PlatformError::Permanent(_)), "{err:?}");
    assert!(text.contains("Community Management API"), "{text}");
    assert!(text.contains("ADMINISTRATOR"), "{text}");
    assert!(text.contains("Not enough permissions"), "{text}");
    assert!(c
        .take_notice()
        .unwrap()
        .contains("Community Management API"));
    c.fetch(Some(COMMENTS)).await.unwrap_err();
    assert_eq!(c.take_notice(), None, "said once while it lasts");
}

#[tokio::test]
async fn a_429_waits_for_the_daily_limit_and_names_it() {
    let server = MockServer::start().await;
    posts(&server).await;
    Mock::given(method("GET"))
        .and(path(POST))
        .respond_with(ResponseTemplate::new(429).set_body_json(fixture("throttled.json")))
        .mount(&server)
        .await;
    let c = connector(&server);
    match c.fetch(Some(COMMENTS)).await {
        Err(PlatformError::RateLimited { wait }) => {
            let now = hark::domain::now();
            let to_midnight = 86_400 - now.rem_euclid(86_400);
            assert_eq!(wait.as_secs() as i64, to_midnight.min(3600), "{wait:?}");
        }
        other => panic!("{other:?}"),
    }
    let notice = c.take_notice().expect("a notice");
    assert!(notice.contains("the application's daily limit"), "{notice}");
}

#[tokio::test]
async fn a_reply_nests_under_the_comment_and_is_read_back_before_a_resend() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!(
            "/rest/socialActions/{}/comments",
            encoded(WAITING)
        )))
        .and(body_partial_json(serde_json::json!({
            "actor": ORG,
            "object": "urn:li:activity:7140000000000000000",
            "parentComment": WAITING,
            "message": {"text": "Sorry about the wait, we are checking your order now."}
        })))
        .respond_with(ResponseTemplate::new(201).set_body_json(fixture("comment_created.json")))
        .expect(1)
        .mount(&server)
        .await;
    let mut replies = fixture("comment_replies.json");
    replies["elements"][0] = fixture("comment_created.json");
    Mock::given(method("GET"))
        .and(path(format!(
            "/rest/socialActions/{}/comments",
            encoded(WAITING)
        )))
        .respond_with(ResponseTemplate::new(200).set_body_json(replies))
        .mount(&server)
        .await;
    let c = connector(&server);
    assert!(!c.dedups_replies(), "no idempotency key: read back first");
    let text = "Sorry about the wait, we are checking your order now.";
    let sent = c.reply(&target(WAITING, None), text, "k").await.unwrap();
    assert_eq!(
        sent,
        "urn:li:comment:(urn:li:activity:7140000000000000000,7140000000000000301)"
    );
    let found = c
        .find_reply(&target(WAITING, None), text, "k")
        .await
        .unwrap();
    assert_eq!(found.as_deref(), Some(sent.as_str()));
    let other = c
        .find_reply(&target(WAITING, None), "Another text", "k")
        .await
        .unwrap();
    assert_eq!(other, None);
    // An answer to a reply goes under that reply's comment: LinkedIn nests one level.
    let reply_to_reply = target(
        "urn:li:comment:(urn:li:activity:7140000000000000000,7140000000000000999)",
        Some(WAITING),
    );
    let found = c.find_reply(&reply_to_reply, text, "k").await.unwrap();
    assert_eq!(found.as_deref(), Some(sent.as_str()));
}

#[tokio::test]
async fn deleting_the_organizations_comment_names_it_as_actor_and_a_gone_one_is_done() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .and(path(format!(
            "/rest/socialActions/{}/comments/7140000000000000201",
            encoded("urn:li:activity:7140000000000000000")
        )))
        .and(query_param("actor", ORG))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path(format!(
            "/rest/socialActions/{}/comments/7140000000000000202",
            encoded("urn:li:activity:7140000000000000000")
        )))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(serde_json::json!({"status": 404, "message": "Comment not found"})),
        )
        .mount(&server)
        .await;
    let c = connector(&server);
    let mut own = target(
        "urn:li:comment:(urn:li:activity:7140000000000000000,7140000000000000201)",
        Some(ASKING),
    );
    own.kind = ItemKind::Post;
    c.moderate(&own, ModerationAction::Delete).await.unwrap();
    own.external_id =
        "urn:li:comment:(urn:li:activity:7140000000000000000,7140000000000000202)".into();
    c.moderate(&own, ModerationAction::Delete).await.unwrap();
    assert_eq!(
        c.actions_for(&hark::domain::ItemFacts::of(ItemKind::Post)),
        ["delete"]
    );
    assert!(c
        .actions_for(&hark::domain::ItemFacts::of(ItemKind::Comment))
        .is_empty());
}

#[cfg(unix)]
fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[tokio::test]
async fn an_expiring_sign_in_is_refreshed_with_the_client_secret_and_saved_privately() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/v2/accessToken"))
        .and(body_string_contains("grant_type=refresh_token"))
        .and(body_string_contains("refresh_token=li-refresh-1"))
        .and(body_string_contains("client_secret=app-secret"))
        .respond_with(json("token_refreshed.json"))
        .expect(1)
        .mount(&server)
        .await;
    posts(&server).await;
    Mock::given(method("GET"))
        .and(path(POST))
        .and(header("authorization", "Bearer li-access-2"))
        .respond_with(json("comments_page2.json"))
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let file = token::token_path(dir.path(), "brand-li");
    hark::platform::signin::token_file::save(
        &file,
        &Tokens {
            client_id: "client-1".into(),
            access_token: "li-access-1".into(),
            expires_at: hark::domain::now() + 60,
            refresh_token: Some("li-refresh-1".into()),
            refresh_expires_at: Some(hark::domain::now() + 86_400 * 300),
            scope: String::new(),
        },
    )
    .unwrap();
    let store = TokenStore::open(
        file.clone(),
        "brand-li",
        format!("{}/oauth/v2/accessToken", server.uri()),
        Some(Secret::new("app-secret")),
    )
    .unwrap();
    let c =
        LinkedInConnector::new(&server.uri(), settings(), Auth::Stored(Arc::new(store))).unwrap();
    let page = c.fetch(Some(COMMENTS)).await.unwrap();
    assert_eq!(page.items.len(), 1);
    let saved = token::load(&file, "brand-li").unwrap();
    assert_eq!(saved.access_token, "li-access-2");
    assert_eq!(saved.refresh_token.as_deref(), Some("li-refresh-1"));
    #[cfg(unix)]
    assert_eq!(mode(&file), 0o600);
}

#[tokio::test]
async fn account_add_linkedin_takes_a_pasted_code_and_prints_the_block() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/v2/accessToken"))
        .and(body_string_contains("grant_type=authorization_code"))
        .and(body_string_contains("code=the-code"))
        .and(body_string_contains("client_secret=app-secret"))
        .respond_with(json("token.json"))
        .mount(&server)
        .await;
    posts(&server).await;
    std::env::set_var("HARK_TEST_LI_SECRET", "app-secret");
    let dir = tempfile::tempdir().unwrap();
    let args = setup::AddArgs {
        org: "2414183".into(),
        client_id: "client-1".into(),
        client_secret_env: "HARK_TEST_LI_SECRET".into(),
        name: None,
        port: 0,
        paste: true,
        version: Some("202510".into()),
        api: Some(server.uri()),
    };
    // A forged redirect (another state) is refused, nothing stored.
    let mut out = Vec::new();
    let forged = setup::add(
        &args,
        dir.path(),
        &mut std::io::Cursor::new(
            b"http://127.0.0.1:8765/callback?state=other&code=the-code\n".to_vec(),
        ),
        &mut out,
    )
    .await
    .unwrap_err();
    assert!(forged.to_string().contains("does not match"), "{forged}");
    let block = setup::add(
        &args,
        dir.path(),
        &mut std::io::Cursor::new(b"the-code\n".to_vec()),
        &mut out,
    )
    .await
    .unwrap();
    let printed = String::from_utf8(out).unwrap();
    assert!(
        printed.contains("/oauth/v2/authorization?response_type=code"),
        "{printed}"
    );
    assert!(!printed.contains("li-access-1") && !block.contains("li-access-1"));
    assert!(block.contains("platform = \"linkedin\""), "{block}");
    assert!(block.contains("[account.linkedin]\norganization = \"urn:li:organization:2414183\"\nversion = \"202510\""), "{block}");
    assert!(
        block.contains("token_env = \"HARK_TEST_LI_SECRET\""),
        "{block}"
    );
    let file = token::token_path(dir.path(), "linkedin-2414183");
    assert_eq!(
        token::load(&file, "linkedin-2414183").unwrap().access_token,
        "li-access-1"
    );
    #[cfg(unix)]
    assert_eq!(mode(&file), 0o600);
}

#[tokio::test]
async fn comments_older_than_the_look_back_are_counted_not_filed() {
    let server = MockServer::start().await;
    posts(&server).await;
    Mock::given(method("GET"))
        .and(path(POST))
        .respond_with(json("comments_page2.json"))
        .mount(&server)
        .await;
    let mut recent = settings();
    recent.lookback = hark::platform::linkedin::DEFAULT_LOOKBACK;
    let c = LinkedInConnector::new(
        &server.uri(),
        recent,
        Auth::Fixed(Secret::new("li-access-1")),
    )
    .unwrap();
    let page = c.fetch(Some(COMMENTS)).await.unwrap();
    assert!(page.items.is_empty(), "a 2023 comment is history");
    assert_eq!(
        page.beyond_lookback,
        ["urn:li:comment:(urn:li:activity:7140000000000000000,7140000000000000103)"]
    );
}

/// The notifications' pages, whatever the window: page 1 (a post and a comment that
/// mention the organization), page 2 (an image post deleted since); each read `reads` times.
async fn notifications(server: &MockServer, reads: u64) {
    Mock::given(method("GET"))
        .and(path(NOTIFICATIONS))
        .and(query_param("q", "criteria"))
        .and(query_param(
            "actions",
            "List(SHARE_MENTION,COMMENT_MENTION)",
        ))
        .and(query_param("organizationalEntity", ORG))
        .and(query_param("start", "0"))
        .respond_with(json("notifications_page1.json"))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(NOTIFICATIONS))
        .and(query_param("start", "2"))
        .respond_with(json("notifications_page2.json"))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/rest/posts/{}", encoded(MENTIONING_POST))))
        .respond_with(json("post_mention.json"))
        .expect(reads)
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!(
            "/rest/socialActions/{}/comments/7150000000000000031",
            encoded("urn:li:activity:7150000000000000020")
        )))
        .respond_with(json("comment_mention.json"))
        .expect(reads)
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!(
            "/rest/posts/{}",
            encoded("urn:li:ugcPost:7150000000000000040")
        )))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(serde_json::json!({"status": 404, "message": "Not found"})),
        )
        .expect(reads)
        .mount(server)
        .await;
}

/// The `timeRange` each notifications request asked, as (start, end).
async fn windows(server: &MockServer) -> Vec<(i64, i64)> {
    let mut out: Vec<(i64, i64)> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == NOTIFICATIONS)
        .filter_map(|r| {
            let range = r.url.query_pairs().find(|(k, _)| k == "timeRange")?.1;
            let inner = range.strip_prefix("(start:")?.strip_suffix(')')?;
            let (start, end) = inner.split_once(",end:")?;
            Some((start.parse().ok()?, end.parse().ok()?))
        })
        .collect();
    out.dedup();
    out
}

#[tokio::test]
async fn mentions_arrive_page_by_page_and_each_is_read_once_across_overlapping_windows() {
    let server = MockServer::start().await;
    notifications(&server, 1).await;
    posts(&server).await;
    Mock::given(method("GET"))
        .and(path(POST))
        .respond_with(json("comment_replies.json"))
        .mount(&server)
        .await;
    let c = connector(&server);
    let first = c.fetch(None).await.unwrap();
    let got: Vec<_> = first
        .items
        .iter()
        .map(|i| {
            (
                i.external_id.as_str(),
                i.kind,
                i.thread_external_id.as_deref(),
                i.author.display_name.as_str(),
                i.body.as_str(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                MENTIONING_POST,
                ItemKind::Mention,
                Some(MENTIONING_POST),
                "LinkedIn member ·Kd82mQ",
                "Our team offsite ran on @Nimbus Coffee all week (three blends)."
            ),
            (
                MENTIONING_COMMENT,
                ItemKind::Mention,
                Some("urn:li:share:7150000000000000021"),
                "LinkedIn member ·Hq5sVb",
                "We switched to Nimbus Coffee, but their decaf is always sold out?"
            ),
        ]
    );
    assert!(
        first.items.iter().all(|i| i.needs_reply()),
        "mentions wait for an answer"
    );
    assert_eq!(first.items[0].created_at, 1_702_579_900);
    assert!(first.more);
    // The second page: the image post was deleted since, nothing to read; then the comments.
    let second = c.fetch(first.next_cursor.as_deref()).await.unwrap();
    assert!(second.items.is_empty() && second.unreadable.is_empty());
    assert!(second.more);
    let comments = c.fetch(second.next_cursor.as_deref()).await.unwrap();
    assert_eq!(comments.items.len(), 1);
    assert!(!comments.more);
    let mark = 1_702_587_200_000i64;
    assert_eq!(
        comments.next_cursor,
        Some(format!("r:{mark}")),
        "the newest notification time is the next window's mark"
    );
    // The next round's window starts two minutes before the mark and LinkedIn lists the
    // same notifications again: none is read a second time (the `expect(1)`s).
    let again = c.fetch(comments.next_cursor.as_deref()).await.unwrap();
    assert!(again.items.is_empty(), "{:?}", again.items);
    let again = c.fetch(again.next_cursor.as_deref()).await.unwrap();
    assert!(again.items.is_empty());
    let w = windows(&server).await;
    assert_eq!(w.len(), 2, "{w:?}");
    assert_eq!(w[1].0, mark - 120_000, "the overlap");
    assert!(w[0].1 >= w[1].0, "no gap between the windows: {w:?}");
    server.verify().await;
}

#[tokio::test]
async fn a_mention_is_stored_once_when_a_restart_reads_the_overlap_again() {
    use hark::store::ingest::{self, Incoming};
    let server = MockServer::start().await;
    notifications(&server, 2).await;
    let dir = tempfile::tempdir().unwrap();
    let writer = hark::store::Writer::spawn(&dir.path().join("hark.db")).unwrap();
    let account = writer
        .handle()
        .call_blocking(|c| ingest::ensure_account(c, "li", "linkedin", ORG))
        .unwrap();
    let mut stored = 0;
    // Two hark processes: the second reads the overlap again, the cache keeps one copy.
    for _ in 0..2 {
        let c = connector(&server);
        let first = c.fetch(Some("r:1702583600000")).await.unwrap();
        let second = c.fetch(first.next_cursor.as_deref()).await.unwrap();
        let items = first.items.into_iter().chain(second.items);
        let incoming: Vec<Incoming> = items.map(Incoming::from).collect();
        stored += writer
            .handle()
            .call_blocking(move |c| ingest::ingest(c, account, &incoming, None, 0))
            .unwrap()
            .inserted
            .len();
    }
    assert_eq!(stored, 2, "the post and the comment, once each");
}

#[tokio::test]
async fn a_mention_in_a_post_is_answered_on_the_post_and_one_in_a_comment_under_it() {
    let server = MockServer::start().await;
    let on_post = format!("/rest/socialActions/{}/comments", encoded(MENTIONING_POST));
    let mut created = fixture("comment_created.json");
    created["commentUrn"] = serde_json::json!(
        "urn:li:comment:(urn:li:activity:7150000000000000011,7150000000000000501)"
    );
    created["object"] = serde_json::json!(MENTIONING_POST);
    created.as_object_mut().unwrap().remove("parentComment");
    Mock::given(method("POST"))
        .and(path(on_post.as_str()))
        .and(body_partial_json(serde_json::json!({
            "actor": ORG,
            "object": MENTIONING_POST,
            "message": {"text": "Glad it kept you going!"}
        })))
        .respond_with(ResponseTemplate::new(201).set_body_json(created.clone()))
        .expect(1)
        .mount(&server)
        .await;
    let mut listed = fixture("comment_replies.json");
    created["message"]["text"] = serde_json::json!("Glad it kept you going!");
    listed["elements"][0] = created;
    Mock::given(method("GET"))
        .and(path(on_post.as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(listed))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!(
            "/rest/socialActions/{}/comments",
            encoded(MENTIONING_COMMENT)
        )))
        .and(body_partial_json(serde_json::json!({
            "actor": ORG,
            "object": "urn:li:activity:7150000000000000020",
            "parentComment": MENTIONING_COMMENT,
        })))
        .respond_with(ResponseTemplate::new(201).set_body_json(fixture("comment_created.json")))
        .expect(1)
        .mount(&server)
        .await;
    let c = connector(&server);
    let mut post = target(MENTIONING_POST, None);
    post.kind = ItemKind::Mention;
    post.thread_external_id = Some(MENTIONING_POST.into());
    let sent = c
        .reply(&post, "Glad it kept you going!", "k")
        .await
        .unwrap();
    assert_eq!(
        sent,
        "urn:li:comment:(urn:li:activity:7150000000000000011,7150000000000000501)"
    );
    let body: Value =
        serde_json::from_slice(&server.received_requests().await.unwrap()[0].body).unwrap();
    assert!(
        body.get("parentComment").is_none(),
        "a comment on the post itself: {body}"
    );
    let found = c
        .find_reply(&post, "Glad it kept you going!", "k")
        .await
        .unwrap();
    assert_eq!(
        found.as_deref(),
        Some(sent.as_str()),
        "read back on the post"
    );
    let mut comment = target(MENTIONING_COMMENT, Some("urn:li:share:7150000000000000021"));
    comment.kind = ItemKind::Mention;
    c.reply(&comment, "The decaf is back on Monday.", "k")
        .await
        .unwrap();
}

#[tokio::test]
async fn a_refused_access_to_notifications_is_named_and_the_comments_still_arrive() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(NOTIFICATIONS))
        .respond_with(
            ResponseTemplate::new(403).set_body_json(fixture("notifications_denied.json")),
        )
        .mount(&server)
        .await;
    posts(&server).await;
    Mock::given(method("GET"))
        .and(path(POST))
        .respond_with(json("comments_page2.json"))
        .mount(&server)
        .await;
    let c = connector(&server);
    let skipped = c.fetch(None).await.unwrap();
    assert!(skipped.items.is_empty() && skipped.more);
    let notice = c.take_notice().expect("a notice");
    assert!(notice.contains("does not read mentions"), "{notice}");
    assert!(notice.contains("rw_organization_admin"), "{notice}");
    assert!(notice.contains("comments still arrive"), "{notice}");
    assert!(
        notice.contains("organizationalEntityNotifications"),
        "{notice}"
    );
    let comments = c.fetch(skipped.next_cursor.as_deref()).await.unwrap();
    assert_eq!(
        comments.items.len(),
        1,
        "the comments are read all the same"
    );
    assert_eq!(c.take_notice(), None, "the comments' access is fine");
    let next = c.fetch(comments.next_cursor.as_deref()).await.unwrap();
    assert!(next.more);
    assert_eq!(c.take_notice(), None, "said once while it lasts");
}

#[tokio::test]
async fn a_version_that_refuses_comment_mention_is_asked_for_share_mention_alone() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(NOTIFICATIONS))
        .and(query_param(
            "actions",
            "List(SHARE_MENTION,COMMENT_MENTION)",
        ))
        .respond_with(ResponseTemplate::new(400).set_body_json(serde_json::json!({
            "status": 400, "message": "Invalid value COMMENT_MENTION for parameter actions"
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(NOTIFICATIONS))
        .and(query_param("actions", "List(SHARE_MENTION)"))
        .respond_with(json("notifications_page2.json"))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!(
            "/rest/posts/{}",
            encoded("urn:li:ugcPost:7150000000000000040")
        )))
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;
    let c = connector(&server);
    let page = c.fetch(None).await.unwrap();
    assert!(page.more);
    c.fetch(Some("r:-")).await.unwrap();
    server.verify().await;
}
