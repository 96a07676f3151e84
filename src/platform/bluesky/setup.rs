//! `hark account add bluesky`: logs in once to check the handle and app password, then
//! prints the `[[account]]` block to paste into config.toml.

use crate::platform::AccountConfig;

/// Arguments of `hark account add bluesky`.
#[derive(Debug, Clone, clap::Args)]
pub struct AddArgs {
    /// The brand's handle (brand.bsky.social).
    #[arg(long)]
    pub handle: String,
    /// The PDS URL.
    #[arg(long, default_value = "https://bsky.social")]
    pub service: String,
    /// The account's name in hark (default: bluesky-<first label of the handle>).
    #[arg(long)]
    pub name: Option<String>,
    /// Environment variable holding the app password.
    #[arg(
        long,
        default_value = "HARK_BLUESKY_APP_PASSWORD",
        conflicts_with = "token_cmd"
    )]
    pub token_env: String,
    /// A command printing the app password (`pass show hark/bluesky`), instead of --token-env.
    #[arg(long)]
    pub token_cmd: Option<String>,
}

/// Verifies the login and returns the `[[account]]` block.
pub async fn add(args: &AddArgs) -> anyhow::Result<String> {
    let handle = args.handle.trim().trim_start_matches('@').to_string();
    let name = args
        .name
        .clone()
        .unwrap_or_else(|| format!("bluesky-{}", handle.split('.').next().unwrap_or("brand")));
    let account = AccountConfig {
        name: name.clone(),
        platform: "bluesky".into(),
        handle: handle.clone(),
        interval: None,
        server: Some(args.service.trim_end_matches('/').to_string()),
        token_env: args.token_cmd.is_none().then(|| args.token_env.clone()),
        token_cmd: args.token_cmd.clone(),
        network: None,
        allow_insecure: false,
        chat: None,
        graph: None,
        linkedin: None,
        discord: None,
        slack: None,
    };
    // No session file: a check must not leave a token behind.
    let connector = super::BlueskyConnector::from_account(&account, None)?;
    let (did, verified_handle) = connector
        .verify()
        .await
        .map_err(|e| anyhow::anyhow!("cannot log in to {}: {e}", args.service))?;
    let secret_line = match &args.token_cmd {
        Some(cmd) => format!("token_cmd = {}", toml_string(cmd)),
        None => format!("token_env = {}", toml_string(&args.token_env)),
    };
    Ok(format!(
        "# logged in as {verified_handle} ({did})\n[[account]]\nname = {}\nplatform = \"bluesky\"\nhandle = {}\nserver = {}\n{secret_line}\n",
        toml_string(&name),
        toml_string(&handle),
        toml_string(account.server.as_deref().unwrap_or_default()),
    ))
}

fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}
