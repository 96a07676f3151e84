//! A model showing fixture rows, for pane tests: started, sized for the terminal, and
//! its first list window answered, as the query worker would; and the screen it draws.
#![allow(dead_code)]

use hark::store::read::ItemRow;
use hark::tui::inbox::list::{ListRequest, WindowResult};
use hark::tui::model::{update, Effect, Model, Msg};
use hark::tui::query::{Request, Response};
use hark::tui::ui;
use ratatui::backend::TestBackend;
use ratatui::Terminal;

/// Starts `model` in a `width`x`height` terminal showing `rows` of a view of `total` items.
pub fn show_rows(model: &mut Model, width: u16, height: u16, rows: Vec<ItemRow>, total: usize) {
    let effects = model.start();
    update(
        model,
        Msg::Resize {
            list_rows: ui::list_rows(ratatui::layout::Rect::new(0, 0, width, height)),
        },
    );
    answer_window(model, &effects, rows, total);
}

/// Answers the list window that `effects` asked for with `rows` of `total` items.
pub fn answer_window(model: &mut Model, effects: &[Effect], rows: Vec<ItemRow>, total: usize) {
    let generation = effects
        .iter()
        .find_map(|e| match e {
            Effect::Query(Request::List(ListRequest::Window { generation, .. })) => {
                Some(*generation)
            }
            _ => None,
        })
        .expect("the effects load the list");
    update(
        model,
        Msg::Loaded(Response::Window {
            generation,
            result: WindowResult {
                rows,
                offset: 0,
                total,
                focus: 0,
            },
        }),
    );
}

/// Draws `model` once on a `width`x`height` test terminal.
pub fn render(model: &Model, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|f| ui::render(f, model)).unwrap();
    terminal
}

/// Everything the terminal shows, as one string.
pub fn screen(terminal: &Terminal<TestBackend>) -> String {
    terminal
        .backend()
        .buffer()
        .content()
        .iter()
        .map(|c| c.symbol())
        .collect()
}
