//! Section 10 (team mode only): the report per person, like Sprout's Team Report: for each
//! CM, replies sent, the median first response of the items they answered first, items
//! handled and assignments. Without `[team]` the report has no such section.

use std::collections::BTreeMap;
use std::fmt::Write;

use rusqlite::Connection;
use serde::Serialize;

use super::{md, Period};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CmRow {
    pub cm: String,
    pub replies: u64,
    /// Seconds, on the report's clock (`[sla] hours` when set); `None`: no first answer.
    pub median_first_response: Option<i64>,
    pub handled: u64,
    pub assignments: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Team {
    pub business_hours: bool,
    /// The members in the config's order, then anyone else who acted (a former member).
    pub people: Vec<CmRow>,
}

/// The team section over `period` for `members` (in `[team]` order).
pub fn compute(
    conn: &Connection,
    period: &Period,
    members: &[String],
    clock: &crate::sla::Clock,
) -> rusqlite::Result<Team> {
    let figures = crate::store::report::team(conn, period.start, period.end)?;
    // Every member has a row, even with nothing to count.
    let mut rows: Vec<CmRow> = members.iter().map(|cm| blank(cm)).collect();
    let mut waits: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for (cm, created, first) in &figures.first_responses {
        waits
            .entry(cm.clone())
            .or_default()
            .push(clock.elapsed(*created, *first));
    }
    for (cm, n) in &figures.replies {
        entry(&mut rows, cm).replies = *n;
    }
    for (cm, n) in &figures.handled {
        entry(&mut rows, cm).handled = *n;
    }
    for (cm, n) in &figures.assignments {
        entry(&mut rows, cm).assignments = *n;
    }
    for (cm, mut w) in waits {
        w.sort_unstable();
        entry(&mut rows, &cm).median_first_response = Some(median(&w));
    }
    Ok(Team {
        business_hours: clock.is_business(),
        people: rows,
    })
}

fn blank(cm: &str) -> CmRow {
    CmRow {
        cm: cm.to_string(),
        replies: 0,
        median_first_response: None,
        handled: 0,
        assignments: 0,
    }
}

/// The row of `cm`, added at the end for someone not among the members.
fn entry<'a>(rows: &'a mut Vec<CmRow>, cm: &str) -> &'a mut CmRow {
    let at = match rows.iter().position(|r| r.cm == cm) {
        Some(at) => at,
        None => {
            rows.push(blank(cm));
            rows.len() - 1
        }
    };
    &mut rows[at]
}

/// The median of sorted values (the lower middle of an even count, so it is one of them).
fn median(sorted: &[i64]) -> i64 {
    sorted[(sorted.len() - 1) / 2]
}

pub fn render(t: &Team, w: &super::Wording, out: &mut String) {
    out.push_str("## 10. Team\n\n");
    let rows: Vec<Vec<String>> = t
        .people
        .iter()
        .map(|r| {
            vec![
                md::text(&r.cm),
                r.replies.to_string(),
                r.median_first_response
                    .map(md::duration)
                    .unwrap_or_else(|| "–".into()),
                r.handled.to_string(),
                r.assignments.to_string(),
            ]
        })
        .collect();
    md::table(
        out,
        &[
            "CM",
            "replies sent",
            "median first response",
            "items handled",
            "assigned",
        ],
        &rows,
    );
    let _ = writeln!(
        out,
        "Per CM {}: replies the platform accepted; the median time to the first answer of the items they answered first{}; items they answered, marked done or moderated; items assigned to them (by anyone, a rule or round-robin).\n",
        w.this,
        if t.business_hours { " (in business hours)" } else { "" }
    );
}
