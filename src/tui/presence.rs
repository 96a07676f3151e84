//! Team mode's presence in the UI: which other CMs look at an item (◉ana) and who types
//! a reply to it (✎ben), on list rows and in the item pane; and what this CM does, told
//! to the presence task only when it changes (an effect; the task renews it on its own).
//! Without `[team]` nothing shows and nothing is told.

use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};

use crate::domain::ItemId;
use crate::sanitize::{inert_line, truncate_to_width};
use crate::team::presence::{Doing, Here, Others};
use crate::tui::model::{Effect, Model};

/// The longest name a list row shows.
const NAME_COLS: usize = 10;
/// The most names a list row shows (then "+2").
const SHOWN: usize = 3;

/// The UI's part of presence.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PresenceState {
    /// The other CMs on each item, as the presence task last heard.
    pub others: Others,
    /// What was last told to the task (it starts from nothing viewed).
    pub told: Doing,
    /// When this CM last pressed a key: away from the keyboard longer than [`IDLE`], the
    /// item on screen is not "viewed" any more.
    pub last_key: crate::domain::UnixTime,
}

/// How long without a key before this CM stops counting as viewing the item on screen
/// (a reply being written counts as long as the composer is open).
pub const IDLE: i64 = 5 * 60;

/// What this CM does now: the composer's item (writing a reply), else the item pane's
/// unless the CM has been away from the keyboard a while.
pub fn doing(model: &Model) -> Doing {
    match &model.composer.open {
        Some(c) => Doing {
            item: Some(c.item_id),
            typing: true,
        },
        None if model.now - model.presence.last_key > IDLE => Doing::default(),
        None => Doing {
            item: model.detail.wanted,
            typing: false,
        },
    }
}

/// After every update: tells the task when what this CM does changed.
pub fn tell(model: &mut Model, effects: &mut Vec<Effect>) {
    if model.team.is_none() {
        return;
    }
    let now = doing(model);
    if model.presence.told != now {
        model.presence.told = now;
        effects.push(Effect::Presence(now));
    }
}

fn typing_style() -> Style {
    Style::new().fg(Color::Magenta).add_modifier(Modifier::BOLD)
}

fn viewing_style() -> Style {
    Style::new().fg(Color::Magenta)
}

/// A list row's "◉ana ✎ben · " (empty when nobody else is on it).
pub fn row_spans(model: &Model, item: ItemId) -> Vec<Span<'static>> {
    let here = model.presence.others.on(item);
    if here.is_empty() {
        return Vec::new();
    }
    let mut spans = Vec::new();
    for (i, h) in here.iter().take(SHOWN).enumerate() {
        let name = truncate_to_width(&inert_line(&h.cm), NAME_COLS);
        let sep = if i == 0 { "" } else { " " };
        spans.push(match h.typing {
            true => Span::styled(format!("{sep}✎{name}"), typing_style()),
            false => Span::styled(format!("{sep}◉{name}"), viewing_style()),
        });
    }
    if here.len() > SHOWN {
        spans.push(Span::styled(
            format!(" +{}", here.len() - SHOWN),
            viewing_style(),
        ));
    }
    spans.push(Span::styled(" · ", viewing_style()));
    spans
}

/// The item pane's "✎ ben is typing a reply · ◉ ana is viewing it".
pub fn item_line(model: &Model, item: ItemId) -> Option<Line<'static>> {
    let here = model.presence.others.on(item);
    if here.is_empty() {
        return None;
    }
    let names = |typing: bool| -> Vec<String> {
        here.iter()
            .filter(|h: &&Here| h.typing == typing)
            .map(|h| inert_line(&h.cm))
            .collect()
    };
    let (typing, viewing) = (names(true), names(false));
    let mut spans = Vec::new();
    if !typing.is_empty() {
        let verb = if typing.len() == 1 { "is" } else { "are" };
        spans.push(Span::styled(
            format!("✎ {} {verb} typing a reply", and(&typing)),
            typing_style(),
        ));
    }
    if !viewing.is_empty() {
        if !spans.is_empty() {
            spans.push(Span::styled(" · ", viewing_style()));
        }
        let verb = if viewing.len() == 1 { "is" } else { "are" };
        spans.push(Span::styled(
            format!("◉ {} {verb} viewing it", and(&viewing)),
            viewing_style(),
        ));
    }
    Some(Line::from(spans))
}

/// "ana", "ana and ben", "ana, ben and cy".
fn and(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}
