//! The item pane: the item under the cursor with its thread context, its sentiment
//! explanation and its outbox rows.

pub mod view;

use crate::domain::ItemId;
use crate::store::read::ItemDetail;

/// The detail pane: the item under the cursor, loaded off the UI thread.
#[derive(Debug, Clone, Default)]
pub struct Detail {
    pub item: Option<Box<ItemDetail>>,
    pub explanation: Vec<crate::sentiment::Contribution>,
    /// `e` shows the explanation under the item.
    pub show_explanation: bool,
    /// The item the pane should show; `item` may still be the previous one while loading.
    pub wanted: Option<ItemId>,
    pub scroll: u16,
    /// The latest news about fetching an opened item's conversation from its platform.
    pub thread: Option<crate::threads::ThreadNews>,
}
