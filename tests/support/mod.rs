//! Helpers shared by the integration tests, one submodule per subject. Every test binary
//! compiles the whole module and uses what it needs, hence the `dead_code` allowance.
#![allow(dead_code)]

pub mod bluesky;
pub mod cache;
pub mod mastodon;
pub mod report;
pub mod tmux;
pub mod ui;
