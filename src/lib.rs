//! hark: a terminal-first, local-first unified social inbox for community managers.
//!
//! Pollers ([`poller`]) fetch from platforms ([`platform`]) into the SQLite cache
//! ([`store`]); the terminal UI ([`tui`]) reads the cache and never waits on the network.

pub mod backoff;
pub mod bench;
pub mod cli;
pub mod command;
pub mod config;
pub mod csv_cell;
pub mod demo;
pub mod domain;
pub mod duration;
pub mod escalation;
pub mod export;
pub mod ingest;
pub mod language;
pub mod logging;
pub mod markdown;
pub mod outbox;
pub mod platform;
pub mod poller;
pub mod private_fs;
pub mod replies;
pub mod report;
pub mod rules;
pub mod sanitize;
pub mod secrets;
pub mod sentiment;
pub mod sla;
pub mod snooze;
pub mod store;
pub mod team;
pub mod threads;
pub mod tui;
pub mod workspace;
