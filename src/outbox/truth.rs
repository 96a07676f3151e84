//! How an outbox outcome reaches its item; the statements live in the store.
pub use crate::store::truth::*;
