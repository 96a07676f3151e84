//! Outbox kinds: the names stored in `outbox.kind`, listed in capabilities and matched on
//! by the outbox, the store and the menus. Compare against these (or
//! [`super::ModerationAction::kind`]), never a literal, so a typo does not compile.

pub const REPLY: &str = "reply";
pub const HIDE: &str = "hide";
pub const UNHIDE: &str = "unhide";
pub const DELETE: &str = "delete";
pub const BLOCK: &str = "block";
/// Remove the author from the room or server (chat platforms); they may come back, unlike a ban.
pub const KICK: &str = "kick";
pub const MUTE: &str = "mute";
pub const MUTE_THREAD: &str = "mute-thread";
pub const REPORT: &str = "report";
pub const APPROVE: &str = "approve";
pub const DISMISS: &str = "dismiss";
pub const ACCEPT_REQUEST: &str = "accept-request";
pub const DISMISS_REQUEST: &str = "dismiss-request";
