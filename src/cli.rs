//! The command line: `hark`, `hark demo`, `hark poll`, `hark config`.

use std::path::PathBuf;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use tokio::sync::mpsc;

use crate::config::Config;
use crate::platform;
use crate::poller::{PollStatus, StatusUpdate};
use crate::tui::keymap::Keymap;
use crate::tui::model::Model;
use crate::workspace::{default_dirs, Workspace};

/// hark: one keyboard-driven inbox for a brand's mentions, comments and DMs.
#[derive(Debug, Parser)]
#[command(name = "hark", version, about)]
pub struct Cli {
    /// The config file (default: the platform's config directory, hark/config.toml).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Where the cache and logs live (default: the platform's data directory for hark).
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Try hark on a simulated brand inbox (a throwaway workspace unless --data-dir is given).
    Demo {
        /// Load every demo item into the workspace and exit, without the TUI.
        #[arg(long)]
        no_tui: bool,
    },
    /// Poll every account without the TUI (for cron or a server).
    Poll {
        /// One round per account, then exit (non-zero if any account failed).
        #[arg(long)]
        once: bool,
    },
    /// Write the weekly report for the social media manager (markdown, CSV or JSON).
    Report(crate::report::run::ReportArgs),
    /// Show or check the configuration.
    Config {
        #[command(subcommand)]
        action: ConfigAction,
    },
}

#[derive(Debug, Subcommand)]
pub enum ConfigAction {
    /// Print where the config file and the data directory are.
    Path,
    /// Validate the config file and exit (non-zero on errors).
    Check,
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    let (default_config, default_data) = default_dirs()?;
    let config_path = cli.config.clone().unwrap_or(default_config);
    let data_dir = cli.data_dir.clone();
    match cli.command {
        None => {
            let workspace = Workspace::load(config_path, data_dir.unwrap_or(default_data))?;
            run_tui(workspace)
        }
        Some(Command::Demo { no_tui }) => {
            let (workspace, _temp) = crate::demo::workspace(data_dir)?;
            if no_tui {
                runtime()?.block_on(async {
                    let writer = workspace.open_store()?;
                    let stored = crate::demo::load_all(&workspace, &writer.handle()).await?;
                    println!(
                        "loaded {stored} demo items into {}",
                        workspace.db_path().display()
                    );
                    anyhow::Ok(())
                })
            } else {
                run_tui(workspace)
            }
        }
        Some(Command::Poll { once }) => {
            let workspace = Workspace::load(config_path, data_dir.unwrap_or(default_data))?;
            run_poll(workspace, once)
        }
        Some(Command::Report(args)) => {
            let workspace = Workspace::load(config_path, data_dir.unwrap_or(default_data))?;
            crate::report::run::run(&workspace, &args)
        }
        Some(Command::Config {
            action: ConfigAction::Path,
        }) => {
            println!("config: {}", config_path.display());
            println!("data:   {}", data_dir.unwrap_or(default_data).display());
            Ok(())
        }
        Some(Command::Config {
            action: ConfigAction::Check,
        }) => {
            if !config_path.exists() {
                anyhow::bail!(
                    "no config file at {} (copy config.example.toml there)",
                    config_path.display()
                );
            }
            let config = Config::load(&config_path)?;
            println!(
                "{}: ok · brand \"{}\" · {} account{}",
                config_path.display(),
                config.brand,
                config.accounts.len(),
                if config.accounts.len() == 1 { "" } else { "s" }
            );
            Ok(())
        }
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

fn run_tui(workspace: Workspace) -> anyhow::Result<()> {
    let _log = crate::logging::init(&workspace.data_dir)?;
    let keymap = Keymap::from_config(&workspace.config.keys)?;
    runtime()?.block_on(async {
        let writer = workspace.open_store()?;
        let (status_tx, status_rx) = mpsc::unbounded_channel();
        let tasks = workspace
            .spawn_pollers(&writer.handle(), status_tx, platform::connect)
            .await?;
        let model = Model::new(keymap, workspace.config.brand.clone(), crate::domain::now());
        let result = crate::tui::run(model, writer.handle(), status_rx).await;
        tasks.iter().for_each(|t| t.abort());
        result
    })
}

fn run_poll(workspace: Workspace, once: bool) -> anyhow::Result<()> {
    let _log = crate::logging::init(&workspace.data_dir)?;
    if workspace.config.accounts.is_empty() {
        anyhow::bail!(
            "no [[account]] in {}: nothing to poll",
            workspace.config_path.display()
        );
    }
    runtime()?.block_on(async {
        let writer = workspace.open_store()?;
        let (status_tx, mut status_rx) = mpsc::unbounded_channel::<StatusUpdate>();
        if once {
            let pipeline = Arc::new(crate::ingest::Pipeline::new());
            let pollers = workspace
                .pollers(
                    &writer.handle(),
                    status_tx,
                    &|a| platform::connect(a),
                    pipeline,
                )
                .await?;
            let mut failed = 0;
            for poller in pollers {
                match poller.poll_round().await {
                    Ok(n) => println!("{}: ok, {n} new", poller.account),
                    Err(e) => {
                        failed += 1;
                        println!("{}: error: {e}", poller.account);
                    }
                }
            }
            if failed > 0 {
                anyhow::bail!("{failed} account(s) failed");
            }
            return Ok(());
        }
        let _tasks = workspace
            .spawn_pollers(&writer.handle(), status_tx, platform::connect)
            .await?;
        while let Some(update) = status_rx.recv().await {
            match update.status {
                PollStatus::Ok { .. } if update.new_items > 0 => {
                    println!("{}: {} new", update.account, update.new_items)
                }
                PollStatus::Error { message, .. } => {
                    println!("{}: error: {message}", update.account)
                }
                PollStatus::RateLimited { until } => {
                    println!("{}: rate limited until {until}", update.account)
                }
                _ => {}
            }
        }
        Ok(())
    })
}
