//! Team mode's presence as the cache names it: the team name of the item this CM looks at
//! (what the heartbeat sends), and the local items the team's presence rows are about.
//! Presence itself is never stored here: it lives in PostgreSQL with an expiry, and in the
//! UI's memory.

use rusqlite::{Connection, OptionalExtension};

use super::team_sync::{Namer, Schema};
use crate::domain::ItemId;
use crate::store::Result;

/// The team's name for item `id`; `None` when the cache has no such item, or it is a DM
/// and DMs stay on this machine (`share_dms = false`: nobody may learn of it).
pub fn item_key(
    conn: &Connection,
    schema: &Schema,
    machine: &str,
    id: ItemId,
    share_dms: bool,
) -> Result<Option<String>> {
    let kind: Option<String> = conn
        .prepare_cached("SELECT kind FROM items WHERE id = ?")?
        .query_row([id], |r| r.get(0))
        .optional()?;
    match kind.as_deref() {
        None => return Ok(None),
        Some("dm") if !share_dms => return Ok(None),
        Some(_) => {}
    }
    let namer = Namer {
        conn,
        schema,
        machine,
    };
    namer.key_of("items", id)
}

/// The local item of each team name (`None`: this cache does not have it, a DM kept on
/// the machine that polled it, or an item not synced yet).
pub fn local_items(
    conn: &Connection,
    schema: &Schema,
    machine: &str,
    keys: &[String],
) -> Result<Vec<Option<ItemId>>> {
    let namer = Namer {
        conn,
        schema,
        machine,
    };
    keys.iter().map(|k| namer.local_id("items", k)).collect()
}
