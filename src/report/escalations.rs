//! Section 5: escalations active during the period, open ones first.

use std::fmt::Write;

use serde::Serialize;

use super::{md, Ctx};
use crate::sanitize::inert_line;

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

/// One incident's story: from its first item to its outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IncidentRow {
    pub id: i64,
    pub title: String,
    pub severity: String,
    pub items: u64,
    /// Open at the period's end.
    pub open: bool,
    pub first_item_at: Option<i64>,
    pub opened_at: i64,
    /// When each notice was queued: (opened | raised | resolved, at).
    pub notices: Vec<(String, i64)>,
    /// Steps ticked: (step, by, at).
    pub steps_done: Vec<(String, String, i64)>,
    pub resolved_at: Option<i64>,
    pub outcome: Option<String>,
    pub time_to_resolve_secs: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Escalations {
    /// Incidents active during the period: open ones first, most severe, then largest.
    pub incidents: Vec<IncidentRow>,
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
        incidents: incidents(ctx)?,
        ever: crate::store::report::ever(ctx.conn, crate::store::report::Table::Escalations)?,
        opened,
        opened_previous,
        open_at_end: rows.iter().filter(|r| r.open).count() as u64,
        rows,
    })
}

fn incidents(ctx: &Ctx) -> rusqlite::Result<Vec<IncidentRow>> {
    use crate::store::incidents as store;
    let sql = |e: crate::store::Error| match e {
        crate::store::Error::Sqlite(e) => e,
        other => rusqlite::Error::ToSqlConversionFailure(Box::new(std::io::Error::other(
            other.to_string(),
        ))),
    };
    let (start, end) = (ctx.period.start, ctx.period.end);
    let mut rows = Vec::new();
    for i in store::active_between(ctx.conn, start, end).map_err(sql)? {
        let resolved = i.resolved_at.filter(|&at| at < end);
        rows.push(IncidentRow {
            id: i.id,
            title: inert_line(&i.title),
            severity: i.severity.as_str().into(),
            items: i.items,
            open: resolved.is_none(),
            first_item_at: store::first_item_at(ctx.conn, i.id).map_err(sql)?,
            opened_at: i.opened_at,
            notices: store::notices(ctx.conn, i.id)
                .map_err(sql)?
                .into_iter()
                .filter(|(_, at)| *at < end)
                .collect(),
            steps_done: store::steps_done(ctx.conn, i.id)
                .map_err(sql)?
                .into_iter()
                .filter(|d| d.at < end)
                .map(|d| (inert_line(&d.text), inert_line(&d.by), d.at))
                .collect(),
            resolved_at: resolved,
            outcome: i
                .outcome
                .filter(|_| resolved.is_some())
                .map(|o| inert_line(&o)),
            time_to_resolve_secs: resolved.map(|at| at - i.opened_at),
        });
    }
    rows.sort_by(|a, b| {
        b.open
            .cmp(&a.open)
            .then(severity_rank(&a.severity).cmp(&severity_rank(&b.severity)))
            .then(b.items.cmp(&a.items))
            .then(a.opened_at.cmp(&b.opened_at))
    });
    Ok(rows)
}

/// Each incident's timeline, as a list a reader can follow.
fn render_incidents(e: &Escalations, period: &super::Period, out: &mut String) {
    if e.incidents.is_empty() {
        return;
    }
    out.push_str("### Incidents\n\n");
    for i in &e.incidents {
        let _ = writeln!(
            out,
            "**#{} {}** ({}, {} item{}, {})\n",
            i.id,
            md::text(&i.title),
            md::text(&i.severity),
            i.items,
            if i.items == 1 { "" } else { "s" },
            if i.open { "open" } else { "resolved" }
        );
        if let Some(at) = i.first_item_at {
            let _ = writeln!(out, "- {} first item", period.local_time(at));
        }
        let _ = writeln!(out, "- {} opened", period.local_time(i.opened_at));
        for (kind, at) in &i.notices {
            let _ = writeln!(
                out,
                "- {} notified ({})",
                period.local_time(*at),
                md::text(kind)
            );
        }
        for (step, by, at) in &i.steps_done {
            let _ = writeln!(
                out,
                "- {} done: {} ({})",
                period.local_time(*at),
                md::text(step),
                md::text(by)
            );
        }
        match (i.resolved_at, &i.time_to_resolve_secs) {
            (Some(at), Some(took)) => {
                let _ = writeln!(
                    out,
                    "- {} resolved: {} (took {})",
                    period.local_time(at),
                    md::text(i.outcome.as_deref().unwrap_or("no outcome given")),
                    md::duration(*took)
                );
            }
            _ => out.push_str("- still open at the end of the period\n"),
        }
        out.push('\n');
    }
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
    if !e.incidents.is_empty() {
        render_incidents(e, period, out);
        out.push_str("### Escalations\n\n");
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
