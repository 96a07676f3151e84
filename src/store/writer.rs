//! The single writer: one thread owns the read-write connection and runs write jobs in
//! the order they arrive.
//!
//! Callers send a closure and await its answer (async) or block on it (CLI, tests). After
//! every job the change counter goes up, so the UI knows to re-query what it shows; the
//! notification carries no data.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread::JoinHandle;

use rusqlite::Connection;
use tokio::sync::{oneshot, watch};

use super::{Error, Result};

type Job = Box<dyn FnOnce(&mut Connection) + Send>;

enum Message {
    Run(Job),
    Stop,
}

/// Owns the writer thread; dropping every handle and this stops it.
pub struct Writer {
    handle: WriterHandle,
    thread: Option<JoinHandle<()>>,
}

/// A cheap, cloneable way to submit write jobs.
#[derive(Clone)]
pub struct WriterHandle {
    jobs: mpsc::Sender<Message>,
    changes: watch::Receiver<u64>,
    path: PathBuf,
}

impl Writer {
    /// Opens the cache (migrating it) and starts the writer thread.
    pub fn spawn(path: &Path) -> Result<Writer> {
        let mut conn = super::open_rw(path)?;
        let (jobs, inbox) = mpsc::channel::<Message>();
        let (changed, changes) = watch::channel(0u64);
        let thread = std::thread::Builder::new()
            .name("hark-store-writer".into())
            .spawn(move || {
                for message in inbox {
                    let Message::Run(job) = message else { break };
                    job(&mut conn);
                    changed.send_modify(|n| *n += 1);
                }
            })
            .map_err(|e| Error::Invalid(format!("cannot start the store writer: {e}")))?;
        Ok(Writer {
            handle: WriterHandle {
                jobs,
                changes,
                path: path.to_path_buf(),
            },
            thread: Some(thread),
        })
    }

    pub fn handle(&self) -> WriterHandle {
        self.handle.clone()
    }

    /// Lets the jobs already sent finish, then stops the thread; later jobs fail with
    /// [`Error::WriterGone`].
    pub fn shutdown(mut self) {
        self.stop_and_join();
    }

    fn stop_and_join(&mut self) {
        let _ = self.handle.jobs.send(Message::Stop);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl WriterHandle {
    /// Runs `f` on the writer thread and returns its answer.
    pub async fn call<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    {
        let (tx, rx) = oneshot::channel();
        self.jobs
            .send(Message::Run(Box::new(move |conn| {
                let _ = tx.send(f(conn));
            })))
            .map_err(|_| Error::WriterGone)?;
        let answer = rx.await.map_err(|_| Error::WriterGone)?;
        answer.map_err(|e| e.about(&self.path))
    }

    /// Like [`call`](Self::call) for code outside the async runtime (CLI, tests).
    pub fn call_blocking<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    {
        let (tx, rx) = mpsc::channel();
        self.jobs
            .send(Message::Run(Box::new(move |conn| {
                let _ = tx.send(f(conn));
            })))
            .map_err(|_| Error::WriterGone)?;
        let answer = rx.recv().map_err(|_| Error::WriterGone)?;
        answer.map_err(|e| e.about(&self.path))
    }

    /// Sends a job whose answer nobody waits for; failures are logged.
    pub fn submit<F>(&self, what: &'static str, f: F)
    where
        F: FnOnce(&mut Connection) -> Result<()> + Send + 'static,
    {
        let _ = self.jobs.send(Message::Run(Box::new(move |conn| {
            if let Err(e) = f(conn) {
                tracing::error!(what, error = %e, "write failed");
            }
        })));
    }

    /// A receiver that changes after every write job.
    pub fn changes(&self) -> watch::Receiver<u64> {
        self.changes.clone()
    }

    /// The cache file this writer owns.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        self.stop_and_join();
    }
}
