//! Slack through the Web API (docs.slack.dev "Web API methods"): a bot token reads the
//! channels and DMs the bot is in by polling, replies in threads, and deletes its own
//! messages; an optional user token of a workspace admin deletes others' messages and
//! removes people from channels.
//!
//! - [`client`] and [`errors`]: calls, `ok: false` and 429 answers; [`tiers`]: each
//!   method's per-minute budget, and the limited (non-Marketplace) app.
//! - [`rooms`], [`fetch`], [`cursor`], [`messages`]: ingest on the chat model.
//! - [`reply`] (with the read-back before any resend) and [`moderation`]: the outbox.
//! - [`setup`]: `hark account add slack`.
//!
//! - [`socket`]: Socket Mode, with an app-level token: mentions and DMs pushed at once.

pub mod client;
pub mod cursor;
pub mod errors;
pub mod fetch;
pub mod messages;
pub mod moderation;
pub mod reply;
pub mod rooms;
pub mod setup;
pub mod socket;
pub mod tiers;
pub mod users;

use std::collections::VecDeque;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use async_trait::async_trait;
use serde::Deserialize;
use serde_json::Value;

use self::client::Client;
use self::tiers::{Access, Pacer};
use crate::domain::NewItem;
use crate::platform::account_note::AccountNote;
use crate::platform::chat::{Room, Watch};
use crate::platform::notice::Trouble;
use crate::platform::{
    AccountConfig, Capabilities, Connector, FetchPage, ModerationAction, PlatformError, Target,
};
use crate::secrets::{Secret, TokenSource};

/// `[account.slack]`: what only Slack accounts take.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SlackSettings {
    /// Which rate limits apply: `auto` (found from Slack's answers), `internal` (an
    /// internal or Marketplace app) or `limited` (a commercial app outside the Marketplace).
    #[serde(default)]
    pub app: Access,
    /// A workspace admin's user token (`xoxp-…`), for deleting others' messages and
    /// removing people from channels: an environment variable…
    #[serde(default)]
    pub user_token_env: Option<String>,
    /// …or a command printing it.
    #[serde(default)]
    pub user_token_cmd: Option<String>,
    /// An app-level token (`xapp-…`, scope `connections:write`) for Socket Mode: mentions
    /// and DMs pushed as they happen. An environment variable…
    #[serde(default)]
    pub app_token_env: Option<String>,
    /// …or a command printing it.
    #[serde(default)]
    pub app_token_cmd: Option<String>,
}

/// How a connector is set up (from `[[account]]`, or by tests).
#[derive(Debug, Clone)]
pub struct Settings {
    /// `https://slack.com`, or a local server.
    pub base: String,
    /// The bot token (`xoxb-…`).
    pub token: Secret,
    pub user_token: Option<Secret>,
    /// The app-level token, for Socket Mode.
    pub app_token: Option<Secret>,
    pub watch: Watch,
    pub access: Access,
}

/// Who the bot token belongs to (`auth.test`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Me {
    pub user_id: String,
    pub bot_id: Option<String>,
    /// The bot user's name, a word that mentions it.
    pub name: Option<String>,
    pub team: Option<String>,
    /// The workspace's URL (`https://nimbus.slack.com/`).
    pub url: Option<String>,
}

pub struct SlackConnector {
    client: Client,
    /// The admin's client, when a user token is configured.
    admin: Option<Client>,
    pacer: Pacer,
    watch: Watch,
    access: Access,
    me: tokio::sync::OnceCell<Me>,
    rooms: tokio::sync::Mutex<Option<(Instant, Vec<Room>)>>,
    /// What is left of the current round.
    queue: Mutex<VecDeque<fetch::Unit>>,
    /// The app runs under the limited-app rates (found or configured).
    limited: AtomicBool,
    limited_notice: Trouble,
    /// user id → (handle, name); `None` when Slack gave none.
    names: Mutex<std::collections::HashMap<String, Option<users::Name>>>,
    /// Socket Mode: the client to open connections with, until the first fetch starts it.
    app: Mutex<Option<Client>>,
    socket: Mutex<Option<tokio::task::JoinHandle<()>>>,
    pushed: socket::Inbox,
    /// Threads the bot replied in since the last fetch: (thread key, the reply's ts).
    /// History never shows an older thread's new replies, so the fetch follows these.
    replied: Mutex<Vec<(String, String)>>,
}

impl Drop for SlackConnector {
    fn drop(&mut self) {
        if let Some(task) = self.socket.lock().unwrap().take() {
            task.abort();
        }
    }
}

impl SlackConnector {
    pub fn new(settings: Settings) -> Result<SlackConnector, PlatformError> {
        let admin = match settings.user_token {
            Some(token) => Some(Client::new(&settings.base, token)?),
            None => None,
        };
        let app = match settings.app_token {
            Some(token) => Some(Client::new(&settings.base, token)?),
            None => None,
        };
        let connector = SlackConnector {
            app: Mutex::new(app),
            socket: Default::default(),
            pushed: Default::default(),
            replied: Default::default(),
            client: Client::new(&settings.base, settings.token)?,
            admin,
            pacer: Pacer::default(),
            watch: settings.watch,
            access: settings.access,
            me: Default::default(),
            rooms: Default::default(),
            queue: Default::default(),
            limited: AtomicBool::new(false),
            limited_notice: Trouble::default(),
            names: Default::default(),
        };
        connector.note_access(settings.access == Access::Limited);
        Ok(connector)
    }

    /// The connector of an `[[account]]`: the bot token from `token_env`/`token_cmd` (or
    /// the token file), the admin's user token from `[account.slack]`.
    pub fn from_account(
        account: &AccountConfig,
        data_dir: Option<&Path>,
    ) -> anyhow::Result<SlackConnector> {
        let named = |e: String| anyhow::anyhow!("account `{}`: {e}", account.name);
        let base = match &account.server {
            Some(server) => {
                crate::platform::server::check(server, account.allow_insecure).map_err(named)?
            }
            None => client::API_BASE.to_string(),
        };
        let token = match crate::secrets::resolve_token(account.token_source(), data_dir) {
            Err(crate::secrets::SecretError::NoSource { account }) => anyhow::bail!(
                "account `{account}`: set token_env or token_cmd to the Slack bot token \
                 (xoxb-…), or run `hark account add slack`"
            ),
            found => found?,
        };
        let slack = account.slack.clone().unwrap_or_default();
        let user_token = if slack.user_token_env.is_some() || slack.user_token_cmd.is_some() {
            let source = TokenSource {
                account: &account.name,
                env: slack.user_token_env.as_deref(),
                cmd: slack.user_token_cmd.as_deref(),
            };
            Some(crate::secrets::resolve_token(source, None)?)
        } else {
            None
        };
        let app_token = if slack.app_token_env.is_some() || slack.app_token_cmd.is_some() {
            let source = TokenSource {
                account: &account.name,
                env: slack.app_token_env.as_deref(),
                cmd: slack.app_token_cmd.as_deref(),
            };
            Some(crate::secrets::resolve_token(source, None)?)
        } else {
            None
        };
        SlackConnector::new(Settings {
            base,
            token,
            user_token,
            app_token,
            watch: account.chat.clone().unwrap_or_default(),
            access: slack.app,
        })
        .map_err(|e| named(e.to_string()))
    }

    /// `auth.test` (docs "auth.test"): who the bot token is, asked once.
    pub async fn me(&self) -> Result<Me, PlatformError> {
        self.me
            .get_or_try_init(|| async { self.verify().await })
            .await
            .cloned()
    }

    /// `auth.test`, asked now: for `hark doctor` and `hark account add slack`.
    pub async fn verify(&self) -> Result<Me, PlatformError> {
        let answer = self
            .client
            .get(&self.pacer, false, "auth.test", &[])
            .await?;
        me_of(&answer)
    }

    /// `auth.test` with the admin's user token, when there is one.
    pub async fn verify_admin(&self) -> Option<Result<Me, PlatformError>> {
        let admin = self.admin.as_ref()?;
        Some(
            admin
                .get(&self.pacer, false, "auth.test", &[])
                .await
                .and_then(|a| me_of(&a)),
        )
    }

    /// A read with the bot token.
    async fn read(
        &self,
        method: &str,
        limited: bool,
        args: &[(&str, String)],
    ) -> Result<Value, PlatformError> {
        self.client.get(&self.pacer, limited, method, args).await
    }

    /// `apps.connections.open` with the app-level token, when there is one and Socket
    /// Mode has not started: for `hark doctor`.
    pub async fn verify_socket(&self) -> Option<Result<(), PlatformError>> {
        let app = self.app.lock().unwrap().take()?;
        let checked = socket::open(&app, &Pacer::default()).await.map(|_| ());
        *self.app.lock().unwrap() = Some(app);
        Some(checked)
    }

    /// Opens Socket Mode in the background, once, when an app-level token is configured.
    fn start_socket(&self) {
        if let Some(app) = self.app.lock().unwrap().take() {
            let task = tokio::spawn(socket::run(app, self.pushed.clone()));
            *self.socket.lock().unwrap() = Some(task);
        }
    }

    /// Whether reads run under the limited app's rates.
    pub fn is_limited(&self) -> bool {
        self.limited.load(Ordering::Relaxed)
    }

    /// Records which rates apply; the first time the limited ones do, says so once.
    fn note_access(&self, limited: bool) {
        let was = self.limited.swap(limited, Ordering::Relaxed);
        if limited && !was {
            self.limited_notice.failed(|| {
                "Slack: a commercial app outside the Marketplace may read history once a \
                 minute, 15 messages at a time: new messages arrive slower (README \"Slack\")"
                    .to_string()
            });
        }
    }
}

fn me_of(answer: &Value) -> Result<Me, PlatformError> {
    let text = |k: &str| {
        answer[k]
            .as_str()
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    Ok(Me {
        user_id: text("user_id")
            .ok_or_else(|| PlatformError::Malformed("auth.test: no user_id".into()))?,
        bot_id: text("bot_id"),
        name: text("user"),
        team: text("team"),
        url: text("url"),
    })
}

#[async_trait]
impl Connector for SlackConnector {
    fn platform(&self) -> &str {
        "slack"
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            // chat.postMessage truncates text over 40 000 characters (docs "chat.postMessage").
            reply_limit: Some(crate::replies::length::Limit::length(40_000)),
            direct_messages: true,
            moderation: moderation::supported(self.admin.is_some()),
        }
    }

    fn rate_remaining(&self) -> Option<(u32, u32)> {
        Some(
            self.pacer
                .budget("conversations.history", self.is_limited()),
        )
    }

    fn account_note(&self) -> Option<AccountNote> {
        self.is_limited()
            .then(|| AccountNote::warning("limited app: 1 read/min"))
    }

    fn take_notice(&self) -> Option<String> {
        self.limited_notice.take_notice()
    }

    async fn fetch(&self, cursor: Option<&str>) -> Result<FetchPage, PlatformError> {
        fetch::fetch(self, cursor).await
    }

    async fn reply(
        &self,
        target: &Target,
        text: &str,
        _key: &str,
    ) -> Result<String, PlatformError> {
        reply::send(self, target, text).await
    }

    async fn moderate(
        &self,
        target: &Target,
        action: ModerationAction,
    ) -> Result<(), PlatformError> {
        moderation::moderate(self, target, action).await
    }

    async fn thread(&self, target: &Target) -> Result<Vec<NewItem>, PlatformError> {
        reply::thread(self, target).await
    }

    /// Slack takes no idempotency key: the outbox reads the thread back before a resend.
    fn dedups_replies(&self) -> bool {
        false
    }

    async fn find_reply(
        &self,
        target: &Target,
        text: &str,
        _key: &str,
    ) -> Result<Option<String>, PlatformError> {
        reply::read_back(self, target, text).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::account::validate;

    fn parse(toml: &str) -> AccountConfig {
        toml::from_str(toml).unwrap()
    }

    #[test]
    fn a_slack_section_names_the_apps_limits_and_belongs_to_a_slack_account() {
        let slack = parse(
            "name = \"s\"\nplatform = \"slack\"\ntoken_env = \"T\"\n[slack]\napp = \"limited\"\nuser_token_env = \"U\"\n[chat]\nrooms = [\"#help\"]",
        );
        assert!(validate(std::slice::from_ref(&slack)).is_ok());
        assert_eq!(slack.slack.as_ref().unwrap().app, Access::Limited);
        let masto = parse(
            "name = \"m\"\nplatform = \"mastodon\"\nserver = \"https://ex.social\"\n[slack]\napp = \"internal\"",
        );
        let err = validate(&[masto]).unwrap_err();
        assert!(
            err.contains("[account.slack] is for Slack accounts"),
            "{err}"
        );
        assert!(toml::from_str::<AccountConfig>(
            "name = \"s\"\nplatform = \"slack\"\n[slack]\napp = \"free\""
        )
        .is_err());
    }

    #[test]
    fn a_missing_bot_token_says_how_to_set_one_and_no_token_is_shown() {
        let account = parse("name = \"s\"\nplatform = \"slack\"");
        let dir = tempfile::tempdir().unwrap();
        let e = SlackConnector::from_account(&account, Some(dir.path()))
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("hark account add slack"), "{e}");
        let c = SlackConnector::new(Settings {
            base: "http://127.0.0.1:1".into(),
            token: Secret::new("xoxb-secret-value"),
            user_token: None,
            app_token: None,
            watch: Watch::default(),
            access: Access::Limited,
        })
        .unwrap();
        assert!(!format!("{:?}", c.client).contains("xoxb"));
        assert_eq!(
            c.account_note(),
            Some(AccountNote::warning("limited app: 1 read/min"))
        );
        assert_eq!(c.capabilities().moderation, [crate::domain::kinds::DELETE]);
    }
}
