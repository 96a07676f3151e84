//! The built `hark` against bad configs and bad cache files: each is refused with one
//! clear line on stderr naming the cause, exit status 1, and nothing written to a file
//! that is not hark's.

use std::path::Path;
use std::process::Output;

use rusqlite::Connection;

fn hark(dir: &Path, config: &Path, args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_hark"))
        .arg("--config")
        .arg(config)
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .output()
        .unwrap()
}

/// Stderr of a run that must fail with status 1.
fn refused(output: &Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(1), "stderr: {stderr}");
    stderr
}

fn config_check(text: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, text).unwrap();
    refused(&hark(dir.path(), &config, &["config", "check"]))
}

#[test]
fn a_poll_interval_under_ten_seconds_is_refused_with_its_line() {
    let err = config_check(b"brand = \"x\"\n[poll]\ninterval = \"0s\"\n");
    assert!(
        err.contains("config.toml, line 3, key `poll.interval`"),
        "{err}"
    );
    assert!(err.contains("too short"), "{err}");
    let err = config_check(b"[[account]]\nname = \"a\"\nplatform = \"demo\"\ninterval = \"1s\"\n");
    assert!(err.contains("line 4, key `account[0].interval`"), "{err}");
}

#[test]
fn an_overflowing_duration_is_refused_not_wrapped() {
    for (text, key) in [
        (
            "[poll]\ninterval = \"99999999999999999999h\"\n",
            "poll.interval",
        ),
        (
            "[sla]\nfirst_response = \"9223372036854775807d\"\n",
            "sla.first_response",
        ),
        (
            "[escalation.spike]\nmultiple = 2.0\ncooldown = \"213503982334601d\"\n",
            "escalation.spike.cooldown",
        ),
    ] {
        let err = config_check(text.as_bytes());
        assert!(err.contains(key) && err.contains("too long"), "{err}");
    }
}

#[test]
fn keys_errors_name_the_line_and_quit_needs_a_key() {
    let err = config_check(b"brand = \"x\"\n\n[keys]\nquit = []\n");
    assert!(
        err.contains("config.toml, line 4, key `keys.quit`"),
        "{err}"
    );
    assert!(err.contains("no key"), "{err}");
    let err = config_check(b"[keys]\nhelp = \"h\"\nmark-done = \"j\"\n");
    assert!(err.contains("line 3, key `keys.mark-done`"), "{err}");
    assert!(err.contains("`j` is bound to both"), "{err}");
}

#[test]
fn a_binary_config_is_named_once() {
    let mut bytes = b"\x7fELF\x02\x01\x01\0\0\0".to_vec();
    bytes.extend([0xff, 0xfe, 0x80, 0x81]);
    let err = config_check(&bytes);
    assert!(err.contains("is not a text file"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert_eq!(err.matches("UTF-8").count(), 1, "{err}");
}

#[test]
fn a_rule_with_twenty_thousand_keywords_is_accepted() {
    let words: Vec<String> = (0..20_000)
        .map(|i| format!("\"kostenlos spam wörd {i}\""))
        .collect();
    let text = format!(
        "[[rule]]\nname = \"banned\"\nany = {{ keywords = [{}] }}\nthen = {{ hide = true }}\n",
        words.join(",")
    );
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, text).unwrap();
    let out = hark(dir.path(), &config, &["config", "check"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

const READERS: &[&[&str]] = &[
    &["report"],
    &["rules", "test"],
    &["export", "--tag", "x"],
    &["escalations"],
];

/// A workspace whose cache is made by `hark demo --no-tui`.
fn demo_cache() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let out = hark(
        dir.path(),
        &dir.path().join("none.toml"),
        &["demo", "--no-tui"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir
}

#[test]
fn every_reader_refuses_a_cache_from_a_newer_hark() {
    let dir = demo_cache();
    let db = dir.path().join("hark.db");
    Connection::open(&db)
        .unwrap()
        .pragma_update(None, "user_version", 999)
        .unwrap();
    let config = dir.path().join("none.toml");
    for args in READERS {
        let err = refused(&hark(dir.path(), &config, args));
        assert!(
            err.contains("was written by a newer hark (schema 999, this hark knows"),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn another_programs_database_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hark.db");
    {
        let conn = Connection::open(&db).unwrap();
        conn.execute_batch(
            "CREATE TABLE accounts (id INTEGER PRIMARY KEY, iban TEXT);
             CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL);
             INSERT INTO invoices (total) VALUES (12.5);",
        )
        .unwrap();
    }
    let before = std::fs::read(&db).unwrap();
    let config = dir.path().join("none.toml");
    let mut runs: Vec<&[&str]> = READERS.to_vec();
    runs.push(&["demo", "--no-tui"]);
    for args in runs {
        let err = refused(&hark(dir.path(), &config, args));
        assert!(
            err.contains(
                "is an SQLite database but not a hark cache (it has tables accounts, invoices)"
            ),
            "{args:?}: {err}"
        );
        assert!(!err.contains("CREATE") && err.lines().count() == 1, "{err}");
    }
    assert_eq!(std::fs::read(&db).unwrap(), before, "the file was changed");
    assert!(!dir.path().join("hark.db-wal").exists());
    let mode: String = Connection::open(&db)
        .unwrap()
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "delete");
}

#[test]
fn a_directory_or_a_text_file_named_hark_db_is_named_for_what_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("none.toml");
    let db = dir.path().join("hark.db");
    std::fs::create_dir(&db).unwrap();
    for args in [&["report"][..], &["demo", "--no-tui"]] {
        let err = refused(&hark(dir.path(), &config, args));
        assert!(
            err.contains("hark.db is a directory, not a hark cache"),
            "{err}"
        );
        assert!(!err.contains("I/O"), "{err}");
    }
    std::fs::remove_dir(&db).unwrap();
    std::fs::write(&db, "my shopping list, not a database").unwrap();
    for args in [&["report"][..], &["demo", "--no-tui"]] {
        let err = refused(&hark(dir.path(), &config, args));
        assert!(err.contains("hark.db is not an SQLite database"), "{err}");
        assert_eq!(err.matches("not a database").count(), 0, "{err}");
    }
}

#[test]
fn a_damaged_cache_says_so_once() {
    let dir = demo_cache();
    let db = dir.path().join("hark.db");
    {
        let conn = Connection::open(&db).unwrap();
        conn.pragma_update(None, "journal_mode", "DELETE").unwrap();
    }
    let mut bytes = std::fs::read(&db).unwrap();
    let len = bytes.len();
    // Overwrite every page after the schema's with noise.
    for (i, b) in bytes[8192..len].iter_mut().enumerate() {
        *b = (i * 7919 % 251) as u8;
    }
    std::fs::write(&db, bytes).unwrap();
    let err = refused(&hark(
        dir.path(),
        &dir.path().join("none.toml"),
        &["report"],
    ));
    assert!(
        err.contains("damaged") || err.contains("malformed"),
        "{err}"
    );
    assert!(err.matches("malformed").count() <= 1, "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn a_cache_locked_by_another_program_is_named_locked() {
    let dir = demo_cache();
    let holder = Connection::open(dir.path().join("hark.db")).unwrap();
    holder.execute_batch("BEGIN EXCLUSIVE;").unwrap();
    // The demo's load writes to the cache and waits out the busy timeout (5 s).
    let err = refused(&hark(
        dir.path(),
        &dir.path().join("none.toml"),
        &["demo", "--no-tui"],
    ));
    assert!(err.contains("is locked by another program"), "{err}");
    holder.execute_batch("ROLLBACK;").unwrap();
}

#[test]
fn a_cache_from_an_older_hark_is_upgraded_once_and_start_up_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hark.db");
    {
        let conn = Connection::open(&db).unwrap();
        hark::store::migrate::migrate_to(&conn, &db, 20).unwrap();
    }
    let config = dir.path().join("none.toml");
    let first = hark(dir.path(), &config, &["escalations", "--retry"]);
    let said = String::from_utf8_lossy(&first.stderr);
    assert!(first.status.success(), "{said}");
    assert!(
        said.contains("upgrading the cache from version 20 to"),
        "{said}"
    );
    let again = hark(dir.path(), &config, &["escalations", "--retry"]);
    assert!(again.status.success());
    assert!(
        !String::from_utf8_lossy(&again.stderr).contains("upgrading"),
        "an upgraded cache is not upgraded again"
    );
}
