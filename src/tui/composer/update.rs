//! How the composer and the picker change the model (and which pane takes a key while
//! one of them, or the Outbox pane, is open): the replies part of
//! [`crate::tui::model::update`], kept apart so the inbox's update stays readable.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::state::{self as compose, Composer, Picker};
use crate::command::Command;
use crate::domain::ItemState;
use crate::outbox::OutboxId;
use crate::replies::{AfterSend, Warning};
use crate::tui::keymap::{Action, Layer};
use crate::tui::model::{Effect, Model};
use crate::tui::outbox::{OutboxOp, OutboxPane};
use crate::tui::query::Request;

/// Answers from the runtime about replies work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplyMsg {
    Queued(Result<OutboxId, String>),
    /// Team mode: not queued, another CM answered the item since the composer opened.
    Answered(crate::store::answered::OtherReply),
    DraftSaved(Result<(), String>),
    OutboxChanged {
        op: OutboxOp,
        result: Result<bool, String>,
    },
    /// The text back from `$EDITOR`.
    Edited(Result<String, String>),
}

fn list_move(model: &mut Model, delta: isize, effects: &mut Vec<Effect>) {
    if let Some(request) = model.list.move_by(delta) {
        effects.push(Effect::Query(Request::List(request)));
    }
}

/// Keys while the composer, picker or Outbox pane is open. Returns false when none is.
pub fn on_key(model: &mut Model, key: KeyEvent, effects: &mut Vec<Effect>) -> bool {
    if model.composer.picker.is_some() {
        picker_key(model, key);
        return true;
    }
    if model.composer.open.is_some() {
        composer_key(model, key, effects);
        return true;
    }
    if model.outbox.pane.is_some() {
        crate::tui::outbox::update::on_key(model, key, effects);
        return true;
    }
    false
}

/// The replies actions from the keymap.
pub fn apply(model: &mut Model, action: Action, effects: &mut Vec<Effect>) {
    match action {
        Action::Reply => {
            open_composer(model);
        }
        Action::PickReply => model.composer.picker = Some(Picker::default()),
        Action::Outbox => {
            model.outbox.pane = Some(OutboxPane::default());
            effects.push(Effect::Query(Request::Outbox));
        }
        Action::Canned(n) => canned(model, n),
        Action::SendReply | Action::ExternalEditor => {
            let reply = model.keymap.key(Layer::Inbox, Action::Reply);
            model.status.message = Some(format!("no reply open · {reply} starts one"));
        }
        _ => {}
    }
}

/// Opens the composer on the item under the cursor (its draft if it has one).
fn open_composer(model: &mut Model) -> bool {
    let Some(id) = model.list.current_id() else {
        model.status.message = Some("no item here".into());
        return false;
    };
    let Some(item) = model.detail.item.as_ref().filter(|d| d.row.id == id) else {
        model.status.message = Some("the item is still loading · try again".into());
        return false;
    };
    let draft = compose::draft_for(&model.outbox.item, id);
    // Keep the list on this item while new ones arrive above it.
    model.list.touched = true;
    let mut composer = Composer::open(item, &model.composer.kit, draft.as_deref());
    composer.seen = compose::seen_of(&model.outbox.item, id);
    if composer.dm {
        composer.window =
            model
                .composer
                .kit
                .window_for(&composer.platform, item.row.created_at, model.now);
    }
    model.composer.open = Some(composer);
    true
}

/// Inserts canned reply `key` (opening the composer first if needed).
fn canned(model: &mut Model, key: u8) {
    let Some(reply) = crate::replies::by_key(&model.composer.kit.canned, key).cloned() else {
        model.status.message = Some(format!("no canned reply on {key} · R lists them"));
        return;
    };
    let platform = model
        .composer
        .open
        .as_ref()
        .map(|c| c.platform.clone())
        .or_else(|| model.detail.item.as_ref().map(|d| d.row.platform.clone()));
    if let Some(platform) = platform.filter(|p| !reply.applies_to(p)) {
        let message = format!(
            "reply `{}` is for {}, not {platform}",
            reply.name,
            reply.platforms.join(", ")
        );
        match model.composer.open.as_mut() {
            Some(c) => c.error = Some(message),
            None => model.status.message = Some(message),
        }
        return;
    }
    insert_reply(model, &reply);
}

/// Every tick: what the CM typed since the last one is saved as a draft, so a crash or
/// a kill loses at most a second of typing.
pub fn on_tick(model: &mut Model, effects: &mut Vec<Effect>) {
    if let Some(c) = model.composer.open.as_mut().filter(|c| c.dirty) {
        c.dirty = false;
        let text = c.text();
        let body = if text.trim() == c.author {
            String::new()
        } else {
            text
        };
        effects.push(Effect::Write(Command::SaveDraft {
            item_id: c.item_id,
            body,
        }));
    }
}

fn insert_reply(model: &mut Model, reply: &crate::replies::CannedReply) {
    if model.composer.open.is_none() && !open_composer(model) {
        return;
    }
    let (kit, brand) = (&model.composer.kit, model.brand.as_str());
    if let Some(composer) = model.composer.open.as_mut() {
        if let Err(e) = composer.insert(reply, kit, brand) {
            composer.error = Some(format!("reply `{}`: {e}", reply.name));
        }
    }
}

fn composer_key(model: &mut Model, key: KeyEvent, effects: &mut Vec<Effect>) {
    // A reply on its way to the outbox is not edited underneath it (a few milliseconds).
    if model.composer.open.as_ref().is_some_and(|c| c.queueing) {
        return;
    }
    if model
        .composer
        .open
        .as_ref()
        .is_some_and(|c| c.stale.is_some())
    {
        return super::stale::answer(model, key, effects);
    }
    match model.keymap.action(Layer::Composer, &key) {
        Some(Action::SendReply) => return send(model, effects),
        Some(Action::ExternalEditor) => {
            if let Some(c) = &model.composer.open {
                effects.push(Effect::Editor(c.text()));
            }
            return;
        }
        Some(Action::Canned(digit)) => return canned(model, digit),
        Some(Action::PickReply) => {
            model.composer.picker = Some(Picker::default());
            return;
        }
        Some(Action::Help) => return crate::tui::help::open(model),
        Some(Action::Close) => return close_composer(model, effects),
        _ => {}
    }
    if let Some(composer) = model.composer.open.as_mut() {
        compose::edit_key(composer, key);
    }
}

/// Closes the composer, keeping what was typed as the item's draft.
fn close_composer(model: &mut Model, effects: &mut Vec<Effect>) {
    let Some(composer) = model.composer.open.as_mut() else {
        return;
    };
    let text = composer.text();
    // The pre-filled handle alone is not a draft.
    let body = if text.trim() == composer.author {
        String::new()
    } else {
        text
    };
    let kept = !body.trim().is_empty();
    effects.push(Effect::Write(Command::SaveDraft {
        item_id: composer.item_id,
        body,
    }));
    model.composer.open = None;
    let reply = model.keymap.key(Layer::Inbox, Action::Reply);
    model.status.message = Some(if kept {
        format!("draft kept · {reply} opens it again")
    } else {
        "reply discarded".into()
    });
}

/// Ctrl-S: refuse what cannot go out, ask once about warnings, then queue.
pub(super) fn send(model: &mut Model, effects: &mut Vec<Effect>) {
    let (kit, brand) = (&model.composer.kit, model.brand.as_str());
    let Some(composer) = model.composer.open.as_mut() else {
        return;
    };
    let text = match composer.final_text(kit, brand) {
        Ok(text) => text,
        Err(e) => {
            composer.error = Some(format!("not sent: {e}"));
            return;
        }
    };
    // A DM past the platform's messaging window would only fail in the outbox.
    if let Some(reason) = composer.window.as_ref().and_then(|w| w.refusal()) {
        composer.error = Some(format!("not sent: {reason}"));
        return;
    }
    let warnings = composer.warnings(kit);
    if warnings.contains(&Warning::Empty) {
        composer.error = Some("not sent: the reply is empty".into());
        return;
    }
    if !warnings.is_empty() && !composer.armed {
        composer.armed = true;
        let n = warnings.len();
        composer.error = Some(format!(
            "{n} warning{} · {} again sends anyway",
            if n == 1 { "" } else { "s" },
            model.keymap.keys_of(Layer::Composer, Action::SendReply)
        ));
        return;
    }
    // In a team, the store checks (with the send, so nothing slips between) that no
    // other CM answered the item since the composer opened.
    effects.push(Effect::Write(match model.team {
        Some(_) => Command::QueueReplyUnanswered {
            item_id: composer.item_id,
            text,
            replaces: composer.replaces,
            seen: composer.seen.clone(),
        },
        None => Command::QueueReply {
            item_id: composer.item_id,
            text,
            replaces: composer.replaces,
        },
    }));
    composer.queueing = true;
    composer.error = None;
    model.status.message = Some("queueing the reply…".into());
}

/// The outbox row is committed: now the composer may close.
fn queued(model: &mut Model, effects: &mut Vec<Effect>) {
    let Some(composer) = model.composer.open.take_if(|c| c.queueing) else {
        return;
    };
    let outbox = model.keymap.key(Layer::Inbox, Action::Outbox);
    model.status.message = Some(format!("reply queued · {outbox} shows the outbox"));
    if model.list.current_id() == Some(composer.item_id) {
        after_send(model, effects);
    }
}

/// Moves the cursor as `[composer] after_send` says.
fn after_send(model: &mut Model, effects: &mut Vec<Effect>) {
    match model.composer.kit.after_send {
        AfterSend::Stay => {}
        AfterSend::Next => list_move(model, 1, effects),
        AfterSend::NextNeedsReply => {
            let here = model.list.cursor.saturating_sub(model.list.offset);
            let next = model
                .list
                .rows
                .iter()
                .enumerate()
                .skip(here + 1)
                .find(|(_, r)| r.needs_reply && matches!(r.state, ItemState::New | ItemState::Open))
                .map(|(i, _)| i - here);
            list_move(model, next.unwrap_or(1) as isize, effects);
        }
    }
}

fn picker_key(model: &mut Model, key: KeyEvent) {
    let platform = model
        .composer
        .open
        .as_ref()
        .map(|c| c.platform.clone())
        .or_else(|| model.detail.item.as_ref().map(|d| d.row.platform.clone()));
    let Some(picker) = model.composer.picker.as_mut() else {
        return;
    };
    let found = compose::matches(
        &picker.query,
        &model.composer.kit.canned,
        platform.as_deref(),
    )
    .len();
    match model.keymap.action(Layer::Picker, &key) {
        Some(Action::Close) => model.composer.picker = None,
        Some(Action::MoveDown) => {
            picker.selected = (picker.selected + 1).min(found.saturating_sub(1))
        }
        Some(Action::MoveUp) => picker.selected = picker.selected.saturating_sub(1),
        Some(Action::Help) => crate::tui::help::open(model),
        Some(Action::Choose) => {
            let chosen = compose::matches(
                &picker.query,
                &model.composer.kit.canned,
                platform.as_deref(),
            )
            .get(picker.selected)
            .map(|r| (*r).clone());
            model.composer.picker = None;
            if let Some(reply) = chosen {
                insert_reply(model, &reply);
            }
        }
        _ => match key.code {
            KeyCode::Backspace => {
                picker.query.pop();
                picker.selected = 0;
            }
            KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                picker.query.push(c);
                picker.selected = 0;
            }
            _ => {}
        },
    }
}

/// Applies an answer from the runtime.
pub fn on_reply_msg(model: &mut Model, msg: ReplyMsg, effects: &mut Vec<Effect>) {
    match msg {
        ReplyMsg::Queued(Ok(_)) => queued(model, effects),
        ReplyMsg::Answered(other) => super::stale::ask(model, other),
        ReplyMsg::DraftSaved(Ok(())) => {}
        ReplyMsg::Queued(Err(e)) => {
            let keys = model.keymap.keys_of(Layer::Composer, Action::SendReply);
            model.status.last_error = Some(format!("reply NOT queued: {e}"));
            match model.composer.open.as_mut() {
                // Nothing typed is lost: the text stays, and is saved as a draft once the
                // store takes writes again.
                Some(c) if c.queueing => {
                    c.queueing = false;
                    c.dirty = true;
                    c.error = Some(format!(
                        "not queued: {e} · your text is kept; {keys} tries again"
                    ));
                }
                _ => {}
            }
        }
        ReplyMsg::DraftSaved(Err(e)) => {
            model.status.last_error = Some(format!("draft not saved: {e}"));
        }
        ReplyMsg::OutboxChanged { op, result } => {
            model.status.message = Some(match (op, result) {
                (OutboxOp::Retry, Ok(true)) => "sending again".into(),
                (OutboxOp::Cancel, Ok(true)) => "cancelled · it will not be sent".into(),
                (OutboxOp::ConfirmSent, Ok(true)) => "marked sent".into(),
                (_, Ok(false)) => "that row moved on meanwhile; nothing changed".into(),
                (_, Err(e)) => format!("not changed: {e}"),
            });
        }
        ReplyMsg::Edited(Ok(text)) => {
            if let Some(c) = model.composer.open.as_mut() {
                let text = text.trim_end_matches('\n');
                if c.text() != text {
                    c.set_text(text);
                    c.edited();
                }
            }
        }
        ReplyMsg::Edited(Err(e)) => {
            if let Some(c) = model.composer.open.as_mut() {
                c.error = Some(format!("the editor failed: {e}"));
            }
        }
    }
}
