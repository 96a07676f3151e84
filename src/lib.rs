//! hark: a terminal-first, local-first unified social inbox.
pub mod sentiment;
