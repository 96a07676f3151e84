//! The Gateway's payloads and codes as hark uses them (developer docs, "Gateway",
//! "Gateway Events", "Opcodes and Status Codes"): no socket here, so every decision is
//! tested on the docs' own payloads.

use serde_json::{json, Value};

/// Gateway opcodes ("Opcodes and Status Codes" → "Gateway Opcodes").
pub const DISPATCH: u64 = 0;
pub const HEARTBEAT: u64 = 1;
pub const IDENTIFY: u64 = 2;
pub const RESUME: u64 = 6;
pub const RECONNECT: u64 = 7;
pub const INVALID_SESSION: u64 = 9;
pub const HELLO: u64 = 10;
pub const HEARTBEAT_ACK: u64 = 11;

/// Gateway intents ("Gateway" → "Gateway Intents"): DMs only. Guild messages are polled
/// by REST, and DM text reaches a bot without the privileged Message Content intent, so
/// hark asks for nothing privileged.
pub const DIRECT_MESSAGES: u64 = 1 << 12;
pub const INTENTS: u64 = DIRECT_MESSAGES;

/// The API version and encoding, as the connection URL's query.
pub const QUERY: &str = "v=10&encoding=json";

/// What Discord said, sorted by what to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Incoming {
    Hello {
        interval_ms: u64,
    },
    HeartbeatAck,
    /// Discord asks for a heartbeat now.
    HeartbeatNow,
    Reconnect,
    /// `d`: whether the session may be resumed.
    InvalidSession {
        resumable: bool,
    },
    Ready {
        session_id: String,
        resume_url: String,
    },
    Resumed,
    /// A DM: a MESSAGE_CREATE with no `guild_id`.
    Dm(Value),
    /// Any other dispatch, kept for its sequence number only.
    Other,
}

/// One payload: its meaning and its sequence number (dispatches only).
pub fn read(payload: &Value) -> (Incoming, Option<u64>) {
    let seq = payload["s"].as_u64();
    let incoming = match payload["op"].as_u64() {
        Some(HELLO) => match payload["d"]["heartbeat_interval"].as_u64() {
            Some(ms) if ms > 0 => Incoming::Hello { interval_ms: ms },
            _ => Incoming::Other,
        },
        Some(HEARTBEAT_ACK) => Incoming::HeartbeatAck,
        Some(HEARTBEAT) => Incoming::HeartbeatNow,
        Some(RECONNECT) => Incoming::Reconnect,
        Some(INVALID_SESSION) => Incoming::InvalidSession {
            resumable: payload["d"] == true,
        },
        Some(DISPATCH) => dispatch(payload["t"].as_str().unwrap_or(""), &payload["d"]),
        _ => Incoming::Other,
    };
    (incoming, seq)
}

fn dispatch(name: &str, d: &Value) -> Incoming {
    match name {
        "READY" => match (d["session_id"].as_str(), d["resume_gateway_url"].as_str()) {
            (Some(id), Some(url)) => Incoming::Ready {
                session_id: id.to_string(),
                resume_url: url.to_string(),
            },
            _ => Incoming::Other,
        },
        "RESUMED" => Incoming::Resumed,
        "MESSAGE_CREATE" if d["guild_id"].is_null() && d["channel_id"].is_string() => {
            Incoming::Dm(d.clone())
        }
        _ => Incoming::Other,
    }
}

pub fn heartbeat(seq: Option<u64>) -> Value {
    json!({"op": HEARTBEAT, "d": seq})
}

/// Identify: the token, the intents, and what runs the connection.
pub fn identify(token: &str) -> Value {
    json!({"op": IDENTIFY, "d": {
        "token": token,
        "intents": INTENTS,
        "properties": {"os": std::env::consts::OS, "browser": "hark", "device": "hark"},
    }})
}

pub fn resume(token: &str, session: &Session) -> Value {
    json!({"op": RESUME, "d": {
        "token": token, "session_id": session.id, "seq": session.seq,
    }})
}

/// A session that may be resumed: READY's id and resume URL, and the last sequence seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub id: String,
    pub resume_url: String,
    pub seq: Option<u64>,
}

/// What a close code means for the next connection ("Opcodes and Status Codes" →
/// "Gateway Close Event Codes").
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AfterClose {
    /// Reconnect and resume the session.
    Resume,
    /// Reconnect with a new session (identify).
    Identify,
    /// Do not reconnect: a setting must change first; said to the CM in these words.
    Stop(String),
}

pub fn after_close(code: u16) -> AfterClose {
    match code {
        // Authentication failed: the token is wrong or was reset.
        4004 => AfterClose::Stop(
            "Discord refused the bot token on the gateway (close code 4004, authentication \
             failed): reset the token in the Developer Portal and update the account's token; \
             DMs to the bot are not read until then"
                .into(),
        ),
        4010..=4012 => AfterClose::Stop(format!(
            "Discord closed the gateway with code {code} (sharding or API version): DMs to \
             the bot are not read"
        )),
        4013 | 4014 => AfterClose::Stop(format!(
            "Discord refused the gateway intents hark asks for (close code {code}, {}): \
             {} ; turn {} on in the Developer Portal (the app → Bot → Privileged Gateway \
             Intents) and restart hark; DMs to the bot are not read until then",
            if code == 4013 {
                "invalid intents"
            } else {
                "disallowed intents"
            },
            intent_names(INTENTS).join(", "),
            if code == 4014 {
                "the privileged ones among them"
            } else {
                "them"
            },
        )),
        // Invalid sequence, session timed out: the session is gone.
        4007 | 4009 => AfterClose::Identify,
        _ => AfterClose::Resume,
    }
}

/// The docs' names of the intent bits set in `intents`.
pub fn intent_names(intents: u64) -> Vec<&'static str> {
    const NAMES: &[(u64, &str)] = &[
        (1 << 0, "GUILDS"),
        (1 << 1, "GUILD_MEMBERS (privileged)"),
        (1 << 8, "GUILD_PRESENCES (privileged)"),
        (1 << 9, "GUILD_MESSAGES"),
        (1 << 12, "DIRECT_MESSAGES"),
        (1 << 15, "MESSAGE_CONTENT (privileged)"),
    ];
    NAMES
        .iter()
        .filter(|(bit, _)| intents & bit != 0)
        .map(|(_, name)| *name)
        .collect()
}

/// The first heartbeat waits `interval · jitter` (jitter in [0, 1)), so bots restarted
/// together do not all beat at once ("Gateway" → "Sending Heartbeats").
pub fn first_beat(interval_ms: u64, jitter: f64) -> std::time::Duration {
    let jitter = if jitter.is_finite() {
        jitter.clamp(0.0, 1.0)
    } else {
        0.0
    };
    std::time::Duration::from_millis((interval_ms as f64 * jitter) as u64)
}

/// The connection URL for `base` (`wss://gateway.discord.gg` or a resume URL).
pub fn url_of(base: &str) -> String {
    format!("{}/?{QUERY}", base.trim_end_matches('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_docs_payloads_read_as_what_they_mean() {
        let hello = json!({"op": 10, "d": {"heartbeat_interval": 45000}});
        assert_eq!(read(&hello).0, Incoming::Hello { interval_ms: 45000 });
        assert_eq!(read(&json!({"op": 11})).0, Incoming::HeartbeatAck);
        assert_eq!(read(&json!({"op": 7, "d": null})).0, Incoming::Reconnect);
        assert_eq!(
            read(&json!({"op": 9, "d": false})).0,
            Incoming::InvalidSession { resumable: false }
        );
        let in_guild = json!({"op": 0, "s": 5, "t": "MESSAGE_CREATE",
            "d": {"id": "1", "channel_id": "2", "guild_id": "3", "content": "hi"}});
        assert_eq!(read(&in_guild), (Incoming::Other, Some(5)));
        let dm = json!({"op": 0, "s": 6, "t": "MESSAGE_CREATE",
            "d": {"id": "1", "channel_id": "2", "content": "hi"}});
        assert!(matches!(read(&dm), (Incoming::Dm(_), Some(6))));
    }

    #[test]
    fn close_codes_say_what_to_fix_and_never_the_token() {
        match after_close(4004) {
            AfterClose::Stop(why) => assert!(why.contains("refused the bot token"), "{why}"),
            other => panic!("{other:?}"),
        }
        match after_close(4014) {
            AfterClose::Stop(why) => {
                assert!(why.contains("disallowed intents"), "{why}");
                assert!(why.contains("DIRECT_MESSAGES"), "{why}");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(after_close(4009), AfterClose::Identify);
        assert_eq!(after_close(4000), AfterClose::Resume);
        assert_eq!(after_close(1001), AfterClose::Resume);
        let token = "very-secret";
        assert!(!identify(token).to_string().is_empty());
        assert_eq!(
            first_beat(45000, 0.5),
            std::time::Duration::from_millis(22500)
        );
        assert_eq!(first_beat(45000, f64::NAN), std::time::Duration::ZERO);
    }
}
