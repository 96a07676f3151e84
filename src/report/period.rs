//! The report's period: an ISO week or a range of whole days in the report's time zone,
//! the days in it, and the period just before it.
//!
//! Boundaries are local midnights turned into instants, so a week with a DST change is
//! 167 or 169 hours long and every day still starts at 00:00 on the wall clock.

use anyhow::{bail, Context};
use jiff::civil::{Date, ISOWeekDate, Weekday};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use serde::Serialize;

use crate::domain::UnixTime;

/// One local day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Day {
    pub date: String,
    /// "Mon 16", for chart labels.
    pub label: String,
    pub start: UnixTime,
    pub end: UnixTime,
}

/// A span of whole local days, [start, end).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Period {
    /// "2026-W47", or "2026-11-16 to 2026-11-22".
    pub name: String,
    pub first_day: String,
    pub last_day: String,
    pub tz: String,
    pub start: UnixTime,
    pub end: UnixTime,
    pub days: Vec<Day>,
}

/// How the user named the period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Spec {
    /// The last full ISO week before "now".
    LastWeek,
    /// "2026-W47".
    Week(String),
    /// Both days included.
    Range { from: String, to: String },
}

/// Looks up an IANA time zone name, with an error that says what to write.
pub fn time_zone(name: &str) -> anyhow::Result<TimeZone> {
    TimeZone::get(name).with_context(|| {
        format!(
            "unknown time zone `{name}` (write an IANA name such as \"Europe/Madrid\" or \"UTC\")"
        )
    })
}

impl Period {
    /// The period `spec` names, read in `tz`; `now` decides which week is "last".
    pub fn resolve(spec: &Spec, tz_name: &str, now: UnixTime) -> anyhow::Result<Period> {
        let tz = time_zone(tz_name)?;
        let (first, last, name) = match spec {
            Spec::LastWeek => {
                let today = Timestamp::from_second(now)?.to_zoned(tz.clone()).date();
                let monday = today.iso_week_date().first_of_week()?.date();
                let first = monday.checked_sub(7.days())?;
                let name = iso_name(first);
                (first, first.checked_add(6.days())?, name)
            }
            Spec::Week(text) => {
                let first = parse_week(text)?;
                (first, first.checked_add(6.days())?, iso_name(first))
            }
            Spec::Range { from, to } => {
                let first = parse_date(from, "--from")?;
                let last = parse_date(to, "--to")?;
                if last < first {
                    bail!("--to {to} is before --from {from}");
                }
                if first.until(last)?.get_days() > 366 {
                    bail!("the period is longer than a year; report on a shorter range");
                }
                (first, last, format!("{first} to {last}"))
            }
        };
        Period::from_days(first, last, name, &tz, tz_name)
    }

    fn from_days(
        first: Date,
        last: Date,
        name: String,
        tz: &TimeZone,
        tz_name: &str,
    ) -> anyhow::Result<Period> {
        let mut days = Vec::new();
        let mut date = first;
        while date <= last {
            let next = date.checked_add(1.day())?;
            days.push(Day {
                date: date.to_string(),
                label: format!("{} {:02}", weekday_short(date.weekday()), date.day()),
                start: midnight(date, tz)?,
                end: midnight(next, tz)?,
            });
            date = next;
        }
        Ok(Period {
            name,
            first_day: first.to_string(),
            last_day: last.to_string(),
            tz: tz_name.to_string(),
            start: days[0].start,
            end: days[days.len() - 1].end,
            days,
        })
    }

    /// The same number of days just before this period.
    pub fn previous(&self) -> anyhow::Result<Period> {
        let tz = time_zone(&self.tz)?;
        let first: Date = self.first_day.parse()?;
        let n = self.days.len() as i64;
        let prev_first = first.checked_sub(n.days())?;
        let prev_last = first.checked_sub(1.day())?;
        let name = if self.name.contains("-W") {
            iso_name(prev_first)
        } else {
            format!("{prev_first} to {prev_last}")
        };
        Period::from_days(prev_first, prev_last, name, &tz, &self.tz)
    }

    /// The instant `weeks` whole weeks (local calendar) before the start.
    pub fn weeks_before_start(&self, weeks: i64) -> anyhow::Result<UnixTime> {
        let tz = time_zone(&self.tz)?;
        let first: Date = self.first_day.parse()?;
        midnight(first.checked_sub((weeks * 7).days())?, &tz)
    }

    /// Which day of the period `at` falls in.
    pub fn day_index(&self, at: UnixTime) -> Option<usize> {
        // The days are in order and each starts where the one before ended.
        let i = self.days.partition_point(|d| d.end <= at);
        self.days
            .get(i)
            .filter(|d| d.start <= at && at < d.end)
            .map(|_| i)
    }

    /// Formats an instant as local "Mon 16 Nov 14:05".
    pub fn local_time(&self, at: UnixTime) -> String {
        match (time_zone(&self.tz), Timestamp::from_second(at)) {
            (Ok(tz), Ok(ts)) => ts.to_zoned(tz).strftime("%a %d %b %H:%M").to_string(),
            _ => at.to_string(),
        }
    }
}

fn midnight(date: Date, tz: &TimeZone) -> anyhow::Result<UnixTime> {
    Ok(date.to_zoned(tz.clone())?.timestamp().as_second())
}

fn iso_name(monday: Date) -> String {
    let week = monday.iso_week_date();
    format!("{}-W{:02}", week.year(), week.week())
}

fn parse_week(text: &str) -> anyhow::Result<Date> {
    let bad = || format!("`{text}` is not an ISO week (write it like 2026-W47)");
    let (year, week) = text.trim().split_once("-W").with_context(bad)?;
    let year: i16 = year.parse().ok().with_context(bad)?;
    let week: i8 = week.parse().ok().with_context(bad)?;
    Ok(ISOWeekDate::new(year, week, Weekday::Monday)
        .with_context(bad)?
        .date())
}

fn parse_date(text: &str, flag: &str) -> anyhow::Result<Date> {
    text.trim()
        .parse::<Date>()
        .with_context(|| format!("{flag} `{text}` is not a date (write it like 2026-11-16)"))
}

fn weekday_short(day: Weekday) -> &'static str {
    match day {
        Weekday::Monday => "Mon",
        Weekday::Tuesday => "Tue",
        Weekday::Wednesday => "Wed",
        Weekday::Thursday => "Thu",
        Weekday::Friday => "Fri",
        Weekday::Saturday => "Sat",
        Weekday::Sunday => "Sun",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_iso_week_runs_monday_to_sunday_in_local_time() {
        let p = Period::resolve(&Spec::Week("2026-W47".into()), "Europe/Madrid", 0).unwrap();
        assert_eq!(p.first_day, "2026-11-16");
        assert_eq!(p.last_day, "2026-11-22");
        // Madrid is UTC+1 in November: Monday 00:00 local is Sunday 23:00 UTC.
        assert_eq!(p.start, 1_794_783_600);
        assert_eq!(p.end - p.start, 7 * 86_400);
        assert_eq!(p.days[0].label, "Mon 16");
        assert_eq!(p.previous().unwrap().name, "2026-W46");
    }

    #[test]
    fn the_week_of_the_autumn_dst_change_has_169_hours() {
        let p = Period::resolve(&Spec::Week("2026-W43".into()), "Europe/Madrid", 0).unwrap();
        assert_eq!(p.last_day, "2026-10-25");
        assert_eq!(p.end - p.start, 169 * 3600);
        assert_eq!(p.days[6].end - p.days[6].start, 25 * 3600);
    }

    #[test]
    fn by_default_the_last_full_week_before_now() {
        // Tue 24 Nov 2026 03:00 UTC: the last full week is W47.
        let p = Period::resolve(&Spec::LastWeek, "Europe/Madrid", 1_795_489_200).unwrap();
        assert_eq!(p.name, "2026-W47");
    }

    #[test]
    fn bad_input_gets_a_clear_error() {
        let err = Period::resolve(&Spec::Week("W47".into()), "UTC", 0).unwrap_err();
        assert!(err.to_string().contains("2026-W47"), "{err}");
        let err = Period::resolve(&Spec::LastWeek, "Mars/Olympus", 0).unwrap_err();
        assert!(err.to_string().contains("unknown time zone"), "{err}");
        let range = Spec::Range {
            from: "2026-11-20".into(),
            to: "2026-11-16".into(),
        };
        assert!(Period::resolve(&range, "UTC", 0).is_err());
    }
}
