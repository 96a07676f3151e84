//! The account's cursor: a mark per watched channel and per followed thread, saved with
//! the items of each page, so a crash re-reads at most one page.
//!
//! A channel's `mark` is the newest `ts` of it that is stored. A read from the mark pages
//! newest first; while it runs, `scan` keeps Slack's `next_cursor` and the newest `ts`
//! seen, and the mark moves only when the last page is stored: a stop in between resumes
//! at the page it stopped on, and nothing below the old mark is skipped.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::messages::ts_cmp;

/// Threads followed at most (the most recently active), each read every round.
pub const MAX_THREADS: usize = 20;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct State {
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub channels: BTreeMap<String, Mark>,
    /// `<channel>/<thread_ts>` → the thread's replies read so far.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub threads: BTreeMap<String, Mark>,
    /// Slack cut a history page to 15: the app is a limited (non-Marketplace) one.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub limited: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mark {
    /// The newest `ts` stored; `None` before the first read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mark: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scan: Option<Scan>,
    /// Threads: the brand wrote in it (its replies are owed a look).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub own: bool,
    /// Threads: the newest reply Slack reported, for keeping the most active ones.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest: Option<String>,
}

/// A read from the mark that has more pages to go.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scan {
    pub cursor: String,
    /// The newest `ts` of the pages read so far: the mark once the read is done.
    pub top: String,
}

impl State {
    /// The saved cursor; one hark cannot read (another version's, damaged) starts over,
    /// saying so, rather than stopping the account for good.
    pub fn parse(cursor: Option<&str>) -> State {
        let Some(text) = cursor.filter(|c| !c.is_empty()) else {
            return State::default();
        };
        serde_json::from_str(text).unwrap_or_else(|e| {
            tracing::warn!(error = %e, "slack: the saved cursor cannot be read; starting over");
            State::default()
        })
    }

    pub fn encode(&self) -> String {
        serde_json::to_string(self).expect("the cursor serializes")
    }

    /// Follows thread `key` from `from` (its replies after that `ts` are read), or notes
    /// its newest reply; keeps only the [`MAX_THREADS`] most recently active.
    pub fn follow(&mut self, key: String, from: &str, latest: Option<&str>) {
        let thread = self.threads.entry(key).or_insert_with(|| Mark {
            mark: Some(from.to_string()),
            ..Mark::default()
        });
        if let Some(latest) = latest {
            if thread
                .latest
                .as_deref()
                .is_none_or(|old| ts_cmp(old, latest).is_lt())
            {
                thread.latest = Some(latest.to_string());
            }
        }
        while self.threads.len() > MAX_THREADS {
            let quietest = self
                .threads
                .iter()
                .filter(|(_, t)| t.scan.is_none())
                .min_by(|a, b| {
                    let at = |t: &Mark| t.latest.clone().or(t.mark.clone()).unwrap_or_default();
                    ts_cmp(&at(a.1), &at(b.1))
                })
                .map(|(k, _)| k.clone());
            match quietest {
                Some(k) => self.threads.remove(&k),
                None => break,
            };
        }
    }
}

/// The later of two `ts`.
pub fn later(a: Option<&str>, b: &str) -> String {
    match a {
        Some(a) if ts_cmp(a, b).is_gt() => a.to_string(),
        _ => b.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cursor_round_trips_and_a_damaged_one_starts_over() {
        let mut s = State::default();
        s.channels.insert(
            "C1".into(),
            Mark {
                mark: Some("1.000100".into()),
                scan: Some(Scan {
                    cursor: "bmV4dA==".into(),
                    top: "9.0".into(),
                }),
                ..Mark::default()
            },
        );
        s.limited = true;
        assert_eq!(State::parse(Some(&s.encode())), s);
        assert_eq!(State::parse(Some("{not json")), State::default());
        assert_eq!(State::parse(None), State::default());
    }

    #[test]
    fn only_the_most_recently_active_threads_are_followed() {
        let mut s = State::default();
        for n in 0..(MAX_THREADS + 5) {
            let ts = format!("{}.0", 1000 + n);
            s.follow(format!("C1/{ts}"), &ts, Some(&ts));
        }
        assert_eq!(s.threads.len(), MAX_THREADS);
        assert!(!s.threads.contains_key("C1/1000.0"), "the quietest went");
        assert!(s
            .threads
            .contains_key(&format!("C1/{}.0", 1000 + MAX_THREADS + 4)));
        assert_eq!(later(Some("2.0"), "10.0"), "10.0");
    }
}
