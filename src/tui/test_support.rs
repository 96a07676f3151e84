//! For the update's unit tests: a model started with its first list window answered.

use super::inbox::list::{ListRequest, WindowResult};
use super::keymap::Keymap;
use super::model::{update, Effect, Model, Msg};
use super::query::{Request, Response};
use crate::store::read::ItemRow;

/// A model showing `rows` in a 10-row list, as the query worker would answer its start.
pub fn started_with(rows: Vec<ItemRow>) -> Model {
    let mut model = Model::new(Keymap::defaults(), "Brand".into(), 10_000);
    let effects = model.start();
    update(&mut model, Msg::Resize { list_rows: 10 });
    let Some(Effect::Query(Request::List(ListRequest::Window { generation, .. }))) =
        effects.first().cloned()
    else {
        panic!("the first effect loads the list: {effects:?}");
    };
    let total = rows.len();
    update(
        &mut model,
        Msg::Loaded(Response::Window {
            generation,
            result: WindowResult {
                rows,
                offset: 0,
                total,
                focus: 0,
                counting: false,
            },
        }),
    );
    model
}
