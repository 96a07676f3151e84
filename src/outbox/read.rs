//! What the UI shows of the outbox; the statements live in the store.
pub use crate::store::outbox_read::*;
