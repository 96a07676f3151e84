//! `?`: the keys, generated from the keymap so it can never go out of date. The groups
//! flow through as many columns as the terminal fits, so the whole map shows at 80x24.

use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::Stylize;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;
use unicode_width::UnicodeWidthStr;

use crate::tui::keymap::Action;
use crate::tui::model::Model;

/// The narrowest a column may be.
const MIN_COLUMN: u16 = 38;
/// The narrowest a column may be when the map would not fit otherwise (descriptions cut
/// short beat keys missing).
const NARROW_COLUMN: u16 = 26;

fn lines(model: &Model) -> Vec<Line<'static>> {
    let keys_width = Action::ALL
        .iter()
        .map(|a| model.keymap.keys_of(*a).width())
        .max()
        .unwrap_or(1)
        .min(12);
    let mut lines = Vec::new();
    let mut group = "";
    // The composer lists its own keys (send, $EDITOR) in its footer.
    for &action in Action::ALL.iter().filter(|a| a.group() != "Composer") {
        if action.group() != group {
            group = action.group();
            lines.push(Line::from(group.to_string()).bold().underlined());
        }
        lines.push(Line::from(vec![
            Span::raw(format!(" {:<keys_width$} ", model.keymap.keys_of(action))).cyan(),
            Span::raw(action.help().to_string()),
        ]));
    }
    lines.push(Line::from("any key closes this help").dim().italic());
    lines
}

pub fn render(frame: &mut Frame, area: Rect, model: &Model) {
    let lines = lines(model);
    let width = area.width.min(160);
    let mut columns = ((width.saturating_sub(2)) / MIN_COLUMN).clamp(1, 4) as usize;
    let rows = area.height.saturating_sub(2) as usize;
    while lines.len().div_ceil(columns) > rows
        && width.saturating_sub(2) / (columns as u16 + 1) >= NARROW_COLUMN
    {
        columns += 1;
    }
    let per_column = lines.len().div_ceil(columns);
    let height = (per_column as u16 + 2).min(area.height);
    let [popup] = Layout::vertical([Constraint::Length(height)])
        .flex(Flex::Center)
        .areas(area);
    let [popup] = Layout::horizontal([Constraint::Length(width)])
        .flex(Flex::Center)
        .areas(popup);
    super::clear_popup(frame, popup);
    let block = super::frame(" Keys · rebind them in [keys] of config.toml ".into(), true);
    let inner = block.inner(popup);
    frame.render_widget(block, popup);
    let areas =
        Layout::horizontal(vec![Constraint::Ratio(1, columns as u32); columns]).split(inner);
    for (chunk, area) in lines.chunks(per_column).zip(areas.iter()) {
        frame.render_widget(Paragraph::new(chunk.to_vec()), *area);
    }
}
