//! Matrix through the client-server API (spec.matrix.org, v1.x "Client-Server API"):
//! `/sync` in, thread replies and moderation out, one account's access token.
//!
//! Rooms are read as the chat model says ([`crate::platform::chat`]): which rooms are
//! watched and which messages become items. Encrypted rooms are read and answered through
//! [`crypto`], whose keys live in the data directory beside the device id; see the README.

mod client;
pub mod crypto;
mod decrypt;
mod encrypt_reply;
pub mod events;
pub mod moderation;
mod rooms;
mod send;
pub mod setup;
mod spaces;
mod sync;
mod thread;

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use async_trait::async_trait;

use super::{Capabilities, Connector, FetchPage, ModerationAction, PlatformError, Target};
use crate::domain::{ItemKind, NewItem, ResendGuard};
use crate::platform::chat::{Room, Watch};
use crate::platform::kinds;
use crate::platform::process_lock;
use crate::platform::AccountConfig;
use crate::secrets::Secret;

pub use client::Client;

/// How a connector is set up (from `[[account]]`, or by tests).
#[derive(Debug, Clone)]
pub struct Settings {
    /// The homeserver's base URL (`https://matrix.example.org`).
    pub homeserver: String,
    /// The account's full user id (`@brand:example.org`).
    pub user_id: String,
    pub token: Secret,
    pub watch: Watch,
}

pub struct MatrixConnector {
    client: Client,
    user_id: String,
    watch: Watch,
    /// What is known of each room this process has read from.
    rooms: Mutex<HashMap<String, Room>>,
    /// Rooms that are direct chats (`m.direct`, or joined as a direct invite).
    direct: Mutex<HashSet<String>>,
    /// The account's `m.direct` was read in this process.
    direct_loaded: std::sync::atomic::AtomicBool,
    /// Thread roots → whether the account wrote in that thread.
    threads: Mutex<HashMap<String, bool>>,
    /// Room → its `m.room.power_levels` content, from syncs (or read once per process).
    power: Mutex<HashMap<String, serde_json::Value>>,
    /// (room, user) → display name, from member events the syncs carried.
    members: Mutex<HashMap<(String, String), String>>,
    /// The rooms under the spaces `[account.chat]` names.
    groups: tokio::sync::OnceCell<spaces::Groups>,
    /// Where the account's encryption store lives; `None`: encrypted rooms are not read.
    crypto_dir: Option<std::path::PathBuf>,
    /// The opened store, or why it cannot be opened (then encrypted events are set aside
    /// with that reason, and the rest of the account is read as ever).
    crypto: tokio::sync::OnceCell<Result<crypto::Crypto, String>>,
    /// Waiting events were tried once in this process.
    crypto_retried: std::sync::atomic::AtomicBool,
}

impl MatrixConnector {
    pub fn new(settings: Settings) -> Result<MatrixConnector, PlatformError> {
        let user_id = settings.user_id.trim().to_string();
        if !valid_user_id(&user_id) {
            return Err(PlatformError::Permanent(format!(
                "`{user_id}` is not a Matrix user id: write it as @name:server"
            )));
        }
        Ok(MatrixConnector {
            client: Client::new(&settings.homeserver, settings.token)?,
            user_id,
            watch: settings.watch,
            rooms: Default::default(),
            direct: Default::default(),
            direct_loaded: Default::default(),
            threads: Default::default(),
            members: Default::default(),
            power: Default::default(),
            groups: Default::default(),
            crypto_dir: None,
            crypto: Default::default(),
            crypto_retried: Default::default(),
        })
    }

    /// Reads and answers encrypted rooms with the encryption store kept under `dir`
    /// (see [`crypto::store::account_dir`]).
    pub fn with_encryption(mut self, dir: std::path::PathBuf) -> MatrixConnector {
        self.crypto_dir = Some(dir);
        self
    }

    /// The encryption state, opened on first use for the token's own device. `Ok(Err)`:
    /// it cannot be used, and why.
    async fn crypto(&self) -> Result<Result<&crypto::Crypto, String>, PlatformError> {
        let Some(dir) = &self.crypto_dir else {
            return Ok(Err(
                "hark keeps no encryption keys for this account (no data directory)".into(),
            ));
        };
        let opened = self
            .crypto
            .get_or_try_init(|| async {
                // Another process holding the keys is not cached as a failure: this one
                // leaves the account to it and tries again next round.
                let held = match crypto::store::lock(dir) {
                    Ok(held) => held,
                    Err(busy @ process_lock::NotHeld::Busy(_)) => {
                        return Err(PlatformError::Transient(format!(
                            "{} on this data directory reads this Matrix account and holds \
                             its encryption keys (one reader keeps them whole); this one \
                             leaves the account to it",
                            busy.holder()
                        )))
                    }
                    Err(other) => {
                        return Ok(Err(format!(
                            "the encryption keys' lock: {}",
                            other.holder()
                        )))
                    }
                };
                let (user, device) = self.whoami().await?;
                Ok::<_, PlatformError>(match device {
                    Some(device) => crypto::Crypto::open(dir, &user, &device, held).await,
                    None => Err(
                        "the access token names no device, and keys belong to a device: \
                                 log in again with `hark account add matrix`"
                            .into(),
                    ),
                })
            })
            .await?;
        Ok(opened.as_ref().map_err(Clone::clone))
    }

    /// Builds the connector for an `[[account]]`: `server` is the homeserver, `handle` the
    /// user id, and the access token is found as every account's token is.
    pub fn from_account(
        account: &AccountConfig,
        data_dir: Option<&std::path::Path>,
    ) -> anyhow::Result<MatrixConnector> {
        let Some(server) = account.server.as_deref() else {
            anyhow::bail!(
                "account `{}`: a Matrix account needs `server` (the homeserver's URL)",
                account.name
            );
        };
        let homeserver = crate::platform::server::check(server, account.allow_insecure)
            .map_err(|e| anyhow::anyhow!("account `{}`: {e}", account.name))?;
        let token = match crate::secrets::resolve_token(account.token_source(), data_dir) {
            Err(crate::secrets::SecretError::NoSource { account }) => anyhow::bail!(
                "account `{account}`: set token_env or token_cmd to the Matrix access token, \
                 or run `hark account add matrix`"
            ),
            found => found?,
        };
        let connector = MatrixConnector::new(Settings {
            homeserver,
            user_id: account.handle.clone(),
            token,
            watch: account.chat.clone().unwrap_or_default(),
        })
        .map_err(|e| anyhow::anyhow!("account `{}`: {e}", account.name))?;
        Ok(match data_dir {
            Some(dir) => connector.with_encryption(crypto::store::account_dir(dir, &account.name)),
            None => connector,
        })
    }

    /// `GET /account/whoami`: the user id and device the token belongs to.
    pub async fn whoami(&self) -> Result<(String, Option<String>), PlatformError> {
        let me = self.client.get("whoami", "/v3/account/whoami", &[]).await?;
        let user = me["user_id"]
            .as_str()
            .ok_or_else(|| PlatformError::Malformed("whoami: no user_id".into()))?;
        Ok((
            user.to_string(),
            me["device_id"].as_str().map(str::to_string),
        ))
    }

    fn own_display_name(&self) -> Option<String> {
        let members = self.members.lock().unwrap();
        members
            .iter()
            .find(|((_, user), _)| *user == self.user_id)
            .map(|(_, name)| name.clone())
    }

    fn member_name(&self, room_id: &str, user: &str) -> Option<String> {
        self.members
            .lock()
            .unwrap()
            .get(&(room_id.to_string(), user.to_string()))
            .cloned()
    }
}

/// `@local:server`, the shape of a user id (spec "User Identifiers").
fn valid_user_id(id: &str) -> bool {
    id.strip_prefix('@')
        .and_then(|rest| rest.split_once(':'))
        .is_some_and(|(local, server)| !local.is_empty() && !server.is_empty())
}

/// The room of an item hark stored (`room_id` is kept in its raw event).
fn room_of(target: &Target) -> Result<String, PlatformError> {
    target
        .raw_json
        .as_deref()
        .and_then(|raw| serde_json::from_str::<serde_json::Value>(raw).ok())
        .and_then(|v| v["room_id"].as_str().map(str::to_string))
        .ok_or_else(|| {
            PlatformError::Permanent(format!(
                "the stored event {} names no room",
                target.external_id
            ))
        })
}

#[async_trait]
impl Connector for MatrixConnector {
    fn platform(&self) -> &str {
        "matrix"
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            // The spec sets no length for a message, only 65 536 bytes for the whole event.
            reply_limit: None,
            direct_messages: true,
            moderation: vec![kinds::DELETE, kinds::KICK, kinds::BLOCK, kinds::REPORT],
        }
    }

    fn report_categories(&self) -> &'static [(&'static str, &'static str)] {
        moderation::REPORT_CATEGORIES
    }

    async fn fetch(&self, cursor: Option<&str>) -> Result<FetchPage, PlatformError> {
        sync::fetch(self, cursor).await
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

    async fn thread(&self, target: &Target) -> Result<Vec<NewItem>, PlatformError> {
        thread::thread(self, target).await
    }

    /// A message's transaction id comes from the row's key: the homeserver answers a
    /// resend with the first event (Synapse keeps the mapping a day; 30 minutes is what
    /// it promises in memory). A redaction's id is the event's, a kick or ban is a state; reports
    /// have no key.
    fn resend_guard(&self, kind: &str, _item_kind: ItemKind) -> ResendGuard {
        match kind {
            kinds::REPLY => ResendGuard::Key {
                window: Some(send::TXN_WINDOW),
            },
            kinds::REPORT => ResendGuard::Nothing,
            _ => ResendGuard::Idempotent,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_id_must_be_at_local_colon_server() {
        assert!(valid_user_id("@brand:example.org"));
        for bad in ["brand", "@brand", "@:ex.org", "brand:ex.org", "@brand:"] {
            assert!(!valid_user_id(bad), "{bad}");
        }
        let e = MatrixConnector::new(Settings {
            homeserver: "http://127.0.0.1:1".into(),
            user_id: "brand".into(),
            token: Secret::new("secret-token"),
            watch: Watch::default(),
        })
        .err()
        .unwrap();
        assert!(e.to_string().contains("@name:server"));
        assert!(!e.to_string().contains("secret-token"));
    }
}
