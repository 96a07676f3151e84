//! The author pane (`p`): every item from a person (all the identities the CM linked
//! with `:link`) in the list, and their card above the item: who they are on each
//! platform, their marks (muted, blocked, advocate), notes on them (`P` adds one), and,
//! once the platform confirmed a mute or block, the offer to mark their open items done.

use ratatui::layout::Rect;
use ratatui::style::{Color, Stylize};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use crate::command::Command;
use crate::sanitize::{handle, inert_line};
use crate::store::people::PersonCard;
use crate::store::read::ListQuery;
use crate::store::View;
use crate::tui::keymap::{Action, Layer};
use crate::tui::model::{Effect, Model};
use crate::tui::query::Request;

/// The author part of the model.
#[derive(Debug, Clone, Default)]
pub struct PeopleState {
    /// The card of the person the author view lists.
    pub card: Option<PersonCard>,
}

/// The person the author view lists, if it is the current view.
pub fn viewed(model: &Model) -> Option<i64> {
    match model.current_view() {
        View::Author { person, .. } => Some(*person),
        _ => None,
    }
}

/// The person a person-verb applies to: the author view's, else the open item's author.
fn person_at_hand(model: &Model) -> Option<i64> {
    viewed(model).or_else(|| {
        let id = model.list.current_id()?;
        let item = model.detail.item.as_ref().filter(|d| d.row.id == id)?;
        Some(item.author.person)
    })
}

/// `p`: the author of the item under the cursor, every item from them.
pub fn open(model: &mut Model, effects: &mut Vec<Effect>) {
    let Some(id) = model.list.current_id() else {
        model.status.message = Some("no item here".into());
        return;
    };
    let Some(item) = model.detail.item.as_ref().filter(|d| d.row.id == id) else {
        model.status.message = Some("the item is still loading · try again".into());
        return;
    };
    let view = View::Author {
        person: item.author.person,
        name: item.author.handle.clone(),
    };
    model.people.card = None;
    let request = model.list.replace_query(ListQuery::view(view));
    model.prompt.search = None;
    model.marks.clear();
    effects.push(Effect::Query(Request::List(request)));
    effects.push(Effect::Query(Request::Person(item.author.person)));
    let back = model.keymap.key(Layer::Inbox, Action::PrevView);
    let note = model.keymap.key(Layer::Inbox, Action::PersonNote);
    model.status.message = Some(format!(
        "every item from {} · {note} note · :link joins authors · {back} back",
        handle(&item.author.handle)
    ));
}

/// `P`: a note on the person, through the popup's line.
pub fn note_target(model: &Model) -> Option<i64> {
    person_at_hand(model)
}

/// The popup's answer for a person note.
pub fn note(person: i64, text: &str) -> Result<Effect, String> {
    let body = text.trim();
    if body.is_empty() {
        return Err("an empty note is not kept".into());
    }
    Ok(Effect::Write(Command::PersonNote {
        person,
        body: body.to_string(),
    }))
}

/// The person commands of the command line: `:link`, `:advocate`, `:done-author`.
/// Returns false when `word` is none of them.
pub fn command(model: &mut Model, word: &str, effects: &mut Vec<Effect>) -> bool {
    match word {
        "link" => {
            let mut items: Vec<_> = model.marks.iter().copied().collect();
            items.sort_unstable();
            if items.len() < 2 {
                model.status.message =
                    Some("mark (space) an item of each author to join, then :link".into());
            } else {
                model.marks.clear();
                effects.push(Effect::Write(Command::LinkAuthors { items }));
            }
        }
        "advocate" | "no-advocate" => match person_at_hand(model) {
            Some(person) => effects.push(Effect::Write(Command::SetAdvocate {
                person,
                on: word == "advocate",
            })),
            None => model.status.message = Some("no author here".into()),
        },
        "done-author" => match person_at_hand(model) {
            Some(person) => effects.push(Effect::Write(Command::DoneAuthorItems { person })),
            None => model.status.message = Some("no author here".into()),
        },
        _ => return false,
    }
    true
}

/// The rows the card wants.
pub fn card_height(model: &Model) -> u16 {
    match &model.people.card {
        // Names on two rows where they wrap, the figures, the offer, the notes or a hint.
        Some(card) => {
            let notes = card.notes.len().clamp(1, 6);
            (4 + notes + offer(model, card).is_some() as usize) as u16 + 2
        }
        None => 3,
    }
}

/// After a confirmed mute or block, their open items can go in one batch.
fn offer(model: &Model, card: &PersonCard) -> Option<String> {
    ((card.marks.muted || card.marks.blocked) && card.open_items > 0).then(|| {
        let undo = model.keymap.key(Layer::Inbox, Action::Undo);
        format!(
            "→ :done-author marks their {} open item{} done ({undo} undoes)",
            card.open_items,
            if card.open_items == 1 { "" } else { "s" }
        )
    })
}

/// The person's card, above the item.
pub fn render_card(frame: &mut Frame, area: Rect, model: &Model) {
    let block = crate::tui::pane::frame(" Author ".into(), false);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(card) = &model.people.card else {
        frame.render_widget(Paragraph::new("loading…").dim(), inner);
        return;
    };
    let mut lines = Vec::new();
    let who: Vec<String> = card
        .identities
        .iter()
        .map(|i| format!("{} on {}", handle(&i.handle), inert_line(&i.platform)))
        .collect();
    let name = card
        .identities
        .iter()
        .map(|i| inert_line(&i.display_name))
        .find(|n| !n.is_empty())
        .unwrap_or_default();
    lines.push(Line::from(format!("{name} · {}", who.join(" · "))).bold());
    let marks = card.marks.words();
    lines.push(Line::from(format!(
        "{} item{} · {} open{}",
        card.items,
        if card.items == 1 { "" } else { "s" },
        card.open_items,
        if marks.is_empty() {
            String::new()
        } else {
            format!(" · {}", marks.join(" · "))
        }
    )));
    if let Some(offer) = offer(model, card) {
        lines.push(Line::from(offer).fg(Color::Yellow));
    }
    if card.notes.is_empty() {
        let note = model.keymap.key(Layer::Inbox, Action::PersonNote);
        lines.push(Line::from(format!("no notes · {note} adds one")).dim());
    }
    let skip = card.notes.len().saturating_sub(6);
    for (at, body) in card.notes.iter().skip(skip) {
        lines.push(Line::from(format!(
            "✎ {} · {}",
            crate::tui::format::ago(model.now, *at),
            inert_line(body)
        )));
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), inner);
}
