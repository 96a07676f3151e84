//! Small text helpers shared by the panes.

use crate::domain::UnixTime;

/// A compact age: "now", "5m", "3h", "2d", "3w", "5mo", "2y".
pub fn age(now: UnixTime, then: UnixTime) -> String {
    let secs = (now - then).max(0);
    match secs {
        0..=59 => "now".into(),
        60..=3599 => format!("{}m", secs / 60),
        3600..=86_399 => format!("{}h", secs / 3600),
        86_400..=1_209_599 => format!("{}d", secs / 86_400),
        1_209_600..=5_183_999 => format!("{}w", secs / 604_800),
        5_184_000..=31_535_999 => format!("{}mo", secs / 2_592_000),
        _ => format!("{}y", secs / 31_536_000),
    }
}

/// "3h ago", or "just now".
pub fn ago(now: UnixTime, then: UnixTime) -> String {
    match age(now, then).as_str() {
        "now" => "just now".into(),
        a => format!("{a} ago"),
    }
}

/// A count with thousands separators: 1234567 → "1,234,567".
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_are_compact() {
        assert_eq!(age(1000, 1000), "now");
        assert_eq!(age(1000, 1000 - 300), "5m");
        assert_eq!(age(100_000, 100_000 - 3 * 3600), "3h");
        assert_eq!(age(1_000_000, 1_000_000 - 2 * 86_400), "2d");
        assert_eq!(age(10, 20), "now", "clock skew never shows a negative age");
    }

    #[test]
    fn thousands_are_separated() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000_000), "1,000,000");
    }
}
