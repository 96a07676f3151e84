//! The terminal's input, read on a thread that can be paused: while `$EDITOR` runs, hark
//! must not read a single byte of what the CM types into it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossterm::event::{self, Event};
use tokio::sync::mpsc;

/// How long one poll waits, so a pause takes effect quickly.
const POLL: Duration = Duration::from_millis(40);

pub struct KeyReader {
    pub events: mpsc::UnboundedReceiver<std::io::Result<Event>>,
    paused: Arc<AtomicBool>,
    /// True while the thread is paused and not touching the terminal.
    parked: Arc<AtomicBool>,
}

impl KeyReader {
    pub fn spawn() -> std::io::Result<KeyReader> {
        let (tx, events) = mpsc::unbounded_channel();
        let paused = Arc::new(AtomicBool::new(false));
        let parked = Arc::new(AtomicBool::new(false));
        let (p, k) = (paused.clone(), parked.clone());
        std::thread::Builder::new()
            .name("hark-keys".into())
            .spawn(move || loop {
                if tx.is_closed() {
                    return;
                }
                if p.load(Ordering::SeqCst) {
                    k.store(true, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(10));
                    continue;
                }
                k.store(false, Ordering::SeqCst);
                match event::poll(POLL) {
                    Ok(true) => {
                        if tx.send(event::read()).is_err() {
                            return;
                        }
                    }
                    Ok(false) => {}
                    Err(e) => {
                        let _ = tx.send(Err(e));
                        return;
                    }
                }
            })?;
        Ok(KeyReader {
            events,
            paused,
            parked,
        })
    }

    /// Stops reading and waits until the thread has let go of the terminal.
    pub fn pause(&self) {
        self.paused.store(true, Ordering::SeqCst);
        let deadline = Instant::now() + Duration::from_secs(1);
        while !self.parked.load(Ordering::SeqCst) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    pub fn resume(&self) {
        self.paused.store(false, Ordering::SeqCst);
    }
}
