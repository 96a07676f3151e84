//! Durations in the config, written "90s", "5m", "1h30m", "7d".
//!
//! Every duration field goes through [`parse`], so each one refuses numbers that would
//! overflow instead of wrapping, and callers may turn a duration into `i64` seconds safely.

use std::time::Duration;

use serde::{Deserialize, Deserializer};

/// The longest duration hark accepts: 100 years. Longer ones are typos, and this bound
/// keeps `now - duration` and `as i64` conversions far from overflowing.
pub const LONGEST_DAYS: u64 = 36_500;

/// The shortest wait between two polls of one account: faster polling hammers the
/// platform and runs into its rate limits.
pub const SHORTEST_POLL: Duration = Duration::from_secs(10);

pub fn parse(text: &str) -> Result<Duration, String> {
    let bad = || format!("`{text}` is not a duration (write it like \"90s\", \"5m\", \"1h30m\")");
    let too_long = || format!("`{text}` is too long (at most {LONGEST_DAYS}d)");
    let mut total = 0u64;
    let mut number = String::new();
    let mut any = false;
    for c in text.trim().chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        if number.is_empty() {
            return Err(bad());
        }
        // All digits, so the only way to fail is a number too big for u64.
        let n: u64 = number.parse().map_err(|_| too_long())?;
        number.clear();
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86400,
            _ => return Err(bad()),
        };
        total = n
            .checked_mul(unit)
            .and_then(|secs| total.checked_add(secs))
            .ok_or_else(too_long)?;
        any = true;
    }
    if !number.is_empty() || !any {
        return Err(bad());
    }
    if total > LONGEST_DAYS * 86400 {
        return Err(too_long());
    }
    Ok(Duration::from_secs(total))
}

/// A poll interval: a duration of at least [`SHORTEST_POLL`].
pub fn parse_poll(text: &str) -> Result<Duration, String> {
    let d = parse(text)?;
    if d < SHORTEST_POLL {
        return Err(format!(
            "`{text}` is too short: hark polls an account at most every {}s \
             (faster polling runs into the platform's rate limits)",
            SHORTEST_POLL.as_secs()
        ));
    }
    Ok(d)
}

pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    parse(&String::deserialize(d)?).map_err(serde::de::Error::custom)
}

pub fn poll<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    parse_poll(&String::deserialize(d)?).map_err(serde::de::Error::custom)
}

pub fn poll_option<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
    Option::<String>::deserialize(d)?
        .map(|t| parse_poll(&t).map_err(serde::de::Error::custom))
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse() {
        assert_eq!(parse("1h30m").unwrap(), Duration::from_secs(5400));
        assert_eq!(parse("90s").unwrap(), Duration::from_secs(90));
        assert_eq!(parse("0s").unwrap(), Duration::ZERO);
        assert_eq!(
            parse("36500d").unwrap(),
            Duration::from_secs(36_500 * 86400)
        );
        for bad in ["5", "", "h", "5x", "m5"] {
            assert!(parse(bad).unwrap_err().contains("not a duration"), "{bad}");
        }
    }

    #[test]
    fn durations_that_would_overflow_are_refused_not_wrapped() {
        for huge in [
            "99999999999999999999h",
            "9223372036854775807d",
            "18446744073709551615s1s",
            "213503982334601d",
            "36501d",
            "36500d1s",
        ] {
            let err = parse(huge).unwrap_err();
            assert!(
                err.contains("too long") && err.contains(huge),
                "{huge}: {err}"
            );
        }
    }

    #[test]
    fn poll_intervals_under_ten_seconds_are_refused() {
        for short in ["0s", "1s", "9s"] {
            let err = parse_poll(short).unwrap_err();
            assert!(err.contains("too short") && err.contains("10s"), "{err}");
        }
        assert_eq!(parse_poll("10s").unwrap(), Duration::from_secs(10));
    }
}
