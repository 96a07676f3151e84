//! `hark account add slack`: checks the bot token with `auth.test` (docs "auth.test"),
//! names any scope hark needs that the token lacks (Slack lists a token's scopes in the
//! `x-oauth-scopes` header of every answer), and prints the `[[account]]` block.

use super::tiers::Access;
use super::{Settings, SlackConnector};
use crate::secrets::TokenSource;

/// The bot scopes hark uses: reading channels, private channels, DMs and group DMs,
/// people's names, and writing replies.
pub const BOT_SCOPES: &[&str] = &[
    "channels:read",
    "channels:history",
    "groups:read",
    "groups:history",
    "im:read",
    "im:history",
    "mpim:read",
    "mpim:history",
    "users:read",
    "chat:write",
];

/// Arguments of `hark account add slack`.
#[derive(Debug, Clone, clap::Args)]
pub struct AddArgs {
    /// Environment variable holding the bot token (xoxb-…); default HARK_SLACK_TOKEN.
    #[arg(long, conflicts_with = "token_cmd")]
    pub token_env: Option<String>,
    /// A command printing the bot token (`pass show hark/slack`).
    #[arg(long)]
    pub token_cmd: Option<String>,
    /// Environment variable holding a workspace admin's user token (xoxp-…), for deleting
    /// others' messages and removing people from channels.
    #[arg(long)]
    pub user_token_env: Option<String>,
    /// Environment variable holding an app-level token (xapp-…, scope connections:write)
    /// for Socket Mode: mentions and DMs pushed as they happen.
    #[arg(long)]
    pub app_token_env: Option<String>,
    /// The account's name in hark (default: slack-<workspace>).
    #[arg(long)]
    pub name: Option<String>,
    /// The app is internal or in the Marketplace (`internal`), or a commercial app outside
    /// it (`limited`); found from Slack's answers when left out.
    #[arg(long, value_parser = ["auto", "internal", "limited"], default_value = "auto")]
    pub app: String,
    /// The Web API's address (a test server); Slack's own when left out.
    #[arg(long, hide = true)]
    pub server: Option<String>,
}

/// The scopes of `wanted` that `has` lacks.
pub fn missing<'a>(wanted: &[&'a str], has: &[String]) -> Vec<&'a str> {
    wanted
        .iter()
        .copied()
        .filter(|w| !has.iter().any(|h| h == w))
        .collect()
}

/// Verifies the tokens and returns the `[[account]]` block.
pub async fn add(args: &AddArgs) -> anyhow::Result<String> {
    let base = match &args.server {
        Some(s) => crate::platform::server::check(s, false).map_err(anyhow::Error::msg)?,
        None => super::client::API_BASE.to_string(),
    };
    let var = args
        .token_env
        .clone()
        .unwrap_or_else(|| "HARK_SLACK_TOKEN".into());
    let name_hint = args.name.clone().unwrap_or_else(|| "slack".into());
    let token = crate::secrets::resolve_token(
        TokenSource {
            account: &name_hint,
            env: args.token_cmd.is_none().then_some(var.as_str()),
            cmd: args.token_cmd.as_deref(),
        },
        None,
    )?;
    let user_token = match &args.user_token_env {
        Some(v) => Some(crate::secrets::resolve_token(
            TokenSource {
                account: &name_hint,
                env: Some(v),
                cmd: None,
            },
            None,
        )?),
        None => None,
    };
    let access = match args.app.as_str() {
        "internal" => Access::Internal,
        "limited" => Access::Limited,
        _ => Access::Auto,
    };
    let connector = SlackConnector::new(Settings {
        base: base.clone(),
        token,
        user_token,
        app_token: None,
        watch: Default::default(),
        access,
    })?;
    let me = connector
        .verify()
        .await
        .map_err(|e| anyhow::anyhow!("Slack did not accept the bot token: {e}"))?;
    if me.bot_id.is_none() {
        anyhow::bail!(
            "the token belongs to the user {}, not to a bot: use the app's Bot User OAuth Token (xoxb-…)",
            me.name.as_deref().unwrap_or(&me.user_id)
        );
    }
    if let Some(has) = connector.client.scopes() {
        let lacking = missing(BOT_SCOPES, &has);
        if !lacking.is_empty() {
            anyhow::bail!(
                "the bot token lacks the scopes {} (it has: {}); add them under the app's \
                 OAuth & Permissions and reinstall the app",
                lacking.join(", "),
                has.join(",")
            );
        }
    }
    let mut admin_line = String::new();
    if let Some(checked) = connector.verify_admin().await {
        let admin =
            checked.map_err(|e| anyhow::anyhow!("Slack did not accept the user token: {e}"))?;
        admin_line = format!(
            "# the user token is {}'s: deleting others' messages needs a workspace admin or owner\n",
            admin.name.as_deref().unwrap_or(&admin.user_id)
        );
    }
    if let Some(v) = &args.app_token_env {
        let app_token = crate::secrets::resolve_token(
            TokenSource {
                account: &name_hint,
                env: Some(v),
                cmd: None,
            },
            None,
        )?;
        let app = super::client::Client::new(&base, app_token)?;
        super::socket::open(&app, &super::tiers::Pacer::default())
            .await
            .map_err(|e| {
                anyhow::anyhow!("Slack did not open Socket Mode with the app-level token: {e}")
            })?;
    }
    let team = me.team.clone().unwrap_or_else(|| "workspace".into());
    let name = args.name.clone().unwrap_or_else(|| {
        let slug: String = team
            .to_lowercase()
            .chars()
            .map(|c| if c.is_alphanumeric() { c } else { '-' })
            .collect();
        format!("slack-{}", slug.trim_matches('-'))
    });
    let secret_line = match &args.token_cmd {
        Some(cmd) => format!("token_cmd = {}", toml_string(cmd)),
        None => format!("token_env = {}", toml_string(&var)),
    };
    let server_line = match &args.server {
        Some(_) => format!("server = {}\n", toml_string(&base)),
        None => String::new(),
    };
    let mut slack = format!("app = {}\n", toml_string(&args.app));
    if let Some(v) = &args.user_token_env {
        slack.push_str(&format!("user_token_env = {}\n", toml_string(v)));
    }
    if let Some(v) = &args.app_token_env {
        slack.push_str(&format!("app_token_env = {}\n", toml_string(v)));
    }
    Ok(format!(
        "# signed in as {} ({}) in {team}\n{admin_line}[[account]]\nname = {}\nplatform = \"slack\"\nhandle = {}\n{secret_line}\n{server_line}[account.slack]\n{slack}# Channels to watch (every channel the bot is in when left out); see the README, Slack.\n# [account.chat]\n# rooms = [\"#help\"]\n# modes = {{ \"#help\" = \"support\" }}\n",
        me.name.as_deref().unwrap_or(&me.user_id),
        me.user_id,
        toml_string(&name),
        toml_string(me.name.as_deref().unwrap_or(&me.user_id)),
    ))
}

fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_scopes_are_named() {
        let has: Vec<String> = ["channels:read", "channels:history", "chat:write"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            missing(&["channels:history", "im:history", "chat:write"], &has),
            ["im:history"]
        );
    }
}
