//! One sync client of `hark bench team`, in a process of its own: a cache, team mode (the
//! sync engine and the poll lease of the bench's account), and a line protocol on stdin
//! and stdout the bench drives it with.
//!
//! In: `watch N EXT STATE`, `change N EXT STATE`, `frames PRESSES`, `offline`,
//! `online SEQ`, `tag COUNT TAG`, `quit`. Out: `ready`, `watching N`, `sent N NANOS`,
//! `seen N NANOS`, `frames P50 P99 FRESH_P50 FRESH_P99` (ms), `offline`,
//! `caught MS`, `tagged`, `bye`.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tokio::io::AsyncBufReadExt;

use crate::command::Command;
use crate::domain::ItemState;
use crate::store::{Writer, WriterHandle, DB_FILE};
use crate::team::config::TeamConfig;
use crate::team::Team;

/// What a client waits to see: (change number, external id, state).
type Watch = Arc<Mutex<Option<(u64, String, String)>>>;

/// The account every bench client may poll (a generated cache's first).
pub const ACCOUNT: &str = "bench-chirp";

/// What the client was started with.
#[derive(Debug, Clone)]
pub struct ClientArgs {
    pub data_dir: PathBuf,
    pub database: String,
    pub password_env: Option<String>,
    pub machine: String,
    pub interval: Duration,
    /// A copy of another client's cache: give it a join of its own first.
    pub copy: bool,
}

fn say(line: String) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

fn nanos() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos()
}

fn config(args: &ClientArgs) -> TeamConfig {
    TeamConfig {
        database: args.database.clone(),
        password_env: args.password_env.clone(),
        password_cmd: None,
        ca_file: None,
        machine: Some(args.machine.clone()),
        me: args.machine.clone(),
        members: vec![],
        moderators: vec![],
        auto_assign: None,
        share_dms: true,
    }
}

/// Runs the client until `quit` or the end of stdin.
pub fn run(args: ClientArgs) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(serve(args))
}

async fn start_team(args: &ClientArgs, w: &WriterHandle) -> anyhow::Result<Team> {
    let team = Team::start(
        &config(args),
        w.clone(),
        vec![ACCOUNT.into()],
        args.interval,
    )
    .await?;
    Ok(team)
}

/// Waits until the engine is online and this cache's upload is done.
async fn settled(team: &Team, w: &WriterHandle) -> anyhow::Result<()> {
    let mut link = team.sync.link.clone();
    link.wait_for(|l| *l == crate::team::sync::Link::Online)
        .await?;
    loop {
        let done = w
            .call(|c| {
                let joined = crate::store::team_join::state(c)?.is_some_and(|j| j.at.done());
                Ok(joined && crate::store::team_sync::pending_count(c)? == 0)
            })
            .await?;
        if done {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn serve(args: ClientArgs) -> anyhow::Result<()> {
    let path = args.data_dir.join(DB_FILE);
    let writer = Writer::spawn(&path)?;
    let w = writer.handle();
    if args.copy {
        let id = format!("{}-{:016x}", args.machine, rand::random::<u64>());
        w.call(move |c| crate::store::team_join::rename(c, &id))
            .await?;
    }
    let mut team = Some(start_team(&args, &w).await?);
    if let Some(team) = &team {
        settled(team, &w).await?;
    }
    let watch: Watch = Arc::new(Mutex::new(None));
    let watcher = tokio::spawn(watch_changes(w.clone(), watch.clone()));
    say("ready".into());
    let mut lines = tokio::io::BufReader::new(tokio::io::stdin()).lines();
    let mut frames: Option<std::thread::JoinHandle<()>> = None;
    while let Some(line) = lines.next_line().await? {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["watch", n, ext, state] => {
                *watch.lock().unwrap_or_else(|e| e.into_inner()) =
                    Some((n.parse()?, ext.to_string(), state.to_string()));
                // Already there (a change that arrived before the watch): seen now.
                check(&w, &watch).await;
                say(format!("watching {n}"));
            }
            ["change", n, ext, state] => {
                let ext = ext.to_string();
                let to = match *state {
                    "done" => ItemState::Done,
                    _ => ItemState::Open,
                };
                w.call(move |c| {
                    let id = crate::store::bench::id_by_external(c, &ext)?
                        .ok_or_else(|| crate::store::Error::Invalid(format!("no item {ext}")))?;
                    Command::SetState {
                        ids: vec![id],
                        to,
                        only_from: None,
                        actor: "user",
                    }
                    .apply(c, crate::domain::now())
                })
                .await?;
                say(format!("sent {n} {}", nanos()));
            }
            ["frames", presses] => {
                let presses: usize = presses.parse()?;
                let (w, path) = (w.clone(), path.clone());
                frames = Some(std::thread::spawn(move || {
                    match key_to_frame(w, &path, presses) {
                        Ok((frame, fresh)) => say(format!(
                            "frames {:.2} {:.2} {:.2} {:.2}",
                            frame.0, frame.1, fresh.0, fresh.1
                        )),
                        Err(e) => say(format!("frames-error {e}")),
                    }
                }));
            }
            ["offline"] => {
                if let Some(t) = team.take() {
                    t.abort();
                }
                say("offline".into());
            }
            ["online", target] => {
                let target: i64 = target.parse()?;
                let started = Instant::now();
                let t = start_team(&args, &w).await?;
                let mut followed = t.sync.followed.clone();
                followed.wait_for(|seq| *seq >= target).await?;
                say(format!(
                    "caught {:.0}",
                    started.elapsed().as_secs_f64() * 1000.0
                ));
                team = Some(t);
            }
            ["tag", count, tag] => {
                let count: usize = count.parse()?;
                let tag = tag.to_string();
                w.call(move |c| {
                    let ids = crate::store::bench::newest_ids(c, count)?;
                    Command::Tag {
                        ids,
                        tag,
                        remove: false,
                    }
                    .apply(c, crate::domain::now())
                })
                .await?;
                say("tagged".into());
            }
            ["quit"] => break,
            _ => say(format!("unknown {line}")),
        }
    }
    if let Some(f) = frames.take() {
        let _ = f.join();
    }
    watcher.abort();
    if let Some(t) = team.take() {
        t.stop().await;
    }
    drop(w);
    writer.shutdown();
    say("bye".into());
    Ok(())
}

/// Says `seen` the moment the watched change is in this cache: checked after every write
/// the writer announces (the sync engine's applies among them).
async fn watch_changes(w: WriterHandle, watch: Watch) {
    let mut notices = w.subscribe();
    while notices.recv().await.is_some() {
        check(&w, &watch).await;
    }
}

async fn check(w: &WriterHandle, watch: &Watch) {
    let Some((n, ext, state)) = watch.lock().unwrap_or_else(|e| e.into_inner()).clone() else {
        return;
    };
    let ext2 = ext.clone();
    let now = w
        .call(move |c| crate::store::bench::state_by_external(c, &ext2))
        .await
        .ok()
        .flatten();
    if now.as_deref() == Some(state.as_str()) {
        let at = nanos();
        let mut slot = watch.lock().unwrap_or_else(|e| e.into_inner());
        if slot.as_ref().is_some_and(|(m, _, _)| *m == n) {
            *slot = None;
            say(format!("seen {n} {at}"));
        }
    }
}

/// Key to frame (and until fresh) of j/k on the list, while the engine applies the team's
/// changes through the same writer: (p50, p99) in ms each.
fn key_to_frame(
    w: WriterHandle,
    path: &Path,
    presses: usize,
) -> anyhow::Result<((f64, f64), (f64, f64))> {
    let mut session = crate::tui::app::headless::Headless::open(w, path, 120, 40)?;
    let keys = [KeyCode::Char('j'), KeyCode::Char('j'), KeyCode::Char('k')];
    let mut frame = Vec::with_capacity(presses);
    let mut fresh = Vec::with_capacity(presses);
    for n in 0..presses {
        let key = KeyEvent::new(keys[n % keys.len()], KeyModifiers::NONE);
        let started = Instant::now();
        session.key(key)?;
        frame.push(started.elapsed());
        session.settle()?;
        fresh.push(started.elapsed());
        // A person's pace, not a loop's: the changes keep arriving between presses.
        std::thread::sleep(Duration::from_millis(15));
    }
    let ms = super::measure::ms;
    let (f50, f99) = super::measure::percentiles(frame);
    let (s50, s99) = super::measure::percentiles(fresh);
    Ok(((ms(f50), ms(f99)), (ms(s50), ms(s99))))
}
