//! The app without a terminal, step by step: the event loop's own [`Core`] turns (keymap,
//! pure update, effects through the app's [`Runtime`], a frame) on a TestBackend, with
//! the waiting done in place. Benchmarks measure key-to-frame with it.
//!
//! As in the terminal, a key's turn starts its reads and writes and draws its frame at
//! once: that is "key to frame". The query worker's part (reading what the turns asked
//! for) waits for [`Headless::settle`], which answers it in place with the worker's own
//! code and takes turns on the answers and the store's notices until nothing is left:
//! "until fresh".

use std::path::Path;
use std::sync::mpsc as std_mpsc;

use crossterm::event::KeyEvent;
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use tokio::sync::mpsc;

use super::source::screen_text;
use super::step::{Core, Surface};
use super::Runtime;
use crate::domain::now;
use crate::sentiment::Analyzer;
use crate::store::{Notices, Reader, WriterHandle};
use crate::tui::keymap::Keymap;
use crate::tui::model::{Model, Msg};
use crate::tui::query::{self, Request};

/// A UI session driven step by step.
pub struct Headless {
    core: Core,
    /// The reads the turns asked for, waiting for [`Headless::settle`] to play the worker.
    requests: std_mpsc::Receiver<Request>,
    reader: Reader,
    analyzer: Analyzer,
    /// Where the worker's answers go, as in the terminal: the runtime's answer channel.
    to_ui: mpsc::UnboundedSender<Msg>,
    answers: mpsc::UnboundedReceiver<Msg>,
    notices: Notices,
    screen: Screen,
}

/// A TestBackend with no editor behind it.
struct Screen(Terminal<TestBackend>);

impl Surface for Screen {
    type Backend = TestBackend;

    fn terminal(&mut self) -> &mut Terminal<TestBackend> {
        &mut self.0
    }

    fn edit(&mut self, _text: &str) -> anyhow::Result<Result<String, String>> {
        Ok(Err("no editor without a terminal".into()))
    }
}

impl Headless {
    /// Opens the UI on the cache behind `writer` and draws the first full frame.
    pub fn open(
        writer: WriterHandle,
        path: &Path,
        width: u16,
        height: u16,
    ) -> anyhow::Result<Headless> {
        let (to_worker, requests) = std_mpsc::channel();
        let (tx, answers) = mpsc::unbounded_channel();
        // Subscribed before the first read, so no change after it is missed.
        let notices = writer.subscribe();
        let runtime = Runtime::new(to_worker, writer, None, tx.clone());
        let model = Model::new(Keymap::defaults(), "bench".into(), now());
        let mut session = Headless {
            core: Core::start(model, runtime, width, height),
            requests,
            reader: Reader::open(path)?,
            analyzer: Analyzer::social(),
            to_ui: tx,
            answers,
            notices,
            screen: Screen(Terminal::new(TestBackend::new(width, height))?),
        };
        session.core.turn(&mut session.screen)?;
        session.settle()?;
        Ok(session)
    }

    /// The model the session shows.
    pub fn model(&self) -> &Model {
        &self.core.model
    }

    /// Presses one key and runs everything it causes, up to the frame that shows the
    /// answers of its reads and writes.
    pub fn press(&mut self, key: KeyEvent) -> anyhow::Result<()> {
        self.key(key)?;
        self.settle()
    }

    /// Presses one key and takes its turn, as the terminal's loop does: its reads and
    /// writes are sent and its frame drawn; the reads are answered by
    /// [`Headless::settle`]. Quitting ends nothing here.
    pub fn key(&mut self, key: KeyEvent) -> anyhow::Result<()> {
        self.core.push(Msg::Key(key));
        self.core.turn(&mut self.screen)?;
        Ok(())
    }

    /// Answers the reads still waiting, takes a turn on every answer and change notice as
    /// the loop would, and again on what those turns asked for, until nothing is left
    /// (nothing to do: no frame, the last one is current).
    pub fn settle(&mut self) -> anyhow::Result<()> {
        self.settle_until(|_| false)
    }

    /// [`Headless::settle`], stopping at the first frame after which `shown` holds (what
    /// is left is answered by the next settle): the bench's "until the list shows".
    pub fn settle_until(&mut self, shown: impl Fn(&Model) -> bool) -> anyhow::Result<()> {
        loop {
            let batch: Vec<Request> = self.requests.try_iter().collect();
            let read = !batch.is_empty();
            let to_ui = &self.to_ui;
            query::serve(&self.reader, &self.analyzer, batch, |response| {
                let _ = to_ui.send(Msg::Loaded(response));
            });
            // Every answer and notice of a write is sent before it stops counting: with
            // no read served and no write owing an answer, what is gathered next is all.
            let idle = !read && self.core.runtime().writing() == 0;
            // A write's notice is sent before its answer: re-read first, as the loop does.
            let changes = self.notices.drain();
            if !changes.is_empty() {
                self.core.push(Msg::Changed(changes));
            }
            while let Ok(msg) = self.answers.try_recv() {
                self.core.push(msg);
            }
            if self.core.has_pending() {
                self.core.turn(&mut self.screen)?;
                if shown(self.model()) {
                    return Ok(());
                }
            } else if idle {
                return Ok(());
            } else {
                std::thread::yield_now();
            }
        }
    }

    /// What the terminal shows, one string per line.
    pub fn screen(&self) -> String {
        screen_text(&self.screen.0)
    }
}

#[cfg(test)]
mod tests {
    use crossterm::event::{KeyCode, KeyModifiers};

    use super::*;
    use crate::domain::{ItemKind, NewAuthor, NewItem};
    use crate::store::{ingest, Writer};

    /// A cache with two mentions, the newer one first in the inbox.
    fn cache(dir: &Path) -> Writer {
        let writer = Writer::spawn(&dir.join("hark.db")).unwrap();
        let items: Vec<ingest::Incoming> =
            [("1", "the alpha body", 100), ("2", "the bravo body", 200)]
                .into_iter()
                .map(|(id, body, at)| {
                    NewItem {
                        external_id: id.into(),
                        kind: ItemKind::Mention,
                        parent_external_id: None,
                        thread_external_id: None,
                        author: NewAuthor {
                            external_id: format!("u{id}"),
                            handle: format!("@user{id}"),
                            display_name: format!("User {id}"),
                            followers: Some(1),
                        },
                        body: body.into(),
                        url: None,
                        created_at: at,
                        raw_json: None,
                        room: None,
                    }
                    .into()
                })
                .collect();
        writer
            .handle()
            .call_blocking(move |c| {
                let account = ingest::ensure_account(c, "brand", "chirp", "@brand")?;
                ingest::ingest(c, account, &items, None, 0)?;
                Ok(())
            })
            .unwrap();
        writer
    }

    fn shown(session: &Headless, text: &str) -> usize {
        session.screen().matches(text).count()
    }

    #[test]
    fn a_keys_frame_comes_before_its_reads_are_answered_and_settle_draws_the_answers() {
        let dir = tempfile::tempdir().unwrap();
        let writer = cache(dir.path());
        let mut session =
            Headless::open(writer.handle(), &dir.path().join("hark.db"), 120, 40).unwrap();
        let bravo_open = shown(&session, "the bravo body");
        let alpha_open = shown(&session, "the alpha body");
        assert!(
            bravo_open > alpha_open,
            "opened on the newer item, shown in the list and the item pane:\n{}",
            session.screen()
        );

        session
            .key(KeyEvent::new(KeyCode::Char('j'), KeyModifiers::NONE))
            .unwrap();
        // The cursor's own frame: the item pane still shows the item it has.
        assert_eq!(shown(&session, "the alpha body"), alpha_open);
        let detail = &session.model().detail;
        let showing = detail.item.as_ref().map(|d| d.row.id);
        assert_ne!(detail.wanted, showing, "the new item's detail is asked for");

        session.settle().unwrap();
        assert_eq!(
            shown(&session, "the alpha body"),
            bravo_open,
            "{}",
            session.screen()
        );
        assert_eq!(shown(&session, "the bravo body"), alpha_open);
    }
}
