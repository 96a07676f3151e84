//! Fixture rows and details, and a model showing them, for pane tests: started, sized for
//! the terminal, and its first list window answered, as the query worker would; and the
//! screen it draws.

use hark::domain::{ItemKind, ItemState};
use hark::store::read::{AuthorInfo, ItemDetail, ItemRow};
use hark::tui::inbox::list::{ListRequest, WindowResult};
use hark::tui::model::{update, Effect, Model, Msg};
use hark::tui::query::{Request, Response};
use hark::tui::ui;
use ratatui::backend::TestBackend;
use ratatui::Terminal;

/// The clock of the pane tests' models and fixtures.
pub const NOW: i64 = 1_764_000_000;

/// A new chirp mention by `author`, `minutes_ago` before [`NOW`].
pub fn row(id: i64, minutes_ago: i64, author: &str, text: &str, needs_reply: bool) -> ItemRow {
    ItemRow {
        id,
        created_at: NOW - minutes_ago * 60,
        platform: "chirp".into(),
        kind: ItemKind::Mention,
        state: ItemState::New,
        author: author.into(),
        snippet: text.into(),
        sentiment: None,
        sentiment_manual: false,
        lang: None,
        needs_reply,
        flag: None,
        marks: Default::default(),
        facts: hark::platform::ItemFacts::of(ItemKind::Mention),
    }
}

/// `row` opened on the demo account: its text as the body, no link, by `handle` (`name`),
/// seen once an hour ago, with no thread and no tags.
pub fn detail(row: ItemRow, handle: &str, name: &str) -> ItemDetail {
    ItemDetail {
        body: row.snippet.clone(),
        row,
        url: None,
        account: "demo-chirp".into(),
        edited_at: None,
        filtered: false,
        sentiment_auto: None,
        sentiment_manual: None,
        lang_manual: false,
        author: AuthorInfo {
            person: 0,
            handle: handle.into(),
            display_name: name.into(),
            followers: Some(120),
            items: 1,
            positive: 0,
            neutral: 1,
            negative: 0,
            first_seen_at: NOW - 3600,
        },
        ancestors: vec![],
        replies: vec![],
        tags: vec![],
    }
}

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
                counting: false,
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
