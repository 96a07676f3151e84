//! The project's monthly read usage (`GET /2/usage/tweets`: `project_usage` of
//! `project_cap`), for the status bar. It moves slowly and the endpoint has its own small
//! budget, so it is asked at most hourly; where X does not report it (a token it refuses
//! for this endpoint, a tier without it) nothing is shown and the rest goes on.

use std::sync::Mutex;

use serde_json::Value;

use super::client::Call;
use super::XConnector;

/// How often the usage is asked.
pub const EVERY_SECS: i64 = 3600;

#[derive(Debug, Default)]
pub struct Usage(Mutex<State>);

#[derive(Debug, Default)]
struct State {
    asked_at: Option<i64>,
    /// (posts read this cycle, the cap).
    last: Option<(u64, u64)>,
}

impl Usage {
    pub fn get(&self) -> Option<(u64, u64)> {
        self.0.lock().expect("usage lock").last
    }

    /// True when it is time to ask again; notes the asking.
    fn due(&self, now: i64) -> bool {
        let mut s = self.0.lock().expect("usage lock");
        if s.asked_at.is_some_and(|at| now - at < EVERY_SECS) {
            return false;
        }
        s.asked_at = Some(now);
        true
    }
}

/// A count X writes as a string ("43435") or a number.
fn count(v: &Value) -> Option<u64> {
    v.as_u64().or_else(|| v.as_str()?.trim().parse().ok())
}

/// (usage, cap) of a `GET /2/usage/tweets` answer.
pub fn read(answer: &Value) -> Option<(u64, u64)> {
    let data = &answer["data"];
    Some((count(&data["project_usage"])?, count(&data["project_cap"])?))
}

impl XConnector {
    /// The project's monthly reads as last reported: (used, cap); `None` before X was
    /// asked. The status bar shows them as the account's note.
    pub fn monthly_usage(&self) -> Option<(u64, u64)> {
        self.usage.get()
    }

    /// Asks the usage when an hour has passed since the last asking.
    pub(super) async fn refresh_usage(&self) {
        if !self.usage.due(crate::domain::now()) {
            return;
        }
        let call = Call::get("usage", "/2/usage/tweets".into());
        match self.client.send("usage", &call).await {
            Ok(answer) => match read(&answer) {
                Some(usage) => self.usage.0.lock().expect("usage lock").last = Some(usage),
                None => tracing::info!("x: the usage answer names no project usage and cap"),
            },
            Err(e) => tracing::info!(error = %e, "x: monthly usage not reported"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_is_read_as_strings_or_numbers_and_asked_hourly() {
        let v =
            serde_json::json!({"data": {"project_usage": "43435", "project_cap": 5000000000u64}});
        assert_eq!(read(&v), Some((43435, 5_000_000_000)));
        assert_eq!(read(&serde_json::json!({"data": {}})), None);
        let u = Usage::default();
        assert!(u.due(1000));
        assert!(!u.due(1000 + EVERY_SECS - 1));
        assert!(u.due(1000 + EVERY_SECS));
    }
}
