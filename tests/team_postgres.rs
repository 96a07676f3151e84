//! Team mode on a real PostgreSQL: a private cluster in a temporary directory on
//! 127.0.0.1, started once for this test binary from the Debian server binaries (as the
//! Bluesky network's harness does), each test in a database of its own. Runs with
//! `HARK_POSTGRES=1`; otherwise each test says it was skipped and passes.

use std::path::{Path, PathBuf};
use std::process::Command as Proc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use hark::command::{Command, IncidentOp};
use hark::domain::{ItemKind, ItemState, NewAuthor, NewItem, Severity};
use hark::secrets::Secret;
use hark::store::team_sync;
use hark::store::{ingest, Writer, WriterHandle};
use hark::team::connect::TeamDb;
use hark::team::sync::{Held, Identity, Link, Sync};

/// The superuser's password: the cluster asks for it on TCP (scram-sha-256).
const PASSWORD_ENV: &str = "HARK_TEST_TEAM_PASSWORD";

struct Cluster {
    port: u16,
    password: String,
}

static CLUSTER: OnceLock<Option<Cluster>> = OnceLock::new();
static RUN_DIR: OnceLock<PathBuf> = OnceLock::new();
static NEXT_DB: AtomicUsize = AtomicUsize::new(0);

fn pg_bin() -> PathBuf {
    if let Ok(dir) = std::env::var("HARK_PGBIN") {
        return PathBuf::from(dir);
    }
    let root = Path::new("/usr/lib/postgresql");
    let mut versions: Vec<PathBuf> = std::fs::read_dir(root)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    versions.sort();
    versions
        .pop()
        .map(|v| v.join("bin"))
        .expect("no PostgreSQL server binaries (apt-get install postgresql-15)")
}

/// initdb and postgres refuse to run as root: as root, run them as `postgres`.
fn as_pg(program: &Path) -> Proc {
    if unsafe { libc::geteuid() } == 0 {
        let mut cmd = Proc::new("runuser");
        cmd.args(["-u", "postgres", "--"]).arg(program);
        cmd
    } else {
        Proc::new(program)
    }
}

extern "C" fn stop_cluster() {
    if let Some(run) = RUN_DIR.get() {
        let _ = as_pg(&pg_bin().join("pg_ctl"))
            .args(["-D"])
            .arg(run.join("data"))
            .args(["-m", "immediate", "-w", "stop"])
            .output();
        let _ = std::fs::remove_dir_all(run);
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start_cluster() -> Cluster {
    let run = tempfile::Builder::new()
        .prefix("hark-team-pg")
        .tempdir()
        .unwrap()
        .keep();
    RUN_DIR.set(run.clone()).unwrap();
    unsafe { libc::atexit(stop_cluster) };
    let password = format!("pw-{}", rand_hex());
    std::fs::write(run.join("pwfile"), &password).unwrap();
    if unsafe { libc::geteuid() } == 0 {
        let status = Proc::new("chown")
            .args(["-R", "postgres"])
            .arg(&run)
            .status()
            .unwrap();
        assert!(status.success(), "chown to postgres failed");
    }
    let bin = pg_bin();
    let out = as_pg(&bin.join("initdb"))
        .arg("-D")
        .arg(run.join("data"))
        .args(["-U", "postgres", "-E", "UTF8", "--auth-local=trust"])
        .args(["--auth-host=scram-sha-256"])
        .arg(format!("--pwfile={}", run.join("pwfile").display()))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "initdb: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let port = free_port();
    let out = as_pg(&bin.join("pg_ctl"))
        .arg("-D")
        .arg(run.join("data"))
        .arg("-l")
        .arg(run.join("log"))
        .args(["-w", "-o"])
        .arg(format!(
            "-c listen_addresses=127.0.0.1 -p {port} -k {} -c fsync=off",
            run.display()
        ))
        .arg("start")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "pg_ctl start: {}",
        std::fs::read_to_string(run.join("log")).unwrap_or_default()
    );
    std::env::set_var(PASSWORD_ENV, &password);
    Cluster { port, password }
}

fn rand_hex() -> String {
    let mut buf = [0u8; 8];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut buf))
        .unwrap();
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

/// The cluster, or `None` (and a line saying so) without `HARK_POSTGRES=1`.
fn cluster(test: &str) -> Option<&'static Cluster> {
    let cluster = CLUSTER
        .get_or_init(|| (std::env::var("HARK_POSTGRES").as_deref() == Ok("1")).then(start_cluster));
    if cluster.is_none() {
        println!("{test}: skipped (set HARK_POSTGRES=1 to run it on a private PostgreSQL)");
    }
    cluster.as_ref()
}

/// A fresh database with the team schema; its URL.
async fn team_database(cluster: &Cluster) -> String {
    let n = NEXT_DB.fetch_add(1, Ordering::SeqCst);
    let name = format!("team_{}_{n}", std::process::id());
    let admin = db(
        &format!(
            "postgres://postgres@127.0.0.1:{}/postgres?sslmode=disable",
            cluster.port
        ),
        cluster,
    );
    let client = admin.connect().await.unwrap();
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    let url = format!(
        "postgres://postgres@127.0.0.1:{}/{name}?sslmode=disable",
        cluster.port
    );
    let mut client = db(&url, cluster).connect().await.unwrap();
    hark::store::team_pg::migrate(&mut client).await.unwrap();
    url
}

fn db(url: &str, cluster: &Cluster) -> TeamDb {
    TeamDb::new(url, Some(&Secret::new(cluster.password.clone())), None).unwrap()
}

/// One CM's hark: a cache of its own and a sync engine.
struct Instance {
    _dir: tempfile::TempDir,
    _writer: Option<Writer>,
    w: WriterHandle,
    sync: Option<Sync>,
    url: String,
    who: Identity,
    held: Arc<Held>,
    password: String,
}

impl Instance {
    async fn new(url: &str, cluster: &Cluster, machine: &str, me: &str) -> Instance {
        let dir = tempfile::tempdir().unwrap();
        let writer = Writer::spawn(&dir.path().join("hark.db")).unwrap();
        let w = writer.handle();
        let mut this = Instance {
            _dir: dir,
            _writer: Some(writer),
            w,
            sync: None,
            url: url.to_string(),
            who: Identity {
                me: me.into(),
                machine: machine.into(),
                share_dms: true,
            },
            held: Arc::new(Held::default()),
            password: cluster.password.clone(),
        };
        this.connect().await;
        this
    }

    async fn connect(&mut self) {
        let db = TeamDb::new(&self.url, Some(&Secret::new(self.password.clone())), None).unwrap();
        let sync = Sync::start(
            db,
            self.w.clone(),
            self.who.clone(),
            vec![],
            self.held.clone(),
        )
        .await
        .unwrap();
        self.sync = Some(sync);
    }

    /// Cut off from the team, as a laptop on a train.
    fn disconnect(&mut self) {
        self.sync = None;
    }

    async fn run(&self, command: Command) -> hark::command::Done {
        self.w
            .call(move |conn| command.apply(conn, 1_000))
            .await
            .unwrap()
    }

    async fn query<T: Send + 'static>(
        &self,
        sql: &'static str,
        f: impl Fn(&rusqlite::Row<'_>) -> rusqlite::Result<T> + Send + 'static,
    ) -> Vec<T> {
        self.w
            .call(move |conn| {
                let mut stmt = conn.prepare(sql)?;
                let rows = stmt
                    .query_map([], |r| f(r))?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                Ok(rows)
            })
            .await
            .unwrap()
    }

    async fn item_id(&self, external: &'static str) -> Option<i64> {
        self.w
            .call(move |conn| {
                Ok(conn
                    .query_row(
                        "SELECT id FROM items WHERE external_id = ?",
                        [external],
                        |r| r.get(0),
                    )
                    .ok())
            })
            .await
            .unwrap()
    }

    async fn ingest(&self, account: &'static str, externals: &[&'static str]) {
        let externals: Vec<&'static str> = externals.to_vec();
        self.w
            .call(move |conn| {
                let account = ingest::ensure_account(conn, account, "chirp", "@brand")?;
                let items: Vec<_> = externals
                    .iter()
                    .map(|e| ingest::Incoming::from(new_item(e)))
                    .collect();
                ingest::ingest(conn, account, &items, None, 10)?;
                Ok(())
            })
            .await
            .unwrap();
    }
}

fn new_item(external: &str) -> NewItem {
    NewItem {
        external_id: external.into(),
        kind: ItemKind::Mention,
        parent_external_id: None,
        thread_external_id: None,
        author: NewAuthor {
            external_id: format!("u-{external}"),
            handle: format!("@fan{external}"),
            display_name: "A fan".into(),
            followers: None,
        },
        body: format!("is the cold brew back? ({external})"),
        url: None,
        created_at: 5,
        raw_json: None,
    }
}

/// Waits until `check` holds; a team change takes milliseconds, so 15 s means it never came.
async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(15);
    while Instant::now() < deadline {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("never happened: {what}");
}

fn escalation_config() -> Box<hark::escalation::EscalationConfig> {
    let config = hark::config::Config::parse(
        "[escalation.protocol.high]\nchecklist = [\"call the SMM\", \"post the holding line\"]\n",
        Path::new("config.toml"),
    )
    .unwrap();
    Box::new(config.escalation)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_see_each_others_states_tags_notes_and_incident_ticks() {
    let Some(cluster) =
        cluster("two_instances_see_each_others_states_tags_notes_and_incident_ticks")
    else {
        return;
    };
    let url = team_database(cluster).await;
    let sam = Instance::new(&url, cluster, "sam-laptop", "sam").await;
    let ana = Instance::new(&url, cluster, "ana-laptop", "ana").await;

    // sam's poller stores an item: it reaches ana's cache.
    sam.ingest("brand-chirp", &["1001"]).await;
    eventually("the item in ana's cache", || async {
        ana.item_id("1001").await.is_some()
    })
    .await;
    let at_sam = sam.item_id("1001").await.unwrap();
    let at_ana = ana.item_id("1001").await.unwrap();

    // sam marks it done; ana sees done.
    sam.run(Command::SetState {
        ids: vec![at_sam],
        to: ItemState::Done,
        only_from: None,
        actor: "user",
    })
    .await;
    eventually("done in ana's cache", || async {
        ana.query("SELECT state FROM items WHERE external_id = '1001'", |r| {
            r.get::<_, String>(0)
        })
        .await
            == ["done"]
    })
    .await;

    // ana tags it and writes a note; sam sees both.
    ana.run(Command::Tag {
        ids: vec![at_ana],
        tag: "refund".into(),
        remove: false,
    })
    .await;
    ana.run(Command::Note {
        id: at_ana,
        body: "called them back, sorted".into(),
    })
    .await;
    eventually("the tag and the note in sam's cache", || async {
        let tags = sam
            .query("SELECT tag FROM tags", |r| r.get::<_, String>(0))
            .await;
        let notes = sam
            .query("SELECT body FROM notes", |r| r.get::<_, String>(0))
            .await;
        tags == ["refund"] && notes == ["called them back, sorted"]
    })
    .await;
    // The tag count of the sidebar follows too (kept by the cache's own triggers).
    assert_eq!(
        sam.query("SELECT n FROM tag_counts WHERE tag = 'refund'", |r| r
            .get::<_, i64>(0))
            .await,
        [1]
    );

    // sam escalates it; ana ticks the first checklist step; sam sees the tick by ana.
    sam.run(Command::Flag {
        ids: vec![at_sam],
        severity: Severity::High,
        reason: "health".into(),
        config: escalation_config(),
    })
    .await;
    eventually("the incident in ana's cache", || async {
        ana.query("SELECT count(*) FROM incident_items", |r| {
            r.get::<_, i64>(0)
        })
        .await
            == [1]
    })
    .await;
    let mut config = escalation_config();
    config.user = Some("ana".into());
    ana.run(Command::Incident {
        op: IncidentOp::Tick { id: at_ana },
        config,
    })
    .await;
    eventually("ana's tick in sam's cache", || async {
        sam.query(
            "SELECT text || ' by ' || done_by FROM incident_steps",
            |r| r.get::<_, String>(0),
        )
        .await
            == ["call the SMM by ana"]
    })
    .await;
    drop(ana);
    drop(sam);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn offline_changes_sync_on_reconnect_and_the_losing_value_is_kept_on_the_item() {
    let Some(cluster) =
        cluster("offline_changes_sync_on_reconnect_and_the_losing_value_is_kept_on_the_item")
    else {
        return;
    };
    let url = team_database(cluster).await;
    let sam = Instance::new(&url, cluster, "sam-laptop", "sam").await;
    let mut ana = Instance::new(&url, cluster, "ana-laptop", "ana").await;
    sam.ingest("brand-chirp", &["2001", "2002"]).await;
    eventually("both items at ana's", || async {
        ana.item_id("2002").await.is_some()
    })
    .await;

    // ana goes offline and keeps working: 2001 open, a tag on 2002.
    ana.disconnect();
    let a1 = ana.item_id("2001").await.unwrap();
    let a2 = ana.item_id("2002").await.unwrap();
    ana.run(Command::SetState {
        ids: vec![a1],
        to: ItemState::Open,
        only_from: None,
        actor: "user",
    })
    .await;
    ana.run(Command::Tag {
        ids: vec![a2],
        tag: "wholesale".into(),
        remove: false,
    })
    .await;
    // Meanwhile sam marks 2001 done (committed first in the team).
    let s1 = sam.item_id("2001").await.unwrap();
    sam.run(Command::SetState {
        ids: vec![s1],
        to: ItemState::Done,
        only_from: None,
        actor: "user",
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        ana.query("SELECT state FROM items WHERE external_id = '2001'", |r| {
            r.get::<_, String>(0)
        })
        .await,
        ["open"],
        "offline, ana's cache keeps ana's work"
    );

    // ana reconnects: her change commits last and wins; sam's done is kept as a conflict.
    ana.connect().await;
    for who in [&sam, &ana] {
        eventually("2001 open everywhere and the tag at sam's", || async {
            who.query("SELECT state FROM items WHERE external_id = '2001'", |r| {
                r.get::<_, String>(0)
            })
            .await
                == ["open"]
        })
        .await;
    }
    eventually("ana's offline tag at sam's", || async {
        sam.query("SELECT tag FROM tags", |r| r.get::<_, String>(0))
            .await
            == ["wholesale"]
    })
    .await;
    for who in [&sam, &ana] {
        let item = who.item_id("2001").await.unwrap();
        let conflicts = who
            .w
            .call(move |conn| team_sync::conflicts_of(conn, item))
            .await
            .unwrap();
        assert_eq!(conflicts.len(), 1, "{conflicts:?}");
        let c = &conflicts[0];
        assert_eq!(
            (
                c.field.as_str(),
                c.lost.as_str(),
                c.lost_by.as_str(),
                c.won.as_str(),
                c.won_by.as_str()
            ),
            ("state", "done", "sam@sam-laptop", "open", "ana@ana-laptop")
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_wrong_password_is_said_plainly_and_never_printed() {
    let Some(cluster) = cluster("a_wrong_password_is_said_plainly_and_never_printed") else {
        return;
    };
    let url = format!(
        "postgres://postgres@127.0.0.1:{}/postgres?sslmode=disable",
        cluster.port
    );
    let wrong = "not-the-password-4711";
    let db = TeamDb::new(&url, Some(&Secret::new(wrong)), None).unwrap();
    let err = db
        .connect()
        .await
        .expect_err("a wrong password is refused")
        .to_string();
    assert!(err.contains("password authentication failed"), "{err}");
    assert!(err.contains("postgres@127.0.0.1"), "{err}");
    assert!(!err.contains(wrong), "{err}");
    assert!(!err.contains(&cluster.password), "{err}");
    let debug = format!("{db:?}");
    assert!(!debug.contains(wrong), "{debug}");

    // The engine shows it as its link state, without the password either.
    let dir = tempfile::tempdir().unwrap();
    let writer = Writer::spawn(&dir.path().join("hark.db")).unwrap();
    let who = Identity {
        me: "sam".into(),
        machine: "sam-laptop".into(),
        share_dms: true,
    };
    let sync = Sync::start(db, writer.handle(), who, vec![], Arc::new(Held::default()))
        .await
        .unwrap();
    let mut link = sync.link.clone();
    let link = tokio::time::timeout(
        Duration::from_secs(10),
        link.wait_for(|l| matches!(l, Link::Offline { .. })),
    )
    .await
    .unwrap()
    .unwrap()
    .clone();
    let Link::Offline { reason } = link else {
        unreachable!()
    };
    assert!(
        reason.contains("password authentication failed"),
        "{reason}"
    );
    assert!(!reason.contains(wrong), "{reason}");
}
