//! Section 8: tags on this week's items, and the feedback and bugs for the product team.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde::Serialize;

use super::{md, Ctx};

/// Tags whose items are listed in full.
const PRODUCT_TAGS: &[&str] = &["bug", "feedback"];

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TagRow {
    pub tag: String,
    pub items: u64,
    pub previous: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Listed {
    pub tag: String,
    pub platform: String,
    pub author: String,
    pub body: String,
    pub url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tags {
    pub ever: u64,
    pub counts: Vec<TagRow>,
    pub product: Vec<Listed>,
}

pub fn compute(ctx: &Ctx) -> rusqlite::Result<Tags> {
    let now = crate::store::report::tags(ctx.conn, ctx.period.start, ctx.period.end)?;
    let before = crate::store::report::tags(ctx.conn, ctx.prev.start, ctx.prev.end)?;
    let mut counts: BTreeMap<&str, TagRow> = BTreeMap::new();
    let blank = |t: &str| TagRow {
        tag: t.to_string(),
        items: 0,
        previous: 0,
    };
    for (tag, _) in &now {
        counts.entry(tag).or_insert_with(|| blank(tag)).items += 1;
    }
    for (tag, _) in &before {
        counts.entry(tag).or_insert_with(|| blank(tag)).previous += 1;
    }
    let mut counts: Vec<TagRow> = counts.into_values().collect();
    counts.sort_by(|a, b| b.items.cmp(&a.items).then(a.tag.cmp(&b.tag)));
    // Only the listed items' text is read, and only for items of the period.
    let by_id: std::collections::HashMap<i64, &crate::store::report::Item> =
        ctx.this.rows.iter().map(|i| (i.id, i)).collect();
    let mut product = Vec::new();
    for (tag, id) in now
        .iter()
        .filter(|(tag, _)| PRODUCT_TAGS.contains(&tag.as_str()))
    {
        let Some(item) = by_id.get(id) else { continue };
        if let Some(d) = crate::store::report::detail(ctx.conn, *id)? {
            product.push(Listed {
                tag: tag.clone(),
                platform: ctx.names.platform(item).to_string(),
                author: d.author,
                body: d.body,
                url: d.url,
            });
        }
    }
    Ok(Tags {
        ever: crate::store::report::ever(ctx.conn, crate::store::report::Table::Tags)?,
        counts,
        product,
    })
}

pub fn render(t: &Tags, w: &super::Wording, out: &mut String) {
    out.push_str("## 8. Tags\n\n");
    if t.ever == 0 {
        out.push_str("No item has ever been tagged in this workspace.\n\n");
        return;
    }
    if t.counts.is_empty() {
        let _ = writeln!(
            out,
            "No item from {} or the previous one is tagged.\n",
            w.this
        );
        return;
    }
    let rows: Vec<Vec<String>> = t
        .counts
        .iter()
        .map(|r| {
            vec![
                md::text(&r.tag),
                r.items.to_string(),
                r.previous.to_string(),
            ]
        })
        .collect();
    md::table(out, &["tag", "items", &w.previous], &rows);
    if t.product.is_empty() {
        let _ = writeln!(out, "Nothing was tagged bug or feedback {}.\n", w.this);
        return;
    }
    out.push_str("For the product team (tagged bug or feedback):\n\n");
    let rows: Vec<Vec<String>> = t
        .product
        .iter()
        .map(|l| {
            let text = md::snippet(&l.body, 140);
            let text = match l.url.as_deref().and_then(md::url) {
                Some(url) => format!("{text} [link]({url})"),
                None => text,
            };
            vec![
                md::text(&l.tag),
                md::text(&l.platform),
                md::handle(&l.author),
                text,
            ]
        })
        .collect();
    md::text_table(out, &["tag", "platform", "author", "what they said"], &rows);
}
