//! Snooze times as a CM writes them: "2h", "90m", "tomorrow", "tomorrow 9:00", "mon",
//! "fri 14:30", "17:00". Days and clock times are read in the workspace's time zone; a
//! day without a time means the start of the working day.

use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;
use jiff::Timestamp;

use crate::domain::UnixTime;

/// The hour a day named without a time starts ("tomorrow", "mon").
const MORNING: i8 = 9;

/// The choices the snooze popup offers, each with what it means.
pub const CHOICES: &[(&str, &str)] = &[
    ("1h", "in an hour"),
    ("3h", "in three hours"),
    ("tomorrow", "tomorrow at 9:00"),
    ("mon", "next Monday at 9:00"),
    ("7d", "in a week"),
];

/// When `text` says to wake, read at `now` in `tz`. Always in the future.
pub fn until(text: &str, now: UnixTime, tz: &TimeZone) -> Result<UnixTime, String> {
    let text = text.trim().to_lowercase();
    let bad = || {
        format!(
            "`{text}` is not a snooze time: write \"2h\", \"tomorrow 9:00\", \"mon\" or \"17:00\""
        )
    };
    if text.is_empty() {
        return Err(bad());
    }
    if text.starts_with(|c: char| c.is_ascii_digit()) && !text.contains(':') {
        let d = crate::duration::parse(&text)?;
        if d.is_zero() {
            return Err(format!("`{text}` is no time at all: snooze for longer"));
        }
        return Ok(now.saturating_add(d.as_secs() as i64));
    }
    let here = Timestamp::from_second(now)
        .map_err(|e| e.to_string())?
        .to_zoned(tz.clone());
    let today = here.date();
    let mut words = text.split_whitespace();
    let first = words.next().ok_or_else(bad)?;
    let (day, time) = match (day_of(first, today), words.next()) {
        (Some(day), None) => (Some(day), None),
        (Some(day), Some(time)) => (Some(day), Some(clock(time).ok_or_else(bad)?)),
        (None, None) => (None, Some(clock(first).ok_or_else(bad)?)),
        (None, Some(_)) => return Err(bad()),
    };
    if words.next().is_some() {
        return Err(bad());
    }
    let time = time.unwrap_or(Time::constant(MORNING, 0, 0, 0));
    let at = |date: Date| -> Result<UnixTime, String> {
        let zoned = date
            .to_datetime(time)
            .to_zoned(tz.clone())
            .map_err(|e| e.to_string())?;
        Ok(zoned.timestamp().as_second())
    };
    let when = match day {
        Some(day) => at(day)?,
        // A time alone is its next occurrence: today, or tomorrow once it has passed.
        None => match at(today)? {
            t if t > now => t,
            _ => at(today.tomorrow().map_err(|e| e.to_string())?)?,
        },
    };
    if when <= now {
        return Err(format!("`{text}` has already passed"));
    }
    Ok(when)
}

/// The day a word names: "today", "tomorrow", or a weekday (its next one, never today).
fn day_of(word: &str, today: Date) -> Option<Date> {
    match word {
        "today" => return Some(today),
        "tomorrow" | "tmr" => return today.tomorrow().ok(),
        _ => {}
    }
    let weekday = [
        ("mon", Weekday::Monday),
        ("tue", Weekday::Tuesday),
        ("wed", Weekday::Wednesday),
        ("thu", Weekday::Thursday),
        ("fri", Weekday::Friday),
        ("sat", Weekday::Saturday),
        ("sun", Weekday::Sunday),
    ]
    .iter()
    .find(|(short, _)| word.len() >= 3 && full_name(short).starts_with(word))
    .map(|(_, w)| *w)?;
    let mut day = today;
    for _ in 0..7 {
        day = day.tomorrow().ok()?;
        if day.weekday() == weekday {
            return Some(day);
        }
    }
    None
}

fn full_name(short: &str) -> &'static str {
    match short {
        "mon" => "monday",
        "tue" => "tuesday",
        "wed" => "wednesday",
        "thu" => "thursday",
        "fri" => "friday",
        "sat" => "saturday",
        _ => "sunday",
    }
}

/// "9:00", "14:30", "9" → a time of day.
fn clock(word: &str) -> Option<Time> {
    let (h, m) = word.split_once(':').unwrap_or((word, "0"));
    let (h, m): (i8, i8) = (h.parse().ok()?, m.parse().ok()?);
    Time::new(h, m, 0, 0).ok()
}

/// `at` as the CM reads it in `tz`: "Mon 7 Dec 09:00".
pub fn show(at: UnixTime, tz: &TimeZone) -> String {
    match Timestamp::from_second(at) {
        Ok(t) => t
            .to_zoned(tz.clone())
            .strftime("%a %-d %b %H:%M")
            .to_string(),
        Err(_) => at.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sunday 6 December 2026, 12:41 in Madrid (11:41 UTC).
    const NOW: UnixTime = 1_796_557_260;

    fn madrid() -> TimeZone {
        TimeZone::get("Europe/Madrid").unwrap()
    }

    fn at(text: &str) -> String {
        show(until(text, NOW, &madrid()).unwrap(), &madrid())
    }

    #[test]
    fn the_clock_reads_in_the_time_zone() {
        assert_eq!(show(NOW, &madrid()), "Sun 6 Dec 12:41");
    }

    #[test]
    fn durations_days_and_times() {
        assert_eq!(until("2h", NOW, &madrid()), Ok(NOW + 7200));
        assert_eq!(until("1m", NOW, &madrid()), Ok(NOW + 60));
        assert_eq!(at("tomorrow"), "Mon 7 Dec 09:00");
        assert_eq!(at("tomorrow 9:00"), "Mon 7 Dec 09:00");
        assert_eq!(at("Tomorrow 14:30"), "Mon 7 Dec 14:30");
        assert_eq!(at("mon"), "Mon 7 Dec 09:00");
        assert_eq!(at("sun"), "Sun 13 Dec 09:00", "never today: next week's");
        assert_eq!(at("friday 17:00"), "Fri 11 Dec 17:00");
        assert_eq!(at("17:00"), "Sun 6 Dec 17:00");
        assert_eq!(at("9:00"), "Mon 7 Dec 09:00", "passed today: tomorrow's");
    }

    #[test]
    fn nonsense_and_the_past_are_refused_with_the_cause() {
        for text in ["", "soon", "tomorrow at noon", "25:00", "mo", "0m"] {
            let err = until(text, NOW, &madrid()).unwrap_err();
            assert!(err.contains('`') || err.contains("snooze"), "{text}: {err}");
        }
        assert!(until("today 8:00", NOW, &madrid())
            .unwrap_err()
            .contains("already passed"));
    }
}
