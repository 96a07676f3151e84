//! Moderation: the moderation, tag, escalation and note popups ([`state`], their keys in
//! [`update`]), the item's moderation lines and the escalated view's incidents ([`view`]).

pub mod state;
pub mod update;
pub mod view;

pub use state::*;
pub use update::*;
