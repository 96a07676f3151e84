//! Encrypted events whose room key has not arrived yet (the sender's device sends it
//! to hark's device by to-device message, sometimes after the event itself).
//!
//! They are kept, retried when keys arrive, and never dropped. An event that decrypts
//! leaves only once the page that carried its item was stored: the poller saves a page
//! with its cursor, and the next fetch starts from that cursor, so a fetch from the
//! sync token an entry was read in proves its item is in the cache. A crash before
//! then re-reads the same sync, and the entry is read again.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Kept at most; past it the oldest stop being retried (they stay set aside in the
/// cache, visible, with the raw event).
pub const MAX_ENTRIES: usize = 5_000;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Pending {
    entries: Vec<Entry>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub room_id: String,
    pub event_id: String,
    /// The `m.room.encrypted` event as the sync carried it.
    pub event: Value,
    /// The sync token of the page that carried the decrypted item, until that page is
    /// known to be stored.
    pub read_in: Option<String>,
}

impl Pending {
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Keeps `event` for a retry; the same event is kept once.
    pub fn add(&mut self, room_id: &str, event_id: &str, event: &Value) {
        if self.entries.iter().any(|e| e.event_id == event_id) {
            return;
        }
        if self.entries.len() >= MAX_ENTRIES {
            let oldest = self.entries.remove(0);
            tracing::warn!(
                event = %oldest.event_id,
                "more than {MAX_ENTRIES} encrypted events wait for their keys: the oldest is no longer retried"
            );
        }
        self.entries.push(Entry {
            room_id: room_id.to_string(),
            event_id: event_id.to_string(),
            event: event.clone(),
            read_in: None,
        });
    }

    /// A fetch starts from `since`: the entries read in the page that ended with `since`
    /// are stored items now. Returns whether anything changed.
    pub fn settle(&mut self, since: Option<&str>) -> bool {
        let before = self.entries.len();
        if let Some(since) = since {
            self.entries.retain(|e| e.read_in.as_deref() != Some(since));
        }
        before != self.entries.len()
    }

    /// The event was redacted: nothing is left to read. Returns whether it was kept.
    pub fn forget(&mut self, event_id: &str) -> bool {
        let before = self.entries.len();
        self.entries.retain(|e| e.event_id != event_id);
        before != self.entries.len()
    }

    /// The entries to try now: every one when keys arrived (or on the first fetch of a
    /// process), otherwise only those read before whose page is not known stored.
    pub fn due(&self, keys_arrived: bool) -> Vec<Entry> {
        self.entries
            .iter()
            .filter(|e| keys_arrived || e.read_in.is_some())
            .cloned()
            .collect()
    }

    /// `event_id` was read in the page that ends with `next_batch`.
    pub fn read(&mut self, event_id: &str, next_batch: &str) {
        for e in self.entries.iter_mut().filter(|e| e.event_id == event_id) {
            e.read_in = Some(next_batch.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_entry_leaves_only_after_the_page_that_read_it_was_stored() {
        let mut p = Pending::default();
        p.add("!r", "$e", &json!({"type": "m.room.encrypted"}));
        p.add("!r", "$e", &json!({"type": "m.room.encrypted"}));
        assert_eq!(p.len(), 1, "kept once");
        assert!(p.due(false).is_empty(), "no key arrived: nothing to try");
        assert_eq!(p.due(true).len(), 1);
        p.read("$e", "s2");
        // The page ending with s2 was not stored (a crash): the fetch starts again from s1.
        assert!(!p.settle(Some("s1")));
        assert_eq!(p.due(false).len(), 1, "read again without new keys");
        p.read("$e", "s2");
        assert!(p.settle(Some("s2")));
        assert!(p.is_empty());
    }

    #[test]
    fn a_redacted_event_is_forgotten_and_the_oldest_stop_being_retried_past_the_cap() {
        let mut p = Pending::default();
        p.add("!r", "$gone", &json!({}));
        assert!(p.forget("$gone"));
        assert!(!p.forget("$gone"));
        for i in 0..=MAX_ENTRIES {
            p.add("!r", &format!("${i}"), &json!({}));
        }
        assert_eq!(p.len(), MAX_ENTRIES);
        assert!(p.due(true).iter().all(|e| e.event_id != "$0"));
    }
}
