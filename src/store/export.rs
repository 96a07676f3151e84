//! The export's read: items carrying a tag, with their tags and notes, as stored. The
//! export sanitizes and formats them.

use rusqlite::Connection;

use crate::domain::UnixTime;
use crate::store::Result;

/// One tagged item as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct TaggedItem {
    pub id: i64,
    pub created_at: UnixTime,
    pub platform: String,
    pub kind: String,
    pub handle: String,
    pub followers: Option<i64>,
    pub state: String,
    pub sentiment: Option<String>,
    pub url: Option<String>,
    pub body: String,
    /// Space-separated, sorted.
    pub tags: Option<String>,
    /// " / "-separated, oldest first.
    pub notes: Option<String>,
}

/// Items carrying `tag` created at or after `since`, oldest first.
pub fn tagged(conn: &Connection, tag: &str, since: UnixTime) -> Result<Vec<TaggedItem>> {
    selected(conn, Some(tag), None, since, 0)
}

/// Items created at or after `since` that carry `tag` and match `pattern` (each when
/// given; relative dates count from `now`), oldest first.
pub fn selected(
    conn: &Connection,
    tag: Option<&str>,
    pattern: Option<&crate::store::pattern::Pattern>,
    since: UnixTime,
    now: UnixTime,
) -> Result<Vec<TaggedItem>> {
    let mut conditions = Vec::new();
    let mut params = Vec::new();
    match pattern {
        // The start joins the pattern's own `~d` range as one bound (`condition_within`).
        Some(pattern) => {
            let (sql, values) = super::pattern::condition_within(
                pattern,
                now,
                super::pattern::Side::Narrowed(since),
                super::pattern::Side::Pattern,
                None,
            );
            conditions.push(sql);
            params.extend(values);
        }
        None => {
            conditions.push("i.created_at >= ?".to_string());
            params.push(rusqlite::types::Value::Integer(since));
        }
    }
    if let Some(tag) = tag {
        conditions.push("i.id IN (SELECT item_id FROM tags WHERE tag = ?)".into());
        params.push(rusqlite::types::Value::Text(tag.to_string()));
    }
    let mut stmt = conn.prepare(&format!(
        "SELECT i.id, i.created_at, acc.platform, i.kind, au.handle, au.followers, i.state,
                coalesce(i.sentiment_manual, i.sentiment_label_auto), i.url, i.body,
                (SELECT group_concat(tag, ' ') FROM (SELECT tag FROM tags WHERE item_id = i.id ORDER BY tag)),
                (SELECT group_concat(body, ' / ') FROM (SELECT body FROM notes WHERE item_id = i.id ORDER BY id))
         FROM items i JOIN accounts acc ON acc.id = i.account_id JOIN authors au ON au.id = i.author_id
         WHERE {}
         ORDER BY i.created_at, i.id",
        conditions.join(" AND ")
    ))?;
    let rows = stmt.query_map(rusqlite::params_from_iter(params), |r| {
        Ok(TaggedItem {
            id: r.get(0)?,
            created_at: r.get(1)?,
            platform: r.get(2)?,
            kind: r.get(3)?,
            handle: r.get(4)?,
            followers: r.get(5)?,
            state: r.get(6)?,
            sentiment: r.get(7)?,
            url: r.get(8)?,
            body: r.get(9)?,
            tags: r.get(10)?,
            notes: r.get(11)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
