//! `hark config path` and `hark config check`.

use std::path::{Path, PathBuf};

use super::ConfigAction;
use crate::config::Config;

pub fn run(action: ConfigAction, config_path: &Path, data_dir: PathBuf) -> anyhow::Result<()> {
    match action {
        ConfigAction::Path => {
            println!("config: {}", config_path.display());
            println!("data:   {}", data_dir.display());
            Ok(())
        }
        ConfigAction::Check { json } => {
            if !config_path.exists() {
                anyhow::bail!(
                    "no config file at {} (copy config.example.toml there)",
                    config_path.display()
                );
            }
            let config = Config::load(config_path)?;
            if json {
                let summary = Summary {
                    path: config_path.display().to_string(),
                    brand: config.brand.clone(),
                    accounts: config.accounts.len(),
                    rules: config.rules.len(),
                };
                println!("{}", serde_json::to_string_pretty(&summary)?);
                return Ok(());
            }
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

/// `hark config check --json` for a valid config (an invalid one exits 1 with the error on
/// stderr, as without --json).
#[derive(serde::Serialize)]
struct Summary {
    path: String,
    brand: String,
    accounts: usize,
    rules: usize,
}
