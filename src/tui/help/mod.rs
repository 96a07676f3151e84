//! `?`: every layer's keys, the active layer's first. The state is the scroll; the
//! view lays the keys out in as many columns as fit and scrolls what does not.

pub mod view;

use std::cell::Cell;

use crossterm::event::KeyEvent;

use super::keymap::{Action, Layer};
use super::model::Model;

/// Where the help is scrolled to. The view records how far it can scroll at the size it
/// was last drawn, so the keys stop at the end instead of running past it.
#[derive(Debug, Clone, Default)]
pub struct HelpState {
    /// The help is showing (over whatever is open under it).
    pub open: bool,
    pub scroll: u16,
    pub max_scroll: Cell<u16>,
    pub page: Cell<u16>,
}

/// Opens the help over whatever is open (it stays open underneath).
pub fn open(model: &mut Model) {
    model.help.open = true;
    model.help.scroll = 0;
}

/// A key while the help shows: its scroll keys scroll, any other key closes it and does
/// nothing else.
pub fn on_key(model: &mut Model, key: KeyEvent) {
    let help = &mut model.help;
    let max = help.max_scroll.get();
    let page = help.page.get().max(1);
    help.scroll = match model.keymap.action(Layer::Help, &key) {
        Some(Action::MoveDown) => help.scroll.saturating_add(1),
        Some(Action::MoveUp) => help.scroll.saturating_sub(1),
        Some(Action::PageDown) => help.scroll.saturating_add(page),
        Some(Action::PageUp) => help.scroll.saturating_sub(page),
        Some(Action::GoTop) => 0,
        Some(Action::GoBottom) => max,
        _ => {
            help.open = false;
            0
        }
    }
    .min(max);
}
