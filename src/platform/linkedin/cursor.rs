//! Where a LinkedIn round stands, as the text the store keeps with each page.
//!
//! A round reads the organization's notifications (mentions) over one time window, then
//! the comments on its latest posts. `mark` is the newest notification time read so far
//! (LinkedIn's clock, milliseconds): the next window starts [`OVERLAP_MS`] before it, so a
//! notification LinkedIn files a little late is not missed, and the cache keeps each
//! mention once. A window's bounds are fixed in the cursor, so its pages stay stable and a
//! stop mid-window resumes at the page it reached.
//!
//! Forms: `r:<mark>` (a round to start), `n:<mark>:<from>:<to>:<start>` (a window's page),
//! `c:<mark>:<post>:<start>` (a post's comments); `-` for no mark yet. The older `post~start`
//! reads as a comments cursor with no mark.

/// How far before the mark a window starts again.
pub const OVERLAP_MS: i64 = 120_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// A round to start: open a window from the mark to now.
    Start,
    /// The notifications of `[from, to]` from offset `start`.
    Mentions { from: i64, to: i64, start: u64 },
    /// The comments of the round's `post`-th post from offset `start`.
    Comments { post: usize, start: u64 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub mark: Option<i64>,
    pub phase: Phase,
}

impl Default for Cursor {
    fn default() -> Cursor {
        Cursor {
            mark: None,
            phase: Phase::Start,
        }
    }
}

fn mark_text(mark: Option<i64>) -> String {
    mark.map_or("-".into(), |m| m.to_string())
}

impl Cursor {
    /// The cursor `text` names; anything unreadable starts a round afresh.
    pub fn parse(text: Option<&str>) -> Cursor {
        text.and_then(Cursor::read).unwrap_or_default()
    }

    fn read(text: &str) -> Option<Cursor> {
        if let Some((post, start)) = text.split_once('~') {
            return Some(Cursor {
                mark: None,
                phase: Phase::Comments {
                    post: post.parse().ok()?,
                    start: start.parse().ok()?,
                },
            });
        }
        let parts: Vec<&str> = text.split(':').collect();
        let mark = match *parts.get(1)? {
            "-" => None,
            m => Some(m.parse().ok()?),
        };
        let phase = match (parts[0], &parts[2..]) {
            ("r", []) => Phase::Start,
            ("n", [from, to, start]) => Phase::Mentions {
                from: from.parse().ok()?,
                to: to.parse().ok()?,
                start: start.parse().ok()?,
            },
            ("c", [post, start]) => Phase::Comments {
                post: post.parse().ok()?,
                start: start.parse().ok()?,
            },
            _ => return None,
        };
        Some(Cursor { mark, phase })
    }

    pub fn text(self) -> String {
        let mark = mark_text(self.mark);
        match self.phase {
            Phase::Start => format!("r:{mark}"),
            Phase::Mentions { from, to, start } => format!("n:{mark}:{from}:{to}:{start}"),
            Phase::Comments { post, start } => format!("c:{mark}:{post}:{start}"),
        }
    }

    /// The window a round starting now reads: from the mark (less the overlap), or from
    /// the look-back when no notification was read yet.
    pub fn window(mark: Option<i64>, now_ms: i64, lookback_ms: i64) -> (i64, i64) {
        let from = match mark {
            Some(m) => m - OVERLAP_MS,
            None => now_ms - lookback_ms,
        };
        (from.max(0), now_ms)
    }

    pub fn with(self, phase: Phase) -> Cursor {
        Cursor { phase, ..self }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_reads_back_and_the_old_one_too() {
        for c in [
            Cursor::default(),
            Cursor {
                mark: Some(1_702_580_000_000),
                phase: Phase::Mentions {
                    from: 1,
                    to: 2,
                    start: 10,
                },
            },
            Cursor {
                mark: None,
                phase: Phase::Comments { post: 2, start: 40 },
            },
        ] {
            assert_eq!(Cursor::parse(Some(&c.text())), c);
        }
        assert_eq!(
            Cursor::parse(Some("2~40")).phase,
            Phase::Comments { post: 2, start: 40 }
        );
        assert_eq!(Cursor::parse(Some("junk")), Cursor::default());
        assert_eq!(Cursor::parse(Some("n:-:1:2")), Cursor::default());
        assert_eq!(
            Cursor::window(Some(1_000_000), 5_000_000, 9),
            (1_000_000 - OVERLAP_MS, 5_000_000)
        );
        assert_eq!(
            Cursor::window(None, 5_000_000, 1_000),
            (4_999_000, 5_000_000)
        );
    }
}
