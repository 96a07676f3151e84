//! The app password comes from the shared resolver: the same sources as every account.

use super::*;

/// A Bluesky `[[account]]` with no token source set.
fn account(name: &str) -> AccountConfig {
    toml::from_str(&format!(
        "name = \"{name}\"\nplatform = \"bluesky\"\nhandle = \"brand.test\""
    ))
    .unwrap()
}

/// The resolver's own cases (environment, command, a token file open to others) are
/// tested beside it; here only that Bluesky goes through it with its data directory.
#[test]
fn the_app_password_can_live_in_the_accounts_private_token_file() {
    let dir = tempfile::tempdir().unwrap();
    let a = account("bsky");
    crate::secrets::store_token_file(dir.path(), "bsky", &Secret::new("app-pw-1")).unwrap();
    assert_eq!(
        app_password(&a, Some(dir.path())).unwrap().expose(),
        "app-pw-1"
    );
    assert!(BlueskyConnector::from_account(&a, Some(dir.path())).is_ok());
}

#[test]
fn no_source_names_the_app_password() {
    let dir = tempfile::tempdir().unwrap();
    let err = BlueskyConnector::from_account(&account("none"), Some(dir.path()))
        .err()
        .expect("no password")
        .to_string();
    assert!(err.contains("`none`"), "{err}");
    assert!(
        err.contains("set token_env or token_cmd to the Bluesky app password"),
        "{err}"
    );
}
