//! Benchmarks for the budgets of DESIGN.md §6 (`hark bench ...`). They measure; they are
//! never timed tests.

pub mod generate;
pub mod measure;
pub mod raw_insert;
