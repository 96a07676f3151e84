//! The one event loop: input from an [`EventSource`], answers from the runtime, poll
//! statuses and the store's change notices, a tick for the clock. What it does with them
//! is a [`Core`] turn (update, effects, frame); this module only waits.

use std::time::Duration;

use tokio::sync::mpsc::UnboundedReceiver;

use super::runtime::Runtime;
use super::source::{EventSource, Input};
use super::step::{resize, Core, Turn};
use crate::domain::now;
use crate::poller::StatusUpdate;
use crate::store::Notices;
use crate::tui::model::{Effect, Model, Msg};
use crate::tui::terminal;

/// How often the clock in the UI advances (ages, spinner).
const TICK: Duration = Duration::from_millis(200);

/// How often snoozed items are checked for their time (a no-op write when none is due).
const WAKE_EVERY: Duration = Duration::from_secs(5);

/// What reaches the loop besides input.
pub struct Inbox {
    /// The runtime's answers (reads, writes, conversation fetches).
    pub answers: UnboundedReceiver<Msg>,
    pub statuses: UnboundedReceiver<StatusUpdate>,
    pub notices: Notices,
    /// Team mode: the other CMs on each item, as the presence task hears them.
    pub presence: Option<tokio::sync::watch::Receiver<crate::team::presence::Others>>,
}

/// The next news of the others' presence; never, without team mode (or once its task
/// ended).
async fn presence_news(
    presence: &mut Option<tokio::sync::watch::Receiver<crate::team::presence::Others>>,
) -> crate::team::presence::Others {
    if let Some(rx) = presence {
        if rx.changed().await.is_ok() {
            return rx.borrow_and_update().clone();
        }
    }
    *presence = None;
    std::future::pending().await
}

/// Runs until the CM quits or the source closes. Ending on a signal is the error
/// [`terminal::Interrupted`].
pub async fn run<S: EventSource>(
    source: &mut S,
    model: Model,
    runtime: Runtime,
    mut inbox: Inbox,
) -> anyhow::Result<()> {
    let mut tick = tokio::time::interval(TICK);
    let mut wake = tokio::time::interval(WAKE_EVERY);
    let size = source.terminal().size()?;
    let mut core = Core::start(model, runtime, size.width, size.height);
    let mut last_second = now();

    loop {
        if core.turn(source)? == Turn::Quit {
            return Ok(());
        }

        // Wait for the next thing that can change the screen; a tick redraws only when
        // a spinner turns or the second changes.
        while !core.has_pending() {
            // Biased: the store's notices first, so a key is handled on data re-read
            // after every write that answered before it.
            tokio::select! {
                biased;
                Some(changes) = inbox.notices.recv() => {
                    // A burst of writes is one re-read.
                    core.push(Msg::Changed(changes.union(inbox.notices.drain())));
                }
                Some(msg) = inbox.answers.recv() => core.push(msg),
                Some(status) = inbox.statuses.recv() => core.push(Msg::Poll(status)),
                others = presence_news(&mut inbox.presence) => core.push(Msg::Presence(others)),
                input = source.next() => match input? {
                    Input::Key(key) => core.push(Msg::Key(key)),
                    Input::Resize { width, height } => core.push(resize(width, height)),
                    Input::Interrupted(signal) => {
                        return Err(terminal::Interrupted(signal).into())
                    }
                    Input::Closed => return Ok(()),
                },
                // Snoozed items whose time has come are new again; the store's change
                // notice brings them back into the views.
                _ = wake.tick() => {
                    core.runtime().run(Effect::Write(crate::command::Command::WakeSnoozed));
                }
                _ = tick.tick() => {
                    let second = now();
                    if core.model.polling() || second != last_second {
                        last_second = second;
                        core.push(Msg::Tick(second));
                    }
                }
            }
        }
        // Take whatever else is ready too, so one frame covers a burst of messages.
        while let Ok(msg) = inbox.answers.try_recv() {
            core.push(msg);
        }
    }
}
