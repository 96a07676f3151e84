//! What the UI shows of the outbox (its reads, kept in the store): an item's draft and sends, and the Outbox pane.

use rusqlite::{params, Connection, OptionalExtension};

use crate::domain::{ItemId, UnixTime};
use crate::domain::{OutboxId, OutboxState};
use crate::store::Result;

/// One outbox row as the UI shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxRow {
    pub id: OutboxId,
    pub item_id: ItemId,
    pub kind: String,
    /// The reply text, or the moderation action's details.
    pub text: String,
    pub state: OutboxState,
    pub attempts: i64,
    pub next_attempt_at: UnixTime,
    pub last_error: Option<String>,
    pub created_at: UnixTime,
    pub sent_at: Option<UnixTime>,
    /// The item's author, for the Outbox pane.
    pub author: String,
    pub platform: String,
    /// The item's kind (a reply to a DM is a DM).
    pub item_kind: crate::domain::ItemKind,
    /// Team mode: the CM who wrote it (`None`: this machine before team mode, or a rule).
    pub cm: Option<String>,
}

/// A saved draft.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    pub body: String,
    pub updated_at: UnixTime,
}

/// What the detail pane adds to an item: its draft and its outbox rows, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ItemOutbox {
    pub draft: Option<Draft>,
    pub rows: Vec<OutboxRow>,
}

const COLUMNS: &str = "o.id, o.item_id, o.kind, o.payload, o.state, o.attempts, o.next_attempt_at,
    o.last_error, o.created_at, o.sent_at, au.handle, acc.platform, i.kind, o.cm";
const FROM: &str = "FROM outbox o JOIN items i ON i.id = o.item_id
    JOIN authors au ON au.id = i.author_id JOIN accounts acc ON acc.id = o.account_id";

fn row(r: &rusqlite::Row) -> rusqlite::Result<OutboxRow> {
    let payload: String = r.get(3)?;
    let value: serde_json::Value = serde_json::from_str(&payload).unwrap_or_default();
    let text = match value.get("text").and_then(|t| t.as_str()) {
        Some(t) => t.to_string(),
        None => value
            .as_object()
            .map(|o| {
                o.iter()
                    .map(|(k, v)| format!("{k}: {}", v.as_str().unwrap_or_default()))
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default(),
    };
    let state: String = r.get(4)?;
    Ok(OutboxRow {
        id: r.get(0)?,
        item_id: r.get(1)?,
        kind: r.get(2)?,
        text,
        state: state.parse().unwrap_or(OutboxState::Failed),
        attempts: r.get(5)?,
        next_attempt_at: r.get(6)?,
        last_error: r.get(7)?,
        created_at: r.get(8)?,
        sent_at: r.get(9)?,
        author: r.get(10)?,
        platform: r.get(11)?,
        item_kind: r
            .get::<_, String>(12)?
            .parse()
            .unwrap_or(crate::domain::ItemKind::Mention),
        cm: r.get(13)?,
    })
}

pub fn item_outbox(conn: &Connection, item_id: ItemId) -> Result<ItemOutbox> {
    let draft = conn
        .query_row(
            "SELECT body, updated_at FROM drafts WHERE item_id = ?",
            [item_id],
            |r| {
                Ok(Draft {
                    body: r.get(0)?,
                    updated_at: r.get(1)?,
                })
            },
        )
        .optional()?;
    let rows = conn
        .prepare(&format!(
            "SELECT {COLUMNS} {FROM} WHERE o.item_id = ? ORDER BY o.id DESC LIMIT 20"
        ))?
        .query_map([item_id], row)?
        .collect::<rusqlite::Result<_>>()?;
    Ok(ItemOutbox { draft, rows })
}

/// The Outbox pane: open rows (queued, sending, failed, unknown) first, then the latest
/// others.
pub fn recent(conn: &Connection, limit: usize) -> Result<Vec<OutboxRow>> {
    Ok(conn
        .prepare(&format!(
            "SELECT {COLUMNS} {FROM}
             ORDER BY o.state IN ('queued', 'sending', 'failed', 'unknown') DESC, o.id DESC LIMIT ?"
        ))?
        .query_map(params![limit as i64], row)?
        .collect::<rusqlite::Result<_>>()?)
}

/// Team mode, cut off from the team: how many replies wait to be sent (they go once this
/// machine can take their send lease again). `None` while the team is reached, or
/// without team mode.
pub fn waiting_for_team(conn: &Connection) -> Result<Option<usize>> {
    Ok(conn.query_row(
        "SELECT CASE WHEN EXISTS (SELECT 1 FROM team_link WHERE id = 1 AND online = 0)
                THEN (SELECT count(*) FROM outbox
                      WHERE kind = 'reply' AND state IN ('queued', 'sending')) END",
        [],
        |r| r.get::<_, Option<i64>>(0).map(|n| n.map(|n| n as usize)),
    )?)
}

/// Rows the CM must look at, for the status bar: (failed, unknown).
pub fn attention(conn: &Connection) -> Result<(usize, usize)> {
    Ok(conn.query_row(
        "SELECT count(*) FILTER (WHERE state = 'failed'), count(*) FILTER (WHERE state = 'unknown')
         FROM outbox WHERE state IN ('failed', 'unknown')",
        [],
        |r| Ok((r.get::<_, i64>(0)? as usize, r.get::<_, i64>(1)? as usize)),
    )?)
}
