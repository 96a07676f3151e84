//! An outbox row's vocabulary, shared by the store (which keeps the rows) and the outbox
//! worker (which sends them): its id, its states, the worker's actor name, and what guards
//! a resend.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use super::UnknownValue;

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

/// What keeps a second attempt of an outbox action from acting twice on the platform,
/// after an attempt whose outcome is unknown (interrupted mid-send, unreadable answer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResendGuard {
    /// The platform dedups by the row's idempotency key (or the connector checks by it
    /// before writing), for `window` after the first attempt (`None`: for good).
    Key { window: Option<Duration> },
    /// The connector reads the thread back (`Connector::find_reply`) before resending.
    ReadBack,
    /// Doing it twice is the same as once (mute, hide, delete).
    Idempotent,
    /// Neither a key nor a read-back: an uncertain attempt is never resent by hark; the
    /// CM says whether it went out.
    Nothing,
}
