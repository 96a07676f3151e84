//! Section 7: moderation: actions by type (the outbox) and by who or which rule (the
//! events log), and the rules that matched most.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde::Serialize;

use super::{md, Ctx};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActionRow {
    pub action: String,
    pub total: u64,
    pub sent: u64,
    pub failed: u64,
    pub pending: u64,
    pub previous: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Moderation {
    pub ever: u64,
    pub actions: Vec<ActionRow>,
    /// (actor, action) → count, from `events` kind `moderation`; a team member who
    /// acted is `cm:<name>`.
    pub by_actor: Vec<(String, String, u64)>,
    /// Rule name → events it caused this week (any kind).
    pub rules: Vec<(String, u64)>,
}

pub fn compute(ctx: &Ctx) -> rusqlite::Result<Moderation> {
    let now = crate::store::report::moderation_outbox(ctx.conn, ctx.period.start, ctx.period.end)?;
    let before = crate::store::report::moderation_outbox(ctx.conn, ctx.prev.start, ctx.prev.end)?;
    let mut actions: BTreeMap<String, ActionRow> = BTreeMap::new();
    let blank = |a: &str| ActionRow {
        action: a.to_string(),
        total: 0,
        sent: 0,
        failed: 0,
        pending: 0,
        previous: 0,
    };
    for ((kind, state), n) in &now {
        let row = actions.entry(kind.clone()).or_insert_with(|| blank(kind));
        row.total += n;
        match state.as_str() {
            "sent" => row.sent += n,
            "failed" | "cancelled" => row.failed += n,
            _ => row.pending += n,
        }
    }
    for ((kind, _), n) in &before {
        actions
            .entry(kind.clone())
            .or_insert_with(|| blank(kind))
            .previous += n;
    }
    let mut by_actor: BTreeMap<(String, String), u64> = BTreeMap::new();
    for e in crate::store::report::events(ctx.conn, "moderation", ctx.period.start, ctx.period.end)?
    {
        let action = e.detail["action"].as_str().unwrap_or("?").to_string();
        // In team mode the member who acted is recorded: name them, not "the CM".
        let who = match e.cm {
            Some(cm) if e.actor == "user" => format!("cm:{cm}"),
            _ => e.actor,
        };
        *by_actor.entry((who, action)).or_insert(0) += 1;
    }
    let mut rules: Vec<(String, u64)> =
        crate::store::report::rule_matches(ctx.conn, ctx.period.start, ctx.period.end)?
            .into_iter()
            .collect();
    rules.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut actions: Vec<ActionRow> = actions.into_values().collect();
    actions.sort_by(|a, b| b.total.cmp(&a.total).then(a.action.cmp(&b.action)));
    Ok(Moderation {
        ever: crate::store::report::ever(ctx.conn, crate::store::report::Table::Moderation)?,
        actions,
        by_actor: by_actor.into_iter().map(|((a, k), n)| (a, k, n)).collect(),
        rules,
    })
}

fn actor(raw: &str) -> String {
    if let Some(cm) = raw.strip_prefix("cm:") {
        return md::text(cm);
    }
    match raw.strip_prefix("rule:") {
        Some(rule) => format!("rule {}", md::text(rule)),
        None if raw == "user" => "the CM".into(),
        None => md::text(raw),
    }
}

pub fn render(m: &Moderation, w: &super::Wording, out: &mut String) {
    out.push_str("## 7. Moderation\n\n");
    if m.ever == 0 && m.rules.is_empty() {
        out.push_str("No moderation action (hide, delete, block, mute, report…) has ever been taken from hark in this workspace.\n\n");
        return;
    }
    if m.actions.is_empty() {
        let _ = writeln!(out, "No moderation action was queued {}.\n", w.this);
    } else {
        let rows: Vec<Vec<String>> = m
            .actions
            .iter()
            .map(|a| {
                vec![
                    md::text(&a.action),
                    a.total.to_string(),
                    a.sent.to_string(),
                    a.failed.to_string(),
                    a.pending.to_string(),
                    a.previous.to_string(),
                ]
            })
            .collect();
        md::table(
            out,
            &["action", &w.this, "done", "failed", "pending", &w.previous],
            &rows,
        );
    }
    if !m.by_actor.is_empty() {
        let rows: Vec<Vec<String>> = m
            .by_actor
            .iter()
            .map(|(who, action, n)| vec![actor(who), md::text(action), n.to_string()])
            .collect();
        md::table(out, &["by", "action", "times"], &rows);
    }
    if m.rules.is_empty() {
        let _ = writeln!(out, "No rule acted {}.\n", w.this);
    } else {
        let _ = writeln!(out, "Rules by matches {}:\n", w.this);
        let rows: Vec<Vec<String>> = m
            .rules
            .iter()
            .map(|(rule, n)| vec![md::text(rule), n.to_string()])
            .collect();
        md::table(out, &["rule", "actions"], &rows);
    }
}
