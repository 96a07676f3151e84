//! Section 5: escalations active during the period, open ones first.

use std::fmt::Write;

use serde::Serialize;

use super::{md, Ctx};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    pub id: i64,
    pub severity: String,
    pub reason: String,
    /// "manual" or the rule's name.
    pub source: String,
    pub opened_at: i64,
    pub resolved_at: Option<i64>,
    /// Open at the period's end.
    pub open: bool,
    pub time_to_resolve_secs: Option<i64>,
    pub outcome: Option<String>,
    pub item: Option<String>,
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Escalations {
    pub ever: u64,
    pub opened: u64,
    pub opened_previous: u64,
    pub open_at_end: u64,
    pub rows: Vec<Row>,
}

fn severity_rank(s: &str) -> u8 {
    match s {
        "critical" => 0,
        "high" => 1,
        "low" => 2,
        _ => 3,
    }
}

fn source(raw: &str) -> String {
    match raw.strip_prefix("rule:") {
        Some(rule) => format!("rule {rule}"),
        None if raw == "user" => "manual".into(),
        None => raw.to_string(),
    }
}

pub fn compute(ctx: &Ctx) -> rusqlite::Result<Escalations> {
    let (start, end) = (ctx.period.start, ctx.period.end);
    let mut rows: Vec<Row> = crate::store::report::escalations(ctx.conn, start, end)?
        .into_iter()
        .map(|e| {
            let resolved = e.resolved_at.filter(|&at| at < end);
            Row {
                id: e.id,
                severity: e.severity,
                reason: e.reason,
                source: source(&e.source),
                opened_at: e.opened_at,
                resolved_at: resolved,
                open: resolved.is_none(),
                time_to_resolve_secs: resolved.map(|at| at - e.opened_at),
                outcome: e.outcome.filter(|_| resolved.is_some()),
                item: e.item,
                notes: e.notes,
            }
        })
        .collect();
    rows.sort_by(|a, b| {
        b.open
            .cmp(&a.open)
            .then(severity_rank(&a.severity).cmp(&severity_rank(&b.severity)))
            .then(a.opened_at.cmp(&b.opened_at))
            .then(a.id.cmp(&b.id))
    });
    let opened = rows
        .iter()
        .filter(|r| r.opened_at >= start && r.opened_at < end)
        .count() as u64;
    let opened_previous = crate::store::report::escalations(ctx.conn, ctx.prev.start, ctx.prev.end)?
        .iter()
        .filter(|e| e.opened_at >= ctx.prev.start)
        .count() as u64;
    Ok(Escalations {
        ever: crate::store::report::ever(ctx.conn, crate::store::report::Table::Escalations)?,
        opened,
        opened_previous,
        open_at_end: rows.iter().filter(|r| r.open).count() as u64,
        rows,
    })
}

pub fn render(e: &Escalations, period: &super::Period, w: &super::Wording, out: &mut String) {
    out.push_str("## 5. Escalations\n\n");
    if e.ever == 0 {
        out.push_str("No escalation has ever been recorded in this workspace.\n\n");
        return;
    }
    let _ = writeln!(
        out,
        "{} opened {} ({}: {}); {} open when the {} ended.\n",
        e.opened, w.this, w.previous, e.opened_previous, e.open_at_end, w.noun
    );
    if e.rows.is_empty() {
        let _ = writeln!(out, "No escalation was open during {}.\n", w.this);
        return;
    }
    let rows: Vec<Vec<String>> = e
        .rows
        .iter()
        .map(|r| {
            vec![
                if r.open {
                    "**open**".into()
                } else {
                    "resolved".into()
                },
                md::text(&r.severity),
                md::text(&r.reason),
                md::text(&r.source),
                period.local_time(r.opened_at),
                r.resolved_at
                    .map(|at| period.local_time(at))
                    .unwrap_or_else(|| "–".into()),
                r.time_to_resolve_secs
                    .map(md::duration)
                    .unwrap_or_else(|| "–".into()),
                r.outcome.as_deref().map(md::text).unwrap_or_default(),
                r.item
                    .as_deref()
                    .map(|i| md::snippet(i, 80))
                    .unwrap_or_default(),
                r.notes
                    .iter()
                    .map(|n| md::snippet(n, 80))
                    .collect::<Vec<_>>()
                    .join("; "),
            ]
        })
        .collect();
    md::text_table(
        out,
        &[
            "status", "severity", "reason", "source", "opened", "resolved", "took", "outcome",
            "item", "notes",
        ],
        &rows,
    );
}
