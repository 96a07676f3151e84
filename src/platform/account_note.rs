//! A standing note beside an account in the status bar, for as long as it holds: X's
//! monthly reads ("43k/2M reads this month"), Slack's limited app ("limited app: 1
//! read/min"). A connector says what holds now ([`Connector::account_note`]); the poller
//! carries it with each status update and the status bar shows it in one place.
//!
//! [`Connector::account_note`]: super::Connector::account_note

/// How loudly the status bar shows a note.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// For information (dim).
    Quiet,
    /// The account works slower or nears a limit (yellow).
    Warning,
    /// The account is at a limit (red).
    Alarm,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountNote {
    pub text: String,
    pub tone: Tone,
}

impl AccountNote {
    pub fn warning(text: impl Into<String>) -> AccountNote {
        AccountNote {
            text: text.into(),
            tone: Tone::Warning,
        }
    }

    /// "43k/2M reads this month" for `used` of `cap` `what`: a warning past 80% of the
    /// cap, an alarm at it.
    pub fn allowance(used: u64, cap: u64, what: &str) -> AccountNote {
        let tone = if cap > 0 && used >= cap {
            Tone::Alarm
        } else if cap > 0 && used.saturating_mul(5) >= cap.saturating_mul(4) {
            Tone::Warning
        } else {
            Tone::Quiet
        };
        AccountNote {
            text: format!("{}/{} {what}", compact(used), compact(cap)),
            tone,
        }
    }
}

/// 950, 43k, 1.5M, 5B: a count in three characters or so.
fn compact(n: u64) -> String {
    const UNITS: [(u64, &str); 3] = [(1_000_000_000, "B"), (1_000_000, "M"), (1_000, "k")];
    for (size, unit) in UNITS {
        if n >= size {
            let whole = n / size;
            let tenth = n % size * 10 / size;
            return if whole < 10 && tenth > 0 {
                format!("{whole}.{tenth}{unit}")
            } else {
                format!("{whole}{unit}")
            };
        }
    }
    n.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_allowance_reads_short_and_grows_louder_near_its_cap() {
        let note = |used, cap| AccountNote::allowance(used, cap, "reads this month");
        assert_eq!(note(43_435, 5_000_000_000).text, "43k/5B reads this month");
        assert_eq!(note(8_700, 10_000).text, "8.7k/10k reads this month");
        assert_eq!(note(950, 1_500_000).text, "950/1.5M reads this month");
        assert_eq!(note(7_999, 10_000).tone, Tone::Quiet);
        assert_eq!(note(8_000, 10_000).tone, Tone::Warning);
        assert_eq!(note(10_000, 10_000).tone, Tone::Alarm);
        assert_eq!(note(5, 0).tone, Tone::Quiet, "no cap known: no alarm");
    }
}
