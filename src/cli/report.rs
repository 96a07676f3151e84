//! `hark report` on a workspace: arguments, opening the cache read-only, writing files.

use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::report::{Format, Options, Spec};
use crate::workspace::Workspace;

/// Write the weekly report for the social media manager.
#[derive(Debug, Clone, clap::Args)]
pub struct ReportArgs {
    /// An ISO week, like 2026-W47 (default: the last full week).
    #[arg(long, value_name = "WEEK", conflicts_with_all = ["from", "to"])]
    pub week: Option<String>,
    /// First day of a custom period (YYYY-MM-DD), with --to.
    #[arg(long, value_name = "DATE", requires = "to")]
    pub from: Option<String>,
    /// Last day of a custom period (included), with --from.
    #[arg(long, value_name = "DATE", requires = "from")]
    pub to: Option<String>,
    /// Write the report here (SVG charts go beside it) instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// md (for people), csv or json (for BI tools).
    #[arg(long, value_enum, default_value = "md")]
    pub format: Format,
    /// Time zone for days and weeks (default: [report] tz in the config, else UTC).
    #[arg(long, value_name = "ZONE")]
    pub tz: Option<String>,
}

impl ReportArgs {
    pub fn spec(&self) -> Spec {
        match (&self.week, &self.from, &self.to) {
            (Some(week), _, _) => Spec::Week(week.clone()),
            (None, Some(from), Some(to)) => Spec::Range {
                from: from.clone(),
                to: to.clone(),
            },
            _ => Spec::LastWeek,
        }
    }
}

pub fn run(workspace: &Workspace, args: &ReportArgs) -> anyhow::Result<()> {
    let db = workspace.db_path();
    if !db.exists() {
        anyhow::bail!(
            "no cache at {}: run `hark` or `hark poll` first (or `hark demo --no-tui --data-dir DIR` to try it)",
            db.display()
        );
    }
    let conn = crate::store::report::open(&db)?;
    let opts = Options {
        spec: args.spec(),
        tz: args
            .tz
            .clone()
            .unwrap_or_else(|| workspace.config.report.tz.clone()),
        target_secs: workspace.config.sla.first_response.as_secs() as i64,
        clock: workspace.config.sla.sla(&workspace.config.report.tz)?.clock,
        brand: workspace.config.brand.clone(),
        now: crate::domain::now(),
    };
    let mut data = crate::report::compute(&conn, &opts)?;
    if let Some(team) = &workspace.config.team {
        let members = crate::team::names(team);
        data = crate::report::with_team(data, &conn, &members, &opts.clock)?;
    }
    let stem = args.out.as_deref().map(stem_of);
    let rendered = crate::report::render(&data, args.format, stem.as_deref());
    match &args.out {
        None => print!("{}", rendered.text),
        Some(path) => {
            let dir = path.parent().unwrap_or(Path::new(""));
            write(path, &rendered.text)?;
            for (name, contents) in &rendered.files {
                write(&dir.join(name), contents)?;
            }
            eprintln!(
                "wrote {}{}",
                path.display(),
                match rendered.files.len() {
                    0 => String::new(),
                    n => format!(" and {n} chart{}", if n == 1 { "" } else { "s" }),
                }
            );
        }
    }
    Ok(())
}

fn stem_of(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "report".into())
}

fn write(path: &Path, contents: &str) -> anyhow::Result<()> {
    std::fs::write(path, contents).with_context(|| format!("cannot write {}", path.display()))
}
