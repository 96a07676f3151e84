//! `--json` output parses, with the field names the README documents; `--version` names
//! the version.

use std::process::Command;

const CONFIG: &str = r#"
brand = "Acme"

[[account]]
name = "demo-chirp"
platform = "demo"
handle = "@acme"

[[rule]]
name = "crisis words"
any = { keywords = ["recall"] }
then = { tag = ["crisis"] }
"#;

fn run(args: &[&str]) -> (tempfile::TempDir, serde_json::Value) {
    let temp = tempfile::tempdir().unwrap();
    let config = temp.path().join("config.toml");
    std::fs::write(&config, CONFIG).unwrap();
    let data = temp.path().join("data");
    std::fs::create_dir(&data).unwrap();
    drop(hark::store::open_rw(&data.join("hark.db")).unwrap());
    let out = Command::new(env!("CARGO_BIN_EXE_hark"))
        .arg("--config")
        .arg(&config)
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
    let value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    (temp, value)
}

#[test]
fn config_check_json_has_the_summary() {
    let (_t, v) = run(&["config", "check", "--json"]);
    assert_eq!(v["brand"], "Acme");
    assert_eq!(v["accounts"], 1);
    assert_eq!(v["rules"], 1);
    assert!(v["path"].as_str().unwrap().ends_with("config.toml"));
}

#[test]
fn rules_test_json_has_each_rule_and_its_count() {
    let (_t, v) = run(&["rules", "test", "--since", "7d", "--json"]);
    assert_eq!(v["since"], "7d");
    assert_eq!(v["rules"][0]["rule"], "crisis words");
    assert_eq!(v["rules"][0]["count"], 0);
    assert!(v["rules"][0]["sample"].as_array().unwrap().is_empty());
    assert!(v["spike_hours"].as_array().unwrap().is_empty());
}

#[test]
fn version_names_the_package_version() {
    let out = Command::new(env!("CARGO_BIN_EXE_hark"))
        .arg("--version")
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with(concat!("hark ", env!("CARGO_PKG_VERSION"))),
        "{text}"
    );
}
