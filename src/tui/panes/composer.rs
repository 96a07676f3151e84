//! The reply composer (beside the item's thread), the canned-reply picker and the Outbox
//! pane, plus the item's draft and sends for the detail pane.

use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::{Color, Modifier, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use crate::outbox::read::{ItemOutbox, OutboxRow};
use crate::outbox::OutboxState;
use crate::replies::Vars;
use crate::sanitize::{handle, inert_line, truncate_to_width};
use crate::tui::compose::{self, Composer};
use crate::tui::format::ago;
use crate::tui::keymap::{Action, Layer};
use crate::tui::model::Model;

pub fn render_composer(frame: &mut Frame, area: Rect, model: &Model, composer: &Composer) {
    let target = if composer.dm {
        format!(" DM to {} ", handle(&composer.author))
    } else {
        format!(
            " Public reply to {} on {} ",
            handle(&composer.author),
            inert_line(&composer.platform)
        )
    };
    let block = crate::tui::pane::frame(target, true);
    let inner = block.inner(area);
    frame.render_widget(block, area);

    let warnings = composer.warnings(&model.kit);
    let mut notes: Vec<Line> = Vec::new();
    let (counter, over) = composer.counter();
    notes.push(Line::from(vec![
        Span::styled(
            counter,
            if over {
                Style::new().fg(Color::Red).add_modifier(Modifier::BOLD)
            } else {
                Style::new().fg(Color::Green)
            },
        ),
        Span::raw(format!(
            " · {} send · {} keep draft · {} $EDITOR · {} / {} snippet",
            model.keymap.keys_of(Layer::Composer, Action::SendReply),
            model.keymap.key(Layer::Composer, Action::Close),
            model
                .keymap
                .keys_of(Layer::Composer, Action::ExternalEditor),
            model.keymap.canned_keys(Layer::Composer),
            model.keymap.key(Layer::Composer, Action::PickReply),
        ))
        .dim(),
    ]));
    for warning in &warnings {
        notes.push(Line::from(format!("⚠ {warning}")).fg(Color::Yellow));
    }
    if let Some(error) = &composer.error {
        notes.push(Line::from(error.clone()).fg(Color::Red).bold());
    }
    let notes_height = (notes.len() as u16).min(inner.height.saturating_sub(2));
    let [text, info] =
        Layout::vertical([Constraint::Min(1), Constraint::Length(notes_height)]).areas(inner);
    frame.render_widget(
        Paragraph::new(text_lines(composer)).wrap(Wrap { trim: false }),
        text,
    );
    frame.render_widget(Paragraph::new(notes).wrap(Wrap { trim: false }), info);
}

/// The composer's text, wrapped, with the cursor drawn as a reversed cell (the textarea
/// widget itself does not wrap, and a reply must be read whole).
fn text_lines(composer: &Composer) -> Vec<Line<'static>> {
    let (cursor_row, cursor_col) = composer.textarea.cursor();
    composer
        .textarea
        .lines()
        .iter()
        .enumerate()
        .map(|(i, line)| {
            let line = inert_line(line);
            if i != cursor_row {
                return Line::from(line);
            }
            let before: String = line.chars().take(cursor_col).collect();
            let at: String = line
                .chars()
                .nth(cursor_col)
                .map(String::from)
                .unwrap_or(" ".into());
            let after: String = line.chars().skip(cursor_col + 1).collect();
            Line::from(vec![
                Span::raw(before),
                Span::raw(at).reversed(),
                Span::raw(after),
            ])
        })
        .collect()
}

fn popup(area: Rect, width: u16, height: u16) -> Rect {
    let [v] = Layout::vertical([Constraint::Length(height.min(area.height))])
        .flex(Flex::Center)
        .areas(area);
    let [h] = Layout::horizontal([Constraint::Length(width.min(area.width))])
        .flex(Flex::Center)
        .areas(v);
    h
}

pub fn render_picker(frame: &mut Frame, area: Rect, model: &Model) {
    let Some(picker) = &model.picker else {
        return;
    };
    let platform = model
        .composer
        .as_ref()
        .map(|c| c.platform.clone())
        .or_else(|| model.detail.item.as_ref().map(|d| d.row.platform.clone()));
    let found = compose::matches(&picker.query, &model.kit.canned, platform.as_deref());
    let area = popup(area, 76, (found.len() as u16).clamp(1, 8) + 8);
    crate::tui::pane::clear_popup(frame, area);
    let block = crate::tui::pane::frame(
        format!(
            " Canned replies · type to filter · {} inserts ",
            model.keymap.key(Layer::Picker, Action::Choose)
        ),
        true,
    );
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [query, list, preview] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length((found.len() as u16).clamp(1, 8)),
        Constraint::Min(1),
    ])
    .areas(inner);
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::raw("> ").cyan(),
            Span::raw(picker.query.clone()),
        ])),
        query,
    );
    let width = list.width as usize;
    let lines: Vec<Line> = found
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let key = r.key.map(|k| k.to_string()).unwrap_or_else(|| " ".into());
            // The languages it has besides the default body: "es fr".
            let langs: Vec<&str> = r.languages().collect();
            let langs = if langs.is_empty() {
                String::new()
            } else {
                format!("[{}] ", langs.join(" "))
            };
            let text = format!("{key} {:<16} {langs}{}", r.name, r.tags.join(" "));
            let line = Line::from(truncate_to_width(&text, width));
            if i == picker.selected {
                line.reversed()
            } else {
                line
            }
        })
        .collect();
    let lines = if lines.is_empty() {
        vec![Line::from("no reply matches").dim().italic()]
    } else {
        lines
    };
    frame.render_widget(Paragraph::new(lines), list);
    if let Some(reply) = found.get(picker.selected) {
        let text = preview_text(model, reply);
        frame.render_widget(
            Paragraph::new(text).wrap(Wrap { trim: false }).block(
                ratatui::widgets::Block::new()
                    .borders(ratatui::widgets::Borders::TOP)
                    .title(" preview ")
                    .dim(),
            ),
            preview,
        );
    }
}

/// The reply as it would be inserted for the item at hand.
fn preview_text(model: &Model, reply: &crate::replies::CannedReply) -> String {
    let known = |n: &str| Vars::is_known(n, &model.kit.voice);
    let lang = match (&model.composer, &model.detail.item) {
        (Some(c), _) => c.lang.clone(),
        (None, Some(d)) => d.row.lang.clone(),
        (None, None) => None,
    };
    let vars = match (&model.composer, &model.detail.item) {
        (Some(c), _) => c.vars(&model.kit, &model.brand),
        (None, Some(d)) => Vars::for_item(
            &model.kit.voice.for_lang(lang.as_deref()),
            &model.brand,
            &d.row.platform,
            &d.author.handle,
            &d.author.display_name,
            d.url.as_deref(),
        ),
        (None, None) => Vars::new(),
    };
    let body = reply.body_for(lang.as_deref());
    match crate::replies::expand(body, &vars, &known) {
        Ok(text) => inert_line(&text),
        Err(e) => format!("{body} — {e}"),
    }
}

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
    let Some(pane) = &model.outbox else {
        return;
    };
    let area = popup(
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
