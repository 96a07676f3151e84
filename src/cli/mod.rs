//! The command line: the clap definitions and the dispatch; each subcommand lives in its
//! own file.

mod account;
mod bench;
mod cache;
mod config;
mod demo;
mod docs;
mod doctor;
mod escalations;
mod export;
mod first_run;
mod poll;
mod poll_once;
mod progress;
pub mod report;
pub mod rules;
mod sentiment;
mod team;
mod tui;
mod unreadable;

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};

use crate::workspace::{default_dirs, Workspace};

/// hark: one keyboard-driven inbox for a brand's mentions, comments and DMs.
#[derive(Debug, Parser)]
#[command(name = "hark", version = env!("HARK_VERSION"), about)]
pub struct Cli {
    /// No progress bars (they show only when stderr is a terminal anyway).
    #[arg(long, short, global = true)]
    pub quiet: bool,
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
    /// Export the items with one tag, or matching a limit pattern, one row per item (for
    /// the team that owns the tag).
    Export {
        #[arg(long, required_unless_present = "query")]
        tag: Option<String>,
        /// A limit pattern, as `l` takes it: '~t bug ~s neg !~r'.
        #[arg(long)]
        query: Option<String>,
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
        action: rules::RulesAction,
    },
    /// Platform records hark could not read, with their raw text (counted in the TUI).
    Unreadable,
    /// Open escalations and their notifications.
    Escalations {
        /// Put failed notifications back in the queue (sent by the next running hark).
        #[arg(long)]
        retry: bool,
        /// The open incidents as JSON (fields in the README).
        #[arg(long)]
        json: bool,
    },
    /// Write the weekly report for the social media manager (markdown, CSV or JSON).
    Report(report::ReportArgs),
    /// Show or check the configuration.
    Config {
        #[command(subcommand)]
        action: ConfigAction,
    },
    /// Check the set-up: config, file permissions, the cache, each account's token and
    /// server, escalation targets, the terminal. Exit status 1 when a check fails.
    Doctor {
        /// One JSON array instead of lines (fields in the README).
        #[arg(long)]
        json: bool,
    },
    /// Print a shell completion script (source it from the shell's startup file).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff): `hark man > ~/.local/share/man/man1/hark.1`.
    Man,
    /// Team mode (`[team]`): create the team database's schema, or see who is online.
    Team {
        #[command(subcommand)]
        action: TeamAction,
    },
    /// Connect a platform account, or list the accounts.
    Account {
        #[command(subcommand)]
        action: AccountAction,
    },
}

#[derive(Debug, Subcommand)]
pub enum AccountAction {
    /// The configured accounts and their last poll.
    List {
        /// One JSON array instead of lines (fields in the README).
        #[arg(long)]
        json: bool,
    },
    /// Sign in to a platform and print the [[account]] block for the config.
    Add {
        #[command(subcommand)]
        platform: AddPlatform,
    },
}

#[derive(Debug, Subcommand)]
pub enum TeamAction {
    /// Create (or bring up to date) the schema in the team's PostgreSQL.
    Init,
    /// Who is online, and which machine polls each account.
    Status,
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
    /// A Matrix account (access token from --token-env/--token-cmd, or --password-env).
    Matrix(crate::platform::matrix::setup::AddArgs),
    /// An X account: OAuth 2.0 with PKCE (loopback redirect or a pasted code).
    X(crate::platform::x::setup::AddArgs),
    /// A Facebook Page (a long-lived Page or system-user token).
    Facebook(crate::platform::meta::setup::FacebookArgs),
    /// An Instagram professional account linked to a Facebook Page.
    Instagram(crate::platform::meta::setup::InstagramArgs),
    /// A LinkedIn organization: 3-legged OAuth as its administrator (loopback or pasted code).
    Linkedin(crate::platform::linkedin::setup::AddArgs),
    /// A Discord bot in one server (bot token from --token-env or --token-cmd).
    Discord(crate::platform::discord::setup::AddArgs),
    /// A Slack workspace through a bot token (and optionally an admin's user token).
    Slack(crate::platform::slack::setup::AddArgs),
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
    /// Only the weekly report's figures, for the cache in --data-dir.
    Report,
    /// Only opening and key-to-frame figures (scrolling, switching views, search), for
    /// the cache in --data-dir.
    Keys {
        /// Key presses per key-to-frame figure.
        #[arg(long, default_value_t = 300)]
        presses: usize,
    },
    /// Only the ingest comparison and language detection speed (no cache needed).
    Languages,
    /// Only the limit-pattern figures; with --reindex, also the full-text index rebuilt
    /// without and with stemming (time and cache size each).
    Find {
        #[arg(long)]
        reindex: bool,
        /// Only this limit pattern, timed step by step in All and the Inbox (repeatable).
        #[arg(long)]
        pattern: Vec<String>,
    },
    /// Team mode: N sync clients (one process each, caches copied from the snapshot in
    /// --data-dir) on one PostgreSQL (--database, else a private cluster).
    Team {
        #[arg(long, default_value_t = 5)]
        clients: usize,
        /// State changes made one at a time, each watched by every other client.
        #[arg(long, default_value_t = 100)]
        changes: usize,
        /// Changes the team makes while one client is offline.
        #[arg(long, default_value_t = 50_000)]
        offline: usize,
        /// Key presses on the client measuring key to frame.
        #[arg(long, default_value_t = 300)]
        presses: usize,
        /// The clients' poll interval (the poll lease lasts half of it).
        #[arg(long, default_value_t = 2_000)]
        interval_ms: u64,
        /// A team database of the bench's own (password from HARK_BENCH_TEAM_PASSWORD).
        #[arg(long)]
        database: Option<String>,
    },
    /// One client of `hark bench team` (the bench starts them).
    #[command(hide = true)]
    TeamClient {
        #[arg(long)]
        database: String,
        #[arg(long)]
        password_env: Option<String>,
        #[arg(long)]
        machine: String,
        #[arg(long)]
        interval_ms: u64,
        #[arg(long)]
        copy: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ConfigAction {
    /// Print where the config file and the data directory are.
    Path,
    /// Validate the config file and exit (non-zero on errors).
    Check {
        /// A JSON object instead of a line (fields in the README).
        #[arg(long)]
        json: bool,
    },
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
    progress::set_quiet(cli.quiet);
    let (default_config, default_data) = default_dirs()?;
    let config_path = cli.config.clone().unwrap_or(default_config);
    let data_dir = cli.data_dir.clone();
    let data_or_default = data_dir.clone().unwrap_or(default_data);
    let load = || Workspace::load(config_path.clone(), data_or_default.clone());
    match cli.command {
        None => {
            first_run::offer(&config_path)?;
            let workspace = load()?;
            tui::run_tui(workspace)
        }
        Some(Command::Demo { no_tui }) => demo::run(data_dir, no_tui),
        Some(Command::Poll { once }) => {
            let workspace = load()?;
            poll::run_poll(workspace, once)
        }
        Some(Command::Account {
            action: AccountAction::Add { platform },
        }) => account::add_account(platform, &data_or_default),
        Some(Command::Account {
            action: AccountAction::List { json },
        }) => account::list(&load()?, json),
        Some(Command::Completions { shell }) => docs::completions(shell, &mut std::io::stdout()),
        Some(Command::Man) => docs::man(&mut std::io::stdout()),
        Some(Command::Doctor { json }) => doctor::run(&config_path, &data_or_default, json),
        Some(Command::Sentiment(args)) => {
            let workspace = load()?;
            sentiment::run_sentiment(&workspace, &args)
        }
        Some(Command::Bench { action }) => {
            let dir = data_dir.context("`hark bench` needs --data-dir DIR")?;
            bench::run_bench(&dir, action)
        }
        Some(Command::Export {
            tag,
            query,
            since,
            format,
            out,
        }) => export::run(&load()?, tag, query, since, format, out),
        Some(Command::Rules { action }) => rules::run(&load()?, action),
        Some(Command::Escalations { retry, json }) => escalations::run(&load()?, retry, json),
        Some(Command::Unreadable) => unreadable::run(&load()?),
        Some(Command::Report(args)) => {
            let workspace = load()?;
            report::run(&workspace, &args)
        }
        Some(Command::Team {
            action: TeamAction::Init,
        }) => team::init(&load()?),
        Some(Command::Team {
            action: TeamAction::Status,
        }) => team::status(&load()?, &mut std::io::stdout()),
        Some(Command::Config { action }) => config::run(action, &config_path, data_or_default),
    }
}

pub(crate) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
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
