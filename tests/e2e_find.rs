//! Find and act at mutt speed, in a real terminal (tmux) on `hark demo`: limit the inbox
//! to a pattern, mark everything it shows, tag the marks at once, undo them as one batch.
//! Needs tmux on the PATH (`.ci/run` installs it).

use std::time::{Duration, Instant};

mod support;
use support::tmux::Tmux;

/// "Inbox · l ~t bug ~s neg · 1/7 · 7 marked": the list's total after the limit.
fn limited_total(screen: &str, limit: &str) -> Option<u64> {
    let title = screen
        .lines()
        .find(|l| l.contains(&format!("l {limit} ·")))?;
    let after = title.split(&format!("l {limit} · ")).nth(1)?;
    let total = after.split('/').nth(1)?;
    let digits: String = total
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == ',')
        .filter(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// Marks all of the list, then tags the marks (confirming when hark asks).
fn mark_all_and_tag(tmux: &Tmux, count: u64, tag: &str) {
    tmux.keys(&["*"]);
    tmux.wait_for("the marks", |s| s.contains(&format!("· {count} marked")));
    tmux.keys(&["t"]);
    let screen = tmux.wait_for("the tag popup or the question", |s| {
        s.contains(" Tag ") || s.contains("marked items? y")
    });
    if screen.contains("marked items? y") {
        tmux.keys(&["y"]);
        tmux.wait_for("the tag popup", |s| s.contains(" Tag "));
    }
    tmux.text(tag);
    tmux.keys(&["Enter"]);
    tmux.wait_for("the tag written", |s| {
        s.contains(&format!("#{tag} added to {count} item"))
    });
}

fn limit(tmux: &Tmux, pattern: &str) -> u64 {
    tmux.keys(&["l", "C-u"]);
    tmux.text(pattern);
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for("the limited list", |s| limited_total(s, pattern).is_some());
    limited_total(&screen, pattern).unwrap()
}

#[test]
fn limit_mark_all_tag_and_undo_as_one_batch() {
    let dir = tempfile::tempdir().unwrap();
    let command = format!(
        "{} demo --data-dir {}",
        env!("CARGO_BIN_EXE_hark"),
        dir.path().display()
    );
    let tmux = Tmux::start("find", 160, 40, &command);
    tmux.wait_for("the demo inbox", |s| {
        s.lines().any(|l| l.contains("Inbox ·") && l.contains('/')) && s.contains("support")
    });

    // The demo has no #bug yet: the support requests become bugs.
    let support = limit(&tmux, "~t support");
    assert!(support > 0, "{}", tmux.screen());
    mark_all_and_tag(&tmux, support, "bug");
    tmux.keys(&["U"]);
    tmux.wait_for("no marks", |s| !s.contains(" marked"));

    // The negative bugs only.
    let negative = limit(&tmux, "~t bug ~s neg");
    assert!(
        negative > 0 && negative < support,
        "{negative} of {support}: {}",
        tmux.screen()
    );
    mark_all_and_tag(&tmux, negative, "urgent");

    // One `u` takes the whole tagging back.
    tmux.keys(&["u"]);
    tmux.wait_for("the whole batch undone", |s| {
        s.contains(&format!(
            "undid: {negative} item{} no longer tagged #urgent",
            if negative == 1 { "" } else { "s" }
        ))
    });
    // The limit by the undone tag is empty again.
    tmux.keys(&["Escape"]);
    tmux.wait_for("the list focused", |s| !s.contains("l ~t bug ~s neg"));
    assert_eq!(limit(&tmux, "~t urgent"), 0, "{}", tmux.screen());

    tmux.keys(&["q"]);
    let deadline = Instant::now() + Duration::from_secs(10);
    while tmux.alive() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(!tmux.alive(), "hark did not quit on q");
}
