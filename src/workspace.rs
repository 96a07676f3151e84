//! Where hark keeps things (config file, data directory, the cache) and starting the
//! pollers for the configured accounts.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::config::Config;
use crate::ingest::Pipeline;
use crate::platform::AccountConfig;
use crate::platform::Connector;
use crate::poller::{Poller, Schedule, StatusUpdate};
use crate::rules::apply::Engine;
use crate::sentiment::Analyzer;
use crate::store::{ingest, Writer, WriterHandle, DB_FILE};

/// The default config file and data directory, from the platform's conventions.
pub fn default_dirs() -> anyhow::Result<(PathBuf, PathBuf)> {
    let dirs = directories::ProjectDirs::from("", "", "hark").context(
        "cannot find a home directory for hark's config and data (set --config and --data-dir)",
    )?;
    Ok((
        dirs.config_dir().join("config.toml"),
        dirs.data_dir().to_path_buf(),
    ))
}

/// A loaded configuration and the data directory it works on.
pub struct Workspace {
    pub config: Config,
    pub config_path: PathBuf,
    pub data_dir: PathBuf,
}

impl Workspace {
    pub fn new(config: Config, config_path: PathBuf, data_dir: PathBuf) -> Workspace {
        Workspace {
            config,
            config_path,
            data_dir,
        }
    }

    /// Loads the config at `config_path` (defaults if the file does not exist).
    pub fn load(config_path: PathBuf, data_dir: PathBuf) -> anyhow::Result<Workspace> {
        let config = Config::load(&config_path)?;
        Ok(Workspace::new(config, config_path, data_dir))
    }

    /// The ingest pipeline this config describes: sentiment (with the brand's own name
    /// and handles neutral), and the rules compiled beside the escalation settings. Where
    /// these sections meet, so it is built here, at start-up.
    pub fn pipeline(&self) -> anyhow::Result<Pipeline> {
        pipeline_of(&self.config)
    }

    pub fn db_path(&self) -> PathBuf {
        self.data_dir.join(DB_FILE)
    }

    /// Creates the data directory if needed (private) and starts the store's writer; a new
    /// cache file is created private before SQLite opens it.
    pub fn open_store(&self) -> anyhow::Result<Writer> {
        crate::private_fs::create_private_dir(&self.data_dir)
            .context("cannot create the data directory")?;
        crate::private_fs::touch_private_file(&self.db_path())
            .with_context(|| format!("cannot create {}", self.db_path().display()))?;
        if let Some(from) = crate::store::migrate::behind(&self.db_path()) {
            // Before the terminal is taken: a large cache's upgrade can take a minute.
            eprintln!(
                "hark: upgrading the cache from version {from} to {} (once; a large cache takes a while)…",
                crate::store::migrate::latest_version()
            );
        }
        let writer = Writer::spawn(&self.db_path())?;
        // Team mode's facts (or none, without [team]) before anything reads the cache.
        let local = self
            .config
            .team
            .as_ref()
            .map(crate::team::local)
            .transpose()?;
        writer
            .handle()
            .call_blocking(move |conn| crate::store::team::set_local(conn, local.as_ref()))?;
        Ok(writer)
    }

    /// Warnings about the data directory, the cache and token files others can read.
    pub fn exposure_warnings(&self) -> Vec<String> {
        crate::private_fs::exposed(&self.data_dir, DB_FILE)
            .iter()
            .map(|e| format!("warning: {e}"))
            .collect()
    }

    /// Starts one poller task per account, each with the connector `connect` builds.
    pub async fn spawn_pollers(
        &self,
        writer: &WriterHandle,
        status: mpsc::UnboundedSender<StatusUpdate>,
        connect: impl Fn(&AccountConfig) -> anyhow::Result<Arc<dyn Connector>>,
    ) -> anyhow::Result<Vec<JoinHandle<()>>> {
        self.spawn_pollers_with(writer, status, connect, None).await
    }

    /// Like [`spawn_pollers`](Self::spawn_pollers); in team mode each poller polls only
    /// while this machine holds its account's lease.
    pub async fn spawn_pollers_with(
        &self,
        writer: &WriterHandle,
        status: mpsc::UnboundedSender<StatusUpdate>,
        connect: impl Fn(&AccountConfig) -> anyhow::Result<Arc<dyn Connector>>,
        team: Option<&crate::team::Team>,
    ) -> anyhow::Result<Vec<JoinHandle<()>>> {
        let pipeline = Arc::new(self.pipeline()?);
        let mut tasks = Vec::new();
        for poller in self.pollers(writer, status, &connect, pipeline).await? {
            tasks.push(match team {
                Some(team) => team.spawn_poller(poller),
                None => tokio::spawn(poller.run()),
            });
        }
        Ok(tasks)
    }

    /// Builds the pollers without starting them (`hark poll --once` runs one round each).
    pub async fn pollers(
        &self,
        writer: &WriterHandle,
        status: mpsc::UnboundedSender<StatusUpdate>,
        connect: &dyn Fn(&AccountConfig) -> anyhow::Result<Arc<dyn Connector>>,
        pipeline: Arc<Pipeline>,
    ) -> anyhow::Result<Vec<Poller>> {
        let mut pollers = Vec::new();
        for account in &self.config.accounts {
            let connector = connect(account)?;
            let (name, platform, handle) = (
                account.name.clone(),
                connector.platform().to_string(),
                account.handle.clone(),
            );
            let account_id = writer
                .call(move |conn| ingest::ensure_account(conn, &name, &platform, &handle))
                .await?;
            let interval = self.config.poll.interval_for(account);
            pollers.push(Poller {
                account_id,
                account: account.name.clone(),
                connector,
                writer: writer.clone(),
                pipeline: pipeline.clone(),
                schedule: Schedule {
                    interval,
                    base_backoff: interval.min(std::time::Duration::from_secs(5)),
                    max_backoff: self.config.poll.max_backoff,
                },
                status: status.clone(),
            });
        }
        Ok(pollers)
    }
}

/// The ingest pipeline a config describes: sentiment settings, the brand's languages and
/// rules meet here, where the parts are assembled.
pub fn pipeline_of(config: &Config) -> anyhow::Result<Pipeline> {
    let analyzer = Arc::new(Analyzer::new(&config.sentiment_settings()));
    crate::team::check_rules(&config.rules, config.team.as_ref())?;
    let engine = Engine::new(&config.rules, &config.escalation)?;
    Ok(Pipeline::new(analyzer)
        .with_languages(config.languages.languages()?)
        .with_rules(Arc::new(engine)))
}
