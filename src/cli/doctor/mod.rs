//! `hark doctor`: what is wrong with this set-up, one line per check, each failure with
//! its fix. Exit status 1 when any check fails.

mod accounts;
mod local;

use std::path::Path;

use serde::Serialize;

/// One check's outcome (also the `--json` shape: see the README).
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    /// What was checked: "config", "database", "token mastodon-brand", …
    pub check: String,
    pub ok: bool,
    /// What was found; never a secret.
    pub detail: String,
    /// How to fix it, for a failed check.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

impl Check {
    pub fn pass(check: impl Into<String>, detail: impl Into<String>) -> Check {
        Check {
            check: check.into(),
            ok: true,
            detail: detail.into(),
            fix: None,
        }
    }

    pub fn fail(
        check: impl Into<String>,
        detail: impl Into<String>,
        fix: impl Into<String>,
    ) -> Check {
        Check {
            check: check.into(),
            ok: false,
            detail: detail.into(),
            fix: Some(fix.into()),
        }
    }

    /// `✓ name: detail` or `✗ name: detail → fix`: the mark carries the meaning, not colour.
    pub fn line(&self) -> String {
        let detail = crate::sanitize::inert_line(&self.detail);
        match (&self.fix, self.ok) {
            (_, true) | (None, false) => {
                format!("{} {}: {detail}", mark(self.ok), self.check)
            }
            (Some(fix), false) => format!(
                "{} {}: {detail} → {}",
                mark(self.ok),
                self.check,
                crate::sanitize::inert_line(fix)
            ),
        }
    }
}

fn mark(ok: bool) -> &'static str {
    if ok {
        "✓"
    } else {
        "✗"
    }
}

/// Runs every check and prints them; an error (exit 1) when any failed.
pub fn run(config_path: &Path, data_dir: &Path, json: bool) -> anyhow::Result<()> {
    let checks = checks(config_path, data_dir)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&checks)?);
    } else {
        for check in &checks {
            println!("{}", check.line());
        }
    }
    let failed = checks.iter().filter(|c| !c.ok).count();
    if failed > 0 {
        anyhow::bail!(
            "{failed} check{} failed",
            if failed == 1 { "" } else { "s" }
        );
    }
    Ok(())
}

/// Every check, in the order a user fixes them: config, files, accounts, escalation,
/// terminal.
pub fn checks(config_path: &Path, data_dir: &Path) -> anyhow::Result<Vec<Check>> {
    let (config_check, config) = local::config(config_path);
    let mut out = vec![config_check];
    out.extend(local::permissions(data_dir));
    out.push(local::database(data_dir));
    if let Some(config) = config {
        let runtime = super::runtime()?;
        out.extend(runtime.block_on(accounts::all(&config.accounts, data_dir)));
        out.extend(local::escalation(&config.escalation));
    }
    out.extend(local::terminal());
    Ok(out)
}
