//! The terminal UI: ratatui + crossterm on tokio.
//!
//! Key → action → pure [`model::update`] → effects. Reads run on the query worker,
//! writes go to the store's writer as one command each; their answers, and the store's
//! change notices, come back as messages to the one loop in [`app`]. Render reads the
//! model only.

pub mod app;
pub mod composer;
pub mod find;
pub mod format;
pub mod help;
pub mod inbox;
pub mod item;
pub mod keymap;
pub mod model;
pub mod moderation;
pub mod outbox;
pub mod pane;
pub mod people;
pub mod presence;
pub mod query;
pub mod sidebar;
pub mod snooze;
pub mod status;
pub mod team;
pub mod terminal;
pub mod ui;

/// The SLA check under its old path: the composer tests' assertions name it so.
pub mod compose_update {
    pub use super::inbox::sla::overdue;
}

#[cfg(test)]
mod test_support;

use tokio::sync::mpsc;

use crate::poller::StatusUpdate;
use crate::store::WriterHandle;
use model::Model;

/// Runs the UI until the CM quits, then restores the terminal (also on panic and on the
/// signals of [`terminal`]). Ending on a signal is the error [`terminal::Interrupted`].
pub async fn run(
    model: Model,
    writer: WriterHandle,
    analyzer: std::sync::Arc<crate::sentiment::Analyzer>,
    statuses: mpsc::UnboundedReceiver<StatusUpdate>,
    platforms: crate::threads::Platforms,
    presence: Option<crate::team::presence::PresenceLink>,
) -> anyhow::Result<()> {
    let mut source = app::TerminalSource::take()?;
    let result = app::run_on(
        &mut source,
        model,
        writer,
        analyzer,
        statuses,
        Some(platforms),
        presence,
    )
    .await;
    drop(source);
    result
}
