//! The app without a terminal, step by step: keys go through the keymap and the pure
//! update, effects through the app's [`Runtime`] (reads in place, writes on the store's
//! writer, as in the terminal's loop), and frames are drawn on a TestBackend.
//! Benchmarks measure key-to-frame with it.
//!
//! Like the terminal's loop, a key's own frame is drawn as soon as the update has run,
//! before the reads and writes it asked for; [`Headless::settle`] then runs those and
//! draws the frame that shows their answers.

use std::path::Path;

use crossterm::event::KeyEvent;
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use tokio::sync::mpsc;

use super::{source::screen_text, Reads, Runtime};
use crate::domain::now;
use crate::store::{Notices, Reader, WriterHandle};
use crate::tui::keymap::Keymap;
use crate::tui::model::{update, Effect, Model, Msg};
use crate::tui::ui;

/// A UI session driven step by step.
pub struct Headless {
    pub model: Model,
    runtime: Runtime,
    answers: mpsc::UnboundedReceiver<Msg>,
    notices: Notices,
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
        let reads = Reads::InPlace {
            reader: Reader::open(path)?,
            analyzer: Box::new(crate::sentiment::Analyzer::social()),
        };
        let (tx, answers) = mpsc::unbounded_channel();
        let notices = writer.subscribe();
        let mut session = Headless {
            model: Model::new(Keymap::defaults(), "bench".into(), now()),
            runtime: Runtime::new(reads, writer, None, tx),
            answers,
            notices,
            terminal: Terminal::new(TestBackend::new(width, height))?,
            pending: Vec::new(),
        };
        let list_rows = ui::list_rows(ratatui::layout::Rect::new(0, 0, width, height));
        session.pending = update(&mut session.model, Msg::Resize { list_rows });
        session.pending.extend(session.model.start());
        session.settle()?;
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

    /// Runs the reads and writes still waiting, and what their answers ask for in turn,
    /// and draws the frame with their answers (nothing to do, no frame: the last one is
    /// current).
    pub fn settle(&mut self) -> anyhow::Result<()> {
        let mut effects = std::mem::take(&mut self.pending);
        if effects.is_empty() {
            return Ok(());
        }
        loop {
            effects.retain(|e| !matches!(e, Effect::Editor(_) | Effect::Quit));
            self.runtime.run_all(std::mem::take(&mut effects));
            // A write's notice is sent before its answer: re-read first, as the loop does.
            let changes = self.notices.drain();
            if !changes.is_empty() {
                effects.extend(update(&mut self.model, Msg::Changed(changes)));
            }
            match self.answers.try_recv() {
                Ok(msg) => effects.extend(update(&mut self.model, msg)),
                Err(_) if !effects.is_empty() => {}
                // Every answer is sent before its write stops counting: once none is
                // left and nothing waits, everything has been handled.
                Err(_) if self.runtime.writing() == 0 => {
                    let changes = self.notices.drain();
                    match self.answers.try_recv() {
                        Ok(msg) => effects.extend(update(&mut self.model, msg)),
                        Err(_) if changes.is_empty() => break,
                        Err(_) => {}
                    }
                    if !changes.is_empty() {
                        effects.extend(update(&mut self.model, Msg::Changed(changes)));
                    }
                }
                Err(_) => std::thread::yield_now(),
            }
        }
        self.draw()
    }

    /// What the terminal shows, one string per line.
    pub fn screen(&self) -> String {
        screen_text(&self.terminal)
    }

    fn draw(&mut self) -> anyhow::Result<()> {
        let model = &self.model;
        self.terminal.draw(|frame| ui::render(frame, model))?;
        Ok(())
    }
}
