//! `hark export --tag TAG --since 7d --format csv|jsonl|md`: one row per tagged item, for
//! the team that owns the tag (DESIGN.md F8). Platform text goes through
//! [`crate::sanitize::inert_line`] so a hostile body cannot break a spreadsheet or a page.

use std::io::Write;

use rusqlite::Connection;

use crate::domain::UnixTime;
use crate::sanitize::inert_line;

/// The export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Csv,
    Jsonl,
    Md,
}

/// One exported item.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Row {
    pub id: i64,
    pub created_at: String,
    pub platform: String,
    pub kind: String,
    pub author: String,
    pub followers: Option<i64>,
    pub state: String,
    pub sentiment: Option<String>,
    pub url: Option<String>,
    pub body: String,
    pub tags: String,
    pub notes: String,
}

const COLUMNS: [&str; 12] = [
    "id",
    "created_at",
    "platform",
    "kind",
    "author",
    "followers",
    "state",
    "sentiment",
    "url",
    "body",
    "tags",
    "notes",
];

/// Items carrying `tag` created at or after `since`, oldest first.
pub fn rows(conn: &Connection, tag: &str, since: UnixTime) -> crate::store::Result<Vec<Row>> {
    let mut stmt = conn.prepare(
        "SELECT i.id, i.created_at, acc.platform, i.kind, au.handle, au.followers, i.state,
                coalesce(i.sentiment_manual, i.sentiment_label_auto), i.url, i.body,
                (SELECT group_concat(tag, ' ') FROM (SELECT tag FROM tags WHERE item_id = i.id ORDER BY tag)),
                (SELECT group_concat(body, ' / ') FROM (SELECT body FROM notes WHERE item_id = i.id ORDER BY id))
         FROM items i JOIN accounts acc ON acc.id = i.account_id JOIN authors au ON au.id = i.author_id
         WHERE i.id IN (SELECT item_id FROM tags WHERE tag = ?1) AND i.created_at >= ?2
         ORDER BY i.created_at, i.id",
    )?;
    let rows = stmt.query_map(rusqlite::params![tag, since], |r| {
        let at: i64 = r.get(1)?;
        Ok(Row {
            id: r.get(0)?,
            created_at: jiff::Timestamp::from_second(at)
                .map(|t| t.to_string())
                .unwrap_or_else(|_| at.to_string()),
            platform: r.get(2)?,
            kind: r.get(3)?,
            author: inert_line(&r.get::<_, String>(4)?),
            followers: r.get(5)?,
            state: r.get(6)?,
            sentiment: r.get(7)?,
            url: r.get::<_, Option<String>>(8)?.map(|u| inert_line(&u)),
            body: inert_line(&r.get::<_, String>(9)?),
            tags: r.get::<_, Option<String>>(10)?.unwrap_or_default(),
            notes: inert_line(&r.get::<_, Option<String>>(11)?.unwrap_or_default()),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn fields(row: &Row) -> [String; 12] {
    [
        row.id.to_string(),
        row.created_at.clone(),
        row.platform.clone(),
        row.kind.clone(),
        row.author.clone(),
        row.followers.map(|f| f.to_string()).unwrap_or_default(),
        row.state.clone(),
        row.sentiment.clone().unwrap_or_default(),
        row.url.clone().unwrap_or_default(),
        row.body.clone(),
        row.tags.clone(),
        row.notes.clone(),
    ]
}

fn csv_field(s: &str) -> String {
    // A leading = + - @ makes spreadsheets run a formula: prefix it with a quote.
    let s = if s.starts_with(['=', '+', '-', '@']) && s.parse::<f64>().is_err() {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

fn md_field(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace(['\n', '\r'], " ")
}

/// Writes `rows` in `format`.
pub fn write(out: &mut dyn Write, rows: &[Row], format: Format, tag: &str) -> std::io::Result<()> {
    match format {
        Format::Csv => {
            writeln!(out, "{}", COLUMNS.join(","))?;
            for row in rows {
                let line: Vec<String> = fields(row).iter().map(|f| csv_field(f)).collect();
                writeln!(out, "{}", line.join(","))?;
            }
        }
        Format::Jsonl => {
            for row in rows {
                writeln!(out, "{}", serde_json::to_string(row)?)?;
            }
        }
        Format::Md => {
            writeln!(
                out,
                "# #{} · {} item{}\n",
                md_field(tag),
                rows.len(),
                if rows.len() == 1 { "" } else { "s" }
            )?;
            writeln!(out, "| {} |", COLUMNS.join(" | "))?;
            writeln!(out, "|{}", "---|".repeat(COLUMNS.len()))?;
            for row in rows {
                let line: Vec<String> = fields(row).iter().map(|f| md_field(f)).collect();
                writeln!(out, "| {} |", line.join(" | "))?;
            }
        }
    }
    Ok(())
}
