//! The reply composer (beside the item's thread), the canned-reply picker and the Outbox
//! pane, plus the item's draft and sends for the detail pane.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use super::state::{self as compose, Composer};
use crate::replies::Vars;
use crate::sanitize::{handle, inert_line, truncate_to_width};
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

    let warnings = composer.warnings(&model.composer.kit);
    let mut notes: Vec<Line> = Vec::new();
    // First, so a narrow pane that cuts the notes short still says it.
    if let Some(window) = &composer.window {
        let line = Line::from(window.describe(model.now));
        notes.push(match window.refusal() {
            Some(_) => line.fg(Color::Red),
            None => line.fg(Color::Cyan),
        });
    }
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

pub fn render_picker(frame: &mut Frame, area: Rect, model: &Model) {
    let Some(picker) = &model.composer.picker else {
        return;
    };
    let platform = model
        .composer
        .open
        .as_ref()
        .map(|c| c.platform.clone())
        .or_else(|| model.detail.item.as_ref().map(|d| d.row.platform.clone()));
    let found = compose::matches(
        &picker.query,
        &model.composer.kit.canned,
        platform.as_deref(),
    );
    let area = crate::tui::pane::centered(area, 76, (found.len() as u16).clamp(1, 8) + 8);
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
    let known = |n: &str| Vars::is_known(n, &model.composer.kit.voice);
    let lang = match (&model.composer.open, &model.detail.item) {
        (Some(c), _) => c.lang.clone(),
        (None, Some(d)) => d.row.lang.clone(),
        (None, None) => None,
    };
    let vars = match (&model.composer.open, &model.detail.item) {
        (Some(c), _) => c.vars(&model.composer.kit, &model.brand),
        (None, Some(d)) => Vars::for_item(
            &model.composer.kit.voice.for_lang(lang.as_deref()),
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
