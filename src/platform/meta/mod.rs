//! Facebook Pages and Instagram professional accounts, both through Meta's Graph API
//! (README "Facebook and Instagram"), sharing one client.
//!
//! - [`graph`]: HTTP, the API version, paging; [`error`]: Graph errors as named causes;
//!   [`usage`]: the usage headers that slow reads down before the limit.
//! - [`cursor`]: marks per edge; [`facebook`] and [`instagram`]: what each polls;
//!   [`records`]: Graph records to items.
//! - [`reply`] (with the read-back before a resend) and [`moderation`]: what the outbox
//!   sends.
//! - [`token`]: `debug_token`, permissions and expiry; [`setup`]: `hark account add`.

pub mod cursor;
pub mod error;
mod facebook;
pub mod graph;
mod instagram;
mod messages;
pub mod moderation;
pub mod records;
mod reply;
pub mod setup;
pub mod token;
pub mod usage;
pub mod window;

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use serde::Deserialize;

use self::graph::Graph;
use crate::domain::{ItemKind, NewItem};
use crate::platform::kinds;
use crate::platform::{
    notice, AccountConfig, Capabilities, Connector, FetchPage, ModerationAction, PlatformError,
    ResendGuard, Target,
};
use crate::secrets::{self, Secret};

/// How far back a first round reads, and how old a post or media may be for its new
/// comments to be read, unless `[account.graph] lookback` says otherwise.
pub const DEFAULT_LOOKBACK: Duration = Duration::from_secs(14 * 86_400);
/// How long before a token's expiry the status bar says so.
pub const EXPIRY_WARNING: i64 = 7 * 86_400;
/// How often a running connector asks `debug_token` about its token again.
const EXPIRY_RECHECK: Duration = Duration::from_secs(24 * 3600);

/// Which of Meta's networks an account is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Network {
    Facebook,
    Instagram,
}

impl Network {
    pub fn from_platform(platform: &str) -> Option<Network> {
        match platform {
            "facebook" => Some(Network::Facebook),
            "instagram" => Some(Network::Instagram),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Network::Facebook => "facebook",
            Network::Instagram => "instagram",
        }
    }
}

/// `[account.graph]`: what a Facebook or Instagram account adds to `[[account]]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GraphSettings {
    /// The Page id (Facebook) or Instagram user id the account reads.
    #[serde(default)]
    pub id: Option<String>,
    /// The Graph API version (`v21.0`).
    #[serde(default)]
    pub version: Option<String>,
    /// How old a post may be for its comments to be read (`14d`).
    #[serde(default, deserialize_with = "lookback")]
    pub lookback: Option<Duration>,
    /// Instagram: the Facebook Page the account is linked to, through which its direct
    /// messages are read and sent (without it, Instagram DMs are not read).
    #[serde(default)]
    pub page: Option<String>,
    /// The app has Meta's Human Agent permission: DMs may be answered for 7 days with the
    /// `HUMAN_AGENT` tag instead of 24 hours.
    #[serde(default)]
    pub human_agent: bool,
}

fn lookback<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
    crate::duration::deserialize(d).map(Some)
}

/// A clock in Unix seconds, so tests can fix "now".
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// How a connector is set up (from `[[account]]`, or by tests).
#[derive(Debug, Clone)]
pub struct Settings {
    pub network: Network,
    pub server: String,
    pub version: String,
    /// The Page id or Instagram user id.
    pub id: String,
    /// The Instagram username (recognises the account's own comments); the Page's name.
    pub handle: String,
    pub token: Secret,
    pub lookback: Duration,
    /// The Page whose conversations are read: the Page itself on Facebook, the linked Page
    /// on Instagram (`None`: no DMs).
    pub page: Option<String>,
    pub human_agent: bool,
}

pub struct MetaConnector {
    graph: Graph,
    network: Network,
    id: String,
    page: Option<String>,
    human_agent: bool,
    handle: String,
    lookback: Duration,
    clock: Clock,
    /// The token expires within a week: said once.
    expiry: notice::Trouble,
    /// Direct messages cannot be read (a permission missing): said once, and the rest of
    /// the account is still read.
    dm_trouble: notice::Trouble,
    expiry_checked: Mutex<Option<Instant>>,
}

impl std::fmt::Debug for MetaConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetaConnector")
            .field("network", &self.network)
            .field("id", &self.id)
            .field("graph", &self.graph)
            .finish()
    }
}

impl MetaConnector {
    pub fn new(settings: Settings) -> Result<MetaConnector, PlatformError> {
        let digits = |id: &str| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit());
        if let Some(page) = settings.page.as_deref().filter(|p| !digits(p)) {
            return Err(PlatformError::Permanent(format!(
                "`{}` is not a Page id (digits only)",
                crate::sanitize::inert_line(page)
            )));
        }
        (digits(&settings.id))
            .then_some(())
            .ok_or(())
            .map_err(|_| {
                PlatformError::Permanent(format!(
                    "`{}` is not a {} id (digits only)",
                    crate::sanitize::inert_line(&settings.id),
                    match settings.network {
                        Network::Facebook => "Page",
                        Network::Instagram => "Instagram user",
                    }
                ))
            })?;
        Ok(MetaConnector {
            graph: Graph::new(&settings.server, &settings.version, settings.token)?,
            network: settings.network,
            id: settings.id,
            page: settings.page,
            human_agent: settings.human_agent,
            handle: settings.handle.trim_start_matches('@').to_string(),
            lookback: settings.lookback,
            clock: Arc::new(crate::domain::now),
            expiry: notice::Trouble::default(),
            dm_trouble: notice::Trouble::default(),
            expiry_checked: Mutex::new(None),
        })
    }

    /// The connector for a configured `facebook` or `instagram` account.
    pub fn from_account(
        account: &AccountConfig,
        data_dir: Option<&Path>,
    ) -> anyhow::Result<MetaConnector> {
        let bad = |e: String| anyhow::anyhow!("account `{}`: {e}", account.name);
        let network = Network::from_platform(&account.platform)
            .ok_or_else(|| bad(format!("`{}` is not served by Graph", account.platform)))?;
        let settings = settings_of(account).map_err(bad)?;
        let server = crate::platform::server::check(
            account.server.as_deref().unwrap_or(graph::DEFAULT_SERVER),
            account.allow_insecure,
        )
        .map_err(bad)?;
        let token = secrets::resolve_token(account.token_source(), data_dir)?;
        MetaConnector::new(Settings {
            network,
            server,
            version: settings
                .version
                .unwrap_or_else(|| graph::DEFAULT_VERSION.to_string()),
            id: settings.id.clone().unwrap_or_default(),
            handle: account.handle.clone(),
            token,
            lookback: settings.lookback.unwrap_or(DEFAULT_LOOKBACK),
            page: match network {
                Network::Facebook => settings.id.clone(),
                Network::Instagram => settings.page.clone(),
            },
            human_agent: settings.human_agent,
        })
        .map_err(|e| bad(e.to_string()))
    }

    /// Replaces the clock (tests).
    pub fn with_clock(mut self, clock: Clock) -> MetaConnector {
        self.clock = clock;
        self
    }

    fn now(&self) -> i64 {
        (self.clock)()
    }

    /// The oldest time the look-back reaches.
    fn lookback_floor(&self) -> i64 {
        self.now() - self.lookback.as_secs() as i64
    }

    /// What `debug_token` says of this connector's token.
    pub async fn inspect_token(&self) -> Result<token::TokenInfo, PlatformError> {
        token::inspect(&self.graph).await
    }

    /// What is wrong with the token `info` describes (invalid, lacking permissions, ending
    /// within a week), said as the CM should read it; `None` when nothing is.
    pub fn token_problem(&self, info: &token::TokenInfo, now: i64) -> Option<String> {
        if !info.is_valid {
            return Some("debug_token says the token is not valid (expired or revoked)".into());
        }
        let missing = token::missing(info, self.network);
        if !missing.is_empty() {
            let names: Vec<&str> = missing.iter().map(|(scope, _)| *scope).collect();
            return Some(format!("the token lacks {}", names.join(", ")));
        }
        token::expiry_notice(info, self.network, now)
    }

    /// Asks `debug_token` when the token expires, at most daily; a week ahead of it the
    /// status bar hears once. A failed check never fails the poll.
    async fn check_expiry(&self) {
        {
            let mut checked = self.expiry_checked.lock().expect("expiry lock");
            if checked.is_some_and(|at| at.elapsed() < EXPIRY_RECHECK) {
                return;
            }
            *checked = Some(Instant::now());
        }
        match token::inspect(&self.graph).await {
            Ok(info) => match token::expiry_notice(&info, self.network, self.now()) {
                Some(text) => {
                    if self.expiry.failed(|| text.clone()) {
                        tracing::warn!(network = self.network.name(), "{text}");
                    }
                }
                None => {
                    self.expiry.recovered();
                }
            },
            Err(e) => tracing::debug!(error = %e, "graph: debug_token failed"),
        }
    }
}

/// `[account.graph]` of a Facebook or Instagram account, checked.
pub fn settings_of(account: &AccountConfig) -> Result<GraphSettings, String> {
    let settings = account.graph.clone().unwrap_or_default();
    let what = if account.platform == "instagram" {
        "the Instagram user id"
    } else {
        "the Page id"
    };
    let digits = |id: &str| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit());
    if let Some(page) = settings.page.as_deref().filter(|p| !digits(p)) {
        return Err(format!(
            "[account.graph] page `{}` is not a Page id (digits only)",
            crate::sanitize::inert_line(page)
        ));
    }
    match settings.id.as_deref() {
        Some(id) if digits(id) => {}
        Some(id) => {
            return Err(format!(
                "[account.graph] id `{}` is not {what} (digits only)",
                crate::sanitize::inert_line(id)
            ))
        }
        None => {
            return Err(format!(
                "set [account.graph] id to {what} (`hark account add {}` prints it)",
                account.platform
            ))
        }
    }
    if let Some(v) = &settings.version {
        graph::check_version(v)?;
    }
    Ok(settings)
}

/// Facebook: hide, unhide and delete comments and visitor posts, delete the Page's own,
/// block a person from the Page. Instagram: hide, unhide and delete comments.
pub fn moderation_kinds(network: Network) -> Vec<&'static str> {
    match network {
        Network::Facebook => vec![kinds::HIDE, kinds::UNHIDE, kinds::DELETE, kinds::BLOCK],
        Network::Instagram => vec![kinds::HIDE, kinds::UNHIDE, kinds::DELETE],
    }
}

#[async_trait]
impl Connector for MetaConnector {
    fn platform(&self) -> &str {
        self.network.name()
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            reply_limit: Some(crate::replies::length::Limit::length(match self.network {
                // Facebook comments take 8,000 characters, Instagram's 2,200.
                Network::Facebook => 8_000,
                Network::Instagram => 2_200,
            })),
            direct_messages: self.page.is_some(),
            moderation: moderation_kinds(self.network),
        }
    }

    fn rate_remaining(&self) -> Option<(u32, u32)> {
        self.graph.usage().map(|u| (u.left(), 100))
    }

    fn take_notice(&self) -> Option<String> {
        self.expiry
            .take_notice()
            .or_else(|| self.dm_trouble.take_notice())
    }

    async fn fetch(&self, cursor: Option<&str>) -> Result<FetchPage, PlatformError> {
        self.check_expiry().await;
        match self.network {
            Network::Facebook => self.fetch_facebook(cursor).await,
            Network::Instagram => self.fetch_instagram(cursor).await,
        }
    }

    async fn reply(
        &self,
        target: &Target,
        text: &str,
        _idempotency_key: &str,
    ) -> Result<String, PlatformError> {
        if target.kind == ItemKind::Dm {
            return self.send_message(target, text).await;
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

    async fn thread(&self, target: &Target) -> Result<Vec<NewItem>, PlatformError> {
        self.context(target).await
    }

    /// Graph takes no idempotency key: a resend reads the replies back first.
    fn dedups_replies(&self) -> bool {
        false
    }

    fn resend_guard(&self, kind: &str, _item_kind: ItemKind) -> ResendGuard {
        match kind {
            kinds::REPLY => ResendGuard::ReadBack,
            // Hiding, unhiding and blocking twice is once; a second delete finds it gone.
            _ => ResendGuard::Idempotent,
        }
    }

    async fn find_reply(
        &self,
        target: &Target,
        text: &str,
        _idempotency_key: &str,
    ) -> Result<Option<String>, PlatformError> {
        if target.kind == ItemKind::Dm {
            return self.read_back_message(target, text).await;
        }
        self.read_back(target, text).await
    }

    fn messaging_window(
        &self,
        last_inbound: crate::domain::UnixTime,
        now: crate::domain::UnixTime,
    ) -> Option<crate::platform::window::MessagingWindow> {
        self.page
            .as_ref()
            .map(|_| window::window(last_inbound, self.human_agent, now))
    }
}
