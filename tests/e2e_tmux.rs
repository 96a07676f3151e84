//! `hark demo` driven in a real terminal (tmux): keys sent, the screen captured and read
//! the way a person would read it. Needs tmux on the PATH (`.ci/run` installs it).

use std::time::{Duration, Instant};

mod support;
use support::tmux::Tmux;

/// The Inbox count in the sidebar.
fn inbox_count(screen: &str) -> Option<u64> {
    view_count(screen, "Inbox")
}

/// A view's count in the sidebar.
fn view_count(screen: &str, view: &str) -> Option<u64> {
    screen.lines().find_map(|line| {
        let inner = line.trim_start_matches(['│', '┃']);
        let rest = inner.strip_prefix(view)?.strip_prefix(' ')?;
        // Only the sidebar's cell: the list beside it has digits of its own.
        let number: String = rest
            .chars()
            .take_while(|c| *c != '│' && *c != '┃')
            .filter(|c| c.is_ascii_digit())
            .collect();
        number.parse().ok()
    })
}

fn run_demo(width: u16, height: u16) {
    let dir = tempfile::tempdir().unwrap();
    let command = format!(
        "{} demo --data-dir {}",
        env!("CARGO_BIN_EXE_hark"),
        dir.path().display()
    );
    let tmux = Tmux::start("demo", width, height, &command);

    // The backlog loads, then live items keep arriving.
    let screen = tmux.wait_for("the demo inbox", |s| {
        inbox_count(s).is_some_and(|n| n > 100)
    });
    // Counted in All: late arrivals may all be spam the rules set aside, or DMs already
    // answered, and leave the Inbox count where it was.
    let first = view_count(&screen, "All").unwrap();
    assert!(screen.contains("Nimbus Coffee"), "{screen}");
    tmux.wait_for("new items to arrive", |s| {
        view_count(s, "All").is_some_and(|n| n > first)
    });

    // Move down, open: the item pane shows who wrote it and when, now seen ("open").
    tmux.keys(&["j", "Enter"]);
    tmux.wait_for("the opened item", |s| {
        s.lines()
            .any(|l| l.contains(" ago ·") || l.contains("just now ·"))
            && s.contains("open")
            && s.contains("┏ Item")
    });

    // Mark done, see the confirmation, undo it.
    // Esc first, and only once the list has the focus again: an Esc followed at once by
    // `d` reads as alt-d when the machine is busy.
    tmux.keys(&["Escape"]);
    tmux.wait_for("the list focused", |s| s.contains("┏ Inbox"));
    tmux.keys(&["d"]);
    tmux.wait_for("the done message", |s| s.contains("1 item done · u undoes"));
    tmux.keys(&["u"]);
    tmux.wait_for("the undo message", |s| {
        s.contains("undid: 1 item no longer done")
    });

    // Search, then clear it.
    tmux.keys(&["/", "c", "o", "f", "f", "e", "e", "Enter"]);
    tmux.wait_for("search results", |s| s.contains("/coffee"));
    tmux.keys(&["n", "Escape"]);
    tmux.wait_for("the search cleared", |s| !s.contains("/coffee"));

    // Switch view from the command line.
    tmux.keys(&[":", "v", "i", "e", "w", " ", "a", "l", "l", "Enter"]);
    tmux.wait_for("the All view", |s| s.contains("All · "));

    // Help, then quit: the terminal is given back.
    tmux.keys(&["?"]);
    tmux.wait_for("the help", |s| s.contains("Keys · rebind them"));
    tmux.keys(&["Escape", "q"]);
    let deadline = Instant::now() + Duration::from_secs(10);
    while tmux.alive() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(!tmux.alive(), "hark did not quit on q");
}

#[test]
fn demo_in_an_80x24_terminal() {
    run_demo(80, 24);
}

#[test]
fn demo_in_a_200x50_terminal() {
    run_demo(200, 50);
}
