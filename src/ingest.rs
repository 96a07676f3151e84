//! What happens to fetched items on their way into the store: the derived fields
//! (automatic sentiment; later, rules) are computed here, on the poller's task, so the
//! single writer only writes.

use crate::domain::NewItem;
use crate::store::ingest::Incoming;

/// Turns fetched items into rows ready to store.
#[derive(Debug, Default)]
pub struct Pipeline {}

impl Pipeline {
    pub fn new() -> Pipeline {
        Pipeline {}
    }

    pub fn prepare(&self, items: Vec<NewItem>) -> Vec<Incoming> {
        items.into_iter().map(Incoming::from).collect()
    }
}
