//! The app's machinery: one event loop ([`event_loop`]) over an [`EventSource`] (the
//! terminal, or a scripted source in tests), one [`Runtime`] that carries out effects
//! (the [`headless`] driver uses it too), and the answer of a write as a message
//! ([`answer`]).

pub mod answer;
pub mod editor;
pub mod event_loop;
pub mod headless;
pub mod keys;
pub mod runtime;
pub mod source;

#[cfg(test)]
mod tests;

use std::sync::Arc;

use tokio::sync::mpsc;

use crate::poller::StatusUpdate;
use crate::store::{Reader, WriterHandle};
use crate::tui::model::{Model, Msg};
pub use event_loop::Inbox;
pub use runtime::{Reads, Runtime};
pub use source::{EventSource, Input, Script, ScriptedSource, TerminalSource};

/// Runs the UI on `source` until the CM quits: reads on the query worker, writes on
/// `writer`, opened items' conversations fetched from `platforms` (none: not fetched).
pub async fn run_on<S: EventSource>(
    source: &mut S,
    model: Model,
    writer: WriterHandle,
    analyzer: Arc<crate::sentiment::Analyzer>,
    statuses: mpsc::UnboundedReceiver<StatusUpdate>,
    platforms: Option<crate::threads::Platforms>,
) -> anyhow::Result<()> {
    let reader = Reader::open(writer.path())?;
    run_with_reader(source, model, writer, reader, analyzer, statuses, platforms).await
}

/// [`run_on`] with the query worker's reader given (tests count its reads).
pub async fn run_with_reader<S: EventSource>(
    source: &mut S,
    model: Model,
    writer: WriterHandle,
    reader: Reader,
    analyzer: Arc<crate::sentiment::Analyzer>,
    statuses: mpsc::UnboundedReceiver<StatusUpdate>,
    platforms: Option<crate::threads::Platforms>,
) -> anyhow::Result<()> {
    let (tx, answers) = mpsc::unbounded_channel::<Msg>();
    // Subscribed before the first read, so no change after it is missed.
    let notices = writer.subscribe();
    let threads = platforms.map(|platforms| {
        let tx = tx.clone();
        crate::threads::spawn(writer.clone(), platforms, move |news| {
            let _ = tx.send(Msg::Thread(news));
        })
    });
    let reads = Runtime::worker(reader, analyzer, &tx)?;
    let runtime = Runtime::new(reads, writer, threads, tx);
    let inbox = Inbox {
        answers,
        statuses,
        notices,
    };
    event_loop::run(source, model, runtime, inbox).await
}
