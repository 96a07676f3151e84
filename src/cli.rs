//! The command line: `hark`, `hark demo`, `hark poll`, `hark config`.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand};
use tokio::sync::mpsc;

use crate::config::Config;
use crate::outbox::worker;
use crate::platform;
use crate::poller::{PollStatus, StatusUpdate};
use crate::tui::compose::ReplyKit;
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
    /// Build a large synthetic cache and measure hark against its performance budgets.
    Bench {
        #[command(subcommand)]
        action: BenchAction,
    },
    /// Score text from stdin (`label<TAB>compound` per line), evaluate against a
    /// ground-truth file, or rescore the cache after changing the lexicon.
    Sentiment(crate::sentiment::cli::SentimentArgs),
    /// Export the items with one tag, one row per item (for the team that owns the tag).
    Export {
        #[arg(long)]
        tag: String,
        /// How far back: "7d", "24h" (default: everything).
        #[arg(long)]
        since: Option<String>,
        #[arg(long, value_enum, default_value = "csv")]
        format: crate::export::Format,
        /// Write here instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Auto-moderation rules.
    Rules {
        #[command(subcommand)]
        action: crate::cli_moderation::RulesAction,
    },
    /// Platform records hark could not read, with their raw text (counted in the TUI).
    Unreadable,
    /// Open escalations and their notifications.
    Escalations {
        /// Put failed notifications back in the queue (sent by the next running hark).
        #[arg(long)]
        retry: bool,
    },
    /// Write the weekly report for the social media manager (markdown, CSV or JSON).
    Report(crate::report::run::ReportArgs),
    /// Show or check the configuration.
    Config {
        #[command(subcommand)]
        action: ConfigAction,
    },
    /// Connect a platform account.
    Account {
        #[command(subcommand)]
        action: AccountAction,
    },
}

#[derive(Debug, Subcommand)]
pub enum AccountAction {
    /// Sign in to a platform and print the [[account]] block for the config.
    Add {
        #[command(subcommand)]
        platform: AddPlatform,
    },
}

#[derive(Debug, Subcommand)]
pub enum AddPlatform {
    /// A Mastodon account: authorize hark in the browser, or paste a personal access token.
    Mastodon {
        /// The instance's address, such as https://example.social.
        #[arg(long, value_name = "URL")]
        instance: String,
        /// The account's name in hark's config (default: mastodon-<username>).
        #[arg(long)]
        name: Option<String>,
        /// Paste a personal access token instead of authorizing in the browser.
        #[arg(long)]
        personal_token: bool,
    },
    /// A Bluesky account (app password from --token-env or --token-cmd).
    Bluesky(crate::platform::bluesky::setup::AddArgs),
}

#[derive(Debug, Subcommand)]
pub enum BenchAction {
    /// Build a realistic cache of N items in --data-dir (which must not hold one).
    Generate {
        #[arg(long, default_value_t = 1_000_000)]
        items: usize,
        #[arg(long, default_value_t = 7)]
        seed: u64,
    },
    /// Print every figure of the performance budget for the cache in --data-dir.
    All {
        /// Key presses per key-to-frame figure.
        #[arg(long, default_value_t = 300)]
        presses: usize,
    },
}

#[derive(Debug, Subcommand)]
pub enum ConfigAction {
    /// Print where the config file and the data directory are.
    Path,
    /// Validate the config file and exit (non-zero on errors).
    Check,
}

/// An error and its causes on one line, each message once: a cause whose text an outer
/// message already quotes is not repeated.
pub fn error_text(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        let text = text.trim();
        if text.is_empty() || out.contains(text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(text);
    }
    out
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
        Some(Command::Account {
            action: AccountAction::Add { platform },
        }) => {
            let data_dir = data_dir.unwrap_or(default_data);
            add_account(platform, &data_dir)
        }
        Some(Command::Sentiment(args)) => {
            let workspace = Workspace::load(config_path, data_dir.unwrap_or(default_data))?;
            run_sentiment(&workspace, &args)
        }
        Some(Command::Bench { action }) => {
            let dir = data_dir.context("`hark bench` needs --data-dir DIR")?;
            run_bench(&dir, action)
        }
        Some(
            command @ (Command::Export { .. }
            | Command::Rules { .. }
            | Command::Escalations { .. }
            | Command::Unreadable),
        ) => {
            let workspace = Workspace::load(config_path, data_dir.unwrap_or(default_data))?;
            crate::cli_moderation::run(command, &workspace)
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
                "{}: ok · brand \"{}\" · {} account{} · {} rule{}",
                config_path.display(),
                config.brand,
                config.accounts.len(),
                if config.accounts.len() == 1 { "" } else { "s" },
                config.rules.len(),
                if config.rules.len() == 1 { "" } else { "s" }
            );
            Ok(())
        }
    }
}

fn add_account(platform: AddPlatform, data_dir: &std::path::Path) -> anyhow::Result<()> {
    use crate::platform::mastodon::setup;
    let (instance, name, personal_token) = match platform {
        AddPlatform::Mastodon {
            instance,
            name,
            personal_token,
        } => (instance, name, personal_token),
        AddPlatform::Bluesky(args) => return add_bluesky_account(&args),
    };
    let method = if personal_token {
        setup::AuthMethod::PersonalToken
    } else {
        setup::AuthMethod::OAuth
    };
    runtime()?.block_on(setup::add_account(
        &instance,
        name.as_deref(),
        method,
        data_dir,
        &mut setup::Stdin,
        &mut std::io::stdout(),
    ))
}

fn add_bluesky_account(args: &crate::platform::bluesky::setup::AddArgs) -> anyhow::Result<()> {
    let block = runtime()?.block_on(crate::platform::bluesky::setup::add(args))?;
    print!("{block}");
    Ok(())
}

fn run_sentiment(
    workspace: &Workspace,
    args: &crate::sentiment::cli::SentimentArgs,
) -> anyhow::Result<()> {
    use crate::sentiment::{cli, Analyzer};
    let settings = args.effective_config(&workspace.config.sentiment_settings());
    if args.rescore {
        let writer = workspace.open_store()?;
        let analyzer = Analyzer::new(&settings);
        let (scored, changed) = writer
            .handle()
            .call_blocking(move |conn| crate::store::sentiment::rescore(conn, &analyzer))?;
        println!("rescored {scored} items: {changed} automatic labels changed; labels you set are untouched");
        return Ok(());
    }
    let stdout = std::io::stdout();
    match &args.eval {
        Some(file) => cli::run_eval(file, &settings, stdout.lock()),
        None => cli::run_stdin(args, &settings, std::io::stdin().lock(), stdout.lock()),
    }
}

fn run_bench(dir: &std::path::Path, action: BenchAction) -> anyhow::Result<()> {
    match action {
        BenchAction::Generate { items, seed } => {
            let path = dir.join(crate::store::DB_FILE);
            anyhow::ensure!(
                !path.exists(),
                "{} already holds a cache; pick an empty directory",
                dir.display()
            );
            std::fs::create_dir_all(dir)?;
            let done = crate::bench::generate::generate(&path, items, seed)?;
            println!(
                "generated {} items in {:.1} s ({:.0} items/s) into {}",
                done.items,
                done.seconds,
                done.items as f64 / done.seconds,
                path.display()
            );
        }
        BenchAction::All { presses } => {
            let figures = crate::bench::measure::all(dir, presses)?;
            println!("| what | measured | budget | |");
            println!("| --- | --- | --- | --- |");
            for f in figures {
                let verdict = match f.ok {
                    Some(true) => "ok",
                    Some(false) => "OVER",
                    None => "",
                };
                println!("| {} | {} | {} | {verdict} |", f.what, f.value, f.budget);
            }
        }
    }
    Ok(())
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

fn run_tui(workspace: Workspace) -> anyhow::Result<()> {
    // Before anything starts: without a terminal there is nothing to draw on.
    crate::tui::terminal::require_tty()?;
    let _log = crate::logging::init(&workspace.data_dir)?;
    let keymap = Keymap::from_config(&workspace.config.keys)?;
    runtime()?.block_on(async {
        let writer = workspace.open_store()?;
        let (status_tx, status_rx) = mpsc::unbounded_channel();
        let shared = worker::connect_all(&workspace.config.accounts, |a| {
            platform::connect_in(a, Some(&workspace.data_dir))
        })?;
        let mut tasks = workspace
            .spawn_pollers(&writer.handle(), status_tx, worker::shared_connect(&shared))
            .await?;
        let connectors = worker::by_account_id(&writer.handle(), &shared).await?;
        let outbox = worker::Worker::new(writer.handle(), connectors.clone());
        let platforms = crate::threads::Platforms {
            connectors,
            pipeline: std::sync::Arc::new(workspace.pipeline()?),
        };
        tasks.push(tokio::spawn(outbox.run()));
        let mut kit = ReplyKit::from_config(&workspace.config);
        kit.sources =
            crate::tui::compose::LimitSources(shared.iter().map(|(_, c, _)| c.clone()).collect());
        let mut model = Model::new(keymap, workspace.config.brand.clone(), crate::domain::now())
            .with_replies(kit);
        model.status.tz = jiff::tz::TimeZone::system();
        // Once per run, where the CM looks first.
        let warnings = workspace.exposure_warnings();
        if !warnings.is_empty() {
            model.status.message = Some(warnings.join(" · "));
        }
        model.moderation.setup = crate::tui::moderation::Setup::from_workspace(&workspace, &shared);
        let _notifier =
            crate::escalation::notify::spawn(writer.handle(), workspace.config.escalation.clone());
        let analyzer = std::sync::Arc::new(crate::sentiment::Analyzer::new(
            &workspace.config.sentiment_settings(),
        ));
        let result = crate::tui::run(model, writer.handle(), analyzer, status_rx, platforms).await;
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
        for warning in workspace.exposure_warnings() {
            eprintln!("hark: {warning}");
        }
        let (status_tx, mut status_rx) = mpsc::unbounded_channel::<StatusUpdate>();
        let shared = worker::connect_all(&workspace.config.accounts, |a| {
            platform::connect_in(a, Some(&workspace.data_dir))
        })?;
        let outbox = worker::for_accounts(&writer.handle(), &shared).await?;
        if once {
            let pipeline = Arc::new(workspace.pipeline()?);
            let pollers = workspace
                .pollers(
                    &writer.handle(),
                    status_tx,
                    &worker::shared_connect(&shared),
                    pipeline,
                )
                .await?;
            let failed = crate::poll_once::run(
                &outbox,
                pollers,
                &writer.handle(),
                &workspace.config.escalation,
                crate::outbox::worker::RateBudget::ONCE,
            )
            .await?;
            if failed > 0 {
                anyhow::bail!("{failed} account(s) failed");
            }
            return Ok(());
        }
        let _tasks = workspace
            .spawn_pollers(&writer.handle(), status_tx, worker::shared_connect(&shared))
            .await?;
        let _outbox = tokio::spawn(outbox.run());
        let _notifier =
            crate::escalation::notify::spawn(writer.handle(), workspace.config.escalation.clone());
        while let Some(update) = status_rx.recv().await {
            if let Some(notice) = &update.notice {
                println!("{}: {notice}", update.account);
            }
            match update.status {
                PollStatus::Ok { .. } if update.new_items > 0 => {
                    println!("{}: {} new", update.account, update.new_items)
                }
                PollStatus::Error { message, .. } => {
                    println!("{}: error: {message}", update.account)
                }
                PollStatus::RateLimited { until } => println!(
                    "{}: rate limited until {}",
                    update.account,
                    crate::platform::rate_limit::clock_in(
                        until,
                        crate::domain::now(),
                        &jiff::tz::TimeZone::system()
                    )
                ),
                _ => {}
            }
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_error_chain_prints_each_message_once() {
        let io = std::io::Error::other("disk on fire");
        let e = anyhow::Error::new(io)
            .context("cannot save: disk on fire")
            .context("hark stopped");
        assert_eq!(
            super::error_text(&e),
            "hark stopped: cannot save: disk on fire"
        );
    }
}
