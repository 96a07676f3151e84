//! `hark export --tag TAG --since 7d --format csv|jsonl|md`: one row per tagged item, for
//! the team that owns the tag. Platform text goes through
//! [`crate::sanitize`] (handles with their invisible characters shown), then each format's
//! one escaper: [`crate::csv_cell`] and [`crate::markdown`], shared with the report.

use std::io::Write;

use rusqlite::Connection;

use crate::domain::UnixTime;
use crate::sanitize::{handle, inert_line};

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
    Ok(to_rows(crate::store::export::tagged(conn, tag, since)?))
}

/// Items with `tag` and matching `pattern` (each when given), oldest first.
pub fn selected_rows(
    conn: &Connection,
    tag: Option<&str>,
    pattern: Option<&crate::store::pattern::Pattern>,
    since: UnixTime,
) -> crate::store::Result<Vec<Row>> {
    Ok(to_rows(crate::store::export::selected(
        conn,
        tag,
        pattern,
        since,
        crate::domain::now(),
    )?))
}

fn to_rows(items: Vec<crate::store::export::TaggedItem>) -> Vec<Row> {
    items
        .into_iter()
        .map(|r| Row {
            id: r.id,
            created_at: jiff::Timestamp::from_second(r.created_at)
                .map(|t| t.to_string())
                .unwrap_or_else(|_| r.created_at.to_string()),
            platform: r.platform,
            kind: r.kind,
            author: handle(&r.handle),
            followers: r.followers,
            state: r.state,
            sentiment: r.sentiment,
            url: r.url.map(|u| inert_line(&u)),
            body: inert_line(&r.body),
            tags: inert_line(&r.tags.unwrap_or_default()),
            notes: inert_line(&r.notes.unwrap_or_default()),
        })
        .collect()
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

/// A markdown cell: the link column links only to http(s); everything else is text.
fn md_field(column: &str, value: &str) -> String {
    match (column, crate::markdown::url(value)) {
        ("url", Some(url)) => format!("<{url}>"),
        _ => crate::markdown::text(value),
    }
}

/// Writes the rows of `tag` in `format`.
pub fn write(out: &mut dyn Write, rows: &[Row], format: Format, tag: &str) -> std::io::Result<()> {
    write_titled(out, rows, format, &format!("#{tag}"))
}

/// Writes `rows` in `format`; `title` heads the Markdown ("#bug", or the query).
pub fn write_titled(
    out: &mut dyn Write,
    rows: &[Row],
    format: Format,
    title: &str,
) -> std::io::Result<()> {
    match format {
        Format::Csv => {
            writeln!(out, "{}", COLUMNS.join(","))?;
            for row in rows {
                let line: Vec<String> = fields(row)
                    .iter()
                    .map(|f| crate::csv_cell::cell(f))
                    .collect();
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
                "# {} · {} item{}\n",
                crate::markdown::text(title),
                rows.len(),
                if rows.len() == 1 { "" } else { "s" }
            )?;
            writeln!(out, "| {} |", COLUMNS.join(" | "))?;
            writeln!(out, "|{}", "---|".repeat(COLUMNS.len()))?;
            for row in rows {
                let line: Vec<String> = COLUMNS
                    .iter()
                    .zip(fields(row))
                    .map(|(column, f)| md_field(column, &f))
                    .collect();
                writeln!(out, "| {} |", line.join(" | "))?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(author: &str, body: &str, url: Option<&str>) -> Row {
        Row {
            id: 1,
            created_at: "2025-11-24T16:00:00Z".into(),
            platform: "chirp".into(),
            kind: "mention".into(),
            author: author.into(),
            followers: Some(3),
            state: "new".into(),
            sentiment: None,
            url: url.map(String::from),
            body: body.into(),
            tags: "feedback".into(),
            notes: String::new(),
        }
    }

    fn export(rows: &[Row], format: Format) -> String {
        let mut out = Vec::new();
        write(&mut out, rows, format, "feedback").unwrap();
        String::from_utf8(out).unwrap()
    }

    const PAYLOADS: &[&str] = &[
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "[click me](javascript:alert(1))",
        "![x](javascript:alert(1))",
        "<a href=\"javascript:alert(1)\">x</a>",
        "`code` **bold** | pipe",
    ];

    #[test]
    fn markdown_export_carries_no_tag_and_no_script_link() {
        let rows: Vec<Row> = PAYLOADS
            .iter()
            .map(|p| row(p, p, Some("javascript:alert(1)")))
            .collect();
        let md = export(&rows, Format::Md);
        assert!(!md.contains('<'), "a raw tag: {md}");
        assert!(!md.contains("](javascript"), "a script link: {md}");
        assert!(!md.contains("<javascript"), "a script autolink: {md}");
        assert!(md.contains("&lt;script>"), "the text stays readable: {md}");
        // One row per item: no payload broke the table.
        let rows_out = md.lines().filter(|l| l.starts_with("| 1 |")).count();
        assert_eq!(rows_out, PAYLOADS.len(), "{md}");
    }

    #[test]
    fn markdown_export_links_only_to_the_web() {
        let md = export(
            &[row("@a", "hi", Some("https://x.example/a b)"))],
            Format::Md,
        );
        assert!(md.contains("<https://x.example/a%20b%29>"), "{md}");
    }

    #[test]
    fn csv_export_defuses_formulas_behind_blanks_and_fullwidth_signs() {
        for body in [
            " =1+1",
            "\t=1+1",
            "＝1+1",
            "＋cmd",
            "－1",
            "＠SUM(A1)",
            "\u{200b}=1",
        ] {
            let csv = export(&[row("ana", body, None)], Format::Csv);
            let line = csv.lines().nth(1).unwrap();
            let cell = line.split(',').nth(9).unwrap();
            assert!(
                cell.trim_start_matches('"').starts_with('\''),
                "{body:?}: {line}"
            );
        }
    }
}
