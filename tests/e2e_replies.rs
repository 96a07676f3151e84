//! Replying in `hark demo`, driven in a real terminal (tmux): a canned reply in two
//! keystrokes goes out, and a send that fails once is retried where the CM can see it.
//! Needs tmux on the PATH (`.ci/run` installs it).

mod support;
use support::tmux::Tmux;

/// How reply 2 begins in each of its languages (assets/replies.example.toml).
const SORRY: &[&str] = &[
    "Sorry to hear that",
    "Sentimos mucho",
    "Désolés pour ce souci",
    "Sentim molt",
];

#[test]
fn a_canned_reply_goes_out_in_two_keys_and_a_failed_send_is_retried_visibly() {
    let dir = tempfile::tempdir().unwrap();
    // $EDITOR is a stand-in that rewrites the text, so ctrl-e's round trip is visible.
    let command = format!(
        "EDITOR='sed -i s/on.this/via.editor/' {} demo --data-dir {}",
        env!("CARGO_BIN_EXE_hark"),
        dir.path().display()
    );
    let tmux = Tmux::start("replies", 140, 40, &command);
    tmux.wait_for("the demo inbox", |s| {
        s.contains("Inbox ·") && s.contains("Nimbus Coffee")
    });
    // Let the first item's detail load before replying to it.
    tmux.wait_for("the item pane", |s| s.contains("author "));

    // Canned reply 2, then ctrl-s: two keystrokes. While the list reloads under a burst of
    // arrivals the key can find no item under the cursor ("no item here"); then it is
    // pressed again, as a person would.
    // Reply 2 in the item's language (the demo's first item may be Spanish, French…).
    let sorry = |s: &str| SORRY.iter().any(|v| s.contains(v));
    let composer = |s: &str| sorry(s) && (s.contains("Public reply to") || s.contains("DM to"));
    for _ in 0..5 {
        tmux.keys(&["2"]);
        if tmux.shows_within(4, composer) {
            break;
        }
    }
    tmux.wait_for("the composer with reply 2", composer);
    tmux.keys(&["C-s"]);
    tmux.wait_for("the queued message", |s| s.contains("reply queued"));
    tmux.keys(&["O"]);
    tmux.wait_for("the reply sent, in the Outbox", |s| {
        s.lines().any(|l| l.contains("sent") && sorry(l))
    });
    tmux.keys(&["Escape"]);

    // A reply with "#fail" fails once on the demo network; it uses a banned word (a
    // warning on DMs and public replies alike: the item under the cursor depends on what
    // the demo has released), so the first ctrl-s warns and the second sends anyway.
    for _ in 0..5 {
        tmux.keys(&["r"]);
        if tmux.shows_within(4, |s| s.contains("ctrl-s send")) {
            break;
        }
    }
    tmux.wait_for("an empty composer", |s| s.contains("ctrl-s send"));
    tmux.text("unfortunately checking on this #fail");
    tmux.keys(&["C-e"]);
    tmux.wait_for("the text back from $EDITOR", |s| {
        s.contains("checking via.editor #fail")
    });
    tmux.keys(&["C-s"]);
    tmux.wait_for("the warning", |s| s.contains("again sends anyway"));
    tmux.keys(&["C-s"]);
    tmux.wait_for("the queued message", |s| s.contains("reply queued"));
    tmux.keys(&["O"]);
    let screen = tmux.wait_for("the retried send", |s| {
        s.contains("on attempt 2 · retried after: temporary failure: 503 the demo network hiccuped")
    });
    assert!(
        screen
            .lines()
            .any(|l| l.contains("sent") && l.contains("checking via.editor #fail")),
        "{screen}"
    );
    tmux.keys(&["Escape", "q"]);
}
