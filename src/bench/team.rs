//! `hark bench team`: N sync clients (one process each, their caches copied from one
//! snapshot) on one PostgreSQL. Measures how fast a state change reaches every other
//! client, key to frame on a client while it syncs, the catch-up after a night offline,
//! the first upload of the snapshot, and how fast the poll lease moves after kill -9.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::measure::{figure, ms, percentiles, Figure};
use super::team_client::ACCOUNT;
use crate::secrets::Secret;
use crate::store::{team_pg, DB_FILE};
use crate::team::cluster::Cluster;
use crate::team::connect::TeamDb;

/// The environment variable the clients read the team password from.
const PASSWORD_ENV: &str = "HARK_BENCH_TEAM_PASSWORD";

/// What to run.
#[derive(Debug, Clone)]
pub struct Plan {
    pub clients: usize,
    pub changes: usize,
    pub offline: usize,
    pub presses: usize,
    pub interval: Duration,
    /// A team database to use (emptied by nobody: give it one of its own); else a private
    /// cluster is started. Its password, if any, from HARK_BENCH_TEAM_PASSWORD.
    pub database: Option<String>,
}

/// A client process and its lines.
struct Client {
    machine: String,
    child: Child,
    stdin: ChildStdin,
    lines: mpsc::Receiver<String>,
    /// Lines that came while another was awaited: a measure running beside the change
    /// loop (key to frame) may finish in the middle of it.
    early: std::cell::RefCell<Vec<String>>,
}

impl Client {
    fn send(&mut self, line: &str) -> anyhow::Result<()> {
        writeln!(self.stdin, "{line}")?;
        self.stdin.flush()?;
        Ok(())
    }

    /// The next line starting with `word`, within `wait`.
    fn expect(&self, word: &str, wait: Duration) -> anyhow::Result<String> {
        {
            let mut early = self.early.borrow_mut();
            if let Some(at) = early.iter().position(|l| l.starts_with(word)) {
                return Ok(early.remove(at));
            }
        }
        let deadline = Instant::now() + wait;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = self.lines.recv_timeout(left).map_err(|e| match e {
                mpsc::RecvTimeoutError::Timeout => {
                    anyhow::anyhow!("client {} said no `{word}` in {wait:?}", self.machine)
                }
                mpsc::RecvTimeoutError::Disconnected => anyhow::anyhow!(
                    "client {} ended before saying `{word}` (its own error, if any, is above)",
                    self.machine
                ),
            })?;
            if line.starts_with(word) {
                return Ok(line);
            }
            if line.starts_with("unknown")
                || (line.contains("error") && !line.starts_with("frames"))
            {
                anyhow::bail!("client {}: {line}", self.machine);
            }
            self.early.borrow_mut().push(line);
        }
    }
}

fn spawn_client(
    dir: &Path,
    url: &str,
    password: Option<&str>,
    machine: &str,
    interval: Duration,
    copy: bool,
) -> anyhow::Result<Client> {
    let mut cmd = Command::new(std::env::current_exe()?);
    cmd.arg("--data-dir")
        .arg(dir)
        .args([
            "bench",
            "team-client",
            "--database",
            url,
            "--machine",
            machine,
        ])
        .arg("--interval-ms")
        .arg(interval.as_millis().to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    if copy {
        cmd.arg("--copy");
    }
    if let Some(p) = password {
        cmd.env(PASSWORD_ENV, p)
            .arg("--password-env")
            .arg(PASSWORD_ENV);
    }
    // SAFETY: one async-signal-safe call between fork and exec. A client dies with the
    // bench (which spawns every client from its main thread).
    unsafe {
        cmd.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut child = cmd.spawn()?;
    let stdin = child.stdin.take().expect("piped");
    let stdout = child.stdout.take().expect("piped");
    let (tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    Ok(Client {
        machine: machine.to_string(),
        child,
        stdin,
        lines,
        early: Default::default(),
    })
}

fn copy_cache(from: &Path, to: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(to)?;
    for name in [DB_FILE.to_string(), format!("{DB_FILE}-wal")] {
        let source = from.join(&name);
        if source.exists() {
            std::fs::copy(&source, to.join(&name))?;
        }
    }
    Ok(())
}

/// Memory of the machine in use (MemTotal - MemAvailable) and in all, in MiB.
fn machine_memory() -> (u64, u64) {
    let info = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let field = |name: &str| -> u64 {
        info.lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    let total = field("MemTotal:");
    ((total - field("MemAvailable:")) / 1024, total / 1024)
}

fn rss_mib(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<f64>().ok())
        })
        .unwrap_or(0.0)
        / 1024.0
}

fn field(line: &str, at: usize) -> anyhow::Result<u128> {
    line.split_whitespace()
        .nth(at)
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| anyhow::anyhow!("unreadable line `{line}`"))
}

/// Keeps a figure and says it at once on stderr: a run of half an hour that fails late
/// (a client gone) still leaves what it measured.
fn keep(figures: &mut Vec<Figure>, figure: Figure) {
    eprintln!("bench team: {}: {}", figure.what, figure.value);
    figures.push(figure);
}

/// Runs the bench on the snapshot cache in `data_dir` (made by `hark bench generate`).
pub fn run(data_dir: &Path, plan: &Plan) -> anyhow::Result<Vec<Figure>> {
    let snapshot = data_dir.join(DB_FILE);
    anyhow::ensure!(
        snapshot.exists(),
        "no cache at {} (run `hark bench generate` first)",
        snapshot.display()
    );
    anyhow::ensure!(
        plan.clients >= 3,
        "--clients: at least 3 (a sender, watchers, one offline)"
    );
    let (before_used, total) = machine_memory();
    let runtime = crate::cli::runtime()?;
    // The team's PostgreSQL: the given one, or a private cluster of this process.
    let mut cluster = None;
    let (url, password) = match &plan.database {
        Some(url) => (url.clone(), std::env::var(PASSWORD_ENV).ok()),
        None => {
            let c = Cluster::start()?;
            let name = format!("bench_{}", std::process::id());
            let admin = TeamDb::new(
                &c.url("postgres"),
                Some(&Secret::new(c.password.clone())),
                None,
            )?;
            runtime.block_on(async {
                team_pg::create_database(&admin.connect().await?, &name)
                    .await
                    .map_err(|e| admin.query_error(&e))?;
                anyhow::Ok(())
            })?;
            let url = c.url(&name);
            let password = c.password.clone();
            cluster = Some(c);
            (url, Some(password))
        }
    };
    let db = TeamDb::new(&url, password.clone().map(Secret::new).as_ref(), None)?;
    let pg = runtime.block_on(async {
        let mut client = db.connect().await?;
        team_pg::migrate(&mut client)
            .await
            .map_err(|e| db.query_error(&e))?;
        anyhow::Ok(client)
    })?;
    let pw = password.as_deref();
    let work = tempfile::Builder::new()
        .prefix("team-bench")
        .tempdir_in(data_dir)?;
    let mut figures = Vec::new();
    let items = crate::store::bench::item_count(&crate::store::report::open(&snapshot)?)?;
    keep(
        &mut figures,
        figure("items in each cache", items.to_string(), "", None),
    );
    keep(
        &mut figures,
        figure(
            "sync clients (one process each)",
            plan.clients.to_string(),
            "20",
            None,
        ),
    );

    // The snapshot joins the team: its first upload, in chunks.
    let first = work.path().join("client-0");
    copy_cache(data_dir, &first)?;
    let started = Instant::now();
    let mut seeder = spawn_client(&first, &url, pw, "bench-0", plan.interval, false)?;
    seeder.expect("ready", Duration::from_secs(3600))?;
    keep(
        &mut figures,
        figure(
            "first join: the snapshot uploaded to the team",
            format!("{:.1} s", started.elapsed().as_secs_f64()),
            "",
            None,
        ),
    );
    seeder.send("quit")?;
    seeder.expect("bye", Duration::from_secs(60))?;
    let _ = seeder.child.wait();

    // Every client's cache is a copy of the joined one.
    let mut clients = Vec::new();
    for n in 0..plan.clients {
        let dir = work.path().join(format!("client-{n}"));
        if n > 0 {
            copy_cache(&first, &dir)?;
        }
        clients.push(spawn_client(
            &dir,
            &url,
            pw,
            &format!("bench-{n}"),
            plan.interval,
            n > 0,
        )?);
    }
    for c in &clients {
        c.expect("ready", Duration::from_secs(600))?;
    }
    let (used_running, _) = machine_memory();

    // State changes, each by one client, watched by every other; client 1 measures its
    // key to frame meanwhile.
    let reader = crate::store::report::open(&snapshot)?;
    let mut latencies = Vec::new();
    clients[1].send(&format!("frames {}", plan.presses))?;
    for n in 0..plan.changes {
        let ext = format!("g{}", n * 37 + 11);
        let now = crate::store::bench::state_by_external(&reader, &ext)?;
        let to = if now.as_deref() == Some("done") {
            "open"
        } else {
            "done"
        };
        let sender = n % plan.clients;
        for (i, c) in clients.iter_mut().enumerate() {
            if i != sender {
                c.send(&format!("watch {n} {ext} {to}"))?;
            }
        }
        for (i, c) in clients.iter().enumerate() {
            if i != sender {
                c.expect("watching", Duration::from_secs(30))?;
            }
        }
        clients[sender].send(&format!("change {n} {ext} {to}"))?;
        let sent = field(&clients[sender].expect("sent", Duration::from_secs(30))?, 2)?;
        for (i, c) in clients.iter().enumerate() {
            if i != sender {
                let seen = field(&c.expect("seen", Duration::from_secs(30))?, 2)?;
                latencies.push(Duration::from_nanos(seen.saturating_sub(sent) as u64));
            }
        }
    }
    let (p50, p99) = percentiles(latencies.clone());
    keep(
        &mut figures,
        figure(
            format!(
                "a state change in every other client's cache ({} changes x {} clients, p50 / p99)",
                plan.changes,
                plan.clients - 1
            ),
            format!("{:.1} / {:.1} ms", ms(p50), ms(p99)),
            "p99 < 500 ms",
            Some(p99 < Duration::from_millis(500)),
        ),
    );
    let frames = clients[1].expect("frames", Duration::from_secs(600))?;
    if let Some(why) = frames.strip_prefix("frames-error ") {
        eprintln!("bench team: key to frame not measured: {why}");
    }
    let f: Vec<f64> = frames
        .split_whitespace()
        .skip(1)
        .filter_map(|v| v.parse().ok())
        .collect();
    if f.len() == 4 {
        keep(
            &mut figures,
            figure(
                "key to frame on a client while it syncs, j/k (p50 / p99)",
                format!("{:.2} / {:.2} ms", f[0], f[1]),
                "p99 < 16 ms",
                Some(f[1] < 16.0),
            ),
        );
        keep(
            &mut figures,
            figure(
                "until fresh, j/k while it syncs (p50 / p99)",
                format!("{:.2} / {:.2} ms", f[2], f[3]),
                "",
                None,
            ),
        );
    }

    // A night offline: the last client goes away, the team makes `offline` changes, and
    // it comes back.
    let last = plan.clients - 1;
    clients[last].send("offline")?;
    clients[last].expect("offline", Duration::from_secs(30))?;
    let base = runtime
        .block_on(team_pg::last_seq(&pg))
        .map_err(|e| db.query_error(&e))?;
    clients[0].send(&format!("tag {} night", plan.offline))?;
    clients[0].expect("tagged", Duration::from_secs(600))?;
    let target = loop {
        let seq = runtime
            .block_on(team_pg::last_seq(&pg))
            .map_err(|e| db.query_error(&e))?;
        if seq >= base + plan.offline as i64 {
            break seq;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    clients[last].send(&format!("online {target}"))?;
    let caught = field(
        &clients[last].expect("caught", Duration::from_secs(600))?,
        1,
    )?;
    keep(
        &mut figures,
        figure(
            format!(
                "catching up {} changes after a night offline",
                target - base
            ),
            format!("{:.1} s", caught as f64 / 1000.0),
            "< 10 s",
            Some(caught < 10_000),
        ),
    );

    // kill -9 of the client polling the account: the lease moves.
    let holder = || -> anyhow::Result<Option<String>> {
        Ok(runtime
            .block_on(team_pg::poll_leases(&pg))
            .map_err(|e| db.query_error(&e))?
            .into_iter()
            .find(|(account, _, _, left)| account == ACCOUNT && *left >= 0)
            .map(|(_, machine, _, _)| machine))
    };
    let deadline = Instant::now() + plan.interval * 10;
    let killed = loop {
        if let Some(m) = holder()? {
            break m;
        }
        anyhow::ensure!(Instant::now() < deadline, "no client took the poll lease");
        std::thread::sleep(Duration::from_millis(20));
    };
    let victim = clients
        .iter_mut()
        .find(|c| c.machine == killed)
        .ok_or_else(|| anyhow::anyhow!("the lease holder {killed} is not a bench client"))?;
    victim.child.kill()?;
    let _ = victim.child.wait();
    let killed_at = Instant::now();
    let moved = loop {
        if holder()?.is_some_and(|m| m != killed) {
            break killed_at.elapsed();
        }
        anyhow::ensure!(
            killed_at.elapsed() < plan.interval * 10,
            "the poll lease never moved"
        );
        std::thread::sleep(Duration::from_millis(10));
    };
    keep(
        &mut figures,
        figure(
            format!(
                "poll lease moved after kill -9 (poll interval {:.1} s)",
                plan.interval.as_secs_f64()
            ),
            format!("{:.0} ms", ms(moved)),
            "< one poll interval",
            Some(moved < plan.interval),
        ),
    );

    // Memory: the machine's, and the clients'.
    let rss: Vec<f64> = clients
        .iter()
        .filter(|c| c.machine != killed)
        .map(|c| rss_mib(c.child.id()))
        .collect();
    keep(
        &mut figures,
        figure(
            "machine memory in use: before / with the clients and PostgreSQL running",
            format!("{before_used} / {used_running} MiB of {total} MiB"),
            "",
            None,
        ),
    );
    keep(
        &mut figures,
        figure(
            "resident memory per client process (mean / max)",
            format!(
                "{:.0} / {:.0} MiB",
                rss.iter().sum::<f64>() / rss.len().max(1) as f64,
                rss.iter().cloned().fold(0.0, f64::max)
            ),
            "",
            None,
        ),
    );

    for c in clients.iter_mut().filter(|c| c.machine != killed) {
        let _ = c.send("quit");
    }
    for c in clients.iter_mut().filter(|c| c.machine != killed) {
        let _ = c.expect("bye", Duration::from_secs(60));
        let _ = c.child.wait();
    }
    drop(pg);
    drop(cluster);
    drop(work);
    Ok(figures)
}
