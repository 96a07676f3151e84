//! The one owner of the terminal: it puts the terminal into raw mode and the
//! alternate screen, and gives it back — cooked mode, main screen, cursor shown — on every
//! way out: quit, error, panic, and the signals a terminal program receives (TERM, INT,
//! HUP, QUIT).
//!
//! A signal first asks the event loop to end (so the store's writer finishes and the exit
//! is the ordinary one); if the loop has not ended within [`GRACE`], or a second signal
//! arrives, the terminal is restored here and the process exits. While `$EDITOR` runs the
//! terminal belongs to the editor: INT and QUIT are the editor's (as a shell does for its
//! foreground job), and nothing forces an exit that would lose what the CM is typing.

use std::io::{IsTerminal, Stdout};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Once;
use std::time::Duration;

use crossterm::cursor::Show;
use crossterm::terminal::{
    disable_raw_mode, enable_raw_mode, EnterAlternateScreen, LeaveAlternateScreen,
};
use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;
use signal_hook::consts::{SIGHUP, SIGINT, SIGQUIT, SIGTERM};
use tokio::sync::mpsc;

/// How long the event loop has to end on its own after a signal.
pub const GRACE: Duration = Duration::from_secs(2);

/// True while hark has the terminal in raw mode on the alternate screen.
static TAKEN: AtomicBool = AtomicBool::new(false);
/// True while `$EDITOR` has the terminal.
static LENT: AtomicBool = AtomicBool::new(false);

/// The UI ended because of a signal: the process should exit with `128 + signal`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("stopped by signal {0}")]
pub struct Interrupted(pub i32);

impl Interrupted {
    /// The exit status a shell expects of a program a signal ended.
    pub fn exit_code(self) -> i32 {
        128 + self.0
    }
}

/// The terminal while hark owns it; dropping it gives the terminal back.
pub struct Screen {
    pub terminal: Terminal<CrosstermBackend<Stdout>>,
    /// Signals received, for the event loop to end on.
    pub signals: mpsc::UnboundedReceiver<i32>,
}

/// Fails with a clear message when there is no terminal to draw on (stdin or stdout
/// redirected), before anything is written to either.
pub fn require_tty() -> anyhow::Result<()> {
    if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
        anyhow::bail!(
            "the inbox needs a terminal: stdin and stdout must be a TTY \
             (for a run without one, use `hark poll` or `hark demo --no-tui`)"
        );
    }
    Ok(())
}

/// Takes the terminal: raw mode, alternate screen, hidden cursor; installs the panic hook
/// and the signal watcher that give it back.
pub fn take() -> anyhow::Result<Screen> {
    require_tty()?;
    install_panic_hook();
    let signals = watch_signals()?;
    enable_raw_mode().map_err(|e| anyhow::anyhow!("cannot put the terminal in raw mode: {e}"))?;
    TAKEN.store(true, Ordering::SeqCst);
    let entered = crossterm::execute!(std::io::stdout(), EnterAlternateScreen)
        .map_err(anyhow::Error::from)
        .and_then(|()| Ok(Terminal::new(CrosstermBackend::new(std::io::stdout()))?));
    match entered {
        Ok(terminal) => Ok(Screen { terminal, signals }),
        Err(e) => {
            restore();
            Err(e.context("cannot start the terminal UI"))
        }
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        restore();
    }
}

/// Gives the terminal back if hark has it; safe to call from anywhere, any number of times.
pub fn restore() {
    if TAKEN.swap(false, Ordering::SeqCst) {
        let _ = disable_raw_mode();
        let _ = crossterm::execute!(std::io::stdout(), LeaveAlternateScreen, Show);
    }
}

/// Runs `f` (the CM's editor) with the terminal handed back to the shell, then takes it
/// again and clears the screen so the next frame is drawn whole.
pub fn lend<T>(screen: &mut Screen, f: impl FnOnce() -> T) -> anyhow::Result<T> {
    LENT.store(true, Ordering::SeqCst);
    restore();
    let result = f();
    LENT.store(false, Ordering::SeqCst);
    enable_raw_mode()?;
    TAKEN.store(true, Ordering::SeqCst);
    crossterm::execute!(std::io::stdout(), EnterAlternateScreen)?;
    screen.terminal.clear()?;
    Ok(result)
}

fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            // Restore first, so the message lands on the main screen where it stays.
            restore();
            previous(info);
        }));
    });
}

/// Starts the thread that turns TERM, INT, HUP and QUIT into a request to end the UI.
fn watch_signals() -> anyhow::Result<mpsc::UnboundedReceiver<i32>> {
    let (tx, rx) = mpsc::unbounded_channel();
    let mut signals = signal_hook::iterator::Signals::new([SIGTERM, SIGINT, SIGHUP, SIGQUIT])?;
    std::thread::Builder::new()
        .name("hark-signals".into())
        .spawn(move || {
            let mut asked = false;
            for signal in signals.forever() {
                let lent = LENT.load(Ordering::SeqCst);
                if lent && matches!(signal, SIGINT | SIGQUIT) {
                    // The CM pressed ctrl-c or ctrl-\ in their editor: that is the editor's.
                    continue;
                }
                if asked && !lent {
                    force_exit(signal);
                }
                asked = true;
                if tx.send(signal).is_err() {
                    // The UI has already ended; the ordinary exit is under way.
                    force_exit(signal);
                }
                if !lent {
                    std::thread::spawn(move || {
                        std::thread::sleep(GRACE);
                        // Still on screen: the event loop is stuck. Off screen: the
                        // ordinary exit is under way and must be let finish.
                        if TAKEN.load(Ordering::SeqCst) && !LENT.load(Ordering::SeqCst) {
                            force_exit(signal);
                        }
                    });
                }
            }
        })?;
    Ok(rx)
}

/// The last resort when the event loop does not end: the terminal back, then exit.
fn force_exit(signal: i32) -> ! {
    restore();
    std::process::exit(Interrupted(signal).exit_code());
}
