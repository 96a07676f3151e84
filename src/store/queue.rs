//! The one way a row enters the outbox: queued, due now, with a fresh idempotency key.
//! Replies (`outbox::enqueue`) and moderation actions (`moderation::queue_in`) both
//! come through here, so every row's key is made the same way.

use rand::Rng;
use rusqlite::{params, Connection};

use crate::domain::{AccountId, ItemId, UnixTime};

/// A fresh idempotency key: 128 random bits, hex. The platform (or hark's own read-back)
/// recognises a resend by it, so it must never repeat.
pub fn new_key() -> String {
    let bits: u128 = rand::thread_rng().gen();
    format!("hark-{bits:032x}")
}

/// Inserts a queued outbox row for `kind` on `item`; returns its id. The caller writes
/// the matching `events` row in the same transaction. A row the CM asked for (`actor`
/// "user") carries the CM's name in team mode.
pub fn insert_queued(
    conn: &Connection,
    item: ItemId,
    account: AccountId,
    kind: &str,
    payload: &serde_json::Value,
    actor: &str,
    now: UnixTime,
) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "INSERT INTO outbox (item_id, account_id, kind, payload, idempotency_key, state,
                             next_attempt_at, created_at, cm)
         VALUES (?1, ?2, ?3, ?4, ?5, 'queued', ?6, ?6,
                 CASE WHEN ?7 = 'user' THEN (SELECT name FROM team_self) END)",
    )?
    .execute(params![
        item,
        account,
        kind,
        payload.to_string(),
        new_key(),
        now,
        actor
    ])?;
    Ok(conn.last_insert_rowid())
}

#[cfg(test)]
mod tests {
    #[test]
    fn keys_are_fresh_and_long() {
        let keys: std::collections::HashSet<String> = (0..1000).map(|_| super::new_key()).collect();
        assert_eq!(keys.len(), 1000);
        assert!(
            keys.iter().all(|k| k.len() == "hark-".len() + 32),
            "{keys:?}"
        );
    }
}
