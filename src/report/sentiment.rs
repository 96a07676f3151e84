//! Section 4: how people felt. The CM's label wins over the automatic one; net sentiment
//! is (positive − negative) / labelled, in points from −100 to +100.

use std::fmt::Write;

use serde::Serialize;

use super::chart::{Chart, Draw, Marker, Series};
use super::{md, Ctx};
use crate::domain::SentimentLabel;
use crate::store::report::Item;

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Distribution {
    pub positive: u64,
    pub neutral: u64,
    pub negative: u64,
    pub unlabelled: u64,
    /// Net sentiment in points; None when nothing is labelled.
    pub net: Option<i64>,
}

impl Distribution {
    pub fn of<'a>(items: impl IntoIterator<Item = &'a Item>) -> Distribution {
        let mut d = Distribution::default();
        for item in items {
            d.add(item);
        }
        d.net = net(d.positive, d.negative, d.labelled());
        d
    }

    fn add(&mut self, item: &Item) {
        match item.sentiment() {
            Some(SentimentLabel::Positive) => self.positive += 1,
            Some(SentimentLabel::Neutral) => self.neutral += 1,
            Some(SentimentLabel::Negative) => self.negative += 1,
            None => self.unlabelled += 1,
        }
    }

    pub fn labelled(&self) -> u64 {
        self.positive + self.neutral + self.negative
    }
}

/// Rounded half away from zero.
pub fn net(positive: u64, negative: u64, labelled: u64) -> Option<i64> {
    if labelled == 0 {
        return None;
    }
    let diff = (positive as i64 - negative as i64) * 100;
    let l = labelled as i64;
    Some((diff + diff.signum() * l / 2) / l)
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DayNet {
    pub label: String,
    pub labelled: u64,
    pub net: Option<i64>,
    pub positive: u64,
    pub negative: u64,
    /// The same day of the previous period.
    pub previous_positive: u64,
    pub previous_negative: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sentiment {
    pub this: Distribution,
    pub previous: Distribution,
    pub days: Vec<DayNet>,
    /// Items of the period whose manual label differs from the automatic one.
    pub corrected: u64,
    /// Sentiment changes the CM made during the period (events).
    pub changes_logged: u64,
}

pub fn compute(ctx: &Ctx) -> rusqlite::Result<Sentiment> {
    // One pass per period, each item into its day.
    let per_day = |items: &[Item], period: &super::Period| {
        let mut days = vec![Distribution::default(); period.days.len()];
        for item in items {
            if let Some(i) = period.day_index(item.created_at) {
                days[i].add(item);
            }
        }
        for d in &mut days {
            d.net = net(d.positive, d.negative, d.labelled());
        }
        days
    };
    let now = per_day(&ctx.this.rows, &ctx.period);
    let before = per_day(&ctx.before.rows, &ctx.prev);
    let days = ctx
        .period
        .days
        .iter()
        .enumerate()
        .map(|(n, day)| {
            let d = &now[n];
            let p = before.get(n).cloned().unwrap_or_default();
            DayNet {
                label: day.label.clone(),
                labelled: d.labelled(),
                net: d.net,
                positive: d.positive,
                negative: d.negative,
                previous_positive: p.positive,
                previous_negative: p.negative,
            }
        })
        .collect();
    let corrected = ctx
        .this
        .rows
        .iter()
        .filter(|i| i.manual.is_some() && i.auto.is_some() && i.manual != i.auto)
        .count() as u64;
    let changes_logged =
        crate::store::report::events(ctx.conn, "sentiment", ctx.period.start, ctx.period.end)?
            .iter()
            .filter(|e| e.actor == crate::store::state::ACTOR_USER)
            .count() as u64;
    Ok(Sentiment {
        this: Distribution::of(&ctx.this.rows),
        previous: Distribution::of(&ctx.before.rows),
        days,
        corrected,
        changes_logged,
    })
}

/// Positive items up and negative items down per day (per week past 31 days), with the
/// previous period's as dashed lines: the net alone hides a day that was both.
pub fn chart(
    s: &Sentiment,
    period: &super::Period,
    w: &super::Wording,
    markers: Vec<Marker>,
) -> Chart {
    let weekly = period.days.len() > super::chart::MAX_DAYS;
    let values = |f: fn(&DayNet) -> u64| s.days.iter().map(|d| f(d) as f64).collect();
    Chart {
        name: "sentiment",
        title: if weekly {
            "Positive and negative items per week"
        } else {
            "Positive and negative items per day"
        }
        .into(),
        unit: "items (positive up, negative down)".into(),
        slots: super::volume::slots(period),
        series: vec![
            Series {
                name: "positive".into(),
                values: values(|d| d.positive),
                draw: Draw::Up,
                colour: "#27ae60",
            },
            Series {
                name: "negative".into(),
                values: values(|d| d.negative),
                draw: Draw::Down,
                colour: "#c0392b",
            },
            Series {
                name: w.previous.clone(),
                values: values(|d| d.previous_positive),
                draw: Draw::Line { down: false },
                colour: "#7dcea0",
            },
            Series {
                name: w.previous.clone(),
                values: values(|d| d.previous_negative),
                draw: Draw::Line { down: true },
                colour: "#e6b0aa",
            },
        ],
        markers,
    }
    .readable()
}

fn net_text(d: &Distribution) -> String {
    d.net.map(md::signed).unwrap_or_else(|| "–".into())
}

pub fn render(s: &Sentiment, chart_md: &str, w: &super::Wording, out: &mut String) {
    out.push_str("## 4. Sentiment\n\n");
    if s.this.labelled() == 0 && s.previous.labelled() == 0 {
        let _ = writeln!(out, "No item from {} or the one before has a sentiment label (neither scored automatically nor labelled by the CM), so there is no sentiment to report.\n", w.this);
        return;
    }
    let _ = writeln!(
        out,
        "Net sentiment **{}** ({}: {}), over {} labelled items; {} not labelled. The CM's own label wins over the automatic one.\n",
        net_text(&s.this),
        w.previous,
        net_text(&s.previous),
        s.this.labelled(),
        s.this.unlabelled
    );
    let pct = |n: u64, d: &Distribution| md::percent(n, d.labelled());
    let rows = vec![
        vec![
            "positive".into(),
            s.this.positive.to_string(),
            pct(s.this.positive, &s.this),
            s.previous.positive.to_string(),
        ],
        vec![
            "neutral".into(),
            s.this.neutral.to_string(),
            pct(s.this.neutral, &s.this),
            s.previous.neutral.to_string(),
        ],
        vec![
            "negative".into(),
            s.this.negative.to_string(),
            pct(s.this.negative, &s.this),
            s.previous.negative.to_string(),
        ],
        vec![
            "not labelled".into(),
            s.this.unlabelled.to_string(),
            String::new(),
            s.previous.unlabelled.to_string(),
        ],
    ];
    md::table(out, &["label", "items", "share", &w.previous], &rows);
    let _ = writeln!(
        out,
        "Positive (right) and negative (left) items per {}:\n",
        if s.days.len() > super::chart::MAX_DAYS {
            "week"
        } else {
            "day"
        }
    );
    out.push_str(chart_md);
    let _ = writeln!(
        out,
        "\nThe CM corrected {} automatic label{} on items posted {this} ({} sentiment change{} logged {this}).\n",
        s.corrected,
        if s.corrected == 1 { "" } else { "s" },
        s.changes_logged,
        if s.changes_logged == 1 { "" } else { "s" },
        this = w.this
    );
}

#[cfg(test)]
mod tests {
    use super::net;

    #[test]
    fn net_sentiment_rounds_half_away_from_zero() {
        assert_eq!(net(3, 1, 8), Some(25));
        assert_eq!(net(1, 2, 3), Some(-33));
        assert_eq!(net(1, 0, 8), Some(13));
        assert_eq!(net(0, 1, 8), Some(-13));
        assert_eq!(net(0, 0, 0), None);
    }
}
