//! The Outbox pane, and an item's outbox rows under the item.

use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::outbox::read::{ItemOutbox, OutboxRow};
use crate::outbox::OutboxState;
use crate::sanitize::{handle, inert_line, truncate_to_width};
use crate::tui::format::ago;
use crate::tui::keymap::{Action, Layer};
use crate::tui::model::Model;

fn state_style(state: OutboxState) -> Style {
    match state {
        OutboxState::Queued => Style::new().fg(Color::Yellow),
        OutboxState::Sending => Style::new().fg(Color::Cyan),
        OutboxState::Sent => Style::new().fg(Color::Green),
        OutboxState::Failed => Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
        OutboxState::Cancelled => Style::new().fg(Color::DarkGray),
        OutboxState::Unknown => Style::new().fg(Color::Magenta).add_modifier(Modifier::BOLD),
    }
}

fn row_status(row: &OutboxRow, now: i64) -> String {
    match (row.state, &row.last_error) {
        (OutboxState::Queued, Some(e)) if row.attempts > 0 => format!(
            "retry {} in {}s · attempt {} failed: {e}",
            row.attempts + 1,
            (row.next_attempt_at - now).max(0),
            row.attempts
        ),
        (OutboxState::Failed, Some(e)) => format!("failed: {e}"),
        (OutboxState::Unknown, Some(e)) => format!("unknown: {e}"),
        (OutboxState::Sent, Some(e)) if row.attempts > 1 => format!(
            "sent {} on attempt {} · retried after: {e}",
            row.sent_at.map(|t| ago(now, t)).unwrap_or_default(),
            row.attempts
        ),
        (OutboxState::Sent, _) => format!(
            "sent {}",
            row.sent_at.map(|t| ago(now, t)).unwrap_or_default()
        ),
        (state, _) => state.to_string(),
    }
}

pub fn render_outbox(frame: &mut Frame, area: Rect, model: &Model) {
    let Some(pane) = &model.outbox.pane else {
        return;
    };
    let area = crate::tui::pane::centered(
        area,
        area.width.saturating_sub(4),
        area.height.saturating_sub(2),
    );
    crate::tui::pane::clear_popup(frame, area);
    let key = |action| model.keymap.key(Layer::Outbox, action);
    let block = crate::tui::pane::frame(
        format!(
            " Outbox · {} retry · {} cancel · {} edit · {} it was sent · {} closes ",
            key(Action::Retry),
            key(Action::CancelSend),
            key(Action::EditReply),
            key(Action::ConfirmSent),
            key(Action::Close)
        ),
        true,
    );
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = inner.width as usize;
    let mut lines = Vec::new();
    if pane.rows.is_empty() {
        lines.push(Line::from("nothing sent yet").dim().italic());
    }
    for (i, row) in pane.rows.iter().enumerate() {
        let head = format!(
            "{:<9} {:<6} {} {} ",
            row.state.as_str(),
            row.kind,
            inert_line(&row.platform),
            handle(&row.author)
        );
        let rest = width.saturating_sub(unicode_width::UnicodeWidthStr::width(head.as_str()));
        let mut line = Line::from(vec![
            Span::styled(head, state_style(row.state)),
            Span::raw(truncate_to_width(&inert_line(&row.text), rest)),
        ]);
        if i == pane.selected {
            line = line.reversed();
        }
        lines.push(line);
        if row.state != OutboxState::Cancelled
            && (row.last_error.is_some() || row.state == OutboxState::Sent)
        {
            lines.push(
                Line::from(truncate_to_width(
                    &format!("          {}", inert_line(&row_status(row, model.now))),
                    width,
                ))
                .style(state_style(row.state).remove_modifier(Modifier::BOLD))
                .dim(),
            );
        }
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The detail pane's lines for the item's draft and sends.
pub fn item_lines(outbox: &ItemOutbox, now: i64, width: usize) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    if outbox.draft.is_none() && outbox.rows.is_empty() {
        return lines;
    }
    lines.push(Line::default());
    if let Some(draft) = &outbox.draft {
        let text = format!(
            "✎ draft ({}): {}",
            ago(now, draft.updated_at),
            inert_line(&draft.body)
        );
        lines.push(Line::from(truncate_to_width(&text, width)).fg(Color::Magenta));
    }
    for row in outbox
        .rows
        .iter()
        .filter(|r| r.state != OutboxState::Cancelled)
        .take(3)
    {
        let text = format!(
            "➤ {} {}: {}",
            row.kind,
            row_status(row, now),
            inert_line(&row.text)
        );
        lines.push(Line::from(truncate_to_width(&text, width)).style(state_style(row.state)));
    }
    lines
}
