//! The find figures of `hark bench`: a limit pattern's first page and count, and
//! (`hark bench find --reindex`) the cost of rebuilding the full-text index for stemming.

use std::path::Path;
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::measure::{figure, ms, percentiles, Figure};
use crate::store::read::{Direction, ListQuery};
use crate::store::{Reader, View, Writer};
use crate::tui::app::headless::Headless;
use crate::tui::query::COUNT_BUDGET;

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

/// A limited list's reads, each timed: its first page (40 rows), its count as the list
/// shows it (as far as [`COUNT_BUDGET`] goes), then the exact count, asked for after the
/// page when the budget cut it.
struct Reads {
    page: Duration,
    rows: usize,
    shown: Duration,
    count: crate::store::read::Count,
    exact: Duration,
    exact_n: u64,
}

impl Reads {
    fn time(reader: &Reader, query: &ListQuery) -> anyhow::Result<Reads> {
        let started = Instant::now();
        let rows = reader.page(query, None, Direction::Older, 40)?.len();
        let page = started.elapsed();
        let started = Instant::now();
        let count = reader.count_within(query, COUNT_BUDGET)?;
        let shown = started.elapsed();
        let started = Instant::now();
        let exact_n = reader.count(query)?;
        Ok(Reads {
            page,
            rows,
            shown,
            count,
            exact: started.elapsed(),
            exact_n,
        })
    }
}

/// The first page (40 rows) and the count of each pattern, in `view`.
fn limit_first_page(
    path: &Path,
    view: View,
    patterns: &[&str],
    budget_ms: u64,
) -> anyhow::Result<Vec<Figure>> {
    let reader = Reader::open(path)?;
    let mut samples = Vec::new();
    let mut exact_samples = Vec::new();
    let mut slowest = ("", Duration::ZERO);
    // Twice each: the first run pays for the pages it reads.
    for _ in 0..2 {
        for text in patterns {
            let query = ListQuery {
                limit: crate::store::pattern::parse(text)?,
                ..ListQuery::view(view.clone())
            };
            let reads = Reads::time(&reader, &query)?;
            // What the list shows: the page and the count as far as its budget goes.
            let took = reads.page + reads.shown;
            exact_samples.push(reads.exact);
            if took > slowest.1 {
                slowest = (text, took);
            }
            samples.push(took);
        }
    }
    let (p50, _) = percentiles(samples.clone());
    let worst = samples.into_iter().max().unwrap_or_default();
    let (exact_p50, _) = percentiles(exact_samples.clone());
    let exact_worst = exact_samples.into_iter().max().unwrap_or_default();
    let fields = if patterns == THREE_FIELDS {
        "three fields"
    } else {
        "one field"
    };
    Ok(vec![
        figure(
            format!(
                "limit, {fields}, in {}: first page + count as shown (p50 / worst, worst `{}`)",
                view.title(),
                slowest.0
            ),
            format!("{:.1} / {:.1} ms", ms(p50), ms(worst)),
            &format!("< {budget_ms} ms"),
            Some(worst < Duration::from_millis(budget_ms)),
        ),
        figure(
            format!(
                "  exact count after it, off the key's path (p50 / worst), in {}",
                view.title()
            ),
            format!("{:.1} / {:.1} ms", ms(exact_p50), ms(exact_worst)),
            "",
            None,
        ),
    ])
}

/// Limit figures in All and the Inbox.
pub fn limits(path: &Path) -> anyhow::Result<Vec<Figure>> {
    let mut figures = Vec::new();
    for view in [View::All, View::Inbox] {
        figures.extend(limit_first_page(path, view.clone(), ONE_FIELD, 50)?);
        figures.extend(limit_first_page(path, view, THREE_FIELDS, 150)?);
    }
    Ok(figures)
}

/// Each of `patterns` timed step by step in All and the Inbox, cold then warm: the first
/// page, the count as the list shows it, the exact count. For finding out which step of
/// a slow pattern is slow.
pub fn patterns(path: &Path, patterns: &[String]) -> anyhow::Result<Vec<Figure>> {
    let reader = Reader::open(path)?;
    let mut figures = Vec::new();
    for text in patterns {
        for view in [View::All, View::Inbox] {
            let query = ListQuery {
                limit: crate::store::pattern::parse(text)?,
                ..ListQuery::view(view.clone())
            };
            for run in ["cold", "warm"] {
                let reads = Reads::time(&reader, &query)?;
                figures.push(figure(
                    format!(
                        "`{text}` in {}, {run}: page / count as shown / exact",
                        view.title()
                    ),
                    format!(
                        "{:.1} ms ({} rows) / {:.1} ms ({}{}) / {:.1} ms ({})",
                        ms(reads.page),
                        reads.rows,
                        ms(reads.shown),
                        reads.count.n,
                        if reads.count.complete { "" } else { "+" },
                        ms(reads.exact),
                        reads.exact_n,
                    ),
                    "",
                    None,
                ));
            }
        }
    }
    Ok(figures)
}

/// Searches of two letters and more, the short prefixes being the costly ones.
const SEARCHES: &[&str] = &[
    "co",
    "ca",
    "re",
    "th",
    "or",
    "la",
    "sa",
    "coffee",
    "cold brew",
    "refund",
    "app",
    "order",
];

/// Search as the CM does it, through the real update, queries and render: `/` and the
/// words typed, then enter; from enter to the frame whose list shows the results newest
/// first (the count as far as its budget went), and to the frame with the exact count.
pub fn search_until_fresh(path: &Path, view: &str) -> anyhow::Result<Vec<Figure>> {
    let writer = Writer::spawn(path)?;
    let mut session = Headless::open(writer.handle(), path, 120, 40)?;
    let press = |session: &mut Headless, code: KeyCode| {
        session.press(KeyEvent::new(code, KeyModifiers::NONE))
    };
    press(&mut session, KeyCode::Char(':'))?;
    for c in format!("view {view}").chars() {
        press(&mut session, KeyCode::Char(c))?;
    }
    press(&mut session, KeyCode::Enter)?;
    let title = session.model().current_view().title();
    let (mut shown, mut exact) = (Vec::new(), Vec::new());
    let mut slowest = ("", Duration::ZERO);
    for _ in 0..3 {
        for text in SEARCHES {
            press(&mut session, KeyCode::Char('/'))?;
            for c in text.chars() {
                press(&mut session, KeyCode::Char(c))?;
            }
            let started = Instant::now();
            session.key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE))?;
            session.settle_until(|m| m.list.loaded && m.list.query.search.is_some())?;
            let took = started.elapsed();
            session.settle()?;
            exact.push(started.elapsed());
            if took > slowest.1 {
                slowest = (text, took);
            }
            shown.push(took);
            press(&mut session, KeyCode::Esc)?;
        }
    }
    writer.shutdown();
    let (p50, p99) = percentiles(shown);
    let (exact_p50, exact_p99) = percentiles(exact);
    Ok(vec![
        figure(
            format!(
                "search in {title}, enter until the list shows it (p50 / p99, slowest `/{}`)",
                slowest.0
            ),
            format!("{:.1} / {:.1} ms", ms(p50), ms(p99)),
            "p99 < 100 ms",
            Some(p99 < Duration::from_millis(100)),
        ),
        figure(
            format!("  and until its exact count shows (p50 / p99), in {title}"),
            format!("{:.1} / {:.1} ms", ms(exact_p50), ms(exact_p99)),
            "",
            None,
        ),
    ])
}

/// A search's reads on their own, as the query worker runs them for the list: the first
/// page in the view's order, the count as far as its budget goes, the exact count.
fn search_reads(path: &Path, view: View) -> anyhow::Result<Figure> {
    let reader = Reader::open(path)?;
    let (mut page, mut shown, mut exact) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..2 {
        for text in SEARCHES {
            let query = ListQuery {
                search: crate::store::view::fts_query(text),
                ..ListQuery::view(view.clone())
            };
            let started = Instant::now();
            let rows = reader.page(&query, None, Direction::Older, 40)?;
            page.push(started.elapsed());
            let started = Instant::now();
            let counted = reader.count_within(&query, COUNT_BUDGET)?;
            shown.push(started.elapsed());
            let started = Instant::now();
            let n = reader.count(&query)?;
            exact.push(started.elapsed());
            std::hint::black_box((rows, counted, n));
        }
    }
    let p = |samples: Vec<Duration>| {
        let (p50, p99) = percentiles(samples);
        format!("{:.1} / {:.1}", ms(p50), ms(p99))
    };
    Ok(figure(
        format!(
            "search reads in {}: first page newest first / count as shown / exact count (p50 / p99 each)",
            view.title()
        ),
        format!("{} / {} / {} ms", p(page), p(shown), p(exact)),
        "",
        None,
    ))
}

/// The search figures in All and the Inbox.
pub fn searches(path: &Path) -> anyhow::Result<Vec<Figure>> {
    let mut figures = vec![
        search_reads(path, View::All)?,
        search_reads(path, View::Inbox)?,
    ];
    figures.extend(search_until_fresh(path, "all")?);
    figures.extend(search_until_fresh(path, "inbox")?);
    Ok(figures)
}

/// Rebuilds the full-text index without stemming, with it, and with the prefix index: the
/// time each takes and the cache's size with each. Leaves the cache as migration 027 does.
pub fn reindex(path: &Path) -> anyhow::Result<Vec<Figure>> {
    let mut conn = crate::store::open_rw(path)?;
    let items = crate::store::bench::item_count(&conn)?;
    let mut figures = Vec::new();
    for (stemming, prefix, name) in [
        (false, false, "unicode61 (before 018)"),
        (true, false, "porter unicode61 (018)"),
        (true, true, "porter unicode61, prefix 2 3 (027)"),
    ] {
        let started = Instant::now();
        let indexed = crate::store::bench::rebuild_search_index(&mut conn, stemming, prefix)?;
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
        // What the prefix index buys: the searches with the index before it and with it.
        if stemming {
            figures.extend(search_until_fresh(path, "all")?);
        }
    }
    Ok(figures)
}
