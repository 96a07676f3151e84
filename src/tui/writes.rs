//! The UI's own writes (state, undo, mood, moderation/tags/notes) as one job for the
//! store's writer, shared by the terminal loop and the headless driver.

use rusqlite::Connection;

use super::model::{Effect, WriteOutcome};
use crate::domain::now;
use crate::store::state;

/// A write effect, split off the others so it can move to the writer thread.
pub enum Write {
    SetState {
        ids: Vec<crate::domain::ItemId>,
        to: crate::domain::ItemState,
        only_from: Option<Vec<crate::domain::ItemState>>,
        actor: &'static str,
    },
    Undo,
    SetSentiment {
        ids: Vec<crate::domain::ItemId>,
        label: Option<crate::domain::SentimentLabel>,
    },
    Other(super::moderation::WriteJob),
}

impl Write {
    /// The write an effect asks for, or the effect back when it is not a write.
    pub fn from_effect(effect: Effect) -> Result<Write, Effect> {
        Ok(match effect {
            Effect::SetState {
                ids,
                to,
                only_from,
                actor,
            } => Write::SetState {
                ids,
                to,
                only_from,
                actor,
            },
            Effect::Undo => Write::Undo,
            Effect::SetSentiment { ids, label } => Write::SetSentiment { ids, label },
            Effect::Write(job) => Write::Other(job),
            other => return Err(other),
        })
    }

    /// Marking an item seen by opening it is not worth a message unless it fails.
    pub fn is_quiet(&self) -> bool {
        matches!(self, Write::SetState { actor, .. } if *actor == state::ACTOR_VIEW)
    }

    /// Carries the write out on the writer's connection.
    pub fn apply(self, conn: &mut Connection) -> WriteOutcome {
        let failed = |e: crate::store::Error| WriteOutcome::Failed(e.to_string());
        match self {
            Write::SetState {
                ids,
                to,
                only_from,
                actor,
            } => state::set_state(conn, &ids, to, only_from.as_deref(), actor, now())
                .map(|changed| WriteOutcome::StateChanged {
                    count: changed.len(),
                    to,
                })
                .unwrap_or_else(failed),
            Write::Undo => state::undo_last(conn, now())
                .map(WriteOutcome::Undone)
                .unwrap_or_else(failed),
            Write::SetSentiment { ids, label } => {
                crate::store::sentiment::set_manual(conn, &ids, label, now())
                    .map(|count| WriteOutcome::SentimentSet { count, label })
                    .unwrap_or_else(failed)
            }
            Write::Other(job) => super::moderation::run_write(conn, &job, now())
                .map(WriteOutcome::Done)
                .unwrap_or_else(failed),
        }
    }
}
