//! Progress shows only on a terminal: with stderr a pipe (cron, a log), a long command
//! writes no spinner there.

use std::process::Command;

#[test]
fn rescore_and_bench_write_nothing_to_a_piped_stderr() {
    let temp = tempfile::tempdir().unwrap();
    let data = temp.path().join("bench");
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_hark"))
            .arg("--config")
            .arg(temp.path().join("none.toml"))
            .arg("--data-dir")
            .arg(&data)
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(String::from_utf8_lossy(&out.stderr), "", "{args:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    assert!(run(&["bench", "generate", "--items", "200"]).starts_with("generated 200 items"));
    assert!(run(&["sentiment", "--rescore"]).starts_with("rescored 200 items"));
}
