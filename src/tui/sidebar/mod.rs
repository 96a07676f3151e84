//! The sidebar: the views with their counts; `[` `]` and `:view` switch between them.

pub mod view;

use crate::store::View;

/// The sidebar: views with their counts.
#[derive(Debug, Clone, Default)]
pub struct Sidebar {
    pub views: Vec<(View, Option<u64>)>,
    pub selected: usize,
}
