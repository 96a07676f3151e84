//! The Outbox pane (`o`): the rows waiting, failed or unknown, with their keys
//! ([`update`]) and their drawing ([`view`], which also draws an item's outbox rows in the
//! item pane).

pub mod update;
pub mod view;

use crate::outbox::read::OutboxRow;

/// The outbox feature's part of the model.
#[derive(Debug, Clone, Default)]
pub struct OutboxState {
    /// The Outbox pane, while it is open.
    pub pane: Option<OutboxPane>,
    /// The draft and sends of the item in the detail pane.
    pub item: Option<(crate::domain::ItemId, crate::outbox::read::ItemOutbox)>,
}

/// The Outbox pane.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutboxPane {
    pub rows: Vec<OutboxRow>,
    pub selected: usize,
    /// An `unknown` row the CM asked to send again: a second `r` confirms (it may then be
    /// on the platform twice).
    pub confirm_resend: Option<crate::outbox::OutboxId>,
}

/// What the outbox pane asks the store to do with a row.
pub use crate::command::OutboxOp;
