//! The reply composer (`r`) and the canned-reply picker (`R`): their state ([`state`]),
//! keys and answers ([`update`]) and panes ([`view`]). Pure: keys in, effects out (the
//! runtime saves drafts, queues, runs $EDITOR).

pub mod stale;
pub mod state;
pub mod update;
pub mod view;
pub mod wrap;

pub use state::*;
