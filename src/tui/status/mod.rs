//! The status bar and the prompt line: poller health, budgets, the last message.

pub mod view;

use std::collections::BTreeMap;

use crate::poller::PollStatus;

/// Per-account poller status and the last problem, for the status bar.
#[derive(Debug, Clone)]
pub struct Status {
    pub accounts: BTreeMap<String, PollStatus>,
    /// Request budgets (remaining, limit) of the accounts whose platform reports one.
    pub budgets: BTreeMap<String, (u32, u32)>,
    /// Standing notes on accounts ("43k/2M reads this month", "limited app: 1 read/min").
    pub notes: BTreeMap<String, crate::platform::account_note::AccountNote>,
    pub last_error: Option<String>,
    /// (unreadable records set aside, notifications older than the look-back).
    pub aside: (u64, u64),
    /// A one-line message for the CM ("3 items done — u undoes"), cleared by the next key.
    pub message: Option<String>,
    /// Outbox rows the CM must look at: (failed, unknown).
    pub outbox_attention: (usize, usize),
    /// Team mode, cut off from the team: replies waiting for it (`None`: reached).
    pub team_waiting: Option<usize>,
    /// Where times of day are shown ("rate limited until 14:05"): the local zone in the
    /// running UI, UTC unless set.
    pub tz: jiff::tz::TimeZone,
}

impl Default for Status {
    fn default() -> Status {
        Status {
            accounts: BTreeMap::new(),
            budgets: BTreeMap::new(),
            notes: BTreeMap::new(),
            last_error: None,
            message: None,
            aside: (0, 0),
            outbox_attention: (0, 0),
            team_waiting: None,
            tz: jiff::tz::TimeZone::UTC,
        }
    }
}

/// The prompt line's part of the model.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PromptLine {
    /// What the CM is typing, while the line is open.
    pub open: Option<Prompt>,
    /// The search the list is filtered by, as typed.
    pub search: Option<String>,
}

/// The line at the bottom while the CM types.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Prompt {
    Search(String),
    Command(String),
    /// `l`: a limit pattern.
    Limit(String),
    /// `T`: mark by pattern.
    MarkPattern(String),
}
