//! `hark account add facebook|instagram` against a local Graph API: the token inspected
//! with `debug_token`, missing permissions named, the `[[account]]` block printed, a
//! pasted token kept in a private file and never printed.

use std::process::Command;

use hark::platform::meta::setup::{add, TokenArgs};
use hark::platform::meta::Network;
use serde_json::{json, Value};
use wiremock::matchers::{path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const PAGE: &str = "104000000000001";
const TOKEN: &str = "EAAsetupTOKENvalue0123456789";

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

async fn graph(scopes: &[&str], profile: &str) -> MockServer {
    let server = MockServer::start().await;
    let mut token = fixture("debug_token.json");
    token["data"]["scopes"] = json!(scopes);
    token["data"]["profile_id"] = json!(profile);
    Mock::given(path("/v21.0/debug_token"))
        .and(query_param("input_token", TOKEN))
        .respond_with(ResponseTemplate::new(200).set_body_json(token))
        .mount(&server)
        .await;
    Mock::given(path(format!("/v21.0/{PAGE}")))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"id": PAGE, "name": "Nimbus Coffee"})),
        )
        .mount(&server)
        .await;
    Mock::given(path("/v21.0/17841400000000001"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"id": "17841400000000001", "username": "nimbuscoffee"})),
        )
        .mount(&server)
        .await;
    server
}

fn args(server: &MockServer) -> TokenArgs {
    TokenArgs {
        name: None,
        token_env: None,
        token_cmd: None,
        graph_version: "v21.0".into(),
        server: server.uri(),
    }
}

const ALL: &[&str] = &[
    "pages_show_list",
    "pages_read_engagement",
    "pages_read_user_content",
    "pages_manage_engagement",
    "pages_messaging",
    "pages_manage_metadata",
    "instagram_basic",
    "instagram_manage_comments",
    "instagram_manage_messages",
];

#[tokio::test]
async fn a_pasted_page_token_is_checked_stored_privately_and_never_printed() {
    let server = graph(ALL, PAGE).await;
    let dir = tempfile::tempdir().unwrap();
    let mut input = format!("{TOKEN}\n").into_bytes();
    let mut out = Vec::new();
    add(
        Network::Facebook,
        PAGE,
        &args(&server),
        dir.path(),
        &mut &input[..],
        &mut out,
    )
    .await
    .unwrap();
    input.clear();
    let out = String::from_utf8(out).unwrap();
    assert!(!out.contains(TOKEN), "{out}");
    assert!(out.contains("It does not expire."), "{out}");
    assert!(!out.contains("Without"), "every permission is there: {out}");
    assert!(
        out.contains("name = \"facebook-nimbus-coffee\"\nplatform = \"facebook\"\nhandle = \"Nimbus Coffee\""),
        "{out}"
    );
    assert!(
        out.contains("[account.graph]\nid = \"104000000000001\"\nversion = \"v21.0\""),
        "{out}"
    );
    assert!(
        out.contains("interval = \"2m\""),
        "a pace Graph's budget allows: {out}"
    );
    let file = dir.path().join("tokens/facebook-nimbus-coffee.token");
    assert_eq!(std::fs::read_to_string(&file).unwrap().trim(), TOKEN);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    // The printed block is a valid account.
    let block = &out[out.find("[[account]]").unwrap()..];
    let config: toml::Value = toml::from_str(block).unwrap();
    let account: hark::platform::AccountConfig = config["account"][0].clone().try_into().unwrap();
    hark::platform::account::validate(&[account]).unwrap();
}

#[tokio::test]
async fn each_missing_permission_is_named_with_what_it_is_for() {
    let server = graph(&["pages_show_list", "pages_read_engagement"], PAGE).await;
    let dir = tempfile::tempdir().unwrap();
    let input = format!("{TOKEN}\n").into_bytes();
    let err = add(
        Network::Facebook,
        PAGE,
        &args(&server),
        dir.path(),
        &mut &input[..],
        &mut Vec::new(),
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(err.contains("lacks 2 permissions"), "{err}");
    assert!(
        err.contains("pages_read_user_content: to read visitor posts"),
        "{err}"
    );
    assert!(
        err.contains("pages_manage_engagement: to reply to, hide and delete comments"),
        "{err}"
    );
    assert!(!err.contains(TOKEN));
    assert!(!dir.path().join("tokens").exists(), "nothing stored");

    let server = graph(&["instagram_basic", "pages_read_engagement"], PAGE).await;
    let err = add(
        Network::Instagram,
        "17841400000000001",
        &args(&server),
        dir.path(),
        &mut &input[..],
        &mut Vec::new(),
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(err.contains("instagram_manage_comments"), "{err}");
}

#[tokio::test]
async fn a_token_without_the_messaging_permission_is_added_and_says_dms_will_not_be_read() {
    let scopes: Vec<&str> = ALL
        .iter()
        .copied()
        .filter(|s| *s != "pages_messaging")
        .collect();
    let server = graph(&scopes, PAGE).await;
    let dir = tempfile::tempdir().unwrap();
    let input = format!("{TOKEN}\n").into_bytes();
    let mut out = Vec::new();
    add(
        Network::Facebook,
        PAGE,
        &args(&server),
        dir.path(),
        &mut &input[..],
        &mut out,
    )
    .await
    .unwrap();
    let out = String::from_utf8(out).unwrap();
    assert!(
        out.contains("Without pages_messaging hark cannot read and answer Messenger conversations: direct messages will not be read."),
        "{out}"
    );
}

#[tokio::test]
async fn a_token_of_another_page_is_refused() {
    let server = graph(ALL, "999000000000001").await;
    let dir = tempfile::tempdir().unwrap();
    let input = format!("{TOKEN}\n").into_bytes();
    let err = add(
        Network::Facebook,
        PAGE,
        &args(&server),
        dir.path(),
        &mut &input[..],
        &mut Vec::new(),
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(err.contains("belongs to Page 999000000000001"), "{err}");
}

#[tokio::test]
async fn an_instagram_account_from_token_env_prints_its_block() {
    let server = graph(ALL, PAGE).await;
    let dir = tempfile::tempdir().unwrap();
    std::env::set_var("HARK_TEST_META_TOKEN", TOKEN);
    let mut a = args(&server);
    a.token_env = Some("HARK_TEST_META_TOKEN".into());
    let mut out = Vec::new();
    add(
        Network::Instagram,
        "17841400000000001",
        &a,
        dir.path(),
        &mut &b""[..],
        &mut out,
    )
    .await
    .unwrap();
    let out = String::from_utf8(out).unwrap();
    assert!(
        out.contains("platform = \"instagram\"\nhandle = \"nimbuscoffee\""),
        "{out}"
    );
    assert!(
        out.contains("token_env = \"HARK_TEST_META_TOKEN\""),
        "{out}"
    );
    assert!(
        !dir.path().join("tokens").exists(),
        "the token stays where it was"
    );
}

#[test]
fn the_commands_exist_and_an_account_without_its_id_is_refused() {
    for network in ["facebook", "instagram"] {
        let out = Command::new(env!("CARGO_BIN_EXE_hark"))
            .args(["account", "add", network, "--help"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{network}");
        let help = String::from_utf8_lossy(&out.stdout);
        assert!(
            help.contains(if network == "facebook" {
                "--page"
            } else {
                "--account"
            }),
            "{help}"
        );
        assert!(help.contains("--graph-version"), "{help}");
    }
    let account: hark::platform::AccountConfig =
        toml::from_str("name = \"fb\"\nplatform = \"facebook\"\n").unwrap();
    let err = hark::platform::account::validate(&[account]).unwrap_err();
    assert!(
        err.contains("set [account.graph] id to the Page id"),
        "{err}"
    );
    let account: hark::platform::AccountConfig = toml::from_str(
        "name = \"ig\"\nplatform = \"instagram\"\n[graph]\nid = \"1784\"\nversion = \"21\"\n",
    )
    .unwrap();
    let err = hark::platform::account::validate(&[account]).unwrap_err();
    assert!(err.contains("is not a version"), "{err}");
}

/// `hark doctor` asks `debug_token` for each Facebook or Instagram account and names the
/// permission a token lacks.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_doctor_names_a_missing_permission() {
    let server = graph(&["pages_read_engagement", "pages_read_user_content"], PAGE).await;
    let temp = tempfile::tempdir().unwrap();
    let data = temp.path().join("data");
    std::fs::create_dir(&data).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o700)).unwrap();
    }
    let config = temp.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[[account]]\nname = \"fb\"\nplatform = \"facebook\"\nhandle = \"Nimbus Coffee\"\nserver = \"{}\"\ntoken_env = \"HARK_TEST_DOCTOR_TOKEN\"\n[account.graph]\nid = \"{PAGE}\"\n",
            server.uri()
        ),
    )
    .unwrap();
    let out = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_hark"))
            .arg("--config")
            .arg(&config)
            .arg("--data-dir")
            .arg(&data)
            .arg("doctor")
            .env("HARK_TEST_DOCTOR_TOKEN", TOKEN)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let line = text
        .lines()
        .find(|l| l.contains("server fb:"))
        .unwrap_or_else(|| panic!("no server line in:\n{text}"));
    assert!(
        line.contains("the token lacks pages_manage_engagement"),
        "{line}"
    );
    assert!(!text.contains(TOKEN));
}
