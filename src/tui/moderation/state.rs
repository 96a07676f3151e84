//! What the popups hold, and what the UI knows at start-up to offer the right actions.

use std::collections::BTreeMap;

use crate::domain::{ItemId, Severity};
use crate::escalation::{EscalationConfig, IncidentView};
use crate::platform::kinds;
use crate::store::moderation::ModerationInfo;
use crate::tui::keymap::Action;

/// What the UI knows at start-up: no I/O is needed later to offer the right actions.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Setup {
    /// Platform name → the outbox kinds of the moderation actions it supports.
    pub capabilities: BTreeMap<String, Vec<&'static str>>,
    /// Platform name → the report categories it takes (name, description).
    pub report_categories: BTreeMap<String, Vec<(&'static str, &'static str)>>,
    /// `[tags]`: name → description.
    pub tags: Vec<(String, String)>,
    pub escalation: EscalationConfig,
    /// The workspace's sentiment settings: `:lang` rescores with them.
    pub sentiment: crate::sentiment::SentimentConfig,
}

impl Setup {
    /// Builds the capability map from the connectors the pollers and the outbox use (built
    /// with the data directory, so an account whose token lives there counts too).
    pub fn new(
        tags: &BTreeMap<String, String>,
        escalation: &EscalationConfig,
        sentiment: crate::sentiment::SentimentConfig,
        connectors: &crate::outbox::worker::SharedConnectors,
    ) -> Setup {
        let capabilities = connectors
            .iter()
            .map(|(_, c, _)| (c.platform().to_string(), c.capabilities().moderation))
            .collect();
        let report_categories = connectors
            .iter()
            .map(|(_, c, _)| (c.platform().to_string(), c.report_categories().to_vec()))
            .collect();
        Setup {
            capabilities,
            report_categories,
            tags: tags.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            escalation: escalation.clone(),
            sentiment,
        }
    }
}

/// What a text popup is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Purpose {
    Tag,
    FlagReason(Severity),
    Resolve,
    Note,
    /// Which of the report categories the items' platform takes (name, description).
    ReportCategory(Vec<(&'static str, &'static str)>),
    /// Why, in the chosen category.
    ReportReason(String),
    /// `#N`: the incident to merge the items' incidents into.
    MergeInto,
    /// The title of the incident split off with the items.
    SplitTitle,
    /// When snoozed items come back (`z`).
    Snooze,
    /// A note on a person (`P`).
    PersonNote(i64),
}

/// The popup on top of the panes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Popup {
    /// The moderation actions the items' platform supports.
    Actions {
        ids: Vec<ItemId>,
        actions: Vec<&'static str>,
    },
    /// A destructive action waiting for `y`.
    Confirm {
        ids: Vec<ItemId>,
        kind: &'static str,
    },
    /// `!`: pick a severity.
    Severity { ids: Vec<ItemId> },
    /// A line of text, with completion from `choices`.
    Input {
        purpose: Purpose,
        ids: Vec<ItemId>,
        text: String,
    },
}

/// The moderation part of the model.
#[derive(Debug, Clone, Default)]
pub struct ModerationState {
    pub setup: Setup,
    pub popup: Option<Popup>,
    /// Notes, outbox actions and escalations of the item in the detail pane.
    pub info: Option<(ItemId, ModerationInfo)>,
    pub tags_in_use: Vec<(String, u64)>,
    /// Open incidents, most severe first (the Escalated view shows them).
    pub incidents: Vec<IncidentView>,
    /// The highlighted choice of an input popup's list (tab completes it).
    pub choice: usize,
}

/// Every moderation kind with its command in the popup (its keys are in the keymap's
/// moderate layer), its label and whether it confirms.
pub const ACTIONS: &[(&str, Action, &str, bool)] = &[
    (kinds::HIDE, Action::Hide, "hide from the public", false),
    (kinds::UNHIDE, Action::Unhide, kinds::UNHIDE, false),
    (kinds::DELETE, Action::Delete, kinds::DELETE, true),
    (kinds::BLOCK, Action::Block, "block the author", true),
    (
        kinds::KICK,
        Action::Kick,
        "kick the author from the room",
        true,
    ),
    (kinds::MUTE, Action::Mute, "mute the author", false),
    (
        kinds::MUTE_THREAD,
        Action::MuteThread,
        "mute this thread",
        false,
    ),
    (
        kinds::REPORT,
        Action::Report,
        "report to the platform…",
        false,
    ),
    (
        kinds::APPROVE,
        Action::Approve,
        "approve (held for review)",
        false,
    ),
    (
        kinds::DISMISS,
        Action::Dismiss,
        "dismiss the notification",
        false,
    ),
    (
        kinds::ACCEPT_REQUEST,
        Action::AcceptRequest,
        "accept (filtered by the platform)",
        false,
    ),
    (
        kinds::DISMISS_REQUEST,
        Action::DismissRequest,
        "dismiss the request (filtered by the platform)",
        true,
    ),
];
