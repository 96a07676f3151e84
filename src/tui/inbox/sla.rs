//! Where a list row stands against the `[sla]` target (the inbox marks late rows).

use crate::sla::Status;
use crate::store::read::ItemRow;
use crate::tui::model::Model;

/// Is `row` still waiting for a first reply past the `[sla]` target?
pub fn overdue(model: &Model, row: &ItemRow) -> bool {
    sla_status(model, row) == Some(Status::Breached)
}

/// Where `row` stands against the `[sla]` target, on its clock; `None` when it is not
/// waiting for a first reply (or no target is set).
pub fn sla_status(model: &Model, row: &ItemRow) -> Option<Status> {
    let sla = model.composer.kit.sla.as_ref()?;
    (row.needs_reply && row.state.owes_reply()).then(|| sla.status(row.created_at, model.now))
}
