//! `--format json|csv` for BI tools: the report's data, serialised.
//!
//! The CSV is long-form (`field,value`), one row per figure, with array entries named by
//! their platform, tag, day… so a column keeps its meaning from week to week. Text values
//! that a spreadsheet would run as a formula are defused by [`crate::csv_cell`].

use serde_json::Value;

use super::ReportData;
use crate::csv_cell::cell;

pub fn json(data: &ReportData) -> String {
    let mut text = serde_json::to_string_pretty(data).unwrap_or_else(|_| "{}".to_string());
    text.push('\n');
    text
}

pub fn csv(data: &ReportData) -> String {
    let value = serde_json::to_value(data).unwrap_or(Value::Null);
    let mut rows = Vec::new();
    flatten("", &value, &mut rows);
    let mut out = String::from("field,value\n");
    for (field, value) in rows {
        out.push_str(&cell(&field));
        out.push(',');
        out.push_str(&cell(&value));
        out.push('\n');
    }
    out
}

/// Keys that name an array entry better than its index.
const NAME_KEYS: &[&str] = &[
    "platform", "tag", "date", "label", "term", "action", "handle", "id", "lang",
];

fn flatten(prefix: &str, value: &Value, rows: &mut Vec<(String, String)>) {
    let join = |k: &str| {
        if prefix.is_empty() {
            k.to_string()
        } else {
            format!("{prefix}.{k}")
        }
    };
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                flatten(&join(k), v, rows);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                let name = NAME_KEYS
                    .iter()
                    .find_map(|k| v.get(k).map(scalar))
                    .unwrap_or_else(|| i.to_string());
                flatten(&format!("{prefix}[{name}]"), v, rows);
            }
        }
        other => rows.push((prefix.to_string(), scalar(other))),
    }
}

fn scalar(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => crate::sanitize::inert_line(s),
        other => other.to_string(),
    }
}
