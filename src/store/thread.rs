//! The conversation around an item, as fetched from its platform (see `crate::threads`).
//!
//! Context posts live in their own table: they are shown in the detail pane's thread but
//! are not items, so views, counts and the report never see them.

use rusqlite::{params, Connection, OptionalExtension};

use super::Result;
use crate::domain::Target;
use crate::domain::{AccountId, ItemId, ItemKind, NewItem, UnixTime};

/// The longest body kept for a context post: the thread line shows one line of it.
const MAX_CONTEXT_BODY: usize = 4_000;
/// The most context posts one fetch keeps. Connectors list the parents first, then the
/// replies nearest the item, so a huge conversation keeps what the pane can show.
pub const MAX_CONTEXT_POSTS: usize = 2_000;

/// The account and platform target of an item: what its platform needs to fetch its
/// thread, reply to it or moderate it.
pub fn target_of(conn: &Connection, item_id: ItemId) -> Result<Option<(AccountId, Target)>> {
    let found = conn
        .prepare_cached(
            "SELECT i.account_id, i.external_id, i.parent_external_id, i.thread_external_id,
                    i.kind, au.external_id, au.handle, i.raw_json
             FROM items i JOIN authors au ON au.id = i.author_id WHERE i.id = ?",
        )?
        .query_row([item_id], |r| {
            Ok((
                r.get::<_, AccountId>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
                r.get::<_, Option<String>>(7)?,
            ))
        })
        .optional()?;
    let Some((account_id, external_id, parent, thread, kind, author_id, handle, raw)) = found
    else {
        return Ok(None);
    };
    let kind: ItemKind = kind
        .parse()
        .map_err(|e: crate::domain::UnknownValue| super::Error::Invalid(e.to_string()))?;
    Ok(Some((
        account_id,
        Target {
            external_id,
            parent_external_id: parent,
            thread_external_id: thread,
            kind,
            author_external_id: author_id,
            author_handle: handle,
            raw_json: raw,
        },
    )))
}

/// When the item's conversation was last fetched.
pub fn fetched_at(conn: &Connection, item_id: ItemId) -> Result<Option<UnixTime>> {
    Ok(conn
        .prepare_cached("SELECT fetched_at FROM thread_fetches WHERE item_id = ?")?
        .query_row([item_id], |r| r.get(0))
        .optional()?)
}

/// Keeps the posts of an item's conversation (edits replace the stored text) and notes the
/// fetch, in one transaction. Posts already stored as items are skipped: the item is the
/// better record. Returns how many context posts were new or changed.
pub fn save(
    conn: &mut Connection,
    account_id: AccountId,
    item_id: ItemId,
    posts: &[NewItem],
    now: UnixTime,
) -> Result<usize> {
    let tx = conn.transaction()?;
    let mut changed = 0;
    {
        let mut insert = tx.prepare_cached(
            "INSERT INTO thread_context
                 (account_id, external_id, parent_external_id, author_handle, body, created_at, own)
             SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7
             WHERE NOT EXISTS (SELECT 1 FROM items WHERE account_id = ?1 AND external_id = ?2)
             ON CONFLICT (account_id, external_id) DO UPDATE SET
                 parent_external_id = excluded.parent_external_id,
                 author_handle = excluded.author_handle,
                 body = excluded.body
             WHERE body IS NOT excluded.body
                OR author_handle IS NOT excluded.author_handle
                OR parent_external_id IS NOT excluded.parent_external_id",
        )?;
        for post in posts.iter().take(MAX_CONTEXT_POSTS) {
            let body: String = post.body.chars().take(MAX_CONTEXT_BODY).collect();
            changed += insert.execute(params![
                account_id,
                post.external_id,
                post.parent_external_id,
                post.author.handle,
                body,
                post.created_at,
                post.kind == ItemKind::Post,
            ])?;
        }
        tx.prepare_cached(
            "INSERT INTO thread_fetches (item_id, fetched_at) VALUES (?, ?)
             ON CONFLICT (item_id) DO UPDATE SET fetched_at = excluded.fetched_at",
        )?
        .execute(params![item_id, now])?;
    }
    tx.commit()?;
    Ok(changed)
}
