//! Markdown output for the report: tables and number formatting. Text from posts is
//! escaped by [`crate::markdown`], the one escaper the report and the exports share.

use std::fmt::Write;

pub use crate::markdown::{handle, snippet, text, url};

/// A markdown table. Cells must already be escaped. Columns whose every cell is a
/// figure are right-aligned.
pub fn table(out: &mut String, header: &[&str], rows: &[Vec<String>]) {
    let _ = writeln!(out, "| {} |", header.join(" | "));
    let rule: Vec<&str> = (0..header.len())
        .map(|i| {
            let numeric = rows.iter().all(|r| {
                let cell = r.get(i).map(|c| c.trim_start_matches('*')).unwrap_or("");
                cell.is_empty()
                    || cell.starts_with(|c: char| c.is_ascii_digit() || "+-–".contains(c))
            });
            if i > 0 && numeric {
                "---:"
            } else {
                "---"
            }
        })
        .collect();
    let _ = writeln!(out, "|{}|", rule.join("|"));
    for row in rows {
        let _ = writeln!(out, "| {} |", row.join(" | "));
    }
    out.push('\n');
}

/// A left-aligned table (for text columns).
pub fn text_table(out: &mut String, header: &[&str], rows: &[Vec<String>]) {
    let _ = writeln!(out, "| {} |", header.join(" | "));
    let _ = writeln!(out, "|{}|", vec!["---"; header.len()].join("|"));
    for row in rows {
        let _ = writeln!(out, "| {} |", row.join(" | "));
    }
    out.push('\n');
}

/// A duration in seconds as "42m", "3h 05m", "2d 4h".
pub fn duration(secs: i64) -> String {
    let secs = secs.max(0);
    if secs < 60 {
        format!("{secs}s")
    } else if secs < 3600 {
        format!("{}m", secs / 60)
    } else if secs < 86_400 {
        format!("{}h {:02}m", secs / 3600, (secs % 3600) / 60)
    } else {
        format!("{}d {}h", secs / 86_400, (secs % 86_400) / 3600)
    }
}

/// A percentage with no decimals, or "–" when there is nothing to divide.
pub fn percent(part: u64, whole: u64) -> String {
    (part * 100 + whole / 2)
        .checked_div(whole)
        .map(|p| format!("{p}%"))
        .unwrap_or_else(|| "–".to_string())
}

/// A signed number: "+12", "-3", "0".
pub fn signed(n: i64) -> String {
    if n > 0 {
        format!("+{n}")
    } else {
        n.to_string()
    }
}

/// "120 items (previous week: 98, +22%)".
pub fn with_previous(now: u64, before: u64, unit: &str, label: &str) -> String {
    let change = if before == 0 {
        String::new()
    } else {
        let diff = (now as i64 - before as i64) * 100;
        let pct = (diff + diff.signum() * before as i64 / 2) / before as i64;
        format!(", {}%", signed(pct))
    };
    format!("{now} {unit} ({label}: {before}{change})")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration(59), "59s");
        assert_eq!(duration(42 * 60), "42m");
        assert_eq!(duration(3 * 3600 + 5 * 60), "3h 05m");
        assert_eq!(duration(2 * 86_400 + 4 * 3600), "2d 4h");
    }
}
