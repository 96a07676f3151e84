//! `hark export`, `hark rules test`, `hark escalations`: read the cache (the retry is the
//! one write), print for a person or a pipe.

use std::io::Write;

use anyhow::Context;
use clap::Subcommand;

use crate::cli::Command;
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
    },
}

fn since(text: Option<&str>) -> anyhow::Result<i64> {
    Ok(match text {
        None => i64::MIN / 2,
        Some(t) => {
            now()
                - crate::config::parse_duration(t)
                    .map_err(anyhow::Error::msg)?
                    .as_secs() as i64
        }
    })
}

fn read_only(workspace: &Workspace) -> anyhow::Result<rusqlite::Connection> {
    let path = workspace.db_path();
    if !path.exists() {
        anyhow::bail!(
            "no cache at {} yet (run hark or hark poll first)",
            path.display()
        );
    }
    Ok(crate::store::open_ro(&path)?)
}

pub fn run(command: Command, workspace: &Workspace) -> anyhow::Result<()> {
    match command {
        Command::Export {
            tag,
            since: since_text,
            format,
            out,
        } => {
            let tag = crate::store::moderation::normal_tag(&tag)
                .with_context(|| format!("`{tag}` is not a tag"))?;
            let conn = read_only(workspace)?;
            let rows = crate::export::rows(&conn, &tag, since(since_text.as_deref())?)?;
            match out {
                Some(path) => {
                    let mut file = std::fs::File::create(&path)
                        .with_context(|| format!("cannot write {}", path.display()))?;
                    crate::export::write(&mut file, &rows, format, &tag)?;
                    eprintln!(
                        "{} item{} tagged #{tag} written to {}",
                        rows.len(),
                        if rows.len() == 1 { "" } else { "s" },
                        path.display()
                    );
                }
                None => {
                    let stdout = std::io::stdout();
                    let mut lock = stdout.lock();
                    crate::export::write(&mut lock, &rows, format, &tag)?;
                    lock.flush()?;
                }
            }
            Ok(())
        }
        Command::Rules {
            action: RulesAction::Test { since: since_text },
        } => {
            let rules = RuleSet::compile(&workspace.config.rules)?;
            let conn = read_only(workspace)?;
            let (report, fired) = dry_run(
                &conn,
                &rules,
                workspace.config.escalation.spike.as_ref(),
                since(Some(&since_text))?,
                now(),
            )?;
            print!("{}", format_dry_run(&report, &fired, &since_text));
            Ok(())
        }
        Command::Unreadable => {
            let conn = read_only(workspace)?;
            print!(
                "{}",
                crate::store::aside::render(&crate::store::aside::unreadable(&conn)?)
            );
            Ok(())
        }
        Command::Escalations { retry } => {
            if retry {
                let writer = workspace.open_store()?;
                let config = workspace.config.escalation.clone();
                let retried = writer.handle().call_blocking(move |conn| {
                    crate::escalation::notify::retry_failed(conn, &config, now())
                })?;
                println!("{retried}");
                return Ok(());
            }
            let conn = read_only(workspace)?;
            let open = crate::escalation::open_list(&conn)?;
            if open.is_empty() {
                println!("no open escalations");
            }
            let t = now();
            for e in open {
                println!(
                    "#{} {:<8} {:>4} old  {} ({} item{}){}",
                    e.id,
                    e.severity,
                    crate::tui::format::age(t, e.opened_at),
                    inert_line(&e.reason),
                    e.items,
                    if e.items == 1 { "" } else { "s" },
                    if e.failed_notifications > 0 {
                        format!(
                            "  · {} notification(s) FAILED: hark escalations --retry",
                            e.failed_notifications
                        )
                    } else {
                        String::new()
                    }
                );
            }
            Ok(())
        }
        _ => unreachable!("cli routes only moderation commands here"),
    }
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
