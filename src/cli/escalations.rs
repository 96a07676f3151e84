//! `hark escalations`: open incidents, most severe first, with their top items and next
//! step; `--json` for scripts; `--retry` requeues failed notifications (the one write).

use super::cache::read_only;
use crate::domain::{now, UnixTime};
use crate::escalation::checklist::StepState;
use crate::escalation::{EscalationConfig, IncidentView};
use crate::sanitize::{handle, inert_line};
use crate::store::incidents::{top_items, IncidentItem};
use crate::workspace::Workspace;

/// How many of an incident's items are shown (the largest audiences first).
const TOP_ITEMS: usize = 3;

pub fn run(workspace: &Workspace, retry: bool, json: bool) -> anyhow::Result<()> {
    if retry {
        let writer = workspace.open_store()?;
        let config = workspace.config.escalation.clone();
        let retried = writer.handle().call_blocking(move |conn| {
            crate::escalation::notify::retry_failed(conn, &config, now())
        })?;
        println!("{retried}");
        return Ok(());
    }
    let conn = read_only(workspace)?;
    let config = &workspace.config.escalation;
    let t = now();
    let mut rows = Vec::new();
    for view in crate::escalation::open_views(&conn)? {
        let items = top_items(&conn, view.incident.id, TOP_ITEMS)?;
        rows.push((view, items));
    }
    if json {
        let list: Vec<serde_json::Value> = rows
            .iter()
            .map(|(v, items)| to_json(v, items, config, t))
            .collect();
        println!("{}", serde_json::to_string_pretty(&list)?);
        return Ok(());
    }
    if rows.is_empty() {
        println!("no open incidents");
    }
    for (v, items) in &rows {
        print!("{}", to_text(v, items, config, t));
    }
    Ok(())
}

/// "5m ago", or "just now".
fn ago(t: UnixTime, at: UnixTime) -> String {
    match crate::tui::format::age(t, at) {
        a if a == "now" => "just now".into(),
        a => format!("{a} ago"),
    }
}

fn to_text(
    v: &IncidentView,
    items: &[IncidentItem],
    config: &EscalationConfig,
    t: UnixTime,
) -> String {
    let i = &v.incident;
    let age = crate::tui::format::age;
    let mut out = format!(
        "#{} {} · {} · {} old · {} item{} · last activity {}\n",
        i.id,
        i.severity.as_str().to_uppercase(),
        inert_line(&i.title),
        age(t, i.opened_at),
        i.items,
        if i.items == 1 { "" } else { "s" },
        ago(t, i.last_activity_at),
    );
    for item in items {
        let body = crate::sanitize::truncate_to_width(&inert_line(&item.body), 100);
        out.push_str(&format!(
            "    {} ({}): {body}\n",
            handle(&item.author),
            item.platform
        ));
    }
    match config.next_step(v, t) {
        Some((text, StepState::Missed { due })) => out.push_str(&format!(
            "    next: {} · MISSED, due {} ago\n",
            inert_line(&text),
            age(t, due)
        )),
        Some((text, StepState::Open { due: Some(due) })) => out.push_str(&format!(
            "    next: {} · due in {}\n",
            inert_line(&text),
            age(due, t)
        )),
        Some((text, _)) => out.push_str(&format!("    next: {}\n", inert_line(&text))),
        None => {}
    }
    if i.failed_notifications > 0 {
        out.push_str(&format!(
            "    {} notification(s) FAILED: hark escalations --retry\n",
            i.failed_notifications
        ));
    }
    out
}

fn to_json(
    v: &IncidentView,
    items: &[IncidentItem],
    config: &EscalationConfig,
    t: UnixTime,
) -> serde_json::Value {
    let i = &v.incident;
    let next = config.next_step(v, t).map(|(text, state)| {
        let (due, missed) = match state {
            StepState::Missed { due } => (Some(due), true),
            StepState::Open { due } => (due, false),
            StepState::Done { .. } => (None, false),
        };
        serde_json::json!({"step": inert_line(&text), "due_at": due, "missed": missed})
    });
    serde_json::json!({
        "id": i.id,
        "title": inert_line(&i.title),
        "severity": i.severity.as_str(),
        "topic": inert_line(&i.topic),
        "opened_at": i.opened_at,
        "age_secs": t - i.opened_at,
        "last_activity_at": i.last_activity_at,
        "item_count": i.items,
        "top_items": items.iter().map(|it| serde_json::json!({
            "id": it.id,
            "platform": it.platform,
            "author": handle(&it.author),
            "followers": it.followers,
            "text": inert_line(&it.body),
            "url": it.url.as_deref().map(inert_line),
        })).collect::<Vec<_>>(),
        "steps_done": v.done.iter().map(|d| serde_json::json!({
            "step": inert_line(&d.text), "by": inert_line(&d.by), "at": d.at,
        })).collect::<Vec<_>>(),
        "next_step": next,
        "failed_notifications": i.failed_notifications,
    })
}
