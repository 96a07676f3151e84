//! Slack's rate-limit tiers, per method (docs "Rate limits"; each method's page names its
//! tier), kept by hark itself so a poll never asks more than Slack allows: a sliding
//! minute per method.
//!
//! Since May 29, 2025 a commercially distributed app that is not in the Slack Marketplace
//! may call `conversations.history` and `conversations.replies` once a minute each, for
//! at most 15 messages (and existing installations of such apps since March 3, 2026);
//! internal (customer-built) and Marketplace apps keep Tier 3. [`Access`] says which
//! applies to the account.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The largest page a limited app gets from `conversations.history`/`.replies`.
pub const LIMITED_PAGE: u32 = 15;
/// The page hark asks for otherwise (the docs recommend no more than 200).
pub const FULL_PAGE: u32 = 200;

const MINUTE: Duration = Duration::from_secs(60);

/// Which limits the app's reads of history run under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Access {
    /// Not known yet: the first page of history tells (see [`clamped`]).
    #[default]
    Auto,
    /// An internal (customer-built) or Marketplace app: Tier 3.
    Internal,
    /// A commercial app outside the Marketplace: one history read a minute, 15 messages.
    Limited,
}

/// The calls per minute Slack allows `method` (the low end of its tier).
pub fn per_minute(method: &str, limited: bool) -> u32 {
    match method {
        "conversations.history" | "conversations.replies" if limited => 1,
        // Tier 1.
        "apps.connections.open" => 1,
        // Tier 2.
        "conversations.list" | "conversations.kick" => 20,
        // Tier 3.
        "conversations.history"
        | "conversations.replies"
        | "conversations.info"
        | "chat.delete" => 50,
        // Special: about one message a second per channel.
        "chat.postMessage" => 60,
        // Tier 4, and auth.test (special, generous).
        _ => 100,
    }
}

/// True when a history answer shows Slack cut the page to the limited app's 15: fewer
/// than asked, exactly 15, and more to come.
pub fn clamped(asked: u32, got: usize, has_more: bool) -> bool {
    asked > LIMITED_PAGE && got == LIMITED_PAGE as usize && has_more
}

/// Calls made per method within the last minute.
#[derive(Debug, Default)]
pub struct Pacer {
    calls: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl Pacer {
    /// Takes one call of `method` from its budget, or says how long until one is free.
    pub fn take(&self, method: &str, limited: bool) -> Result<(), Duration> {
        self.take_at(method, limited, Instant::now())
    }

    fn take_at(&self, method: &str, limited: bool, now: Instant) -> Result<(), Duration> {
        let mut calls = self.calls.lock().expect("pacer lock");
        let window = calls.entry(method.to_string()).or_default();
        while window
            .front()
            .is_some_and(|t| now.duration_since(*t) >= MINUTE)
        {
            window.pop_front();
        }
        if window.len() as u32 >= per_minute(method, limited) {
            let oldest = *window.front().expect("a full window has calls");
            return Err(MINUTE
                .saturating_sub(now.duration_since(oldest))
                .max(Duration::from_secs(1)));
        }
        window.push_back(now);
        Ok(())
    }

    /// (remaining, limit) of `method` this minute.
    pub fn budget(&self, method: &str, limited: bool) -> (u32, u32) {
        let now = Instant::now();
        let calls = self.calls.lock().expect("pacer lock");
        let used = calls.get(method).map_or(0, |w| {
            w.iter()
                .filter(|t| now.duration_since(**t) < MINUTE)
                .count() as u32
        });
        let limit = per_minute(method, limited);
        (limit.saturating_sub(used), limit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_limited_app_reads_history_once_a_minute_and_an_internal_one_fifty_times() {
        let pacer = Pacer::default();
        let t = Instant::now();
        assert!(pacer.take_at("conversations.history", true, t).is_ok());
        let wait = pacer
            .take_at("conversations.history", true, t + Duration::from_secs(20))
            .unwrap_err();
        assert_eq!(wait, Duration::from_secs(40));
        assert!(pacer
            .take_at("conversations.history", true, t + MINUTE)
            .is_ok());
        assert!(
            pacer.take_at("conversations.replies", true, t).is_ok(),
            "per method"
        );
        let internal = Pacer::default();
        for _ in 0..50 {
            assert!(internal.take_at("conversations.history", false, t).is_ok());
        }
        assert!(internal.take_at("conversations.history", false, t).is_err());
        assert_eq!(internal.budget("conversations.history", false), (0, 50));
    }

    #[test]
    fn a_page_cut_to_fifteen_with_more_to_come_is_the_limited_app() {
        assert!(clamped(200, 15, true));
        assert!(!clamped(200, 15, false), "the channel had just 15");
        assert!(!clamped(200, 14, true), "Slack may return fewer than asked");
        assert!(!clamped(15, 15, true), "asked for 15");
    }
}
