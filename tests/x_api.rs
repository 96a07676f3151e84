//! The X connector against a local server replaying responses shaped as X's API reference
//! documents them (tests/fixtures/x/, each naming its page): sign-in with PKCE, token
//! rotation, mentions with paging, the access-tier answers, a 429, replies with read-back
//! and moderation.

use std::path::Path;
use std::sync::Arc;

use hark::platform::x::token::{self, Auth, TokenStore, Tokens};
use hark::platform::x::{setup, XConnector};
use hark::platform::{Connector, PlatformError};
use hark::secrets::Secret;
use serde_json::Value;
use wiremock::matchers::{body_string_contains, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const ME: &str = "2244994945";

fn fixture(name: &str) -> Value {
    let text = std::fs::read_to_string(format!(
        "{}/tests/fixtures/x/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    serde_json::from_str(&text).unwrap()
}

fn json(name: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(fixture(name))
}

fn tokens(access: &str, refresh: &str, expires_at: i64) -> Tokens {
    Tokens {
        client_id: "client-1".into(),
        access_token: access.into(),
        refresh_token: Some(refresh.into()),
        expires_at,
        scope: String::new(),
        user_id: ME.into(),
        username: "nimbuscoffee".into(),
    }
}

fn store(server: &MockServer, dir: &Path) -> TokenStore {
    TokenStore::open(
        token::token_path(dir, "brand-x"),
        "brand-x",
        format!("{}/2/oauth2/token", server.uri()),
        None,
    )
    .unwrap()
}

fn stored_connector(server: &MockServer, store: TokenStore) -> XConnector {
    XConnector::new(&server.uri(), Auth::Stored(Arc::new(store))).unwrap()
}

fn fixed_connector(server: &MockServer) -> XConnector {
    XConnector::new(&server.uri(), Auth::Fixed(Secret::new("x-access-1"))).unwrap()
}

async fn empty_mentions(server: &MockServer, bearer: &str) {
    Mock::given(method("GET"))
        .and(path(format!("/2/users/{ME}/mentions")))
        .and(header("authorization", format!("Bearer {bearer}").as_str()))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"meta": {"result_count": 0}})),
        )
        .mount(server)
        .await;
}

#[cfg(unix)]
fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[tokio::test]
async fn an_expired_sign_in_is_refreshed_and_the_rotated_pair_saved_whole() {
    let server = MockServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let file = token::token_path(dir.path(), "brand-x");
    token::save(&file, &tokens("x-access-1", "x-refresh-1", 0)).unwrap();
    // What a crash mid-save leaves beside it: never read.
    let leftover = file.with_file_name(".brand-x.x-oauth.json.tmp");
    std::fs::write(&leftover, b"{\"half").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&leftover, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    Mock::given(method("POST"))
        .and(path("/2/oauth2/token"))
        .and(body_string_contains("grant_type=refresh_token"))
        .and(body_string_contains("refresh_token=x-refresh-1"))
        .and(body_string_contains("client_id=client-1"))
        .respond_with(json("token_refreshed.json"))
        .expect(1)
        .mount(&server)
        .await;
    empty_mentions(&server, "x-access-2").await;
    // A second process opened the same sign-in before the refresh.
    let other = stored_connector(&server, store(&server, dir.path()));
    let c = stored_connector(&server, store(&server, dir.path()));
    c.fetch(Some("100")).await.unwrap();

    let saved = token::load(&file, "brand-x").unwrap();
    assert_eq!(saved.access_token, "x-access-2");
    assert_eq!(
        saved.refresh_token.as_deref(),
        Some("x-refresh-2"),
        "rotated"
    );
    assert_eq!(saved.user_id, ME, "kept across the refresh");
    #[cfg(unix)]
    assert_eq!(mode(&file), 0o600);
    let mut exposed = hark::private_fs::exposed(dir.path(), "hark.db");
    exposed.retain(|e| e.path != dir.path());
    assert!(
        exposed.is_empty(),
        "token and lock files are private: {exposed:?}"
    );
    // The other process takes the rotated pair from the file instead of spending the
    // old refresh token (the token endpoint expects exactly one call).
    other.fetch(Some("100")).await.unwrap();
}

#[tokio::test]
async fn a_refused_refresh_says_how_to_sign_in_again_and_keeps_the_file() {
    let server = MockServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let file = token::token_path(dir.path(), "brand-x");
    token::save(&file, &tokens("x-access-1", "x-refresh-1", 0)).unwrap();
    Mock::given(method("POST"))
        .and(path("/2/oauth2/token"))
        .respond_with(ResponseTemplate::new(400).set_body_json(fixture("token_invalid_grant.json")))
        .mount(&server)
        .await;
    let c = stored_connector(&server, store(&server, dir.path()));
    match c.fetch(None).await {
        Err(PlatformError::Auth(e)) => {
            assert!(e.contains("hark account add x --name brand-x"), "{e}");
            assert!(e.contains("invalid_request"), "{e}");
            assert!(!e.contains("x-refresh-1"), "no secret in errors: {e}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        token::load(&file, "brand-x")
            .unwrap()
            .refresh_token
            .as_deref(),
        Some("x-refresh-1")
    );
}

#[tokio::test]
async fn a_401_refreshes_once_and_retries() {
    let server = MockServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    token::save(
        &token::token_path(dir.path(), "brand-x"),
        &tokens("x-access-1", "x-refresh-1", hark::domain::now() + 3600),
    )
    .unwrap();
    Mock::given(method("GET"))
        .and(path(format!("/2/users/{ME}/mentions")))
        .and(header("authorization", "Bearer x-access-1"))
        .respond_with(ResponseTemplate::new(401).set_body_json(serde_json::json!({"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"})))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/2/oauth2/token"))
        .respond_with(json("token_refreshed.json"))
        .expect(1)
        .mount(&server)
        .await;
    empty_mentions(&server, "x-access-2").await;
    let c = stored_connector(&server, store(&server, dir.path()));
    c.fetch(Some("100")).await.unwrap();
}

#[tokio::test]
async fn the_doctor_check_asks_who_am_i_with_a_fresh_token() {
    let server = MockServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    token::save(
        &token::token_path(dir.path(), "brand-x"),
        &tokens("x-access-1", "x-refresh-1", 0),
    )
    .unwrap();
    Mock::given(method("POST"))
        .and(path("/2/oauth2/token"))
        .respond_with(json("token_refreshed.json"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/2/users/me"))
        .and(header("authorization", "Bearer x-access-2"))
        .respond_with(json("users_me.json"))
        .expect(1)
        .mount(&server)
        .await;
    let c = stored_connector(&server, store(&server, dir.path()));
    assert_eq!(c.verify().await.unwrap().username, "nimbuscoffee");
}

/// A writer the test reads while `add` runs: the consent address carries the state.
struct Pipe(std::sync::mpsc::Sender<String>);

impl std::io::Write for Pipe {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let _ = self.0.send(String::from_utf8_lossy(buf).into_owned());
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

async fn sign_in_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/2/oauth2/token"))
        .and(body_string_contains("grant_type=authorization_code"))
        .and(body_string_contains("code_verifier="))
        .respond_with(json("token.json"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/2/users/me"))
        .and(header("authorization", "Bearer x-access-1"))
        .respond_with(json("users_me.json"))
        .mount(&server)
        .await;
    server
}

fn args(server: &MockServer, port: u16, paste: bool) -> setup::AddArgs {
    setup::AddArgs {
        client_id: "client-1".into(),
        name: None,
        port,
        paste,
        client_secret_env: None,
        api: server.uri(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn account_add_x_with_the_loopback_redirect_stores_a_private_sign_in() {
    let server = sign_in_server().await;
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (tx, rx) = std::sync::mpsc::channel();
    let a = args(&server, port, false);
    let data = dir.path().to_path_buf();
    let add =
        tokio::spawn(
            async move { setup::add(&a, &data, &mut std::io::empty(), &mut Pipe(tx)).await },
        );
    // The browser: X sends it back to the loopback address with the code and state.
    let consent = loop {
        let line = rx.recv_timeout(std::time::Duration::from_secs(10)).unwrap();
        if let Some(at) = line.find("https://x.com/i/oauth2/authorize") {
            break line[at..].split_whitespace().next().unwrap().to_string();
        }
    };
    let url = url::Url::parse(&consent).unwrap();
    let state = url
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .into_owned();
    assert_eq!(
        url.query_pairs()
            .find(|(k, _)| k == "redirect_uri")
            .unwrap()
            .1,
        format!("http://127.0.0.1:{port}/callback")
    );
    let page = reqwest::get(format!(
        "http://127.0.0.1:{port}/callback?state={state}&code=c-1"
    ))
    .await
    .unwrap()
    .text()
    .await
    .unwrap();
    assert!(page.contains("signed in"), "{page}");
    let block = add.await.unwrap().unwrap();
    assert!(
        block.contains("name = \"x-nimbuscoffee\"\nplatform = \"x\"\nhandle = \"@nimbuscoffee\""),
        "{block}"
    );
    let file = token::token_path(dir.path(), "x-nimbuscoffee");
    let saved = token::load(&file, "x-nimbuscoffee").unwrap();
    assert_eq!(
        (saved.user_id.as_str(), saved.refresh_token.as_deref()),
        (ME, Some("x-refresh-1"))
    );
    #[cfg(unix)]
    assert_eq!(mode(&file), 0o600);
}

#[tokio::test]
async fn account_add_x_takes_a_pasted_code_and_refuses_a_forged_redirect() {
    let server = sign_in_server().await;
    let dir = tempfile::tempdir().unwrap();
    let mut out = Vec::new();
    let block = setup::add(
        &args(&server, 1, true),
        dir.path(),
        &mut "c-1\n".as_bytes(),
        &mut out,
    )
    .await
    .unwrap();
    assert!(block.contains("platform = \"x\""));
    let forged = "http://127.0.0.1:8765/callback?state=not-ours&code=c-2\n";
    let err = setup::add(
        &args(&server, 1, true),
        dir.path(),
        &mut forged.as_bytes(),
        &mut Vec::new(),
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("state does not match"), "{err}");
}

#[tokio::test]
async fn mentions_arrive_with_their_authors_and_page_on_from_since_id() {
    let server = MockServer::start().await;
    let mut page2 = fixture("mentions_page1.json");
    page2["data"] = serde_json::json!([{"id": "1301573587187331060", "text": "@nimbuscoffee open on Sunday?",
        "author_id": "1234567890", "created_at": "2024-01-15T10:10:00.000Z", "conversation_id": "1301573587187331060"}]);
    page2["meta"] = serde_json::json!({"result_count": 1, "newest_id": "1301573587187331060", "oldest_id": "1301573587187331060"});
    Mock::given(method("GET"))
        .and(path(format!("/2/users/{ME}/mentions")))
        .and(query_param("since_id", "1301573587187331000"))
        .and(query_param(
            "pagination_token",
            "7140dibdnow9c7btw3z2vwioavpvutgzrzm9icis4ndix",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(page2))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/2/users/{ME}/mentions")))
        .and(query_param("since_id", "1301573587187331000"))
        .and(query_param(
            "expansions",
            hark::platform::x::fetch::EXPANSIONS,
        ))
        .respond_with(json("mentions_page1.json"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/2/users/me"))
        .respond_with(json("users_me.json"))
        .mount(&server)
        .await;
    let c = fixed_connector(&server);
    let first = c.fetch(Some("1301573587187331000")).await.unwrap();
    assert!(first.more);
    let ids: Vec<_> = first.items.iter().map(|i| i.external_id.as_str()).collect();
    assert_eq!(ids, ["1301573587187331074", "1301573587187331070"]);
    let reply = &first.items[1];
    assert_eq!(reply.author.handle, "@brewlover");
    assert_eq!(reply.author.followers, Some(48));
    assert_eq!(
        reply.parent_external_id.as_deref(),
        Some("1301570000000000000")
    );
    assert_eq!(reply.kind, hark::domain::ItemKind::Comment);
    assert_eq!(
        reply.url.as_deref(),
        Some("https://x.com/brewlover/status/1301573587187331070")
    );
    let second = c.fetch(first.next_cursor.as_deref()).await.unwrap();
    assert_eq!(second.items.len(), 1);
    assert!(!second.more);
    assert_eq!(
        second.next_cursor.as_deref(),
        Some("1301573587187331074"),
        "the round's newest, once the round is through"
    );
}

#[tokio::test]
async fn a_tier_answer_is_explained_once_in_the_status_line() {
    for body in ["client_not_enrolled.json", "reduced_access.json"] {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path(format!("/2/users/{ME}/mentions")))
            .respond_with(ResponseTemplate::new(403).set_body_json(fixture(body)))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/2/users/me"))
            .respond_with(json("users_me.json"))
            .mount(&server)
            .await;
        let c = fixed_connector(&server);
        let err = c.fetch(Some("1")).await.unwrap_err();
        assert!(
            matches!(&err, PlatformError::Permanent(t) if t.contains("Basic tier")),
            "{body}: {err:?}"
        );
        let notice = c.take_notice().expect("a notice");
        assert!(notice.contains("access tier"), "{notice}");
        c.fetch(Some("1")).await.unwrap_err();
        assert_eq!(c.take_notice(), None, "{body}: said once while it lasts");
    }
}

#[tokio::test]
async fn a_429_waits_until_x_rate_limit_reset_and_a_spent_budget_waits_before_asking() {
    let server = MockServer::start().await;
    let reset = hark::domain::now() + 600;
    Mock::given(method("GET"))
        .and(path(format!("/2/users/{ME}/mentions")))
        .respond_with(
            ResponseTemplate::new(429)
                .set_body_json(fixture("rate_limited.json"))
                .insert_header("x-rate-limit-limit", "10")
                .insert_header("x-rate-limit-remaining", "0")
                .insert_header("x-rate-limit-reset", reset.to_string().as_str()),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/2/users/me"))
        .respond_with(json("users_me.json"))
        .mount(&server)
        .await;
    let c = fixed_connector(&server);
    for _ in 0..2 {
        match c.fetch(Some("1")).await {
            Err(PlatformError::RateLimited { wait }) => {
                assert!(wait.as_secs().abs_diff(600) <= 5, "{wait:?}")
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(c.rate_remaining(), Some((0, 10)));
}

async fn one_mention_round(server: &MockServer) {
    let mut page = fixture("mentions_page1.json");
    page["meta"].as_object_mut().unwrap().remove("next_token");
    Mock::given(method("GET"))
        .and(path(format!("/2/users/{ME}/mentions")))
        .respond_with(ResponseTemplate::new(200).set_body_json(page))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/2/users/me"))
        .respond_with(json("users_me.json"))
        .mount(server)
        .await;
}

#[tokio::test]
async fn a_round_ends_with_the_newest_direct_messages_and_a_dm_answer_goes_to_its_conversation() {
    let server = MockServer::start().await;
    one_mention_round(&server).await;
    Mock::given(method("GET"))
        .and(path("/2/dm_events"))
        .and(query_param("event_types", "MessageCreate"))
        .respond_with(json("dm_events.json"))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/2/dm_conversations/1234567890-2244994945/messages"))
        .and(body_string_contains("Sorry about that"))
        .respond_with(ResponseTemplate::new(201).set_body_json(fixture("dm_sent.json")))
        .expect(1)
        .mount(&server)
        .await;
    let c = fixed_connector(&server);
    let page = c.fetch(Some("1")).await.unwrap();
    let dms: Vec<_> = page
        .items
        .iter()
        .filter(|i| i.kind == hark::domain::ItemKind::Dm)
        .collect();
    assert_eq!(dms.len(), 1, "the brand's own message is not an item");
    assert_eq!(dms[0].author.handle, "@oatfan");
    assert_eq!(
        dms[0].thread_external_id.as_deref(),
        Some("1234567890-2244994945")
    );
    assert_eq!(page.items.len(), 3, "two mentions and the DM");
    let target = hark::platform::Target {
        external_id: dms[0].external_id.clone(),
        parent_external_id: None,
        thread_external_id: dms[0].thread_external_id.clone(),
        kind: hark::domain::ItemKind::Dm,
        author_external_id: "1234567890".into(),
        author_handle: "@oatfan".into(),
        raw_json: dms[0].raw_json.clone(),
    };
    let sent = c
        .reply(&target, "Sorry about that, refunding now", "k")
        .await
        .unwrap();
    assert_eq!(sent, "1582838223566049300");
}

#[tokio::test]
async fn dms_outside_the_tier_are_said_once_and_mentions_still_arrive() {
    let server = MockServer::start().await;
    one_mention_round(&server).await;
    Mock::given(method("GET"))
        .and(path("/2/dm_events"))
        .respond_with(ResponseTemplate::new(403).set_body_json(fixture("client_not_enrolled.json")))
        .mount(&server)
        .await;
    let c = fixed_connector(&server);
    let page = c.fetch(Some("1")).await.unwrap();
    assert_eq!(page.items.len(), 2, "the mentions of the round");
    let notice = c.take_notice().expect("a notice");
    assert!(notice.contains("direct messages"), "{notice}");
    c.fetch(Some("1")).await.unwrap();
    assert_eq!(c.take_notice(), None, "said once");
}

#[tokio::test]
async fn a_rotated_pair_that_cannot_be_saved_is_kept_and_saved_before_the_next_request() {
    let server = MockServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let file = token::token_path(dir.path(), "brand-x");
    token::save(&file, &tokens("x-access-1", "x-refresh-1", 0)).unwrap();
    // The save fails: something else stands where the new file is written.
    let blocker = file.with_file_name(".brand-x.x-oauth.json.tmp");
    std::fs::create_dir(&blocker).unwrap();
    Mock::given(method("POST"))
        .and(path("/2/oauth2/token"))
        .respond_with(json("token_refreshed.json"))
        .expect(1)
        .mount(&server)
        .await;
    empty_mentions(&server, "x-access-2").await;
    let c = stored_connector(&server, store(&server, dir.path()));
    match c.fetch(Some("100")).await {
        Err(PlatformError::Transient(e)) => assert!(e.contains("could not be saved"), "{e}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        token::load(&file, "brand-x")
            .unwrap()
            .refresh_token
            .as_deref(),
        Some("x-refresh-1"),
        "the old file is whole"
    );
    std::fs::remove_dir(&blocker).unwrap();
    // No second refresh (the old refresh token is spent): the kept pair is saved first.
    c.fetch(Some("100")).await.unwrap();
    assert_eq!(
        token::load(&file, "brand-x")
            .unwrap()
            .refresh_token
            .as_deref(),
        Some("x-refresh-2")
    );
}

#[tokio::test]
async fn the_detail_pane_gets_the_post_replied_to_and_the_post_as_it_is_now() {
    let server = MockServer::start().await;
    let page = fixture("mentions_page1.json");
    let lookup = serde_json::json!({"data": page["data"][1], "includes": page["includes"]});
    Mock::given(method("GET"))
        .and(path("/2/tweets/1301573587187331070"))
        .and(query_param(
            "expansions",
            hark::platform::x::fetch::EXPANSIONS,
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(lookup))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/2/users/me"))
        .respond_with(json("users_me.json"))
        .mount(&server)
        .await;
    let c = fixed_connector(&server);
    let target = hark::platform::Target {
        external_id: "1301573587187331070".into(),
        parent_external_id: Some("1301570000000000000".into()),
        thread_external_id: Some("1301570000000000000".into()),
        kind: hark::domain::ItemKind::Comment,
        author_external_id: "1234567891".into(),
        author_handle: "@brewlover".into(),
        raw_json: None,
    };
    let thread = c.thread(&target).await.unwrap();
    let ids: Vec<_> = thread
        .iter()
        .map(|i| (i.external_id.as_str(), i.kind))
        .collect();
    assert_eq!(
        ids,
        [
            ("1301570000000000000", hark::domain::ItemKind::Post),
            ("1301573587187331070", hark::domain::ItemKind::Comment)
        ],
        "the brand's own post first, then the reply"
    );
}

/// The brand's posts of the last week, then recent search in their conversations.
async fn conversations(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path(format!("/2/users/{ME}/tweets")))
        .respond_with(json("user_tweets.json"))
        .mount(server)
        .await;
}

#[tokio::test]
async fn replies_deeper_in_the_brands_conversations_arrive_once_even_when_also_mentions() {
    let server = MockServer::start().await;
    one_mention_round(&server).await;
    conversations(&server).await;
    Mock::given(method("GET"))
        .and(path("/2/tweets/search/recent"))
        .and(query_param(
            "query",
            format!("(conversation_id:1301570000000000000 OR conversation_id:1301573587187331074) -from:{ME}"),
        ))
        .and(query_param("since_id", "1301570000000000000"))
        .respond_with(json("search_recent.json"))
        .expect(1)
        .mount(&server)
        .await;
    let c = fixed_connector(&server);
    let page = c.fetch(Some("1")).await.unwrap();
    let ids: Vec<_> = page.items.iter().map(|i| i.external_id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "1301573587187331074",
            "1301573587187331070",
            "1301574100000000000"
        ],
        "the deep reply joins the mentions; the reply also seen as a mention is kept once"
    );
    let deep = &page.items[2];
    assert_eq!(deep.author.handle, "@latteart");
    assert_eq!(
        deep.parent_external_id.as_deref(),
        Some("1301573587187331070")
    );
    assert_eq!(
        deep.thread_external_id.as_deref(),
        Some("1301570000000000000")
    );
    assert_eq!(
        page.next_cursor.as_deref(),
        Some("1301573587187331074|1301574100000000000"),
        "the search's newest rides in the cursor"
    );
}

#[tokio::test]
async fn a_restarted_hark_searches_on_from_the_cursors_watermark() {
    let server = MockServer::start().await;
    one_mention_round(&server).await;
    conversations(&server).await;
    Mock::given(method("GET"))
        .and(path("/2/tweets/search/recent"))
        .and(query_param("since_id", "1301574100000000000"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"meta": {"result_count": 0}})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let c = fixed_connector(&server);
    let page = c
        .fetch(Some("1301573587187331074|1301574100000000000"))
        .await
        .unwrap();
    assert_eq!(page.items.len(), 2, "the mentions only");
    assert_eq!(
        page.next_cursor.as_deref(),
        Some("1301573587187331074|1301574100000000000")
    );
}

#[tokio::test]
async fn search_outside_the_tier_is_said_once_and_mentions_still_arrive() {
    let server = MockServer::start().await;
    one_mention_round(&server).await;
    conversations(&server).await;
    Mock::given(method("GET"))
        .and(path("/2/tweets/search/recent"))
        .respond_with(ResponseTemplate::new(403).set_body_json(fixture("reduced_access.json")))
        .mount(&server)
        .await;
    let c = fixed_connector(&server);
    let page = c.fetch(Some("1")).await.unwrap();
    assert_eq!(page.items.len(), 2, "the mentions of the round");
    let notice = c.take_notice().expect("a notice");
    assert!(
        notice.contains("deeper in the brand's conversations"),
        "{notice}"
    );
    c.fetch(Some("1")).await.unwrap();
    assert_eq!(c.take_notice(), None, "said once");
}

#[tokio::test]
async fn the_monthly_read_usage_is_asked_once_an_hour_for_the_status_bar() {
    let server = MockServer::start().await;
    one_mention_round(&server).await;
    Mock::given(method("GET"))
        .and(path("/2/usage/tweets"))
        .respond_with(json("usage_tweets.json"))
        .expect(1)
        .mount(&server)
        .await;
    let c = fixed_connector(&server);
    assert_eq!(c.monthly_usage(), None, "not reported before it is asked");
    assert_eq!(c.account_note(), None);
    c.fetch(Some("1")).await.unwrap();
    assert_eq!(c.monthly_usage(), Some((43_435, 5_000_000_000)));
    assert_eq!(
        c.account_note().map(|n| n.text).as_deref(),
        Some("43k/5B reads this month"),
        "the status bar's note"
    );
    c.fetch(Some("1")).await.unwrap();
    assert_eq!(c.monthly_usage(), Some((43_435, 5_000_000_000)));
}

#[tokio::test]
async fn the_detail_pane_gets_the_replies_below_a_post_from_search() {
    let server = MockServer::start().await;
    let page = fixture("mentions_page1.json");
    let lookup = serde_json::json!({"data": page["data"][1], "includes": page["includes"]});
    Mock::given(method("GET"))
        .and(path("/2/tweets/1301573587187331070"))
        .respond_with(ResponseTemplate::new(200).set_body_json(lookup))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/2/users/me"))
        .respond_with(json("users_me.json"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/2/tweets/search/recent"))
        .and(query_param("query", "conversation_id:1301570000000000000"))
        .and(query_param("since_id", "1301573587187331070"))
        .respond_with(json("search_recent.json"))
        .mount(&server)
        .await;
    let c = fixed_connector(&server);
    let target = hark::platform::Target {
        external_id: "1301573587187331070".into(),
        parent_external_id: Some("1301570000000000000".into()),
        thread_external_id: Some("1301570000000000000".into()),
        kind: hark::domain::ItemKind::Comment,
        author_external_id: "1234567891".into(),
        author_handle: "@brewlover".into(),
        raw_json: None,
    };
    let thread = c.thread(&target).await.unwrap();
    let ids: Vec<_> = thread.iter().map(|i| i.external_id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "1301570000000000000",
            "1301573587187331070",
            "1301574100000000000"
        ],
        "the post replied to, the reply, then the reply below it"
    );
}
