//! Escalations: opening and resolving them, and the protocol from
//! `[escalation]` in the config that says who hears about each severity and what the CM
//! does next. Notifications are rows written with the escalation, naming the protocol
//! step they stand for ([`step`]), sent by [`notify`].

pub mod checklist;
mod command;
pub mod incident;
pub mod notify;
pub mod step;
mod webhook;

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Deserialize;

use crate::domain::Severity;

pub use crate::store::escalations::{open_list, NewEscalation, OpenEscalation, Topic};
pub use checklist::ChecklistStep;
pub use incident::{open, open_views, resolve_items, IncidentView, Opened};

/// `[escalation]`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct EscalationConfig {
    /// Reasons offered when flagging: short name → description.
    #[serde(default)]
    pub reasons: BTreeMap<String, String>,
    /// `[escalation.protocol.low|high|critical]`.
    #[serde(default)]
    pub protocol: BTreeMap<Severity, Protocol>,
    /// `[escalation.spike]`: flag a surge of negative items.
    #[serde(default)]
    pub spike: Option<SpikeConfig>,
    /// A rule (or the spike detector) matching again while an incident of the same topic
    /// has been open less than this attaches the item to it instead of opening another.
    #[serde(
        default = "default_group_within",
        deserialize_with = "crate::config::deserialize_duration"
    )]
    pub group_within: Duration,
    /// Who ticks checklist steps on this machine (default: `$USER`).
    #[serde(default)]
    pub user: Option<String>,
}

impl Default for EscalationConfig {
    fn default() -> Self {
        EscalationConfig {
            reasons: BTreeMap::new(),
            protocol: BTreeMap::new(),
            spike: None,
            group_within: default_group_within(),
            user: None,
        }
    }
}

fn default_group_within() -> Duration {
    Duration::from_secs(24 * 3600)
}

impl EscalationConfig {
    /// Who ticks a step: `[escalation] user`, else `$USER`, else "local".
    pub fn who(&self) -> String {
        self.user
            .clone()
            .or_else(|| std::env::var("USER").ok())
            .filter(|u| !u.trim().is_empty())
            .unwrap_or_else(|| "local".into())
    }
}

/// What happens when an escalation of one severity opens.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Protocol {
    /// Run with `sh -c`, the escalation as JSON on standard input.
    pub notify_command: Option<String>,
    #[serde(
        default = "default_timeout",
        deserialize_with = "crate::duration::deserialize"
    )]
    pub notify_timeout: Duration,
    /// POSTed the escalation as JSON; retried with backoff.
    pub webhook: Option<String>,
    /// Tries per notification before it is marked failed (the CM can retry it).
    #[serde(default = "default_attempts")]
    pub max_attempts: u32,
    /// Steps shown to the CM beside the incident's items, ticked as they are done: a
    /// string, or `{ step = "...", within = "30m" }` for a deadline from the opening.
    #[serde(default)]
    pub checklist: Vec<ChecklistStep>,
}

/// `[escalation.spike]`: negative items per hour against a rolling baseline.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SpikeConfig {
    #[serde(default = "default_spike_name")]
    pub name: String,
    /// How far back the baseline reaches.
    #[serde(
        default = "default_window",
        deserialize_with = "crate::duration::deserialize"
    )]
    pub window: Duration,
    /// Fire when the last hour has at least this many times the baseline's mean...
    pub multiple: Option<f64>,
    /// ...or is this many standard deviations above it.
    pub z_score: Option<f64>,
    /// Never fire on fewer negative items than this in the hour.
    #[serde(default = "default_min_count")]
    pub min_count: u64,
    /// After firing, stay quiet this long.
    #[serde(
        default = "default_cooldown",
        deserialize_with = "crate::duration::deserialize"
    )]
    pub cooldown: Duration,
    #[serde(default = "default_spike_severity")]
    pub severity: Severity,
    /// Items with this tag count as negative too (e.g. one a crisis rule sets), so the
    /// detector works before or without automatic sentiment.
    pub tag: Option<String>,
}

fn default_timeout() -> Duration {
    Duration::from_secs(10)
}
fn default_attempts() -> u32 {
    5
}
fn default_spike_name() -> String {
    "negative spike".into()
}
fn default_window() -> Duration {
    Duration::from_secs(24 * 3600)
}
fn default_min_count() -> u64 {
    5
}
fn default_cooldown() -> Duration {
    Duration::from_secs(6 * 3600)
}
fn default_spike_severity() -> Severity {
    Severity::Critical
}

impl EscalationConfig {
    /// Problems the config parser cannot see.
    pub fn check(&self) -> std::result::Result<(), String> {
        for (severity, p) in &self.protocol {
            if let Some(url) = &p.webhook {
                if !(url.starts_with("http://") || url.starts_with("https://")) {
                    return Err(format!(
                        "[escalation.protocol.{severity}]: webhook `{url}` is not an http(s) URL"
                    ));
                }
            }
            if p.max_attempts == 0 {
                return Err(format!(
                    "[escalation.protocol.{severity}]: max_attempts must be at least 1"
                ));
            }
        }
        if let Some(s) = &self.spike {
            if s.multiple.is_none() && s.z_score.is_none() {
                return Err(format!(
                    "[escalation.spike] `{}`: set `multiple` or `z_score`",
                    s.name
                ));
            }
            if s.window.as_secs() < 3600 {
                return Err(format!(
                    "[escalation.spike] `{}`: window must be at least 1h",
                    s.name
                ));
            }
        }
        Ok(())
    }
}

impl PartialOrd for Severity {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Severity {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        let rank = |s: &Severity| match s {
            Severity::Low => 0,
            Severity::High => 1,
            Severity::Critical => 2,
        };
        rank(self).cmp(&rank(other))
    }
}

#[cfg(test)]
#[path = "escalation_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "incident_tests.rs"]
mod incident_tests;

#[cfg(test)]
#[path = "notify_tests.rs"]
mod notify_tests;
