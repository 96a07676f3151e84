//! Rate-limit headers, read one way for every connector, and the wait shown as a time.
//!
//! Servers name the end of a window differently: Bluesky's `RateLimit-Reset` is epoch
//! seconds, Mastodon's `X-RateLimit-Reset` an ISO 8601 time, some servers send seconds
//! from now, and `Retry-After` is seconds or an HTTP date.

use std::time::Duration;

use jiff::tz::TimeZone;
use jiff::Timestamp;

/// A bare number above this is an epoch second (2001 onwards); below, seconds from now. No
/// window lasts 30 years, and no epoch reset lies before 2001.
const EPOCH_FLOOR: f64 = 1e9;

/// The unix second a reset or retry header value names, relative to `now` where it is a
/// delta. `None` for a value that is none of the known forms.
pub fn reset_at(value: &str, now: i64) -> Option<i64> {
    let value = value.trim();
    if let Ok(n) = value.parse::<f64>() {
        if !n.is_finite() || n < 0.0 {
            return None;
        }
        let secs = n.ceil().min(i64::MAX as f64 / 2.0) as i64;
        return Some(if n >= EPOCH_FLOOR {
            secs
        } else {
            now.saturating_add(secs)
        });
    }
    if let Ok(at) = value.parse::<Timestamp>() {
        return Some(ceil_second(at));
    }
    // An HTTP date: `Wed, 21 Oct 2015 07:28:00 GMT`.
    jiff::fmt::rfc2822::parse(value)
        .ok()
        .map(|zoned| ceil_second(zoned.timestamp()))
}

fn ceil_second(at: Timestamp) -> i64 {
    at.as_second() + i64::from(at.subsec_nanosecond() > 0)
}

/// How long until `reset`, at least a second (a reset already past still means "wait").
pub fn wait_until(reset: i64, now: i64) -> Duration {
    Duration::from_secs(reset.saturating_sub(now).max(1) as u64)
}

/// `14:05` in `tz`, with the date in front when `at` is not on `now`'s day.
pub fn clock_in(at: i64, now: i64, tz: &TimeZone) -> String {
    let (Ok(at_ts), Ok(now_ts)) = (Timestamp::from_second(at), Timestamp::from_second(now)) else {
        return format!("{}s from now", at.saturating_sub(now).max(0));
    };
    let at_local = at_ts.to_zoned(tz.clone());
    if at_local.date() == now_ts.to_zoned(tz.clone()).date() {
        at_local.strftime("%H:%M").to_string()
    } else {
        at_local.strftime("%b %-d %H:%M").to_string()
    }
}

/// `until 14:05` in the local time zone, for a wait starting now.
pub fn until_local(wait: Duration) -> String {
    let now = crate::domain::now();
    let at = now.saturating_add(wait.as_secs().min(i64::MAX as u64 / 2) as i64);
    format!("until {}", clock_in(at, now, &TimeZone::system()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_764_000_000; // 2025-11-24 16:00:00 UTC

    #[test]
    fn epoch_seconds_deltas_iso_times_and_http_dates_all_name_the_same_reset() {
        let reset = NOW + 300;
        assert_eq!(reset_at(&reset.to_string(), NOW), Some(reset));
        assert_eq!(reset_at("300", NOW), Some(reset));
        assert_eq!(reset_at(" 299.2 ", NOW), Some(reset));
        assert_eq!(reset_at("2025-11-24T16:05:00.000Z", NOW), Some(reset));
        assert_eq!(reset_at("2025-11-24T16:04:59.243Z", NOW), Some(reset));
        assert_eq!(reset_at("Mon, 24 Nov 2025 16:05:00 GMT", NOW), Some(reset));
        assert_eq!(reset_at("soon", NOW), None);
        assert_eq!(reset_at("-5", NOW), None);
        assert_eq!(reset_at("NaN", NOW), None);
        assert_eq!(reset_at("1e300", NOW).map(|r| r > NOW), Some(true));
    }

    #[test]
    fn a_wait_is_at_least_a_second_and_prints_as_a_local_time() {
        assert_eq!(wait_until(NOW - 10, NOW), Duration::from_secs(1));
        assert_eq!(wait_until(NOW + 300, NOW), Duration::from_secs(300));
        assert_eq!(clock_in(NOW + 300, NOW, &TimeZone::UTC), "16:05");
        let cet = TimeZone::fixed(jiff::tz::offset(1));
        assert_eq!(clock_in(NOW + 300, NOW, &cet), "17:05");
        assert_eq!(
            clock_in(NOW + 9 * 3600, NOW, &TimeZone::UTC),
            "Nov 25 01:00"
        );
    }
}
