//! What the Olm machine asks to send, sent with hark's own client (spec "Key management
//! API" and "Send-to-Device messaging"), and each answer handed back to the machine.

use matrix_sdk_crypto::types::requests::{AnyOutgoingRequest, ToDeviceRequest};
use matrix_sdk_crypto::OlmMachine;
use ruma::api::client::keys::{claim_keys, get_keys, upload_keys, upload_signatures};
use ruma::api::client::to_device::send_event_to_device;
use ruma::api::IncomingResponse;
use ruma::TransactionId;
use serde_json::{json, Value};

use super::super::client::{seg, Client};
use super::machine_error;
use crate::platform::PlatformError;

/// Sends one request and tells the machine it was answered.
pub async fn send(
    machine: &OlmMachine,
    client: &Client,
    id: &TransactionId,
    request: &AnyOutgoingRequest,
) -> Result<(), PlatformError> {
    match request {
        AnyOutgoingRequest::KeysUpload(r) => {
            // Only the parts there are: Synapse refuses `"device_keys": null`.
            let mut body = json!({"one_time_keys": r.one_time_keys,
                "fallback_keys": r.fallback_keys});
            if let Some(device_keys) = &r.device_keys {
                body["device_keys"] = json!(device_keys);
            }
            let answer = client.post("keys upload", "/v3/keys/upload", body).await?;
            let response: upload_keys::v3::Response = parse("keys upload", answer)?;
            mark(machine, id, &response).await
        }
        AnyOutgoingRequest::KeysQuery(r) => {
            let mut body = json!({ "device_keys": r.device_keys });
            if let Some(timeout) = r.timeout {
                body["timeout"] = json!(timeout.as_millis() as u64);
            }
            let answer = client.post("keys query", "/v3/keys/query", body).await?;
            let response: get_keys::v3::Response = parse("keys query", answer)?;
            mark(machine, id, &response).await
        }
        AnyOutgoingRequest::KeysClaim(r) => {
            let mut body = json!({ "one_time_keys": r.one_time_keys });
            if let Some(timeout) = r.timeout {
                body["timeout"] = json!(timeout.as_millis() as u64);
            }
            let answer = client.post("keys claim", "/v3/keys/claim", body).await?;
            let response: claim_keys::v3::Response = parse("keys claim", answer)?;
            mark(machine, id, &response).await
        }
        AnyOutgoingRequest::ToDeviceRequest(r) => to_device(machine, client, r).await,
        AnyOutgoingRequest::SignatureUpload(r) => {
            let body = serde_json::to_value(&r.signed_keys)
                .map_err(|e| PlatformError::Malformed(format!("signature upload: {e}")))?;
            let answer = client
                .post("signature upload", "/v3/keys/signatures/upload", body)
                .await?;
            let response: upload_signatures::v3::Response = parse("signature upload", answer)?;
            mark(machine, id, &response).await
        }
        // In-room verification messages: hark never starts a verification, so the machine
        // has none to send; one left over is not worth a failed sync.
        AnyOutgoingRequest::RoomMessage(_) => {
            tracing::debug!(
                "a verification message to a room was not sent: hark does not verify devices"
            );
            Ok(())
        }
    }
}

/// `PUT /sendToDevice/{eventType}/{txnId}`: room keys and Olm messages for devices.
pub async fn to_device(
    machine: &OlmMachine,
    client: &Client,
    request: &ToDeviceRequest,
) -> Result<(), PlatformError> {
    let path = format!(
        "/v3/sendToDevice/{}/{}",
        seg(&request.event_type.to_string()),
        seg(request.txn_id.as_str())
    );
    let answer = client
        .put("to-device", &path, json!({ "messages": request.messages }))
        .await?;
    let response: send_event_to_device::v3::Response = parse("to-device", answer)?;
    mark(machine, &request.txn_id, &response).await
}

async fn mark<'a, R>(
    machine: &OlmMachine,
    id: &TransactionId,
    response: &'a R,
) -> Result<(), PlatformError>
where
    &'a R: Into<matrix_sdk_crypto::types::requests::AnyIncomingResponse<'a>>,
{
    machine
        .mark_request_as_sent(id, response)
        .await
        .map_err(machine_error)
}

/// The homeserver's answer as the typed response the machine takes.
fn parse<R: IncomingResponse>(what: &str, answer: Value) -> Result<R, PlatformError> {
    let body = serde_json::to_vec(&answer).unwrap_or_default();
    R::try_from_http_response(http::Response::new(body))
        .map_err(|e| PlatformError::Malformed(format!("{what}: {e}")))
}
