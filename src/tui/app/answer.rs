//! A write's answer as the message the UI expects: reply writes answer the composer and
//! the outbox pane, the others the status line.

use crate::command::{Command, Done, OutboxOp};
use crate::tui::composer::update::ReplyMsg;
use crate::tui::model::{Msg, WriteOutcome};

/// Who waits for a command's answer, decided before the command moves to the writer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Asked {
    /// Marking an item seen by opening it: worth a message only if it fails.
    Quiet,
    /// The status line.
    Status,
    Draft,
    Queue,
    Outbox(OutboxOp),
}

impl Asked {
    pub fn of(command: &Command) -> Asked {
        match command {
            Command::SetState { actor, .. } if *actor == crate::store::state::ACTOR_VIEW => {
                Asked::Quiet
            }
            Command::SaveDraft { .. } => Asked::Draft,
            // The list already shows the new order.
            Command::SetViewSort { .. } => Asked::Quiet,
            Command::QueueReply { .. } | Command::QueueReplyUnanswered { .. } => Asked::Queue,
            Command::Outbox { op, .. } => Asked::Outbox(*op),
            _ => Asked::Status,
        }
    }
}

/// The message for the UI, if any.
pub fn message(asked: Asked, result: Result<Done, String>) -> Option<Msg> {
    let done = match (asked, result) {
        (Asked::Draft, Err(e)) => return Some(Msg::Reply(ReplyMsg::DraftSaved(Err(e)))),
        (Asked::Queue, Err(e)) => return Some(Msg::Reply(ReplyMsg::Queued(Err(e)))),
        (Asked::Outbox(op), Err(e)) => {
            return Some(Msg::Reply(ReplyMsg::OutboxChanged { op, result: Err(e) }))
        }
        (_, Err(e)) => return Some(Msg::Wrote(WriteOutcome::Failed(e))),
        (Asked::Quiet, Ok(_)) => return None,
        (_, Ok(Done::Woken(0))) => return None,
        (_, Ok(done)) => done,
    };
    Some(match done {
        Done::DraftSaved => Msg::Reply(ReplyMsg::DraftSaved(Ok(()))),
        Done::Queued(id) => Msg::Reply(ReplyMsg::Queued(Ok(id))),
        Done::AnsweredMeanwhile(other) => Msg::Reply(ReplyMsg::Answered(other)),
        Done::OutboxChanged { op, moved } => Msg::Reply(ReplyMsg::OutboxChanged {
            op,
            result: Ok(moved),
        }),
        Done::StateChanged { count, to } => Msg::Wrote(WriteOutcome::StateChanged { count, to }),
        Done::SentimentSet { count, label } => {
            Msg::Wrote(WriteOutcome::SentimentSet { count, label })
        }
        Done::Undone(undone) => Msg::Wrote(WriteOutcome::Undone(undone)),
        done => Msg::Wrote(WriteOutcome::Done(crate::tui::moderation::done_message(
            &done,
        ))),
    })
}
