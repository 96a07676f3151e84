//! A reply into an end-to-end encrypted room, encrypted (spec "Messaging Algorithms",
//! `m.megolm.v1.aes-sha2`): the room's key goes to every device of its members first,
//! then the message is sent as `m.room.encrypted`. Never plaintext: a failure is an error
//! that names the cause, and the outbox keeps the reply.

use matrix_sdk_crypto::{CollectStrategy, EncryptionSettings};
use ruma::events::room::encryption::RoomEncryptionEventContent;
use ruma::events::room::history_visibility::HistoryVisibility;
use ruma::EventEncryptionAlgorithm;
use serde_json::Value;

use super::client::seg;
use super::MatrixConnector;
use crate::platform::PlatformError;

/// The `m.room.encrypted` content of `content` for `room`, whose `m.room.encryption`
/// state is `encryption`.
pub async fn encrypt(
    c: &MatrixConnector,
    room: &str,
    encryption: Value,
    content: &Value,
) -> Result<Value, PlatformError> {
    let crypto = c.crypto().await?.map_err(|why| {
        PlatformError::Permanent(format!(
            "the room is end-to-end encrypted and hark cannot encrypt for it ({why}): \
             answer from a Matrix client such as Element"
        ))
    })?;
    let encryption: RoomEncryptionEventContent = serde_json::from_value(encryption)
        .map_err(|e| PlatformError::Malformed(format!("the room's m.room.encryption: {e}")))?;
    if encryption.algorithm != EventEncryptionAlgorithm::MegolmV1AesSha2 {
        return Err(PlatformError::Permanent(format!(
            "the room is encrypted with {}, which hark cannot encrypt",
            encryption.algorithm
        )));
    }
    let visibility = history_visibility(c, room).await?;
    let members = members(c, room, &visibility).await?;
    let settings = EncryptionSettings::new(encryption, visibility, CollectStrategy::default());
    crypto
        .encrypt(&c.client, room, &members, settings, content)
        .await
        .map_err(|e| match e {
            PlatformError::RateLimited { .. } | PlatformError::Auth(_) => e,
            PlatformError::Permanent(m) => {
                PlatformError::Permanent(format!("cannot encrypt the reply: {m}"))
            }
            other => PlatformError::Transient(format!("cannot encrypt the reply: {other}")),
        })
}

/// `m.room.history_visibility` (spec "Room History Visibility"); `shared` when unset.
async fn history_visibility(
    c: &MatrixConnector,
    room: &str,
) -> Result<HistoryVisibility, PlatformError> {
    let path = format!("/v3/rooms/{}/state/m.room.history_visibility/", seg(room));
    match c.client.get("history visibility", &path, &[]).await {
        Ok(content) => Ok(content["history_visibility"]
            .as_str()
            .map(HistoryVisibility::from)
            .unwrap_or(HistoryVisibility::Shared)),
        Err(PlatformError::NotFound(_)) => Ok(HistoryVisibility::Shared),
        Err(e) => Err(e),
    }
}

/// Who receives the room's key: joined members, and invited ones unless only joined
/// members may read (as Element shares).
async fn members(
    c: &MatrixConnector,
    room: &str,
    visibility: &HistoryVisibility,
) -> Result<Vec<String>, PlatformError> {
    let path = format!("/v3/rooms/{}/members", seg(room));
    let answer = c
        .client
        .get("room members", &path, &[("not_membership", "leave".into())])
        .await?;
    let invited_too = *visibility != HistoryVisibility::Joined;
    Ok(answer["chunk"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| match e["content"]["membership"].as_str() {
            Some("join") => true,
            Some("invite") => invited_too,
            _ => false,
        })
        .filter_map(|e| e["state_key"].as_str().map(str::to_string))
        .collect())
}
