//! Section 3: how fast the brand answered the items that needed an answer.
//!
//! Percentiles use the nearest-rank method (the median of 4 values is the 2nd), so every
//! figure is a response time that actually happened.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde::Serialize;

use super::{md, Ctx};
use crate::domain::UnixTime;
use crate::sla::Timeline;
use crate::store::report::Item;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    pub platform: String,
    /// Items created in the period that needed a reply.
    pub needed: u64,
    pub answered: u64,
    pub median_secs: Option<i64>,
    pub p90_secs: Option<i64>,
    /// Answered within the target.
    pub within_target: u64,
    /// Needing a reply, older than the target and unanswered at the period's end (posted
    /// in the period or the four weeks before it).
    pub waiting_past_target: u64,
    pub replies_sent: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Responsiveness {
    pub target_secs: i64,
    /// Times count business hours only (`[sla] hours`).
    pub business_hours: bool,
    pub platforms: Vec<Row>,
    pub all: Row,
    pub previous: Row,
}

/// The nearest-rank percentile of sorted values.
pub fn percentile(sorted: &[i64], p: u64) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (sorted.len() as u64 * p).div_ceil(100).max(1);
    Some(sorted[rank as usize - 1])
}

fn row(
    platform: &str,
    items: &[&Item],
    clock: &Timeline,
    target: i64,
    waiting: u64,
    replies_sent: u64,
) -> Row {
    let mut times: Vec<i64> = items
        .iter()
        .filter(|i| i.needs_reply)
        .filter_map(|i| {
            i.first_response_at
                .map(|at| clock.elapsed(i.created_at, at))
        })
        .collect();
    times.sort_unstable();
    Row {
        platform: platform.to_string(),
        needed: items.iter().filter(|i| i.needs_reply).count() as u64,
        answered: times.len() as u64,
        median_secs: percentile(&times, 50),
        p90_secs: percentile(&times, 90),
        within_target: times.iter().filter(|&&t| t <= target).count() as u64,
        waiting_past_target: waiting,
        replies_sent,
    }
}

/// Items posted in [from, end) still waiting for a first answer at `end`, longer than the
/// target on the SLA's clock, per platform.
fn waiting_past_target(
    ctx: &Ctx,
    timeline: &Timeline,
    from: UnixTime,
    end: UnixTime,
) -> rusqlite::Result<BTreeMap<String, u64>> {
    if !ctx.clock.is_business() {
        return crate::store::report::unanswered_at(ctx.conn, from, end, ctx.target);
    }
    let mut out = BTreeMap::new();
    for (platform, created) in
        crate::store::report::unanswered_list(ctx.conn, from, end, ctx.target)?
    {
        if timeline.elapsed(created, end) > ctx.target {
            *out.entry(platform).or_insert(0) += 1;
        }
    }
    Ok(out)
}

pub fn compute(ctx: &Ctx) -> rusqlite::Result<Responsiveness> {
    let target = ctx.target;
    let prev_from = ctx.prev.weeks_before_start(4).unwrap_or(ctx.backlog_from);
    // One lookup table for every item: from the oldest backlog item to the last answer.
    let last_answer = ctx
        .this
        .rows
        .iter()
        .chain(&ctx.before.rows)
        .filter_map(|i| i.first_response_at)
        .max()
        .unwrap_or(ctx.period.end)
        .max(ctx.period.end);
    let timeline = ctx
        .clock
        .timeline(prev_from.min(ctx.prev.start), last_answer);
    let waiting = waiting_past_target(ctx, &timeline, ctx.backlog_from, ctx.period.end)?;
    let sent = crate::store::report::replies_sent(ctx.conn, ctx.period.start, ctx.period.end)?;
    let waiting_prev = waiting_past_target(ctx, &timeline, prev_from, ctx.prev.end)?;
    let sent_prev = crate::store::report::replies_sent(ctx.conn, ctx.prev.start, ctx.prev.end)?;
    let mut by_platform: BTreeMap<&str, Vec<&Item>> = BTreeMap::new();
    for item in &ctx.this.rows {
        by_platform
            .entry(ctx.names.platform(item))
            .or_default()
            .push(item);
    }
    for p in waiting.keys().chain(sent.keys()) {
        by_platform.entry(p).or_default();
    }
    let get = |m: &BTreeMap<String, u64>, p: &str| m.get(p).copied().unwrap_or(0);
    let platforms = by_platform
        .iter()
        .map(|(p, items)| row(p, items, &timeline, target, get(&waiting, p), get(&sent, p)))
        .collect();
    let this: Vec<&Item> = ctx.this.rows.iter().collect();
    let before: Vec<&Item> = ctx.before.rows.iter().collect();
    Ok(Responsiveness {
        target_secs: target,
        platforms,
        business_hours: ctx.clock.is_business(),
        all: row(
            "all",
            &this,
            &timeline,
            target,
            waiting.values().sum(),
            sent.values().sum(),
        ),
        previous: row(
            "all, previous period",
            &before,
            &timeline,
            target,
            waiting_prev.values().sum(),
            sent_prev.values().sum(),
        ),
    })
}

fn opt(d: Option<i64>) -> String {
    d.map(md::duration).unwrap_or_else(|| "–".into())
}

pub fn render(r: &Responsiveness, w: &super::Wording, out: &mut String) {
    out.push_str("## 3. Responsiveness\n\n");
    let target = md::duration(r.target_secs);
    if r.all.needed == 0 && r.previous.needed == 0 && r.all.waiting_past_target == 0 {
        out.push_str("No item needed a reply in this period or the one before.\n\n");
        return;
    }
    let _ = writeln!(
        out,
        "Counted over items that needed a reply (DMs, mentions, questions), from when they were posted to the brand's first answer{}. Target: first answer within {target}.\n",
        if r.business_hours {
            ", in business hours only ([sla] hours)"
        } else {
            ""
        }
    );
    if r.all.answered == 0 {
        let _ = writeln!(
            out,
            "**No item that needed a reply {} has been answered yet.**\n",
            w.this
        );
    }
    let rows: Vec<Vec<String>> = r
        .platforms
        .iter()
        .chain([&r.all, &r.previous])
        .map(|row| {
            let name = if std::ptr::eq(row, &r.previous) {
                format!("**all, {}**", w.previous)
            } else if std::ptr::eq(row, &r.all) {
                "**all**".to_string()
            } else {
                md::text(&row.platform)
            };
            vec![
                name,
                row.needed.to_string(),
                row.answered.to_string(),
                opt(row.median_secs),
                opt(row.p90_secs),
                md::percent(row.within_target, row.needed),
                row.waiting_past_target.to_string(),
                row.replies_sent.to_string(),
            ]
        })
        .collect();
    md::table(
        out,
        &[
            "platform",
            "needed a reply",
            "answered",
            "median",
            "p90",
            &format!("within {target}"),
            "waiting > target at end",
            "replies sent",
        ],
        &rows,
    );
    out.push_str("\"within\" is the share of items that needed a reply and got one within the target; \"waiting\" counts items posted in the period or the four weeks before it that were still unanswered, and older than the target, when the period ended.\n\n");
}

#[cfg(test)]
mod tests {
    use super::percentile;

    #[test]
    fn nearest_rank_percentiles() {
        let v = [10, 20, 30, 40];
        assert_eq!(percentile(&v, 50), Some(20));
        assert_eq!(percentile(&v, 90), Some(40));
        assert_eq!(percentile(&[7], 90), Some(7));
        assert_eq!(percentile(&[], 50), None);
        let ten: Vec<i64> = (1..=10).collect();
        assert_eq!(percentile(&ten, 90), Some(9));
    }
}
