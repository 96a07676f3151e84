use super::*;
use crate::platform::AccountConfig;

fn account(name: &str) -> AccountConfig {
    AccountConfig {
        name: name.into(),
        platform: "mastodon".into(),
        handle: String::new(),
        interval: None,
        server: None,
        token_env: None,
        token_cmd: None,
        network: None,
        allow_insecure: false,
        graph: None,
    }
}

#[test]
fn debug_and_display_never_show_the_value() {
    let secret = Secret::new("hunter2-token");
    assert!(!format!("{secret:?}").contains("hunter2"));
    assert!(!format!("{secret}").contains("hunter2"));
    assert_eq!(secret.expose(), "hunter2-token");
}

#[test]
fn the_environment_variable_wins_and_a_missing_one_is_named_not_quoted() {
    let mut a = account("env");
    a.token_env = Some("HARK_TEST_SECRETS_ENV_TOKEN".into());
    a.token_cmd = Some("echo from-cmd".into());
    std::env::set_var("HARK_TEST_SECRETS_ENV_TOKEN", " tok-env \n");
    assert_eq!(
        resolve_token(a.token_source(), None).unwrap().expose(),
        "tok-env"
    );
    a.token_env = Some("HARK_TEST_SECRETS_UNSET".into());
    let err = resolve_token(a.token_source(), None)
        .unwrap_err()
        .to_string();
    assert!(err.contains("HARK_TEST_SECRETS_UNSET"), "{err}");
}

#[test]
fn a_command_gives_its_first_line_and_a_failing_one_keeps_its_output_out_of_the_error() {
    let mut a = account("cmd");
    a.token_cmd = Some("printf 'tok-cmd\\nnotes: x\\n'".into());
    assert_eq!(
        resolve_token(a.token_source(), None).unwrap().expose(),
        "tok-cmd"
    );
    a.token_cmd = Some("echo leaked-secret; echo leaked-secret >&2; exit 3".into());
    let err = resolve_token(a.token_source(), None)
        .unwrap_err()
        .to_string();
    assert!(err.contains("exit"), "{err}");
    assert!(!err.contains("leaked-secret"), "{err}");
    a.token_cmd = Some("true".into());
    assert!(resolve_token(a.token_source(), None)
        .unwrap_err()
        .to_string()
        .contains("printed nothing"));
}

#[cfg(unix)]
#[test]
fn a_stored_token_file_is_private_and_an_open_one_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let a = account("masto");
    let path = store_token_file(dir.path(), "masto", &Secret::new("tok-file")).unwrap();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    assert_eq!(
        resolve_token(a.token_source(), Some(dir.path()))
            .unwrap()
            .expose(),
        "tok-file"
    );
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let err = resolve_token(a.token_source(), Some(dir.path()))
        .unwrap_err()
        .to_string();
    assert!(err.contains("chmod 600"), "{err}");
    assert!(!err.contains("tok-file"), "{err}");
}

#[test]
fn no_source_says_how_to_add_one() {
    let dir = tempfile::tempdir().unwrap();
    let err = resolve_token(account("none").token_source(), Some(dir.path()))
        .unwrap_err()
        .to_string();
    assert!(err.contains("hark account add"), "{err}");
}
