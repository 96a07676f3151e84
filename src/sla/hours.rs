//! Business hours as written in `[sla] hours`: "mon-fri 09:00-18:00", or several groups
//! separated by commas ("mon-fri 09:00-18:00, sat 10:00-14:00"). A range whose end is not
//! after its start runs past midnight ("fri 22:00-02:00"); "24:00" is the next midnight.

use std::fmt;

use jiff::civil::Weekday;

/// Opening minutes per weekday (Monday first): [start, end) in minutes after midnight,
/// where end may pass 1440 for a range that runs past midnight.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WeekHours {
    days: [Vec<(u32, u32)>; 7],
}

const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

impl WeekHours {
    pub fn parse(text: &str) -> Result<WeekHours, String> {
        let mut hours = WeekHours::default();
        for group in text.split(',').map(str::trim) {
            if group.is_empty() {
                continue;
            }
            let (days, times) = group.split_once(char::is_whitespace).ok_or_else(|| {
                format!("`{group}`: write days and hours, like \"mon-fri 09:00-18:00\"")
            })?;
            let (first, last) = match days.split_once('-') {
                Some((a, b)) => (day(a)?, day(b)?),
                None => (day(days)?, day(days)?),
            };
            let (start, end) = times.trim().split_once('-').ok_or_else(|| {
                format!("`{times}`: write an opening range, like \"09:00-18:00\"")
            })?;
            let (start, end) = (minute(start)?, minute(end)?);
            if start >= 24 * 60 {
                return Err(format!("`{times}`: a range cannot start at 24:00"));
            }
            let end = if end > start { end } else { end + 24 * 60 };
            let mut d = first;
            loop {
                hours.days[d].push((start, end));
                if d == last {
                    break;
                }
                d = (d + 1) % 7;
            }
        }
        if hours.days.iter().all(Vec::is_empty) {
            return Err("no opening hours given".into());
        }
        for day in &mut hours.days {
            day.sort_unstable();
        }
        Ok(hours)
    }

    /// The opening ranges on `day`, in minutes after its midnight.
    pub fn on(&self, day: Weekday) -> &[(u32, u32)] {
        &self.days[day.to_monday_zero_offset() as usize]
    }
}

fn day(text: &str) -> Result<usize, String> {
    let t = text.trim().to_ascii_lowercase();
    const NAMES: [&str; 7] = [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ];
    (0..7)
        .find(|&i| t == DAYS[i] || t == NAMES[i])
        .ok_or_else(|| format!("`{text}` is not a day (write mon, tue, wed, thu, fri, sat or sun)"))
}

fn minute(text: &str) -> Result<u32, String> {
    let bad = || format!("`{text}` is not a time (write it like 09:00)");
    let (h, m) = text.trim().split_once(':').ok_or_else(bad)?;
    let (h, m): (u32, u32) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if m >= 60 || h > 24 || (h == 24 && m > 0) {
        return Err(bad());
    }
    Ok(h * 60 + m)
}

impl fmt::Display for WeekHours {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for (i, ranges) in self.days.iter().enumerate() {
            for (s, e) in ranges {
                if !first {
                    f.write_str(", ")?;
                }
                first = false;
                let e = e % (24 * 60);
                write!(
                    f,
                    "{} {:02}:{:02}-{:02}:{:02}",
                    DAYS[i],
                    s / 60,
                    s % 60,
                    e / 60,
                    e % 60
                )?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weekdays_and_several_groups_parse() {
        let h = WeekHours::parse("mon-fri 09:00-18:00, sat 10:00-14:00").unwrap();
        assert_eq!(h.on(Weekday::Monday), &[(540, 1080)]);
        assert_eq!(h.on(Weekday::Friday), &[(540, 1080)]);
        assert_eq!(h.on(Weekday::Saturday), &[(600, 840)]);
        assert!(h.on(Weekday::Sunday).is_empty());
        let late = WeekHours::parse("fri-mon 22:00-02:00").unwrap();
        assert_eq!(late.on(Weekday::Sunday), &[(1320, 1560)]);
        assert!(late.on(Weekday::Wednesday).is_empty());
    }

    #[test]
    fn bad_hours_say_what_to_write() {
        for (text, says) in [
            ("weekdays 9-5", "is not a day"),
            ("mon-fri", "like \"mon-fri 09:00-18:00\""),
            ("mon-fri 9am-6pm", "is not a time"),
            ("mon 25:00-26:00", "is not a time"),
            ("", "no opening hours"),
        ] {
            let err = WeekHours::parse(text).unwrap_err();
            assert!(err.contains(says), "{text}: {err}");
        }
    }
}
