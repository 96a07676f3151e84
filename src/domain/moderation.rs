//! Moderation: the actions a CM can take on an item, their outbox kinds ([`super::kinds`]),
//! and what is known of an item to say which actions its platform allows.

use super::{kinds, ItemKind};

/// Moderation actions a platform may offer.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ModerationAction {
    /// Hide someone's reply under the brand's post.
    Hide,
    Unhide,
    /// Delete the brand's own post, or an item on a platform where the brand moderates.
    Delete,
    BlockAuthor,
    /// Remove the author from the room or server (chat platforms); unlike a ban they may come back.
    KickAuthor,
    MuteAuthor,
    /// Stop notifications from this conversation.
    MuteThread,
    /// Report the item to the platform's moderators.
    Report {
        category: String,
        reason: String,
    },
    /// Approve an item the platform held for review.
    Approve,
    /// Dismiss the platform's notification for the item.
    DismissNotification,
    /// Accept a request the platform's filter held (Mastodon notification requests).
    AcceptRequest {
        request_id: String,
    },
    /// Dismiss such a request.
    DismissRequest {
        request_id: String,
    },
}

impl ModerationAction {
    /// The outbox `kind` for this action.
    pub fn kind(&self) -> &'static str {
        match self {
            ModerationAction::Hide => kinds::HIDE,
            ModerationAction::Unhide => kinds::UNHIDE,
            ModerationAction::Delete => kinds::DELETE,
            ModerationAction::BlockAuthor => kinds::BLOCK,
            ModerationAction::KickAuthor => kinds::KICK,
            ModerationAction::MuteAuthor => kinds::MUTE,
            ModerationAction::MuteThread => kinds::MUTE_THREAD,
            ModerationAction::Report { .. } => kinds::REPORT,
            ModerationAction::Approve => kinds::APPROVE,
            ModerationAction::DismissNotification => kinds::DISMISS,
            ModerationAction::AcceptRequest { .. } => kinds::ACCEPT_REQUEST,
            ModerationAction::DismissRequest { .. } => kinds::DISMISS_REQUEST,
        }
    }
}

/// What the moderation menu knows of one item, read from the store without asking the
/// platform: enough for a connector to say which actions its platform allows on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ItemFacts {
    pub kind: ItemKind,
    /// The item answers another post (it has a parent).
    pub reply: bool,
    /// The conversation's first post is the brand's own (where replies can be hidden).
    pub in_own_thread: bool,
}

impl ItemFacts {
    /// A top-level item of `kind` (no parent, not in a brand thread).
    pub fn of(kind: ItemKind) -> ItemFacts {
        ItemFacts {
            kind,
            reply: false,
            in_own_thread: false,
        }
    }

    /// Written by the brand itself.
    pub fn own(&self) -> bool {
        self.kind == ItemKind::Post
    }
}
