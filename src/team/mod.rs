//! Team mode: several community managers share one inbox through PostgreSQL (`[team]`).
//!
//! Without a `[team]` section hark is a single CM's tool and nothing here runs.

pub mod config;
