//! A private PostgreSQL for the team tests and `hark bench team`: a cluster in a temporary
//! directory on 127.0.0.1, from the Debian server binaries.
//!
//! It never outlives its process: the postmaster is started by a thread that lives as long
//! as the process and asks the kernel to kill it when that thread goes (a killed test binary
//! takes its server with it), and every start first stops the clusters whose process is
//! gone (their directory records it), so repeated or interrupted runs never pile up servers.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The prefix of every cluster's directory in the temporary directory.
const PREFIX: &str = "hark-team-pg";
/// The file naming the process a cluster belongs to.
const OWNER: &str = "owner";

/// A running private cluster; stopped when dropped (and when its process dies).
pub struct Cluster {
    pub port: u16,
    /// The superuser's password (scram-sha-256 on TCP).
    pub password: String,
    run: PathBuf,
    keeper: std::sync::Mutex<Keeper>,
}

/// The thread holding the server, and how to tell it to stop.
struct Keeper {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl std::fmt::Debug for Cluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Cluster(127.0.0.1:{})", self.port)
    }
}

impl Cluster {
    /// `postgres://postgres@127.0.0.1:port/db?sslmode=disable`.
    pub fn url(&self, db: &str) -> String {
        format!(
            "postgres://postgres@127.0.0.1:{}/{db}?sslmode=disable",
            self.port
        )
    }

    /// The cluster's directory (its data and log).
    pub fn dir(&self) -> &Path {
        &self.run
    }

    /// Starts a cluster, after stopping the ones left by processes that died.
    pub fn start() -> anyhow::Result<Cluster> {
        sweep_stale(&std::env::temp_dir());
        let run = tempfile::Builder::new().prefix(PREFIX).tempdir()?.keep();
        std::fs::write(run.join(OWNER), owner_line(std::process::id()))?;
        match start_in(&run) {
            Ok(cluster) => Ok(cluster),
            Err(e) => {
                let _ = std::fs::remove_dir_all(&run);
                Err(e)
            }
        }
    }

    /// Stops the server and removes its directory (a cluster kept in a static, which
    /// is never dropped, calls this at exit).
    pub fn shut(&self) {
        let mut keeper = self.keeper.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(stop) = keeper.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = keeper.thread.take() {
            let _ = thread.join();
        }
        let _ = std::fs::remove_dir_all(&self.run);
    }

    fn keeper_ended(&self) -> bool {
        let keeper = self.keeper.lock().unwrap_or_else(|e| e.into_inner());
        keeper.thread.as_ref().is_none_or(|t| t.is_finished())
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        self.shut();
    }
}

/// The directory of the newest PostgreSQL server binaries (`HARK_PGBIN` overrides).
pub fn pg_bin() -> anyhow::Result<PathBuf> {
    if let Ok(dir) = std::env::var("HARK_PGBIN") {
        return Ok(PathBuf::from(dir));
    }
    let root = Path::new("/usr/lib/postgresql");
    let mut versions: Vec<PathBuf> = std::fs::read_dir(root)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    versions.sort();
    versions.pop().map(|v| v.join("bin")).ok_or_else(|| {
        anyhow::anyhow!("no PostgreSQL server binaries (install the postgresql package)")
    })
}

/// The user the server runs as: initdb and postgres refuse root.
struct RunAs {
    uid: libc::uid_t,
    gid: libc::gid_t,
}

fn run_as() -> anyhow::Result<Option<RunAs>> {
    if unsafe { libc::geteuid() } != 0 {
        return Ok(None);
    }
    let name = std::ffi::CString::new("postgres")?;
    // SAFETY: getpwnam returns a pointer to static storage or null; read at once.
    let pw = unsafe { libc::getpwnam(name.as_ptr()) };
    anyhow::ensure!(
        !pw.is_null(),
        "running as root, the server needs a `postgres` user (useradd --system postgres)"
    );
    let (uid, gid) = unsafe { ((*pw).pw_uid, (*pw).pw_gid) };
    Ok(Some(RunAs { uid, gid }))
}

/// A command run as the server's user, killed when the thread that spawns it ends.
fn server_command(program: &Path, user: Option<&RunAs>, die_with_parent: bool) -> Command {
    let mut cmd = Command::new(program);
    let ids = user.map(|u| (u.uid, u.gid));
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        cmd.pre_exec(move || {
            if let Some((uid, gid)) = ids {
                if libc::setgroups(0, std::ptr::null()) != 0
                    || libc::setgid(gid) != 0
                    || libc::setuid(uid) != 0
                {
                    return Err(std::io::Error::last_os_error());
                }
            }
            // After setuid, which clears it.
            if die_with_parent && libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    cmd
}

fn chown(path: &Path, user: &RunAs) -> anyhow::Result<()> {
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes())?;
    // SAFETY: a valid C string.
    anyhow::ensure!(
        unsafe { libc::chown(c.as_ptr(), user.uid, user.gid) } == 0,
        "cannot give {} to the postgres user: {}",
        path.display(),
        std::io::Error::last_os_error()
    );
    Ok(())
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

fn random_hex() -> String {
    format!("{:016x}", rand::random::<u64>())
}

fn start_in(run: &Path) -> anyhow::Result<Cluster> {
    let bin = pg_bin()?;
    let user = run_as()?;
    let password = format!("pw-{}", random_hex());
    let pwfile = run.join("pwfile");
    std::fs::write(&pwfile, &password)?;
    if let Some(u) = &user {
        chown(run, u)?;
        chown(&pwfile, u)?;
    }
    let data = run.join("data");
    let out = server_command(&bin.join("initdb"), user.as_ref(), false)
        .arg("-D")
        .arg(&data)
        .args(["-U", "postgres", "-E", "UTF8", "--auth-local=trust"])
        .args(["--auth-host=scram-sha-256"])
        .arg(format!("--pwfile={}", pwfile.display()))
        .output()?;
    anyhow::ensure!(
        out.status.success(),
        "initdb: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let _ = std::fs::remove_file(&pwfile);
    let port = free_port()?;
    let log = std::fs::File::create(run.join("log"))?;
    if let Some(u) = &user {
        chown(&run.join("log"), u)?;
    }
    let mut cmd = server_command(&bin.join("postgres"), user.as_ref(), true);
    cmd.arg("-D")
        .arg(&data)
        .args(["-c", "listen_addresses=127.0.0.1", "-p", &port.to_string()])
        .arg("-k")
        .arg(run)
        .args(["-c", "fsync=off", "-c", "max_connections=200"])
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log);
    // The keeper thread spawns the server and lives until told to stop it (or the
    // process ends): the kernel's parent-death signal follows the spawning thread.
    let (started_tx, started_rx) = mpsc::channel::<std::io::Result<u32>>();
    let (stop_tx, stop_rx) = mpsc::channel::<()>();
    let keeper = std::thread::Builder::new()
        .name("hark-team-pg".into())
        .spawn(move || {
            let mut child: Child = match cmd.spawn() {
                Ok(c) => c,
                Err(e) => {
                    let _ = started_tx.send(Err(e));
                    return;
                }
            };
            let _ = started_tx.send(Ok(child.id()));
            // Blocks until told (or the Cluster is dropped): then a fast shutdown.
            let _ = stop_rx.recv();
            unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = child.kill();
            let _ = child.wait();
        })?;
    let cluster = Cluster {
        port,
        password,
        run: run.to_path_buf(),
        keeper: std::sync::Mutex::new(Keeper {
            stop: Some(stop_tx),
            thread: Some(keeper),
        }),
    };
    started_rx
        .recv()
        .map_err(|_| anyhow::anyhow!("the keeper thread ended"))??;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if ready(&data) {
            return Ok(cluster);
        }
        if cluster.keeper_ended() || Instant::now() > deadline {
            let log = std::fs::read_to_string(run.join("log")).unwrap_or_default();
            cluster.shut();
            anyhow::bail!("the private PostgreSQL did not start: {log}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The postmaster says it accepts connections (line 8 of postmaster.pid).
fn ready(data: &Path) -> bool {
    std::fs::read_to_string(data.join("postmaster.pid"))
        .map(|t| t.lines().nth(7).is_some_and(|l| l.trim() == "ready"))
        .unwrap_or(false)
}

/// `pid start-time`: a pid alone may be reused by another process later.
fn owner_line(pid: u32) -> String {
    format!("{pid} {}", start_time(pid).unwrap_or_default())
}

/// A process's start time in clock ticks since boot (field 22 of /proc/PID/stat).
fn start_time(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = &stat[stat.rfind(')')? + 2..];
    after.split_whitespace().nth(19)?.parse().ok()
}

/// True while the process that wrote `owner` runs.
fn owner_alive(owner: &str) -> bool {
    let mut parts = owner.split_whitespace();
    let (Some(pid), Some(started)) = (
        parts.next().and_then(|p| p.parse::<u32>().ok()),
        parts.next().and_then(|s| s.parse::<u64>().ok()),
    ) else {
        return false;
    };
    start_time(pid) == Some(started)
}

/// Stops the clusters under `tmp` whose process is gone, and removes their directories.
/// Returns how many it stopped.
pub fn sweep_stale(tmp: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(tmp) else {
        return 0;
    };
    let mut stopped = 0;
    for entry in entries.flatten() {
        let run = entry.path();
        let name = entry.file_name();
        if !name.to_string_lossy().starts_with(PREFIX) || !run.is_dir() {
            continue;
        }
        let Ok(owner) = std::fs::read_to_string(run.join(OWNER)) else {
            continue;
        };
        if owner_alive(&owner) {
            continue;
        }
        if stop_postmaster(&run.join("data")) {
            stopped += 1;
        }
        let _ = std::fs::remove_dir_all(&run);
    }
    stopped
}

/// Stops the postmaster of `data` if it still runs there (its pid file names it, and
/// the process's command line names the directory). True when one was stopped.
fn stop_postmaster(data: &Path) -> bool {
    let Ok(pidfile) = std::fs::read_to_string(data.join("postmaster.pid")) else {
        return false;
    };
    let Some(pid) = pidfile
        .lines()
        .next()
        .and_then(|l| l.trim().parse::<i32>().ok())
    else {
        return false;
    };
    let ours = std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|c| {
            let text = String::from_utf8_lossy(&c).replace('\0', " ");
            text.contains(&*data.to_string_lossy())
        })
        .unwrap_or(false);
    if !ours {
        return false;
    }
    // Immediate shutdown: the data is thrown away with the directory.
    unsafe { libc::kill(pid, libc::SIGQUIT) };
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline && Path::new(&format!("/proc/{pid}")).exists() {
        if std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| s.contains(") Z ")) {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_directory_whose_process_is_gone_is_swept_and_a_live_one_kept() {
        let tmp = tempfile::tempdir().unwrap();
        let dead = tmp.path().join(format!("{PREFIX}dead"));
        let live = tmp.path().join(format!("{PREFIX}live"));
        let other = tmp.path().join("someone-else");
        for d in [&dead, &live, &other] {
            std::fs::create_dir_all(d).unwrap();
        }
        // A pid that ran once: this process's, with a start time it never had.
        std::fs::write(dead.join(OWNER), format!("{} 1", std::process::id())).unwrap();
        std::fs::write(live.join(OWNER), owner_line(std::process::id())).unwrap();
        std::fs::write(other.join(OWNER), "1 1").unwrap();
        sweep_stale(tmp.path());
        assert!(!dead.exists());
        assert!(live.exists());
        assert!(other.exists());
    }
}
