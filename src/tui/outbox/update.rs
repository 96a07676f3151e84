//! The Outbox pane's keys: each asks the store for one [`Command::Outbox`] (or reopens a
//! failed reply in the composer).

use crossterm::event::KeyEvent;

use super::OutboxOp;
use crate::command::Command;
use crate::outbox::read::OutboxRow;
use crate::outbox::OutboxState;
use crate::platform::kinds;
use crate::tui::composer::Composer;
use crate::tui::keymap::{Action, Layer};
use crate::tui::model::{Effect, Model};

/// Keys while the Outbox pane is open: move, retry, cancel, confirm sent, edit again.
pub fn on_key(model: &mut Model, key: KeyEvent, effects: &mut Vec<Effect>) {
    let Some(pane) = model.outbox.pane.as_mut() else {
        return;
    };
    let row: Option<OutboxRow> = pane.rows.get(pane.selected).cloned();
    // A resend of an unknown row is confirmed by the very next key, or dropped.
    let armed = pane.confirm_resend.take();
    let keys = &model.keymap;
    match keys.action(Layer::Outbox, &key) {
        Some(Action::Close) => model.outbox.pane = None,
        Some(Action::Help) => crate::tui::help::open(model),
        Some(Action::MoveDown) => {
            pane.selected = (pane.selected + 1).min(pane.rows.len().saturating_sub(1))
        }
        Some(Action::MoveUp) => pane.selected = pane.selected.saturating_sub(1),
        Some(Action::Retry) => match row {
            Some(row) if row.state == OutboxState::Unknown && armed != Some(row.id) => {
                pane.confirm_resend = Some(row.id);
                model.status.message = Some(format!(
                    "it may already be on the platform: {} again sends it again · {} if it was sent",
                    keys.key(Layer::Outbox, Action::Retry),
                    keys.key(Layer::Outbox, Action::ConfirmSent)
                ));
            }
            Some(row) if row.state.is_open() => effects.push(Effect::Write(Command::Outbox {
                id: row.id,
                op: OutboxOp::Retry,
            })),
            Some(row) => {
                model.status.message = Some(format!("a {} row cannot be changed", row.state))
            }
            None => {}
        },
        Some(Action::CancelSend) => match row {
            Some(row) if row.state.is_open() => effects.push(Effect::Write(Command::Outbox {
                id: row.id,
                op: OutboxOp::Cancel,
            })),
            Some(row) => {
                model.status.message = Some(format!("a {} row cannot be changed", row.state))
            }
            None => {}
        },
        Some(Action::ConfirmSent) => match row {
            Some(row) if row.state == OutboxState::Unknown => {
                effects.push(Effect::Write(Command::Outbox {
                    id: row.id,
                    op: OutboxOp::ConfirmSent,
                }))
            }
            _ => {
                model.status.message = Some(format!(
                    "{} confirms an unknown row reached the platform",
                    keys.key(Layer::Outbox, Action::ConfirmSent)
                ))
            }
        },
        Some(Action::EditReply) => match row {
            Some(row)
                if matches!(row.state, OutboxState::Failed | OutboxState::Unknown)
                    && row.kind == kinds::REPLY =>
            {
                model.outbox.pane = None;
                let mut composer = Composer::for_row(&row, &model.composer.kit);
                // What came before the failed reply was known when it was written.
                composer.seen =
                    crate::tui::composer::state::seen_of(&model.outbox.item, row.item_id);
                composer.seen.up_to = composer.seen.up_to.max(row.id);
                // An unknown row keeps its key: the store edits it in place.
                composer.replaces = Some(row.id);
                model.composer.open = Some(composer);
            }
            _ => model.status.message = Some("only a failed or unknown reply can be edited".into()),
        },
        _ => {}
    }
}
