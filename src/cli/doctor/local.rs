//! The checks that stay on this machine: config, file permissions, the cache, escalation
//! targets, the terminal.

use std::io::IsTerminal;
use std::path::Path;

use super::Check;
use crate::config::Config;
use crate::escalation::EscalationConfig;
use crate::store::DB_FILE;

/// The config file found and valid; the parsed config when it is.
pub fn config(path: &Path) -> (Check, Option<Config>) {
    if !path.exists() {
        let check = Check::fail(
            "config",
            format!("no config file at {}", path.display()),
            "run `hark` to write a starter config, or copy config.example.toml there",
        );
        return (check, None);
    }
    match Config::load(path) {
        Ok(config) => {
            let n = config.accounts.len();
            let check = Check::pass(
                "config",
                format!(
                    "{} is valid (brand \"{}\", {n} account{})",
                    path.display(),
                    config.brand,
                    if n == 1 { "" } else { "s" }
                ),
            );
            (check, Some(config))
        }
        Err(e) => (
            Check::fail("config", e.to_string(), "correct the config file"),
            None,
        ),
    }
}

/// The data directory, the cache and token files private to their owner.
pub fn permissions(data_dir: &Path) -> Vec<Check> {
    let exposed = crate::private_fs::exposed(data_dir, DB_FILE);
    if exposed.is_empty() {
        return vec![Check::pass(
            "permissions",
            format!("{} and what it holds are private", data_dir.display()),
        )];
    }
    exposed
        .iter()
        .map(|e| {
            let fix = if e.path.is_dir() { "700" } else { "600" };
            Check::fail(
                "permissions",
                format!(
                    "{} is readable by group or others (mode {:03o})",
                    e.path.display(),
                    e.mode & 0o777
                ),
                format!("chmod {fix} {}", e.path.display()),
            )
        })
        .collect()
}

/// The cache: a hark cache this hark can use, and intact (`PRAGMA quick_check`).
pub fn database(data_dir: &Path) -> Check {
    let path = data_dir.join(DB_FILE);
    if !path.exists() {
        return Check::pass(
            "database",
            format!("no cache at {} yet (hark creates it)", path.display()),
        );
    }
    match inspect(&path) {
        Ok(version) => {
            let latest = crate::store::migrate::latest_version();
            let schema = if version < latest {
                format!("schema {version}, updated to {latest} on the next start")
            } else {
                format!("schema {version}")
            };
            Check::pass(
                "database",
                format!("{} is intact, {schema}", path.display()),
            )
        }
        Err(e) => Check::fail(
            "database",
            e,
            format!(
                "move {} aside (hark starts a new cache and polls again)",
                path.display()
            ),
        ),
    }
}

/// Read-only: the schema version, or why the file is not a usable cache.
fn inspect(path: &Path) -> Result<i64, String> {
    use rusqlite::OpenFlags;
    crate::store::check::not_a_directory(path).map_err(|e| e.to_string())?;
    let conn = rusqlite::Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| crate::store::classify(e, path).to_string())?;
    let version = crate::store::check::inspect(&conn, path).map_err(|e| e.to_string())?;
    let mut stmt = conn
        .prepare("PRAGMA quick_check")
        .map_err(|e| crate::store::classify(e, path).to_string())?;
    let rows: Vec<String> = stmt
        .query_map([], |r| r.get(0))
        .and_then(|rows| rows.collect())
        .map_err(|e| crate::store::classify(e, path).to_string())?;
    if rows.first().map(String::as_str) == Some("ok") {
        Ok(version)
    } else {
        let shown: Vec<&str> = rows.iter().take(3).map(String::as_str).collect();
        Err(format!(
            "{} is damaged: {}",
            path.display(),
            shown.join("; ")
        ))
    }
}

/// Notify commands runnable and webhook addresses well-formed (a webhook is never called).
pub fn escalation(config: &EscalationConfig) -> Vec<Check> {
    let mut out = Vec::new();
    for (severity, protocol) in &config.protocol {
        if let Some(command) = &protocol.notify_command {
            let name = format!("escalation {severity} command");
            let first = command.split_whitespace().next().unwrap_or("");
            out.push(if resolvable(first) {
                Check::pass(name, format!("`{first}` found"))
            } else {
                Check::fail(
                    name,
                    format!("`{first}` is not on PATH nor an existing file"),
                    "install it, or give its full path in notify_command",
                )
            });
        }
        if let Some(webhook) = &protocol.webhook {
            let name = format!("escalation {severity} webhook");
            out.push(match url::Url::parse(webhook) {
                Ok(url) if matches!(url.scheme(), "http" | "https") && url.has_host() => {
                    Check::pass(name, "a well-formed address (not called)")
                }
                _ => Check::fail(
                    name,
                    "not an http(s) address",
                    "write the full address, https://…",
                ),
            });
        }
    }
    out
}

/// A command's first word: a path that exists, or a name found on PATH.
fn resolvable(first: &str) -> bool {
    if first.is_empty() {
        return false;
    }
    if first.contains('/') {
        return Path::new(first).is_file();
    }
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(first).is_file()))
}

/// The smallest terminal the inbox lays out well in.
const MIN_SIZE: (u16, u16) = (80, 24);

/// The terminal's size and whether colours were turned off (`NO_COLOR`).
pub fn terminal() -> Vec<Check> {
    let size = if std::io::stdout().is_terminal() {
        match crossterm::terminal::size() {
            Ok((w, h)) if w < MIN_SIZE.0 || h < MIN_SIZE.1 => Check::fail(
                "terminal",
                format!("{w}×{h}, smaller than {}×{}", MIN_SIZE.0, MIN_SIZE.1),
                "enlarge the window",
            ),
            Ok((w, h)) => Check::pass("terminal", format!("{w}×{h}")),
            Err(e) => Check::pass("terminal", format!("size unknown ({e})")),
        }
    } else {
        Check::pass("terminal", "output is not a terminal; size not checked")
    };
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let colours = Check::pass(
        "colours",
        if no_color {
            "NO_COLOR is set".to_string()
        } else {
            format!(
                "TERM={} (set NO_COLOR=1 to turn colours off)",
                std::env::var("TERM").unwrap_or_else(|_| "unset".into())
            )
        },
    );
    vec![size, colours]
}
