//! The real app loop without a terminal or threads: keys go through the keymap and the
//! pure update, reads through the query worker's own `run`, writes through the store's
//! writer, and frames are drawn on a TestBackend. Benchmarks measure key-to-frame with it.
//!
//! Like the terminal's loop (`super::run`), a key's own frame is drawn as soon as the
//! update has run, before the reads and writes it asked for; [`Headless::settle`] then
//! runs those and draws the frame that shows their answers.

use std::path::Path;

use crossterm::event::KeyEvent;
use ratatui::backend::TestBackend;
use ratatui::Terminal;

use super::keymap::Keymap;
use super::model::{update, Effect, Model, Msg, WriteOutcome};
use super::query;
use super::ui;
use super::writes::Write;
use crate::domain::now;
use crate::store::{Reader, WriterHandle};

/// A UI session driven step by step.
pub struct Headless {
    pub model: Model,
    reader: Reader,
    analyzer: crate::sentiment::Analyzer,
    writer: WriterHandle,
    terminal: Terminal<TestBackend>,
    /// Effects of keys whose frame is drawn but whose reads and writes have not run yet.
    pending: Vec<Effect>,
}

impl Headless {
    /// Opens the UI on the cache behind `writer` and draws the first full frame.
    pub fn open(
        writer: WriterHandle,
        path: &Path,
        width: u16,
        height: u16,
    ) -> anyhow::Result<Headless> {
        let reader = Reader::open(path)?;
        let terminal = Terminal::new(TestBackend::new(width, height))?;
        let model = Model::new(Keymap::defaults(), "bench".into(), now());
        let analyzer = crate::sentiment::Analyzer::social();
        let mut session = Headless {
            model,
            reader,
            analyzer,
            writer,
            terminal,
            pending: Vec::new(),
        };
        let list_rows = ui::list_rows(ratatui::layout::Rect::new(0, 0, width, height));
        session.step(Msg::Resize { list_rows });
        let effects = session.model.start();
        session.run(effects);
        session.draw()?;
        Ok(session)
    }

    /// Presses one key and runs everything it causes, up to the frame that shows the
    /// answers of its reads and writes.
    pub fn press(&mut self, key: KeyEvent) -> anyhow::Result<()> {
        self.key(key)?;
        self.settle()
    }

    /// Presses one key and draws its frame, as the terminal's loop does: the reads and
    /// writes the key asked for wait for [`Headless::settle`].
    pub fn key(&mut self, key: KeyEvent) -> anyhow::Result<()> {
        let effects = update(&mut self.model, Msg::Key(key));
        self.pending.extend(effects);
        self.draw()
    }

    /// Runs the reads and writes still waiting and draws the frame with their answers
    /// (nothing to do, no frame: the last one is current).
    pub fn settle(&mut self) -> anyhow::Result<()> {
        let effects = std::mem::take(&mut self.pending);
        if effects.is_empty() {
            return Ok(());
        }
        self.run(effects);
        self.draw()
    }

    /// What the terminal shows, one string per line.
    pub fn screen(&self) -> String {
        let buffer = self.terminal.backend().buffer();
        let mut out = String::new();
        for y in 0..buffer.area.height {
            for x in 0..buffer.area.width {
                out.push_str(buffer[(x, y)].symbol());
            }
            out.push('\n');
        }
        out
    }

    fn draw(&mut self) -> anyhow::Result<()> {
        let model = &self.model;
        self.terminal.draw(|frame| ui::render(frame, model))?;
        Ok(())
    }

    fn step(&mut self, msg: Msg) {
        let effects = update(&mut self.model, msg);
        self.run(effects);
    }

    /// Runs effects to completion, feeding their answers back as messages.
    fn run(&mut self, effects: Vec<Effect>) {
        let mut queue = std::collections::VecDeque::from(effects);
        while let Some(effect) = queue.pop_front() {
            let msg = match effect {
                Effect::Query(request) => Msg::Loaded(
                    query::run(&self.reader, &self.analyzer, request)
                        .unwrap_or_else(|e| query::Response::Failed(e.to_string())),
                ),
                effect @ (Effect::SetState { .. }
                | Effect::Undo
                | Effect::SetSentiment { .. }
                | Effect::Write(_)) => {
                    let Ok(write) = Write::from_effect(effect) else {
                        unreachable!("matched a write effect")
                    };
                    let outcome = self
                        .writer
                        .call_blocking(move |conn| Ok(write.apply(conn)))
                        .unwrap_or_else(|e| WriteOutcome::Failed(e.to_string()));
                    queue.extend(update(&mut self.model, Msg::StoreChanged));
                    Msg::Wrote(outcome)
                }
                // The benchmarks do not reply; the replies effects have their own tests.
                Effect::SaveDraft { .. }
                | Effect::QueueReply { .. }
                | Effect::Outbox { .. }
                | Effect::Editor(_)
                | Effect::FetchThread(_)
                | Effect::Quit => continue,
            };
            queue.extend(update(&mut self.model, msg));
        }
    }
}
