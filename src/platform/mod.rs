//! The connector trait every platform implements.
//!
//! A connector only translates between a platform's API and hark's domain types; it never
//! touches the database or the UI.

pub mod bluesky;
pub mod demo;
pub mod kinds;
pub mod mastodon;
pub mod notice;
pub mod quote;
pub mod rate_limit;
pub mod server;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use crate::config::AccountConfig;
use crate::domain::{ItemKind, NewItem};

/// Values of `platform` in `[[account]]` that hark can connect.
pub const KNOWN_PLATFORMS: &[&str] = &["demo", "mastodon", "bluesky"];

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
}

/// A platform record that could not be understood, kept with its raw text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    /// What it was ("mastodon notification", "bluesky notification").
    pub source: String,
    /// The record's own id where one could be read, so one bad record is kept once.
    pub key: Option<String>,
    /// Why it could not be read.
    pub reason: String,
    /// The record as the platform sent it.
    pub raw: String,
}

/// Moderation actions a platform may offer.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ModerationAction {
    /// Hide someone's reply under the brand's post.
    Hide,
    Unhide,
    /// Delete the brand's own post, or an item on a platform where the brand moderates.
    Delete,
    BlockAuthor,
    MuteAuthor,
    /// Stop notifications from this conversation.
    MuteThread,
    /// Report the item to the platform's moderators.
    Report {
        category: String,
        reason: String,
    },
    /// Approve an item the platform held for review.
    Approve,
    /// Dismiss the platform's notification for the item.
    DismissNotification,
    /// Accept a request the platform's filter held (Mastodon notification requests).
    AcceptRequest {
        request_id: String,
    },
    /// Dismiss such a request.
    DismissRequest {
        request_id: String,
    },
}

impl ModerationAction {
    /// The outbox `kind` for this action.
    pub fn kind(&self) -> &'static str {
        match self {
            ModerationAction::Hide => kinds::HIDE,
            ModerationAction::Unhide => kinds::UNHIDE,
            ModerationAction::Delete => kinds::DELETE,
            ModerationAction::BlockAuthor => kinds::BLOCK,
            ModerationAction::MuteAuthor => kinds::MUTE,
            ModerationAction::MuteThread => kinds::MUTE_THREAD,
            ModerationAction::Report { .. } => kinds::REPORT,
            ModerationAction::Approve => kinds::APPROVE,
            ModerationAction::DismissNotification => kinds::DISMISS,
            ModerationAction::AcceptRequest { .. } => kinds::ACCEPT_REQUEST,
            ModerationAction::DismissRequest { .. } => kinds::DISMISS_REQUEST,
        }
    }
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

/// What the moderation menu knows of one item, read from the store without asking the
/// platform: enough for a connector to say which actions its platform allows on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ItemFacts {
    pub kind: ItemKind,
    /// The item answers another post (it has a parent).
    pub reply: bool,
    /// The conversation's first post is the brand's own (where replies can be hidden).
    pub in_own_thread: bool,
}

impl ItemFacts {
    /// A top-level item of `kind` (no parent, not in a brand thread).
    pub fn of(kind: ItemKind) -> ItemFacts {
        ItemFacts {
            kind,
            reply: false,
            in_own_thread: false,
        }
    }

    /// Written by the brand itself.
    pub fn own(&self) -> bool {
        self.kind == ItemKind::Post
    }
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
    let allowed: fn(&ItemFacts, &str) -> bool = match platform {
        "mastodon" => mastodon::moderation::allows,
        "bluesky" => bluesky::moderation::allows,
        _ => |_, _| true,
    };
    supported
        .iter()
        .copied()
        .filter(|kind| allowed(facts, kind))
        .collect()
}

/// The item a reply or moderation action is about, as the platform knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub external_id: String,
    pub parent_external_id: Option<String>,
    pub thread_external_id: Option<String>,
    pub kind: ItemKind,
    pub author_external_id: String,
    pub author_handle: String,
    /// The platform's own record as fetched (some platforms need fields of it to reply).
    pub raw_json: Option<String>,
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

/// What keeps a second attempt of an outbox action from acting twice on the platform,
/// after an attempt whose outcome is unknown (interrupted mid-send, unreadable answer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResendGuard {
    /// The platform dedups by the row's idempotency key (or the connector checks by it
    /// before writing), for `window` after the first attempt (`None`: for good).
    Key { window: Option<Duration> },
    /// The connector reads the thread back ([`Connector::find_reply`]) before resending.
    ReadBack,
    /// Doing it twice is the same as once (mute, hide, delete).
    Idempotent,
    /// Neither a key nor a read-back: an uncertain attempt is never resent by hark; the
    /// CM says whether it went out.
    Nothing,
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
