//! Team mode's traffic cop: a reply about to go out on an item another CM answered since
//! the composer opened asks first ("ana replied 40 s ago: …; send anyway?"). `y` sends;
//! any other key goes back to the composer with the text as it was.

use crossterm::event::KeyEvent;

use crate::domain::UnixTime;
use crate::sanitize::{inert_line, truncate_to_width};
use crate::store::answered::{OtherReply, Seen};
use crate::store::outbox_read::ItemOutbox;
use crate::tui::keymap::{Action, Layer};
use crate::tui::model::{Effect, Model};

/// The first words of the other reply the question quotes, at most this many columns.
const QUOTE_COLS: usize = 48;

/// The store found `other`: the composer stays open and asks.
pub fn ask(model: &mut Model, other: OtherReply) {
    let Some(composer) = model.composer.open.as_mut().filter(|c| c.queueing) else {
        return;
    };
    composer.queueing = false;
    composer.armed = false;
    composer.error = None;
    model.status.message = None;
    composer.stale = Some(other);
}

/// The answer to the question: `y` sends anyway; anything else is no.
pub fn answer(model: &mut Model, key: KeyEvent, effects: &mut Vec<Effect>) {
    let yes = model.keymap.action(Layer::Confirm, &key) == Some(Action::Yes);
    let Some(composer) = model.composer.open.as_mut() else {
        return;
    };
    let Some(other) = composer.stale.take() else {
        return;
    };
    // Told once: the next send asks only about a reply newer still.
    composer.seen.told.push(other.id);
    if yes {
        // Warnings were already answered (or there were none): the send goes as asked.
        composer.armed = true;
        super::update::send(model, effects);
    } else {
        composer.error = Some(format!(
            "not sent · {} replied; your text is kept",
            inert_line(&other.cm)
        ));
    }
}

/// "ana replied 40 s ago: “Sorry to hear that, we…” — send anyway?"
pub fn question(other: &OtherReply, now: UnixTime) -> String {
    format!("{} — send anyway?", replied(other, now))
}

/// "ana replied 40 s ago: “Sorry to hear that, we…”"
fn replied(other: &OtherReply, now: UnixTime) -> String {
    format!(
        "{} replied {}: “{}”",
        inert_line(&other.cm),
        ago(now, other.at),
        first_words(&other.text, QUOTE_COLS)
    )
}

/// The item's outbox was read: a reply of another CM that reached the composer's item
/// while it is open is kept for the composer to say (the send asks about it).
pub fn on_item_outbox(model: &mut Model, item: crate::domain::ItemId, outbox: &ItemOutbox) {
    let Some(me) = model.team.as_ref().map(|t| t.me.clone()) else {
        return;
    };
    if let Some(composer) = model.composer.open.as_mut().filter(|c| c.item_id == item) {
        composer.arrived = newest_other(outbox, &composer.seen, &me);
    }
}

fn newest_other(outbox: &ItemOutbox, seen: &Seen, me: &str) -> Option<OtherReply> {
    use crate::domain::OutboxState;
    outbox
        .rows
        .iter()
        .filter(|r| r.kind == crate::platform::kinds::REPLY && r.id > seen.up_to)
        .filter(|r| !seen.told.contains(&r.id))
        .filter(|r| !matches!(r.state, OutboxState::Cancelled | OutboxState::Failed))
        .find_map(|r| {
            let cm = r.cm.as_ref().filter(|cm| *cm != me)?;
            Some(OtherReply {
                id: r.id,
                cm: cm.clone(),
                at: r.sent_at.unwrap_or(r.created_at),
                text: r.text.clone(),
            })
        })
}

/// The composer's line about a reply that arrived while it is open: "ana replied 12 s
/// ago: “…” · ctrl-s asks before sending" (gone once the question told it).
pub fn arrived_line(model: &Model, composer: &super::Composer) -> Option<String> {
    let other = composer
        .arrived
        .as_ref()
        .filter(|o| !composer.seen.told.contains(&o.id))?;
    Some(format!(
        "{} · {} asks before sending",
        replied(other, model.now),
        model.keymap.key(Layer::Composer, Action::SendReply)
    ))
}

/// Whole words of `text` (made inert) up to `cols` columns, "…" when some are left out.
fn first_words(text: &str, cols: usize) -> String {
    let text = inert_line(text);
    let mut out = String::new();
    for word in text.split_whitespace() {
        let next = if out.is_empty() {
            word.to_string()
        } else {
            format!("{out} {word}")
        };
        if crate::sanitize::width(&next) + 1 > cols {
            if out.is_empty() {
                return truncate_to_width(word, cols);
            }
            return format!("{out}…");
        }
        out = next;
    }
    out
}

/// Seconds while they count ("40 s ago"), then the list's ages ("3m ago").
fn ago(now: UnixTime, then: UnixTime) -> String {
    match (now - then).max(0) {
        0 => "just now".into(),
        s @ 1..=59 => format!("{s} s ago"),
        _ => crate::tui::format::ago(now, then),
    }
}
