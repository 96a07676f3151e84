//! Where the loop's input comes from and where its frames go: the real terminal, or a
//! scripted source on a TestBackend that tests (with tokio's paused clock) drive.

use crossterm::event::{Event, KeyEvent, KeyEventKind};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use tokio::sync::{mpsc, watch};

use super::keys::KeyReader;
pub use super::step::Surface;
use crate::tui::terminal::{self, Screen};

/// One input for the loop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    Key(KeyEvent),
    Resize {
        width: u16,
        height: u16,
    },
    /// A signal asks the UI to end (see [`terminal`]).
    Interrupted(i32),
    /// No more input: the UI ends.
    Closed,
}

/// Input for the event loop, beside the screen its turns draw on.
#[allow(async_fn_in_trait)] // used generically, never as a trait object
pub trait EventSource: Surface {
    /// The next input; cancel-safe (the loop waits for it beside other channels).
    async fn next(&mut self) -> anyhow::Result<Input>;
}

/// The terminal hark owns: crossterm's keys and resizes, and the signals.
pub struct TerminalSource {
    pub screen: Screen,
    keys: KeyReader,
}

impl TerminalSource {
    /// Takes the terminal (see [`terminal::take`]) and starts reading keys.
    pub fn take() -> anyhow::Result<TerminalSource> {
        let screen = terminal::take()?;
        let keys = KeyReader::spawn()?;
        Ok(TerminalSource { screen, keys })
    }
}

impl Surface for TerminalSource {
    type Backend = ratatui::backend::CrosstermBackend<std::io::Stdout>;

    fn terminal(&mut self) -> &mut Terminal<Self::Backend> {
        &mut self.screen.terminal
    }

    fn edit(&mut self, text: &str) -> anyhow::Result<Result<String, String>> {
        // Pause the key reader, leave the alternate screen, edit, come back.
        self.keys.pause();
        let result = terminal::lend(&mut self.screen, || {
            crate::tui::app::editor::edit_in_editor(text)
        });
        self.keys.resume();
        result
    }
}

impl EventSource for TerminalSource {
    async fn next(&mut self) -> anyhow::Result<Input> {
        loop {
            tokio::select! {
                event = self.keys.events.recv() => match event {
                    Some(Ok(Event::Key(key))) if key.kind != KeyEventKind::Release => {
                        return Ok(Input::Key(key))
                    }
                    Some(Ok(Event::Resize(width, height))) => {
                        return Ok(Input::Resize { width, height })
                    }
                    Some(Ok(_)) => {}
                    Some(Err(e)) => anyhow::bail!("cannot read the terminal: {e}"),
                    None => return Ok(Input::Closed),
                },
                Some(signal) = self.screen.signals.recv() => return Ok(Input::Interrupted(signal)),
            }
        }
    }
}

/// Inputs sent by a test, frames drawn on a TestBackend and published as text.
pub struct ScriptedSource {
    pub terminal: Terminal<TestBackend>,
    inputs: mpsc::UnboundedReceiver<Input>,
    frames: watch::Sender<String>,
}

/// The test's side of a [`ScriptedSource`].
pub struct Script {
    /// Dropping it closes the source: the loop ends.
    pub inputs: mpsc::UnboundedSender<Input>,
    /// The last frame drawn, as text.
    pub frames: watch::Receiver<String>,
}

impl ScriptedSource {
    pub fn new(width: u16, height: u16) -> anyhow::Result<(ScriptedSource, Script)> {
        let (tx, inputs) = mpsc::unbounded_channel();
        let (frames, frames_rx) = watch::channel(String::new());
        let terminal = Terminal::new(TestBackend::new(width, height))?;
        Ok((
            ScriptedSource {
                terminal,
                inputs,
                frames,
            },
            Script {
                inputs: tx,
                frames: frames_rx,
            },
        ))
    }
}

impl Surface for ScriptedSource {
    type Backend = TestBackend;

    fn terminal(&mut self) -> &mut Terminal<TestBackend> {
        &mut self.terminal
    }

    fn edit(&mut self, _text: &str) -> anyhow::Result<Result<String, String>> {
        Ok(Err("no editor without a terminal".into()))
    }

    fn drawn(&mut self) {
        self.frames.send_replace(screen_text(&self.terminal));
    }
}

impl EventSource for ScriptedSource {
    async fn next(&mut self) -> anyhow::Result<Input> {
        Ok(self.inputs.recv().await.unwrap_or(Input::Closed))
    }
}

/// What a TestBackend shows, one string per line.
pub fn screen_text(terminal: &Terminal<TestBackend>) -> String {
    let buffer = terminal.backend().buffer();
    let mut out = String::new();
    for y in 0..buffer.area.height {
        for x in 0..buffer.area.width {
            out.push_str(buffer[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}
