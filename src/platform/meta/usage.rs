//! The usage headers Graph sends with its answers
//! (developers.facebook.com/docs/graph-api/overview/rate-limiting): `X-App-Usage`,
//! `X-Page-Usage` and `X-Business-Use-Case-Usage` give the percent of each limit used over
//! its rolling window, and the BUC and Page forms an `estimated_time_to_regain_access` in
//! minutes once throttled. Graph names no reset time, so hark spaces its reads out as the
//! highest of them climbs, and stops reading at the top until the estimate has passed.

use std::time::Duration;

use reqwest::header::HeaderMap;
use serde_json::Value;

/// Below this percent used, reads go at the poller's own pace.
pub const SLOW_FROM: f64 = 75.0;
/// From this percent on, reads stop until the window has room again.
pub const STOP_AT: f64 = 95.0;
/// The pause between reads just under [`STOP_AT`]; it grows linearly from nothing at
/// [`SLOW_FROM`].
pub const MAX_PAUSE: Duration = Duration::from_secs(10 * 60);
/// The pause at [`STOP_AT`] when no header names a time to regain access.
pub const STOP_PAUSE: Duration = Duration::from_secs(15 * 60);

/// What the last answer's headers said.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Usage {
    /// The highest percent used across every limit reported (call count, CPU, time).
    pub percent: f64,
    /// The longest `estimated_time_to_regain_access`, when one is non-zero.
    pub regain: Option<Duration>,
}

impl Usage {
    /// The usage in `headers`; `None` when they carry no usage header.
    pub fn from_headers(headers: &HeaderMap) -> Option<Usage> {
        let mut usage: Option<Usage> = None;
        for name in ["x-app-usage", "x-page-usage", "x-business-use-case-usage"] {
            let Some(value) = headers.get(name).and_then(|v| v.to_str().ok()) else {
                continue;
            };
            let Ok(json) = serde_json::from_str::<Value>(value) else {
                tracing::debug!(header = name, "graph: unreadable usage header");
                continue;
            };
            let u = usage.get_or_insert_with(Usage::default);
            if name == "x-business-use-case-usage" {
                // `{"<business id>": [{"type": "pages", "call_count": 28, …}, …]}`
                for entries in json.as_object().into_iter().flat_map(|o| o.values()) {
                    for entry in entries.as_array().into_iter().flatten() {
                        u.merge(entry);
                    }
                }
            } else {
                u.merge(&json);
            }
        }
        usage
    }

    fn merge(&mut self, entry: &Value) {
        for field in ["call_count", "total_cputime", "total_time"] {
            if let Some(p) = entry.get(field).and_then(Value::as_f64) {
                self.percent = self.percent.max(p);
            }
        }
        let minutes = entry
            .get("estimated_time_to_regain_access")
            .and_then(Value::as_f64)
            .filter(|m| m.is_finite() && *m > 0.0);
        if let Some(m) = minutes {
            let wait = Duration::from_secs((m * 60.0).ceil().min(86_400.0) as u64);
            self.regain = Some(self.regain.map_or(wait, |r| r.max(wait)));
        }
    }

    /// How long to leave between this answer and the next read.
    pub fn pause(&self) -> Option<Duration> {
        if let Some(regain) = self.regain {
            return Some(regain);
        }
        if self.percent >= STOP_AT {
            return Some(STOP_PAUSE);
        }
        if self.percent < SLOW_FROM {
            return None;
        }
        let share = (self.percent - SLOW_FROM) / (STOP_AT - SLOW_FROM);
        Some(Duration::from_secs(
            (MAX_PAUSE.as_secs_f64() * share).ceil().max(1.0) as u64,
        ))
    }

    /// Percent of the budget left, for the status bar.
    pub fn left(&self) -> u32 {
        (100.0 - self.percent).clamp(0.0, 100.0).round() as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn the_highest_percent_of_every_header_counts() {
        // Shapes as in the Graph API's rate-limiting guide.
        let h = headers(&[
            (
                "x-app-usage",
                r#"{"call_count":28,"total_time":25,"total_cputime":25}"#,
            ),
            (
                "x-business-use-case-usage",
                r#"{"112233":[{"type":"pages","call_count":81,"total_cputime":10,"total_time":12,"estimated_time_to_regain_access":0}]}"#,
            ),
        ]);
        let u = Usage::from_headers(&h).unwrap();
        assert_eq!(u.percent, 81.0);
        assert_eq!(u.regain, None);
        assert_eq!(u.left(), 19);
        assert_eq!(Usage::from_headers(&HeaderMap::new()), None);
    }

    #[test]
    fn reads_slow_down_as_usage_climbs_and_stop_for_the_estimate() {
        let at = |p| {
            Usage {
                percent: p,
                regain: None,
            }
            .pause()
        };
        assert_eq!(at(50.0), None);
        assert_eq!(at(74.9), None);
        assert_eq!(at(80.0), Some(Duration::from_secs(150)));
        assert_eq!(at(90.0), Some(Duration::from_secs(450)));
        assert_eq!(at(96.0), Some(STOP_PAUSE));
        let h = headers(&[(
            "x-page-usage",
            r#"{"call_count":100,"total_cputime":4,"total_time":4,"estimated_time_to_regain_access":7}"#,
        )]);
        let u = Usage::from_headers(&h).unwrap();
        assert_eq!(u.pause(), Some(Duration::from_secs(7 * 60)));
    }
}
