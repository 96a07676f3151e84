//! Carries out the update's effects, for the terminal loop and the headless driver alike:
//! reads to the query worker, every write to the store's writer as one
//! [`Command`](crate::command::Command), conversation fetches to the fetcher.
//! Answers come back as messages on one channel.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::sync::mpsc::UnboundedSender;

use super::answer::{self, Asked};
use crate::domain::now;
use crate::sentiment::Analyzer;
use crate::store::{Reader, WriterHandle};
use crate::tui::model::{Effect, Msg};
use crate::tui::query::{self, Request, Response};

/// Where reads go: the query worker's thread, so a slow read never holds a key press up
/// (the headless driver plays the worker itself, see [`query::serve`]).
pub type Reads = std::sync::mpsc::Sender<Request>;

pub struct Runtime {
    reads: Reads,
    writer: WriterHandle,
    threads: Option<crate::threads::ThreadFetcher>,
    answers: UnboundedSender<Msg>,
    /// Writes sent whose answer has not been sent yet.
    writing: Arc<AtomicUsize>,
    /// Team mode: where what this CM does goes (the presence task reads it).
    presence: Option<tokio::sync::watch::Sender<crate::team::presence::Doing>>,
}

impl Runtime {
    /// `threads` fetches opened items' conversations; without it, nothing is fetched.
    pub fn new(
        reads: Reads,
        writer: WriterHandle,
        threads: Option<crate::threads::ThreadFetcher>,
        answers: UnboundedSender<Msg>,
    ) -> Runtime {
        Runtime {
            reads,
            writer,
            threads,
            answers,
            writing: Arc::default(),
            presence: None,
        }
    }

    /// Team mode: tells `doing` what this CM does (a watch value: never waits).
    pub fn with_presence(
        mut self,
        doing: tokio::sync::watch::Sender<crate::team::presence::Doing>,
    ) -> Runtime {
        self.presence = Some(doing);
        self
    }

    /// The query worker on a reader of its own, answering on `answers`.
    pub fn worker(
        reader: Reader,
        analyzer: Arc<Analyzer>,
        answers: &UnboundedSender<Msg>,
    ) -> anyhow::Result<Reads> {
        let tx = answers.clone();
        query::spawn(reader, analyzer, move |r| {
            let _ = tx.send(Msg::Loaded(r));
        })
    }

    /// How many writes still owe an answer.
    pub fn writing(&self) -> usize {
        self.writing.load(Ordering::SeqCst)
    }

    pub fn run_all(&self, effects: Vec<Effect>) {
        for effect in effects {
            self.run(effect);
        }
    }

    /// Starts one effect. The editor and quitting belong to the loop, which owns the
    /// terminal; they are ignored here.
    pub fn run(&self, effect: Effect) {
        match effect {
            Effect::Query(request) => self.read(request),
            Effect::Write(command) => {
                let asked = Asked::of(&command);
                let (tx, writing) = (self.answers.clone(), self.writing.clone());
                writing.fetch_add(1, Ordering::SeqCst);
                // Sent to the writer now, so writes run in the order the CM made them (a
                // draft saved just before a send never lands after it).
                let sent = self.writer.run_then(
                    move |conn| command.apply(conn, now()),
                    move |result, _changes| {
                        if let Some(msg) = answer::message(asked, result.map_err(|e| e.to_string()))
                        {
                            let _ = tx.send(msg);
                        }
                        writing.fetch_sub(1, Ordering::SeqCst);
                    },
                );
                if let Err(e) = sent {
                    if let Some(msg) = answer::message(asked, Err(e.to_string())) {
                        let _ = self.answers.send(msg);
                    }
                    self.writing.fetch_sub(1, Ordering::SeqCst);
                }
            }
            Effect::FetchThread(id) => {
                if let Some(threads) = &self.threads {
                    threads.request(id)
                }
            }
            Effect::SaveHistory { path, text } => {
                // A few kilobytes at most, once per submitted line.
                if let Err(e) = crate::tui::find::history::save(&path, &text) {
                    tracing::warn!(error = %e, "cannot keep the prompt history");
                }
            }
            Effect::Presence(doing) => {
                if let Some(tx) = &self.presence {
                    tx.send_replace(doing);
                }
            }
            Effect::Editor(_) | Effect::Quit => {}
        }
    }

    fn read(&self, request: Request) {
        if self.reads.send(request).is_err() {
            let failed = Response::Failed("the query worker stopped".into());
            let _ = self.answers.send(Msg::Loaded(failed));
        }
    }
}
