//! The clock a first-response time is measured on. On the wall clock every second counts;
//! with business hours only the seconds inside opening hours, in the SLA's time zone, on
//! days that are not holidays. Opening times are local wall-clock times, so on a DST
//! change the day's instants move with the clock.

use std::collections::BTreeSet;

use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};

use super::WeekHours;
use crate::domain::UnixTime;

#[derive(Debug, Clone, Default)]
pub struct Clock {
    business: Option<Business>,
}

#[derive(Debug, Clone)]
struct Business {
    hours: WeekHours,
    tz: TimeZone,
    holidays: BTreeSet<Date>,
}

impl Clock {
    /// Every second counts.
    pub fn wall() -> Clock {
        Clock::default()
    }

    /// Only seconds inside `hours` in `tz`, outside `holidays`.
    pub fn business(hours: WeekHours, tz: TimeZone, holidays: BTreeSet<Date>) -> Clock {
        Clock {
            business: Some(Business {
                hours,
                tz,
                holidays,
            }),
        }
    }

    pub fn is_business(&self) -> bool {
        self.business.is_some()
    }

    /// The seconds that count between `from` and `to` (zero if `to` is not after `from`).
    pub fn elapsed(&self, from: UnixTime, to: UnixTime) -> i64 {
        if to <= from {
            return 0;
        }
        match &self.business {
            None => to - from,
            Some(_) => self.timeline(from, to).elapsed(from, to),
        }
    }

    /// A lookup table answering [`Timeline::elapsed`] for any instants in [from, to] in
    /// O(log n): the report measures thousands of items over the same weeks.
    pub fn timeline(&self, from: UnixTime, to: UnixTime) -> Timeline {
        let Some(b) = &self.business else {
            return Timeline::wall();
        };
        let local = |t: UnixTime| {
            Timestamp::from_second(t)
                .map(|ts| ts.to_zoned(b.tz.clone()).date())
                .unwrap_or(Date::MIN)
        };
        // A day early: a range opened the evening before may run past midnight.
        let first = local(from.min(to))
            .checked_sub(1.day())
            .unwrap_or(Date::MIN);
        let last = local(from.max(to));
        let mut windows = Vec::new();
        let mut date = first;
        while date <= last {
            if !b.holidays.contains(&date) {
                for &(start, end) in b.hours.on(date.weekday()) {
                    if let (Some(s), Some(e)) = (b.instant(date, start), b.instant(date, end)) {
                        if e > s {
                            windows.push((s, e));
                        }
                    }
                }
            }
            match date.checked_add(1.day()) {
                Ok(next) => date = next,
                Err(_) => break,
            }
        }
        Timeline::new(windows)
    }
}

impl Business {
    /// The instant of `minutes` after local midnight of `date` (past 1440: the next day).
    fn instant(&self, date: Date, minutes: u32) -> Option<UnixTime> {
        let date = date.checked_add(((minutes / 1440) as i64).days()).ok()?;
        let m = minutes % 1440;
        let time = Time::new((m / 60) as i8, (m % 60) as i8, 0, 0).ok()?;
        // A time the DST change skips counts from the moment after the gap.
        let zoned = date.to_datetime(time).to_zoned(self.tz.clone()).ok()?;
        Some(zoned.timestamp().as_second())
    }
}

/// Counting seconds over a fixed set of open windows.
#[derive(Debug, Clone)]
pub struct Timeline {
    /// Sorted, non-overlapping [start, end).
    windows: Vec<(i64, i64)>,
    /// Seconds open before window i.
    before: Vec<i64>,
}

impl Timeline {
    fn wall() -> Timeline {
        Timeline {
            windows: vec![(i64::MIN / 4, i64::MAX / 4)],
            before: vec![0],
        }
    }

    fn new(mut windows: Vec<(i64, i64)>) -> Timeline {
        windows.sort_unstable();
        // Overlapping ranges ("mon 09:00-18:00, mon 17:00-20:00") count once.
        let mut merged: Vec<(i64, i64)> = Vec::with_capacity(windows.len());
        for (s, e) in windows {
            match merged.last_mut() {
                Some(last) if s <= last.1 => last.1 = last.1.max(e),
                _ => merged.push((s, e)),
            }
        }
        let mut before = Vec::with_capacity(merged.len());
        let mut total = 0;
        for (s, e) in &merged {
            before.push(total);
            total += e - s;
        }
        Timeline {
            windows: merged,
            before,
        }
    }

    /// Open seconds before `t`.
    fn at(&self, t: i64) -> i64 {
        let i = self.windows.partition_point(|w| w.1 <= t);
        match self.windows.get(i) {
            Some(&(s, _)) if s < t => self.before[i] + (t - s),
            Some(_) => self.before[i],
            None => {
                self.before.last().copied().unwrap_or(0)
                    + self.windows.last().map_or(0, |w| w.1 - w.0)
            }
        }
    }

    /// Open seconds between `from` and `to` (zero if `to` is not after `from`).
    pub fn elapsed(&self, from: UnixTime, to: UnixTime) -> i64 {
        if to <= from {
            return 0;
        }
        self.at(to) - self.at(from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: i64 = 3600;

    fn madrid(holidays: &[&str]) -> Clock {
        Clock::business(
            WeekHours::parse("mon-fri 09:00-18:00").unwrap(),
            TimeZone::get("Europe/Madrid").unwrap(),
            holidays.iter().map(|d| d.parse().unwrap()).collect(),
        )
    }

    /// A Madrid wall-clock time as an instant.
    fn at(text: &str) -> UnixTime {
        let dt: jiff::civil::DateTime = text.parse().unwrap();
        dt.to_zoned(TimeZone::get("Europe/Madrid").unwrap())
            .unwrap()
            .timestamp()
            .as_second()
    }

    #[test]
    fn a_weekend_does_not_count() {
        // Fri 27 Nov 2026 17:00 to Mon 30 Nov 10:00: one hour on Friday, one on Monday.
        let clock = madrid(&[]);
        assert_eq!(
            clock.elapsed(at("2026-11-27T17:00"), at("2026-11-30T10:00")),
            2 * HOUR
        );
        // Posted and answered on Saturday: nothing counts.
        assert_eq!(
            clock.elapsed(at("2026-11-28T10:00"), at("2026-11-28T16:00")),
            0
        );
        assert_eq!(
            Clock::wall().elapsed(at("2026-11-28T10:00"), at("2026-11-28T16:00")),
            6 * HOUR
        );
    }

    #[test]
    fn the_night_does_not_count() {
        // Tue 20:00 to Wed 09:30: half an hour; Tue 17:30 to Wed 09:30: an hour.
        let clock = madrid(&[]);
        assert_eq!(
            clock.elapsed(at("2026-11-24T20:00"), at("2026-11-25T09:30")),
            HOUR / 2
        );
        assert_eq!(
            clock.elapsed(at("2026-11-24T17:30"), at("2026-11-25T09:30")),
            HOUR
        );
        // A range that runs past midnight: Fri 22:00-02:00 counts 4 hours, in two days.
        let late = Clock::business(
            WeekHours::parse("fri 22:00-02:00").unwrap(),
            TimeZone::get("Europe/Madrid").unwrap(),
            BTreeSet::new(),
        );
        assert_eq!(
            late.elapsed(at("2026-11-27T12:00"), at("2026-11-28T12:00")),
            4 * HOUR
        );
        assert_eq!(
            late.elapsed(at("2026-11-28T01:00"), at("2026-11-28T12:00")),
            HOUR
        );
    }

    #[test]
    fn a_dst_change_counts_the_hours_the_clock_shows() {
        // Madrid springs forward on Sun 29 Mar 2026 (02:00 becomes 03:00): a 24h opening
        // day has 23 hours; the autumn change on Sun 25 Oct 2026 gives 25.
        let always = Clock::business(
            WeekHours::parse("mon-sun 00:00-24:00").unwrap(),
            TimeZone::get("Europe/Madrid").unwrap(),
            BTreeSet::new(),
        );
        assert_eq!(
            always.elapsed(at("2026-03-29T00:00"), at("2026-03-30T00:00")),
            23 * HOUR
        );
        assert_eq!(
            always.elapsed(at("2026-10-25T00:00"), at("2026-10-26T00:00")),
            25 * HOUR
        );
        // Office hours are wall-clock hours on either side of the change: Fri 17:00 to
        // Mon 10:00 is two hours though the offset changed over the weekend.
        let clock = madrid(&[]);
        assert_eq!(
            clock.elapsed(at("2026-03-27T17:00"), at("2026-03-30T10:00")),
            2 * HOUR
        );
    }

    #[test]
    fn a_holiday_does_not_count() {
        // Thu 24 Dec 17:00 to Mon 28 Dec 10:00 with Christmas Day a holiday: two hours.
        let clock = madrid(&["2026-12-25"]);
        assert_eq!(
            clock.elapsed(at("2026-12-24T17:00"), at("2026-12-28T10:00")),
            2 * HOUR
        );
        assert_eq!(
            madrid(&[]).elapsed(at("2026-12-24T17:00"), at("2026-12-28T10:00")),
            11 * HOUR
        );
    }

    #[test]
    fn a_timeline_answers_like_the_clock() {
        let clock = madrid(&["2026-12-25"]);
        let (from, to) = (at("2026-11-01T00:00"), at("2027-01-10T00:00"));
        let timeline = clock.timeline(from, to);
        let mut t = from;
        while t < to {
            let u = t + 7 * HOUR + 1234;
            assert_eq!(timeline.elapsed(t, u.min(to)), clock.elapsed(t, u.min(to)));
            t += 11 * HOUR + 17;
        }
    }
}
