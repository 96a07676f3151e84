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
    if info.spam {
        lines.push(Line::from("spam (marked by a rule)").fg(Color::Yellow));
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
        if let Some(p) = model.moderation.setup.escalation.protocol.get(&e.severity) {
            for step in &p.checklist {
                lines.push(Line::from(format!("  ☐ {}", inert_line(step))));
            }
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

/// The Escalated view's list of open escalations, oldest first.
pub fn render_escalations(frame: &mut Frame, area: Rect, model: &Model) {
    let block = super::frame(
        format!(
            " Open escalations · {} · oldest first ",
            model.moderation.escalations.len()
        ),
        false,
    );
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = inner.width as usize;
    let lines: Vec<Line> = model
        .moderation
        .escalations
        .iter()
        .map(|e| {
            let head = format!(" {:>4} ", age(model.now, e.opened_at));
            let items = if e.items > 1 {
                format!(" ({} items)", e.items)
            } else {
                String::new()
            };
            let failed = if e.failed_notifications > 0 {
                " · notify FAILED"
            } else {
                ""
            };
            let sev = severity_span(e.severity);
            let used = head.chars().count() + sev.content.chars().count();
            let rest = truncate_to_width(
                &format!("{}{items}{failed}", inert_line(&e.reason)),
                width.saturating_sub(used),
            );
            Line::from(vec![sev, Span::raw(head).dim(), Span::raw(rest)])
        })
        .collect();
    let lines = if lines.is_empty() {
        vec![Line::from("nothing open").dim().italic()]
    } else {
        lines
    };
    frame.render_widget(Paragraph::new(lines), inner);
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
pub fn render_popup(frame: &mut Frame, area: Rect, model: &Model) {
    let Some(popup) = &model.moderation.popup else {
        return;
    };
    let keys = &model.keymap;
    let key = |layer: Layer, action: Action| Span::raw(format!(" {} ", keys.key(layer, action)));
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
            for (value, description) in matching(model, purpose, text).into_iter().take(8) {
                lines.push(Line::from(vec![
                    Span::raw(format!(" {:<12}", inert_line(&value))).fg(Color::Magenta),
                    Span::raw(inert_line(&description)).dim(),
                ]));
            }
            (title, lines)
        }
    };
    let width = 60.min(area.width);
    let rect = centered(area, width, lines.len() as u16 + 2);
    super::clear_popup(frame, rect);
    let block = super::frame(title, true);
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}
