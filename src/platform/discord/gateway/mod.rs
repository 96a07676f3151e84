//! DMs to the bot over the Gateway (developer docs, "Gateway"): REST cannot list a bot's
//! DM channels, so only a gateway session hears a DM arrive. The session asks for the
//! DIRECT_MESSAGES intent alone; guild channels stay on REST polling (see the module
//! above), so the session carries nothing but DMs and its heartbeats.
//!
//! The session runs in a task of its own, started on the first fetch: hello → identify (or
//! resume) → heartbeats every `heartbeat_interval` (the first after a random share of it),
//! a missing heartbeat ACK taken as a dead connection. READY's `session_id` and
//! `resume_gateway_url` let a dropped connection, a Reconnect (op 7) or a resumable
//! Invalid Session (op 9) resume, so Discord replays what was missed; a session that
//! cannot resume starts afresh, and then the fetch reads each known DM channel back by
//! REST after its cursor, so a DM sent between sessions is not missed. Close codes that
//! need the CM (4004 a bad token, 4013/4014 intents) stop the task and are said plainly.
//!
//! One session per bot per data directory ([`lock`]): a second hark process does not
//! connect and says why.

pub mod lock;
pub mod protocol;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use rand::Rng;
use serde_json::Value;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message as Frame;

use crate::platform::notice::Trouble;
use crate::secrets::Secret;
use protocol::{AfterClose, Incoming, Session};

/// DMs kept at most between two fetches (a fetch that never comes must not grow it).
const MAX_WAITING: usize = 5_000;
const FIRST_PAUSE: Duration = Duration::from_secs(1);
const LONGEST_PAUSE: Duration = Duration::from_secs(120);
/// How often a process that found the session held elsewhere tries again.
const LOCK_RETRY: Duration = Duration::from_secs(30);
/// Hello must come within this of connecting.
const HELLO_WAIT: Duration = Duration::from_secs(20);

/// Cleared by a process that polls once and exits (`hark poll --once`, for cron): a
/// session per run would spend one of the bot's daily session starts (1000 a day; Discord
/// resets the token of a bot past them) and exit before READY.
static ALLOWED: AtomicBool = AtomicBool::new(true);

/// No gateway session in this process.
pub fn hold_off() {
    ALLOWED.store(false, Ordering::SeqCst);
}

pub fn allowed() -> bool {
    ALLOWED.load(Ordering::SeqCst)
}

/// What the session shares with the connector's fetch.
#[derive(Default)]
pub struct Shared {
    /// DM message objects, oldest first.
    dms: Mutex<Vec<Value>>,
    /// A new session began (READY): DMs sent before it are read back by REST.
    catch_up: AtomicBool,
    /// Why DMs are not read (held elsewhere, a refused token or intents).
    pub trouble: Trouble,
    /// The session is up (READY or RESUMED seen, not closed since).
    live: AtomicBool,
}

impl Shared {
    pub fn take_dms(&self) -> Vec<Value> {
        std::mem::take(&mut *self.dms.lock().unwrap())
    }

    /// True once after each new session.
    pub fn take_catch_up(&self) -> bool {
        self.catch_up.swap(false, Ordering::SeqCst)
    }

    /// Asks the next fetch to read DM channels back again (a page was not enough).
    pub fn catch_up_again(&self) {
        self.catch_up.store(true, Ordering::SeqCst);
    }

    pub fn live(&self) -> bool {
        self.live.load(Ordering::SeqCst)
    }

    fn push(&self, dm: Value) {
        let mut waiting = self.dms.lock().unwrap();
        if waiting.len() < MAX_WAITING {
            waiting.push(dm);
        }
    }
}

/// Where and as whom the session connects.
pub struct Setup {
    /// `GET /gateway/bot`'s `url`.
    pub url: String,
    pub token: Secret,
    pub data_dir: PathBuf,
    pub bot_id: String,
}

/// How one connection ended.
#[derive(Debug)]
enum Ended {
    Closed(u16),
    Reconnect,
    InvalidSession {
        resumable: bool,
    },
    /// No heartbeat ACK since the last beat: the connection is a zombie.
    NoAck,
    Lost(String),
}

/// Runs until aborted, or until Discord closes with a code that needs the CM.
pub async fn run(setup: Setup, shared: std::sync::Arc<Shared>) {
    loop {
        let held = match lock::try_take(&setup.data_dir, &setup.bot_id) {
            Ok(held) => held,
            Err(why) => {
                let notice = match why {
                    lock::NotHeld::Busy(pid) => format!(
                        "Discord DMs: another hark process{} on this data directory holds the \
                         bot's gateway session (one per bot); DMs reach the inbox through it",
                        pid.map(|p| format!(" (pid {p})")).unwrap_or_default()
                    ),
                    lock::NotHeld::Io(e) => {
                        format!("Discord DMs: cannot take the gateway lock file: {e}")
                    }
                };
                if shared.trouble.failed(|| notice.clone()) {
                    tracing::info!("{notice}");
                }
                tokio::time::sleep(LOCK_RETRY).await;
                continue;
            }
        };
        if let Some(why) = sessions(&setup, &shared).await {
            shared.trouble.failed(|| why.clone());
            tracing::warn!("{why}");
            drop(held);
            return;
        }
    }
}

/// Connection after connection while the lock is held; the reason to stop, if one comes.
async fn sessions(setup: &Setup, shared: &Shared) -> Option<String> {
    let mut session: Option<Session> = None;
    let mut pause = FIRST_PAUSE;
    loop {
        let url = session
            .as_ref()
            .map_or(setup.url.clone(), |s| s.resume_url.clone());
        let (ended, healthy) = connect(&url, &setup.token, &mut session, shared).await;
        shared.live.store(false, Ordering::SeqCst);
        if healthy {
            pause = FIRST_PAUSE;
        }
        tracing::info!(?ended, "discord gateway: connection ended");
        match ended {
            Ended::Closed(code) => match protocol::after_close(code) {
                AfterClose::Stop(why) => return Some(why),
                AfterClose::Identify => session = None,
                AfterClose::Resume => {}
            },
            Ended::Reconnect | Ended::NoAck => {}
            Ended::InvalidSession { resumable } => {
                if !resumable {
                    session = None;
                }
                // The docs ask for a random wait of 1 to 5 seconds before identifying.
                let ms = rand::thread_rng().gen_range(1000..5000);
                tokio::time::sleep(Duration::from_millis(ms)).await;
                continue;
            }
            Ended::Lost(e) => tracing::warn!(error = %e, "discord gateway: connection lost"),
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(LONGEST_PAUSE);
    }
}

/// One connection: its end, and whether it got as far as READY or RESUMED.
async fn connect(
    url: &str,
    token: &Secret,
    session: &mut Option<Session>,
    shared: &Shared,
) -> (Ended, bool) {
    let (socket, _) = match tokio_tungstenite::connect_async(protocol::url_of(url)).await {
        Ok(s) => s,
        Err(e) => return (Ended::Lost(e.to_string()), false),
    };
    let (mut write, mut read) = socket.split();
    let mut healthy = false;
    let mut seq = session.as_ref().and_then(|s| s.seq);
    let mut next_beat: Option<Instant> = None;
    let mut interval = Duration::ZERO;
    let mut acked = true;
    let hello_by = Instant::now() + HELLO_WAIT;
    loop {
        let beat_at = next_beat.unwrap_or(hello_by);
        let frame = tokio::select! {
            frame = read.next() => frame,
            () = tokio::time::sleep_until(beat_at) => {
                if next_beat.is_none() {
                    return (Ended::Lost("no hello from the gateway".into()), healthy);
                }
                if !acked {
                    let _ = write.send(Frame::Close(None)).await;
                    return (Ended::NoAck, healthy);
                }
                acked = false;
                next_beat = Some(Instant::now() + interval);
                if let Err(e) = send(&mut write, protocol::heartbeat(seq)).await {
                    return (Ended::Lost(e), healthy);
                }
                continue;
            }
        };
        let text = match frame {
            None => return (Ended::Lost("the gateway hung up".into()), healthy),
            Some(Err(e)) => return (Ended::Lost(e.to_string()), healthy),
            Some(Ok(Frame::Text(t))) => t.to_string(),
            Some(Ok(Frame::Close(close))) => {
                let code = close.map_or(1000, |c| u16::from(c.code));
                return (Ended::Closed(code), healthy);
            }
            Some(Ok(_)) => continue,
        };
        let Ok(payload) = serde_json::from_str::<Value>(&text) else {
            tracing::warn!("discord gateway: a payload that is not JSON; ignored");
            continue;
        };
        let (incoming, s) = protocol::read(&payload);
        if s.is_some() {
            seq = s;
            if let Some(session) = session.as_mut() {
                session.seq = s;
            }
        }
        match incoming {
            Incoming::Hello { interval_ms } => {
                interval = Duration::from_millis(interval_ms);
                let first = protocol::first_beat(interval_ms, rand::thread_rng().gen());
                next_beat = Some(Instant::now() + first);
                let hello = match session.as_ref() {
                    Some(s) => protocol::resume(token.expose(), s),
                    None => protocol::identify(token.expose()),
                };
                if let Err(e) = send(&mut write, hello).await {
                    return (Ended::Lost(e), healthy);
                }
            }
            Incoming::HeartbeatAck => acked = true,
            Incoming::HeartbeatNow => {
                if let Err(e) = send(&mut write, protocol::heartbeat(seq)).await {
                    return (Ended::Lost(e), healthy);
                }
            }
            Incoming::Reconnect => {
                let _ = write
                    .send(Frame::Close(Some(
                        tokio_tungstenite::tungstenite::protocol::CloseFrame {
                            // Not 1000 / 1001: those end the session, and it is resumed.
                            code: CloseCode::from(4000),
                            reason: "reconnect".into(),
                        },
                    )))
                    .await;
                return (Ended::Reconnect, healthy);
            }
            Incoming::InvalidSession { resumable } => {
                return (Ended::InvalidSession { resumable }, healthy)
            }
            Incoming::Ready {
                session_id,
                resume_url,
            } => {
                *session = Some(Session {
                    id: session_id,
                    resume_url,
                    seq,
                });
                healthy = true;
                shared.live.store(true, Ordering::SeqCst);
                shared.catch_up.store(true, Ordering::SeqCst);
                if shared.trouble.recovered() {
                    tracing::info!("discord gateway: connected");
                }
            }
            Incoming::Resumed => {
                healthy = true;
                shared.live.store(true, Ordering::SeqCst);
                shared.trouble.recovered();
            }
            Incoming::Dm(d) => shared.push(d),
            Incoming::Other => {}
        }
    }
}

async fn send<S>(write: &mut S, payload: Value) -> Result<(), String>
where
    S: futures::Sink<Frame> + Unpin,
    S::Error: std::fmt::Display,
{
    write
        .send(Frame::Text(payload.to_string().into()))
        .await
        .map_err(|e| e.to_string())
}
