//! The app's machinery: one turn ([`step`]: messages through the update, effects to the
//! [`Runtime`], a frame) taken by the event loop ([`event_loop`]) over an [`EventSource`]
//! (the terminal, or a scripted source in tests) and by the [`headless`] driver of the
//! benchmarks alike, and the answer of a write as a message ([`answer`]).

pub mod answer;
pub mod editor;
pub mod event_loop;
pub mod headless;
pub mod keys;
pub mod runtime;
pub mod source;
pub mod step;

use std::sync::Arc;

use tokio::sync::mpsc;

use crate::poller::StatusUpdate;
use crate::store::{Reader, WriterHandle};
use crate::tui::model::{Model, Msg};
pub use event_loop::Inbox;
pub use runtime::{Reads, Runtime};
pub use source::{EventSource, Input, Script, ScriptedSource, TerminalSource};
pub use step::{Core, Surface, Turn};

/// Runs the UI on `source` until the CM quits: reads on the query worker, writes on
/// `writer`, opened items' conversations fetched from `platforms` (none: not fetched).
pub async fn run_on<S: EventSource>(
    source: &mut S,
    model: Model,
    writer: WriterHandle,
    analyzer: Arc<crate::sentiment::Analyzer>,
    statuses: mpsc::UnboundedReceiver<StatusUpdate>,
    platforms: Option<crate::threads::Platforms>,
    presence: Option<crate::team::presence::PresenceLink>,
) -> anyhow::Result<()> {
    let reader = Reader::open(writer.path())?;
    run_with_reader(
        source, model, writer, reader, analyzer, statuses, platforms, presence,
    )
    .await
}

/// [`run_on`] with the query worker's reader given (tests count its reads).
#[allow(clippy::too_many_arguments)]
pub async fn run_with_reader<S: EventSource>(
    source: &mut S,
    model: Model,
    writer: WriterHandle,
    reader: Reader,
    analyzer: Arc<crate::sentiment::Analyzer>,
    statuses: mpsc::UnboundedReceiver<StatusUpdate>,
    platforms: Option<crate::threads::Platforms>,
    presence: Option<crate::team::presence::PresenceLink>,
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
    let mut runtime = Runtime::new(reads, writer, threads, tx);
    // The link's task lives as long as the UI does.
    let (presence, _task) = match presence {
        Some(link) => {
            let (doing, others, task) = link.into_parts();
            runtime = runtime.with_presence(doing);
            (Some(others), Some(task))
        }
        None => (None, None),
    };
    let inbox = Inbox {
        answers,
        statuses,
        notices,
        presence,
    };
    event_loop::run(source, model, runtime, inbox).await
}

#[cfg(test)]
mod tests {
    //! The real event loop on a scripted source and tokio's paused clock, with a real store,
    //! query worker and poller: what a notice costs in reads.

    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    use async_trait::async_trait;
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    use super::*;
    use crate::domain::{ItemKind, NewAuthor, NewItem};
    use crate::platform::{Capabilities, Connector, FetchPage, PlatformError};
    use crate::poller::{Poller, Schedule};
    use crate::store::read::Tally;
    use crate::store::{ingest, Writer};
    use crate::tui::keymap::Keymap;

    /// Three items on every fetch: after the first, nothing new, forever.
    struct Quiet {
        fetches: AtomicUsize,
    }

    #[async_trait]
    impl Connector for Quiet {
        fn platform(&self) -> &str {
            "chirp"
        }
        fn capabilities(&self) -> Capabilities {
            Capabilities {
                reply_limit: None,
                direct_messages: false,
                moderation: vec![],
            }
        }
        async fn fetch(&self, _cursor: Option<&str>) -> Result<FetchPage, PlatformError> {
            self.fetches.fetch_add(1, Ordering::SeqCst);
            // The platform hands the same items and cursor back, as a timeline without news
            // does: the round writes only bookkeeping.
            Ok(FetchPage {
                items: (1..=3).map(item).collect(),
                next_cursor: Some("c1".into()),
                ..FetchPage::default()
            })
        }
    }

    fn item(n: i64) -> NewItem {
        NewItem {
            external_id: n.to_string(),
            kind: ItemKind::Mention,
            parent_external_id: None,
            thread_external_id: None,
            author: NewAuthor {
                external_id: "u1".into(),
                handle: "@ana".into(),
                display_name: "Ana".into(),
                followers: Some(10),
            },
            body: format!("hello {n}"),
            // Only the item pane shows the link: seeing it means the detail was read.
            url: Some(format!("https://chirp.example/p/{n}")),
            created_at: 1_000 + n,
            raw_json: None,
            room: None,
        }
    }

    struct Running {
        _dir: tempfile::TempDir,
        _writer: Writer,
        script: Script,
        tally: Arc<Tally>,
        connector: Arc<Quiet>,
        ui: tokio::task::JoinHandle<anyhow::Result<()>>,
    }

    /// The UI on a fresh cache with one account whose poller runs every minute.
    async fn start() -> Running {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hark.db");
        let writer = Writer::spawn(&path).unwrap();
        let handle = writer.handle();
        let account_id = handle
            .call_blocking(|c| ingest::ensure_account(c, "a", "chirp", "@brand"))
            .unwrap();
        let connector = Arc::new(Quiet {
            fetches: AtomicUsize::new(0),
        });
        let (status, statuses) = mpsc::unbounded_channel();
        let reader = Reader::open(&path).unwrap();
        let tally = reader.tally();
        let (mut source, script) = ScriptedSource::new(120, 30).unwrap();
        let model = Model::new(Keymap::defaults(), "Brand".into(), crate::domain::now());
        let ui_writer = handle.clone();
        let analyzer = Arc::new(crate::sentiment::Analyzer::social());
        let ui = tokio::spawn(async move {
            run_with_reader(
                &mut source,
                model,
                ui_writer,
                reader,
                analyzer,
                statuses,
                None,
                None,
            )
            .await
        });
        let poller = Poller {
            account_id,
            account: "a".into(),
            connector: connector.clone(),
            writer: handle,
            pipeline: Arc::new(crate::ingest::Pipeline::default()),
            schedule: Schedule {
                interval: Duration::from_secs(60),
                base_backoff: Duration::from_secs(2),
                max_backoff: Duration::from_secs(300),
            },
            status,
        };
        tokio::spawn(poller.run());
        Running {
            _dir: dir,
            _writer: writer,
            script,
            tally,
            connector,
            ui,
        }
    }

    impl Running {
        fn press(&self, code: KeyCode) {
            let key = KeyEvent::new(code, KeyModifiers::NONE);
            self.script.inputs.send(Input::Key(key)).unwrap();
        }

        fn type_text(&self, text: &str) {
            text.chars().for_each(|c| self.press(KeyCode::Char(c)));
        }

        /// Waits for a frame that shows `text`.
        async fn shows(&mut self, text: &str) {
            for _ in 0..100_000 {
                if self.script.frames.borrow_and_update().contains(text) {
                    return;
                }
                self.script.frames.changed().await.unwrap();
            }
            panic!("never shown: {text}\n{}", *self.script.frames.borrow());
        }

        /// Moves the cursor to row `n` of the list and waits for its item pane: the query
        /// worker answers in order, so every read asked for before has run.
        async fn settle_on(&mut self, down: bool, n: i64) {
            self.press(if down {
                KeyCode::Char('j')
            } else {
                KeyCode::Char('k')
            });
            self.shows(&format!("chirp.example/p/{n}")).await;
        }

        async fn quit(self) {
            self.press(KeyCode::Char('q'));
            self.ui.await.unwrap().unwrap();
            drop(self.script.inputs);
        }

        fn fetches(&self) -> usize {
            self.connector.fetches.load(Ordering::SeqCst)
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_poll_round_that_stores_nothing_causes_no_list_or_count_query() {
        let mut ui = start().await;
        // The first round stores three items: they show, and the round's "last ok".
        ui.shows("hello 1").await;
        ui.shows("a ✓").await;
        ui.settle_on(true, 2).await;
        let before = ui.tally.get();
        let rounds = ui.fetches();

        // Ten minutes of rounds that find only what is stored (the paused clock runs them at
        // once).
        tokio::time::sleep(Duration::from_secs(600)).await;
        ui.settle_on(false, 3).await;

        assert!(ui.fetches() >= rounds + 5, "the poller kept polling");
        assert_eq!(
            ui.tally.get(),
            before,
            "(list pages, counts) read after empty poll rounds"
        );
        ui.quit().await;
    }

    #[tokio::test(start_paused = true)]
    async fn a_tag_rereads_counts_not_the_list_and_a_state_change_rereads_both() {
        let mut ui = start().await;
        ui.shows("hello 1").await;
        ui.settle_on(true, 2).await;
        let (pages, counts) = ui.tally.get();

        ui.press(KeyCode::Char('t'));
        ui.type_text("bug");
        ui.press(KeyCode::Enter);
        ui.shows("#bug added to 1 item").await;
        ui.settle_on(false, 3).await;
        let (tag_pages, tag_counts) = ui.tally.get();
        assert_eq!(
            tag_pages, pages,
            "a tag on an Inbox item re-reads no list page"
        );
        assert!(tag_counts > counts, "the sidebar counts the new #bug view");

        ui.press(KeyCode::Char('d'));
        ui.shows("1 item done · u undoes").await;
        // The write's answer and its change notice arrive apart: wait for the list re-read
        // (two items left) before moving, or `j` would move in the old list.
        ui.shows("Inbox · 1/2").await;
        ui.settle_on(true, 1).await;
        let (done_pages, done_counts) = ui.tally.get();
        assert!(done_pages > tag_pages, "marking done re-reads the list");
        assert!(done_counts > tag_counts, "and the counts");
        ui.quit().await;
    }
}
