//! Where each pane goes, for any terminal size, and drawing them.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::Frame;

use super::model::Model;
use super::{composer, inbox, item, moderation, outbox, sidebar, status};

/// The panes' rectangles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Areas {
    pub sidebar: Option<Rect>,
    pub list: Rect,
    pub detail: Rect,
    pub status: Rect,
    pub prompt: Rect,
}

/// Wide terminals put the item beside the list; narrow ones below it; very narrow ones
/// drop the sidebar (views stay reachable with `[` `]` and `:view`).
pub fn layout(area: Rect) -> Areas {
    let [main, status, prompt] = Layout::vertical([
        Constraint::Min(3),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    let (sidebar, right) = if main.width >= 70 {
        let [s, r] = Layout::horizontal([Constraint::Length(20), Constraint::Min(10)]).areas(main);
        (Some(s), r)
    } else {
        (None, main)
    };
    let [list, detail] = if right.width >= 140 {
        Layout::horizontal([Constraint::Percentage(58), Constraint::Percentage(42)]).areas(right)
    } else {
        Layout::vertical([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(right)
    };
    Areas {
        sidebar,
        list,
        detail,
        status,
        prompt,
    }
}

/// The rows the item keeps under a grown composer: its header and the post's first lines.
const ITEM_KEEPS: u16 = 7;

/// With the list above the item, the composer takes item rows it needs, leaving the item
/// [`ITEM_KEEPS`] rows.
fn composer_grown(mut areas: Areas, model: &Model, c: &composer::Composer) -> Areas {
    let stacked = areas.list.x == areas.detail.x && areas.list.bottom() == areas.detail.y;
    if !stacked {
        return areas;
    }
    let total = areas.list.height + areas.detail.height;
    let wanted = composer::view::wanted_height(model, c, areas.list.width);
    let height = wanted
        .min(total.saturating_sub(ITEM_KEEPS))
        .max(areas.list.height);
    areas.list.height = height;
    areas.detail.y = areas.list.bottom();
    areas.detail.height = total - height;
    areas
}

/// How many item rows fit in the list pane.
pub fn list_rows(area: Rect) -> usize {
    layout(area)
        .list
        .height
        .saturating_sub(inbox::view::CHROME_ROWS) as usize
}

pub fn render(frame: &mut Frame, model: &Model) {
    let areas = layout(frame.area());
    if let Some(sidebar) = areas.sidebar {
        sidebar::view::render(frame, sidebar, model);
    }
    // The composer takes the list's place, beside (or above) the item's thread; above
    // it, it grows into the item's rows as far as its text and warnings need.
    let areas = match &model.composer.open {
        Some(composer) => {
            let areas = composer_grown(areas, model, composer);
            composer::view::render_composer(frame, areas.list, model, composer);
            areas
        }
        None => {
            inbox::view::render(frame, areas.list, model);
            areas
        }
    };
    if *model.current_view() == crate::store::View::Escalated {
        // The open incidents, most severe first, above the item.
        let rows =
            ((model.moderation.incidents.len() * 2).max(1) as u16 + 2).min(areas.detail.height / 2);
        let [top, rest] =
            Layout::vertical([Constraint::Length(rows), Constraint::Min(3)]).areas(areas.detail);
        moderation::view::render_incidents(frame, top, model);
        item::view::render(frame, rest, model);
    } else if super::people::viewed(model).is_some() {
        // The card before the item: who they are decides how to read what they wrote.
        let rows = super::people::card_height(model).min(areas.detail.height.saturating_sub(3));
        let [top, rest] =
            Layout::vertical([Constraint::Length(rows), Constraint::Min(3)]).areas(areas.detail);
        super::people::render_card(frame, top, model);
        item::view::render(frame, rest, model);
    } else {
        item::view::render(frame, areas.detail, model);
    }
    status::view::render_status(frame, areas.status, model);
    status::view::render_prompt(frame, areas.prompt, model);
    moderation::view::render_popup(frame, frame.area(), model);
    if model.outbox.pane.is_some() {
        outbox::view::render_outbox(frame, frame.area(), model);
    }
    if model.composer.picker.is_some() {
        composer::view::render_picker(frame, frame.area(), model);
    }
    if model.help.open {
        super::help::view::render(frame, frame.area(), model);
    }
    if model.no_color {
        without_colours(frame.buffer_mut());
    }
}

/// `NO_COLOR` (no-color.org): the frame keeps its text, marks and emphasis (bold, reverse),
/// and loses every colour.
fn without_colours(buffer: &mut ratatui::buffer::Buffer) {
    for cell in buffer.content.iter_mut() {
        cell.set_fg(ratatui::style::Color::Reset);
        cell.set_bg(ratatui::style::Color::Reset);
    }
}
