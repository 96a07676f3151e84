//! A fan with an encrypting client of their own: an `OlmMachine` (the same crate hark
//! uses, with its in-memory store) on the fan's device, talking to Synapse through the
//! connector's request sender. What it proves is hark's side: Synapse carries real keys
//! and real ciphertext between two devices.

use std::collections::BTreeMap;
use std::sync::Arc;

use hark::platform::matrix::crypto::outgoing;
use hark::platform::matrix::Client;
use hark::secrets::Secret;
use matrix_sdk_crypto::types::events::room::encrypted::EncryptedEvent;
use matrix_sdk_crypto::types::requests::{AnyOutgoingRequest, ToDeviceRequest};
use matrix_sdk_crypto::{
    DecryptionSettings, EncryptionSettings, EncryptionSyncChanges, OlmMachine,
    RoomEventDecryptionResult, TrustRequirement,
};
use ruma::api::client::sync::sync_events::DeviceLists;
use ruma::serde::Raw;
use ruma::{OneTimeKeyAlgorithm, OwnedUserId, RoomId, UInt, UserId};
use serde_json::{json, Value};

use super::{seg, Fan};

pub struct OlmFan {
    pub fan: Fan,
    machine: OlmMachine,
    client: Client,
    since: std::sync::Mutex<Option<String>>,
}

fn settings() -> DecryptionSettings {
    DecryptionSettings {
        sender_device_trust_requirement: TrustRequirement::Untrusted,
    }
}

impl OlmFan {
    pub async fn login(url: &str, user: &str, password: &str) -> OlmFan {
        let fan = Fan::login(url, user, password).await;
        let me = fan
            .call(reqwest::Method::GET, "/v3/account/whoami", None)
            .await;
        let user_id = UserId::parse(me["user_id"].as_str().unwrap()).unwrap();
        let device: ruma::OwnedDeviceId = me["device_id"].as_str().unwrap().into();
        let machine = OlmMachine::new(&user_id, &device).await;
        let client = Client::new(url, Secret::new(fan.token.clone())).unwrap();
        let fan = OlmFan {
            fan,
            machine,
            client,
            since: Default::default(),
        };
        fan.flush().await;
        fan
    }

    /// Sends what the machine asks (its keys first of all).
    pub async fn flush(&self) {
        for r in self.machine.outgoing_requests().await.unwrap() {
            outgoing::send(&self.machine, &self.client, r.request_id(), r.request())
                .await
                .unwrap();
        }
    }

    /// One sync: the to-device messages (room keys for the fan) go to the machine.
    pub async fn sync(&self) {
        let mut path = "/v3/sync?timeout=0".to_string();
        if let Some(since) = self.since.lock().unwrap().clone() {
            path.push_str(&format!("&since={}", seg(&since)));
        }
        let sync = self.fan.call(reqwest::Method::GET, &path, None).await;
        let to_device: Vec<Raw<ruma::events::AnyToDeviceEvent>> =
            serde_json::from_value(sync["to_device"]["events"].clone()).unwrap_or_default();
        let lists: DeviceLists =
            serde_json::from_value(sync["device_lists"].clone()).unwrap_or_default();
        let counts: BTreeMap<OneTimeKeyAlgorithm, UInt> =
            serde_json::from_value(sync["device_one_time_keys_count"].clone()).unwrap_or_default();
        self.machine
            .receive_sync_changes(
                EncryptionSyncChanges {
                    to_device_events: to_device,
                    changed_devices: &lists,
                    one_time_keys_counts: &counts,
                    unused_fallback_keys: None,
                    next_batch_token: None,
                },
                &settings(),
            )
            .await
            .unwrap();
        *self.since.lock().unwrap() = sync["next_batch"].as_str().map(str::to_string);
        self.flush().await;
    }

    /// Makes the room's key for `users`' devices; returns the to-device messages that
    /// carry it, not sent yet.
    pub async fn key_for(&self, room: &str, users: &[&str]) -> Vec<Arc<ToDeviceRequest>> {
        let users: Vec<OwnedUserId> = users.iter().map(|u| UserId::parse(*u).unwrap()).collect();
        self.machine
            .update_tracked_users(users.iter().map(|u| u.as_ref()))
            .await
            .unwrap();
        self.flush().await;
        if let Some((id, claim)) = self
            .machine
            .get_missing_sessions(users.iter().map(|u| u.as_ref()))
            .await
            .unwrap()
        {
            outgoing::send(
                &self.machine,
                &self.client,
                &id,
                &AnyOutgoingRequest::KeysClaim(claim),
            )
            .await
            .unwrap();
        }
        self.machine
            .share_room_key(
                &RoomId::parse(room).unwrap(),
                users.iter().map(|u| u.as_ref()),
                EncryptionSettings::default(),
            )
            .await
            .unwrap()
    }

    pub async fn deliver(&self, keys: Vec<Arc<ToDeviceRequest>>) {
        for request in keys {
            outgoing::to_device(&self.machine, &self.client, &request)
                .await
                .unwrap();
        }
    }

    /// Encrypts `content` with the room's current key and sends it.
    pub async fn send_encrypted(&self, room: &str, content: Value) -> String {
        let raw = Raw::new(&content).unwrap().cast_unchecked();
        let encrypted = self
            .machine
            .encrypt_room_event_raw(&RoomId::parse(room).unwrap(), "m.room.message", &raw)
            .await
            .unwrap();
        let n = self
            .fan
            .txn
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let path = format!("/v3/rooms/{}/send/m.room.encrypted/olm{n}", seg(room));
        let body: Value = serde_json::from_str(encrypted.content.json().get()).unwrap();
        self.fan.call(reqwest::Method::PUT, &path, Some(body)).await["event_id"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// Every event of the room, oldest first, decrypted where the fan has the key
    /// (`None` in place of one that stays locked).
    pub async fn read(&self, room: &str) -> Vec<(Value, Option<Value>)> {
        let path = format!("/v3/rooms/{}/messages?dir=f&limit=200", seg(room));
        let v = self.fan.call(reqwest::Method::GET, &path, None).await;
        let room_id = RoomId::parse(room).unwrap();
        let mut out = Vec::new();
        for event in v["chunk"].as_array().unwrap() {
            if event["type"] != "m.room.encrypted" {
                out.push((event.clone(), None));
                continue;
            }
            let raw =
                Raw::<EncryptedEvent>::from_json(serde_json::value::to_raw_value(event).unwrap());
            let plain = match self
                .machine
                .try_decrypt_room_event(&raw, &room_id, &settings())
                .await
                .unwrap()
            {
                RoomEventDecryptionResult::Decrypted(d) => {
                    Some(serde_json::from_str(d.event.json().get()).unwrap())
                }
                RoomEventDecryptionResult::UnableToDecrypt(_) => None,
            };
            out.push((event.clone(), plain));
        }
        out
    }
}

/// `createRoom` content for a DM that is encrypted from its first event, as Element makes
/// one.
pub fn encrypted_dm(invite: &str) -> Value {
    json!({"preset": "trusted_private_chat", "is_direct": true, "invite": [invite],
        "initial_state": [{"type": "m.room.encryption", "state_key": "",
            "content": {"algorithm": "m.megolm.v1.aes-sha2"}}]})
}
