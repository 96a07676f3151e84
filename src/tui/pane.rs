//! What every pane shares: its frame, and clearing room for a popup.

use ratatui::layout::{Constraint, Flex, Layout, Rect};
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

/// Clears `area` for a popup. A wide character just left of it would keep the popup's
/// first column: the terminal draws both halves of it, and ratatui never sends the cell
/// it believes hidden, so the popup's border went missing there. It becomes a blank.
pub fn clear_popup(frame: &mut ratatui::Frame, area: ratatui::layout::Rect) {
    use unicode_width::UnicodeWidthStr;
    if area.x > 0 {
        let buffer = frame.buffer_mut();
        for y in area.top()..area.bottom() {
            if let Some(cell) = buffer.cell_mut((area.x - 1, y)) {
                if cell.symbol().width() > 1 {
                    cell.set_symbol(" ");
                }
            }
        }
    }
    frame.render_widget(ratatui::widgets::Clear, area);
}

/// A popup of `width` × `height` in the middle of `area` (smaller when `area` is).
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let [v] = Layout::vertical([Constraint::Length(height.min(area.height))])
        .flex(Flex::Center)
        .areas(area);
    let [h] = Layout::horizontal([Constraint::Length(width.min(area.width))])
        .flex(Flex::Center)
        .areas(v);
    h
}
