//! Team mode: replies another CM of the team sent or queued on an item, as this cache
//! knows them (synced from the team, or written here before the link was cut). The
//! composer asks before a reply goes out on an item someone else answered since it
//! opened ("ana replied 40 s ago: …; send anyway?").

use rusqlite::Connection;

use crate::domain::{ItemId, OutboxId, UnixTime};
use crate::store::Result;

/// A reply another CM made on the item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OtherReply {
    pub id: OutboxId,
    /// The CM who wrote it (a name of `[team]`, as their machine recorded it).
    pub cm: String,
    /// When it was sent, else when it was queued (the writer's clock).
    pub at: UnixTime,
    /// The reply's text as queued (unsanitized: the UI makes it inert).
    pub text: String,
}

/// What a composer had seen of an item's outbox: every row up to `up_to` (a row that
/// reaches this cache later, from the team or written here, gets a higher id), and the
/// replies the CM was told about since.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Seen {
    pub up_to: OutboxId,
    pub told: Vec<OutboxId>,
}

/// The newest reply on `item` by a CM other than this one that the composer has not
/// seen: queued, sending, sent or of unknown outcome (a cancelled or failed reply
/// answered nobody). `None` without team mode.
pub fn answered_since(conn: &Connection, item: ItemId, seen: &Seen) -> Result<Option<OtherReply>> {
    let Some(me) = crate::store::team::me(conn)? else {
        return Ok(None);
    };
    let mut stmt = conn.prepare_cached(
        "SELECT id, cm, coalesce(sent_at, created_at), payload FROM outbox
         WHERE item_id = ?1 AND id > ?2 AND kind = 'reply' AND cm IS NOT NULL AND cm <> ?3
           AND state NOT IN ('cancelled', 'failed')
         ORDER BY coalesce(sent_at, created_at) DESC, id DESC",
    )?;
    let rows = stmt.query_map(rusqlite::params![item, seen.up_to, me], |r| {
        Ok((
            r.get::<_, OutboxId>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, UnixTime>(2)?,
            r.get::<_, String>(3)?,
        ))
    })?;
    for row in rows {
        let (id, cm, at, payload) = row?;
        if seen.told.contains(&id) {
            continue;
        }
        let text = serde_json::from_str::<serde_json::Value>(&payload)
            .ok()
            .and_then(|v| v.get("text").and_then(|t| t.as_str()).map(str::to_string))
            .unwrap_or_default();
        return Ok(Some(OtherReply { id, cm, at, text }));
    }
    Ok(None)
}
