//! Section 9: who spoke: advocates (most positive items), detractors (most negative),
//! and new voices (authors whose first item is in this period).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use serde::Serialize;

use super::{md, Ctx};
use crate::domain::SentimentLabel;

const TOP: usize = 5;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Person {
    pub handle: String,
    pub platform: String,
    pub items: u64,
    pub positive: u64,
    pub negative: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct People {
    pub authors: u64,
    pub authors_previous: u64,
    pub advocates: Vec<Person>,
    pub detractors: Vec<Person>,
    pub new_voices: u64,
    pub new_voices_previous: u64,
    pub new_voices_top: Vec<Person>,
}

pub fn compute(ctx: &Ctx) -> rusqlite::Result<People> {
    let mut people: BTreeMap<i64, Person> = BTreeMap::new();
    for item in &ctx.this {
        let p = people.entry(item.author_id).or_insert_with(|| Person {
            handle: item.author.clone(),
            platform: item.platform.clone(),
            items: 0,
            positive: 0,
            negative: 0,
        });
        p.items += 1;
        match item.sentiment() {
            Some(SentimentLabel::Positive) => p.positive += 1,
            Some(SentimentLabel::Negative) => p.negative += 1,
            _ => {}
        }
    }
    let top = |key: fn(&Person) -> u64| {
        let mut v: Vec<Person> = people.values().filter(|p| key(p) > 0).cloned().collect();
        v.sort_by(|a, b| {
            key(b)
                .cmp(&key(a))
                .then(b.items.cmp(&a.items))
                .then(a.handle.cmp(&b.handle))
        });
        v.truncate(TOP);
        v
    };
    let advocates = top(|p| p.positive);
    let detractors = top(|p| p.negative);
    let new_ids: BTreeSet<i64> =
        crate::store::report::new_authors(ctx.conn, ctx.period.start, ctx.period.end)?
            .into_iter()
            .collect();
    let new_voices_previous =
        crate::store::report::new_authors(ctx.conn, ctx.prev.start, ctx.prev.end)?.len() as u64;
    let mut new_voices_top: Vec<Person> = people
        .iter()
        .filter(|(id, _)| new_ids.contains(id))
        .map(|(_, p)| p.clone())
        .collect();
    new_voices_top.sort_by(|a, b| b.items.cmp(&a.items).then(a.handle.cmp(&b.handle)));
    new_voices_top.truncate(TOP * 2);
    let authors_previous = ctx
        .before
        .iter()
        .map(|i| i.author_id)
        .collect::<BTreeSet<_>>()
        .len() as u64;
    Ok(People {
        authors: people.len() as u64,
        authors_previous,
        advocates,
        detractors,
        new_voices: new_ids.len() as u64,
        new_voices_previous,
        new_voices_top,
    })
}

fn table(
    out: &mut String,
    people: &[Person],
    count: &str,
    w: &super::Wording,
    key: fn(&Person) -> u64,
) {
    let rows: Vec<Vec<String>> = people
        .iter()
        .map(|p| {
            vec![
                md::handle(&p.handle),
                md::text(&p.platform),
                key(p).to_string(),
                p.items.to_string(),
            ]
        })
        .collect();
    md::table(
        out,
        &["who", "platform", count, &format!("items {}", w.this)],
        &rows,
    );
}

pub fn render(p: &People, w: &super::Wording, out: &mut String) {
    out.push_str("## 9. People\n\n");
    let _ = writeln!(
        out,
        "{} people wrote {} ({prev}: {}); {} of them for the first time ({prev}: {}).\n",
        p.authors,
        w.this,
        p.authors_previous,
        p.new_voices,
        p.new_voices_previous,
        prev = w.previous
    );
    if p.authors == 0 {
        return;
    }
    if p.advocates.is_empty() && p.detractors.is_empty() {
        let _ = writeln!(
            out,
            "No item {} has a sentiment label, so there are no advocates or detractors to name.\n",
            w.this
        );
    } else {
        out.push_str("Top advocates:\n\n");
        if p.advocates.is_empty() {
            let _ = writeln!(out, "None {}.\n", w.this);
        } else {
            table(out, &p.advocates, "positive items", w, |p| p.positive);
        }
        out.push_str("Top detractors:\n\n");
        if p.detractors.is_empty() {
            let _ = writeln!(out, "None {}.\n", w.this);
        } else {
            table(out, &p.detractors, "negative items", w, |p| p.negative);
        }
    }
    if !p.new_voices_top.is_empty() {
        out.push_str("New voices (most active first):\n\n");
        let rows: Vec<Vec<String>> = p
            .new_voices_top
            .iter()
            .map(|v| {
                vec![
                    md::handle(&v.handle),
                    md::text(&v.platform),
                    v.items.to_string(),
                ]
            })
            .collect();
        md::table(out, &["who", "platform", "items"], &rows);
    }
}
