//! A model showing fixture rows, for pane tests: started, sized for the terminal, and
//! its first list window answered, as the query worker would.

use hark::store::read::ItemRow;
use hark::tui::list::{ListRequest, WindowResult};
use hark::tui::model::{update, Effect, Model, Msg};
use hark::tui::query::{Request, Response};
use hark::tui::ui;

/// Starts `model` in a `width`x`height` terminal showing `rows` of a view of `total` items.
pub fn show_rows(model: &mut Model, width: u16, height: u16, rows: Vec<ItemRow>, total: usize) {
    let effects = model.start();
    let generation = effects
        .iter()
        .find_map(|e| match e {
            Effect::Query(Request::List(ListRequest::Window { generation, .. })) => {
                Some(*generation)
            }
            _ => None,
        })
        .expect("starting the model loads the list");
    update(
        model,
        Msg::Resize {
            list_rows: ui::list_rows(ratatui::layout::Rect::new(0, 0, width, height)),
        },
    );
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
