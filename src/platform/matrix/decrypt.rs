//! Encrypted timeline events during a fetch: decrypted into the events they hold, or set
//! aside with the reason; those whose room key may still come are kept and retried when
//! keys arrive (see [`super::crypto::pending`] for when one leaves the list).

use serde_json::{json, Value};

use super::crypto::{Crypto, Decrypted, Pending};
use super::events;
use super::MatrixConnector;
use crate::platform::{FetchPage, PlatformError};

/// `raw` as hark can read it: an encrypted event decrypted when its key is here, otherwise
/// as it is (read as unreadable).
pub async fn readable(
    c: &MatrixConnector,
    room_id: &str,
    raw: Value,
) -> Result<Value, PlatformError> {
    if raw["type"] != "m.room.encrypted" {
        return Ok(raw);
    }
    if let Ok(crypto) = c.crypto().await? {
        if let Decrypted::Event(event) = crypto.decrypt(room_id, &raw).await? {
            return Ok(event);
        }
    }
    Ok(raw)
}

/// The encryption side of one fetch: the machine fed with the sync, the retry list held
/// for the fetch and kept when it changed.
pub struct Keys<'a> {
    crypto: Result<&'a Crypto, String>,
    pending: Option<tokio::sync::MutexGuard<'a, Pending>>,
    /// Room keys arrived with this sync (or this is the process's first fetch).
    arrived: bool,
    changed: bool,
    next_batch: String,
}

impl<'a> Keys<'a> {
    pub async fn open(
        c: &'a MatrixConnector,
        sync: &Value,
        since: Option<&str>,
        next_batch: &str,
    ) -> Result<Keys<'a>, PlatformError> {
        let crypto = c.crypto().await?;
        let mut keys = Keys {
            crypto,
            pending: None,
            arrived: false,
            changed: false,
            next_batch: next_batch.to_string(),
        };
        let Ok(crypto) = keys.crypto else {
            return Ok(keys);
        };
        // To-device messages first: a room key often comes in the same sync as the
        // first message it locks.
        let arrived = crypto.receive(sync).await?;
        // Key uploads and queries: a failure here must not hold the rooms' messages back
        // (the machine asks again next time), but a rate limit or a dead token must.
        match crypto.flush(&c.client).await {
            Err(e @ (PlatformError::RateLimited { .. } | PlatformError::Auth(_))) => return Err(e),
            Err(e) => tracing::warn!(error = %e, "could not send the encryption keys' requests"),
            Ok(()) => {}
        }
        let first = !c
            .crypto_retried
            .swap(true, std::sync::atomic::Ordering::SeqCst);
        let mut pending = crypto.pending().await;
        keys.changed = pending.settle(since);
        keys.arrived = arrived || first;
        keys.pending = Some(pending);
        Ok(keys)
    }

    /// The waiting events that decrypt now, by room, oldest first; each leaves the
    /// set-aside list with this page.
    pub async fn retried(
        &mut self,
        page: &mut FetchPage,
    ) -> Result<Vec<(String, Vec<Value>)>, PlatformError> {
        let crypto = match &self.crypto {
            Ok(crypto) => *crypto,
            Err(_) => return Ok(Vec::new()),
        };
        let Some(pending) = self.pending.as_mut() else {
            return Ok(Vec::new());
        };
        let mut by_room: Vec<(String, Vec<Value>)> = Vec::new();
        for entry in pending.due(self.arrived) {
            let Decrypted::Event(event) = crypto.decrypt(&entry.room_id, &entry.event).await?
            else {
                continue;
            };
            pending.read(&entry.event_id, &self.next_batch);
            self.changed = true;
            page.resolved
                .push((events::SOURCE.to_string(), entry.event_id.clone()));
            match by_room.iter_mut().find(|(room, _)| *room == entry.room_id) {
                Some((_, list)) => list.push(event),
                None => by_room.push((entry.room_id.clone(), vec![event])),
            }
        }
        Ok(by_room)
    }

    /// One `m.room.encrypted` event of this sync: the event inside, or `None` when it
    /// was set aside (and, when its key may still come, kept for a retry).
    pub async fn decrypt(
        &mut self,
        c: &MatrixConnector,
        room_id: &str,
        raw: &Value,
        page: &mut FetchPage,
    ) -> Result<Option<Value>, PlatformError> {
        let outcome = match self.crypto {
            Ok(crypto) => crypto.decrypt(room_id, raw).await?,
            Err(ref why) => Decrypted::Failed(format!("end-to-end encrypted: {why}")),
        };
        let reason = match outcome {
            Decrypted::Event(event) => return Ok(Some(event)),
            Decrypted::Waiting(reason) => {
                if let (Some(pending), Some(id)) = (self.pending.as_mut(), raw["event_id"].as_str())
                {
                    if c.watches_room(room_id).await? {
                        pending.add(room_id, id, raw);
                        self.changed = true;
                    }
                }
                reason
            }
            Decrypted::Failed(reason) => reason,
        };
        if c.watches_room(room_id).await? {
            let mut raw = raw.clone();
            raw["room_id"] = json!(room_id);
            page.unreadable.push(crate::domain::Unreadable {
                source: events::SOURCE.into(),
                key: raw["event_id"].as_str().map(str::to_string),
                reason,
                raw: raw.to_string(),
            });
        }
        Ok(None)
    }

    /// `event_id` was redacted: a waiting copy of it has nothing left to read.
    pub fn forget(&mut self, event_id: &str, page: &mut FetchPage) {
        if let Some(pending) = self.pending.as_mut() {
            if pending.forget(event_id) {
                self.changed = true;
                page.resolved
                    .push((events::SOURCE.to_string(), event_id.to_string()));
            }
        }
    }

    /// Keeps the retry list (before the page is returned: see [`super::crypto::pending`]).
    pub async fn close(self) -> Result<(), PlatformError> {
        if let (Ok(crypto), Some(pending), true) = (self.crypto, self.pending, self.changed) {
            crypto.save_pending(&pending).await?;
        }
        Ok(())
    }
}
