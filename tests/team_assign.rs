//! Team mode on one CM's cache: a non-moderator's delete waits for a moderator and the
//! outbox worker never sends it before; a rule assigns; who did each action is kept;
//! without `[team]` nothing changes.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use async_trait::async_trait;
use hark::command::{Command, Done};
use hark::config::Config;
use hark::domain::{ItemKind, NewAuthor, NewItem};
use hark::outbox::worker::Worker;
use hark::platform::{Capabilities, Connector, FetchPage, ModerationAction, PlatformError, Target};
use hark::store::ingest::{self, Incoming};
use hark::store::Writer;
use hark::workspace::Workspace;

const NOW: i64 = 1_764_000_000;

fn item(id: &str, body: &str) -> Incoming {
    Incoming::from(NewItem {
        external_id: id.into(),
        kind: ItemKind::Mention,
        parent_external_id: None,
        thread_external_id: None,
        author: NewAuthor {
            external_id: "u-troll".into(),
            handle: "@troll".into(),
            display_name: "Troll".into(),
            followers: Some(3),
        },
        body: body.into(),
        url: None,
        created_at: NOW - 60,
        raw_json: None,
        room: None,
    })
}

/// A connector that counts the moderation it is asked to do.
#[derive(Default)]
struct Counting {
    deletes: AtomicUsize,
    hides: AtomicUsize,
}

#[async_trait]
impl Connector for Counting {
    fn platform(&self) -> &str {
        "chirp"
    }
    fn capabilities(&self) -> Capabilities {
        Capabilities {
            reply_limit: None,
            direct_messages: false,
            moderation: vec!["hide", "delete"],
        }
    }
    async fn fetch(&self, _cursor: Option<&str>) -> Result<FetchPage, PlatformError> {
        Err(PlatformError::Unsupported("fetch"))
    }
    async fn reply(&self, _t: &Target, _text: &str, _key: &str) -> Result<String, PlatformError> {
        Err(PlatformError::Unsupported("reply"))
    }
    async fn moderate(&self, _t: &Target, action: ModerationAction) -> Result<(), PlatformError> {
        match action {
            ModerationAction::Delete => self.deletes.fetch_add(1, Ordering::SeqCst),
            ModerationAction::Hide => self.hides.fetch_add(1, Ordering::SeqCst),
            other => panic!("unexpected {other:?}"),
        };
        Ok(())
    }
}

/// Opens the cache as hark does at start-up with `config` (its `[team]` written to it).
fn open(dir: &Path, config: &str) -> (Workspace, Writer, i64) {
    let config = Config::parse(config, Path::new("config.toml")).unwrap();
    let workspace = Workspace::new(config, dir.join("config.toml"), dir.to_path_buf());
    let writer = workspace.open_store().unwrap();
    let account = writer
        .handle()
        .call_blocking(|c| ingest::ensure_account(c, "brand", "chirp", "@brand"))
        .unwrap();
    (workspace, writer, account)
}

fn team(me: &str) -> String {
    format!(
        "[team]\ndatabase = \"postgres://hark@127.0.0.1/team\"\nme = \"{me}\"\n\
         members = [\"ana\", \"ben\"]\nmoderators = [\"ana\"]\n"
    )
}

fn run(writer: &Writer, command: Command) -> Done {
    writer
        .handle()
        .call_blocking(move |c| command.apply(c, NOW))
        .unwrap()
}

fn rows<T: rusqlite::types::FromSql + Send + 'static>(
    writer: &Writer,
    sql: &'static str,
) -> Vec<T> {
    writer
        .handle()
        .call_blocking(move |c| {
            Ok(c.prepare(sql)?
                .query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<Vec<T>>>()?)
        })
        .unwrap()
}

#[tokio::test]
async fn a_non_moderators_delete_is_not_sent_until_a_moderator_approves_it() {
    let dir = tempfile::tempdir().unwrap();
    let (_ws, writer, account) = open(dir.path(), &team("ben"));
    let ids = writer
        .handle()
        .call_blocking(move |c| {
            Ok(ingest::ingest(
                c,
                account,
                &[item("t1", "abuse"), item("t2", "meh")],
                None,
                NOW,
            )?
            .inserted)
        })
        .unwrap();
    let connector = Arc::new(Counting::default());
    let worker = Worker::new(
        writer.handle(),
        HashMap::from([(account, connector.clone() as Arc<dyn Connector>)]),
    );

    // ben is no moderator: his delete waits; his hide is not held.
    let held = run(
        &writer,
        Command::Moderate {
            ids: vec![ids[0]],
            kind: "delete",
            payload: serde_json::json!({}),
        },
    );
    assert_eq!(
        held,
        Done::Held {
            kind: "delete",
            count: 1
        }
    );
    run(
        &writer,
        Command::Moderate {
            ids: vec![ids[1]],
            kind: "hide",
            payload: serde_json::json!({}),
        },
    );
    worker.run_once().await.unwrap();
    worker.run_once().await.unwrap();
    assert_eq!(
        connector.deletes.load(Ordering::SeqCst),
        0,
        "sent before approval"
    );
    assert_eq!(
        connector.hides.load(Ordering::SeqCst),
        1,
        "a hide is never held"
    );
    assert_eq!(rows::<String>(&writer, "SELECT kind FROM outbox"), ["hide"]);

    // ben cannot approve his own.
    let first = ids[0];
    let refused = writer
        .handle()
        .call_blocking(move |c| {
            Command::Decide {
                ids: vec![first],
                approve: true,
            }
            .apply(c, NOW)
        })
        .unwrap_err();
    assert!(refused.to_string().contains("only moderators"), "{refused}");
    drop(writer);

    // ana, a moderator, opens the same cache (as the team's copy reaches her) and approves.
    let (_ws, writer, _) = open(dir.path(), &team("ana"));
    let decided = run(
        &writer,
        Command::Decide {
            ids: vec![ids[0]],
            approve: true,
        },
    );
    assert_eq!(
        decided,
        Done::Decided {
            approve: true,
            count: 1
        }
    );
    let worker = Worker::new(
        writer.handle(),
        HashMap::from([(account, connector.clone() as Arc<dyn Connector>)]),
    );
    worker.run_once().await.unwrap();
    assert_eq!(connector.deletes.load(Ordering::SeqCst), 1);
    // Who asked and who let it go are on the outbox row; the log says it too.
    assert_eq!(
        rows::<String>(
            &writer,
            "SELECT kind || ' by ' || coalesce(cm, '-') || ' approved by ' || coalesce(approved_by, '-')
             FROM outbox ORDER BY id"
        ),
        ["hide by ben approved by -", "delete by ben approved by ana"]
    );
    assert_eq!(
        rows::<String>(
            &writer,
            "SELECT json_extract(detail, '$.op') || ' by ' || cm FROM events
             WHERE kind = 'approval' ORDER BY id"
        ),
        ["asked by ben", "approved by ana"]
    );
    // A moderator's own delete goes straight to the outbox.
    let straight = run(
        &writer,
        Command::Moderate {
            ids: vec![ids[1]],
            kind: "delete",
            payload: serde_json::json!({}),
        },
    );
    assert_eq!(
        straight,
        Done::Moderated {
            kind: "delete",
            count: 1
        }
    );
}

#[test]
fn a_rejected_delete_never_reaches_the_outbox() {
    let dir = tempfile::tempdir().unwrap();
    let (_ws, writer, account) = open(dir.path(), &team("ben"));
    let ids = writer
        .handle()
        .call_blocking(move |c| {
            Ok(ingest::ingest(c, account, &[item("t1", "x")], None, NOW)?.inserted)
        })
        .unwrap();
    run(
        &writer,
        Command::Moderate {
            ids: ids.clone(),
            kind: "block",
            payload: serde_json::json!({}),
        },
    );
    drop(writer);
    let (_ws, writer, _) = open(dir.path(), &team("ana"));
    assert_eq!(
        run(
            &writer,
            Command::Decide {
                ids,
                approve: false
            }
        ),
        Done::Decided {
            approve: false,
            count: 1
        }
    );
    assert_eq!(rows::<i64>(&writer, "SELECT count(*) FROM outbox"), [0]);
    assert_eq!(
        rows::<String>(&writer, "SELECT state FROM approvals"),
        ["rejected"]
    );
}

#[test]
fn a_rule_assigns_new_items_to_its_cm() {
    let dir = tempfile::tempdir().unwrap();
    let config = format!(
        "{}\n[[rule]]\nname = \"refunds to ana\"\nany = {{ keywords = [\"refund\"] }}\nthen = {{ assign = \"ana\" }}\n",
        team("ben")
    );
    let (ws, writer, account) = open(dir.path(), &config);
    let pipeline = Arc::new(ws.pipeline().unwrap());
    writer
        .handle()
        .call_blocking(move |c| {
            pipeline.store(
                c,
                account,
                &[item("r1", "I want a refund"), item("r2", "hello")],
                None,
                NOW,
            )
        })
        .unwrap();
    assert_eq!(
        rows::<Option<String>>(&writer, "SELECT assignee FROM items ORDER BY external_id"),
        [Some("ana".to_string()), None]
    );
    assert_eq!(
        rows::<String>(&writer, "SELECT actor FROM events WHERE kind = 'assign'"),
        ["rule:refunds to ana"]
    );
}

#[test]
fn a_rule_that_assigns_needs_the_team_and_a_member() {
    let rule =
        "[[rule]]\nname = \"r\"\nany = { keywords = [\"x\"] }\nthen = { assign = \"zoe\" }\n";
    for (config, says) in [
        (rule.to_string(), "needs team mode"),
        (
            format!("{}\n{rule}", team("ben")),
            "`zoe`, who is not in [team] members",
        ),
    ] {
        let config = Config::parse(&config, Path::new("config.toml")).unwrap();
        let err = hark::workspace::pipeline_of(&config)
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains(says), "{err}");
    }
}

#[test]
fn without_team_a_delete_goes_to_the_outbox_and_no_action_carries_a_name() {
    let dir = tempfile::tempdir().unwrap();
    let (_ws, writer, account) = open(dir.path(), "");
    let ids = writer
        .handle()
        .call_blocking(move |c| {
            Ok(ingest::ingest(c, account, &[item("t1", "x")], None, NOW)?.inserted)
        })
        .unwrap();
    let done = run(
        &writer,
        Command::Moderate {
            ids: ids.clone(),
            kind: "delete",
            payload: serde_json::json!({}),
        },
    );
    assert_eq!(
        done,
        Done::Moderated {
            kind: "delete",
            count: 1
        }
    );
    assert_eq!(
        rows::<i64>(&writer, "SELECT count(*) FROM events WHERE cm IS NOT NULL"),
        [0]
    );
    assert_eq!(
        rows::<i64>(&writer, "SELECT count(*) FROM outbox WHERE cm IS NOT NULL"),
        [0]
    );
}
