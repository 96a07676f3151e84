//! Completions and the man page come from the live command definitions: every
//! subcommand is in them.

use std::process::Command;

use clap::CommandFactory;

fn hark(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_hark"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn subcommands() -> Vec<String> {
    hark::cli::Cli::command()
        .get_subcommands()
        .filter(|c| c.get_name() != "help")
        .map(|c| c.get_name().to_string())
        .collect()
}

#[test]
fn completions_for_each_shell_name_every_subcommand() {
    let names = subcommands();
    assert!(names.iter().any(|n| n == "doctor"), "{names:?}");
    for shell in ["bash", "zsh", "fish"] {
        let script = hark(&["completions", shell]);
        assert!(script.len() > 500, "{shell}: {script}");
        for name in &names {
            assert!(script.contains(name.as_str()), "{shell} misses {name}");
        }
    }
}

#[test]
fn the_man_page_mentions_every_subcommand() {
    let page = hark(&["man"]);
    assert!(page.contains(".TH hark"), "{page}");
    for name in subcommands() {
        assert!(
            page.contains(&format!("hark\\-{name}(1)")),
            "the man page misses {name}"
        );
    }
}
