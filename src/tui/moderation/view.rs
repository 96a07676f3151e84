//! The moderation popups, the item's moderation lines in the detail pane (pending
//! actions, escalations with their notifications and checklist, notes) and the list of
//! open escalations the Escalated view shows.

use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::{Color, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use crate::domain::Severity;
use crate::sanitize::{inert_line, truncate_to_width};
use crate::tui::format::{age, ago};
use crate::tui::keymap::{Action, Layer};
use crate::tui::model::Model;
use crate::tui::moderation::{matching, Popup, Purpose, ACTIONS};

fn severity_span(s: Severity) -> Span<'static> {
    let text = format!("⚑ {:<8}", s.as_str().to_uppercase());
    match s {
        Severity::Critical => Span::raw(text).fg(Color::Red).bold(),
        Severity::High => Span::raw(text).fg(Color::LightRed),
        Severity::Low => Span::raw(text).fg(Color::Yellow),
    }
}

/// Lines under the item in the detail pane.
pub fn detail_lines(model: &Model) -> Vec<Line<'static>> {
    let Some((id, info)) = &model.moderation.info else {
        return Vec::new();
    };
    if Some(*id) != model.detail.wanted {
        return Vec::new();
    }
    let now = model.now;
    let mut lines = Vec::new();
    // First: what a teammate's change replaced, which the CM may want to put back.
    for c in &info.conflicts {
        lines.push(Line::from(vec![
            Span::raw(format!("conflict {}: ", ago(now, c.at)))
                .fg(Color::Yellow)
                .bold(),
            Span::raw(format!(
                "{} {} by {} was replaced by {} by {}",
                inert_line(&c.field),
                inert_line(&c.lost),
                inert_line(&c.lost_by),
                inert_line(&c.won),
                inert_line(&c.won_by)
            )),
        ]));
    }
    if info.spam {
        lines.push(Line::from("spam (marked by a rule)").fg(Color::Yellow));
    }
    // Team mode: what waits for a moderator, and who asked.
    for w in &info.approvals {
        let approve = model.keymap.key(Layer::Inbox, Action::ApproveHeld);
        let reject = model.keymap.key(Layer::Inbox, Action::RejectHeld);
        lines.push(
            Line::from(format!(
                "⏸ {} asked by {} {} · awaits a moderator ({approve} approves, {reject} rejects)",
                w.kind,
                inert_line(&w.requested_by),
                ago(now, w.requested_at)
            ))
            .fg(Color::Magenta),
        );
    }
    for o in &info.outbox {
        let (mark, color) = match o.state.as_str() {
            "sent" => ("✓", Color::Green),
            "failed" => ("✗", Color::Red),
            "cancelled" => ("–", Color::DarkGray),
            _ => ("◷", Color::Yellow),
        };
        let mut text = format!("{mark} {} {} · {}", o.kind, o.state, ago(now, o.created_at));
        if o.attempts > 0 && o.state != "sent" {
            text.push_str(&format!(
                " · {} tr{}",
                o.attempts,
                if o.attempts == 1 { "y" } else { "ies" }
            ));
        }
        if let Some(e) = &o.last_error {
            text.push_str(&format!(" · {}", inert_line(e)));
        }
        lines.push(Line::from(text).fg(color));
    }
    for e in &info.escalations {
        let mut spans = vec![severity_span(e.severity), Span::raw(" ")];
        match (&e.resolved_at, &e.outcome) {
            (Some(at), outcome) => spans.push(
                Span::raw(format!(
                    "resolved {} · {} → {}",
                    ago(now, *at),
                    inert_line(&e.reason),
                    inert_line(outcome.as_deref().unwrap_or(""))
                ))
                .dim(),
            ),
            (None, _) => spans.push(Span::raw(format!(
                "open {} · {} · by {}",
                age(now, e.opened_at),
                inert_line(&e.reason),
                inert_line(&e.source)
            ))),
        }
        lines.push(Line::from(spans));
        if e.resolved_at.is_some() {
            continue;
        }
        for (channel, state, attempts, error) in &e.notifications {
            let text = match state.as_str() {
                "sent" => format!("  notify {channel}: sent"),
                "failed" => format!(
                    "  notify {channel}: FAILED after {attempts} tries · {} · :retry-notifications",
                    inert_line(error.as_deref().unwrap_or(""))
                ),
                _ if *attempts > 0 => format!(
                    "  notify {channel}: retrying ({attempts} tries) · {}",
                    inert_line(error.as_deref().unwrap_or(""))
                ),
                _ => format!("  notify {channel}: pending"),
            };
            let color = match state.as_str() {
                "sent" => Color::Green,
                "failed" => Color::Red,
                _ => Color::Yellow,
            };
            lines.push(Line::from(text).fg(color));
        }
    }
    for v in &info.incidents {
        let i = &v.incident;
        lines.push(Line::from(vec![
            severity_span(i.severity),
            Span::raw(format!(
                " incident #{} · {} · {} item{} · open {}",
                i.id,
                inert_line(&i.title),
                i.items,
                if i.items == 1 { "" } else { "s" },
                age(now, i.opened_at)
            )),
        ]));
        let config = &model.moderation.setup.escalation;
        let steps = config
            .protocol
            .get(&i.severity)
            .map(|p| p.checklist.as_slice())
            .unwrap_or_default();
        use crate::escalation::checklist::{self, StepState};
        let next = checklist::next(steps, &v.done, i.opened_at, now).map(|(n, _)| n);
        for (n, state) in checklist::states(steps, &v.done, i.opened_at, now) {
            let text = inert_line(&steps[n].text);
            let marker = if next == Some(n) { "▸" } else { " " };
            let line = match state {
                StepState::Done { by, at } => Line::from(format!(
                    " {marker}☑ {text} · {} {}",
                    inert_line(&by),
                    ago(now, at)
                ))
                .dim(),
                StepState::Missed { .. } => {
                    Line::from(format!(" {marker}☐ {text} · MISSED")).fg(Color::Red)
                }
                StepState::Open { due: Some(due) } => {
                    Line::from(format!(" {marker}☐ {text} · due in {}", age(due, now)))
                }
                StepState::Open { due: None } => Line::from(format!(" {marker}☐ {text}")),
            };
            lines.push(line);
        }
    }
    for (at, body) in &info.notes {
        lines.push(Line::from(vec![
            Span::raw(format!("note {}: ", ago(now, *at)))
                .fg(Color::Cyan)
                .bold(),
            Span::raw(inert_line(body)),
        ]));
    }
    if !lines.is_empty() {
        lines.insert(0, Line::default());
    }
    lines
}

/// The Escalated view's list of open incidents, most severe first, then the largest:
/// title, items, age, last activity and the next step (red once its deadline passed).
pub fn render_incidents(frame: &mut Frame, area: Rect, model: &Model) {
    let block = crate::tui::pane::frame(
        format!(
            " Open incidents · {} · :view incident:N opens one ",
            model.moderation.incidents.len()
        ),
        false,
    );
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = inner.width as usize;
    let config = &model.moderation.setup.escalation;
    // Two lines each: what it is, then how big, how lively and what to do next.
    let mut lines: Vec<Line> = Vec::new();
    for v in &model.moderation.incidents {
        let i = &v.incident;
        let sev = severity_span(i.severity);
        let head = format!(" #{} {:>4} ", i.id, age(model.now, i.opened_at));
        let used = sev.content.chars().count() + head.chars().count();
        lines.push(Line::from(vec![
            sev,
            Span::raw(head).dim(),
            Span::raw(truncate_to_width(
                &inert_line(&i.title),
                width.saturating_sub(used),
            )),
        ]));
        let failed = if i.failed_notifications > 0 {
            " · notify FAILED"
        } else {
            ""
        };
        let facts = format!(
            "   {} item{} · active {}{failed}",
            i.items,
            if i.items == 1 { "" } else { "s" },
            ago(model.now, i.last_activity_at),
        );
        let mut spans = vec![Span::raw(facts.clone()).dim()];
        if let Some((text, state)) = config.next_step(v, model.now) {
            spans.push(Span::raw(" · ").dim());
            let left = width.saturating_sub(facts.chars().count() + 3);
            spans.push(next_step_span(&text, &state, left, model.now));
        }
        lines.push(Line::from(spans));
    }
    let lines = if lines.is_empty() {
        vec![Line::from("nothing open").dim().italic()]
    } else {
        lines
    };
    frame.render_widget(Paragraph::new(lines), inner);
}

/// "next: <step>", red with "missed" once its deadline passed, with "due in" before.
fn next_step_span(
    text: &str,
    state: &crate::escalation::checklist::StepState,
    width: usize,
    now: crate::domain::UnixTime,
) -> Span<'static> {
    use crate::escalation::checklist::StepState;
    let (label, color) = match state {
        StepState::Missed { due } => (
            format!("next: {} · MISSED {} ago", inert_line(text), age(now, *due)),
            Some(Color::Red),
        ),
        StepState::Open { due: Some(due) } => (
            format!("next: {} · due in {}", inert_line(text), age(*due, now)),
            Some(Color::Yellow),
        ),
        _ => (format!("next: {}", inert_line(text)), None),
    };
    let span = Span::raw(truncate_to_width(&label, width));
    match color {
        Some(c) => span.fg(c),
        None => span,
    }
}

fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let [v] = Layout::vertical([Constraint::Length(height.min(area.height))])
        .flex(Flex::Center)
        .areas(area);
    let [h] = Layout::horizontal([Constraint::Length(width.min(area.width))])
        .flex(Flex::Center)
        .areas(v);
    h
}

fn count(ids: &[i64]) -> String {
    if ids.len() == 1 {
        "1 item".into()
    } else {
        format!("{} items", ids.len())
    }
}

/// The open popup, if any.
/// The most choices an input popup lists at once (fewer when the terminal is short).
const CHOICE_ROWS: usize = 8;

pub fn render_popup(frame: &mut Frame, area: Rect, model: &Model) {
    let Some(popup) = &model.moderation.popup else {
        return;
    };
    let keys = &model.keymap;
    let key = |layer: Layer, action: Action| Span::raw(format!(" {} ", keys.key(layer, action)));
    let mut more = String::new();
    let (title, lines): (String, Vec<Line>) = match popup {
        Popup::Actions { ids, actions } => {
            let offered: Vec<_> = ACTIONS.iter().filter(|a| actions.contains(&a.0)).collect();
            let width = offered
                .iter()
                .map(|a| keys.keys_of(Layer::Moderate, a.1).chars().count())
                .max()
                .unwrap_or(1);
            let mut lines: Vec<Line> = offered
                .iter()
                .map(|&&(_, action, label, confirm)| {
                    Line::from(vec![
                        Span::raw(format!(
                            " {:<width$}  ",
                            keys.keys_of(Layer::Moderate, action)
                        ))
                        .cyan()
                        .bold(),
                        Span::raw(label.to_string()),
                        Span::raw(if confirm { " (asks first)" } else { "" }).dim(),
                    ])
                })
                .collect();
            for line in crate::tui::moderation::update::power_lines(model, ids) {
                lines.push(Line::from(format!(" {line}")).fg(Color::Yellow));
            }
            lines.push(
                Line::from(format!(
                    " {} cancels · sent through the outbox",
                    keys.key(Layer::Moderate, Action::Close)
                ))
                .dim(),
            );
            (format!(" Moderate {} ", count(ids)), lines)
        }
        Popup::Confirm { ids, kind } => (
            format!(" {kind}? "),
            vec![
                Line::from(format!(" {kind} {} on the platform?", count(ids))).bold(),
                Line::from(" This cannot be undone from hark.").fg(Color::Red),
                Line::from(vec![
                    key(Layer::Confirm, Action::Yes).cyan().bold(),
                    Span::raw("yes   "),
                    Span::raw("any other key ").cyan().bold(),
                    Span::raw("no"),
                ]),
            ],
        ),
        Popup::Severity { ids } => (
            format!(" Escalate {} ", count(ids)),
            vec![
                Line::from(vec![
                    key(Layer::Escalate, Action::Low).cyan().bold(),
                    Span::raw("low"),
                ]),
                Line::from(vec![
                    key(Layer::Escalate, Action::High).cyan().bold(),
                    Span::raw("high"),
                ]),
                Line::from(vec![
                    key(Layer::Escalate, Action::Critical).cyan().bold(),
                    Span::raw("critical"),
                ]),
                Line::from(format!(
                    " {} cancels",
                    keys.key(Layer::Escalate, Action::Close)
                ))
                .dim(),
            ],
        ),
        Popup::Input { purpose, ids, text } => {
            let tab = keys.key(Layer::Popup, Action::Complete);
            let enter = keys.key(Layer::Popup, Action::Submit);
            let (title, hint) = match purpose {
                Purpose::Tag => (
                    format!(" Tag {} ", count(ids)),
                    format!("{tab} completes · -tag removes"),
                ),
                Purpose::FlagReason(s) => (
                    format!(" Escalate {} · {s} · reason ", count(ids)),
                    format!("{tab} completes · {enter} escalates"),
                ),
                Purpose::Resolve => (
                    " Resolve · how did it end? ".to_string(),
                    format!("{enter} resolves"),
                ),
                Purpose::Note => (
                    " Internal note (never sent) ".to_string(),
                    format!("{enter} saves"),
                ),
                Purpose::MergeInto => (
                    format!(" Merge the incident of {} into ", count(ids)),
                    format!("#N · {tab} completes · {enter} merges"),
                ),
                Purpose::PersonNote(_) => (
                    " Note on the author (never sent) ".to_string(),
                    format!("{enter} saves"),
                ),
                Purpose::Assign => (
                    format!(" Assign {} to ", count(ids)),
                    format!("{tab} completes · - unassigns"),
                ),
                Purpose::Snooze => (
                    format!(" Snooze {} until ", count(ids)),
                    format!("2h · tomorrow 9:00 · mon · {tab} completes"),
                ),
                Purpose::SplitTitle => (
                    format!(" Split {} into a new incident · title ", count(ids)),
                    format!("{enter} splits"),
                ),
                Purpose::ReportCategory(_) => (
                    format!(" Report {} · category ", count(ids)),
                    format!("{tab} completes · {enter} picks"),
                ),
                Purpose::ReportReason(category) => (
                    format!(
                        " Report {} · {} · reason ",
                        count(ids),
                        inert_line(category)
                    ),
                    format!("{enter} reports"),
                ),
            };
            let esc = keys.key(Layer::Popup, Action::Close);
            let mut lines = vec![
                Line::from(vec![
                    Span::raw(" > ").bold(),
                    Span::raw(inert_line(text)),
                    Span::raw("█"),
                ]),
                Line::from(format!(" {hint} · {esc} cancels")).dim(),
            ];
            let found = matching(model, purpose, text);
            // All the choices, in a window that follows the highlighted one; the frame
            // says how many are out of sight.
            let room = (area.height as usize)
                .saturating_sub(lines.len() + 2)
                .min(CHOICE_ROWS);
            let chosen = model.moderation.choice.min(found.len().saturating_sub(1));
            let top = chosen.saturating_sub(room.saturating_sub(1));
            for (i, (value, description)) in found.iter().enumerate().skip(top).take(room) {
                let line = Line::from(vec![
                    Span::raw(format!(" {:<12}", inert_line(value))).fg(Color::Magenta),
                    Span::raw(inert_line(description)).dim(),
                ]);
                lines.push(if i == chosen { line.reversed() } else { line });
            }
            let below = found.len().saturating_sub(top + room);
            more = [(top, "↑"), (below, "↓")]
                .iter()
                .filter(|(n, _)| *n > 0)
                .map(|(n, arrow)| format!("{arrow} {n} more"))
                .collect::<Vec<_>>()
                .join(" · ");
            if !more.is_empty() {
                more = format!(
                    " {more} · {}/{} move ",
                    keys.key(Layer::Popup, Action::MoveDown),
                    keys.key(Layer::Popup, Action::MoveUp)
                );
            }
            (title, lines)
        }
    };
    let width = 60.min(area.width);
    let rect = centered(area, width, lines.len() as u16 + 2);
    crate::tui::pane::clear_popup(frame, rect);
    let mut block = crate::tui::pane::frame(title, true);
    if !more.is_empty() {
        block = block.title_bottom(Line::from(more).bold());
    }
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}
