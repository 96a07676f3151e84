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

// The row's vocabulary is the store's as much as the worker's: it lives in `domain`.
pub use crate::domain::{OutboxId, OutboxState, ACTOR_OUTBOX};
