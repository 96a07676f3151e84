//! Benchmarks for the budgets in README "Performance" (`hark bench ...`). They measure; they are
//! never timed tests.

pub mod detect;
pub mod find;
pub mod generate;
pub mod measure;
pub mod raw_insert;
pub mod team;
pub mod team_client;
