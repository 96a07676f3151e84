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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ItemKind;
    use crate::store::ingest;
    use crate::store::team::tests::incoming;

    /// A mention is named as the team names it, and found back from that name; a DM is
    /// named only when DMs are shared; a name this cache lacks (or hostile text) is none.
    #[test]
    fn items_are_named_for_presence_and_a_private_dm_never_is() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = crate::store::open_rw(&dir.path().join("hark.db")).unwrap();
        let account = ingest::ensure_account(&conn, "brand", "chirp", "@brand").unwrap();
        let items = [incoming(1, ItemKind::Mention), incoming(2, ItemKind::Dm)];
        let ids = ingest::ingest(&mut conn, account, &items, None, 1)
            .unwrap()
            .inserted;
        let schema = Schema::read(&conn).unwrap();
        let key = item_key(&conn, &schema, "sam-laptop", ids[0], false)
            .unwrap()
            .expect("a mention is named");
        assert_eq!(key, r#"["[\"brand\"]","x1"]"#);
        assert_eq!(
            item_key(&conn, &schema, "sam-laptop", ids[1], false).unwrap(),
            None
        );
        assert!(item_key(&conn, &schema, "sam-laptop", ids[1], true)
            .unwrap()
            .is_some());
        assert_eq!(
            item_key(&conn, &schema, "sam-laptop", 999, true).unwrap(),
            None
        );
        let found = local_items(
            &conn,
            &schema,
            "sam-laptop",
            &[
                key,
                r#"["[\"brand\"]","nope"]"#.into(),
                "\u{1b}[2J not json".into(),
            ],
        )
        .unwrap();
        assert_eq!(found, [Some(ids[0]), None, None]);
    }
}
