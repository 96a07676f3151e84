//! The terminal is always given back: `hark demo` in a real terminal (tmux),
//! started from `sh -c` as a launcher would, then stopped by each signal a terminal program
//! receives. After each the shell's terminal must be usable: main screen, cursor shown,
//! line editing and echo back on. Needs tmux on the PATH (`.ci/run` installs it).

use std::process::{Command, Stdio};

mod support;
use support::tmux::Tmux;

/// The pid of hark, the child of the pane's shell.
fn hark_pid(tmux: &Tmux) -> String {
    let shell = tmux.pane("#{pane_pid}");
    let out = Command::new("pgrep")
        .args(["-P", &shell])
        .output()
        .expect("pgrep");
    let pid = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(!pid.is_empty() && !pid.contains('\n'), "one child: {pid:?}");
    pid
}

fn stopped_by(signal: &str, code: i32) {
    let dir = tempfile::tempdir().unwrap();
    let command = format!(
        "{} demo --data-dir {}; echo \"hark exited $?\"; exec sleep 600",
        env!("CARGO_BIN_EXE_hark"),
        dir.path().join("data").display()
    );
    let tmux = Tmux::start(&format!("sig{signal}"), 100, 30, &command);
    tmux.wait_for("the demo inbox", |s| s.contains("Nimbus Coffee"));
    assert_eq!(
        tmux.pane("#{alternate_on}"),
        "1",
        "the UI is on the alternate screen"
    );

    let status = Command::new("kill")
        .args(["-s", signal, &hark_pid(&tmux)])
        .status()
        .unwrap();
    assert!(status.success());
    let screen = tmux.wait_for("hark to exit", |s| s.contains("hark exited"));
    assert!(
        screen.contains(&format!("hark exited {code}")),
        "SIG{signal} ends hark with {code}:\n{screen}"
    );
    assert_eq!(
        tmux.pane("#{alternate_on}"),
        "0",
        "SIG{signal}: main screen"
    );
    assert_eq!(
        tmux.pane("#{cursor_flag}"),
        "1",
        "SIG{signal}: cursor shown"
    );
    let tty = tmux.pane("#{pane_tty}");
    let stty = Command::new("stty")
        .args(["-a", "-F", &tty])
        .output()
        .unwrap();
    let modes = String::from_utf8_lossy(&stty.stdout);
    for mode in ["icanon", "echo", "isig", "opost"] {
        assert!(
            modes.split_whitespace().any(|m| m == mode),
            "SIG{signal}: the tty has `{mode}` back:\n{modes}"
        );
    }
}

#[test]
fn sigint_gives_the_terminal_back() {
    stopped_by("INT", 130);
}

#[test]
fn sighup_gives_the_terminal_back() {
    stopped_by("HUP", 129);
}

#[test]
fn sigquit_gives_the_terminal_back() {
    stopped_by("QUIT", 131);
}

#[test]
fn sigterm_gives_the_terminal_back() {
    stopped_by("TERM", 143);
}

#[test]
fn without_a_terminal_the_inbox_says_so_and_writes_nothing_to_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_hark"))
        .args(["demo", "--data-dir"])
        .arg(dir.path().join("data"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("needs a terminal"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(out.stdout.is_empty(), "nothing on stdout: {:?}", out.stdout);
}

#[cfg(unix)]
#[test]
fn an_existing_data_directory_keeps_its_permissions_and_the_cm_is_warned() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("shared");
    std::fs::create_dir(&data).unwrap();
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
    let command = format!(
        "{} demo --data-dir {}",
        env!("CARGO_BIN_EXE_hark"),
        data.display()
    );
    let tmux = Tmux::start("perms", 200, 30, &command);
    let screen = tmux.wait_for("the warning", |s| {
        s.contains("is readable by group or others (mode 755)")
    });
    assert!(screen.contains("Nimbus Coffee"), "{screen}");
    let mode = std::fs::metadata(&data).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o755, "hark never changes an existing directory");
    // The cache hark created there is private all the same.
    let db = std::fs::metadata(data.join("hark.db")).unwrap();
    assert_eq!(db.permissions().mode() & 0o777, 0o600);
}

#[test]
fn a_log_that_cannot_be_written_is_an_error_naming_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    // Today's log file cannot be created: a directory has its name.
    let today = jiff::Timestamp::now().strftime("%Y-%m-%d").to_string();
    std::fs::create_dir_all(data.join(format!("hark.log.{today}"))).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_hark"))
        .args(["poll", "--once", "--config"])
        .arg(dir.path().join("none.toml"))
        .arg("--data-dir")
        .arg(&data)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stderr.contains("cannot write hark's log in"), "{stderr}");
}

#[test]
fn ctrl_c_in_the_editor_belongs_to_the_editor_and_hark_keeps_the_text() {
    let dir = tempfile::tempdir().unwrap();
    // An editor that ignores ctrl-c (as vim does), writes after a while, and says when
    // it is running so the test presses ctrl-c inside it.
    let editor = dir.path().join("editor.sh");
    std::fs::write(
        &editor,
        "#!/bin/sh\ntrap '' INT\necho 'EDITOR RUNNING'\nsleep 3\necho 'written in the editor' > \"$1\"\n",
    )
    .unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&editor, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let command = format!(
        "EDITOR={} {} demo --data-dir {}",
        editor.display(),
        env!("CARGO_BIN_EXE_hark"),
        dir.path().join("data").display()
    );
    let tmux = Tmux::start("editor-int", 120, 40, &command);
    tmux.wait_for("the item pane", |s| s.contains("author "));
    // While the list reloads under a burst of arrivals `r` can find no item: try again.
    for _ in 0..5 {
        tmux.keys(&["r"]);
        if tmux.shows_within(4, |s| s.contains("ctrl-s send")) {
            break;
        }
    }
    tmux.wait_for("the composer", |s| s.contains("ctrl-s send"));
    tmux.keys(&["C-e"]);
    tmux.wait_for("the editor", |s| s.contains("EDITOR RUNNING"));
    tmux.keys(&["C-c"]);
    let screen = tmux.wait_for("the text back from the editor", |s| {
        s.contains("written in the editor")
    });
    assert!(screen.contains("ctrl-s send"), "still composing:\n{screen}");
    assert!(tmux.alive());
}

#[test]
fn a_first_run_offers_a_starter_config_then_says_how_to_start() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("conf/config.toml");
    let command = format!(
        "{} --config {} --data-dir {}",
        env!("CARGO_BIN_EXE_hark"),
        config.display(),
        dir.path().join("data").display()
    );
    let tmux = Tmux::start("first-run", 100, 30, &command);
    tmux.wait_for("the offer", |s| {
        s.contains("Write a commented starter config")
    });
    tmux.keys(&["y", "Enter"]);
    let screen = tmux.wait_for("the empty inbox", |s| s.contains("No accounts yet"));
    assert!(screen.contains("hark demo"), "{screen}");
    let written = std::fs::read_to_string(&config).expect("the starter config is written");
    assert!(written.contains("# [[account]]"), "{written}");
    tmux.keys(&["q"]);
}
