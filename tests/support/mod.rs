//! Helpers shared by the integration tests (each test file uses what it needs).
#![allow(dead_code)]

pub mod cache;
pub mod tmux;
pub mod ui;
