//! End-to-end encryption (spec "End-to-End Encryption"): matrix-sdk-crypto's `OlmMachine`
//! keeps the device's Olm account and the rooms' Megolm keys in a SQLite store; hark feeds
//! it what each `/sync` carries for it (to-device messages, device list changes, one-time
//! key counts) and sends what it asks for with hark's own client.
//!
//! hark reads from every device of a room, verified or not (as Element does by default):
//! it verifies no devices, and a CM reads a fan's message whatever its device.

pub mod outgoing;
pub mod pending;
pub mod store;

use std::collections::BTreeMap;
use std::path::Path;

use matrix_sdk_crypto::types::events::room::encrypted::EncryptedEvent;
use matrix_sdk_crypto::types::requests::AnyOutgoingRequest;
use matrix_sdk_crypto::{
    DecryptionSettings, EncryptionSettings, EncryptionSyncChanges, OlmMachine,
    RoomEventDecryptionResult, TrustRequirement,
};
use matrix_sdk_sqlite::SqliteCryptoStore;
use ruma::api::client::sync::sync_events::DeviceLists;
use ruma::events::AnyToDeviceEvent;
use ruma::serde::Raw;
use ruma::{OneTimeKeyAlgorithm, OwnedUserId, RoomId, UInt, UserId};
use serde_json::Value;

use super::client::Client;
use crate::platform::PlatformError;
pub use pending::Pending;

/// Where the retry list is kept in the machine's store.
const PENDING_KEY: &str = "hark.pending_events";

pub struct Crypto {
    machine: OlmMachine,
    /// This process's hold on the keys (see [`store::lock`]).
    _lock: crate::platform::process_lock::Held,
    /// One exchange with the homeserver at a time: the machine hands out each request
    /// until told it was answered, and a room key is shared before the message it locks.
    send: tokio::sync::Mutex<()>,
    pending: tokio::sync::Mutex<Pending>,
}

/// What decrypting one event gave.
#[derive(Debug)]
pub enum Decrypted {
    /// The event as its sender wrote it (`type`, `content`, with the outer `event_id`,
    /// `sender`, `origin_server_ts`).
    Event(Value),
    /// The room key has not arrived (yet): worth keeping and retrying.
    Waiting(String),
    /// It will not decrypt (withheld key, malformed event, another algorithm).
    Failed(String),
}

/// `sync[key][inner]` (or `sync[key]`), or empty when absent or not of the shape.
fn part<T: serde::de::DeserializeOwned + Default>(sync: &Value, key: &str, inner: &str) -> T {
    let value = if inner.is_empty() {
        &sync[key]
    } else {
        &sync[key][inner]
    };
    if value.is_null() {
        return T::default();
    }
    serde_json::from_value(value.clone()).unwrap_or_else(|e| {
        tracing::warn!(part = key, error = %e, "a sync's encryption part could not be read");
        T::default()
    })
}

/// A failure inside the machine or its store.
pub fn machine_error(e: impl std::fmt::Display) -> PlatformError {
    PlatformError::Transient(format!("the encryption store: {e}"))
}

fn settings() -> DecryptionSettings {
    DecryptionSettings {
        sender_device_trust_requirement: TrustRequirement::Untrusted,
    }
}

impl Crypto {
    /// Opens (or makes) the store of `device` under `dir`.
    pub async fn open(
        dir: &Path,
        user_id: &str,
        device: &str,
        lock: crate::platform::process_lock::Held,
    ) -> Result<Crypto, String> {
        let user = UserId::parse(user_id).map_err(|e| format!("`{user_id}`: {e}"))?;
        let device_id: ruma::OwnedDeviceId = device.into();
        let (path, passphrase) =
            store::prepare(dir, device).map_err(|e| format!("{}: {e}", dir.display()))?;
        let store = SqliteCryptoStore::open(&path, Some(passphrase.expose()))
            .await
            .map_err(|e| format!("cannot open the encryption store {}: {e}", path.display()))?;
        let machine = OlmMachine::with_store(&user, &device_id, store, None)
            .await
            .map_err(|e| format!("cannot load the encryption store {}: {e}", path.display()))?;
        let pending = machine
            .store()
            .get_value::<Pending>(PENDING_KEY)
            .await
            .map_err(|e| format!("cannot read the waiting encrypted events: {e}"))?
            .unwrap_or_default();
        Ok(Crypto {
            machine,
            _lock: lock,
            send: Default::default(),
            pending: tokio::sync::Mutex::new(pending),
        })
    }

    /// Feeds the machine the encryption parts of one sync. Returns whether room keys
    /// arrived (events waiting for them are worth another try).
    pub async fn receive(&self, sync: &Value) -> Result<bool, PlatformError> {
        // A part the homeserver garbled is read as empty, not a reason to stop reading
        // the account: the machine asks again for what it misses.
        let to_device: Vec<Raw<AnyToDeviceEvent>> = part(sync, "to_device", "events");
        let lists: DeviceLists = part(sync, "device_lists", "");
        let counts: BTreeMap<OneTimeKeyAlgorithm, UInt> =
            serde_json::from_value(sync["device_one_time_keys_count"].clone()).unwrap_or_default();
        // Absent means the homeserver knows no fallback keys; the machine then makes none.
        let fallback: Option<Vec<OneTimeKeyAlgorithm>> =
            serde_json::from_value(sync["device_unused_fallback_key_types"].clone()).ok();
        let (_, keys) = self
            .machine
            .receive_sync_changes(
                EncryptionSyncChanges {
                    to_device_events: to_device,
                    changed_devices: &lists,
                    one_time_keys_counts: &counts,
                    unused_fallback_keys: fallback.as_deref(),
                    next_batch_token: None,
                },
                &settings(),
            )
            .await
            .map_err(machine_error)?;
        Ok(!keys.is_empty())
    }

    /// Sends what the machine has waiting: the device's keys and fresh one-time keys,
    /// key queries, to-device messages.
    pub async fn flush(&self, client: &Client) -> Result<(), PlatformError> {
        let _one = self.send.lock().await;
        self.flush_locked(client).await
    }

    async fn flush_locked(&self, client: &Client) -> Result<(), PlatformError> {
        for request in self
            .machine
            .outgoing_requests()
            .await
            .map_err(machine_error)?
        {
            outgoing::send(
                &self.machine,
                client,
                request.request_id(),
                request.request(),
            )
            .await?;
        }
        Ok(())
    }

    /// Decrypts one `m.room.encrypted` event of `room`.
    pub async fn decrypt(&self, room: &str, event: &Value) -> Result<Decrypted, PlatformError> {
        let Ok(room_id) = RoomId::parse(room) else {
            return Ok(Decrypted::Failed(format!("`{room}` is not a room id")));
        };
        let raw = match serde_json::value::to_raw_value(event) {
            Ok(raw) => Raw::<EncryptedEvent>::from_json(raw),
            Err(e) => return Ok(Decrypted::Failed(format!("not JSON: {e}"))),
        };
        let result = self
            .machine
            .try_decrypt_room_event(&raw, &room_id, &settings())
            .await
            .map_err(machine_error)?;
        Ok(match result {
            RoomEventDecryptionResult::Decrypted(d) => {
                match serde_json::from_str::<Value>(d.event.json().get()) {
                    Ok(v) => Decrypted::Event(v),
                    Err(e) => Decrypted::Failed(format!("the decrypted event is not JSON: {e}")),
                }
            }
            RoomEventDecryptionResult::UnableToDecrypt(info)
                if info.reason.is_missing_room_key() =>
            {
                Decrypted::Waiting(
                    "end-to-end encrypted: waiting for the room key from the sender's device"
                        .into(),
                )
            }
            RoomEventDecryptionResult::UnableToDecrypt(info) => Decrypted::Failed(format!(
                "end-to-end encrypted and cannot be decrypted: {:?}",
                info.reason
            )),
        })
    }

    /// Encrypts `content` (an `m.room.message`) for `room`, after sharing the room's key
    /// with every device of `members` (their device lists, then one Olm session per
    /// device, then the key by to-device message). Returns the `m.room.encrypted` content.
    pub async fn encrypt(
        &self,
        client: &Client,
        room: &str,
        members: &[String],
        settings: EncryptionSettings,
        content: &Value,
    ) -> Result<Value, PlatformError> {
        let room_id = RoomId::parse(room)
            .map_err(|e| PlatformError::Permanent(format!("`{room}` is not a room id: {e}")))?;
        let users: Vec<OwnedUserId> = members
            .iter()
            .filter_map(|m| UserId::parse(m.as_str()).ok())
            .collect();
        let _one = self.send.lock().await;
        track(&self.machine, &users).await.map_err(machine_error)?;
        self.flush_locked(client).await?;
        if let Some((id, claim)) = missing_sessions(&self.machine, &users)
            .await
            .map_err(machine_error)?
        {
            outgoing::send(
                &self.machine,
                client,
                &id,
                &AnyOutgoingRequest::KeysClaim(claim),
            )
            .await?;
        }
        let shares = share(&self.machine, &room_id, &users, settings)
            .await
            .map_err(machine_error)?;
        for request in shares {
            outgoing::to_device(&self.machine, client, &request).await?;
        }
        let raw = Raw::new(content)
            .map_err(|e| PlatformError::Permanent(format!("the reply is not JSON: {e}")))?
            .cast_unchecked();
        // share_room_key made the room's session just now (under the same lock), so the
        // machine has one to encrypt with.
        let encrypted = self
            .machine
            .encrypt_room_event_raw(&room_id, "m.room.message", &raw)
            .await
            .map_err(machine_error)?;
        serde_json::from_str(encrypted.content.json().get())
            .map_err(|e| PlatformError::Malformed(format!("the encrypted reply: {e}")))
    }

    /// The retry list, to read and change; [`Crypto::save_pending`] keeps it.
    pub async fn pending(&self) -> tokio::sync::MutexGuard<'_, Pending> {
        self.pending.lock().await
    }

    pub async fn save_pending(&self, pending: &Pending) -> Result<(), PlatformError> {
        self.machine
            .store()
            .set_value(PENDING_KEY, pending)
            .await
            .map_err(machine_error)
    }
}

// The machine's calls that take an iterator of user ids, boxed where the lifetimes are
// named: awaited inline, rustc cannot prove the caller's future `Send`.
type Boxed<'a, T> = futures::future::BoxFuture<'a, T>;

fn track<'a>(
    machine: &'a OlmMachine,
    users: &'a [OwnedUserId],
) -> Boxed<'a, matrix_sdk_crypto::store::Result<()>> {
    Box::pin(machine.update_tracked_users(users.iter().map(|u| u.as_ref())))
}

#[allow(clippy::type_complexity)]
fn missing_sessions<'a>(
    machine: &'a OlmMachine,
    users: &'a [OwnedUserId],
) -> Boxed<
    'a,
    matrix_sdk_crypto::store::Result<
        Option<(
            ruma::OwnedTransactionId,
            ruma::api::client::keys::claim_keys::v3::Request,
        )>,
    >,
> {
    Box::pin(machine.get_missing_sessions(users.iter().map(|u| u.as_ref())))
}

fn share<'a>(
    machine: &'a OlmMachine,
    room: &'a RoomId,
    users: &'a [OwnedUserId],
    settings: EncryptionSettings,
) -> Boxed<
    'a,
    Result<
        Vec<std::sync::Arc<matrix_sdk_crypto::types::requests::ToDeviceRequest>>,
        matrix_sdk_crypto::OlmError,
    >,
> {
    Box::pin(machine.share_room_key(room, users.iter().map(|u| u.as_ref()), settings))
}
