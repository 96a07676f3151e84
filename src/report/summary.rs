//! Section 1: five lines the SMM can paste into a status update.

use serde::Serialize;

use super::Sections as ReportData;
use super::{md, Wording};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    pub volume: String,
    pub response: String,
    pub sentiment: String,
    pub escalations: String,
    pub look_at: String,
}

pub fn compute(r: &ReportData, w: &Wording) -> Summary {
    let v = &r.volume;
    let mut volume = md::with_previous(v.total, v.previous, "items", &w.previous);
    if let Some(top) = v.platforms.first().filter(|p| p.total > 0) {
        volume.push_str(&format!(
            "; busiest: {} ({})",
            md::text(&top.platform),
            top.total
        ));
    }
    let resp = &r.responsiveness;
    let target = md::duration(resp.target_secs);
    let fig = |row: &super::response::Row| match (row.median_secs, row.p90_secs) {
        (Some(m), Some(p)) => format!(
            "median {}, p90 {}, {} within {target}",
            md::duration(m),
            md::duration(p),
            md::percent(row.within_target, row.needed)
        ),
        _ if row.needed == 0 => "nothing needed a reply".into(),
        _ => format!("none of {} answered", row.needed),
    };
    let response = format!(
        "{} ({}: {})",
        fig(&resp.all),
        w.previous,
        fig(&resp.previous)
    );
    let s = &r.sentiment;
    let net = |d: &super::sentiment::Distribution| {
        d.net.map(md::signed).unwrap_or_else(|| "not scored".into())
    };
    let sentiment = if s.this.labelled() == 0 && s.previous.labelled() == 0 {
        format!(
            "not measured (no item {} or the one before has a sentiment label)",
            w.this
        )
    } else {
        format!(
            "{} ({}: {}), {} positive / {} negative",
            net(&s.this),
            w.previous,
            net(&s.previous),
            s.this.positive,
            s.this.negative
        )
    };
    let e = &r.escalations;
    let escalations = if e.ever == 0 {
        "none recorded yet".to_string()
    } else {
        format!(
            "{} opened ({}: {}), {} still open at the end of the {}",
            e.opened, w.previous, e.opened_previous, e.open_at_end, w.noun
        )
    };
    Summary {
        volume,
        response,
        sentiment,
        escalations,
        look_at: look_at(r, w),
    }
}

/// The one thing to look at, most urgent first.
fn look_at(r: &ReportData, w: &Wording) -> String {
    // Incidents come most severe first, then the largest.
    if let Some(i) = r
        .escalations
        .incidents
        .iter()
        .find(|i| i.open && matches!(i.severity.as_str(), "critical" | "high"))
    {
        return format!(
            "the open {} incident #{} \"{}\" ({} item{}); see Escalations",
            md::text(&i.severity),
            i.id,
            md::text(&i.title),
            i.items,
            if i.items == 1 { "" } else { "s" }
        );
    }
    // An escalation no incident holds (written by hand into the cache).
    if let Some(e) = r
        .escalations
        .rows
        .iter()
        .find(|e| e.open && matches!(e.severity.as_str(), "critical" | "high"))
        .filter(|_| r.escalations.incidents.is_empty())
    {
        return format!(
            "an open {} escalation: {}",
            md::text(&e.severity),
            md::text(&e.reason)
        );
    }
    if let Some(t) = r.recurring.terms.first() {
        return format!(
            "\"{}\" in {} negative items (previous four weeks: {}); see Recurring problems",
            md::text(&t.term),
            t.items,
            t.before
        );
    }
    let waiting = r.responsiveness.all.waiting_past_target;
    if waiting > 0 {
        return format!(
            "{waiting} item{} still waiting for a first answer past the {} target",
            if waiting == 1 { "" } else { "s" },
            md::duration(r.responsiveness.target_secs)
        );
    }
    if let (Some(now), Some(before)) = (r.sentiment.this.net, r.sentiment.previous.net) {
        if now <= before - 10 {
            return format!(
                "net sentiment fell from {} to {}",
                md::signed(before),
                md::signed(now)
            );
        }
    }
    let (now, before) = (r.volume.total, r.volume.previous);
    if before > 0 && (now * 2 <= before || now > before * 3 / 2) {
        return format!("volume moved from {before} to {now} items");
    }
    format!("nothing stands out {}", w.this)
}

pub fn render(s: &Summary, out: &mut String) {
    out.push_str("## 1. Summary\n\n");
    out.push_str(&format!("- **Volume:** {}\n", s.volume));
    out.push_str(&format!("- **First response:** {}\n", s.response));
    out.push_str(&format!("- **Net sentiment:** {}\n", s.sentiment));
    out.push_str(&format!("- **Escalations:** {}\n", s.escalations));
    out.push_str(&format!("- **Look at:** {}\n\n", s.look_at));
}
