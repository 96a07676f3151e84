//! `hark rules test`: the rules over the cache, changing nothing.

use clap::Subcommand;

use super::cache::{read_only, since};
use crate::domain::now;
use crate::rules::apply::dry_run;
use crate::rules::RuleSet;
use crate::sanitize::{inert_line, truncate_to_width};
use crate::workspace::Workspace;

#[derive(Debug, Subcommand)]
pub enum RulesAction {
    /// Run the rules over the cache without changing anything: per rule, how many items
    /// it would touch and a sample.
    Test {
        /// How far back: "7d", "24h".
        #[arg(long, default_value = "7d")]
        since: String,
        /// A JSON object instead of the report (fields in the README).
        #[arg(long)]
        json: bool,
    },
}

pub fn run(workspace: &Workspace, action: RulesAction) -> anyhow::Result<()> {
    let RulesAction::Test {
        since: since_text,
        json,
    } = action;
    let rules = RuleSet::compile(&workspace.config.rules)?;
    let conn = read_only(workspace)?;
    let (report, fired) = dry_run(
        &conn,
        &rules,
        workspace.config.escalation.spike.as_ref(),
        since(Some(&since_text))?,
        now(),
    )?;
    if json {
        let out = json_report(&report, &fired, &since_text);
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(());
    }
    print!("{}", format_dry_run(&report, &fired, &since_text));
    Ok(())
}

/// The `rules test` report.
pub fn format_dry_run(
    report: &[crate::rules::apply::DryRun],
    fired: &[i64],
    since_text: &str,
) -> String {
    let mut out = format!("rules over the last {since_text} (nothing is changed):\n");
    if report.is_empty() {
        out.push_str("  no [[rule]] in the config\n");
    }
    for r in report {
        out.push_str(&format!(
            "\n{}: {} item{}\n",
            inert_line(&r.rule),
            r.count,
            if r.count == 1 { "" } else { "s" }
        ));
        for (id, author, body) in &r.sample {
            out.push_str(&format!(
                "  #{id} {}: {}\n",
                crate::sanitize::handle(author),
                truncate_to_width(&inert_line(body), 70)
            ));
        }
    }
    for at in fired {
        let when = jiff::Timestamp::from_second(*at)
            .map(|t| t.to_string())
            .unwrap_or_default();
        out.push_str(&format!(
            "\nspike rule would fire for the hour starting {when}\n"
        ));
    }
    out
}

/// `hark rules test --json`.
#[derive(Debug, serde::Serialize)]
pub struct JsonReport {
    pub since: String,
    pub rules: Vec<JsonRule>,
    /// Unix seconds of each hour the spike rule would fire for.
    pub spike_hours: Vec<i64>,
}

#[derive(Debug, serde::Serialize)]
pub struct JsonRule {
    pub rule: String,
    /// How many items it would touch.
    pub count: usize,
    pub sample: Vec<JsonSample>,
}

#[derive(Debug, serde::Serialize)]
pub struct JsonSample {
    pub id: i64,
    pub author: String,
    pub body: String,
}

pub fn json_report(
    report: &[crate::rules::apply::DryRun],
    fired: &[i64],
    since_text: &str,
) -> JsonReport {
    JsonReport {
        since: since_text.to_string(),
        rules: report
            .iter()
            .map(|r| JsonRule {
                rule: r.rule.clone(),
                count: r.count,
                sample: r
                    .sample
                    .iter()
                    .map(|(id, author, body)| JsonSample {
                        id: *id,
                        author: author.clone(),
                        body: body.clone(),
                    })
                    .collect(),
            })
            .collect(),
        spike_hours: fired.to_vec(),
    }
}
