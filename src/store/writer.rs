//! The single writer: one thread owns the read-write connection and runs write jobs in
//! the order they arrive.
//!
//! Callers send a closure and await its answer (async) or block on it (CLI, tests). After
//! a job that changed rows, every subscriber hears what it changed ([`Changes`]), so the UI
//! re-reads only what a notice touches; a job that changed nothing (a read, an update that
//! matched no row) is heard by no one.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread::JoinHandle;

use rusqlite::Connection;
use tokio::sync::{broadcast, oneshot, watch};

use super::change::{Changes, Recorder};
use super::{Error, Result};

/// Notices a slow subscriber may fall behind by before it is told "everything".
const NOTICE_BACKLOG: usize = 256;

/// A job runs on the writer's connection and returns how to answer its caller, once the
/// writer knows what it changed.
type Job = Box<dyn FnOnce(&mut Connection) -> Answer + Send>;
type Answer = Box<dyn FnOnce(Changes) + Send>;

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
    notices: broadcast::Sender<Changes>,
    path: PathBuf,
}

/// The change notices of one subscriber, in the order the writes ran.
pub struct Notices(broadcast::Receiver<Changes>);

impl Notices {
    /// What the next write (or burst of writes) changed; `None` once the writer is gone.
    /// A subscriber that fell behind hears "everything" once, then carries on.
    pub async fn recv(&mut self) -> Option<Changes> {
        match self.0.recv().await {
            Ok(changes) => Some(changes),
            Err(broadcast::error::RecvError::Lagged(_)) => Some(Changes::ALL),
            Err(broadcast::error::RecvError::Closed) => None,
        }
    }

    /// The notices already sent, merged; empty when there are none.
    pub fn drain(&mut self) -> Changes {
        let mut all = Changes::NONE;
        loop {
            match self.0.try_recv() {
                Ok(changes) => all = all.union(changes),
                Err(broadcast::error::TryRecvError::Lagged(_)) => all = Changes::ALL,
                Err(_) => return all,
            }
        }
    }
}

impl Writer {
    /// Opens the cache (migrating it) and starts the writer thread.
    pub fn spawn(path: &Path) -> Result<Writer> {
        let mut conn = super::open_rw(path)?;
        let (jobs, inbox) = mpsc::channel::<Message>();
        let (changed, changes) = watch::channel(0u64);
        let (notices, _) = broadcast::channel(NOTICE_BACKLOG);
        let announce = notices.clone();
        let thread = std::thread::Builder::new()
            .name("hark-store-writer".into())
            .spawn(move || {
                let mut recorder = Recorder::install(&conn);
                for message in inbox {
                    let Message::Run(job) = message else { break };
                    let answer = job(&mut conn);
                    let changed_now = recorder.take(&conn);
                    if !changed_now.is_empty() {
                        changed.send_modify(|n| *n += 1);
                        // Subscribers hear before the caller does, so a caller that
                        // waits for its answer finds the notice already sent.
                        let _ = announce.send(changed_now);
                    }
                    answer(changed_now);
                }
            })
            .map_err(|e| Error::Invalid(format!("cannot start the store writer: {e}")))?;
        Ok(Writer {
            handle: WriterHandle {
                jobs,
                changes,
                notices,
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
        self.start(f)?.await.map(|(answer, _)| answer)
    }

    /// Sends `f` to the writer now (so jobs run in the order they are started) and
    /// returns its answer with what it changed, for awaiting later.
    pub fn start<T, F>(
        &self,
        f: F,
    ) -> Result<impl std::future::Future<Output = Result<(T, Changes)>> + Send + 'static>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    {
        let (tx, rx) = oneshot::channel();
        self.run_then(f, move |answer, changes| {
            let _ = tx.send(answer.map(|a| (a, changes)));
        })?;
        Ok(async move { rx.await.map_err(|_| Error::WriterGone)? })
    }

    /// Like [`call`](Self::call) for code outside the async runtime (CLI, tests).
    pub fn call_blocking<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    {
        self.call_blocking_noting(f).map(|(answer, _)| answer)
    }

    /// Like [`call_blocking`](Self::call_blocking), with what the job changed.
    pub fn call_blocking_noting<T, F>(&self, f: F) -> Result<(T, Changes)>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    {
        let (tx, rx) = mpsc::channel();
        self.run_then(f, move |answer, changes| {
            let _ = tx.send(answer.map(|a| (a, changes)));
        })?;
        rx.recv().map_err(|_| Error::WriterGone)?
    }

    /// Sends a job whose answer nobody waits for; failures are logged.
    pub fn submit<F>(&self, what: &'static str, f: F)
    where
        F: FnOnce(&mut Connection) -> Result<()> + Send + 'static,
    {
        let _ = self.run_then(f, move |answer: Result<()>, _| {
            if let Err(e) = answer {
                tracing::error!(what, error = %e, "write failed");
            }
        });
    }

    /// Sends `f` to the writer now; `then` gets its answer and what it changed, on the
    /// writer thread (so it must be quick: send a message, no more).
    pub fn run_then<T, F, A>(&self, f: F, then: A) -> Result<()>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T> + Send + 'static,
        A: FnOnce(Result<T>, Changes) + Send + 'static,
    {
        let path = self.path.clone();
        self.jobs
            .send(Message::Run(Box::new(move |conn| {
                let result = f(conn).map_err(|e| e.about(&path));
                Box::new(move |changes| then(result, changes))
            })))
            .map_err(|_| Error::WriterGone)
    }

    /// The change notices of every write from now on.
    pub fn subscribe(&self) -> Notices {
        Notices(self.notices.subscribe())
    }

    /// A counter that goes up after every job that changed something (tests use it to
    /// count transactions).
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
