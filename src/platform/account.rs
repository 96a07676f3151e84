//! `[[account]]`: one connected account, the connectors' own config section, and the
//! checks that need nothing but the accounts themselves.

use std::collections::HashSet;
use std::time::Duration;

use serde::Deserialize;

use super::{server, KNOWN_PLATFORMS};
use crate::duration;
use crate::secrets::TokenSource;

/// One connected account on one platform.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountConfig {
    /// A short unique name ("brand-mastodon"); the store keys accounts by it.
    pub name: String,
    /// Which connector serves it: "demo", "mastodon", "bluesky".
    pub platform: String,
    /// The brand's handle on that platform.
    #[serde(default)]
    pub handle: String,
    /// Overrides `[poll] interval` for this account.
    #[serde(default, deserialize_with = "duration::poll_option")]
    pub interval: Option<Duration>,
    /// The server's base URL (Mastodon instance, Bluesky PDS).
    #[serde(default)]
    pub server: Option<String>,
    /// Name of an environment variable holding the token or app password.
    #[serde(default)]
    pub token_env: Option<String>,
    /// A command whose standard output is the token (`pass show hark/masto`).
    #[serde(default)]
    pub token_cmd: Option<String>,
    /// For the demo platform: which simulated network to serve.
    #[serde(default)]
    pub network: Option<String>,
    /// Allows a plain `http://` server that is not on this machine (the token then
    /// crosses the network unencrypted). Loopback addresses need no opt-in.
    #[serde(default)]
    pub allow_insecure: bool,
    /// `[account.chat]`: the rooms a chat account watches, and how (see `platform::chat`).
    #[serde(default)]
    pub chat: Option<super::chat::Watch>,
    /// Facebook and Instagram: `[account.graph]` (the Page or Instagram user id, the
    /// Graph API version, the look-back).
    #[serde(default)]
    pub graph: Option<super::meta::GraphSettings>,
    /// LinkedIn: `[account.linkedin]` (the organization, the API version).
    #[serde(default)]
    pub linkedin: Option<super::linkedin::LinkedInSettings>,
    /// Discord: `[account.discord]` (the guild, the time-out length).
    #[serde(default)]
    pub discord: Option<super::discord::DiscordSettings>,
    /// Slack: `[account.slack]` (the app's rate limits, an admin's user token).
    #[serde(default)]
    pub slack: Option<super::slack::SlackSettings>,
}

impl AccountConfig {
    /// Where this account's token comes from, as the secret resolver reads it.
    pub fn token_source(&self) -> TokenSource<'_> {
        TokenSource {
            account: &self.name,
            env: self.token_env.as_deref(),
            cmd: self.token_cmd.as_deref(),
        }
    }
}

/// Checks the `[[account]]` entries: names present and unique, platforms known, servers
/// well formed. The message names the account and says what to write.
pub fn validate(accounts: &[AccountConfig]) -> Result<(), String> {
    let mut names = HashSet::new();
    for account in accounts {
        if account.name.trim().is_empty() {
            return Err("an [[account]] has an empty name".into());
        }
        if !names.insert(account.name.as_str()) {
            return Err(format!(
                "two [[account]] entries are named `{}`",
                account.name
            ));
        }
        if !KNOWN_PLATFORMS.contains(&account.platform.as_str()) {
            return Err(format!(
                "account `{}`: unknown platform `{}` (known: {})",
                account.name,
                account.platform,
                KNOWN_PLATFORMS.join(", ")
            ));
        }
        if account.platform == "mastodon" && account.server.is_none() {
            return Err(format!(
                "account `{}`: a Mastodon account needs `server` (the instance's URL)",
                account.name
            ));
        }
        if account.platform == "matrix" && (account.server.is_none() || account.handle.is_empty()) {
            return Err(format!(
                "account `{}`: a Matrix account needs `server` (the homeserver's URL) and \
                 `handle` (the user id, @name:server)",
                account.name
            ));
        }
        if account.chat.is_some() && !super::chat::PLATFORMS.contains(&account.platform.as_str()) {
            return Err(format!(
                "account `{}`: [account.chat] is for chat platforms ({}), not {}",
                account.name,
                super::chat::PLATFORMS.join(", "),
                account.platform
            ));
        }
        if account.platform == "discord" {
            super::discord::settings_of(account)
                .map_err(|e| format!("account `{}`: {e}", account.name))?;
        }
        if account.slack.is_some() && account.platform != "slack" {
            return Err(format!(
                "account `{}`: [account.slack] is for Slack accounts, not {}",
                account.name, account.platform
            ));
        }
        if matches!(account.platform.as_str(), "facebook" | "instagram") {
            super::meta::settings_of(account)
                .map_err(|e| format!("account `{}`: {e}", account.name))?;
        }
        if account.platform == "linkedin" {
            super::linkedin::settings_of(account)
                .map_err(|e| format!("account `{}`: {e}", account.name))?;
        }
        if let Some(server) = &account.server {
            server::check(server, account.allow_insecure)
                .map_err(|e| format!("account `{}`: {e}", account.name))?;
        }
    }
    Ok(())
}
