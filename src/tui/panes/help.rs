//! `?`: the keys, generated from the keymap so it can never go out of date. Groups are
//! laid out in two columns so the whole map fits an 80x24 terminal.

use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::Stylize;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};
use ratatui::Frame;

use crate::tui::keymap::Action;
use crate::tui::model::Model;

fn group_lines(model: &Model, group: &str) -> Vec<Line<'static>> {
    let mut lines = vec![Line::from(group.to_string()).bold().underlined()];
    for &action in Action::ALL.iter().filter(|a| a.group() == group) {
        lines.push(Line::from(vec![
            Span::raw(format!(" {:<12}", model.keymap.keys_of(action))).cyan(),
            Span::raw(action.help().to_string()),
        ]));
    }
    lines.push(Line::default());
    lines
}

pub fn render(frame: &mut Frame, area: Rect, model: &Model) {
    let mut groups: Vec<&str> = Vec::new();
    for action in Action::ALL {
        // The composer lists its own keys in its footer.
        if action.group() != "Composer" && !groups.contains(&action.group()) {
            groups.push(action.group());
        }
    }
    // Fill the left column up to half of all lines, the rest goes right.
    let blocks: Vec<Vec<Line>> = groups.iter().map(|g| group_lines(model, g)).collect();
    let total: usize = blocks.iter().map(Vec::len).sum();
    let (mut left, mut right) = (Vec::new(), Vec::new());
    for block in blocks {
        if left.len() + block.len() / 2 <= total / 2 {
            left.extend(block);
        } else {
            right.extend(block);
        }
    }
    let height = (left.len().max(right.len()) as u16 + 2).min(area.height);
    let width = 100.min(area.width);
    let [popup] = Layout::vertical([Constraint::Length(height)])
        .flex(Flex::Center)
        .areas(area);
    let [popup] = Layout::horizontal([Constraint::Length(width)])
        .flex(Flex::Center)
        .areas(popup);
    frame.render_widget(Clear, popup);
    let block = super::frame(" Keys · rebind them in [keys] of config.toml ".into(), true)
        .title_bottom(Line::from(" any key closes this help ").dim().italic());
    let inner = block.inner(popup);
    frame.render_widget(block, popup);
    let [l, r] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(inner);
    frame.render_widget(Paragraph::new(left), l);
    frame.render_widget(Paragraph::new(right), r);
}
