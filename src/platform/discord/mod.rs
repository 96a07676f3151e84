//! Discord through its HTTP API (developer docs, API v10) as a bot in one guild: channel
//! messages in by REST polling, replies and moderation out, the bot token of one account.
//!
//! Guild channels by REST polling, not the gateway: hark reads a cache that pollers fill,
//! and a poll per watched channel with an `after` cursor stores each page with its cursor
//! in one transaction, as every other connector does, so a crash or a second hark process
//! on the same data directory re-reads at most a page. Quiet channels cost nothing: the
//! channel list's `last_message_id` says which have news. Guild messages over the gateway
//! would need REST anyway for everything said while hark was not running, the privileged
//! intents, and a session whichever process polls.
//!
//! DMs to the bot, which only the gateway announces, come over a gateway session
//! ([`gateway`]) of the DIRECT_MESSAGES intent alone, one per bot per data directory; each
//! DM channel then has a cursor like any channel (`@` and its id) and is read back by REST
//! after each new session.
//!
//! Channels are matched as chat rooms ([`crate::platform::chat`]): `#name`, its id, or its
//! category (as a space).

mod archived;
mod client;
mod dms;
mod fetch;
pub mod gateway;
pub mod layout;
pub mod messages;
pub mod moderation;
mod pace;
pub mod permissions;
mod send;
pub mod setup;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use serde_json::Value;

use super::{Capabilities, Connector, FetchPage, ModerationAction, PlatformError, Target};
use crate::domain::{ItemKind, NewItem, ResendGuard};
use crate::platform::chat::Watch;
use crate::platform::kinds;
use crate::platform::notice::Trouble;
use crate::platform::AccountConfig;
use crate::secrets::Secret;

pub use client::{Client, API_BASE};
use layout::Layout;

/// A message's length limit (developer docs, "Create Message": content up to 2000
/// characters).
pub const MESSAGE_LIMIT: usize = 2000;
/// Messages per list request (Discord's maximum).
pub const PAGE_LIMIT: u32 = 100;
/// How long a time-out lasts unless `[account.discord] timeout` says otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(3600);
/// Discord's longest time-out: 28 days.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(28 * 24 * 3600);

/// `[account.discord]`: the guild, and how long a time-out lasts.
#[derive(Debug, Clone, Default, serde::Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DiscordSettings {
    /// The guild (server) id.
    pub guild: String,
    /// How long `mute` (a Discord time-out) lasts: "10m", "1h", "1d" (at most 28 days).
    #[serde(default, deserialize_with = "timeout_option")]
    pub timeout: Option<Duration>,
    /// The name the server's audit log shows for moderation done through hark ("hark:
    /// ban by sam"); the login name of whoever runs hark by default.
    #[serde(default)]
    pub moderator: Option<String>,
}

/// The login name of whoever runs hark, for the audit log.
fn login_name() -> String {
    ["USER", "USERNAME", "LOGNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|n| !n.trim().is_empty()))
        .unwrap_or_else(|| "a community manager".into())
}

fn timeout_option<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
    crate::duration::deserialize(d).map(Some)
}

/// How a connector is set up (from `[[account]]`, or by tests).
#[derive(Debug, Clone)]
pub struct Settings {
    /// The API base (`https://discord.com/api/v10`); a local server in tests.
    pub api_base: String,
    pub guild_id: String,
    pub token: Secret,
    pub watch: Watch,
    /// Messages per list request.
    pub page_limit: u32,
    pub timeout: Duration,
    /// Who acts, for the audit log's reason (the CM's name).
    pub moderator: String,
    /// The data directory: with one, DMs come over a gateway session (one per bot here).
    pub data_dir: Option<std::path::PathBuf>,
}

/// The bot user (`GET /users/@me`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Me {
    pub id: String,
    pub username: String,
}

pub struct DiscordConnector {
    client: Client,
    guild_id: String,
    watch: Watch,
    page_limit: u32,
    timeout: Duration,
    /// The CM's name, in the audit-log reason of each moderation.
    moderator: String,
    me: tokio::sync::OnceCell<Me>,
    /// The guild and the bot's roles, read at most every [`layout::ROLES_TTL`].
    roles: Mutex<Option<(Instant, permissions::Guild, permissions::Member)>>,
    /// The last layout a round built (moderation checks permissions in it).
    layout: Mutex<Option<Arc<Layout>>>,
    /// Message text arrives empty: the Message Content intent is off.
    intent: Trouble,
    /// Watched channels the bot may not read.
    unreadable: Trouble,
    /// The bot token again, for the gateway's identify.
    token: Secret,
    data_dir: Option<std::path::PathBuf>,
    /// The last listing of archived threads.
    archived: Mutex<archived::Listing>,
    /// DMs and news from the gateway session.
    gateway: Arc<gateway::Shared>,
    session: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl Drop for DiscordConnector {
    fn drop(&mut self) {
        if let Some(task) = self.session.lock().unwrap().take() {
            task.abort();
        }
    }
}

impl DiscordConnector {
    pub fn new(settings: Settings) -> Result<DiscordConnector, PlatformError> {
        let guild_id = settings.guild_id.trim().to_string();
        if guild_id.is_empty() || !guild_id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(PlatformError::Permanent(format!(
                "`{guild_id}` is not a Discord guild id: copy the server's id (Developer Mode \
                 on, right-click the server → Copy Server ID)"
            )));
        }
        Ok(DiscordConnector {
            client: Client::new(&settings.api_base, settings.token.clone())?,
            token: settings.token,
            data_dir: settings.data_dir,
            gateway: Default::default(),
            session: Default::default(),
            archived: Default::default(),
            guild_id,
            watch: settings.watch,
            page_limit: settings.page_limit.clamp(1, PAGE_LIMIT),
            timeout: settings.timeout.min(MAX_TIMEOUT),
            moderator: settings.moderator,
            me: Default::default(),
            roles: Default::default(),
            layout: Default::default(),
            intent: Trouble::default(),
            unreadable: Trouble::default(),
        })
    }

    /// Builds the connector for an `[[account]]` with `[account.discord] guild`; the bot
    /// token is found as every account's token is.
    pub fn from_account(
        account: &AccountConfig,
        data_dir: Option<&std::path::Path>,
    ) -> anyhow::Result<DiscordConnector> {
        let settings =
            settings_of(account).map_err(|e| anyhow::anyhow!("account `{}`: {e}", account.name))?;
        let api_base = match account.server.as_deref() {
            Some(server) => crate::platform::server::check(server, account.allow_insecure)
                .map_err(|e| anyhow::anyhow!("account `{}`: {e}", account.name))?,
            None => API_BASE.to_string(),
        };
        let token = match crate::secrets::resolve_token(account.token_source(), data_dir) {
            Err(crate::secrets::SecretError::NoSource { account }) => anyhow::bail!(
                "account `{account}`: set token_env or token_cmd to the bot token, or run \
                 `hark account add discord`"
            ),
            found => found?,
        };
        DiscordConnector::new(Settings {
            api_base,
            guild_id: settings.guild,
            token,
            watch: account.chat.clone().unwrap_or_default(),
            page_limit: PAGE_LIMIT,
            timeout: settings.timeout.unwrap_or(DEFAULT_TIMEOUT),
            moderator: settings.moderator.unwrap_or_else(login_name),
            data_dir: data_dir.map(std::path::Path::to_path_buf),
        })
        .map_err(|e| anyhow::anyhow!("account `{}`: {e}", account.name))
    }

    /// `GET /users/@me`: the bot the token belongs to.
    pub async fn me(&self) -> Result<Me, PlatformError> {
        self.me
            .get_or_try_init(|| async {
                let me = self.client.get("who am I", "/users/@me", &[]).await?;
                let id = me["id"]
                    .as_str()
                    .ok_or_else(|| PlatformError::Malformed("/users/@me: no id".into()))?;
                if me["bot"] != true {
                    tracing::warn!("discord: the token is not a bot's");
                }
                Ok(Me {
                    id: id.to_string(),
                    username: me["username"].as_str().unwrap_or(id).to_string(),
                })
            })
            .await
            .cloned()
    }

    /// `GET /applications/@me`'s `flags`: whether the Message Content intent is on
    /// (GATEWAY_MESSAGE_CONTENT, or its _LIMITED form for bots in under 100 servers).
    pub async fn content_intent(&self) -> Result<bool, PlatformError> {
        let app = self
            .client
            .get("application", "/applications/@me", &[])
            .await?;
        let flags = app["flags"].as_u64().unwrap_or(0);
        Ok(flags & ((1 << 18) | (1 << 19)) != 0)
    }

    /// The guild's channels and active threads with the bot's permissions, read now.
    pub async fn layout(&self) -> Result<Arc<Layout>, PlatformError> {
        let (guild, bot) = self.roles().await?;
        let base = format!("/guilds/{}", self.guild_id);
        let channels = self
            .client
            .get("channels", &format!("{base}/channels"), &[])
            .await?;
        let active = self
            .client
            .get("active threads", &format!("{base}/threads/active"), &[])
            .await?;
        let channels = channels.as_array().cloned().unwrap_or_default();
        // Which channels are watched and readable decides whose archived threads to list.
        let first = Layout::build(guild.clone(), bot.clone(), &channels, &active);
        let archived = archived::threads(self, &first).await?;
        let threads = archived::merge(&active, &archived);
        let layout = Arc::new(Layout::build(guild, bot, &channels, &threads));
        *self.layout.lock().unwrap() = Some(layout.clone());
        Ok(layout)
    }

    /// The layout of the last round, else a new one.
    async fn known_layout(&self) -> Result<Arc<Layout>, PlatformError> {
        let known = self.layout.lock().unwrap().clone();
        match known {
            Some(l) => Ok(l),
            None => self.layout().await,
        }
    }

    /// The layout with the guild's roles read again: before refusing for a missing
    /// permission, in case a role changed since they were read.
    async fn fresh_layout(&self) -> Result<Arc<Layout>, PlatformError> {
        self.roles.lock().unwrap().take();
        self.layout().await
    }

    async fn roles(&self) -> Result<(permissions::Guild, permissions::Member), PlatformError> {
        if let Some((at, g, m)) = self.roles.lock().unwrap().clone() {
            if at.elapsed() < layout::ROLES_TTL {
                return Ok((g, m));
            }
        }
        let me = self.me().await?;
        let base = format!("/guilds/{}", self.guild_id);
        let guild = self.client.get("guild", &base, &[]).await?;
        let member = self
            .client
            .get("the bot's roles", &format!("{base}/members/{}", me.id), &[])
            .await?;
        let g = permissions::Guild::from_json(&guild);
        let m = permissions::Member::from_json(&me.id, &member);
        *self.roles.lock().unwrap() = Some((Instant::now(), g.clone(), m.clone()));
        Ok((g, m))
    }

    /// Starts the gateway session for DMs, once, where a data directory is known. A failure
    /// to learn the gateway's address is tried again on the next fetch.
    async fn start_gateway(&self, me: &Me) {
        let Some(data_dir) = self.data_dir.clone() else {
            return;
        };
        if !gateway::allowed() || self.session.lock().unwrap().is_some() {
            return;
        }
        let url = match self.client.get("gateway", "/gateway/bot", &[]).await {
            Ok(answer) => answer["url"].as_str().map(str::to_string),
            Err(e) => {
                tracing::warn!(error = %e, "discord: cannot learn the gateway's address");
                return;
            }
        };
        // A secure gateway, or a plain one only where the API itself is plain (a local
        // server): the token never crosses an open connection to a stranger.
        let Some(url) = url
            .filter(|u| u.starts_with("wss://") || (u.starts_with("ws://") && self.client.plain()))
        else {
            tracing::warn!("discord: /gateway/bot named no usable wss:// address");
            return;
        };
        let setup = gateway::Setup {
            url,
            token: self.token.clone(),
            data_dir,
            bot_id: me.id.clone(),
        };
        let mut session = self.session.lock().unwrap();
        if session.is_none() {
            *session = Some(tokio::spawn(gateway::run(setup, self.gateway.clone())));
        }
    }

    /// The bot's permissions in each watched channel, in the CM's words.
    pub async fn permission_lines(&self) -> Result<Vec<String>, PlatformError> {
        let layout = self.layout().await?;
        Ok(layout
            .watched(&self.watch)
            .filter(|s| s.thread.is_none())
            .map(|s| format!("{}: {}", s.label(), permissions::describe(s.perms)))
            .collect())
    }
}

/// `[account.discord]` of an account, checked.
pub fn settings_of(account: &AccountConfig) -> Result<DiscordSettings, String> {
    let settings = account.discord.clone().ok_or_else(|| {
        "a Discord account needs [account.discord] with `guild` (the server's id)".to_string()
    })?;
    if settings.guild.is_empty() || !settings.guild.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "[account.discord] guild `{}` is not a server id (digits only)",
            settings.guild
        ));
    }
    if settings
        .timeout
        .is_some_and(|t| t > MAX_TIMEOUT || t.is_zero())
    {
        return Err("[account.discord] timeout is between a minute and 28 days".into());
    }
    Ok(settings)
}

/// The channel of a stored item.
fn channel_of(target: &Target) -> Result<String, PlatformError> {
    messages::channel_of(target.raw_json.as_deref()).ok_or_else(|| {
        PlatformError::Permanent(format!(
            "the stored message {} names no channel",
            target.external_id
        ))
    })
}

#[async_trait]
impl Connector for DiscordConnector {
    fn platform(&self) -> &str {
        "discord"
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            reply_limit: Some(crate::replies::length::Limit::length(MESSAGE_LIMIT)),
            direct_messages: self.data_dir.is_some(),
            moderation: moderation::MODERATION.to_vec(),
        }
    }

    fn rate_remaining(&self) -> Option<(u32, u32)> {
        self.client.tightest()
    }

    fn take_notice(&self) -> Option<String> {
        self.intent
            .take_notice()
            .or_else(|| self.unreadable.take_notice())
            .or_else(|| self.gateway.trouble.take_notice())
    }

    async fn fetch(&self, cursor: Option<&str>) -> Result<FetchPage, PlatformError> {
        fetch::fetch(self, cursor).await
    }

    async fn reply(
        &self,
        target: &Target,
        text: &str,
        idempotency_key: &str,
    ) -> Result<String, PlatformError> {
        send::reply(self, target, text, idempotency_key).await
    }

    async fn moderate(
        &self,
        target: &Target,
        action: ModerationAction,
    ) -> Result<(), PlatformError> {
        moderation::moderate(self, target, action).await
    }

    /// Discord drops a repeated nonce only for a few minutes: an uncertain reply is read
    /// back from the channel before any resend (and the resend keeps its nonce).
    fn resend_guard(&self, kind: &str, _item_kind: ItemKind) -> ResendGuard {
        match kind {
            kinds::REPLY => ResendGuard::ReadBack,
            _ => ResendGuard::Idempotent,
        }
    }

    fn dedups_replies(&self) -> bool {
        false
    }

    async fn find_reply(
        &self,
        target: &Target,
        text: &str,
        idempotency_key: &str,
    ) -> Result<Option<String>, PlatformError> {
        send::find_reply(self, target, text, idempotency_key).await
    }

    async fn thread(&self, target: &Target) -> Result<Vec<NewItem>, PlatformError> {
        fetch::around(self, target).await
    }
}

/// Parses a JSON answer expected to be a list.
fn list(v: Value, what: &str) -> Result<Vec<Value>, PlatformError> {
    match v {
        Value::Array(a) => Ok(a),
        _ => Err(PlatformError::Malformed(format!("{what}: not a list"))),
    }
}

#[cfg(test)]
mod tests {
    use crate::platform::account::{validate, AccountConfig};

    fn parse(t: &str) -> AccountConfig {
        toml::from_str(t).unwrap()
    }

    #[test]
    fn a_discord_account_names_its_guild_and_a_time_out_within_28_days() {
        let base = "name = \"dc\"\nplatform = \"discord\"\ntoken_env = \"T\"\n";
        let err = validate(&[parse(base)]).unwrap_err();
        assert!(
            err.contains("needs [account.discord] with `guild`"),
            "{err}"
        );
        let ok = parse(&format!(
            "{base}[discord]\nguild = \"197038439483310086\"\ntimeout = \"10m\"\n[chat]\nrooms = [\"#help\"]"
        ));
        assert!(validate(std::slice::from_ref(&ok)).is_ok());
        assert_eq!(
            super::settings_of(&ok).unwrap().timeout,
            Some(std::time::Duration::from_secs(600))
        );
        let bad = parse(&format!("{base}[discord]\nguild = \"my server\""));
        assert!(validate(&[bad]).unwrap_err().contains("not a server id"));
        let long = parse(&format!(
            "{base}[discord]\nguild = \"1\"\ntimeout = \"29d\""
        ));
        assert!(validate(&[long]).unwrap_err().contains("28 days"));
    }
}
