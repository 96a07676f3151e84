//! The views with their live counts.

use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::tui::format::thousands;
use crate::tui::model::{Focus, Model};

pub fn render(frame: &mut Frame, area: Rect, model: &Model) {
    let block = crate::tui::pane::frame(" Views ".into(), model.focus == Focus::Sidebar);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = inner.width as usize;
    let lines: Vec<Line> = model
        .sidebar
        .views
        .iter()
        .enumerate()
        .map(|(i, (view, count))| {
            let count = match count {
                // A saved view counts up to a cap and within a time budget ("at least"
                // past either), and shows a stale count while its refresh is due.
                Some(n) if matches!(view, crate::store::View::Saved(_)) => {
                    let cut = match view {
                        crate::store::View::Saved(name) => model
                            .find
                            .saved
                            .counts
                            .get(name)
                            .is_some_and(|c| !c.complete),
                        _ => false,
                    };
                    let n = if *n > crate::store::read::SEARCH_COUNT_CAP {
                        format!("{}+", thousands(crate::store::read::SEARCH_COUNT_CAP))
                    } else if cut {
                        format!("{}+", thousands(*n))
                    } else {
                        thousands(*n)
                    };
                    if model.find.saved.counting {
                        format!("~{n}")
                    } else {
                        n
                    }
                }
                Some(n) => thousands(*n),
                None => "…".into(),
            };
            let title = crate::sanitize::truncate_to_width(
                &crate::sanitize::inert_line(&view.title()),
                width.saturating_sub(count.len() + 1),
            );
            let pad = width.saturating_sub(crate::sanitize::width(&title) + count.len());
            let selected = i == model.sidebar.selected;
            let style = if selected {
                Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD)
            } else {
                Style::new()
            };
            Line::from(vec![
                Span::styled(format!("{title}{}", " ".repeat(pad)), style),
                Span::styled(count, style).dim(),
            ])
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}
