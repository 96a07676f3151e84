//! Section 4, by language: volume and net sentiment per language. Items in a language
//! hark has no lexicon for are counted apart (unscored), never folded into the net.

use std::collections::BTreeMap;

use serde::Serialize;

use super::sentiment::net;
use super::{md, Ctx};
use crate::domain::SentimentLabel;
use crate::store::report::Item;

/// One language's figures for the period.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct LangRow {
    /// ISO 639-1, or "unknown" for items stored before languages were detected.
    pub lang: String,
    pub items: u64,
    pub previous: u64,
    pub positive: u64,
    pub neutral: u64,
    pub negative: u64,
    /// Neither scored automatically nor labelled by the CM.
    pub unscored: u64,
    /// Net sentiment in points over the scored items; None when none is.
    pub net: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ByLanguage {
    /// Most items first.
    pub languages: Vec<LangRow>,
    /// Items of the period without a sentiment, all languages together.
    pub unscored: u64,
}

pub const UNKNOWN: &str = "unknown";

pub fn compute(ctx: &Ctx) -> ByLanguage {
    // Counted per language position first (the last slot: not detected), then by name.
    let n = ctx.names.langs.len();
    let slot = |item: &Item| item.lang.map_or(n, |l| l as usize);
    let mut counts = vec![LangRow::default(); n + 1];
    for item in &ctx.this.rows {
        let row = &mut counts[slot(item)];
        row.items += 1;
        match item.sentiment() {
            Some(SentimentLabel::Positive) => row.positive += 1,
            Some(SentimentLabel::Neutral) => row.neutral += 1,
            Some(SentimentLabel::Negative) => row.negative += 1,
            None => row.unscored += 1,
        }
    }
    for item in &ctx.before.rows {
        counts[slot(item)].previous += 1;
    }
    let mut rows: BTreeMap<&str, LangRow> = BTreeMap::new();
    for (i, c) in counts.into_iter().enumerate() {
        if c.items + c.previous == 0 {
            continue;
        }
        let name = ctx.names.langs.get(i).map_or(UNKNOWN, String::as_str);
        let row = rows.entry(name).or_default();
        row.items += c.items;
        row.previous += c.previous;
        row.positive += c.positive;
        row.neutral += c.neutral;
        row.negative += c.negative;
        row.unscored += c.unscored;
    }
    let mut languages: Vec<LangRow> = rows
        .into_iter()
        .map(|(lang, mut row)| {
            row.lang = lang.to_string();
            row.net = net(
                row.positive,
                row.negative,
                row.positive + row.neutral + row.negative,
            );
            row
        })
        .collect();
    // Stable: equal volumes keep the code order.
    languages.sort_by_key(|r| std::cmp::Reverse(r.items));
    ByLanguage {
        unscored: languages.iter().map(|r| r.unscored).sum(),
        languages,
    }
}

pub fn render(b: &ByLanguage, out: &mut String) {
    if b.languages.iter().all(|r| r.items == 0) {
        return;
    }
    out.push_str("### By language\n\n");
    if b.languages.iter().all(|r| r.lang == UNKNOWN) {
        out.push_str("These items were stored before hark detected languages; `hark sentiment --rescore` detects them.\n\n");
        return;
    }
    let rows: Vec<Vec<String>> = b
        .languages
        .iter()
        .filter(|r| r.items > 0)
        .map(|r| {
            vec![
                md::text(&r.lang),
                r.items.to_string(),
                r.previous.to_string(),
                r.net.map(md::signed).unwrap_or_else(|| "–".into()),
                r.positive.to_string(),
                r.neutral.to_string(),
                r.negative.to_string(),
                r.unscored.to_string(),
            ]
        })
        .collect();
    md::table(
        out,
        &[
            "language", "items", "previous", "net", "positive", "neutral", "negative", "unscored",
        ],
        &rows,
    );
    if b.unscored > 0 {
        out.push_str(&format!(
            "{} item{} had no sentiment (a language hark has no lexicon for, or never scored); they are left out of every net figure.\n\n",
            b.unscored,
            if b.unscored == 1 { "" } else { "s" }
        ));
    }
}
