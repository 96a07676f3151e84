//! `~d` values: an age (`<2d` newer than two days, `>1w` older than a week) or a range of
//! days (`2026-11-01..2026-11-07`, both days included; `2026-11-01`, `2026-11-01..`,
//! `..2026-11-07`). Days are UTC days.

use crate::domain::UnixTime;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimeSpec {
    /// Created less than this many seconds ago.
    Within(i64),
    /// Created more than this many seconds ago.
    OlderThan(i64),
    /// Created in `[from, until)`, in Unix seconds; `None` is open.
    Between {
        from: Option<UnixTime>,
        until: Option<UnixTime>,
    },
}

impl TimeSpec {
    /// The `[from, until)` bounds in Unix seconds at `now`.
    pub fn bounds(self, now: UnixTime) -> (Option<UnixTime>, Option<UnixTime>) {
        match self {
            // Strictly newer: an item exactly two days old is not `<2d`.
            TimeSpec::Within(secs) => (Some(now.saturating_sub(secs).saturating_add(1)), None),
            TimeSpec::OlderThan(secs) => (None, Some(now.saturating_sub(secs))),
            TimeSpec::Between { from, until } => (from, until),
        }
    }
}

const HINT: &str = "write an age like `<2d` or `>1w`, or days like `2026-11-01..2026-11-07`";

pub(super) fn parse(text: &str) -> Result<TimeSpec, String> {
    if let Some(age) = text.strip_prefix('<') {
        return Ok(TimeSpec::Within(age_secs(text, age)?));
    }
    if let Some(age) = text.strip_prefix('>') {
        return Ok(TimeSpec::OlderThan(age_secs(text, age)?));
    }
    let (from, to) = match text.split_once("..") {
        Some((from, to)) => (from, to),
        None => (text, text),
    };
    if from.is_empty() && to.is_empty() {
        return Err(format!("`{text}` is not a date range: {HINT}"));
    }
    let day = |d: &str| -> Result<Option<UnixTime>, String> {
        if d.is_empty() {
            return Ok(None);
        }
        let date: jiff::civil::Date = d
            .parse()
            .map_err(|_| format!("`{d}` is not a date (YYYY-MM-DD): {HINT}"))?;
        date.to_zoned(jiff::tz::TimeZone::UTC)
            .map(|z| Some(z.timestamp().as_second()))
            .map_err(|e| format!("`{d}`: {e}"))
    };
    let from = day(from)?;
    // The end day is included: the range runs to the start of the next day.
    let until = day(to)?.map(|t| t + 86_400);
    if let (Some(a), Some(b)) = (from, until) {
        if a >= b {
            return Err(format!("`{text}` ends before it starts"));
        }
    }
    Ok(TimeSpec::Between { from, until })
}

fn age_secs(text: &str, age: &str) -> Result<i64, String> {
    // Weeks on top of the config's durations ("90s", "5m", "2d").
    let parsed = match age.strip_suffix('w') {
        Some(weeks) => weeks
            .parse::<u64>()
            .ok()
            .filter(|w| *w <= crate::duration::LONGEST_DAYS / 7)
            .map(|w| std::time::Duration::from_secs(w * 7 * 86_400))
            .ok_or_else(|| format!("`{text}` is not an age: {HINT}")),
        None => crate::duration::parse(age).map_err(|_| format!("`{text}` is not an age: {HINT}")),
    }?;
    Ok(parsed.as_secs() as i64)
}
