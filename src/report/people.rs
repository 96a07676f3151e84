//! Section 9: who spoke: advocates (most positive items), detractors (most negative),
//! and new voices (authors whose first item is in this period).

use std::borrow::Borrow;
use std::collections::HashMap;
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

/// One author's counts for the period, before the few named ones get their handle.
struct Counts {
    /// The platform of their first item in the period.
    platform: u16,
    items: u64,
    positive: u64,
    negative: u64,
}

pub fn compute(ctx: &Ctx) -> rusqlite::Result<People> {
    let mut people: HashMap<i64, Counts> = HashMap::new();
    for item in &ctx.this.rows {
        let p = people.entry(item.author_id).or_insert(Counts {
            platform: item.platform,
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
    let mut named = Named {
        ctx,
        handles: HashMap::new(),
    };
    let advocates = named.top(&people, |c| c.positive, TOP)?;
    let detractors = named.top(&people, |c| c.negative, TOP)?;
    // New voices: authors with nothing before the period; one look per author, in id
    // order, so the lookups walk the author index forwards and reuse its pages.
    let mut authors: Vec<i64> = people.keys().copied().collect();
    authors.sort_unstable();
    let mut new_ids: Vec<i64> = Vec::new();
    for id in authors {
        if !crate::store::report::wrote_before(ctx.conn, id, ctx.period.start)? {
            new_ids.push(id);
        }
    }
    let mut before: Vec<i64> = ctx.before.rows.iter().map(|i| i.author_id).collect();
    before.sort_unstable();
    before.dedup();
    let mut new_voices_previous = 0;
    for &id in &before {
        if !crate::store::report::wrote_before(ctx.conn, id, ctx.prev.start)? {
            new_voices_previous += 1;
        }
    }
    let new_people: HashMap<i64, &Counts> = new_ids
        .iter()
        .filter_map(|id| people.get(id).map(|c| (*id, c)))
        .collect();
    let new_voices_top = named.top(&new_people, |c| c.items, TOP * 2)?;
    Ok(People {
        authors: people.len() as u64,
        authors_previous: before.len() as u64,
        advocates,
        detractors,
        new_voices: new_ids.len() as u64,
        new_voices_previous,
        new_voices_top,
    })
}

/// Picks and names the top authors, looking up only the handles that decide the order.
struct Named<'a, 'c> {
    ctx: &'a Ctx<'c>,
    handles: HashMap<i64, String>,
}

impl Named<'_, '_> {
    fn handle(&mut self, id: i64) -> rusqlite::Result<String> {
        if let Some(h) = self.handles.get(&id) {
            return Ok(h.clone());
        }
        let h = crate::store::report::handle(self.ctx.conn, id)?.unwrap_or_default();
        self.handles.insert(id, h.clone());
        Ok(h)
    }

    /// The `n` authors with the highest `key` above zero, then the most items, then by
    /// handle. Only authors tied with the n-th on (key, items) need their handle read.
    fn top<C: Borrow<Counts>>(
        &mut self,
        people: &HashMap<i64, C>,
        key: fn(&Counts) -> u64,
        n: usize,
    ) -> rusqlite::Result<Vec<Person>> {
        let rank = |c: &Counts| (key(c), c.items);
        let mut ranked: Vec<(i64, (u64, u64))> = people
            .iter()
            .map(|(id, c)| (*id, rank(Borrow::<Counts>::borrow(c))))
            .filter(|(_, r)| r.0 > 0)
            .collect();
        ranked.sort_unstable_by_key(|r| std::cmp::Reverse(r.1));
        if let Some(&(_, cut)) = ranked.get(n.saturating_sub(1)) {
            ranked.retain(|(_, r)| *r >= cut);
        }
        let mut named: Vec<((u64, u64), String, i64)> = Vec::with_capacity(ranked.len());
        for (id, r) in ranked {
            named.push((r, self.handle(id)?, id));
        }
        // Equal handles (one on each of two platforms) keep the authors' order, as before.
        named.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
        named.truncate(n);
        Ok(named
            .into_iter()
            .map(|(_, handle, id)| {
                let c: &Counts = Borrow::<Counts>::borrow(&people[&id]);
                Person {
                    handle,
                    platform: self.ctx.names.platforms[c.platform as usize].clone(),
                    items: c.items,
                    positive: c.positive,
                    negative: c.negative,
                }
            })
            .collect())
    }
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
