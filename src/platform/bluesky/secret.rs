//! The app password, from `token_env` or `token_cmd` (DESIGN.md §3). Kept private to the
//! Bluesky connector until the connectors share one resolver.

use std::fmt;
use std::process::Command;

use crate::config::AccountConfig;

/// A secret that never prints itself.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(…)")
    }
}

/// Reads the account's app password. Errors name where it was looked for, never its value.
pub fn resolve(account: &AccountConfig) -> anyhow::Result<Secret> {
    if let Some(var) = &account.token_env {
        return match std::env::var(var) {
            Ok(v) if !v.trim().is_empty() => Ok(Secret::new(v.trim())),
            _ => anyhow::bail!(
                "account `{}`: the environment variable {var} (token_env) is not set",
                account.name
            ),
        };
    }
    if let Some(cmd) = &account.token_cmd {
        let output = Command::new("sh")
            .arg("-c")
            .arg(cmd)
            .stdin(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .output()
            .map_err(|e| {
                anyhow::anyhow!("account `{}`: cannot run token_cmd: {e}", account.name)
            })?;
        if !output.status.success() {
            anyhow::bail!(
                "account `{}`: token_cmd failed ({})",
                account.name,
                output.status
            );
        }
        let value = String::from_utf8(output.stdout).map_err(|_| {
            anyhow::anyhow!("account `{}`: token_cmd printed non-UTF-8", account.name)
        })?;
        let line = value.lines().next().unwrap_or("").trim().to_string();
        if line.is_empty() {
            anyhow::bail!("account `{}`: token_cmd printed nothing", account.name);
        }
        return Ok(Secret::new(line));
    }
    anyhow::bail!(
        "account `{}`: set token_env or token_cmd to the Bluesky app password",
        account.name
    )
}
