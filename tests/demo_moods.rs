//! The demo's moods: praise and plain questions the English lexicon used to
//! read as negative (a rating, "dangerously" + a food word, "would … again",
//! "obsessed") are not negative, so no sentiment rule or spike counts them;
//! every post the sentiment rules flag is negative.

use std::process::Command;

use rusqlite::Connection;

fn demo() -> (tempfile::TempDir, Connection) {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_hark"))
        .args([
            "demo",
            "--data-dir",
            dir.path().to_str().unwrap(),
            "--no-tui",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let conn = Connection::open(dir.path().join("hark.db")).unwrap();
    (dir, conn)
}

#[test]
fn praise_and_questions_in_the_demo_are_not_negative() {
    let (_dir, conn) = demo();
    for (needle, want) in [
        ("dangerously drinkable", "positive"),
        ("have a lot of caffeine", "neutral"),
    ] {
        let label: String = conn
            .query_row(
                "SELECT sentiment_label_auto FROM items WHERE body LIKE ?1",
                [format!("%{needle}%")],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(label, want, "{needle}");
    }
    let wrong: Vec<String> = conn
        .prepare(
            "SELECT i.body FROM escalations e JOIN items i ON i.id = e.item_id
             WHERE e.source IN ('rule:big account unhappy', 'rule:negative spike')
               AND i.sentiment_label_auto <> 'negative'",
        )
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(wrong.is_empty(), "{wrong:?}");
}
