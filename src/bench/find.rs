//! The find figures of `hark bench`: a limit pattern's first page and count, and
//! (`hark bench find --reindex`) the cost of rebuilding the full-text index for stemming.

use std::path::Path;
use std::time::{Duration, Instant};

use super::measure::{figure, ms, percentiles, Figure};
use crate::store::read::{Direction, ListQuery};
use crate::store::{Reader, View};

/// One field of the limit language at a time.
const ONE_FIELD: &[&str] = &[
    "~t bug",
    "~s neg",
    "~p chirp",
    "~k dm",
    "~x",
    "~r",
    "~d <2d",
    "~a user12",
    "~b refund",
];

/// Three fields together.
const THREE_FIELDS: &[&str] = &[
    "~t bug ~s neg ~p chirp",
    "~s neg ~d <7d ~k mention",
    "~p forum !~r ~s pos",
    "~t support ~b order ~d >30d",
    "(~p chirp | ~p forum) ~s neg ~n",
];

/// The first page (40 rows) and the count of each pattern, in `view`.
fn limit_first_page(
    path: &Path,
    view: View,
    patterns: &[&str],
    budget_ms: u64,
) -> anyhow::Result<Figure> {
    let reader = Reader::open(path)?;
    let mut samples = Vec::new();
    let mut slowest = ("", Duration::ZERO);
    // Twice each: the first run pays for the pages it reads.
    for _ in 0..2 {
        for text in patterns {
            let query = ListQuery {
                limit: crate::store::pattern::parse(text)?,
                ..ListQuery::view(view.clone())
            };
            let started = Instant::now();
            let rows = reader.page(&query, None, Direction::Older, 40)?;
            let count = reader.count(&query)?;
            let took = started.elapsed();
            std::hint::black_box((rows, count));
            if took > slowest.1 {
                slowest = (text, took);
            }
            samples.push(took);
        }
    }
    let (p50, _) = percentiles(samples.clone());
    let worst = samples.into_iter().max().unwrap_or_default();
    let fields = if patterns == THREE_FIELDS {
        "three fields"
    } else {
        "one field"
    };
    Ok(figure(
        format!(
            "limit, {fields}, in {}: first page + count (p50 / worst, worst `{}`)",
            view.title(),
            slowest.0
        ),
        format!("{:.1} / {:.1} ms", ms(p50), ms(worst)),
        &format!("< {budget_ms} ms"),
        Some(worst < Duration::from_millis(budget_ms)),
    ))
}

/// Limit figures in All and the Inbox.
pub fn limits(path: &Path) -> anyhow::Result<Vec<Figure>> {
    let mut figures = Vec::new();
    for view in [View::All, View::Inbox] {
        figures.push(limit_first_page(path, view.clone(), ONE_FIELD, 50)?);
        figures.push(limit_first_page(path, view, THREE_FIELDS, 150)?);
    }
    Ok(figures)
}

/// Rebuilds the full-text index without and then with stemming: the time each takes and
/// the cache's size with each. Leaves the cache with stemming, as migration 018 does.
pub fn reindex(path: &Path) -> anyhow::Result<Vec<Figure>> {
    let mut conn = crate::store::open_rw(path)?;
    let items = crate::store::bench::item_count(&conn)?;
    let mut figures = Vec::new();
    for (stemming, name) in [
        (false, "unicode61 (before)"),
        (true, "porter unicode61 (018)"),
    ] {
        let started = Instant::now();
        let indexed = crate::store::bench::rebuild_search_index(&mut conn, stemming)?;
        let took = started.elapsed();
        anyhow::ensure!(
            indexed == items,
            "the rebuilt index holds {indexed} of {items} items"
        );
        let bytes = crate::store::bench::used_bytes(&conn)?;
        figures.push(figure(
            format!("full-text index {name}: rebuild of {items} items / cache size"),
            format!("{:.1} s / {:.0} MB", took.as_secs_f64(), bytes as f64 / 1e6),
            "",
            None,
        ));
    }
    Ok(figures)
}
