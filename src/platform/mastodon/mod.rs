//! The Mastodon connector (README "Mastodon"): mentions, replies to the brand and direct
//! messages in; replies and moderation out.
//!
//! - [`client`]: HTTP, errors, rate-limit budget, `Link` pagination.
//! - [`entities`]: the JSON hark reads; [`html`] and [`convert`]: statuses to items.
//! - [`fetch`]: notifications and conversations; thread context.
//! - [`reply`] and [`moderation`]: what the outbox sends.
//! - [`setup`]: `hark account add mastodon`.

pub mod client;
pub mod convert;
pub mod entities;
pub mod fetch;
pub mod html;
pub mod moderation;
pub mod reply;
pub mod setup;

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use reqwest::Method;

use self::client::{Client, Clock, Purpose, RateBudget};
use self::convert::Own;
use crate::domain::NewItem;
use crate::platform::kinds;
use crate::platform::AccountConfig;
use crate::platform::{
    Capabilities, Connector, FetchPage, ModerationAction, PlatformError, ResendGuard, Target,
};
use crate::secrets::{self, Secret};

/// Mastodon's default status length, used until the instance says otherwise.
pub const DEFAULT_REPLY_LIMIT: usize = 500;

/// The moderation actions Mastodon offers a regular account. Hiding another person's reply
/// does not exist on Mastodon, so `hide` is not offered.
pub const MODERATION: &[&str] = &[
    kinds::DELETE,
    kinds::BLOCK,
    kinds::MUTE,
    kinds::MUTE_THREAD,
    kinds::REPORT,
    kinds::DISMISS,
    kinds::ACCEPT_REQUEST,
    kinds::DISMISS_REQUEST,
];

/// One Mastodon account on one instance.
pub struct MastodonConnector {
    client: Client,
    host: String,
    own: tokio::sync::OnceCell<Own>,
    reply_limit: AtomicUsize,
    /// Until when the server is known to have no notification requests (a 404).
    requests_missing: std::sync::Mutex<Option<std::time::Instant>>,
}

impl std::fmt::Debug for MastodonConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MastodonConnector")
            .field("client", &self.client)
            .finish()
    }
}

impl MastodonConnector {
    /// A connector for the instance at `server` with `token`.
    pub fn new(server: &str, token: Secret) -> Result<MastodonConnector, PlatformError> {
        let client = Client::new(server, Some(token))?;
        let host = url::Url::parse(client.base())
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_default();
        Ok(MastodonConnector {
            client,
            host,
            own: tokio::sync::OnceCell::new(),
            reply_limit: AtomicUsize::new(DEFAULT_REPLY_LIMIT),
            requests_missing: std::sync::Mutex::new(None),
        })
    }

    /// The connector for a configured account; the token comes from `token_env`,
    /// `token_cmd` or the account's token file in `data_dir`.
    pub fn from_account(
        account: &AccountConfig,
        data_dir: Option<&Path>,
    ) -> anyhow::Result<MastodonConnector> {
        let server = account.server.as_deref().ok_or_else(|| {
            anyhow::anyhow!(
                "account `{}`: set `server` to the Mastodon instance's URL",
                account.name
            )
        })?;
        let server = crate::platform::server::check(server, account.allow_insecure)
            .map_err(|e| anyhow::anyhow!("account `{}`: {e}", account.name))?;
        let token = secrets::resolve_token(account.token_source(), data_dir)?;
        MastodonConnector::new(&server, token)
            .map_err(|e| anyhow::anyhow!("account `{}`: {e}", account.name))
    }

    /// Replaces the clock used for rate-limit waits (tests).
    pub fn with_clock(mut self, clock: Clock) -> MastodonConnector {
        self.client = self.client.with_clock(clock);
        self
    }

    /// The rate-limit budget the instance last reported (also logged at debug level).
    pub fn rate_budget(&self) -> Option<RateBudget> {
        self.client.budget()
    }

    /// The brand's own account (from `verify_credentials`) and, on the same first call, the
    /// instance's status length limit.
    async fn own(&self) -> Result<Own, PlatformError> {
        self.own
            .get_or_try_init(|| async {
                let request = self
                    .client
                    .request(Method::GET, "/api/v1/accounts/verify_credentials");
                let response = self
                    .client
                    .send("verify credentials", Purpose::Read, request)
                    .await?;
                let account: entities::Account =
                    entities::parse("verify credentials", &response.body)
                        .map_err(PlatformError::Malformed)?;
                self.load_reply_limit().await;
                Ok(Own {
                    id: account.id,
                    host: self.host.clone(),
                })
            })
            .await
            .cloned()
    }

    /// Reads `configuration.statuses.max_characters`; keeps the default if the instance
    /// does not say (older servers have no `/api/v2/instance`).
    async fn load_reply_limit(&self) {
        let request = self.client.request(Method::GET, "/api/v2/instance");
        let limit = match self.client.send("instance", Purpose::Read, request).await {
            Ok(response) => entities::parse::<entities::Instance>("instance", &response.body)
                .ok()
                .and_then(|i| i.configuration)
                .and_then(|c| c.statuses)
                .and_then(|s| s.max_characters),
            Err(e) => {
                tracing::info!(error = %e, "mastodon: no instance configuration, assuming 500 characters");
                None
            }
        };
        if let Some(limit) = limit.filter(|&l| l > 0) {
            self.reply_limit.store(limit, Ordering::Relaxed);
        }
    }
}

#[async_trait]
impl Connector for MastodonConnector {
    fn platform(&self) -> &str {
        "mastodon"
    }

    fn rate_remaining(&self) -> Option<(u32, u32)> {
        self.rate_budget().map(|b| (b.remaining, b.limit))
    }

    fn report_categories(&self) -> &'static [(&'static str, &'static str)] {
        moderation::REPORT_CATEGORIES
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            reply_limit: Some(crate::replies::length::Limit::length(
                self.reply_limit.load(Ordering::Relaxed),
            )),
            direct_messages: true,
            moderation: MODERATION.to_vec(),
        }
    }

    async fn fetch(&self, cursor: Option<&str>) -> Result<FetchPage, PlatformError> {
        self.fetch_page(cursor).await
    }

    async fn reply(
        &self,
        target: &Target,
        text: &str,
        idempotency_key: &str,
    ) -> Result<String, PlatformError> {
        self.post_reply(target, text, idempotency_key).await
    }

    async fn moderate(
        &self,
        target: &Target,
        action: ModerationAction,
    ) -> Result<(), PlatformError> {
        self.apply(target, action).await
    }

    async fn thread(&self, target: &Target) -> Result<Vec<NewItem>, PlatformError> {
        self.context(&target.external_id).await
    }

    /// Mastodon keeps an `Idempotency-Key` for about an hour; reports carry none.
    fn resend_guard(&self, kind: &str, _item_kind: crate::domain::ItemKind) -> ResendGuard {
        match kind {
            kinds::REPLY => ResendGuard::Key {
                window: Some(std::time::Duration::from_secs(3600)),
            },
            kinds::REPORT => ResendGuard::Nothing,
            _ => ResendGuard::Idempotent,
        }
    }
}
