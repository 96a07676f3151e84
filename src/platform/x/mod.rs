//! The X connector (README "X"), through the official API v2: mentions in; replies, hidden
//! replies, deletions and mutes out.
//!
//! - [`client`]: HTTP, per-endpoint `x-rate-limit-*` budgets, 401 refresh-and-retry.
//! - [`errors`]: X's error shapes, and the access-tier answers explained.
//! - [`token`]: the rotating OAuth 2.0 token pair in its 0600 file.
//! - [`oauth`] and [`setup`]: `hark account add x` (PKCE, loopback or pasted code).
//! - [`fetch`] and [`convert`]: mentions to items; [`conversations`]: replies deeper in the
//!   brand's conversations; [`reply`] and [`moderation`]: the outbox.
//! - [`usage`]: the project's monthly read usage for the status bar.

pub mod client;
pub mod conversations;
pub mod convert;
pub mod dm;
pub mod errors;
pub mod fetch;
pub mod moderation;
pub mod oauth;
pub mod reply;
pub mod setup;
pub mod token;
pub mod usage;

use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;

use self::client::{Call, Client};
use self::token::{Auth, TokenStore};
use crate::platform::notice::Trouble;
use crate::platform::{
    AccountConfig, Capabilities, Connector, FetchPage, ModerationAction, PlatformError, Target,
};

/// X's API, unless the account's `server` says otherwise (a local server in tests).
pub const API_BASE: &str = "https://api.x.com";

/// The brand's X account.
#[derive(Debug, Clone)]
pub struct Me {
    pub id: String,
    pub username: String,
}

pub struct XConnector {
    client: Client,
    me: tokio::sync::OnceCell<Me>,
    /// An access-tier refusal, said once in the status line while it lasts.
    tier: Trouble,
    /// The same for the DM endpoints, which some tiers lack while mentions work.
    dm_tier: Trouble,
    /// The same for recent search (replies deeper in the brand's conversations).
    search_tier: Trouble,
    conversations: conversations::Conversations,
    usage: usage::Usage,
}

impl std::fmt::Debug for XConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("XConnector")
            .field("client", &self.client)
            .finish()
    }
}

impl XConnector {
    /// A connector for the API at `base` with `auth`.
    pub fn new(base: &str, auth: Auth) -> Result<XConnector, PlatformError> {
        Ok(XConnector {
            client: Client::new(base, auth)?,
            me: tokio::sync::OnceCell::new(),
            tier: Trouble::default(),
            dm_tier: Trouble::default(),
            search_tier: Trouble::default(),
            conversations: Default::default(),
            usage: Default::default(),
        })
    }

    /// The connector of a configured account: its tokens from the account's token file in
    /// `data_dir`; `token_env`/`token_cmd` give only the client secret of a confidential app.
    pub fn from_account(
        account: &AccountConfig,
        data_dir: Option<&Path>,
    ) -> anyhow::Result<XConnector> {
        let named = |e: String| anyhow::anyhow!("account `{}`: {e}", account.name);
        let base = match &account.server {
            Some(server) => {
                crate::platform::server::check(server, account.allow_insecure).map_err(named)?
            }
            None => API_BASE.to_string(),
        };
        let data_dir = data_dir.ok_or_else(|| {
            named("X keeps its sign-in in the data directory, and none is set".into())
        })?;
        let secret = if account.token_env.is_some() || account.token_cmd.is_some() {
            Some(crate::secrets::resolve_token(account.token_source(), None)?)
        } else {
            None
        };
        let store = TokenStore::open(
            token::token_path(data_dir, &account.name),
            &account.name,
            format!("{base}/2/oauth2/token"),
            secret,
        )
        .map_err(anyhow::Error::msg)?;
        XConnector::new(&base, Auth::Stored(Arc::new(store))).map_err(|e| named(e.to_string()))
    }

    /// The budget X last reported for one endpoint ("mentions", "post", …).
    pub fn budget(&self, endpoint: &str) -> Option<client::Budget> {
        self.client.budget(endpoint)
    }

    /// The brand's id: stored at sign-in, else asked once (`GET /2/users/me`).
    pub async fn me(&self) -> Result<Me, PlatformError> {
        self.me
            .get_or_try_init(|| async {
                if let Auth::Stored(store) = self.client.auth() {
                    let (id, username) = store.me().await;
                    if !id.is_empty() {
                        return Ok(Me { id, username });
                    }
                }
                let answer = self
                    .call("who am I", &Call::get("me", "/2/users/me".into()))
                    .await?;
                let user = &answer["data"];
                match (user["id"].as_str(), user["username"].as_str()) {
                    (Some(id), Some(username)) => Ok(Me {
                        id: id.to_string(),
                        username: username.to_string(),
                    }),
                    _ => Err(PlatformError::Malformed(
                        "users/me: no id or username".into(),
                    )),
                }
            })
            .await
            .cloned()
    }

    /// One cheap authenticated call (`GET /2/users/me`, open to every tier), refreshing
    /// the sign-in first if it expired: for `hark doctor`.
    pub async fn verify(&self) -> Result<Me, PlatformError> {
        let answer = self
            .call("who am I", &Call::get("me", "/2/users/me".into()))
            .await?;
        let user = &answer["data"];
        match (user["id"].as_str(), user["username"].as_str()) {
            (Some(id), Some(username)) => Ok(Me {
                id: id.to_string(),
                username: username.to_string(),
            }),
            _ => Err(PlatformError::Malformed(
                "users/me: no id or username".into(),
            )),
        }
    }

    /// Sends `call`, noting an access-tier refusal (said once) or its end.
    async fn call(&self, what: &str, call: &Call) -> Result<serde_json::Value, PlatformError> {
        match self.client.send(what, call).await {
            Ok(answer) => {
                if call.endpoint == "mentions" && self.tier.recovered() {
                    tracing::info!("x: mentions readable again");
                }
                Ok(answer)
            }
            // Search has its own notice (see `fetch::add_conversation_replies`).
            Err(PlatformError::Permanent(text))
                if text.contains(errors::TIER_HELP) && call.endpoint != "search" =>
            {
                let notice = format!("X: {text}");
                if self.tier.failed(|| notice.clone()) {
                    tracing::warn!("{notice}");
                }
                Err(PlatformError::Permanent(text))
            }
            Err(e) => Err(e),
        }
    }
}

#[async_trait]
impl Connector for XConnector {
    fn platform(&self) -> &str {
        "x"
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            reply_limit: Some(crate::replies::length::Limit::length(
                crate::replies::x_length::MAX_WEIGHTED_LENGTH,
            )),
            direct_messages: true,
            moderation: moderation::MODERATION.to_vec(),
        }
    }

    fn rate_remaining(&self) -> Option<(u32, u32)> {
        self.client.tightest()
    }

    fn account_note(&self) -> Option<crate::platform::account_note::AccountNote> {
        let (used, cap) = self.monthly_usage()?;
        Some(crate::platform::account_note::AccountNote::allowance(
            used,
            cap,
            "reads this month",
        ))
    }

    fn take_notice(&self) -> Option<String> {
        self.tier
            .take_notice()
            .or_else(|| self.dm_tier.take_notice())
            .or_else(|| self.search_tier.take_notice())
    }

    async fn fetch(&self, cursor: Option<&str>) -> Result<FetchPage, PlatformError> {
        self.fetch_page(cursor).await
    }

    async fn reply(
        &self,
        target: &Target,
        text: &str,
        _key: &str,
    ) -> Result<String, PlatformError> {
        if target.kind == crate::domain::ItemKind::Dm {
            return self.reply_dm(target, text).await;
        }
        self.post_reply(target, text).await
    }

    async fn moderate(
        &self,
        target: &Target,
        action: ModerationAction,
    ) -> Result<(), PlatformError> {
        self.apply(target, action).await
    }

    async fn thread(&self, target: &Target) -> Result<Vec<crate::domain::NewItem>, PlatformError> {
        if target.kind == crate::domain::ItemKind::Dm {
            return Err(PlatformError::Unsupported(
                "thread context of X direct messages",
            ));
        }
        self.context(&target.external_id).await
    }

    /// X takes no idempotency key: the outbox reads back before any resend.
    fn dedups_replies(&self) -> bool {
        false
    }

    async fn find_reply(
        &self,
        target: &Target,
        text: &str,
        _key: &str,
    ) -> Result<Option<String>, PlatformError> {
        if target.kind == crate::domain::ItemKind::Dm {
            return self.read_back_dm(target, text).await;
        }
        self.read_back(target, text).await
    }
}
