//! `[poll]`: how often every account is polled, and the longest wait after errors.

use std::time::Duration;

use serde::Deserialize;

use crate::duration;
use crate::platform::AccountConfig;

/// Defaults for every poller.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PollConfig {
    /// How long to wait between polls of one account.
    #[serde(default = "default_interval", deserialize_with = "duration::poll")]
    pub interval: Duration,
    /// The longest wait after repeated errors.
    #[serde(default = "default_max_backoff", deserialize_with = "duration::poll")]
    pub max_backoff: Duration,
}

impl PollConfig {
    /// How long `account`'s poller waits between polls: its own `interval`, else this one.
    pub fn interval_for(&self, account: &AccountConfig) -> Duration {
        account.interval.unwrap_or(self.interval)
    }
}

impl Default for PollConfig {
    fn default() -> Self {
        PollConfig {
            interval: default_interval(),
            max_backoff: default_max_backoff(),
        }
    }
}

fn default_interval() -> Duration {
    Duration::from_secs(60)
}

fn default_max_backoff() -> Duration {
    Duration::from_secs(15 * 60)
}
