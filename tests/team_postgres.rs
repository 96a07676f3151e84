//! Team mode on a real PostgreSQL: a private cluster in a temporary directory on
//! 127.0.0.1, started once for this test binary from the Debian server binaries (as the
//! Bluesky network's harness does), each test in a database of its own. Runs with
//! `HARK_POSTGRES=1`; otherwise each test says it was skipped and passes.

use std::collections::HashSet;
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

mod support;
use hark::team::cluster::Cluster;

/// The superuser's password: the cluster asks for it on TCP (scram-sha-256).
const PASSWORD_ENV: &str = "HARK_TEST_TEAM_PASSWORD";

static CLUSTER: OnceLock<Option<Cluster>> = OnceLock::new();
static NEXT_DB: AtomicUsize = AtomicUsize::new(0);

extern "C" fn stop_cluster() {
    if let Some(Some(cluster)) = CLUSTER.get() {
        cluster.shut();
    }
}

/// The binary's cluster (the library's private one: it stops the clusters of test runs
/// that were killed, and dies with this process).
fn start_cluster() -> Cluster {
    let cluster = Cluster::start().expect("a private PostgreSQL");
    unsafe { libc::atexit(stop_cluster) };
    std::env::set_var(PASSWORD_ENV, &cluster.password);
    cluster
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
    let admin = db(&cluster.url("postgres"), cluster);
    let client = admin.connect().await.unwrap();
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    let url = cluster.url(&name);
    let mut client = db(&url, cluster).connect().await.unwrap();
    hark::store::team_pg::migrate(&mut client).await.unwrap();
    url
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
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

    /// The CM marks item `id` `to`, as the state keys do.
    async fn set_state(&self, id: i64, to: ItemState) -> hark::command::Done {
        self.run(Command::SetState {
            ids: vec![id],
            to,
            only_from: None,
            actor: "user",
        })
        .await
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
        room: None,
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
    sam.set_state(at_sam, ItemState::Done).await;
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

    // Assignment, away and held moderation travel too: sam (a moderator) assigns the item
    // to ana; ana goes away; ana's delete waits in sam's Approvals.
    for (who, me) in [(&sam, "sam"), (&ana, "ana")] {
        let local = hark::store::team::Local {
            me: me.into(),
            members: vec!["sam".into(), "ana".into()],
            moderators: vec!["sam".into()],
            auto_assign: None,
        };
        who.w
            .call(move |conn| hark::store::team::set_local(conn, Some(&local)))
            .await
            .unwrap();
    }
    sam.run(Command::Assign {
        ids: vec![at_sam],
        to: Some("ana".into()),
    })
    .await;
    eventually("the assignment in ana's cache", || async {
        ana.query(
            "SELECT assignee FROM items WHERE external_id = '1001'",
            |r| r.get::<_, Option<String>>(0),
        )
        .await
            == [Some("ana".to_string())]
    })
    .await;
    ana.run(Command::SetAway { away: true }).await;
    ana.run(Command::Moderate {
        ids: vec![at_ana],
        kind: "delete",
        payload: serde_json::json!({}),
    })
    .await;
    eventually("ana away and her delete held, in sam's cache", || async {
        let away = sam
            .query("SELECT name FROM team_away", |r| r.get::<_, String>(0))
            .await;
        let held = sam
            .query(
                "SELECT kind || ' by ' || requested_by || ' ' || state FROM approvals",
                |r| r.get::<_, String>(0),
            )
            .await;
        away == ["ana"] && held == ["delete by ana pending"]
    })
    .await;
    // `hark team status` reads who is away from the team's copy.
    let client = db(&url, cluster).connect().await.unwrap();
    assert_eq!(hark::store::team_pg::away(&client).await.unwrap(), ["ana"]);
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
    be_member(&sam, "sam").await;
    be_member(&ana, "ana").await;
    sam.ingest("brand-chirp", &["2001", "2002"]).await;
    eventually("both items at ana's", || async {
        ana.item_id("2002").await.is_some()
    })
    .await;

    // ana goes offline and keeps working: 2001 open, a tag on 2002.
    ana.disconnect();
    let a1 = ana.item_id("2001").await.unwrap();
    let a2 = ana.item_id("2002").await.unwrap();
    ana.set_state(a1, ItemState::Open).await;
    ana.run(Command::Tag {
        ids: vec![a2],
        tag: "wholesale".into(),
        remove: false,
    })
    .await;
    // Meanwhile sam marks 2001 done (committed first in the team).
    let s1 = sam.item_id("2001").await.unwrap();
    sam.set_state(s1, ItemState::Done).await;
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
    // Both changes are in the item's history everywhere, each with who made it.
    for who in [&sam, &ana] {
        eventually("both state changes of 2001 in each history", || async {
            item_history(who, "2001").await == ["state sam new>done", "state ana new>open"]
        })
        .await;
    }

    // ben joins after the conflict: his cache records it from the team's change, and his
    // first upload (the history he holds) does not send it back: one conflict each.
    let ben = Instance::new(&url, cluster, "ben-laptop", "ben").await;
    eventually(
        "ben's upload done, with the conflict in his cache",
        || async {
            let done = ben
                .w
                .call(|c| hark::store::team_join::state(c))
                .await
                .unwrap()
                .is_some_and(|j| j.at.done());
            done && conflicts_at(&ben, "2001").await == 1
        },
    )
    .await;
    let client = db(&url, cluster).connect().await.unwrap();
    let kept_local: i64 = client
        .query_one(
            "SELECT count(*) FROM team_rows
             WHERE tbl = 'events' AND fields ->> 'kind' IN ('team_conflict', 'undo')",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(kept_local, 0, "no machine sends the conflicts it recorded");
    for who in [&sam, &ana] {
        caught_up(who, &client).await;
        assert_eq!(conflicts_at(who, "2001").await, 1);
    }
    assert_eq!(item_history(&ben, "2001").await.len(), 2);
}

/// sam's weekly report, run on sam's machine, sees what ana did on hers: her "done"
/// closes the item in the waiting figure (read from the item's state changes at the
/// period's end, not from its state now) and counts as handled by ana; her assignment
/// counts for its assignee.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_report_on_sam_s_machine_counts_what_ana_did_on_hers() {
    let Some(cluster) = cluster("the_report_on_sam_s_machine_counts_what_ana_did_on_hers") else {
        return;
    };
    let url = team_database(cluster).await;
    let sam = Instance::new(&url, cluster, "sam-laptop", "sam").await;
    let ana = Instance::new(&url, cluster, "ana-laptop", "ana").await;
    be_member(&sam, "sam").await;
    be_member(&ana, "ana").await;
    sam.ingest("brand-chirp", &["3001", "3002"]).await;
    eventually("both items at ana's", || async {
        ana.item_id("3002").await.is_some()
    })
    .await;
    // The report's waiting figure: needing a reply for over a minute at its end.
    let waiting = || {
        sam.w.call(|conn| {
            Ok(hark::store::report::unanswered_at(conn, 0, 2_000, 60)?
                .into_iter()
                .collect::<Vec<_>>())
        })
    };
    assert_eq!(waiting().await.unwrap(), [("chirp".to_string(), 2)]);

    // ana answers 3001 another way and marks it done; she assigns 3002 to sam.
    let a1 = ana.item_id("3001").await.unwrap();
    let a2 = ana.item_id("3002").await.unwrap();
    ana.set_state(a1, ItemState::Done).await;
    ana.run(Command::Assign {
        ids: vec![a2],
        to: Some("sam".into()),
    })
    .await;
    eventually("ana's done in 3001's history at sam's", || async {
        item_history(&sam, "3001").await == ["state ana new>done"]
    })
    .await;
    let assigned = sam
        .query(
            "SELECT e.actor || ' ' || e.cm || ' to ' || json_extract(e.detail, '$.to')
             FROM events e
             JOIN items i ON i.id = e.item_id
             WHERE i.external_id = '3002' AND e.kind = 'assign'",
            |r| r.get::<_, String>(0),
        )
        .await;
    assert_eq!(assigned, ["user ana to sam"]);

    // Only 3002 still waits for a reply at the period's end.
    assert_eq!(waiting().await.unwrap(), [("chirp".to_string(), 1)]);
    let team = sam
        .w
        .call(|conn| Ok(hark::store::report::team(conn, 0, 2_000)?))
        .await
        .unwrap();
    assert_eq!(team.handled, [("ana".to_string(), 1)]);
    assert_eq!(team.assignments, [("sam".to_string(), 1)]);
}

/// `u` takes back this machine's own last change only: ana's changes reach sam's history
/// with no undo group of his (her batch number means nothing here), and her undo does not
/// mark sam's batch of the same number as undone.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn u_takes_back_this_machine_s_change_never_one_of_another_s_batch_number() {
    let Some(cluster) =
        cluster("u_takes_back_this_machine_s_change_never_one_of_another_s_batch_number")
    else {
        return;
    };
    for ana_undoes in [false, true] {
        let url = team_database(cluster).await;
        let sam = Instance::new(&url, cluster, "sam-laptop", "sam").await;
        let mut ana = Instance::new(&url, cluster, "ana-laptop", "ana").await;
        be_member(&sam, "sam").await;
        be_member(&ana, "ana").await;
        sam.ingest("brand-chirp", &["4001", "4002"]).await;
        eventually("both items at ana's", || async {
            ana.item_id("4002").await.is_some()
        })
        .await;
        // Offline, ana opens 4001 (her cache's first batch), perhaps undoing it; sam
        // marks 4002 done (his first batch: the same number).
        ana.disconnect();
        let a1 = ana.item_id("4001").await.unwrap();
        ana.set_state(a1, ItemState::Open).await;
        if ana_undoes {
            ana.run(Command::Undo).await;
        }
        let s2 = sam.item_id("4002").await.unwrap();
        sam.set_state(s2, ItemState::Done).await;
        ana.connect().await;
        let expected: &[&str] = if ana_undoes {
            &["state ana new>open", "state ana open>new"]
        } else {
            &["state ana new>open"]
        };
        eventually("ana's history of 4001 at sam's", || async {
            item_history(&sam, "4001").await == expected
        })
        .await;

        let undone = sam.run(Command::Undo).await;
        let hark::command::Done::Undone(Some(undone)) = undone else {
            panic!("sam's own change is his to undo ({ana_undoes}): {undone:?}")
        };
        assert_eq!(undone.items, [s2]);
        let states = sam
            .query(
                "SELECT external_id || ' ' || state FROM items ORDER BY external_id",
                |r| r.get::<_, String>(0),
            )
            .await;
        let ana_s = if ana_undoes { "4001 new" } else { "4001 open" };
        assert_eq!(states, [ana_s, "4002 new"], "ana undoes: {ana_undoes}");
    }
}

/// The item's history in `who`'s cache, oldest first: "kind cm from>to".
async fn item_history(who: &Instance, external: &'static str) -> Vec<String> {
    who.w
        .call(move |conn| {
            let mut stmt = conn.prepare(
                "SELECT e.kind || ' ' || coalesce(e.cm, '-') || ' '
                        || coalesce(e.from_state, '') || '>' || coalesce(e.to_state, '')
                 FROM events e JOIN items i ON i.id = e.item_id
                 WHERE i.external_id = ? AND e.kind != 'team_conflict'
                 ORDER BY e.at, e.cm = 'ana', e.id",
            )?;
            let rows = stmt
                .query_map([external], |r| r.get(0))?
                .collect::<rusqlite::Result<Vec<String>>>()?;
            Ok(rows)
        })
        .await
        .unwrap()
}

/// How many conflicts `who`'s item pane shows on the item.
async fn conflicts_at(who: &Instance, external: &'static str) -> usize {
    let Some(item) = who.item_id(external).await else {
        return 0;
    };
    who.w
        .call(move |conn| team_sync::conflicts_of(conn, item))
        .await
        .unwrap()
        .len()
}

/// Waits until `who`'s cache has applied every change the team holds.
async fn caught_up(who: &Instance, client: &tokio_postgres::Client) {
    let last: i64 = client
        .query_one("SELECT coalesce(max(seq), 0) FROM team_changes", &[])
        .await
        .unwrap()
        .get(0);
    let followed = who.sync.as_ref().unwrap().followed.clone();
    eventually("the cache caught up with the team", || {
        let followed = followed.clone();
        async move { *followed.borrow() >= last }
    })
    .await;
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

/// A platform both machines read: items in arrival order, the cursor is how many were
/// read; every fetch and every reply is recorded with the machine that made it.
#[derive(Default)]
struct Feed {
    items: std::sync::Mutex<Vec<&'static str>>,
    fetches: std::sync::Mutex<Vec<(String, Option<String>)>>,
    replies: std::sync::Mutex<Vec<(String, String)>>,
}

struct FeedConnector {
    feed: Arc<Feed>,
    machine: String,
}

#[async_trait::async_trait]
impl hark::platform::Connector for FeedConnector {
    fn platform(&self) -> &str {
        "chirp"
    }

    fn capabilities(&self) -> hark::platform::Capabilities {
        hark::platform::Capabilities {
            reply_limit: None,
            direct_messages: false,
            moderation: vec![],
        }
    }

    async fn fetch(
        &self,
        cursor: Option<&str>,
    ) -> Result<hark::platform::FetchPage, hark::platform::PlatformError> {
        self.feed
            .fetches
            .lock()
            .unwrap()
            .push((self.machine.clone(), cursor.map(str::to_string)));
        let from: usize = cursor.and_then(|c| c.parse().ok()).unwrap_or(0);
        let items = self.feed.items.lock().unwrap().clone();
        Ok(hark::platform::FetchPage {
            items: items[from.min(items.len())..]
                .iter()
                .rev()
                .map(|e| new_item(e))
                .collect(),
            next_cursor: Some(items.len().to_string()),
            more: false,
            unreadable: vec![],
            filtered: vec![],
            beyond_lookback: vec![],
            rooms: vec![],
            gone: vec![],
            resolved: vec![],
        })
    }

    async fn reply(
        &self,
        _target: &hark::domain::Target,
        _text: &str,
        idempotency_key: &str,
    ) -> Result<String, hark::platform::PlatformError> {
        self.feed
            .replies
            .lock()
            .unwrap()
            .push((self.machine.clone(), idempotency_key.to_string()));
        // A slow platform: the other machine has every chance to try the same row.
        tokio::time::sleep(Duration::from_millis(200)).await;
        Ok(format!("reply-{idempotency_key}"))
    }
}

fn team_config(url: &str, machine: &str, me: &str) -> hark::team::config::TeamConfig {
    hark::team::config::TeamConfig {
        database: url.to_string(),
        password_env: Some(PASSWORD_ENV.into()),
        password_cmd: None,
        ca_file: None,
        machine: Some(machine.into()),
        me: me.into(),
        members: vec![],
        moderators: vec![],
        auto_assign: None,
        share_dms: true,
    }
}

/// A whole machine of the team: cache, team mode and a poller for the shared account.
struct Machine {
    _dir: tempfile::TempDir,
    _writer: Writer,
    w: WriterHandle,
    team: hark::team::Team,
    poller: tokio::task::JoinHandle<()>,
    account_id: i64,
    connector: Arc<FeedConnector>,
    _status: tokio::sync::mpsc::UnboundedReceiver<hark::poller::StatusUpdate>,
}

const INTERVAL: Duration = Duration::from_millis(1500);

impl Machine {
    async fn start(url: &str, feed: &Arc<Feed>, machine: &str, me: &str) -> Machine {
        let dir = tempfile::tempdir().unwrap();
        let writer = Writer::spawn(&dir.path().join("hark.db")).unwrap();
        let w = writer.handle();
        let team = hark::team::Team::start(
            &team_config(url, machine, me),
            w.clone(),
            vec!["brand-chirp".into()],
            INTERVAL,
        )
        .await
        .unwrap();
        let account_id = w
            .call(|c| ingest::ensure_account(c, "brand-chirp", "chirp", "@brand"))
            .await
            .unwrap();
        let connector = Arc::new(FeedConnector {
            feed: feed.clone(),
            machine: machine.into(),
        });
        let (status_tx, status) = tokio::sync::mpsc::unbounded_channel();
        let config = hark::config::Config::parse("", Path::new("config.toml")).unwrap();
        let analyzer = Arc::new(hark::sentiment::Analyzer::new(&config.sentiment_settings()));
        let poller = team.spawn_poller(hark::poller::Poller {
            account_id,
            account: "brand-chirp".into(),
            connector: connector.clone(),
            writer: w.clone(),
            pipeline: Arc::new(hark::ingest::Pipeline::new(analyzer)),
            schedule: hark::poller::Schedule {
                interval: INTERVAL,
                base_backoff: Duration::from_millis(200),
                max_backoff: Duration::from_secs(1),
            },
            status: status_tx,
        });
        Machine {
            _dir: dir,
            _writer: writer,
            w,
            team,
            poller,
            account_id,
            connector,
            _status: status,
        }
    }

    fn kill(&self) {
        self.poller.abort();
        self.team.abort();
    }

    async fn externals(&self) -> Vec<String> {
        self.w
            .call(|conn| {
                let mut stmt =
                    conn.prepare("SELECT external_id FROM items ORDER BY external_id")?;
                let rows = stmt
                    .query_map([], |r| r.get::<_, String>(0))?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                Ok(rows)
            })
            .await
            .unwrap()
    }
}

async fn poll_lease_holder(url: &str, cluster: &Cluster) -> Option<(String, i64)> {
    let client = db(url, cluster).connect().await.unwrap();
    hark::store::team_pg::poll_leases(&client)
        .await
        .unwrap()
        .into_iter()
        .map(|(_, machine, _, left)| (machine, left))
        .next()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn killing_the_polling_machine_hands_the_account_over_from_the_synced_cursor() {
    let Some(cluster) =
        cluster("killing_the_polling_machine_hands_the_account_over_from_the_synced_cursor")
    else {
        return;
    };
    let url = team_database(cluster).await;
    let feed = Arc::new(Feed::default());
    feed.items.lock().unwrap().extend(["3001", "3002", "3003"]);
    let sam = Machine::start(&url, &feed, "sam-laptop", "sam").await;
    let ana = Machine::start(&url, &feed, "ana-laptop", "ana").await;
    let first = ["3001", "3002", "3003"].map(String::from).to_vec();
    for m in [&sam, &ana] {
        eventually("the first items in both caches", || async {
            m.externals().await == first
        })
        .await;
    }
    // Exactly one machine polled: the other has them from the team.
    let holder = poll_lease_holder(&url, cluster).await.unwrap().0;
    let pollers: HashSet<String> = feed
        .fetches
        .lock()
        .unwrap()
        .iter()
        .map(|(m, _)| m.clone())
        .collect();
    assert_eq!(
        pollers,
        HashSet::from([holder.clone()]),
        "one poller per account"
    );

    // The holder dies (no goodbye); the platform moves on.
    let (dead, alive) = if holder == "sam-laptop" {
        (&sam, &ana)
    } else {
        (&ana, &sam)
    };
    dead.kill();
    let fetched_before = feed.fetches.lock().unwrap().len();
    feed.items.lock().unwrap().extend(["3004", "3005"]);
    let all = ["3001", "3002", "3003", "3004", "3005"]
        .map(String::from)
        .to_vec();
    eventually("the survivor polls the new items", || async {
        alive.externals().await == all
    })
    .await;

    // It took over from the cursor the dead machine stored, not from the start.
    let alive_name = alive.connector.machine.clone();
    let takeover: Vec<Option<String>> = feed.fetches.lock().unwrap()[fetched_before..]
        .iter()
        .filter(|(m, _)| *m == alive_name)
        .map(|(_, c)| c.clone())
        .collect();
    assert_eq!(
        takeover.first(),
        Some(&Some("3".to_string())),
        "{takeover:?}"
    );
    assert_eq!(
        poll_lease_holder(&url, cluster).await.unwrap().0,
        alive_name
    );
    // Nothing stored twice: one row per item in the team.
    let client = db(&url, cluster).connect().await.unwrap();
    let rows: i64 = client
        .query_one("SELECT count(*) FROM team_rows WHERE tbl = 'items'", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(rows, 5);
    let _ = alive.account_id;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_machines_racing_for_one_outbox_row_send_it_once() {
    let Some(cluster) = cluster("two_machines_racing_for_one_outbox_row_send_it_once") else {
        return;
    };
    let url = team_database(cluster).await;
    let feed = Arc::new(Feed::default());
    feed.items.lock().unwrap().push("4001");
    let sam = Machine::start(&url, &feed, "sam-laptop", "sam").await;
    let ana = Machine::start(&url, &feed, "ana-laptop", "ana").await;
    for m in [&sam, &ana] {
        eventually("the item in both caches", || async {
            m.externals().await == ["4001"]
        })
        .await;
    }
    let item = sam
        .w
        .call(|c| Ok(c.query_row("SELECT id FROM items", [], |r| r.get::<_, i64>(0))?))
        .await
        .unwrap();
    sam.w
        .call(move |conn| {
            Command::QueueReply {
                item_id: item,
                text: "So sorry, a fresh one is on us".into(),
                replaces: None,
            }
            .apply(conn, 1_000)
        })
        .await
        .unwrap();
    eventually("the queued reply at ana's", || async {
        ana.w
            .call(|c| Ok(c.query_row("SELECT count(*) FROM outbox", [], |r| r.get::<_, i64>(0))?))
            .await
            .unwrap()
            == 1
    })
    .await;
    // Both outbox workers go for it at once, several rounds each.
    let worker = |m: &Machine| {
        let mut w = hark::outbox::worker::Worker::new(
            m.w.clone(),
            std::collections::HashMap::from([(
                m.account_id,
                m.connector.clone() as Arc<dyn hark::platform::Connector>,
            )]),
        );
        w.gate = Some(m.team.gate.clone());
        w
    };
    let (ws, wa) = (worker(&sam), worker(&ana));
    for _ in 0..3 {
        let (a, b) = tokio::join!(ws.run_once(), wa.run_once());
        a.unwrap();
        b.unwrap();
    }
    assert_eq!(
        feed.replies.lock().unwrap().len(),
        1,
        "{:?}",
        feed.replies.lock().unwrap()
    );
    for m in [&sam, &ana] {
        eventually("sent in both caches", || async {
            m.w.call(
                |c| Ok(c.query_row("SELECT state FROM outbox", [], |r| r.get::<_, String>(0))?),
            )
            .await
            .unwrap()
                == "sent"
        })
        .await;
    }
    // Later rounds on either machine never send it again.
    let (a, b) = tokio::join!(ws.run_once(), wa.run_once());
    a.unwrap();
    b.unwrap();
    assert_eq!(feed.replies.lock().unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn with_share_dms_off_a_dm_stays_in_the_cache_that_polled_it() {
    let Some(cluster) = cluster("with_share_dms_off_a_dm_stays_in_the_cache_that_polled_it") else {
        return;
    };
    let url = team_database(cluster).await;
    let mut sam = Instance::new(&url, cluster, "sam-laptop", "sam").await;
    sam.disconnect();
    sam.who.share_dms = false;
    sam.connect().await;
    let ana = Instance::new(&url, cluster, "ana-laptop", "ana").await;
    sam.w
        .call(|conn| {
            let account = ingest::ensure_account(conn, "brand-chirp", "chirp", "@brand")?;
            let mut dm = new_item("5001");
            dm.kind = ItemKind::Dm;
            let items = vec![
                ingest::Incoming::from(dm),
                ingest::Incoming::from(new_item("5002")),
            ];
            ingest::ingest(conn, account, &items, None, 10)?;
            Ok(())
        })
        .await
        .unwrap();
    let dm = sam.item_id("5001").await.unwrap();
    sam.run(Command::Tag {
        ids: vec![dm],
        tag: "vip".into(),
        remove: false,
    })
    .await;
    eventually("the mention at ana's", || async {
        ana.item_id("5002").await.is_some()
    })
    .await;
    // Everything sam sent has been applied at ana's by now (one push, in order).
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        ana.item_id("5001").await,
        None,
        "the DM stays on sam's machine"
    );
    assert!(ana
        .query("SELECT tag FROM tags", |r| r.get::<_, String>(0))
        .await
        .is_empty());
    let client = db(&url, cluster).connect().await.unwrap();
    let dms: i64 = client
        .query_one(
            "SELECT count(*) FROM team_rows WHERE tbl <> 'authors' AND key LIKE '%5001%'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(dms, 0, "the team database holds no trace of the DM");
    // Nor of its history: the mention's tag goes (with its event), the DM's stays.
    let mention = sam.item_id("5002").await.unwrap();
    sam.run(Command::Tag {
        ids: vec![mention],
        tag: "wholesale".into(),
        remove: false,
    })
    .await;
    eventually("the mention's tag at ana's", || async {
        ana.query("SELECT tag FROM tags", |r| r.get::<_, String>(0))
            .await
            == ["wholesale"]
    })
    .await;
    let events: Vec<String> = client
        .query(
            "SELECT fields ->> 'item_id' FROM team_rows WHERE tbl = 'events'",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(events.len(), 1, "{events:?}");
    assert!(events[0].contains("5002"), "{events:?}");
}

fn hark(config: &Path, data: &Path, args: &[&str]) -> (bool, String) {
    let out = Proc::new(env!("CARGO_BIN_EXE_hark"))
        .arg("--config")
        .arg(config)
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn team_init_creates_the_schema_and_status_shows_machines_and_pollers() {
    let Some(cluster) =
        cluster("team_init_creates_the_schema_and_status_shows_machines_and_pollers")
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    // Without [team]: team mode is off, and says so.
    let plain = dir.path().join("plain.toml");
    std::fs::write(&plain, "").unwrap();
    let (ok, text) = hark(&plain, &data, &["team", "status"]);
    assert!(!ok && text.contains("team mode is off"), "{text}");

    // A database the schema is not in yet.
    let admin = db(
        &format!(
            "postgres://postgres@127.0.0.1:{}/postgres?sslmode=disable",
            cluster.port
        ),
        cluster,
    );
    let name = format!("team_cli_{}", std::process::id());
    admin
        .connect()
        .await
        .unwrap()
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    let url = format!(
        "postgres://postgres@127.0.0.1:{}/{name}?sslmode=disable",
        cluster.port
    );
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!("[team]\ndatabase = \"{url}\"\npassword_env = \"{PASSWORD_ENV}\"\nme = \"sam\"\nmachine = \"sam-laptop\"\n"),
    )
    .unwrap();
    let (ok, text) = hark(&config, &data, &["team", "status"]);
    assert!(!ok && text.contains("run `hark team init`"), "{text}");
    let (ok, text) = hark(&config, &data, &["team", "init"]);
    assert!(ok && text.contains("is ready (schema 0 ->"), "{text}");
    let (ok, text) = hark(&config, &data, &["team", "init"]);
    assert!(ok && text.contains("is up to date"), "{text}");
    assert!(!text.contains(&cluster.password), "{text}");

    // ana's machine runs hark and polls the account: status names it.
    let feed = Arc::new(Feed::default());
    let ana = Machine::start(&url, &feed, "ana-laptop", "ana").await;
    // Her lease and her machine's first heartbeat are two tasks' writes: wait for both.
    eventually("ana's lease and heartbeat", || async {
        poll_lease_holder(&url, cluster).await.is_some()
            && !hark(&config, &data, &["team", "status"])
                .1
                .contains("none has run hark")
    })
    .await;
    let (ok, text) = hark(&config, &data, &["team", "status"]);
    assert!(ok, "{text}");
    assert!(
        text.contains("ana-laptop") && text.contains("online"),
        "{text}"
    );
    assert!(
        text.contains("brand-chirp") && text.contains("polled by ana-laptop (ana)"),
        "{text}"
    );
    drop(ana);
}

/// Cut off from the team (its database does not answer), a queued reply is not sent and the
/// cache says it waits, which the status bar shows ("offline from the team: 1 reply
/// waiting").
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn cut_off_from_the_team_a_queued_reply_is_counted_as_waiting() {
    let Some(cluster) = cluster("cut_off_from_the_team_a_queued_reply_is_counted_as_waiting")
    else {
        return;
    };
    // Nobody listens on this port: this machine is cut off from the start.
    let url = format!(
        "postgres://postgres@127.0.0.1:{}/nowhere?sslmode=disable",
        free_port()
    );
    let sam = Instance::new(&url, cluster, "sam-laptop", "sam").await;
    sam.ingest("brand-chirp", &["2001"]).await;
    let id = sam.item_id("2001").await.unwrap();
    sam.run(Command::QueueReply {
        item_id: id,
        text: "on it".into(),
        replaces: None,
    })
    .await;
    eventually("the reply counted as waiting for the team", || async {
        sam.w
            .call(|c| hark::store::outbox_read::waiting_for_team(c))
            .await
            .unwrap()
            == Some(1)
    })
    .await;
}

/// This CM's `[team]` facts in an instance's cache (who "me" is for the outbox's `cm`).
async fn be_member(who: &Instance, me: &str) {
    let local = hark::store::team::Local {
        me: me.into(),
        members: vec!["sam".into(), "ana".into()],
        moderators: vec!["sam".into()],
        auto_assign: None,
    };
    who.w
        .call(move |conn| hark::store::team::set_local(conn, Some(&local)))
        .await
        .unwrap();
}

/// sam looks at an item: ana's hark sees it at once (NOTIFY), then sam typing; sam moving
/// away shows at once too. sam's hark crashes (no more heartbeats): ana sees sam until
/// the row's expiry, not after. None of it enters the team's change sequence.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn presence_appears_in_the_other_instance_and_runs_out_without_heartbeats() {
    use hark::team::presence::{self, Doing, Here, PresenceConfig};
    let Some(cluster) =
        cluster("presence_appears_in_the_other_instance_and_runs_out_without_heartbeats")
    else {
        return;
    };
    let url = team_database(cluster).await;
    let sam = Instance::new(&url, cluster, "sam-laptop", "sam").await;
    let ana = Instance::new(&url, cluster, "ana-laptop", "ana").await;
    sam.ingest("brand-chirp", &["2001", "2002"]).await;
    eventually("the items in ana's cache", || async {
        ana.item_id("2002").await.is_some()
    })
    .await;
    let (at_sam, at_ana) = (
        sam.item_id("2001").await.unwrap(),
        ana.item_id("2001").await.unwrap(),
    );
    let team = db(&url, cluster).connect().await.unwrap();
    let seq_before = hark::store::team_pg::last_seq(&team).await.unwrap();

    // The product's expiry is 15 s; here 3 s, renewed every half second.
    assert_eq!(PresenceConfig::default().ttl, Duration::from_secs(15));
    let config = PresenceConfig {
        ttl: Duration::from_secs(3),
        beat: Duration::from_millis(500),
    };
    let sam_p = presence::spawn(db(&url, cluster), sam.w.clone(), sam.who.clone(), config);
    // ana's own heartbeat is slow: what she sees within a second came by NOTIFY, and an
    // expiry by her timer set to it, not by a periodic read.
    let slow = PresenceConfig {
        ttl: Duration::from_secs(60),
        beat: Duration::from_secs(30),
    };
    let ana_p = presence::spawn(db(&url, cluster), ana.w.clone(), ana.who.clone(), slow);
    let seen_by_ana = || ana_p.others.borrow().on(at_ana).to_vec();

    sam_p.doing.send_replace(Doing {
        item: Some(at_sam),
        typing: false,
    });
    eventually("sam viewing, at ana's", || async {
        seen_by_ana()
            == [Here {
                cm: "sam".into(),
                typing: false,
            }]
    })
    .await;
    let changed = Instant::now();
    sam_p.doing.send_replace(Doing {
        item: Some(at_sam),
        typing: true,
    });
    eventually("sam typing, at ana's", || async {
        seen_by_ana()
            == [Here {
                cm: "sam".into(),
                typing: true,
            }]
    })
    .await;
    assert!(
        changed.elapsed() < Duration::from_secs(1),
        "{:?}",
        changed.elapsed()
    );
    // ana does not see herself.
    ana_p.doing.send_replace(Doing {
        item: Some(at_ana),
        typing: false,
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(seen_by_ana().len(), 1);
    eventually("ana viewing, at sam's", || async {
        sam_p.others.borrow().on(at_sam).len() == 1
    })
    .await;

    // sam moves on to nothing: gone at once, well before any expiry.
    let moved = Instant::now();
    sam_p.doing.send_replace(Doing::default());
    eventually("sam gone, at ana's", || async { seen_by_ana().is_empty() }).await;
    assert!(
        moved.elapsed() < Duration::from_secs(2),
        "{:?}",
        moved.elapsed()
    );

    // sam again, then a crash: the row stays until it runs out, then goes by itself.
    sam_p.doing.send_replace(Doing {
        item: Some(at_sam),
        typing: true,
    });
    eventually("sam back, at ana's", || async { !seen_by_ana().is_empty() }).await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    sam_p.abort();
    let crashed = Instant::now();
    tokio::time::sleep(Duration::from_millis(1_000)).await;
    assert!(!seen_by_ana().is_empty(), "still there before its expiry");
    eventually("sam's row ran out, at ana's", || async {
        seen_by_ana().is_empty()
    })
    .await;
    let gone = crashed.elapsed();
    assert!(
        gone >= Duration::from_millis(2_000) && gone < Duration::from_millis(4_500),
        "gone {gone:?} after the crash, with a 3 s expiry renewed every 0.5 s"
    );

    // Presence never entered the change log.
    assert_eq!(
        hark::store::team_pg::last_seq(&team).await.unwrap(),
        seq_before
    );
    drop(ana_p);
}

/// ana answers an item while sam's composer is open on it: sam's send asks first (nothing
/// queued), also cut off from the team, from what the cache knows; told once, it goes.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_stale_reply_asks_first() {
    use hark::command::Done;
    use hark::store::answered::Seen;
    let Some(cluster) = cluster("a_stale_reply_asks_first") else {
        return;
    };
    let url = team_database(cluster).await;
    let mut sam = Instance::new(&url, cluster, "sam-laptop", "sam").await;
    let ana = Instance::new(&url, cluster, "ana-laptop", "ana").await;
    be_member(&sam, "sam").await;
    be_member(&ana, "ana").await;
    sam.ingest("brand-chirp", &["3001"]).await;
    eventually("the item in ana's cache", || async {
        ana.item_id("3001").await.is_some()
    })
    .await;
    let (at_sam, at_ana) = (
        sam.item_id("3001").await.unwrap(),
        ana.item_id("3001").await.unwrap(),
    );
    // sam's composer opens: it has seen no reply.
    let seen = Seen::default();
    ana.run(Command::QueueReply {
        item_id: at_ana,
        text: "Hi! A courier picks a fresh one up today".into(),
        replaces: None,
    })
    .await;
    eventually("ana's reply in sam's cache", || async {
        sam.query("SELECT cm FROM outbox", |r| r.get::<_, Option<String>>(0))
            .await
            == [Some("ana".to_string())]
    })
    .await;
    sam.disconnect();
    let send = |seen: Seen| Command::QueueReplyUnanswered {
        item_id: at_sam,
        text: "so sorry, a new one ships today".into(),
        replaces: None,
        seen,
    };
    let Done::AnsweredMeanwhile(other) = sam.run(send(seen.clone())).await else {
        panic!("sent without asking");
    };
    assert_eq!(other.cm, "ana");
    assert_eq!(other.text, "Hi! A courier picks a fresh one up today");
    assert_eq!(
        sam.query("SELECT count(*) FROM outbox", |r| r.get::<_, i64>(0))
            .await,
        [1],
        "nothing queued before the CM answers"
    );
    let told = Seen {
        told: vec![other.id],
        ..seen
    };
    assert!(matches!(sam.run(send(told)).await, Done::Queued(_)));
}

/// A CM's config for the end-to-end test: the team on `url`, no account (the items come
/// from the team).
fn e2e_config(dir: &Path, url: &str, me: &str) -> PathBuf {
    let path = dir.join(format!("{me}.toml"));
    std::fs::write(
        &path,
        format!(
            "[team]\ndatabase = \"{url}\"\npassword_env = \"{PASSWORD_ENV}\"\nme = \"{me}\"\n\
             machine = \"{me}-laptop\"\nmembers = [\"sam\", \"ana\"]\n"
        ),
    )
    .unwrap();
    path
}

/// Two TUIs on one team, in real terminals: ana opens the composer on an item and sam's
/// inbox says she is typing; sam assigns the item to ana and it leaves ana's Unassigned
/// within a second, and is in her Mine.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_tuis_on_one_team_see_typing_and_assignments() {
    use support::tmux::Tmux;
    let Some(cluster) = cluster("two_tuis_on_one_team_see_typing_and_assignments") else {
        return;
    };
    let url = team_database(cluster).await;
    let dir = tempfile::tempdir().unwrap();
    let (sam_data, ana_data) = (dir.path().join("sam"), dir.path().join("ana"));
    let sam_config = e2e_config(dir.path(), &url, "sam");
    let ana_config = e2e_config(dir.path(), &url, "ana");
    // sam's cache holds three mentions before joining: they reach the team when sam's
    // hark starts, then ana's cache.
    {
        let text = std::fs::read_to_string(&sam_config).unwrap();
        let config = hark::config::Config::parse(&text, &sam_config).unwrap();
        let workspace =
            hark::workspace::Workspace::new(config, sam_config.clone(), sam_data.clone());
        let writer = workspace.open_store().unwrap();
        writer
            .handle()
            .call_blocking(|conn| {
                let account = ingest::ensure_account(conn, "brand-chirp", "chirp", "@brand")?;
                // 4003 the newest: the first row of both inboxes.
                let items: Vec<_> = ["4003", "4002", "4001"]
                    .iter()
                    .enumerate()
                    .map(|(i, e)| {
                        let mut item = new_item(e);
                        item.created_at = hark::domain::now() - 600 - 60 * i as i64;
                        ingest::Incoming::from(item)
                    })
                    .collect();
                ingest::ingest(conn, account, &items, None, hark::domain::now())?;
                Ok(())
            })
            .unwrap();
    }
    let command = |config: &Path, data: &Path| {
        format!(
            "{} --config {} --data-dir {}",
            env!("CARGO_BIN_EXE_hark"),
            config.display(),
            data.display()
        )
    };
    let sam = Tmux::start("team-sam", 140, 32, &command(&sam_config, &sam_data));
    sam.wait_for("sam's inbox", |s| s.contains("Inbox · 1/3"));
    let ana = Tmux::start("team-ana", 140, 32, &command(&ana_config, &ana_data));
    ana.wait_for("the team's items in ana's inbox", |s| {
        s.contains("Inbox · 1/3")
    });

    // ana replies to the first item (sam's cursor is on it too): sam sees her typing.
    ana.keys(&["r"]);
    ana.wait_for("ana's composer", |s| s.contains("Public reply to"));
    let screen = sam.wait_for("ana typing, on sam's screen", |s| {
        s.contains("✎ana") && s.contains("ana is typing a reply")
    });
    assert!(screen.contains("(4003)"), "{screen}");
    ana.keys(&["Escape"]);
    sam.wait_for("ana no longer typing, viewing", |s| {
        !s.contains("✎ana") && s.contains("◉ana")
    });

    // ana watches Unassigned; sam assigns the item to her.
    ana.keys(&[":"]);
    ana.text("view unassigned");
    ana.keys(&["Enter"]);
    ana.wait_for("ana's Unassigned with the item", |s| {
        s.contains("Unassigned · 1/3") && s.contains("(4003)")
    });
    sam.keys(&["A"]);
    sam.text("ana");
    sam.keys(&["Enter"]);
    sam.wait_for("the assignment, at sam's", |s| {
        s.contains("1 item assigned to ana")
    });
    let assigned = Instant::now();
    ana.wait_for("the item gone from ana's Unassigned", |s| {
        s.contains("Unassigned · 1/2") && !s.contains("(4003)")
    });
    let took = assigned.elapsed();
    assert!(took < Duration::from_secs(1), "took {took:?}");
    ana.keys(&[":"]);
    ana.text("view mine");
    ana.keys(&["Enter"]);
    ana.wait_for("the item in ana's Mine", |s| {
        s.contains("Mine · 1/1") && s.contains("(4003)")
    });
    sam.keys(&["q"]);
    ana.keys(&["q"]);
}

/// Stores `n` items (each by an author of its own) in a cache that has not joined yet.
async fn fill(w: &WriterHandle, n: usize) {
    w.call(move |conn| {
        let account = ingest::ensure_account(conn, "brand-chirp", "chirp", "@brand")?;
        let items: Vec<_> = (0..n)
            .map(|i| ingest::Incoming::from(new_item(&format!("j{i}"))))
            .collect();
        ingest::ingest(conn, account, &items, None, 10)?;
        Ok(())
    })
    .await
    .unwrap();
}

/// The advisory lock a test trigger waits on to hold an upload's chunk in mid-air.
const HOLD: i64 = 4242;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_big_cache_joins_in_chunks_and_resumes_after_a_cut_without_resending() {
    let Some(cluster) =
        cluster("a_big_cache_joins_in_chunks_and_resumes_after_a_cut_without_resending")
    else {
        return;
    };
    let url = team_database(cluster).await;
    let ana = Instance::new(&url, cluster, "ana-laptop", "ana").await;

    // sam's cache holds 2500 items (and their 2500 authors) when it joins the team.
    let dir = tempfile::tempdir().unwrap();
    let writer = Writer::spawn(&dir.path().join("hark.db")).unwrap();
    let w = writer.handle();
    fill(&w, 2500).await;
    // ... and the history of one item sam closed before joining.
    w.call(|conn| {
        let first: i64 =
            conn.query_row("SELECT id FROM items WHERE external_id = 'j0'", [], |r| {
                r.get(0)
            })?;
        Command::SetState {
            ids: vec![first],
            to: ItemState::Done,
            only_from: None,
            actor: "user",
        }
        .apply(conn, 900)
    })
    .await
    .unwrap();

    // The team database holds sam's fifth chunk (the second of items) in mid-air: its
    // ledger write waits on a lock the test keeps.
    let admin = db(&url, cluster).connect().await.unwrap();
    admin
        .batch_execute(&format!(
            "SELECT pg_advisory_lock({HOLD});
             CREATE FUNCTION hold_fifth() RETURNS trigger LANGUAGE plpgsql AS $$
             BEGIN
                 IF NEW.batch = 5 THEN PERFORM pg_advisory_xact_lock({HOLD}); END IF;
                 RETURN NEW;
             END $$;
             CREATE TRIGGER hold_fifth BEFORE INSERT OR UPDATE ON team_joins
             FOR EACH ROW EXECUTE FUNCTION hold_fifth();"
        ))
        .await
        .unwrap();
    let who = Identity {
        me: "sam".into(),
        machine: "sam-laptop".into(),
        share_dms: true,
    };
    let sync = Sync::start(
        db(&url, cluster),
        w.clone(),
        who,
        vec![],
        Arc::new(Held::default()),
    )
    .await
    .unwrap();
    let waiting = || async {
        admin
            .query_one(
                &format!(
                    "SELECT count(*) FROM pg_locks
                     WHERE locktype = 'advisory' AND objid = {HOLD} AND NOT granted"
                ),
                &[],
            )
            .await
            .unwrap()
            .get::<_, i64>(0)
            == 1
    };
    eventually("sam's fifth chunk waiting", waiting).await;

    // Meanwhile sam works: the write does not wait for the join.
    let first = w
        .call(|c| {
            Ok(c.query_row(
                "SELECT id FROM items WHERE external_id = 'j2499'",
                [],
                |r| r.get::<_, i64>(0),
            )?)
        })
        .await
        .unwrap();
    tokio::time::timeout(
        Duration::from_secs(5),
        w.call(move |conn| {
            Command::SetState {
                ids: vec![first],
                to: ItemState::Done,
                only_from: None,
                actor: "user",
            }
            .apply(conn, 1_000)
        }),
    )
    .await
    .expect("a write during the join waits at most a chunk")
    .unwrap();

    // The link is cut mid-chunk: the team has the four chunks it committed, and ana the
    // first 2000 items (the fifth chunk rolled back).
    admin
        .batch_execute(&format!(
            "SELECT pg_terminate_backend(pid) FROM pg_locks
             WHERE locktype = 'advisory' AND objid = {HOLD} AND NOT granted"
        ))
        .await
        .unwrap();
    let count = |sql: &'static str| {
        let ana = &ana;
        async move { ana.query(sql, |r| r.get::<_, i64>(0)).await[0] }
    };
    eventually("the first chunk of items at ana's", || async {
        count("SELECT count(*) FROM items").await == 2000
    })
    .await;
    let ledger: i64 = admin
        .query_one(
            "SELECT batch FROM team_joins WHERE machine = 'sam-laptop'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(
        ledger, 4,
        "four chunks committed: accounts, authors x2, items"
    );
    assert_eq!(count("SELECT count(*) FROM authors").await, 2500);

    // The lock goes: sam's engine reconnects and carries on from the fifth chunk.
    admin
        .batch_execute(&format!("SELECT pg_advisory_unlock({HOLD})"))
        .await
        .unwrap();
    eventually("all 2500 items at ana's", || async {
        count("SELECT count(*) FROM items").await == 2500
    })
    .await;
    eventually("sam's done at ana's", || async {
        ana.query("SELECT state FROM items WHERE external_id = 'j2499'", |r| {
            r.get::<_, String>(0)
        })
        .await
            == ["done"]
    })
    .await;
    eventually("sam's upload finished", || async {
        w.call(|c| hark::store::team_join::state(c))
            .await
            .unwrap()
            .is_some_and(|j| j.at.done())
    })
    .await;
    // Every row went up once: one change per item in the team's log (an item sent again
    // would show as a second change only if it differed, so count what the log holds
    // against what the caches hold), and the chunks never exceeded their bound.
    let changes: i64 = admin
        .query_one(
            "SELECT count(DISTINCT key) FROM team_changes WHERE tbl = 'items'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(changes, 2500);
    let batches: i64 = admin
        .query_one(
            "SELECT batch FROM team_joins WHERE machine = 'sam-laptop'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    let rows = 1 + 2500 + 2500;
    assert!(
        batches as usize >= rows / hark::team::sync::PUSH_CHUNK,
        "{batches} chunks"
    );
    assert!(w.call(|c| team_sync::pending_count(c)).await.unwrap() == 0);
    // The history went up with the rows, each event on its item at ana's: the one from
    // before the join and the one made during it.
    eventually(
        "sam's two state changes in the items' history at ana's",
        || async {
            let history = ana
                .query(
                    "SELECT i.external_id || ' ' || e.from_state || '>' || e.to_state
                 FROM events e JOIN items i ON i.id = e.item_id
                 WHERE e.kind = 'state' ORDER BY e.at",
                    |r| r.get::<_, String>(0),
                )
                .await;
            history == ["j0 new>done", "j2499 new>done"]
        },
    )
    .await;
    drop(sync);
}
