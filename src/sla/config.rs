//! `[sla]` in config.toml: the first-response target and the clock it is measured on.
//!
//! ```toml
//! [sla]
//! first_response = "1h"
//! hours = "mon-fri 09:00-18:00"    # business hours; without it every hour counts
//! tz = "Europe/Madrid"             # default: [report] tz
//! holidays = ["2026-12-25", "2027-01-01"]
//! at_risk = 0.75                   # share of the target after which an item is at risk
//! ```

use std::time::Duration;

use jiff::civil::Date;
use serde::{Deserialize, Deserializer};

use super::{Clock, Sla, WeekHours};

pub const DEFAULT_AT_RISK: f64 = 0.75;

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SlaConfig {
    /// How soon an item that needs a reply should get its first answer.
    #[serde(
        default = "default_first_response",
        deserialize_with = "crate::config::deserialize_duration"
    )]
    pub first_response: Duration,
    /// Business hours; `None` measures on the wall clock.
    #[serde(default, deserialize_with = "deserialize_hours")]
    pub hours: Option<WeekHours>,
    /// The business hours' time zone (an IANA name); `None` uses `[report] tz`.
    #[serde(default, deserialize_with = "deserialize_tz")]
    pub tz: Option<String>,
    /// Days (ISO dates) on which no business hour counts.
    #[serde(default, deserialize_with = "deserialize_holidays")]
    pub holidays: Vec<Date>,
    /// The share of the target after which a waiting item is marked at risk.
    #[serde(default = "default_at_risk", deserialize_with = "deserialize_at_risk")]
    pub at_risk: f64,
}

impl Default for SlaConfig {
    fn default() -> Self {
        SlaConfig {
            first_response: default_first_response(),
            hours: None,
            tz: None,
            holidays: Vec::new(),
            at_risk: DEFAULT_AT_RISK,
        }
    }
}

impl SlaConfig {
    /// The target on its clock; `report_tz` is the zone when `[sla] tz` is not set.
    pub fn sla(&self, report_tz: &str) -> anyhow::Result<Sla> {
        let clock = match &self.hours {
            None => Clock::wall(),
            Some(hours) => {
                let tz_name = self.tz.as_deref().unwrap_or(report_tz);
                let tz = crate::report::period::time_zone(tz_name)?;
                Clock::business(hours.clone(), tz, self.holidays.iter().copied().collect())
            }
        };
        Ok(Sla {
            target: self.first_response,
            at_risk: self.at_risk,
            clock,
        })
    }
}

fn default_first_response() -> Duration {
    Duration::from_secs(3600)
}

fn default_at_risk() -> f64 {
    DEFAULT_AT_RISK
}

fn deserialize_hours<'de, D: Deserializer<'de>>(d: D) -> Result<Option<WeekHours>, D::Error> {
    let text = String::deserialize(d)?;
    WeekHours::parse(&text)
        .map(Some)
        .map_err(|e| serde::de::Error::custom(format!("hours: {e}")))
}

fn deserialize_tz<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let name = String::deserialize(d)?;
    crate::report::period::time_zone(&name).map_err(serde::de::Error::custom)?;
    Ok(Some(name))
}

fn deserialize_holidays<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Date>, D::Error> {
    Vec::<String>::deserialize(d)?
        .iter()
        .map(|text| {
            text.trim().parse::<Date>().map_err(|_| {
                serde::de::Error::custom(format!(
                    "holiday `{text}` is not a date (write it like 2026-12-25)"
                ))
            })
        })
        .collect()
}

fn deserialize_at_risk<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    let share = f64::deserialize(d)?;
    if share > 0.0 && share <= 1.0 {
        Ok(share)
    } else {
        Err(serde::de::Error::custom(format!(
            "at_risk = {share}: write a share of the target between 0 and 1, like 0.75"
        )))
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::config::Config;
    use crate::sla::Status;

    #[test]
    fn business_hours_a_zone_and_holidays_parse_and_measure() {
        let text = "[report]\ntz = \"Europe/Madrid\"\n[sla]\nfirst_response = \"2h\"\nhours = \"mon-fri 09:00-18:00\"\nholidays = [\"2026-12-25\"]\nat_risk = 0.5\n";
        let config = Config::parse(text, Path::new("c.toml")).unwrap();
        let sla = config.sla.sla(&config.report.tz).unwrap();
        assert!(sla.clock.is_business());
        // Thu 24 Dec 2026 17:00 Madrid (16:00 UTC) to Mon 28 Dec 10:00 Madrid: two
        // business hours: breached a minute later; on Monday at 09:30 it is 1.5h: at risk (past 50%).
        let posted = 1_798_128_000;
        assert_eq!(sla.status(posted, 1_798_448_460), Status::Breached);
        assert_eq!(sla.status(posted, 1_798_446_600), Status::AtRisk);
        assert_eq!(sla.status(posted, 1_798_131_600), Status::Within);
    }

    #[test]
    fn bad_sla_settings_name_the_setting() {
        for (text, says) in [
            ("[sla]\nhours = \"weekdays\"\n", "hours"),
            ("[sla]\ntz = \"Madrid\"\n", "Madrid"),
            ("[sla]\nholidays = [\"25/12\"]\n", "25/12"),
            ("[sla]\nat_risk = 75\n", "at_risk"),
        ] {
            let err = Config::parse(text, Path::new("c.toml"))
                .unwrap_err()
                .to_string();
            assert!(err.contains(says), "{text}: {err}");
        }
    }
}
