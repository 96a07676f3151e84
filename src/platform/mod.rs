//! The connector trait every platform implements.
//!
//! A connector only translates between a platform's API and hark's domain types; it never
//! touches the database or the UI.

pub mod account;
pub mod account_note;
pub mod bluesky;
pub mod chat;
pub mod demo;
pub mod discord;
pub mod linkedin;
pub mod mastodon;
pub mod matrix;
pub mod meta;
pub mod network;
pub mod notice;
pub mod process_lock;
pub mod quote;
pub mod rate_limit;
pub mod server;
pub mod signin;
pub mod slack;
pub mod window;
pub mod x;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use crate::domain::{ItemKind, NewItem};

// The vocabulary the store and the outbox share with the connectors lives in `domain`;
// re-exported here, where the connectors' callers have always found it.
pub use crate::domain::kinds;
pub use crate::domain::{ItemFacts, ModerationAction, ResendGuard, Target, Unreadable};
pub use account::AccountConfig;

/// Values of `platform` in `[[account]]` that hark can connect.
pub const KNOWN_PLATFORMS: &[&str] = &[
    "demo",
    "mastodon",
    "bluesky",
    "matrix",
    "x",
    "facebook",
    "instagram",
    "linkedin",
    "discord",
    "slack",
];

/// One page of a fetch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FetchPage {
    /// Newest first, as platforms list them: items of the same second keep this order.
    pub items: Vec<NewItem>,
    /// Where the next fetch resumes; saved with these items.
    pub next_cursor: Option<String>,
    /// True when the platform has more right now: fetch again without waiting.
    pub more: bool,
    /// Records of this page hark could not read: set aside, visible, and never a reason
    /// to hold the rest of the page.
    pub unreadable: Vec<Unreadable>,
    /// Items the platform's own filter held back (Mastodon notification requests):
    /// `(external id, the platform's id for the request)`.
    pub filtered: Vec<(String, String)>,
    /// External ids of items that sort below the connector's look-back window: the ones
    /// the store has never seen are counted "older than the look-back".
    pub beyond_lookback: Vec<String>,
    /// Chat platforms: what the page taught of rooms (names, the account's power there).
    pub rooms: Vec<crate::domain::ChatRoom>,
    /// Items the platform says are gone since (a Matrix redaction in a sync): (external
    /// id, why), marked as deleted on the platform at once.
    pub gone: Vec<(String, String)>,
    /// Records set aside before that are read now (an encrypted Matrix event whose key
    /// arrived) or gone (redacted): `(source, record key)`, as they were set aside.
    pub resolved: Vec<(String, String)>,
}

/// What a platform supports, so the UI offers only that.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capabilities {
    /// Reply length limit in the platform's unit (characters or graphemes), and its byte
    /// cap where it has one.
    pub reply_limit: Option<crate::replies::length::Limit>,
    pub direct_messages: bool,
    /// Outbox kinds of the supported actions (see [`ModerationAction::kind`]).
    pub moderation: Vec<&'static str>,
}

/// The moderation kinds `platform` allows on the item `facts` describes, from those its
/// connector supports (`supported`). Pure, so the TUI offers per item only what the
/// platform will accept, without I/O. A platform without rules of its own (the demo)
/// allows every supported action.
pub fn actions_for(
    platform: &str,
    facts: &ItemFacts,
    supported: &[&'static str],
) -> Vec<&'static str> {
    if platform == "slack" {
        // Slack's rules depend on the tokens, which the supported kinds say.
        return slack::moderation::actions_for(facts, supported);
    }
    let allowed: fn(&ItemFacts, &str) -> bool = match platform {
        "mastodon" => mastodon::moderation::allows,
        "bluesky" => bluesky::moderation::allows,
        "matrix" => matrix::moderation::allows,
        "discord" => discord::moderation::allows,
        "x" => x::moderation::allows,
        "facebook" | "pagebook" => meta::moderation::allows_facebook,
        "instagram" => meta::moderation::allows_instagram,
        "linkedin" => linkedin::moderation::allows,
        _ => |_, _| true,
    };
    supported
        .iter()
        .copied()
        .filter(|kind| allowed(facts, kind))
        .collect()
}

/// Why a platform call failed, sorted by what the caller should do next.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlatformError {
    /// Wait this long, then try again.
    #[error("rate limited {}", rate_limit::until_local(*.wait))]
    RateLimited { wait: Duration },
    /// Network trouble, timeouts, 5xx: retry with backoff.
    #[error("temporary failure: {0}")]
    Transient(String),
    /// The platform said no (4xx other than 429): retrying will not help.
    #[error("the platform refused: {0}")]
    Permanent(String),
    /// The answer could not be understood; nothing from it was stored.
    #[error("malformed response: {0}")]
    Malformed(String),
    /// Credentials are missing, expired or rejected.
    #[error("authentication failed: {0}")]
    Auth(String),
    #[error("{0} is not supported on this platform")]
    Unsupported(&'static str),
    /// The post is gone from the platform (deleted there): retrying will not help, and a
    /// reply to it would be an orphan.
    #[error("not found on the platform: {0}")]
    NotFound(String),
}

/// A platform account hark can read from and act on.
#[async_trait]
pub trait Connector: Send + Sync {
    /// The platform's name as the sidebar shows it ("chirp", "mastodon").
    fn platform(&self) -> &str;

    fn capabilities(&self) -> Capabilities;

    /// The moderation kinds this platform allows on one item (see [`actions_for`]).
    fn actions_for(&self, facts: &ItemFacts) -> Vec<&'static str> {
        actions_for(self.platform(), facts, &self.capabilities().moderation)
    }

    /// The platform's request budget as last reported: (remaining, limit), for the status
    /// bar. `None` where the platform does not report one.
    fn rate_remaining(&self) -> Option<(u32, u32)> {
        None
    }

    /// A standing fact about the account, shown beside its status while it holds: X's
    /// monthly reads, Slack's limited app (see [`account_note`]).
    fn account_note(&self) -> Option<account_note::AccountNote> {
        None
    }

    /// The report categories the platform takes, (name, what it covers), in the order the
    /// report popup offers them.
    fn report_categories(&self) -> &'static [(&'static str, &'static str)] {
        &[("other", "something else")]
    }

    /// Something the CM should hear once (a feature unavailable for this account), taken
    /// by the poller after a round and shown in the status line. It is not repeated while
    /// the cause lasts.
    fn take_notice(&self) -> Option<String> {
        None
    }

    /// Fetches items after `cursor` (from the start when `None`).
    async fn fetch(&self, cursor: Option<&str>) -> Result<FetchPage, PlatformError>;

    /// Posts `text` as a reply to `target`; the key makes a retried send land once.
    /// Returns the platform's id of the new post.
    async fn reply(
        &self,
        _target: &Target,
        _text: &str,
        _idempotency_key: &str,
    ) -> Result<String, PlatformError> {
        Err(PlatformError::Unsupported("replying"))
    }

    async fn moderate(
        &self,
        _target: &Target,
        _action: ModerationAction,
    ) -> Result<(), PlatformError> {
        Err(PlatformError::Unsupported("moderation"))
    }

    /// The conversation around `target` (parents first, then replies), for the detail
    /// pane. It may include `target` itself as it is now, so an edit made after the item
    /// arrived reaches the store when the CM opens it.
    async fn thread(&self, _target: &Target) -> Result<Vec<NewItem>, PlatformError> {
        Err(PlatformError::Unsupported("thread context"))
    }

    /// True when the platform itself dedups a reply sent twice with one idempotency key.
    /// A connector returning false must implement [`Connector::find_reply`]: the outbox
    /// then reads the thread back before any retry.
    fn dedups_replies(&self) -> bool {
        true
    }

    /// What makes it safe to send outbox `kind` for an item of `item_kind` again after an
    /// attempt whose outcome is unknown. A connector overrides this where its platform
    /// differs: reports are never deduplicated anywhere.
    fn resend_guard(&self, kind: &str, _item_kind: ItemKind) -> ResendGuard {
        match kind {
            kinds::REPLY if self.dedups_replies() => ResendGuard::Key { window: None },
            kinds::REPLY => ResendGuard::ReadBack,
            kinds::REPORT => ResendGuard::Nothing,
            _ => ResendGuard::Idempotent,
        }
    }

    /// How long a direct message to a person who last wrote at `last_inbound` can still be
    /// answered; `None` where the platform has no such window.
    fn messaging_window(
        &self,
        _last_inbound: crate::domain::UnixTime,
        _now: crate::domain::UnixTime,
    ) -> Option<window::MessagingWindow> {
        None
    }

    /// Looks for a reply this connector already posted with `idempotency_key` (or this
    /// exact `text`) under `target`; returns its id.
    async fn find_reply(
        &self,
        _target: &Target,
        _text: &str,
        _idempotency_key: &str,
    ) -> Result<Option<String>, PlatformError> {
        Err(PlatformError::Unsupported("reading back replies"))
    }
}

/// Builds the connector for one configured account.
pub fn connect(account: &AccountConfig) -> anyhow::Result<Arc<dyn Connector>> {
    connect_in(account, None)
}

/// Like [`connect`], with the data directory where connectors find stored tokens and
/// keep session files.
pub fn connect_in(
    account: &AccountConfig,
    data_dir: Option<&std::path::Path>,
) -> anyhow::Result<Arc<dyn Connector>> {
    match account.platform.as_str() {
        "mastodon" => Ok(Arc::new(mastodon::MastodonConnector::from_account(
            account, data_dir,
        )?)),
        "bluesky" => Ok(Arc::new(bluesky::BlueskyConnector::from_account(
            account, data_dir,
        )?)),
        "matrix" => Ok(Arc::new(matrix::MatrixConnector::from_account(
            account, data_dir,
        )?)),
        "x" => Ok(Arc::new(x::XConnector::from_account(account, data_dir)?)),
        "discord" => Ok(Arc::new(discord::DiscordConnector::from_account(
            account, data_dir,
        )?)),
        "slack" => Ok(Arc::new(slack::SlackConnector::from_account(
            account, data_dir,
        )?)),
        "facebook" | "instagram" => Ok(Arc::new(meta::MetaConnector::from_account(
            account, data_dir,
        )?)),
        "linkedin" => Ok(Arc::new(linkedin::LinkedInConnector::from_account(
            account, data_dir,
        )?)),
        "demo" => {
            let network = account.network.as_deref().unwrap_or("chirp");
            Ok(Arc::new(demo::DemoConnector::new(
                network,
                demo::Release::Live,
            )?))
        }
        other => anyhow::bail!(
            "account `{}`: platform `{other}` is not supported",
            account.name
        ),
    }
}
