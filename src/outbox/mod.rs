//! The durable outbox (README "Replies and the outbox"): every reply and moderation action is a row before
//! anything is sent; a worker sends due rows, retries with backoff and reconciles rows a
//! crash left mid-send. The CM never loses what they wrote and nothing posts twice.
//!
//! States: `queued` → `sending` → `sent` | back to `queued` (retry) | `failed` |
//! `unknown`; `queued`/`failed`/`unknown` → `cancelled` by the CM; `failed`/`unknown` →
//! `queued` by the CM; `unknown` → `sent` when the CM confirms it went out.
//!
//! A row in `sending` is leased by one process ([`lease`]); another never takes it.
//! `unknown` means an attempt may have reached the platform and nothing proves either way
//! (an interrupted send with neither a key nor a read-back, an unreadable answer): hark
//! does not resend it blindly.

pub mod lease;
pub mod read;
pub mod truth;
pub mod worker;

use std::fmt;
use std::str::FromStr;

use crate::domain::UnknownValue;

pub type OutboxId = i64;

/// The actor on outbox events written by the worker.
pub const ACTOR_OUTBOX: &str = "outbox";

/// Where an outbox row is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OutboxState {
    Queued,
    Sending,
    Sent,
    Failed,
    Cancelled,
    /// An attempt may have landed: read back, or confirmed by the CM, before any resend.
    Unknown,
}

impl OutboxState {
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxState::Queued => "queued",
            OutboxState::Sending => "sending",
            OutboxState::Sent => "sent",
            OutboxState::Failed => "failed",
            OutboxState::Cancelled => "cancelled",
            OutboxState::Unknown => "unknown",
        }
    }

    /// Whether the CM can still act on the row (retry, cancel, edit).
    pub fn is_open(self) -> bool {
        matches!(
            self,
            OutboxState::Queued | OutboxState::Failed | OutboxState::Unknown
        )
    }
}

impl fmt::Display for OutboxState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for OutboxState {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "queued" => OutboxState::Queued,
            "sending" => OutboxState::Sending,
            "sent" => OutboxState::Sent,
            "failed" => OutboxState::Failed,
            "cancelled" => OutboxState::Cancelled,
            "unknown" => OutboxState::Unknown,
            other => {
                return Err(UnknownValue {
                    what: "outbox state",
                    value: other.to_string(),
                })
            }
        })
    }
}
