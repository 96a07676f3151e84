//! `hark doctor` and `hark account list` on set-ups a user really has: a good one, a
//! missing token, a server that does not answer, a damaged cache.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const GOOD: &str = r#"
brand = "Acme"

[[account]]
name = "demo-chirp"
platform = "demo"
handle = "@acme"

[escalation.protocol.critical]
notify_command = "sh -c true"
webhook = "https://chat.example/hooks/abc"
"#;

struct Setup {
    _temp: tempfile::TempDir,
    config: PathBuf,
    data: PathBuf,
}

fn setup(config: &str) -> Setup {
    let temp = tempfile::tempdir().unwrap();
    let data = temp.path().join("data");
    std::fs::create_dir(&data).unwrap();
    private(&data, 0o700);
    let config_path = temp.path().join("config.toml");
    std::fs::write(&config_path, config).unwrap();
    Setup {
        _temp: temp,
        config: config_path,
        data,
    }
}

fn private(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn hark(s: &Setup, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hark"))
        .arg("--config")
        .arg(&s.config)
        .arg("--data-dir")
        .arg(&s.data)
        .args(args)
        .env_remove("HARK_TEST_UNSET_TOKEN")
        .output()
        .unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The line of check `name`, which must exist.
fn line<'a>(text: &'a str, name: &str) -> &'a str {
    text.lines()
        .find(|l| l[l.find(' ').unwrap() + 1..].starts_with(&format!("{name}:")))
        .unwrap_or_else(|| panic!("no `{name}` line in:\n{text}"))
}

fn with_cache(s: &Setup) {
    let path = s.data.join("hark.db");
    drop(hark::store::open_rw(&path).unwrap());
    private(&path, 0o600);
}

#[test]
fn a_good_setup_passes_every_check() {
    let s = setup(GOOD);
    with_cache(&s);
    let out = hark(&s, &["doctor"]);
    let text = stdout(&out);
    assert!(out.status.success(), "{text}");
    for name in [
        "config",
        "permissions",
        "database",
        "account demo-chirp",
        "escalation critical command",
        "escalation critical webhook",
        "terminal",
        "colours",
    ] {
        assert!(line(&text, name).starts_with("✓ "), "{text}");
    }
    assert!(
        line(&text, "database").contains("is intact, schema"),
        "{text}"
    );
    assert!(!text.contains('✗'), "{text}");
}

#[test]
fn a_missing_token_fails_with_its_fix_and_no_secret() {
    let s = setup(
        r#"
[[account]]
name = "brand"
platform = "mastodon"
handle = "@brand"
server = "https://example.social"
token_env = "HARK_TEST_UNSET_TOKEN"
"#,
    );
    let out = hark(&s, &["doctor"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert_eq!(
        line(&text, "token brand"),
        "✗ token brand: account `brand`: environment variable HARK_TEST_UNSET_TOKEN is not set or empty → export HARK_TEST_UNSET_TOKEN=… before running hark"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("1 check failed"));
}

#[test]
fn a_server_that_does_not_answer_fails_and_the_token_is_never_printed() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let s = setup(&format!(
        r#"
[[account]]
name = "brand"
platform = "mastodon"
handle = "@brand"
server = "http://127.0.0.1:{port}"
token_env = "HARK_TEST_DOCTOR_TOKEN"
"#
    ));
    let out = Command::new(env!("CARGO_BIN_EXE_hark"))
        .arg("--config")
        .arg(&s.config)
        .arg("--data-dir")
        .arg(&s.data)
        .arg("doctor")
        .env("HARK_TEST_DOCTOR_TOKEN", "sekrit-token-value")
        .output()
        .unwrap();
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert_eq!(
        line(&text, "token brand"),
        "✓ token brand: found in $HARK_TEST_DOCTOR_TOKEN"
    );
    let server = line(&text, "server brand");
    assert!(
        server.starts_with(&format!(
            "✗ server brand: http://127.0.0.1:{port} is unreachable"
        )) && server.ends_with("→ check the address in `server` and the network"),
        "{server}"
    );
    let all = format!("{text}{}", String::from_utf8_lossy(&out.stderr));
    assert!(!all.contains("sekrit"), "{all}");
}

#[test]
fn a_damaged_cache_fails_with_move_it_aside() {
    let s = setup(GOOD);
    let path = s.data.join("hark.db");
    std::fs::write(
        &path,
        b"this is not a database, just garbage bytes ".repeat(200),
    )
    .unwrap();
    private(&path, 0o600);
    let out = hark(&s, &["doctor"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    let db = line(&text, "database");
    assert!(
        db.starts_with("✗ database: ") && db.contains("is not an SQLite database"),
        "{db}"
    );
    assert!(db.contains("→ move "), "{db}");
    assert!(line(&text, "config").starts_with("✓ "), "{text}");
}

#[test]
fn doctor_json_is_one_array_of_checks() {
    let s = setup(GOOD);
    let out = hark(&s, &["doctor", "--json"]);
    assert!(out.status.success());
    let checks: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let config = &checks.as_array().unwrap()[0];
    assert_eq!(config["check"], "config");
    assert_eq!(config["ok"], true);
    assert!(config["detail"]
        .as_str()
        .unwrap()
        .contains("brand \"Acme\""));
}

#[test]
fn account_list_shows_each_account_and_its_last_poll() {
    let s = setup(GOOD);
    with_cache(&s);
    let conn = rusqlite::Connection::open(s.data.join("hark.db")).unwrap();
    conn.execute(
        "INSERT INTO accounts (name, platform, handle, last_poll_at, last_error)
         VALUES ('demo-chirp', 'demo', '@acme', 100, 'timed out')",
        [],
    )
    .unwrap();
    let out = hark(&s, &["account", "list"]);
    assert_eq!(
        stdout(&out),
        "demo-chirp  demo  @acme  ✗ last poll failed: timed out\n"
    );
    let out = hark(&s, &["account", "list", "--json"]);
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows[0]["name"], "demo-chirp");
    assert_eq!(rows[0]["last_poll_at"], 100);
    assert_eq!(rows[0]["last_error"], "timed out");
    assert!(rows[0]["last_ok_at"].is_null());
}

#[test]
fn an_x_account_without_its_sign_in_says_how_to_sign_in() {
    let s = setup(
        "brand = \"Acme\"\n\n[[account]]\nname = \"brand-x\"\nplatform = \"x\"\nhandle = \"@acme\"\n",
    );
    with_cache(&s);
    let out = hark(&s, &["doctor"]);
    let text = stdout(&out);
    let token = line(&text, "token brand-x");
    assert!(token.starts_with("✗ "), "{text}");
    assert!(
        text.contains("hark account add x --client-id … --name brand-x"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_linkedin_account_without_the_approval_names_it() {
    use wiremock::matchers::{method, path};
    let server = wiremock::MockServer::start().await;
    wiremock::Mock::given(method("GET"))
        .and(path("/rest/posts"))
        .respond_with(wiremock::ResponseTemplate::new(403).set_body_string(
            r#"{"status":403,"serviceErrorCode":100,"code":"ACCESS_DENIED","message":"Not enough permissions to access: posts.FINDER-author.20251001"}"#,
        ))
        .mount(&server)
        .await;
    let s = setup(&format!(
        "[[account]]\nname = \"brand-li\"\nplatform = \"linkedin\"\nhandle = \"urn:li:organization:2414183\"\nserver = \"{}\"\n[account.linkedin]\norganization = \"urn:li:organization:2414183\"\nversion = \"202510\"\n",
        server.uri()
    ));
    with_cache(&s);
    hark::platform::signin::token_file::save(
        &hark::platform::linkedin::token::token_path(&s.data, "brand-li"),
        &hark::platform::linkedin::token::Tokens {
            client_id: "client-1".into(),
            access_token: "li-sekrit-access".into(),
            expires_at: hark::domain::now() + 86_400 * 30,
            refresh_token: None,
            refresh_expires_at: None,
            scope: String::new(),
        },
    )
    .unwrap();
    let out = hark(&s, &["doctor"]);
    let text = stdout(&out);
    assert!(line(&text, "token brand-li").starts_with("✓ "), "{text}");
    let check = line(&text, "server brand-li");
    assert!(
        check.starts_with("✗ ") && check.contains("Community Management API"),
        "{check}"
    );
    assert!(
        check.ends_with("sign in as an ADMINISTRATOR of the organization"),
        "{check}"
    );
    assert!(!text.contains("sekrit"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_linkedin_account_without_the_notifications_scope_is_told_to_sign_in_again() {
    use wiremock::matchers::{method, path};
    let server = wiremock::MockServer::start().await;
    wiremock::Mock::given(method("GET"))
        .and(path("/rest/posts"))
        .respond_with(
            wiremock::ResponseTemplate::new(200)
                .set_body_string(r#"{"paging":{"start":0,"count":1,"links":[]},"elements":[]}"#),
        )
        .mount(&server)
        .await;
    wiremock::Mock::given(method("GET"))
        .and(path("/rest/organizationalEntityNotifications"))
        .respond_with(wiremock::ResponseTemplate::new(403).set_body_string(
            r#"{"status":403,"serviceErrorCode":100,"code":"ACCESS_DENIED","message":"Not enough permissions to access: organizationalEntityNotifications.FINDER-criteria.20251001"}"#,
        ))
        .mount(&server)
        .await;
    let s = setup(&format!(
        "[[account]]\nname = \"brand-li\"\nplatform = \"linkedin\"\nhandle = \"urn:li:organization:2414183\"\nserver = \"{}\"\n[account.linkedin]\norganization = \"urn:li:organization:2414183\"\nversion = \"202510\"\n",
        server.uri()
    ));
    with_cache(&s);
    hark::platform::signin::token_file::save(
        &hark::platform::linkedin::token::token_path(&s.data, "brand-li"),
        &hark::platform::linkedin::token::Tokens {
            client_id: "client-1".into(),
            access_token: "li-sekrit-access".into(),
            expires_at: hark::domain::now() + 86_400 * 30,
            refresh_token: None,
            refresh_expires_at: None,
            scope: String::new(),
        },
    )
    .unwrap();
    let out = hark(&s, &["doctor"]);
    let text = stdout(&out);
    assert!(line(&text, "server brand-li").starts_with("✓ "), "{text}");
    let check = line(&text, "mentions brand-li");
    assert!(
        check.starts_with("✗ ") && check.contains("rw_organization_admin"),
        "{check}"
    );
    assert!(check.contains("hark account add linkedin"), "{check}");
    assert!(!text.contains("sekrit"), "{text}");
}
