//! The LinkedIn connector (README "LinkedIn"), through LinkedIn's Community Management API:
//! comments on the organization's posts and the replies under them in; replies as the
//! organization and deletions of its own comments out.
//!
//! - [`client`]: HTTP with the versioned headers; [`errors`]: refusals and limits named.
//! - [`token`] and [`setup`]: `hark account add linkedin` (3-legged OAuth, loopback or a
//!   pasted code, shared with X in `platform::signin`), the 0600 token file, refresh.
//! - [`fetch`] and [`cursor`]: a round (mentions, then comments); [`mentions`]: the
//!   organization's notifications to the posts and comments that mention it; [`convert`]:
//!   comments and posts to items; [`reply`] and [`moderation`]: the outbox.

pub mod client;
pub mod convert;
pub mod cursor;
pub mod errors;
pub mod fetch;
pub mod mentions;
pub mod moderation;
pub mod reply;
pub mod setup;
pub mod token;

use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use serde::Deserialize;

use self::client::{Answer, Call, Client};
use self::token::{Auth, TokenStore};
use crate::platform::notice::Trouble;
use crate::platform::{
    AccountConfig, Capabilities, Connector, FetchPage, ModerationAction, PlatformError, Target,
};

/// LinkedIn's API, unless the account's `server` says otherwise (a local server in tests).
pub const API_BASE: &str = "https://api.linkedin.com";
/// LinkedIn's OAuth host.
pub const OAUTH_BASE: &str = "https://www.linkedin.com";
/// The organization posts whose comments a round reads, unless `posts` says otherwise.
pub const DEFAULT_POSTS: u32 = 10;
/// The composer's count for a comment: LinkedIn's API reference states no length, and
/// 1,250 characters is the figure published most often elsewhere (README "LinkedIn").
pub const MAX_COMMENT: usize = 1250;

/// `[account.linkedin]`.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct LinkedInSettings {
    /// The organization's URN, `urn:li:organization:<id>`.
    pub organization: String,
    /// The API version sent as `LinkedIn-Version`, `YYYYMM`.
    pub version: String,
    /// How many of the organization's latest posts a round reads the comments of.
    #[serde(default = "default_posts")]
    pub posts: u32,
    /// Comments older than this are history, not inbox items (counted "older than the
    /// look-back"), so a first poll does not fill the inbox with last year's comments.
    #[serde(
        default = "default_lookback",
        deserialize_with = "crate::duration::deserialize"
    )]
    pub lookback: std::time::Duration,
}

fn default_posts() -> u32 {
    DEFAULT_POSTS
}

/// The look-back unless `lookback` says otherwise.
pub const DEFAULT_LOOKBACK: std::time::Duration = std::time::Duration::from_secs(7 * 86_400);

fn default_lookback() -> std::time::Duration {
    DEFAULT_LOOKBACK
}

/// `urn:li:organization:<digits>` from a URN or a bare id.
pub fn organization_urn(text: &str) -> Result<String, String> {
    let text = text.trim();
    let id = text.strip_prefix("urn:li:organization:").unwrap_or(text);
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "`{}` is not an organization URN (urn:li:organization:<digits>, from the admin page's address)",
            crate::sanitize::inert_line(text)
        ));
    }
    Ok(format!("urn:li:organization:{id}"))
}

/// Checks `[account.linkedin]` of a LinkedIn account.
pub fn settings_of(account: &AccountConfig) -> Result<LinkedInSettings, String> {
    let s = account.linkedin.clone().ok_or(
        "a LinkedIn account needs [account.linkedin] with `organization` (urn:li:organization:<id>) and `version` (YYYYMM)",
    )?;
    organization_urn(&s.organization)?;
    let month = s.version.get(4..).and_then(|m| m.parse::<u32>().ok());
    if s.version.len() != 6
        || !s.version.bytes().all(|b| b.is_ascii_digit())
        || !month.is_some_and(|m| (1..=12).contains(&m))
    {
        return Err(format!(
            "[account.linkedin] version `{}` is not YYYYMM (such as 202510)",
            crate::sanitize::inert_line(&s.version)
        ));
    }
    if s.posts == 0 || s.posts > 100 {
        return Err("[account.linkedin] posts must be between 1 and 100".into());
    }
    Ok(s)
}

pub struct LinkedInConnector {
    client: Client,
    settings: LinkedInSettings,
    round: fetch::Round,
    seen: mentions::Seen,
    /// LinkedIn's version refused `COMMENT_MENTION`: notifications asked for
    /// `SHARE_MENTION` alone.
    share_only: std::sync::atomic::AtomicBool,
    /// A refused access (the Community Management API not approved), said once.
    refused: Trouble,
    /// The organization's notifications refused (mentions unread, comments still read).
    mentions_refused: Trouble,
    /// A spent daily limit, named once.
    limited: Trouble,
}

impl std::fmt::Debug for LinkedInConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LinkedInConnector")
            .field("client", &self.client)
            .field("organization", &self.settings.organization)
            .finish()
    }
}

impl LinkedInConnector {
    pub fn new(
        base: &str,
        settings: LinkedInSettings,
        auth: Auth,
    ) -> Result<LinkedInConnector, PlatformError> {
        Ok(LinkedInConnector {
            client: Client::new(base, &settings.version, auth)?,
            settings,
            round: fetch::Round::default(),
            seen: mentions::Seen::default(),
            share_only: Default::default(),
            refused: Trouble::default(),
            mentions_refused: Trouble::default(),
            limited: Trouble::default(),
        })
    }

    /// The connector of a configured account: its tokens from the account's token file;
    /// `token_env`/`token_cmd` give the app's client secret (LinkedIn wants it to refresh).
    pub fn from_account(
        account: &AccountConfig,
        data_dir: Option<&Path>,
    ) -> anyhow::Result<LinkedInConnector> {
        let named = |e: String| anyhow::anyhow!("account `{}`: {e}", account.name);
        let settings = settings_of(account).map_err(named)?;
        let (base, oauth) = match &account.server {
            Some(server) => {
                let s = crate::platform::server::check(server, account.allow_insecure)
                    .map_err(named)?;
                (s.clone(), s)
            }
            None => (API_BASE.to_string(), OAUTH_BASE.to_string()),
        };
        let data_dir = data_dir.ok_or_else(|| {
            named("LinkedIn keeps its sign-in in the data directory, and none is set".into())
        })?;
        let secret = if account.token_env.is_some() || account.token_cmd.is_some() {
            Some(crate::secrets::resolve_token(account.token_source(), None)?)
        } else {
            None
        };
        let store = TokenStore::open(
            token::token_path(data_dir, &account.name),
            &account.name,
            format!("{oauth}/oauth/v2/accessToken"),
            secret,
        )
        .map_err(anyhow::Error::msg)?;
        LinkedInConnector::new(&base, settings, Auth::Stored(Arc::new(store)))
            .map_err(|e| named(e.to_string()))
    }

    /// One cheap authenticated call (the organization's latest post), for `hark doctor`.
    pub async fn verify(&self) -> Result<(), PlatformError> {
        let call = Call::get("/rest/posts".into())
            .param("author", self.settings.organization.clone())
            .param("q", "author")
            .param("count", "1");
        self.call("the organization's posts", &call)
            .await
            .map(|_| ())
    }

    pub fn organization(&self) -> &str {
        &self.settings.organization
    }

    async fn call(&self, what: &str, call: &Call) -> Result<serde_json::Value, PlatformError> {
        self.send(what, call).await.map(|a| a.body)
    }

    async fn send(&self, what: &str, call: &Call) -> Result<Answer, PlatformError> {
        self.send_for(Access::Comments, what, call).await
    }

    /// Sends `call`, noting a refused access (of `access`) or a spent limit, each said once,
    /// or its end.
    async fn send_for(
        &self,
        access: Access,
        what: &str,
        call: &Call,
    ) -> Result<Answer, PlatformError> {
        let trouble = match access {
            Access::Comments => &self.refused,
            Access::Notifications => &self.mentions_refused,
        };
        match self.client.send(what, call).await {
            Ok(answer) => {
                trouble.recovered();
                self.limited.recovered();
                Ok(answer)
            }
            Err(PlatformError::Permanent(text)) if text.contains(errors::APPROVAL_HELP) => {
                let text = match access {
                    Access::Comments => text,
                    Access::Notifications => errors::notifications_refused(&text),
                };
                if trouble.failed(|| format!("LinkedIn: {text}")) {
                    tracing::warn!("linkedin: {text}");
                }
                Err(PlatformError::Permanent(text))
            }
            Err(PlatformError::RateLimited { wait }) => {
                let limit = self.client.take_limit().unwrap_or("a LinkedIn rate limit");
                let notice = format!(
                    "LinkedIn: {limit} is spent (LinkedIn resets it at midnight UTC); hark asks again in {} min",
                    wait.as_secs().div_ceil(60)
                );
                if self.limited.failed(|| notice.clone()) {
                    tracing::warn!("{notice}");
                }
                Err(PlatformError::RateLimited { wait })
            }
            Err(e) => Err(e),
        }
    }
}

/// Whose refusal a 403 is: the comments' (the Community Management API) or the
/// notifications' (mentions; one more scope).
#[derive(Debug, Clone, Copy)]
enum Access {
    Comments,
    Notifications,
}

#[async_trait]
impl Connector for LinkedInConnector {
    fn platform(&self) -> &str {
        "linkedin"
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            reply_limit: Some(crate::replies::length::Limit::length(MAX_COMMENT)),
            direct_messages: false,
            moderation: moderation::MODERATION.to_vec(),
        }
    }

    fn take_notice(&self) -> Option<String> {
        self.refused
            .take_notice()
            .or_else(|| self.mentions_refused.take_notice())
            .or_else(|| self.limited.take_notice())
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
        self.post_reply(target, text).await
    }

    async fn moderate(
        &self,
        target: &Target,
        action: ModerationAction,
    ) -> Result<(), PlatformError> {
        self.apply(target, action).await
    }

    /// LinkedIn takes no idempotency key: the outbox reads back before any resend.
    fn dedups_replies(&self) -> bool {
        false
    }

    async fn find_reply(
        &self,
        target: &Target,
        text: &str,
        _key: &str,
    ) -> Result<Option<String>, PlatformError> {
        self.read_back(target, text).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn organizations_are_urns_and_versions_yyyymm() {
        assert_eq!(
            organization_urn("2414183").unwrap(),
            "urn:li:organization:2414183"
        );
        assert_eq!(
            organization_urn("urn:li:organization:2414183").unwrap(),
            "urn:li:organization:2414183"
        );
        assert!(organization_urn("urn:li:person:abc").is_err());
        let mut account: AccountConfig = toml::from_str(
            "name = \"li\"\nplatform = \"linkedin\"\n[linkedin]\norganization = \"urn:li:organization:1\"\nversion = \"202513\"\n",
        )
        .unwrap();
        assert!(settings_of(&account).unwrap_err().contains("not YYYYMM"));
        account.linkedin.as_mut().unwrap().version = "202510".into();
        assert_eq!(settings_of(&account).unwrap().posts, DEFAULT_POSTS);
    }
}
