//! The terminal UI: ratatui + crossterm on tokio.
//!
//! Key → action → pure [`model::update`] → effects. Reads run on the query worker,
//! writes on the store's writer; their answers come back as messages on one channel.
//! Render reads the model only.

pub mod compose;
pub mod compose_update;
pub mod format;
pub mod headless;
pub mod keymap;
pub mod keymap_spec;
pub mod keys;
pub mod list;
pub mod model;
pub mod moderation;
pub mod panes;
pub mod query;
pub mod reply_effects;
pub mod terminal;
pub mod ui;
pub mod writes;

#[cfg(test)]
mod test_support;

use std::time::Duration;

use crossterm::event::{Event, KeyEventKind};
use tokio::sync::mpsc;

use crate::domain::now;
use crate::poller::StatusUpdate;
use crate::store::WriterHandle;
use model::{Effect, Model, Msg, WriteOutcome};

/// How often the clock in the UI advances (ages, spinner).
const TICK: Duration = Duration::from_millis(200);

/// Runs the UI until the CM quits, then restores the terminal (also on panic and on the
/// signals of [`terminal`]). Ending on a signal is the error [`terminal::Interrupted`].
pub async fn run(
    model: Model,
    writer: WriterHandle,
    analyzer: std::sync::Arc<crate::sentiment::Analyzer>,
    statuses: mpsc::UnboundedReceiver<StatusUpdate>,
    platforms: crate::threads::Platforms,
) -> anyhow::Result<()> {
    let mut screen = terminal::take()?;
    let result = event_loop(&mut screen, model, writer, analyzer, statuses, platforms).await;
    drop(screen);
    result
}

async fn event_loop(
    screen: &mut terminal::Screen,
    mut model: Model,
    writer: WriterHandle,
    analyzer: std::sync::Arc<crate::sentiment::Analyzer>,
    mut statuses: mpsc::UnboundedReceiver<StatusUpdate>,
    platforms: crate::threads::Platforms,
) -> anyhow::Result<()> {
    let (app_tx, mut app_rx) = mpsc::unbounded_channel::<Msg>();
    let threads = {
        let tx = app_tx.clone();
        crate::threads::spawn(writer.clone(), platforms, move |news| {
            let _ = tx.send(Msg::Thread(news));
        })
    };
    let queries = {
        let tx = app_tx.clone();
        query::spawn(writer.path().to_path_buf(), analyzer, move |response| {
            let _ = tx.send(Msg::Loaded(response));
        })?
    };
    let mut keys = keys::KeyReader::spawn()?;
    let mut changes = writer.changes();
    let mut tick = tokio::time::interval(TICK);
    let size = screen.terminal.size()?;
    let mut pending = vec![Msg::Resize {
        list_rows: ui::list_rows(ratatui::layout::Rect::new(0, 0, size.width, size.height)),
    }];
    let effects = model.start();
    let runtime = Runtime {
        queries,
        replies: reply_effects::spawn(writer.clone(), app_tx.clone()),
        threads,
        writer,
        app_tx,
    };
    runtime.run_all(effects);
    let mut last_second = now();

    loop {
        let mut later = Vec::new();
        for msg in pending.drain(..) {
            let effects = model::update(&mut model, msg);
            if effects.contains(&Effect::Quit) {
                return Ok(());
            }
            for effect in effects {
                if let Effect::Editor(text) = effect {
                    // Pause the key reader, leave the alternate screen, edit, come back.
                    keys.pause();
                    let result = terminal::lend(screen, || reply_effects::edit_in_editor(&text));
                    keys.resume();
                    let result = result?;
                    later.push(Msg::Reply(compose_update::ReplyMsg::Edited(result)));
                } else {
                    runtime.run(effect);
                }
            }
        }
        pending.append(&mut later);
        if !pending.is_empty() {
            continue;
        }
        screen.terminal.draw(|frame| ui::render(frame, &model))?;

        // Wait for the next thing that can change the screen; a tick redraws only when
        // a spinner turns or the second changes.
        loop {
            tokio::select! {
                event = keys.events.recv() => match event {
                    Some(Ok(Event::Key(key))) if key.kind != KeyEventKind::Release => pending.push(Msg::Key(key)),
                    Some(Ok(Event::Resize(w, h))) => pending.push(Msg::Resize {
                        list_rows: ui::list_rows(ratatui::layout::Rect::new(0, 0, w, h)),
                    }),
                    Some(Ok(_)) => {}
                    Some(Err(e)) => anyhow::bail!("cannot read the terminal: {e}"),
                    None => return Ok(()),
                },
                Some(msg) = app_rx.recv() => pending.push(msg),
                Some(status) = statuses.recv() => pending.push(Msg::Poll(status)),
                Ok(()) = changes.changed() => pending.push(Msg::StoreChanged),
                Some(signal) = screen.signals.recv() => {
                    return Err(terminal::Interrupted(signal).into());
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
        while let Ok(msg) = app_rx.try_recv() {
            pending.push(msg);
        }
    }
}

/// Carries out effects: reads to the query worker, writes to the store's writer.
struct Runtime {
    queries: std::sync::mpsc::Sender<query::Request>,
    /// Drafts, queueing and outbox changes, carried out in order.
    replies: mpsc::UnboundedSender<Effect>,
    threads: crate::threads::ThreadFetcher,
    writer: WriterHandle,
    app_tx: mpsc::UnboundedSender<Msg>,
}

impl Runtime {
    fn run_all(&self, effects: Vec<Effect>) {
        for effect in effects {
            self.run(effect);
        }
    }

    fn run(&self, effect: Effect) {
        match effect {
            Effect::Query(request) => {
                if self.queries.send(request).is_err() {
                    let _ = self.app_tx.send(Msg::Loaded(query::Response::Failed(
                        "the query worker stopped".into(),
                    )));
                }
            }
            effect @ (Effect::SetState { .. }
            | Effect::Undo
            | Effect::SetSentiment { .. }
            | Effect::Write(_)) => {
                let Ok(write) = writes::Write::from_effect(effect) else {
                    unreachable!("matched a write effect")
                };
                let quiet = write.is_quiet();
                let writer = self.writer.clone();
                let tx = self.app_tx.clone();
                tokio::spawn(async move {
                    let outcome = writer
                        .call(move |conn| Ok(write.apply(conn)))
                        .await
                        .unwrap_or_else(|e| WriteOutcome::Failed(e.to_string()));
                    if !quiet || matches!(outcome, WriteOutcome::Failed(_)) {
                        let _ = tx.send(Msg::Wrote(outcome));
                    }
                });
            }
            effect @ (Effect::SaveDraft { .. }
            | Effect::QueueReply { .. }
            | Effect::Outbox { .. }) => {
                if self.replies.send(effect).is_err() {
                    let _ = self
                        .app_tx
                        .send(Msg::Reply(compose_update::ReplyMsg::Queued(Err(
                            "the replies task stopped".into(),
                        ))));
                }
            }
            Effect::FetchThread(id) => self.threads.request(id),
            // The event loop runs the editor itself: it owns the terminal.
            Effect::Editor(_) | Effect::Quit => {}
        }
    }
}
