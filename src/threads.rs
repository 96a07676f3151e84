//! Thread context on demand: when the CM opens an item, its conversation is fetched from
//! the platform off the UI thread and kept in the store, so it shows offline later.
//!
//! Only the latest request matters (the CM moved on from the others), a conversation
//! fetched a few minutes ago is not fetched again, and a platform without thread context
//! is asked nothing.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;

use crate::domain::{AccountId, ItemId, NewItem, UnixTime};
use crate::ingest::Pipeline;
use crate::platform::{Connector, PlatformError, Target};
use crate::store::{thread, WriterHandle};

/// A conversation fetched this recently is shown from the store without asking again.
pub const FRESH_FOR_SECS: i64 = 300;
/// The longest one thread request may take.
const CALL_TIMEOUT: Duration = Duration::from_secs(15);

/// Each account's connector, by the account's stored id.
pub type Connectors = HashMap<AccountId, Arc<dyn Connector>>;

/// What the fetcher talks to: the connectors, and the ingest pipeline that scores an item
/// whose text changed since it arrived (the platform may return the item as it is now).
#[derive(Clone)]
pub struct Platforms {
    pub connectors: Connectors,
    pub pipeline: Arc<Pipeline>,
}

/// What the UI hears about a fetch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ThreadNews {
    Fetching(ItemId),
    /// Stored; `changed` context posts were new or edited.
    Fetched {
        item_id: ItemId,
        changed: usize,
    },
    Failed {
        item_id: ItemId,
        error: String,
    },
}

/// Asks for an item's conversation; cheap to clone.
#[derive(Clone)]
pub struct ThreadFetcher {
    tx: mpsc::UnboundedSender<ItemId>,
}

impl ThreadFetcher {
    pub fn request(&self, item_id: ItemId) {
        let _ = self.tx.send(item_id);
    }
}

/// Starts the fetcher on the current tokio runtime.
pub fn spawn(
    writer: WriterHandle,
    platforms: Platforms,
    report: impl Fn(ThreadNews) + Send + Sync + 'static,
) -> ThreadFetcher {
    let (tx, mut rx) = mpsc::unbounded_channel::<ItemId>();
    tokio::spawn(async move {
        while let Some(mut item_id) = rx.recv().await {
            while let Ok(newer) = rx.try_recv() {
                item_id = newer;
            }
            if let Some(news) = fetch(&writer, &platforms, item_id, &report).await {
                report(news);
            }
        }
    });
    ThreadFetcher { tx }
}

/// Fetches and stores one conversation; `None` when there was nothing to do.
async fn fetch(
    writer: &WriterHandle,
    platforms: &Platforms,
    item_id: ItemId,
    report: &(impl Fn(ThreadNews) + Send + Sync),
) -> Option<ThreadNews> {
    let failed = |error: String| Some(ThreadNews::Failed { item_id, error });
    let now = crate::domain::now();
    let (account_id, target) = match writer.call(move |c| lookup(c, item_id, now)).await {
        Ok(Some(found)) => found,
        Ok(None) => return None,
        Err(e) => return failed(e.to_string()),
    };
    let connector = platforms.connectors.get(&account_id)?;
    report(ThreadNews::Fetching(item_id));
    let posts = match tokio::time::timeout(CALL_TIMEOUT, connector.thread(&target)).await {
        Ok(Ok(posts)) => posts,
        Ok(Err(PlatformError::Unsupported(_))) => return None,
        Ok(Err(PlatformError::NotFound(why))) => {
            // Deleted on the platform: the item says so, and a reply to it warns.
            tracing::info!(item_id, "the item's post is gone from the platform");
            let error = format!("deleted on the platform ({why})");
            return match writer
                .call(move |c| crate::store::state::mark_gone(c, item_id, &why, now))
                .await
            {
                Ok(_) => failed(error),
                Err(e) => failed(e.to_string()),
            };
        }
        Ok(Err(e)) => {
            tracing::warn!(item_id, error = %e, "thread context not fetched");
            return failed(e.to_string());
        }
        Err(_) => return failed(format!("no answer in {}s", CALL_TIMEOUT.as_secs())),
    };
    // The item itself, as it is now: stored through the ingest path, so an edit is
    // recorded and rescored. Its first record is kept (replies and moderation use it).
    let (current, context): (Vec<NewItem>, Vec<NewItem>) = posts
        .into_iter()
        .partition(|p| p.external_id == target.external_id);
    let refreshed: Vec<_> = current
        .into_iter()
        .take(1)
        .map(|item| NewItem {
            raw_json: None,
            ..item
        })
        .collect();
    let refreshed = platforms.pipeline.prepare(refreshed);
    let pipeline = platforms.pipeline.clone();
    match writer
        .call(move |conn| {
            if !refreshed.is_empty() {
                pipeline.store(conn, account_id, &refreshed, None, now)?;
            }
            thread::save(conn, account_id, item_id, &context, now)
        })
        .await
    {
        Ok(changed) => Some(ThreadNews::Fetched { item_id, changed }),
        Err(e) => failed(e.to_string()),
    }
}

/// The item's account and target, unless its conversation is fresh in the store. Two
/// indexed single-row reads on the writer's connection (a read sends no change notice).
fn lookup(
    conn: &mut rusqlite::Connection,
    item_id: ItemId,
    now: UnixTime,
) -> crate::store::Result<Option<(AccountId, Target)>> {
    if thread::fetched_at(conn, item_id)?.is_some_and(|at| now - at < FRESH_FOR_SECS) {
        return Ok(None);
    }
    thread::target_of(conn, item_id)
}

#[cfg(test)]
#[path = "threads_tests.rs"]
mod tests;
