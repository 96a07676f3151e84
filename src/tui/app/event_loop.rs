//! The one event loop: input from an [`EventSource`], answers from the runtime, poll
//! statuses and the store's change notices, a tick for the clock; pure update; effects
//! to the runtime; a frame when nothing is left to handle.

use std::time::Duration;

use tokio::sync::mpsc::UnboundedReceiver;

use super::runtime::Runtime;
use super::source::{EventSource, Input};
use crate::domain::now;
use crate::poller::StatusUpdate;
use crate::store::Notices;
use crate::tui::composer::update::ReplyMsg;
use crate::tui::model::{self, Effect, Model, Msg};
use crate::tui::{terminal, ui};

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
}

fn resize(width: u16, height: u16) -> Msg {
    Msg::Resize {
        list_rows: ui::list_rows(ratatui::layout::Rect::new(0, 0, width, height)),
    }
}

/// Runs until the CM quits or the source closes. Ending on a signal is the error
/// [`terminal::Interrupted`].
pub async fn run<S: EventSource>(
    source: &mut S,
    mut model: Model,
    runtime: Runtime,
    mut inbox: Inbox,
) -> anyhow::Result<()> {
    let mut tick = tokio::time::interval(TICK);
    let mut wake = tokio::time::interval(WAKE_EVERY);
    let size = source.terminal().size()?;
    let mut pending = vec![resize(size.width, size.height)];
    runtime.run_all(model.start());
    let mut last_second = now();

    loop {
        let mut later = Vec::new();
        for msg in pending.drain(..) {
            let effects = model::update(&mut model, msg);
            if effects.contains(&Effect::Quit) {
                return Ok(());
            }
            for effect in effects {
                match effect {
                    Effect::Editor(text) => {
                        let edited = source.edit(&text)?;
                        later.push(Msg::Reply(ReplyMsg::Edited(edited)));
                    }
                    effect => runtime.run(effect),
                }
            }
        }
        pending.append(&mut later);
        if !pending.is_empty() {
            continue;
        }
        source.terminal().draw(|frame| ui::render(frame, &model))?;
        source.drawn();

        // Wait for the next thing that can change the screen; a tick redraws only when
        // a spinner turns or the second changes.
        loop {
            // Biased: the store's notices first, so a key is handled on data re-read
            // after every write that answered before it.
            tokio::select! {
                biased;
                Some(changes) = inbox.notices.recv() => {
                    // A burst of writes is one re-read.
                    pending.push(Msg::Changed(changes.union(inbox.notices.drain())));
                }
                Some(msg) = inbox.answers.recv() => pending.push(msg),
                Some(status) = inbox.statuses.recv() => pending.push(Msg::Poll(status)),
                input = source.next() => match input? {
                    Input::Key(key) => pending.push(Msg::Key(key)),
                    Input::Resize { width, height } => pending.push(resize(width, height)),
                    Input::Interrupted(signal) => {
                        return Err(terminal::Interrupted(signal).into())
                    }
                    Input::Closed => return Ok(()),
                },
                // Snoozed items whose time has come are new again; the store's change
                // notice brings them back into the views.
                _ = wake.tick() => {
                    runtime.run(Effect::Write(crate::command::Command::WakeSnoozed));
                }
                _ = tick.tick() => {
                    let second = now();
                    if model.polling() || second != last_second {
                        last_second = second;
                        pending.push(Msg::Tick(second));
                    }
                }
            }
            if !pending.is_empty() {
                break;
            }
        }
        // Take whatever else is ready too, so one frame covers a burst of messages.
        while let Ok(msg) = inbox.answers.try_recv() {
            pending.push(msg);
        }
    }
}
