//! Section 2: how many community items arrived, by platform and kind, and by day.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde::Serialize;

use super::chart::{Chart, Draw, Marker, Series, Slot};
use super::{md, Ctx};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlatformRow {
    pub platform: String,
    pub mention: u64,
    pub comment: u64,
    pub dm: u64,
    pub total: u64,
    pub previous: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DayRow {
    pub date: String,
    pub label: String,
    pub items: u64,
    /// The same day of the previous period.
    pub previous: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Volume {
    pub total: u64,
    pub previous: u64,
    pub platforms: Vec<PlatformRow>,
    pub days: Vec<DayRow>,
}

pub fn compute(ctx: &Ctx) -> Volume {
    use crate::store::report::Kind;
    let mut rows: BTreeMap<&str, PlatformRow> = BTreeMap::new();
    let blank = |p: &str| PlatformRow {
        platform: p.to_string(),
        mention: 0,
        comment: 0,
        dm: 0,
        total: 0,
        previous: 0,
    };
    // Counted per platform position first, so a week of items is not a week of map lookups.
    let n = ctx.names.platforms.len();
    let (mut now, mut before) = (vec![[0u64; 4]; n], vec![0u64; n]);
    for item in &ctx.this.rows {
        let kind = match item.kind {
            Kind::Mention => 0,
            Kind::Comment => 1,
            Kind::Dm => 2,
            Kind::Other => 3,
        };
        now[item.platform as usize][kind] += 1;
    }
    for item in &ctx.before.rows {
        before[item.platform as usize] += 1;
    }
    for (p, name) in ctx.names.platforms.iter().enumerate() {
        let [mention, comment, dm, other] = now[p];
        if mention + comment + dm + other > 0 {
            let row = rows.entry(name).or_insert_with(|| blank(name));
            row.mention += mention;
            row.comment += comment;
            row.dm += dm;
            row.total += mention + comment + dm + other;
        }
        if before[p] > 0 {
            rows.entry(name).or_insert_with(|| blank(name)).previous += before[p];
        }
    }
    let mut platforms: Vec<PlatformRow> = rows.into_values().collect();
    platforms.sort_by(|a, b| b.total.cmp(&a.total).then(a.platform.cmp(&b.platform)));
    let mut days: Vec<DayRow> = ctx
        .period
        .days
        .iter()
        .map(|d| DayRow {
            date: d.date.clone(),
            label: d.label.clone(),
            items: 0,
            previous: 0,
        })
        .collect();
    for item in &ctx.this.rows {
        if let Some(i) = ctx.period.day_index(item.created_at) {
            days[i].items += 1;
        }
    }
    for item in &ctx.before.rows {
        if let Some(i) = ctx.prev.day_index(item.created_at) {
            days[i].previous += 1;
        }
    }
    Volume {
        total: ctx.this.rows.len() as u64,
        previous: ctx.before.rows.len() as u64,
        platforms,
        days,
    }
}

/// Items per day (per week past 31 days), with the previous period as a dashed line.
pub fn chart(
    v: &Volume,
    period: &super::Period,
    w: &super::Wording,
    markers: Vec<Marker>,
) -> Chart {
    let weekly = period.days.len() > super::chart::MAX_DAYS;
    Chart {
        name: "volume",
        title: if weekly {
            "Items per week"
        } else {
            "Items per day"
        }
        .into(),
        unit: "items".into(),
        slots: slots(period),
        series: vec![
            Series {
                name: w.this.clone(),
                values: v.days.iter().map(|d| d.items as f64).collect(),
                draw: Draw::Up,
                colour: "#2e86c1",
            },
            Series {
                name: w.previous.clone(),
                values: v.days.iter().map(|d| d.previous as f64).collect(),
                draw: Draw::Line { down: false },
                colour: "#999999",
            },
        ],
        markers,
    }
    .readable()
}

/// The period's days as chart slots.
pub fn slots(period: &super::Period) -> Vec<Slot> {
    period
        .days
        .iter()
        .map(|d| Slot {
            label: d.label.clone(),
            date: d.date.clone(),
            start: d.start,
            end: d.end,
        })
        .collect()
}

pub fn render(v: &Volume, chart_md: &str, w: &super::Wording, out: &mut String) {
    out.push_str("## 2. Volume\n\n");
    let _ = writeln!(
        out,
        "{} community items (mentions, comments and DMs; the brand's own posts are not counted). {}: {}.\n",
        v.total, capitalised(&w.previous), v.previous
    );
    if v.total == 0 && v.previous == 0 {
        let _ = writeln!(out, "Nothing arrived in either {}.\n", w.noun);
        return;
    }
    let mut rows: Vec<Vec<String>> = v
        .platforms
        .iter()
        .map(|p| {
            vec![
                md::text(&p.platform),
                p.mention.to_string(),
                p.comment.to_string(),
                p.dm.to_string(),
                format!("**{}**", p.total),
                p.previous.to_string(),
            ]
        })
        .collect();
    let sum = |f: fn(&PlatformRow) -> u64| v.platforms.iter().map(f).sum::<u64>().to_string();
    rows.push(vec![
        "**all**".into(),
        sum(|p| p.mention),
        sum(|p| p.comment),
        sum(|p| p.dm),
        format!("**{}**", v.total),
        v.previous.to_string(),
    ]);
    md::table(
        out,
        &[
            "platform",
            "mentions",
            "comments",
            "DMs",
            "total",
            &w.previous,
        ],
        &rows,
    );
    let rows: Vec<Vec<String>> = v
        .days
        .iter()
        .map(|d| vec![d.label.clone(), d.items.to_string(), d.previous.to_string()])
        .collect();
    md::table(out, &["day", "items", &w.same_day()], &rows);
    out.push_str(chart_md);
    out.push('\n');
}

fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}
