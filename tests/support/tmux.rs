//! Drives hark in a real terminal (tmux) for the end-to-end tests: start a command, send
//! keys, read the screen as a person would. Needs tmux on the PATH (`.ci/run` installs it).

use std::process::Command;
use std::time::{Duration, Instant};

/// A tmux server of its own (a private socket), killed when dropped.
pub struct Tmux {
    socket: String,
}

impl Tmux {
    /// Runs `command` in a `width`x`height` terminal; `name` keeps sockets of concurrent
    /// tests apart.
    pub fn start(name: &str, width: u16, height: u16, command: &str) -> Tmux {
        let socket = format!("hark-e2e-{name}-{}-{width}", std::process::id());
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

    /// Sends keys one by one, as tmux names them ("j", "Enter", "Escape", "C-s").
    pub fn keys(&self, keys: &[&str]) {
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

    /// Types `text` literally.
    #[allow(dead_code)]
    pub fn text(&self, text: &str) {
        let status = Command::new("tmux")
            .args(["-L", &self.socket, "send-keys", "-t", "e2e", "-l", text])
            .status()
            .unwrap();
        assert!(status.success());
        std::thread::sleep(Duration::from_millis(80));
    }

    pub fn screen(&self) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket, "capture-pane", "-p", "-t", "e2e"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Whether the screen shows what `ok` looks for within `secs`.
    #[allow(dead_code)]
    pub fn shows_within(&self, secs: u64, ok: impl Fn(&str) -> bool) -> bool {
        let deadline = Instant::now() + Duration::from_secs(secs);
        while Instant::now() < deadline {
            if ok(&self.screen()) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        false
    }

    /// Waits until the screen shows what `ok` looks for; panics with the screen if not.
    pub fn wait_for(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(60);
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

    /// A tmux format about the pane, e.g. `#{alternate_on}`, `#{cursor_flag}`, `#{pane_tty}`.
    #[allow(dead_code)]
    pub fn pane(&self, format: &str) -> String {
        let out = Command::new("tmux")
            .args([
                "-L",
                &self.socket,
                "display-message",
                "-p",
                "-t",
                "e2e",
                format,
            ])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// Whether the program in the terminal is still running.
    #[allow(dead_code)]
    pub fn alive(&self) -> bool {
        Command::new("tmux")
            .args(["-L", &self.socket, "has-session", "-t", "e2e"])
            .status()
            .map(|s| s.success())
            .unwrap_or(false)
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
