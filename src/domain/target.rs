//! The item a reply or a moderation action is about.

use super::ItemKind;

/// The item a reply or moderation action is about, as the platform knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub external_id: String,
    pub parent_external_id: Option<String>,
    pub thread_external_id: Option<String>,
    pub kind: ItemKind,
    pub author_external_id: String,
    pub author_handle: String,
    /// The platform's own record as fetched (some platforms need fields of it to reply).
    pub raw_json: Option<String>,
}
