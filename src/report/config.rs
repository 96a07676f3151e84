//! `[report]` and `[sla]` in config.toml: the report's time zone and the first-response
//! target it measures against.

use std::time::Duration;

use serde::Deserialize;

/// `[report]`: how the weekly report reads time.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ReportConfig {
    /// An IANA time zone ("Europe/Madrid"): days and weeks start at local midnight.
    #[serde(default = "default_tz")]
    pub tz: String,
}

impl Default for ReportConfig {
    fn default() -> Self {
        ReportConfig { tz: default_tz() }
    }
}

fn default_tz() -> String {
    "UTC".to_string()
}

/// `[sla]`: the brand's service targets.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SlaConfig {
    /// How soon an item that needs a reply should get its first answer.
    #[serde(
        default = "default_first_response",
        deserialize_with = "crate::duration::deserialize"
    )]
    pub first_response: Duration,
}

impl Default for SlaConfig {
    fn default() -> Self {
        SlaConfig {
            first_response: default_first_response(),
        }
    }
}

fn default_first_response() -> Duration {
    Duration::from_secs(3600)
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::time::Duration;

    use crate::config::Config;

    #[test]
    fn report_and_sla_sections_parse_with_defaults() {
        let config = Config::parse("", Path::new("c.toml")).unwrap();
        assert_eq!(config.report.tz, "UTC");
        assert_eq!(config.sla.first_response, Duration::from_secs(3600));
        let text = "[report]\ntz = \"Europe/Madrid\"\n[sla]\nfirst_response = \"30m\"\n";
        let config = Config::parse(text, Path::new("c.toml")).unwrap();
        assert_eq!(config.report.tz, "Europe/Madrid");
        assert_eq!(config.sla.first_response, Duration::from_secs(1800));
    }

    #[test]
    fn an_unknown_time_zone_or_bad_target_is_a_clear_error() {
        let err = Config::parse("[report]\ntz = \"Madrid\"\n", Path::new("c.toml"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("[report] tz") && err.contains("Madrid"),
            "{err}"
        );
        let err = Config::parse("[sla]\nfirst_response = \"soon\"\n", Path::new("c.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("sla.first_response"), "{err}");
    }
}
