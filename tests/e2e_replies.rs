//! Replying in `hark demo`, driven in a real terminal (tmux): a canned reply in two
//! keystrokes goes out, and a send that fails once is retried where the CM can see it.
//! Needs tmux on the PATH (`.ci/run` installs it).

use std::process::Command;
use std::time::{Duration, Instant};

struct Tmux {
    socket: String,
}

impl Tmux {
    fn start(width: u16, height: u16, command: &str) -> Tmux {
        let socket = format!("hark-e2e-replies-{}-{width}", std::process::id());
        let status = Command::new("tmux")
            .args(["-L", &socket, "new-session", "-d", "-s", "e2e"])
            .args(["-x", &width.to_string(), "-y", &height.to_string()])
            .arg(command)
            .env("TERM", "xterm-256color")
            .status()
            .expect("tmux must be installed to run the end-to-end tests");
        assert!(status.success(), "tmux could not start");
        Tmux { socket }
    }

    fn keys(&self, keys: &[&str]) {
        for key in keys {
            let status = Command::new("tmux")
                .args(["-L", &self.socket, "send-keys", "-t", "e2e", key])
                .status()
                .unwrap();
            assert!(status.success());
            // An Esc read together with the next key is Alt+key: give a loaded machine
            // time to read it alone.
            let pause = if *key == "Escape" { 400 } else { 60 };
            std::thread::sleep(Duration::from_millis(pause));
        }
    }

    fn text(&self, text: &str) {
        let status = Command::new("tmux")
            .args(["-L", &self.socket, "send-keys", "-t", "e2e", "-l", text])
            .status()
            .unwrap();
        assert!(status.success());
        std::thread::sleep(Duration::from_millis(80));
    }

    fn screen(&self) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket, "capture-pane", "-p", "-t", "e2e"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Whether the screen shows what `ok` looks for within `secs`.
    fn shows_within(&self, secs: u64, ok: impl Fn(&str) -> bool) -> bool {
        let deadline = Instant::now() + Duration::from_secs(secs);
        while Instant::now() < deadline {
            if ok(&self.screen()) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        false
    }

    fn wait_for(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let screen = self.screen();
            if ok(&screen) {
                return screen;
            }
            if Instant::now() > deadline {
                panic!("timed out waiting for {what}; the screen was:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .stderr(std::process::Stdio::null())
            .status();
    }
}

#[test]
fn a_canned_reply_goes_out_in_two_keys_and_a_failed_send_is_retried_visibly() {
    let dir = tempfile::tempdir().unwrap();
    // $EDITOR is a stand-in that rewrites the text, so ctrl-e's round trip is visible.
    let command = format!(
        "EDITOR='sed -i s/on.this/via.editor/' {} demo --data-dir {}",
        env!("CARGO_BIN_EXE_hark"),
        dir.path().display()
    );
    let tmux = Tmux::start(140, 40, &command);
    tmux.wait_for("the demo inbox", |s| {
        s.contains("Inbox ·") && s.contains("Nimbus Coffee")
    });
    // Let the first item's detail load before replying to it.
    tmux.wait_for("the item pane", |s| s.contains("author "));

    // Canned reply 2, then ctrl-s: two keystrokes. While the list reloads under a burst of
    // arrivals the key can find no item under the cursor ("no item here"); then it is
    // pressed again, as a person would.
    let composer = |s: &str| {
        s.contains("Sorry to hear that") && (s.contains("Public reply to") || s.contains("DM to"))
    };
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
        s.lines()
            .any(|l| l.contains("sent") && l.contains("Sorry to hear that"))
    });
    tmux.keys(&["Escape"]);

    // A reply with "#fail" fails once on the demo network; it has no sign-off, so the
    // first ctrl-s warns and the second sends anyway.
    for _ in 0..5 {
        tmux.keys(&["r"]);
        if tmux.shows_within(4, |s| s.contains("ctrl-s send")) {
            break;
        }
    }
    tmux.wait_for("an empty composer", |s| s.contains("ctrl-s send"));
    tmux.text("checking on this #fail");
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
