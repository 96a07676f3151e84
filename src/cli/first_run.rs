//! A first run: no config file yet. On a terminal hark offers to write a commented starter
//! config (the example with its demo accounts commented out), so a new user has every key
//! explained in front of them; the inbox then says how to add an account.

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;

use anyhow::Context;

/// The documented example, shipped inside the binary.
const EXAMPLE: &str = include_str!("../../config.example.toml");

/// The example config with its active `[[account]]` blocks (the demo's) commented out:
/// every key explained, nothing polled until the CM adds an account.
pub fn starter_config() -> String {
    let mut out = String::with_capacity(EXAMPLE.len());
    let mut in_account = false;
    for line in EXAMPLE.lines() {
        if line.trim() == "[[account]]" {
            in_account = true;
        } else if line.trim().is_empty()
            || (line.starts_with('[') && !line.starts_with("[[account"))
        {
            in_account = false;
        }
        if in_account && !line.starts_with('#') {
            out.push_str("# ");
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// With no config at `path`, on a terminal: offer to write the starter there. Returns
/// whether one was written. Off a terminal nothing is asked.
pub fn offer(path: &Path) -> anyhow::Result<bool> {
    if path.exists() || !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
        return Ok(false);
    }
    print!(
        "No config at {}.\nWrite a commented starter config there (every key explained; `hark demo` tries hark without one)? [y/N] ",
        path.display()
    );
    std::io::stdout().flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    if !matches!(answer.trim(), "y" | "Y" | "yes") {
        return Ok(false);
    }
    write_starter(path)?;
    println!(
        "wrote {}: edit it, then `hark config check`",
        path.display()
    );
    Ok(true)
}

/// Writes the starter config at `path` (never over an existing file).
pub fn write_starter(path: &Path) -> anyhow::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        crate::private_fs::create_private_dir(dir)?;
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    file.write_all(starter_config().as_bytes())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_starter_parses_polls_nothing_and_keeps_every_explanation() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("conf/config.toml");
        write_starter(&path).unwrap();
        let config = crate::config::Config::load(&path).unwrap();
        assert!(config.accounts.is_empty(), "{:?}", config.accounts);
        assert_eq!(config.brand, "Nimbus Coffee");
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.contains("# [[account]]\n# name = \"demo-chirp\""),
            "{text}"
        );
        assert!(text.contains("[voice]"));
        assert!(write_starter(&path).is_err(), "never over an existing file");
    }
}
