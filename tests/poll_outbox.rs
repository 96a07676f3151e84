//! `hark poll` sends the outbox too: a reply queued while the TUI was closed goes out on
//! the next `hark poll --once`, and a row a crash left `sending` is rechecked, not lost.

use std::process::Command;

use hark::outbox::read::item_outbox;
use hark::outbox::OutboxState;
use hark::store::outbox as ob;
use hark::store::{Reader, Writer};

fn poll_once(config: &std::path::Path, data: &std::path::Path) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_hark"))
        .arg("--config")
        .arg(config)
        .arg("--data-dir")
        .arg(data)
        .args(["poll", "--once"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

#[test]
fn poll_once_sends_queued_replies_and_rechecks_interrupted_ones() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        "brand = \"Nimbus Coffee\"\n[[account]]\nname = \"demo-chirp\"\nplatform = \"demo\"\nhandle = \"@nimbuscoffee\"\nnetwork = \"chirp\"\n",
    )
    .unwrap();
    let data = dir.path().join("data");
    poll_once(&config, &data);

    let db = data.join("hark.db");
    let (first, second): (i64, i64) = {
        let reader = Reader::open(&db).unwrap();
        let mut ids = reader
            .conn()
            .prepare("SELECT id FROM items WHERE kind != 'post' ORDER BY id LIMIT 2")
            .unwrap()
            .query_map([], |r| r.get::<_, i64>(0))
            .unwrap()
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
        (ids.remove(0), ids.remove(0))
    };
    let writer = Writer::spawn(&db).unwrap();
    for id in [first, second] {
        writer
            .handle()
            .call_blocking(move |c| {
                ob::enqueue(
                    c,
                    id,
                    "reply",
                    &serde_json::json!({"text": "Thanks! — Sam"}),
                    None,
                    "user",
                    1,
                )
            })
            .unwrap();
    }
    // The second one was being sent when hark died.
    writer
        .handle()
        .call_blocking(move |c| {
            Ok(c.execute(
                "UPDATE outbox SET state = 'sending', attempts = 1 WHERE item_id = ?",
                [second],
            )?)
        })
        .unwrap();
    writer.shutdown();

    let out = poll_once(&config, &data);
    assert!(out.contains("outbox: 2 sent or retried"), "{out}");
    let reader = Reader::open(&db).unwrap();
    for id in [first, second] {
        let rows = item_outbox(reader.conn(), id).unwrap().rows;
        assert_eq!(rows.len(), 1, "one row, never a duplicate");
        assert_eq!(rows[0].state, OutboxState::Sent);
    }
    let reconciled: i64 = reader
        .conn()
        .query_row(
            "SELECT count(*) FROM events WHERE kind = 'outbox'
             AND json_extract(detail, '$.from') = 'sending' AND json_extract(detail, '$.to') = 'queued'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(reconciled, 1, "the interrupted send is logged as rechecked");
}

/// "Once" means everything due now: 50 notifications and 40 queued replies in one run.
#[test]
fn poll_once_handles_everything_due_not_a_batch() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    let log = dir.path().join("notified.log");
    std::fs::write(
        &config,
        format!(
            "brand = \"Nimbus Coffee\"\n[[account]]\nname = \"demo-chirp\"\nplatform = \"demo\"\n\
             handle = \"@nimbuscoffee\"\nnetwork = \"chirp\"\n\
             [escalation.protocol.critical]\nnotify_command = \"cat > /dev/null; echo x >> '{}'\"\n",
            log.display()
        ),
    )
    .unwrap();
    let data = dir.path().join("data");
    poll_once(&config, &data);

    let db = data.join("hark.db");
    let items: Vec<i64> = Reader::open(&db)
        .unwrap()
        .conn()
        .prepare("SELECT id FROM items WHERE kind != 'post' ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get::<_, i64>(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let protocol = hark::config::Config::parse(&std::fs::read_to_string(&config).unwrap(), &config)
        .unwrap()
        .escalation;
    let writer = Writer::spawn(&db).unwrap();
    for n in 0..50 {
        let (item, protocol) = (items[n % items.len()], protocol.clone());
        writer
            .handle()
            .call_blocking(move |c| {
                let new = hark::escalation::NewEscalation {
                    item_id: Some(item),
                    linked: vec![],
                    severity: hark::domain::Severity::Critical,
                    // A reason each: the same reason would join one incident, one notice.
                    reason: format!("press {n}"),
                    actor: "user".into(),
                    topic: Default::default(),
                };
                hark::escalation::open(c, &new, &protocol, 1).map(|o| o.escalation)
            })
            .unwrap();
    }
    for n in 0..40 {
        let item = items[n % items.len()];
        writer
            .handle()
            .call_blocking(move |c| {
                ob::enqueue(
                    c,
                    item,
                    "reply",
                    &serde_json::json!({"text": "Thanks!"}),
                    None,
                    "user",
                    1,
                )
            })
            .unwrap();
    }
    writer.shutdown();

    let out = poll_once(&config, &data);
    assert!(out.contains("outbox: 40 sent or retried"), "{out}");
    assert!(out.contains("50 escalation notification(s) tried"), "{out}");
    let reader = Reader::open(&db).unwrap();
    let count = |sql: &str| -> i64 { reader.conn().query_row(sql, [], |r| r.get(0)).unwrap() };
    assert_eq!(
        count("SELECT count(*) FROM outbox WHERE state = 'sent'"),
        40
    );
    assert_eq!(
        count("SELECT count(*) FROM notifications WHERE state = 'sent'"),
        50
    );
    assert_eq!(std::fs::read_to_string(&log).unwrap().lines().count(), 50);
}
