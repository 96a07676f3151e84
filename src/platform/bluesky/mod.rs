//! Bluesky (AT Protocol) through the account's PDS: notifications and DMs in, replies and
//! moderation out. Lexicons: app.bsky.*, com.atproto.*, chat.bsky.* (docs.bsky.app).

mod dm;
pub mod moderation;
mod notifications;
mod profiles;
mod quotes;
mod reply;
mod session;
pub mod setup;
mod text;
mod thread;
pub mod tid;
mod xrpc;

use std::path::PathBuf;

use async_trait::async_trait;
use serde_json::Value;

use super::{
    Capabilities, Connector, FetchPage, ModerationAction, PlatformError, ResendGuard, Target,
};
use crate::platform::kinds;
use crate::platform::AccountConfig;
pub use crate::secrets::Secret;
use session::{Session, SessionData};
use xrpc::{Call, Xrpc, XrpcError};

/// The chat service the PDS proxies `chat.bsky.*` calls to.
pub const CHAT_PROXY: &str = "did:web:api.bsky.chat#bsky_chat";

/// How a connector is set up (from `[[account]]`, or by tests).
#[derive(Debug, Clone)]
pub struct Settings {
    /// The PDS base URL.
    pub service: String,
    /// The brand's handle (or DID) to log in as.
    pub handle: String,
    pub password: Secret,
    /// Where the refresh token is kept between runs (0600); `None` keeps it in memory.
    pub session_file: Option<PathBuf>,
    /// The `atproto-proxy` value for chat calls.
    pub chat_proxy: String,
}

pub struct BlueskyConnector {
    xrpc: Xrpc,
    session: Session,
    chat_proxy: String,
    profiles: profiles::ProfileCache,
    sent_dms: dm::SentDms,
    /// DMs unreadable (chat off for the app password, or unreachable): said once.
    dm_trouble: crate::platform::notice::Trouble,
}

impl BlueskyConnector {
    pub fn new(settings: Settings) -> Result<BlueskyConnector, PlatformError> {
        Ok(BlueskyConnector {
            xrpc: Xrpc::new(&settings.service)?,
            session: Session::new(&settings.handle, settings.password, settings.session_file),
            chat_proxy: settings.chat_proxy,
            profiles: profiles::ProfileCache::default(),
            sent_dms: dm::SentDms::default(),
            dm_trouble: Default::default(),
        })
    }

    /// Builds the connector for an `[[account]]`; `data_dir` is where the session file goes.
    pub fn from_account(
        account: &AccountConfig,
        data_dir: Option<&std::path::Path>,
    ) -> anyhow::Result<BlueskyConnector> {
        let service = crate::platform::server::check(
            account.server.as_deref().unwrap_or("https://bsky.social"),
            account.allow_insecure,
        )
        .map_err(|e| anyhow::anyhow!("account `{}`: {e}", account.name))?;
        if account.handle.trim().is_empty() {
            anyhow::bail!(
                "account `{}`: set `handle` to the brand's Bluesky handle",
                account.name
            );
        }
        let password = app_password(account, data_dir)?;
        let session_file =
            data_dir.map(|d| d.join(format!("bluesky-{}.session", file_safe(&account.name))));
        Ok(BlueskyConnector::new(Settings {
            service,
            handle: account.handle.clone(),
            password,
            session_file,
            chat_proxy: CHAT_PROXY.to_string(),
        })?)
    }

    /// Logs in (or resumes) and returns the brand's DID and handle: `hark account add`.
    pub async fn verify(&self) -> Result<(String, String), PlatformError> {
        let s = self.session.get(&self.xrpc).await?;
        Ok((s.did, s.handle))
    }

    /// The brand's DID.
    async fn me(&self) -> Result<SessionData, PlatformError> {
        self.session.get(&self.xrpc).await
    }

    /// An authenticated call; an expired token is refreshed (or the login redone) and the
    /// call tried once more.
    async fn call<'a>(
        &self,
        what: &str,
        build: impl Fn() -> Call<'a>,
    ) -> Result<Value, PlatformError> {
        self.call_raw(build)
            .await
            .map_err(|e| e.into_platform(what))
    }

    async fn call_raw<'a>(&self, build: impl Fn() -> Call<'a>) -> Result<Value, XrpcError> {
        let session = self
            .session
            .get(&self.xrpc)
            .await
            .map_err(platform_to_xrpc)?;
        let mut call = build();
        call.bearer = Some(session.access_jwt.clone());
        match self.xrpc.send(call).await {
            Err(e) if e.is_expired_token() => {
                tracing::debug!("Bluesky access token expired, refreshing");
                let fresh = self
                    .session
                    .renew(&self.xrpc, &session)
                    .await
                    .map_err(platform_to_xrpc)?;
                let mut call = build();
                call.bearer = Some(fresh.access_jwt.clone());
                self.xrpc.send(call).await
            }
            other => other,
        }
    }
}

/// Session errors come back as platform errors; carry them through the XRPC layer.
fn platform_to_xrpc(e: PlatformError) -> XrpcError {
    match e {
        PlatformError::RateLimited { wait } => XrpcError::RateLimited { wait },
        PlatformError::Transient(m) => XrpcError::Network(m),
        PlatformError::Malformed(m) => XrpcError::Malformed(m),
        other => XrpcError::Status {
            status: 401,
            error: Some("AuthFailed".into()),
            message: Some(other.to_string()),
        },
    }
}

/// The app password, found as every account's token is (`token_env`, `token_cmd`, or a
/// 0600 token file); with none set, the error says it is the app password that is missing.
fn app_password(
    account: &AccountConfig,
    data_dir: Option<&std::path::Path>,
) -> anyhow::Result<Secret> {
    match crate::secrets::resolve_token(account.token_source(), data_dir) {
        Err(crate::secrets::SecretError::NoSource { account }) => anyhow::bail!(
            "account `{account}`: set token_env or token_cmd to the Bluesky app password"
        ),
        found => Ok(found?),
    }
}

fn file_safe(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[async_trait]
impl Connector for BlueskyConnector {
    fn platform(&self) -> &str {
        "bluesky"
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            reply_limit: Some(crate::replies::length::Limit {
                length: text::MAX_GRAPHEMES,
                bytes: Some(text::MAX_BYTES),
            }),
            direct_messages: true,
            moderation: vec![
                kinds::HIDE,
                kinds::UNHIDE,
                kinds::DELETE,
                kinds::BLOCK,
                kinds::MUTE,
                kinds::MUTE_THREAD,
                kinds::REPORT,
            ],
        }
    }

    fn report_categories(&self) -> &'static [(&'static str, &'static str)] {
        moderation::REPORT_CATEGORIES
    }

    fn take_notice(&self) -> Option<String> {
        self.dm_trouble.take_notice()
    }

    async fn fetch(&self, cursor: Option<&str>) -> Result<FetchPage, PlatformError> {
        notifications::fetch(self, cursor).await
    }

    async fn reply(
        &self,
        target: &Target,
        text: &str,
        idempotency_key: &str,
    ) -> Result<String, PlatformError> {
        if target.kind == crate::domain::ItemKind::Dm {
            dm::reply(self, target, text, idempotency_key).await
        } else {
            reply::reply(self, target, text, idempotency_key).await
        }
    }

    async fn moderate(
        &self,
        target: &Target,
        action: ModerationAction,
    ) -> Result<(), PlatformError> {
        moderation::moderate(self, target, action).await
    }

    async fn thread(&self, target: &Target) -> Result<Vec<crate::domain::NewItem>, PlatformError> {
        thread::thread(self, target).await
    }

    /// A post's rkey comes from the row's key (checked before writing), but the chat API
    /// takes no client key, a block is a new record each time and reports have no key.
    fn resend_guard(&self, kind: &str, item_kind: crate::domain::ItemKind) -> ResendGuard {
        match kind {
            kinds::REPLY if item_kind == crate::domain::ItemKind::Dm => ResendGuard::Nothing,
            kinds::REPLY => ResendGuard::Key { window: None },
            kinds::REPORT | kinds::BLOCK => ResendGuard::Nothing,
            _ => ResendGuard::Idempotent,
        }
    }
}

/// The parts of an `at://did/collection/rkey` URI.
pub(crate) fn parse_at_uri(uri: &str) -> Option<(&str, &str, &str)> {
    let rest = uri.strip_prefix("at://")?;
    let mut parts = rest.splitn(3, '/');
    let (repo, collection, rkey) = (parts.next()?, parts.next()?, parts.next()?);
    if repo.is_empty() || collection.is_empty() || rkey.is_empty() || rkey.contains('/') {
        return None;
    }
    Some((repo, collection, rkey))
}

/// RFC 3339 time now, as records carry it.
pub(crate) fn now_rfc3339() -> String {
    jiff::Timestamp::now().to_string()
}

#[cfg(test)]
mod tests {
    //! The app password comes from the shared resolver: the same sources as every account.

    use super::*;

    /// A Bluesky `[[account]]` with no token source set.
    fn account(name: &str) -> AccountConfig {
        toml::from_str(&format!(
            "name = \"{name}\"\nplatform = \"bluesky\"\nhandle = \"brand.test\""
        ))
        .unwrap()
    }

    /// The resolver's own cases (environment, command, a token file open to others) are
    /// tested beside it; here only that Bluesky goes through it with its data directory.
    #[test]
    fn the_app_password_can_live_in_the_accounts_private_token_file() {
        let dir = tempfile::tempdir().unwrap();
        let a = account("bsky");
        crate::secrets::store_token_file(dir.path(), "bsky", &Secret::new("app-pw-1")).unwrap();
        assert_eq!(
            app_password(&a, Some(dir.path())).unwrap().expose(),
            "app-pw-1"
        );
        assert!(BlueskyConnector::from_account(&a, Some(dir.path())).is_ok());
    }

    #[test]
    fn no_source_names_the_app_password() {
        let dir = tempfile::tempdir().unwrap();
        let err = BlueskyConnector::from_account(&account("none"), Some(dir.path()))
            .err()
            .expect("no password")
            .to_string();
        assert!(err.contains("`none`"), "{err}");
        assert!(
            err.contains("set token_env or token_cmd to the Bluesky app password"),
            "{err}"
        );
    }
}
