//! `z`: snooze the marked items (or the one under the cursor) until a time the CM
//! writes or picks ("2h", "tomorrow 9:00", "mon"). The popup is the moderation popup's
//! line input; this holds what it needs and turns the answer into the write.

use jiff::tz::TimeZone;

use crate::command::Command;
use crate::domain::ItemId;
use crate::tui::model::{Effect, Model};

/// The snooze part of the model.
#[derive(Debug, Clone)]
pub struct SnoozeState {
    /// Where "tomorrow 9:00" is read: the config's `[sla] tz`, else `[report] tz`.
    pub tz: TimeZone,
}

impl Default for SnoozeState {
    fn default() -> Self {
        SnoozeState { tz: TimeZone::UTC }
    }
}

/// The popup's choices, each with the time it means now.
pub fn choices(model: &Model) -> Vec<(String, String)> {
    crate::snooze::CHOICES
        .iter()
        .map(|(text, meaning)| {
            let at = crate::snooze::until(text, model.now, &model.snooze.tz)
                .map(|t| crate::snooze::show(t, &model.snooze.tz))
                .unwrap_or_default();
            (text.to_string(), format!("{at} · {meaning}"))
        })
        .collect()
}

/// The popup's answer: the write, or why the time was not understood (the popup stays).
pub fn submit(model: &Model, ids: Vec<ItemId>, text: &str) -> Result<Effect, String> {
    let until = crate::snooze::until(text, model.now, &model.snooze.tz)?;
    Ok(Effect::Write(Command::Snooze {
        ids,
        until,
        shown: crate::snooze::show(until, &model.snooze.tz),
    }))
}
