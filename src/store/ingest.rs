//! Storing what a poller fetched: idempotent upserts, with the cursor in the same
//! transaction so a cursor never runs ahead of the items it covers.

use rusqlite::{params, Connection, OptionalExtension};

use super::events::{self, Event, EventKind};
use super::state::ACTOR_PLATFORM;
use super::Result;
use crate::domain::{AccountId, ItemId, NewItem, SentimentLabel, UnixTime};

/// The automatic sentiment computed before storing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AutoSentiment {
    pub compound: f64,
    pub label: SentimentLabel,
}

/// One fetched item with what hark derived from it on the way in.
#[derive(Debug, Clone, PartialEq)]
pub struct Incoming {
    pub item: NewItem,
    pub sentiment: Option<AutoSentiment>,
    /// The detected language (ISO 639-1); `None` leaves it unknown.
    pub lang: Option<String>,
}

impl From<NewItem> for Incoming {
    fn from(item: NewItem) -> Self {
        Incoming {
            item,
            sentiment: None,
            lang: None,
        }
    }
}

/// What one ingest did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct IngestReport {
    /// Ids of items seen for the first time.
    pub inserted: Vec<ItemId>,
    /// External ids of the inserted items, in the same order.
    pub inserted_external: Vec<String>,
    /// Items already stored whose text changed (an edit).
    pub edited: Vec<ItemId>,
    /// Items already stored and unchanged.
    pub unchanged: usize,
}

/// Stores `items` for `account_id` and, in the same transaction, the account's new cursor.
pub fn ingest(
    conn: &mut Connection,
    account_id: AccountId,
    items: &[Incoming],
    cursor: Option<&str>,
    now: UnixTime,
) -> Result<IngestReport> {
    ingest_with(conn, account_id, items, cursor, now, &|_, _| Ok(()))
}

/// The page oldest first, so ids grow with recency: the list orders by
/// (created_at, id), and items of the same second then keep the platform's order (a page
/// lists newest first) on every read.
fn storage_order(items: &[Incoming]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by_key(|&i| (items[i].item.created_at, std::cmp::Reverse(i)));
    order
}

/// Work done in the ingest's transaction after the items are stored (the rules), so a
/// new item is never visible without it.
pub type AfterInsert<'a> = &'a dyn Fn(&rusqlite::Transaction<'_>, &IngestReport) -> Result<()>;

/// [`ingest`], running `after` before the commit.
pub fn ingest_with(
    conn: &mut Connection,
    account_id: AccountId,
    items: &[Incoming],
    cursor: Option<&str>,
    now: UnixTime,
    after: AfterInsert<'_>,
) -> Result<IngestReport> {
    let tx = conn.transaction()?;
    let mut report = IngestReport::default();
    {
        let platform: String = tx.query_row(
            "SELECT platform FROM accounts WHERE id = ?",
            [account_id],
            |r| r.get(0),
        )?;
        let mut upsert_author = tx.prepare_cached(
            "INSERT INTO authors (platform, external_id, handle, display_name, followers, first_seen_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (platform, external_id) DO UPDATE SET
                 handle = excluded.handle,
                 display_name = excluded.display_name,
                 followers = coalesce(excluded.followers, authors.followers)
             -- An author seen again as they were is not a change (no notice, no re-read).
             WHERE authors.handle IS NOT excluded.handle
                OR authors.display_name IS NOT excluded.display_name
                OR coalesce(excluded.followers, authors.followers) IS NOT authors.followers
             RETURNING id",
        )?;
        let mut find_author =
            tx.prepare_cached("SELECT id FROM authors WHERE platform = ?1 AND external_id = ?2")?;
        let mut find = tx.prepare_cached(
            "SELECT id, body FROM items WHERE account_id = ? AND external_id = ?",
        )?;
        let mut insert = tx.prepare_cached(
            "INSERT INTO items (account_id, external_id, kind, parent_external_id, thread_external_id,
                 author_id, body, url, created_at, fetched_at, needs_reply,
                 sentiment_auto, sentiment_label_auto, raw_json, state, lang, room)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
        )?;
        let mut update = tx.prepare_cached(
            "UPDATE items SET body = ?2, url = ?3, edited_at = ?4, raw_json = coalesce(?5, raw_json),
                 sentiment_auto = ?6, sentiment_label_auto = ?7, lang = CASE WHEN lang_manual THEN lang ELSE coalesce(?8, lang) END
             WHERE id = ?1",
        )?;
        // The report lists ids in the caller's order, whatever the storage order.
        let mut inserted: Vec<(usize, ItemId)> = Vec::new();
        let mut edited: Vec<(usize, ItemId)> = Vec::new();
        for index in storage_order(items) {
            let incoming = &items[index];
            let item = &incoming.item;
            let upserted: Option<i64> = upsert_author
                .query_row(
                    params![
                        platform,
                        item.author.external_id,
                        item.author.handle,
                        item.author.display_name,
                        item.author.followers,
                        now
                    ],
                    |r| r.get(0),
                )
                .optional()?;
            let author_id: i64 = match upserted {
                Some(id) => id,
                None => find_author
                    .query_row(params![platform, item.author.external_id], |r| r.get(0))?,
            };
            let (score, label) = match incoming.sentiment {
                Some(s) => (Some(s.compound), Some(s.label.as_str())),
                None => (None, None),
            };
            let existing: Option<(ItemId, String)> = find
                .query_row(params![account_id, item.external_id], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .optional()?;
            match existing {
                None => {
                    // The brand's own posts are context, never work to do.
                    let state = if item.kind == crate::domain::ItemKind::Post {
                        "done"
                    } else {
                        "new"
                    };
                    insert.execute(params![
                        account_id,
                        item.external_id,
                        item.kind.as_str(),
                        item.parent_external_id,
                        item.thread_external_id,
                        author_id,
                        item.body,
                        item.url,
                        item.created_at,
                        now,
                        item.needs_reply(),
                        score,
                        label,
                        item.raw_json,
                        state,
                        incoming.lang,
                        item.room,
                    ])?;
                    inserted.push((index, tx.last_insert_rowid()));
                    report.inserted_external.push(item.external_id.clone());
                }
                Some((id, body)) if body != item.body => {
                    update.execute(params![
                        id,
                        item.body,
                        item.url,
                        now,
                        item.raw_json,
                        score,
                        label,
                        incoming.lang
                    ])?;
                    events::record(
                        &tx,
                        &Event::new(EventKind::Edited, ACTOR_PLATFORM, Some(id)),
                        now,
                    )?;
                    edited.push((index, id));
                }
                Some(_) => report.unchanged += 1,
            }
        }
        inserted.sort_unstable();
        edited.sort_unstable();
        report.inserted = inserted.into_iter().map(|(_, id)| id).collect();
        report.edited = edited.into_iter().map(|(_, id)| id).collect();
        if let Some(cursor) = cursor {
            tx.execute(
                "UPDATE accounts SET cursor = ? WHERE id = ?",
                params![cursor, account_id],
            )?;
        }
    }
    after(&tx, &report)?;
    tx.commit()?;
    Ok(report)
}

/// Finds or creates the account row for a configured account; keeps its platform and
/// handle current.
pub fn ensure_account(
    conn: &Connection,
    name: &str,
    platform: &str,
    handle: &str,
) -> Result<AccountId> {
    Ok(conn.query_row(
        "INSERT INTO accounts (name, platform, handle) VALUES (?1, ?2, ?3)
         ON CONFLICT (name) DO UPDATE SET platform = excluded.platform, handle = excluded.handle
         RETURNING id",
        params![name, platform, handle],
        |r| r.get(0),
    )?)
}

/// The saved cursor of an account, where its next poll resumes.
pub fn cursor(conn: &Connection, account_id: AccountId) -> Result<Option<String>> {
    Ok(conn.query_row(
        "SELECT cursor FROM accounts WHERE id = ?",
        [account_id],
        |r| r.get(0),
    )?)
}

/// Records the outcome of one poll for the status bar and `hark poll`.
pub fn record_poll(
    conn: &Connection,
    account_id: AccountId,
    at: UnixTime,
    error: Option<&str>,
) -> Result<()> {
    match error {
        None => conn.execute(
            "UPDATE accounts SET last_poll_at = ?2, last_ok_at = ?2, last_error = NULL WHERE id = ?1",
            params![account_id, at],
        )?,
        Some(e) => conn.execute(
            "UPDATE accounts SET last_poll_at = ?2, last_error = ?3 WHERE id = ?1",
            params![account_id, at, e],
        )?,
    };
    Ok(())
}
