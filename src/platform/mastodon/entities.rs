//! The parts of Mastodon's JSON entities hark reads (docs: content/en/entities/*.md).
//!
//! Fields hark does not need are ignored; fields it needs are required, so a response that
//! lacks them is reported as malformed instead of being stored half-understood.

use serde::Deserialize;

/// An account (entities/Account.md).
#[derive(Debug, Clone, Deserialize)]
pub struct Account {
    pub id: String,
    pub username: String,
    /// `user` for local accounts, `user@domain` for remote ones.
    pub acct: String,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub followers_count: Option<i64>,
}

/// A status (entities/Status.md).
#[derive(Debug, Clone, Deserialize)]
pub struct Status {
    pub id: String,
    #[serde(default)]
    pub uri: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
    pub created_at: String,
    #[serde(default)]
    pub edited_at: Option<String>,
    pub account: Account,
    /// HTML.
    pub content: String,
    pub visibility: String,
    #[serde(default)]
    pub spoiler_text: String,
    #[serde(default)]
    pub in_reply_to_id: Option<String>,
    #[serde(default)]
    pub in_reply_to_account_id: Option<String>,
    #[serde(default)]
    pub media_attachments: Vec<MediaAttachment>,
    #[serde(default)]
    pub mentions: Vec<Mention>,
    /// Mastodon 4.4+: the quoted post (`Quote` with `state` and `quoted_status`). Read
    /// leniently with [`Status::quoted`]: a quote hark cannot read never costs the post.
    #[serde(default)]
    pub quote: Option<serde_json::Value>,
}

impl Status {
    /// The quoted status, when the quote was accepted and the instance included it.
    pub fn quoted(&self) -> Option<Status> {
        let quote = self.quote.as_ref()?;
        let state = quote.get("state").and_then(serde_json::Value::as_str);
        if !matches!(state, None | Some("accepted")) {
            return None;
        }
        serde_json::from_value(quote.get("quoted_status")?.clone()).ok()
    }
}

/// A media attachment (entities/MediaAttachment.md).
#[derive(Debug, Clone, Deserialize)]
pub struct MediaAttachment {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub url: Option<String>,
    /// The alt text.
    #[serde(default)]
    pub description: Option<String>,
}

/// An account a status mentions (Status.md, `mentions`).
#[derive(Debug, Clone, Deserialize)]
pub struct Mention {
    pub id: String,
    pub acct: String,
    pub url: String,
}

/// A notification (entities/Notification.md).
#[derive(Debug, Clone, Deserialize)]
pub struct Notification {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub created_at: String,
    pub account: Account,
    #[serde(default)]
    pub status: Option<Status>,
}

/// A notification request: notifications the account's policy filtered, grouped by
/// sender (entities/NotificationRequest.md, Mastodon 4.3+).
#[derive(Debug, Clone, Deserialize)]
pub struct NotificationRequest {
    pub id: String,
    pub updated_at: String,
    pub account: Account,
}

/// A direct conversation (entities/Conversation.md).
#[derive(Debug, Clone, Deserialize)]
pub struct Conversation {
    pub id: String,
    /// The other participants (never the brand itself).
    pub accounts: Vec<Account>,
    #[serde(default)]
    pub last_status: Option<Status>,
}

/// A status's thread (entities/Context.md).
#[derive(Debug, Clone, Deserialize)]
pub struct Context {
    pub ancestors: Vec<Status>,
    pub descendants: Vec<Status>,
}

/// The parts of `/api/v2/instance` hark reads (entities/Instance.md).
#[derive(Debug, Clone, Deserialize)]
pub struct Instance {
    #[serde(default)]
    pub configuration: Option<InstanceConfiguration>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct InstanceConfiguration {
    #[serde(default)]
    pub statuses: Option<StatusLimits>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct StatusLimits {
    #[serde(default)]
    pub max_characters: Option<usize>,
}

/// A registered application (entities/Application.md, with its client credentials).
#[derive(Clone, Deserialize)]
pub struct Application {
    pub client_id: String,
    pub client_secret: String,
}

impl std::fmt::Debug for Application {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Application {{ client_id: {}, client_secret: [redacted] }}",
            self.client_id
        )
    }
}

/// The answer of `POST /oauth/token` (entities/Token.md).
#[derive(Clone, Deserialize)]
pub struct Token {
    pub access_token: String,
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token([redacted])")
    }
}

/// The id of a status hark created (the answer of `POST /api/v1/statuses`).
#[derive(Debug, Clone, Deserialize)]
pub struct Created {
    pub id: String,
}

/// Reads one record already parsed as JSON; the error names where it went wrong.
pub fn parse_value<T: serde::de::DeserializeOwned>(
    what: &str,
    value: &serde_json::Value,
) -> Result<T, String> {
    serde_path_to_error::deserialize(value).map_err(|e| located(what, e))
}

/// "what: at `path`: error", or "what: error" when the error is at the top.
fn located<E: std::fmt::Display>(what: &str, e: serde_path_to_error::Error<E>) -> String {
    let path = e.path().to_string();
    let inner = e.into_inner();
    if path.is_empty() || path == "." {
        format!("{what}: {inner}")
    } else {
        format!("{what}: at `{path}`: {inner}")
    }
}

/// Parses `body` as `T`; the error names where in the JSON it went wrong.
pub fn parse<T: serde::de::DeserializeOwned>(what: &str, body: &[u8]) -> Result<T, String> {
    let mut de = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(&mut de).map_err(|e| located(what, e))
}
