//! Socket Mode (docs "Using Socket Mode"): with an app-level token (`xapp-…`, scope
//! `connections:write`), `apps.connections.open` gives a websocket address on which Slack
//! pushes events; each envelope is acknowledged with its `envelope_id` within three seconds.
//! hark takes `app_mention` events and messages in the bot's DMs: they reach the inbox on
//! the next fetch, without waiting for the channel's history read (one a minute for a
//! limited app). Polling still reads everything; an item pushed and polled is stored once.
//!
//! The connection lives in a task of its own, opened on the first fetch and opened again
//! (after a growing pause) when Slack says `disconnect` or the connection drops.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message as Frame;

use super::client::Client;
use super::tiers::Pacer;
use crate::platform::PlatformError;

/// Events waiting for the next fetch: (channel, message event).
pub type Inbox = Arc<Mutex<Vec<(String, Value)>>>;

const FIRST_PAUSE: Duration = Duration::from_secs(2);
const LONGEST_PAUSE: Duration = Duration::from_secs(300);
/// Events kept at most between two fetches (a fetch that never comes must not grow it).
const MAX_WAITING: usize = 5_000;

/// The event of an envelope that becomes a message for hark, with its channel.
pub fn event_of(envelope: &Value) -> Option<(String, Value)> {
    if envelope["type"] != "events_api" {
        return None;
    }
    let event = &envelope["payload"]["event"];
    let wanted = event["type"] == "app_mention"
        || (event["type"] == "message" && event["channel_type"] == "im");
    let channel = event["channel"].as_str()?;
    wanted.then(|| (channel.to_string(), event.clone()))
}

/// Runs the connection until the task is aborted.
pub async fn run(app: Client, inbox: Inbox) {
    let pacer = Pacer::default();
    let mut pause = FIRST_PAUSE;
    loop {
        match open(&app, &pacer).await {
            Ok(url) => match listen(&url, &inbox).await {
                Ok(true) => pause = FIRST_PAUSE,
                Ok(false) => {}
                Err(e) => tracing::warn!(error = %e, "slack socket mode: connection lost"),
            },
            Err(e) => tracing::warn!(error = %e, "slack socket mode: cannot open a connection"),
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(LONGEST_PAUSE);
    }
}

/// `apps.connections.open`: a websocket address for this connection.
pub async fn open(app: &Client, pacer: &Pacer) -> Result<String, PlatformError> {
    let answer = app.post(pacer, "apps.connections.open", json!({})).await?;
    answer["url"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| PlatformError::Malformed("apps.connections.open: no url".into()))
}

/// Reads envelopes until Slack closes the connection; true when it had said hello.
async fn listen(url: &str, inbox: &Inbox) -> Result<bool, String> {
    let (socket, _) = tokio_tungstenite::connect_async(url)
        .await
        .map_err(|e| e.to_string())?;
    let (mut write, mut read) = socket.split();
    let mut hello = false;
    while let Some(frame) = read.next().await {
        let text = match frame.map_err(|e| e.to_string())? {
            Frame::Text(t) => t.to_string(),
            Frame::Close(_) => break,
            _ => continue,
        };
        let Ok(envelope) = serde_json::from_str::<Value>(&text) else {
            tracing::warn!("slack socket mode: an envelope that is not JSON; ignored");
            continue;
        };
        if let Some(event) = event_of(&envelope) {
            let mut waiting = inbox.lock().expect("socket inbox");
            if waiting.len() < MAX_WAITING {
                waiting.push(event);
            }
        }
        // Acknowledged once kept, so an event is never acknowledged and then lost.
        if let Some(id) = envelope["envelope_id"].as_str() {
            let ack = json!({ "envelope_id": id }).to_string();
            write
                .send(Frame::Text(ack.into()))
                .await
                .map_err(|e| e.to_string())?;
        }
        match envelope["type"].as_str() {
            Some("hello") => hello = true,
            Some("disconnect") => break,
            _ => {}
        }
    }
    Ok(hello)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_and_dms_are_taken_and_other_events_are_not() {
        // The envelope of the docs' Socket Mode example, carrying an app_mention.
        let mention = json!({"envelope_id": "57d6a792-4d35-4d0b-b6aa-3361493e1caf",
            "payload": {"type": "event_callback", "event": {"type": "app_mention",
                "user": "U061F7AUR", "text": "<@U0LAN0Z89> is it everything a river should be?",
                "ts": "1515449522.000016", "channel": "C123ABC456",
                "event_ts": "1515449522000016"}},
            "type": "events_api", "accepts_response_payload": false, "retry_attempt": 0});
        let (channel, event) = event_of(&mention).unwrap();
        assert_eq!(channel, "C123ABC456");
        assert_eq!(event["ts"], "1515449522.000016");
        let mut dm = mention.clone();
        dm["payload"]["event"]["type"] = json!("message");
        dm["payload"]["event"]["channel_type"] = json!("im");
        assert!(event_of(&dm).is_some());
        dm["payload"]["event"]["channel_type"] = json!("channel");
        assert!(event_of(&dm).is_none(), "channel chatter is polled");
        assert!(event_of(&json!({"type": "hello"})).is_none());
    }
}
