//! `hark escalations` on a real cache: a bank's app outage as one incident. The listing
//! shows its title, severity, age, item count, the top items' authors and sanitized text
//! (a hostile body comes out inert) and the next step; `--json` carries the same under the
//! field names the README documents.

use std::path::{Path, PathBuf};
use std::process::Command;

use hark::domain::{ItemKind, NewAuthor, NewItem, Severity};
use hark::escalation::{NewEscalation, Topic};

const CONFIG: &str = r#"
brand = "Fenwick Bank"

[escalation]
user = "kim"

[escalation.protocol.critical]
checklist = ["Open the status page", { step = "Post the holding line", within = "190m" }, "Tell the branches"]
"#;

const HOUR: i64 = 3600;

/// An escape sequence that would retitle the terminal and clear the screen if printed raw.
const HOSTILE: &str =
    "\u{1b}]0;pwned\u{7}\u{1b}[2Jcard declined at the till \u{1b}[31mtwice\u{1b}[0m";

struct Cache {
    _dir: tempfile::TempDir,
    config: PathBuf,
    data: PathBuf,
    incident: i64,
}

/// A cache with one critical incident of four items, opened two hours ago, its first
/// step ticked by kim.
fn cache() -> Cache {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, CONFIG).unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    let escalation = hark::config::Config::parse(CONFIG, Path::new("config.toml"))
        .unwrap()
        .escalation;
    let mut conn = hark::store::open_rw(&data.join("hark.db")).unwrap();
    let account =
        hark::store::ingest::ensure_account(&conn, "bank", "chirp", "@fenwickbank").unwrap();
    let now = hark::domain::now();
    let opened = now - 2 * HOUR;
    let posts = [
        (
            "@big_saver",
            90_000,
            "the Fenwick app shows a blank screen after login",
        ),
        ("@hostile", 40_000, HOSTILE),
        ("@mid_user", 5_000, "cannot see my balance, app outage?"),
        ("@small_fry", 12, "app down for me too"),
    ];
    let mut ids = Vec::new();
    for (n, (author, followers, body)) in posts.iter().enumerate() {
        let item = hark::store::ingest::Incoming::from(NewItem {
            external_id: format!("e{n}"),
            kind: ItemKind::Mention,
            parent_external_id: None,
            thread_external_id: None,
            author: NewAuthor {
                external_id: author.to_string(),
                handle: author.to_string(),
                display_name: author.to_string(),
                followers: Some(*followers),
            },
            body: body.to_string(),
            url: None,
            created_at: opened - 60,
            raw_json: None,
            room: None,
        });
        ids.extend(
            hark::store::ingest::ingest(&mut conn, account, &[item], None, opened - 60)
                .unwrap()
                .inserted,
        );
    }
    let incident = hark::store::incidents::in_transaction(&mut conn, |tx| {
        let opened_incident = hark::escalation::open(
            tx,
            &NewEscalation {
                item_id: Some(ids[0]),
                linked: ids[1..].to_vec(),
                severity: Severity::Critical,
                reason: "app outage: login and balance".into(),
                actor: "rule:outage".into(),
                topic: Topic::FromSource,
            },
            &escalation,
            opened,
        )?;
        hark::escalation::incident::apply(
            tx,
            hark::escalation::incident::Op::Tick(ids[0]),
            "kim",
            &escalation,
            opened + 600,
        )?;
        Ok(opened_incident.incident)
    })
    .unwrap();
    Cache {
        _dir: dir,
        config,
        data,
        incident,
    }
}

fn hark(cache: &Cache, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_hark"))
        .arg("--config")
        .arg(&cache.config)
        .arg("--data-dir")
        .arg(&cache.data)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_listing_shows_what_the_incident_is_who_said_what_and_what_to_do_next() {
    let cache = cache();
    let out = hark(&cache, &["escalations"]);
    let head = out.lines().next().unwrap();
    assert!(
        head.starts_with(&format!("#{} CRITICAL", cache.incident)),
        "{out}"
    );
    assert!(head.contains("app outage: login and balance"), "{out}");
    assert!(head.contains("2h old"), "{out}");
    assert!(head.contains("4 items"), "{out}");
    // The largest audiences first, three of them: the smallest account is left out.
    let big = out.find("@big_saver").expect(&out);
    let hostile = out.find("@hostile").expect(&out);
    let mid = out.find("@mid_user").expect(&out);
    assert!(big < hostile && hostile < mid, "{out}");
    assert!(!out.contains("@small_fry"), "{out}");
    assert!(out.contains("blank screen after login"), "{out}");
    // The hostile body is shown, inert: no escape or bell reaches the terminal.
    assert!(out.contains("card declined at the till"), "{out}");
    assert!(out.contains("twice"), "{out}");
    assert!(
        !out.chars().any(|c| c == '\u{1b}' || c == '\u{7}'),
        "{out:?}"
    );
    // The first step is ticked; the next is the holding line, with its deadline (70
    // minutes ahead at setup, so the seconds a loaded machine takes to start hark never
    // turn "1h" into "59m").
    assert!(
        out.contains("next: Post the holding line · due in 1h"),
        "{out}"
    );
}

/// The field names in the `{…}` shape of the README's `escalations --json` row.
fn documented_fields() -> Vec<String> {
    let readme = include_str!("../README.md");
    let row = readme
        .lines()
        .find(|l| l.starts_with("| `escalations --json` |"))
        .expect("the README documents escalations --json");
    let shape = &row[row.find("`{").unwrap() + 1..row.rfind("}`").unwrap() + 1];
    shape
        .split(|c: char| !(c.is_ascii_lowercase() || c == '_'))
        .filter(|w| !w.is_empty() && *w != "null")
        .map(str::to_string)
        .collect()
}

#[test]
fn json_parses_with_the_field_names_the_readme_documents() {
    let cache = cache();
    let out = hark(&cache, &["escalations", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    let incident = &v.as_array().unwrap()[0];
    let item = &incident["top_items"][0];
    let done = &incident["steps_done"][0];
    let next = &incident["next_step"];
    let fields = documented_fields();
    assert!(fields.len() >= 20, "{fields:?}");
    for field in &fields {
        let found = [incident, item, done, next]
            .iter()
            .any(|o| o.get(field.as_str()).is_some());
        assert!(
            found,
            "documented field `{field}` missing from {incident:#}"
        );
    }
    assert_eq!(incident["id"], cache.incident);
    assert_eq!(incident["severity"], "critical");
    assert_eq!(incident["item_count"], 4);
    assert!(incident["age_secs"].as_i64().unwrap() >= 2 * HOUR);
    assert_eq!(item["author"], "@big_saver");
    assert_eq!(incident["top_items"].as_array().unwrap().len(), 3);
    let hostile = &incident["top_items"][1];
    assert_eq!(hostile["author"], "@hostile");
    let text = hostile["text"].as_str().unwrap();
    assert!(text.contains("card declined at the till"), "{text:?}");
    assert!(
        !text.contains('\u{1b}') && !text.contains('\u{7}'),
        "{text:?}"
    );
    assert_eq!(done["step"], "Open the status page");
    assert_eq!(done["by"], "kim");
    assert_eq!(next["step"], "Post the holding line");
    assert_eq!(next["missed"], false);
}
