//! Moderation in `hark demo`, driven in a real terminal (tmux): escalate an item, see it
//! in the Escalated view, resolve it, tag it, note it, and delete one through the outbox
//! with the confirmation. Needs tmux on the PATH (`.ci/run` installs it).

use std::time::{Duration, Instant};

mod support;
use support::tmux::Tmux;

fn typed(tmux: &Tmux, text: &str) {
    let keys: Vec<String> = text.chars().map(|c| c.to_string()).collect();
    let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
    tmux.keys(&keys);
}

#[test]
fn flag_resolve_tag_note_and_moderate_in_the_demo() {
    let dir = tempfile::tempdir().unwrap();
    let command = format!(
        "{} demo --data-dir {}",
        env!("CARGO_BIN_EXE_hark"),
        dir.path().display()
    );
    let tmux = Tmux::start("mod", 160, 45, &command);
    tmux.wait_for("the demo inbox with its spam caught", |s| {
        s.contains("#spam")
    });

    // Escalate the item under the cursor: severity, then a configured reason.
    tmux.keys(&["!"]);
    tmux.wait_for("the severity choice", |s| s.contains("Escalate 1 item"));
    tmux.keys(&["h"]);
    tmux.wait_for("the reason prompt", |s| {
        s.contains("Health or safety claim")
    });
    typed(&tmux, "hea");
    tmux.keys(&["Tab", "Enter"]);
    tmux.wait_for("the escalation", |s| {
        s.contains("1 item escalated (high) in incident #")
    });

    // The Escalated view lists open incidents, ours among them; the item pane shows its
    // incident with the protocol's checklist.
    typed(&tmux, ":view");
    tmux.keys(&["Space"]);
    typed(&tmux, "escalated");
    tmux.keys(&["Enter"]);
    tmux.wait_for("the open incidents", |s| {
        s.contains("Open incidents")
            && s.lines()
                .any(|l| l.contains("⚑ HIGH") && l.contains("Health or safety claim"))
    });
    tmux.wait_for("the incident in the item pane", |s| {
        s.contains(" incident #") && s.contains("☐ ")
    });
    // `c` ticks the next step, by the local user.
    tmux.keys(&["c"]);
    tmux.wait_for("the ticked step", |s| s.contains("✓ ") && s.contains("☑ "));

    // Resolve the escalation under the cursor with an outcome.
    tmux.keys(&["E"]);
    tmux.wait_for("the outcome prompt", |s| s.contains("how did it end?"));
    typed(&tmux, "answered-in-DM");
    tmux.keys(&["Enter"]);
    tmux.wait_for("the resolution", |s| {
        s.lines().any(|l| {
            l.contains("resolved")
                && (l.contains("incident resolved") || l.contains("incidents resolved"))
        })
    });

    // Back to the inbox: tag an item, add a note.
    typed(&tmux, ":view");
    tmux.keys(&["Space"]);
    typed(&tmux, "inbox");
    tmux.keys(&["Enter"]);
    tmux.wait_for("the inbox", |s| s.contains("Inbox ·"));
    tmux.keys(&["t"]);
    tmux.wait_for("the tag prompt", |s| s.contains("Product feedback"));
    typed(&tmux, "feed");
    tmux.keys(&["Tab", "Enter"]);
    tmux.wait_for("the tag", |s| s.contains("#feedback added to 1 item"));
    tmux.keys(&["a"]);
    typed(&tmux, "asked-the-menu-team");
    tmux.keys(&["Enter"]);
    tmux.wait_for("the note", |s| s.contains("note added (kept local)"));
    tmux.wait_for("the note in the item pane", |s| {
        s.contains("asked-the-menu-team")
    });

    // Delete asks first, then goes through the outbox.
    tmux.keys(&["m"]);
    tmux.wait_for("the moderation actions", |s| {
        s.contains("Moderate 1 item") && s.contains("hide from the public")
    });
    tmux.keys(&["x"]);
    tmux.wait_for("the confirmation", |s| {
        s.contains("delete 1 item on the platform?")
    });
    tmux.keys(&["y"]);
    tmux.wait_for("the queued delete", |s| {
        s.contains("delete pending for 1 item")
    });

    // The protocol's notify command received the incident's notices as JSON: opened, and
    // resolved with the outcome.
    let log = dir.path().join("escalations.jsonl");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        let ours = |notice: &str| {
            text.lines().any(|l| {
                l.contains("\"title\":\"Health or safety claim\"")
                    && l.contains(&format!("\"notice\":\"{notice}\""))
            })
        };
        if ours("opened") && ours("resolved") && text.contains("\"outcome\":\"answered-in-DM\"") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the notify command never ran: {text}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }

    tmux.keys(&["q"]);
    let deadline = Instant::now() + Duration::from_secs(10);
    while tmux.alive() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(!tmux.alive(), "hark did not quit on q");

    // The cache keeps what was done, with who did it.
    let conn = rusqlite::Connection::open(dir.path().join("hark.db")).unwrap();
    let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
    assert_eq!(
        // The outbox worker may already have sent it to the demo network.
        count("SELECT count(*) FROM outbox WHERE kind = 'delete' AND state IN ('queued', 'sending', 'sent')"),
        1
    );
    assert_eq!(
        count("SELECT count(*) FROM items WHERE state = 'deleted'"),
        1
    );
    assert_eq!(count("SELECT count(*) FROM escalations WHERE source = 'user' AND reason = 'Health or safety claim'"), 1);
    assert!(count("SELECT count(*) FROM escalations WHERE outcome = 'answered-in-DM'") >= 1);
    assert_eq!(
        count("SELECT count(*) FROM notes WHERE body = 'asked-the-menu-team'"),
        1
    );
    assert!(
        count("SELECT count(*) FROM events WHERE actor LIKE 'rule:%'") > 10,
        "the demo rules ran"
    );
}
