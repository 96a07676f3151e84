//! `hark demo`: a throwaway workspace fed by the simulated networks.

use std::path::PathBuf;
use std::time::Duration;

use crate::config::{AccountConfig, Config, PollConfig};
use crate::platform::demo::{DemoConnector, Release, NETWORKS};
use crate::platform::Connector;
use crate::store::{ingest, WriterHandle};
use crate::workspace::Workspace;

/// The demo brand.
pub const BRAND: &str = "Nimbus Coffee";

/// The demo's configuration: one account per simulated network, polled every few seconds
/// so new items visibly arrive.
pub fn config() -> Config {
    let accounts = NETWORKS
        .iter()
        .zip([3u64, 5, 8])
        .map(|(network, secs)| AccountConfig {
            name: format!("demo-{network}"),
            platform: "demo".into(),
            handle: "@nimbuscoffee".into(),
            interval: Some(Duration::from_secs(secs)),
            server: None,
            token_env: None,
            token_cmd: None,
            network: Some(network.to_string()),
        })
        .collect();
    Config {
        brand: BRAND.into(),
        poll: PollConfig::default(),
        accounts,
        keys: Default::default(),
        ..Config::default()
    }
}

/// The demo workspace in `data_dir`, or in a fresh temporary directory (removed when the
/// returned guard drops).
pub fn workspace(
    data_dir: Option<PathBuf>,
) -> anyhow::Result<(Workspace, Option<tempfile::TempDir>)> {
    let (dir, guard) = match data_dir {
        Some(dir) => (dir, None),
        None => {
            let temp = tempfile::Builder::new().prefix("hark-demo-").tempdir()?;
            (temp.path().to_path_buf(), Some(temp))
        }
    };
    let config_path = dir.join("demo-config.toml");
    Ok((Workspace::new(config(), config_path, dir), guard))
}

/// Loads every demo item at once (for `hark demo --no-tui`); returns how many are stored.
pub async fn load_all(workspace: &Workspace, writer: &WriterHandle) -> anyhow::Result<usize> {
    let pipeline = crate::ingest::Pipeline::new();
    let mut stored = 0;
    for account in &workspace.config.accounts {
        let network = account.network.clone().unwrap_or_default();
        let connector = DemoConnector::new(&network, Release::All)?;
        let (name, handle) = (account.name.clone(), account.handle.clone());
        let platform = connector.platform().to_string();
        let account_id = writer
            .call(move |c| ingest::ensure_account(c, &name, &platform, &handle))
            .await?;
        let cursor = writer.call(move |c| ingest::cursor(c, account_id)).await?;
        let page = connector.fetch(cursor.as_deref()).await?;
        let incoming = pipeline.prepare(page.items);
        let next = page.next_cursor;
        let report = writer
            .call(move |c| {
                ingest::ingest(
                    c,
                    account_id,
                    &incoming,
                    next.as_deref(),
                    crate::domain::now(),
                )
            })
            .await?;
        stored += report.inserted.len();
    }
    Ok(stored)
}
