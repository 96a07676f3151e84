//! What happens to fetched items on their way into the store: the derived fields
//! (automatic sentiment) are computed here, on the poller's task, so the single writer
//! only writes; the rules run inside the ingest's transaction (they need item ids).

use std::sync::Arc;

use rusqlite::Connection;

use crate::domain::{AccountId, NewItem, UnixTime};
use crate::rules::apply::{apply_on_ingest, Engine};
use crate::store::ingest::{Incoming, IngestReport};

/// Turns fetched items into rows ready to store, and stores them with the rules applied.
#[derive(Debug, Default)]
pub struct Pipeline {
    rules: Option<Arc<Engine>>,
}

impl Pipeline {
    pub fn new() -> Pipeline {
        Pipeline { rules: None }
    }

    /// A pipeline that applies `engine`'s rules and spike check to new items.
    pub fn with_rules(engine: Arc<Engine>) -> Pipeline {
        Pipeline {
            rules: (!engine.is_empty()).then_some(engine),
        }
    }

    pub fn prepare(&self, items: Vec<NewItem>) -> Vec<Incoming> {
        items.into_iter().map(Incoming::from).collect()
    }

    /// Stores a prepared page (see [`crate::store::ingest::ingest`]) and applies the
    /// rules to the newly inserted items in the same transaction.
    pub fn store(
        &self,
        conn: &mut Connection,
        account_id: AccountId,
        items: &[Incoming],
        cursor: Option<&str>,
        now: UnixTime,
    ) -> crate::store::Result<IngestReport> {
        match &self.rules {
            None => crate::store::ingest::ingest(conn, account_id, items, cursor, now),
            Some(engine) => crate::store::ingest::ingest_with(
                conn,
                account_id,
                items,
                cursor,
                now,
                &|tx, report| {
                    let applied = apply_on_ingest(tx, &report.inserted, engine, now)?;
                    if let Some(id) = applied.spike {
                        tracing::warn!(escalation = id, "negative spike escalated");
                    }
                    Ok(())
                },
            ),
        }
    }
}
