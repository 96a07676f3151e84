//! One pane per file; each renders from the model only (no I/O in render).

pub mod composer;
pub mod detail;
pub mod help;
pub mod items;
pub mod moderation;
pub mod sidebar;
pub mod status;

use ratatui::style::{Color, Style};
use ratatui::widgets::{Block, BorderType};

/// A pane's frame; the focused pane's border stands out.
pub fn frame(title: String, focused: bool) -> Block<'static> {
    let style = if focused {
        Style::new().fg(Color::Cyan)
    } else {
        Style::new().fg(Color::DarkGray)
    };
    Block::bordered()
        .border_type(if focused {
            BorderType::Thick
        } else {
            BorderType::Plain
        })
        .border_style(style)
        .title(title)
}
