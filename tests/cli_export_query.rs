//! `hark export --query PATTERN`: the limit language on the command line.

use std::process::Command;

use hark::domain::{ItemKind, NewAuthor, NewItem};
use hark::store::ingest::{self, Incoming};

fn item(n: u32, body: &str, at: i64) -> Incoming {
    Incoming::from(NewItem {
        external_id: format!("x{n}"),
        kind: ItemKind::Mention,
        parent_external_id: None,
        thread_external_id: None,
        author: NewAuthor {
            external_id: format!("u{n}"),
            handle: format!("@user{n}"),
            display_name: String::new(),
            followers: None,
        },
        body: body.into(),
        url: None,
        created_at: at,
        raw_json: None,
        room: None,
    })
}

fn hark(data: &std::path::Path, config: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_hark"))
        .arg("--config")
        .arg(config)
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn export_query_writes_the_items_the_pattern_selects() {
    let temp = tempfile::tempdir().unwrap();
    let config = temp.path().join("config.toml");
    std::fs::write(&config, "brand = \"Acme\"\n").unwrap();
    let data = temp.path().join("data");
    std::fs::create_dir(&data).unwrap();
    let now = hark::domain::now();
    {
        let mut conn = hark::store::open_rw(&data.join("hark.db")).unwrap();
        let account = ingest::ensure_account(&conn, "brand", "chirp", "@acme").unwrap();
        let items = vec![
            item(1, "the app crashes on login", now - 100),
            item(2, "the app crashes again", now - 90),
            item(3, "love the new app", now - 80),
            item(4, "crashes, an old one", now - 30 * 86_400),
        ];
        let ids = ingest::ingest(&mut conn, account, &items, None, now)
            .unwrap()
            .inserted;
        hark::store::moderation::set_tag(&mut conn, &ids, "bug", false, "user", now).unwrap();
        hark::store::sentiment::set_manual(
            &mut conn,
            &[ids[0], ids[3]],
            Some(hark::domain::SentimentLabel::Negative),
            now,
        )
        .unwrap();
    }
    let out = hark(
        &data,
        &config,
        &[
            "export",
            "--query",
            "~t bug ~s neg ~d <7d",
            "--format",
            "jsonl",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1, "{stdout}");
    assert_eq!(lines[0]["body"], "the app crashes on login");

    // Words, `|` and `!` too; Markdown is headed by the query.
    let out = hark(
        &data,
        &config,
        &[
            "export",
            "--query",
            "crashes !~s neg | love",
            "--format",
            "md",
        ],
    );
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(
        md.starts_with("# crashes !\\~s neg \\| love · 2 items"),
        "{md}"
    );
    assert!(
        md.contains("crashes again") && md.contains("love the new app"),
        "{md}"
    );

    // A bad pattern is refused with the place of the mistake.
    let out = hark(&data, &config, &["export", "--query", "~t bug ~q x"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("unknown field `~q`"), "{stderr}");
    assert!(stderr.contains("~t bug ~q x\n         ^^"), "{stderr}");
}
