//! The saved position of a Graph connector, one mark per edge.
//!
//! Graph's `after` cursors only page backwards (older), so a round walks each edge newest
//! first down to its mark: the newest time a completed round saw on that edge, less
//! [`OVERLAP`] for records that become visible late. What a round has covered so far (the
//! step, the `after` of the page being walked, the objects whose comments are still to
//! read) is saved with each page, so a restart resumes mid-round; the marks move only
//! when a round completes, so nothing between them is skipped. Records read twice by the
//! overlap are the same ids: the store keeps them once.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::platform::PlatformError;

/// How far below a mark each round reads again (Graph's lists are eventually consistent).
pub const OVERLAP: i64 = 120;

/// Which edge the round is walking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Step {
    /// The Page's feed (Facebook) or the account's media (Instagram).
    Objects,
    /// The comments of each object queued by the first step.
    Comments,
    /// Posts the Page is tagged in (Facebook).
    Tagged,
    /// Messenger or Instagram conversations.
    Conversations,
}

/// An object whose comments the round still reads, with what the listing said of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Queued {
    pub id: String,
    /// Instagram's `comments_count` when listed (remembered once its comments are read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
}

/// A round in progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Round {
    pub started_at: i64,
    pub step: Step,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub queue: Vec<Queued>,
    /// The newest time seen on each edge in this round.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tops: BTreeMap<String, i64>,
    /// Instagram media listed in this round (their counts are kept, the others dropped).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub listed: Vec<String>,
}

impl Round {
    pub fn new(now: i64) -> Round {
        Round {
            started_at: now,
            step: Step::Objects,
            after: None,
            queue: Vec::new(),
            tops: BTreeMap::new(),
            listed: Vec::new(),
        }
    }

    pub fn saw(&mut self, edge: &str, at: i64) {
        let top = self.tops.entry(edge.to_string()).or_insert(at);
        *top = (*top).max(at);
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    /// Per edge: the newest time a completed round saw.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub marks: BTreeMap<String, i64>,
    /// Instagram: each recent media's `comments_count` when its comments were last read.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub counts: BTreeMap<String, u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub round: Option<Round>,
}

/// Saved cursors start with this, so a cursor of another connector is refused.
const PREFIX: &str = "graph1:";

impl Cursor {
    pub fn parse(text: Option<&str>) -> Result<Cursor, PlatformError> {
        let Some(text) = text else {
            return Ok(Cursor::default());
        };
        text.strip_prefix(PREFIX)
            .and_then(|json| serde_json::from_str(json).ok())
            .ok_or_else(|| {
                PlatformError::Permanent(format!(
                    "the saved Graph cursor `{}` is not hark's",
                    crate::sanitize::inert_line(&text.chars().take(60).collect::<String>())
                ))
            })
    }

    pub fn format(&self) -> String {
        format!(
            "{PREFIX}{}",
            serde_json::to_string(self).expect("a cursor serializes")
        )
    }

    /// The oldest time an edge reads down to: its mark less the overlap, or the look-back
    /// on a first round.
    pub fn floor(&self, edge: &str, lookback_floor: i64) -> i64 {
        match self.marks.get(edge) {
            Some(mark) => (mark - OVERLAP).max(lookback_floor),
            None => lookback_floor,
        }
    }

    /// Ends the round: its tops become the marks.
    pub fn finish(&mut self) {
        if let Some(round) = self.round.take() {
            for (edge, top) in round.tops {
                let mark = self.marks.entry(edge).or_insert(top);
                *mark = (*mark).max(top);
            }
        }
    }
}

/// Takes a newest-first page into `out` down to `floor`: each record read is an item seen
/// under `edge`, one that cannot be read is set aside as `what`, and the first older than
/// the floor ends the walk. True when the walk is over (past the floor, or no next page).
pub fn take_down_to(
    page: &super::graph::Page,
    what: &str,
    edge: &str,
    floor: i64,
    round: &mut Round,
    out: &mut crate::platform::FetchPage,
    read: impl Fn(&serde_json::Value) -> Result<crate::domain::NewItem, String>,
) -> bool {
    let mut past = false;
    for record in &page.data {
        match read(record) {
            Ok(item) if item.created_at < floor => {
                past = true;
                break;
            }
            Ok(item) => {
                round.saw(edge, item.created_at);
                out.items.push(item);
            }
            Err(reason) => out
                .unreadable
                .push(super::records::set_aside(what, record, reason)),
        }
    }
    round.after = page.after.clone();
    past || page.after.is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_foreign_ones_are_refused() {
        let mut c = Cursor::default();
        c.marks.insert("comments".into(), 1_780_000_000);
        let mut round = Round::new(5);
        round.step = Step::Comments;
        round.after = Some("QVFIU".into());
        round.queue.push(Queued {
            id: "1_2".into(),
            count: None,
        });
        c.round = Some(round);
        assert_eq!(Cursor::parse(Some(&c.format())).unwrap(), c);
        assert!(Cursor::parse(Some("n=105;p=c")).is_err());
        assert!(Cursor::parse(Some("graph1:{nope")).is_err());
    }

    #[test]
    fn marks_move_only_when_a_round_ends_and_floors_keep_the_overlap() {
        let mut c = Cursor::default();
        assert_eq!(c.floor("comments", 100), 100);
        let mut round = Round::new(0);
        round.saw("comments", 5_000);
        round.saw("comments", 4_000);
        c.round = Some(round);
        assert_eq!(c.floor("comments", 100), 100, "not before the round ends");
        c.finish();
        assert_eq!(c.floor("comments", 100), 5_000 - OVERLAP);
        assert_eq!(
            c.floor("comments", 4_990),
            4_990,
            "never below the look-back"
        );
    }
}
