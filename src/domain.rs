//! The vocabulary every part of hark shares: items, their kinds and states, authors.
//!
//! These types carry no I/O (only [`now`] reads the clock); the store maps them to rows and the connectors build them
//! from platform responses.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

pub mod kinds;
mod moderation;
mod outbox;
mod room;
mod target;
mod unreadable;

pub use moderation::{ItemFacts, ModerationAction};
pub use outbox::{OutboxId, OutboxState, ResendGuard, ACTOR_OUTBOX};
pub use room::{ChatRoom, PowerLevels, RoomPower};
pub use target::Target;
pub use unreadable::Unreadable;

/// Seconds since the Unix epoch, UTC. The store keeps every time in this unit.
pub type UnixTime = i64;

/// The current time as [`UnixTime`].
pub fn now() -> UnixTime {
    jiff::Timestamp::now().as_second()
}

/// Declares a string-backed enum with `as_str`, `FromStr`, `Display` and an `ALL` list,
/// because kinds and states are stored as text and parsed back from the database.
macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "lowercase")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl FromStr for $name {
            type Err = UnknownValue;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err(UnknownValue { what: stringify!($name), value: s.to_string() }),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

/// A stored text that names no known variant (a newer hark wrote it, or it was edited by hand).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} `{value}`")]
pub struct UnknownValue {
    pub what: &'static str,
    pub value: String,
}

text_enum! {
    /// What an item is, from the brand's point of view.
    ItemKind {
        Mention => "mention",
        Comment => "comment",
        Dm => "dm",
        // The brand's own post or reply: thread context, never in the inbox views.
        Post => "post",
    }
}

text_enum! {
    /// Where an item is in the CM's workflow.
    ItemState {
        New => "new",
        Open => "open",
        Replied => "replied",
        Done => "done",
        // Out of the views until its snooze time (`z`), then new again.
        Snoozed => "snoozed",
        Hidden => "hidden",
        Deleted => "deleted",
    }
}

impl ItemState {
    /// Whether an item that needs a reply still owes its first one in this state: new,
    /// open, or snoozed (its `[sla]` clock runs on). The `~w` field says it in SQL.
    pub fn owes_reply(self) -> bool {
        matches!(self, ItemState::New | ItemState::Open | ItemState::Snoozed)
    }
}

text_enum! {
    /// A sentiment label, automatic (the sentiment engine's) or set by the CM: one type
    /// from the analyzer to the store, the list and the report.
    #[derive(PartialOrd, Ord)]
    SentimentLabel {
        Negative => "negative",
        Neutral => "neutral",
        Positive => "positive",
    }
}

impl SentimentLabel {
    /// Label for a compound score under the given thresholds (inclusive, as
    /// in the VADER documentation).
    pub fn from_compound(compound: f64, positive_threshold: f64, negative_threshold: f64) -> Self {
        if compound >= positive_threshold {
            SentimentLabel::Positive
        } else if compound <= negative_threshold {
            SentimentLabel::Negative
        } else {
            SentimentLabel::Neutral
        }
    }

    /// One-column glyph for the list.
    pub fn glyph(self) -> &'static str {
        match self {
            SentimentLabel::Negative => "-",
            SentimentLabel::Neutral => "=",
            SentimentLabel::Positive => "+",
        }
    }
}

text_enum! {
    /// Severity of an escalation flag.
    Severity {
        Low => "low",
        High => "high",
        Critical => "critical",
    }
}

/// An author as a connector reports them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewAuthor {
    /// The platform's stable id for the person (handle when the platform has nothing better).
    pub external_id: String,
    pub handle: String,
    pub display_name: String,
    pub followers: Option<i64>,
}

/// An item as a connector reports it, before the store gives it an id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewItem {
    pub external_id: String,
    pub kind: ItemKind,
    pub parent_external_id: Option<String>,
    pub thread_external_id: Option<String>,
    pub author: NewAuthor,
    pub body: String,
    pub url: Option<String>,
    pub created_at: UnixTime,
    /// The platform's own record, kept for later re-parsing.
    pub raw_json: Option<String>,
    /// A chat item's room by the platform's id (a Matrix room, a Discord channel or
    /// thread, a Slack conversation; see `platform::chat`); `None` elsewhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub room: Option<String>,
}

impl NewItem {
    /// Whether the CM owes this item an answer. DMs always do; public items do when they
    /// address the brand directly or ask something. Replies already sent by the brand
    /// (kind `post`) never do.
    pub fn needs_reply(&self) -> bool {
        match self.kind {
            ItemKind::Dm | ItemKind::Mention => true,
            ItemKind::Comment => self.body.contains('?'),
            ItemKind::Post => false,
        }
    }
}

/// The stored id of an item.
pub type ItemId = i64;
/// The stored id of an account.
pub type AccountId = i64;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_round_trip_through_text() {
        for state in ItemState::ALL {
            assert_eq!(state.as_str().parse::<ItemState>().unwrap(), *state);
        }
        assert!("archived".parse::<ItemState>().is_err());
    }

    #[test]
    fn a_question_in_a_comment_needs_a_reply_but_a_cheer_does_not() {
        let mut item = NewItem {
            external_id: "1".into(),
            kind: ItemKind::Comment,
            parent_external_id: None,
            thread_external_id: None,
            author: NewAuthor {
                external_id: "a".into(),
                handle: "@a".into(),
                display_name: "A".into(),
                followers: None,
            },
            body: "love it!".into(),
            url: None,
            created_at: 0,
            raw_json: None,
            room: None,
        };
        assert!(!item.needs_reply());
        item.body = "is it vegan?".into();
        assert!(item.needs_reply());
        item.kind = ItemKind::Dm;
        item.body = "thanks".into();
        assert!(item.needs_reply());
    }
}
