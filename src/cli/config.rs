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
        ConfigAction::Check => {
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
