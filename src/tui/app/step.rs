//! One turn of the UI, the part of the loop that never waits: every message at hand goes
//! through the pure update and its effects to the runtime (the editor to the surface),
//! again until nothing is left; then one frame. The terminal's event loop and the headless
//! driver (`hark bench`) both take their turns here, so the bench measures the code a
//! CM's key press runs; only the waiting between turns differs.

use ratatui::backend::Backend;
use ratatui::Terminal;

use super::runtime::Runtime;
use crate::tui::composer::update::ReplyMsg;
use crate::tui::model::{self, Effect, Model, Msg};
use crate::tui::ui;

/// Where a turn's frame goes, and who edits a reply in the CM's editor.
pub trait Surface {
    type Backend: Backend;

    fn terminal(&mut self) -> &mut Terminal<Self::Backend>;

    /// Edits `text` in the CM's editor with the screen lent to it.
    fn edit(&mut self, text: &str) -> anyhow::Result<Result<String, String>>;

    /// A frame was drawn.
    fn drawn(&mut self) {}
}

/// What a turn ended with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Turn {
    /// Every message was handled and the frame showing them drawn.
    Drawn,
    /// The CM quit; the messages after the one that quit are dropped.
    Quit,
}

/// The model, the runtime that carries out its effects, and the messages waiting for the
/// next turn.
pub struct Core {
    pub model: Model,
    runtime: Runtime,
    pending: Vec<Msg>,
}

/// The message a terminal of `width`x`height` cells sends the model.
pub fn resize(width: u16, height: u16) -> Msg {
    Msg::Resize {
        list_rows: ui::list_rows(ratatui::layout::Rect::new(0, 0, width, height)),
    }
}

impl Core {
    /// Starts `model` on a `width`x`height` screen: its first reads are sent now, its size
    /// is the first turn's first message.
    pub fn start(mut model: Model, runtime: Runtime, width: u16, height: u16) -> Core {
        runtime.run_all(model.start());
        Core {
            model,
            runtime,
            pending: vec![resize(width, height)],
        }
    }

    /// A message for the next turn.
    pub fn push(&mut self, msg: Msg) {
        self.pending.push(msg);
    }

    /// Whether a message waits for a turn.
    pub fn has_pending(&self) -> bool {
        !self.pending.is_empty()
    }

    pub fn runtime(&self) -> &Runtime {
        &self.runtime
    }

    /// Handles every waiting message and what their effects send back at once (the
    /// editor's text), then draws one frame. Reads, writes and fetches are only started:
    /// their answers come as messages for a later turn.
    pub fn turn<S: Surface>(&mut self, surface: &mut S) -> anyhow::Result<Turn> {
        while !self.pending.is_empty() {
            let mut later = Vec::new();
            for msg in self.pending.drain(..) {
                let effects = model::update(&mut self.model, msg);
                if effects.contains(&Effect::Quit) {
                    return Ok(Turn::Quit);
                }
                for effect in effects {
                    match effect {
                        Effect::Editor(text) => {
                            let edited = surface.edit(&text)?;
                            later.push(Msg::Reply(ReplyMsg::Edited(edited)));
                        }
                        effect => self.runtime.run(effect),
                    }
                }
            }
            self.pending = later;
        }
        let model = &self.model;
        surface.terminal().draw(|frame| ui::render(frame, model))?;
        surface.drawn();
        Ok(Turn::Drawn)
    }
}

#[cfg(test)]
mod tests {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use ratatui::backend::TestBackend;
    use tokio::sync::mpsc;

    use super::*;
    use crate::store::Writer;
    use crate::tui::keymap::Keymap;
    use crate::tui::query::Request;

    /// A TestBackend that counts its frames.
    struct Counted {
        terminal: Terminal<TestBackend>,
        frames: usize,
    }

    impl Surface for Counted {
        type Backend = TestBackend;

        fn terminal(&mut self) -> &mut Terminal<TestBackend> {
            &mut self.terminal
        }

        fn edit(&mut self, _text: &str) -> anyhow::Result<Result<String, String>> {
            Ok(Err("no editor".into()))
        }

        fn drawn(&mut self) {
            self.frames += 1;
        }
    }

    struct Setup {
        _dir: tempfile::TempDir,
        _writer: Writer,
        core: Core,
        requests: std::sync::mpsc::Receiver<Request>,
        surface: Counted,
    }

    /// A core on a real cache whose reads nobody answers.
    fn setup() -> Setup {
        let dir = tempfile::tempdir().unwrap();
        let writer = Writer::spawn(&dir.path().join("hark.db")).unwrap();
        let (reads, requests) = std::sync::mpsc::channel();
        let (answers, _) = mpsc::unbounded_channel();
        let runtime = Runtime::new(reads, writer.handle(), None, answers);
        let model = Model::new(Keymap::defaults(), "Brand".into(), 10_000);
        Setup {
            _dir: dir,
            _writer: writer,
            core: Core::start(model, runtime, 80, 24),
            requests,
            surface: Counted {
                terminal: Terminal::new(TestBackend::new(80, 24)).unwrap(),
                frames: 0,
            },
        }
    }

    fn key(c: char) -> Msg {
        Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
    }

    #[test]
    fn a_turn_sends_its_reads_and_draws_one_frame_without_waiting_for_answers() {
        let mut s = setup();
        let started: Vec<Request> = s.requests.try_iter().collect();
        assert!(
            matches!(started.first(), Some(Request::List(_))),
            "starting sends the first reads: {started:?}"
        );
        // The size and the next view's key, handled in one turn with one frame.
        s.core.push(key(']'));
        assert_eq!(s.core.turn(&mut s.surface).unwrap(), Turn::Drawn);
        assert_eq!(s.surface.frames, 1);
        assert!(!s.core.has_pending());
        let asked: Vec<Request> = s.requests.try_iter().collect();
        assert!(
            asked.iter().any(|r| matches!(r, Request::List(_))),
            "the view's list is asked for, not waited on: {asked:?}"
        );
    }

    #[test]
    fn quitting_ends_the_turn_before_its_frame() {
        let mut s = setup();
        s.core.push(key('q'));
        assert_eq!(s.core.turn(&mut s.surface).unwrap(), Turn::Quit);
        assert_eq!(s.surface.frames, 0);
    }
}
