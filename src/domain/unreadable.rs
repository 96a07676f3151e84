//! A record a connector could not read: set aside with its raw text, never dropped.

/// A platform record that could not be understood, kept with its raw text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    /// What it was ("mastodon notification", "bluesky notification").
    pub source: String,
    /// The record's own id where one could be read, so one bad record is kept once.
    pub key: Option<String>,
    /// Why it could not be read.
    pub reason: String,
    /// The record as the platform sent it.
    pub raw: String,
}
