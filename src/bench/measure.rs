//! `hark bench all`: every figure of README "Performance" beside its budget, measured on a cache
//! made by `hark bench generate`.

use std::path::Path;
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::store::read::{Direction, ListQuery};
use crate::store::view::fts_query;
use crate::store::{Reader, View, Writer, DB_FILE};
use crate::tui::app::headless::Headless;

/// One measured figure.
#[derive(Debug, Clone)]
pub struct Figure {
    pub what: String,
    pub value: String,
    pub budget: String,
    pub ok: Option<bool>,
}

pub(super) fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

pub(super) fn figure(
    what: impl Into<String>,
    value: String,
    budget: &str,
    ok: Option<bool>,
) -> Figure {
    Figure {
        what: what.into(),
        value,
        budget: budget.into(),
        ok,
    }
}

/// p50 and p99 of a set of durations.
pub(super) fn percentiles(mut samples: Vec<Duration>) -> (Duration, Duration) {
    samples.sort();
    let at = |p: f64| samples[((samples.len() as f64 - 1.0) * p).round() as usize];
    (at(0.50), at(0.99))
}

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

/// Runs every benchmark on the cache in `data_dir`.
pub fn all(data_dir: &Path, presses: usize) -> anyhow::Result<Vec<Figure>> {
    let path = cache(data_dir)?;
    let mut figures = Vec::new();
    let total = Reader::open(&path)?.count(&ListQuery::view(View::All))?;
    figures.push(figure("items in the cache", total.to_string(), "", None));

    let writer = Writer::spawn(&path)?;
    figures.extend(open_and_keys(&writer, &path, presses)?);
    // The UI's memory, taken before the work a UI process never does: the search loops,
    // the report (`hark report` is its own process, and the allocator keeps what it
    // freed) and the ingest comparison, which builds two more caches.
    let memory = memory_after_scrolling(&writer, &path)?;
    // All reaches the count's cap quickly; the Inbox, a narrow view, counts every match.
    figures.push(search_first_page(&path, View::All)?);
    figures.push(search_first_page(&path, View::Inbox)?);
    figures.extend(super::find::limits(&path)?);
    figures.extend(weekly_report(&path, total)?);
    figures.push(memory);
    figures.push(ingest_ratio()?);
    figures.extend(super::detect::posts_per_second(200_000)?);
    writer.shutdown();
    // Their own session and writer, once this one's is gone.
    figures.extend(super::find::searches(&path)?);
    Ok(figures)
}

/// The cache file in `data_dir`, which must exist.
fn cache(data_dir: &Path) -> anyhow::Result<std::path::PathBuf> {
    let path = data_dir.join(DB_FILE);
    anyhow::ensure!(
        path.exists(),
        "no cache at {} (run `hark bench generate` first)",
        path.display()
    );
    Ok(path)
}

/// Opening and key-to-frame figures only (`hark bench keys`).
pub fn keys(data_dir: &Path, presses: usize) -> anyhow::Result<Vec<Figure>> {
    let path = cache(data_dir)?;
    let writer = Writer::spawn(&path)?;
    let figures = open_and_keys(&writer, &path, presses)?;
    writer.shutdown();
    Ok(figures)
}

/// Open to the first frame, cold and warm, then key to frame.
fn open_and_keys(writer: &Writer, path: &Path, presses: usize) -> anyhow::Result<Vec<Figure>> {
    let mut figures = Vec::new();
    // Open to the first full frame: the first open in this process (fresh connection and
    // page cache) and then warm.
    let started = Instant::now();
    let session = Headless::open(writer.handle(), path, 120, 40)?;
    let cold = started.elapsed();
    drop(session);
    let mut warm = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        drop(Headless::open(writer.handle(), path, 120, 40)?);
        warm.push(started.elapsed());
    }
    let (warm_p50, _) = percentiles(warm);
    figures.push(figure(
        "open to first frame, cold",
        format!("{:.1} ms", ms(cold)),
        "< 150 ms",
        Some(cold < Duration::from_millis(150)),
    ));
    figures.push(figure(
        "open to first frame, warm",
        format!("{:.1} ms", ms(warm_p50)),
        "< 150 ms",
        Some(warm_p50 < Duration::from_millis(150)),
    ));

    figures.extend(key_to_frame(writer, path, presses)?);
    Ok(figures)
}

/// Key to frame through the real update, queries and render.
fn key_to_frame(writer: &Writer, path: &Path, presses: usize) -> anyhow::Result<Vec<Figure>> {
    let mut session = Headless::open(writer.handle(), path, 120, 40)?;
    // Start in All, the largest view.
    session.press(key(KeyCode::Char(':')))?;
    for c in "view all".chars() {
        session.press(key(KeyCode::Char(c)))?;
    }
    session.press(key(KeyCode::Enter))?;
    let mut figures = Vec::new();
    // Two figures per key: its own frame, drawn (as in the terminal) before the reads and
    // writes it asked for, and the frame that shows their answers ("fresh").
    let mut measure =
        |name: &str, keys: &[KeyEvent], session: &mut Headless| -> anyhow::Result<()> {
            let mut frame = Vec::with_capacity(presses);
            let mut fresh = Vec::with_capacity(presses);
            for n in 0..presses {
                let k = keys[n % keys.len()];
                let started = Instant::now();
                session.key(k)?;
                frame.push(started.elapsed());
                session.settle()?;
                fresh.push(started.elapsed());
            }
            for (what, samples) in [("key to frame", frame), ("until fresh", fresh)] {
                let (p50, p99) = percentiles(samples);
                figures.push(figure(
                    format!("{what}: {name} (p50 / p99)"),
                    format!("{:.2} / {:.2} ms", ms(p50), ms(p99)),
                    "p99 < 16 ms",
                    Some(p99 < Duration::from_millis(16)),
                ));
            }
            Ok(())
        };
    measure(
        "j/k",
        &[
            key(KeyCode::Char('j')),
            key(KeyCode::Char('j')),
            key(KeyCode::Char('k')),
        ],
        &mut session,
    )?;
    measure("PgDn", &[key(KeyCode::PageDown)], &mut session)?;
    measure(
        "G / g",
        &[key(KeyCode::Char('G')), key(KeyCode::Char('g'))],
        &mut session,
    )?;
    measure(
        "open item",
        &[
            key(KeyCode::Enter),
            key(KeyCode::Esc),
            key(KeyCode::Char('j')),
        ],
        &mut session,
    )?;
    measure(
        "mark done + undo",
        &[key(KeyCode::Char('d')), key(KeyCode::Char('u'))],
        &mut session,
    )?;
    measure("switch view", &[key(KeyCode::Char(']'))], &mut session)?;
    measure(
        "search (/co, esc)",
        &[
            key(KeyCode::Char('/')),
            key(KeyCode::Char('c')),
            key(KeyCode::Char('o')),
            key(KeyCode::Enter),
            key(KeyCode::Esc),
        ],
        &mut session,
    )?;
    Ok(figures)
}

fn search_first_page(path: &Path, view: View) -> anyhow::Result<Figure> {
    let reader = Reader::open(path)?;
    let mut samples = Vec::new();
    for word in [
        "coffee",
        "app",
        "refund",
        "cold brew",
        "maple",
        "sick",
        "latte",
        "order",
    ] {
        let query = ListQuery {
            limit: None,
            sort: Default::default(),
            view: view.clone(),
            search: fts_query(word),
        };
        let started = Instant::now();
        let rows = reader.page(&query, None, Direction::Older, 40)?;
        let count = reader.count(&query)?;
        samples.push(started.elapsed());
        std::hint::black_box((rows, count));
    }
    let (p50, worst) = percentiles(samples);
    Ok(figure(
        format!(
            "full-text search in {}, first page + count (p50 / worst)",
            view.title()
        ),
        format!("{:.1} / {:.1} ms", ms(p50), ms(worst)),
        "< 50 ms",
        Some(worst < Duration::from_millis(50)),
    ))
}

/// Only the weekly report's figures (`hark bench report`).
pub fn report(data_dir: &Path) -> anyhow::Result<Vec<Figure>> {
    let path = data_dir.join(DB_FILE);
    anyhow::ensure!(
        path.exists(),
        "no cache at {} (run `hark bench generate` first)",
        path.display()
    );
    let total = Reader::open(&path)?.count(&ListQuery::view(View::All))?;
    let mut figures = vec![figure("items in the cache", total.to_string(), "", None)];
    figures.extend(weekly_report(&path, total)?);
    Ok(figures)
}

/// The weekly report over the last full week of the cache, markdown rendered with its
/// chart SVGs, on the wall clock and with business hours (`[sla] hours`: every response
/// time and the waiting backlog measured on the business clock).
/// The issue's budget is 1 s on the 1M-item cache and 3 s on a 10M-item one (a week of
/// ~190k items); a cache of 5M items or more is measured against the larger budget.
fn weekly_report(path: &Path, total: u64) -> anyhow::Result<Vec<Figure>> {
    // Both targets are printed, the one this cache is held to first.
    let (budget, limit) = if total >= 5_000_000 {
        ("< 3 s at 10M items (< 1 s at 1M)", Duration::from_secs(3))
    } else {
        ("< 1 s at 1M items (< 3 s at 10M)", Duration::from_secs(1))
    };
    let conn = crate::store::report::open(path)?;
    let wall = crate::report::Options {
        spec: crate::report::period::Spec::LastWeek,
        tz: "Europe/Madrid".into(),
        target_secs: 3600,
        clock: crate::sla::Clock::wall(),
        brand: "bench".into(),
        now: crate::domain::now(),
    };
    let business = crate::report::Options {
        clock: crate::sla::Clock::business(
            crate::sla::WeekHours::parse("mon-fri 09:00-18:00").map_err(anyhow::Error::msg)?,
            crate::report::period::time_zone("Europe/Madrid")?,
            ["2026-12-25", "2027-01-01"]
                .iter()
                .filter_map(|d| d.parse().ok())
                .collect(),
        ),
        ..wall.clone()
    };
    let mut figures = Vec::new();
    for (what, opts) in [
        ("weekly report (last full week, markdown and charts)", wall),
        ("weekly report with business hours", business),
    ] {
        let mut samples = Vec::new();
        for _ in 0..3 {
            let started = Instant::now();
            let data = crate::report::compute(&conn, &opts)?;
            let rendered = crate::report::render(&data, crate::report::Format::Md, Some("r"));
            samples.push(started.elapsed());
            std::hint::black_box((rendered.text.len(), rendered.files.len()));
        }
        let (p50, _) = percentiles(samples);
        figures.push(figure(
            what,
            format!("{:.0} ms", ms(p50)),
            budget,
            Some(p50 < limit),
        ));
    }
    Ok(figures)
}

/// Resident memory after opening the UI and paging through the whole inbox.
fn memory_after_scrolling(writer: &Writer, path: &Path) -> anyhow::Result<Figure> {
    let mut session = Headless::open(writer.handle(), path, 120, 40)?;
    let total = session.model().list.total;
    let mut presses = 0;
    while session.model().list.cursor + 1 < session.model().list.total && presses < 200_000 {
        session.press(key(KeyCode::PageDown))?;
        presses += 1;
    }
    let rss = resident_kib().unwrap_or(0);
    Ok(figure(
        format!("resident memory after scrolling all {total} inbox items"),
        format!("{:.1} MiB", rss as f64 / 1024.0),
        "< 64 MiB",
        Some(rss < 64 * 1024),
    ))
}

fn resident_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// The real ingest path against a raw batched insert of the same rows, same schema.
pub fn ingest_ratio() -> anyhow::Result<Figure> {
    let dir = tempfile::tempdir()?;
    let rows = 50_000;
    let real = time_ingest(&dir.path().join("real.db"), rows)?;
    let raw = super::raw_insert::time_raw_insert(&dir.path().join("raw.db"), rows)?;
    let ratio = raw.as_secs_f64() / real.as_secs_f64();
    Ok(figure(
        format!("ingest {rows} items: real path (language detection and sentiment) vs raw batched insert"),
        format!(
            "{:.0} vs {:.0} items/s = {:.0}%",
            rows as f64 / real.as_secs_f64(),
            rows as f64 / raw.as_secs_f64(),
            ratio * 100.0
        ),
        ">= 50%",
        Some(ratio >= 0.5),
    ))
}

fn time_ingest(path: &Path, rows: usize) -> anyhow::Result<Duration> {
    let items = super::raw_insert::items(rows);
    let writer = Writer::spawn(path)?;
    let handle = writer.handle();
    let account =
        handle.call_blocking(|c| crate::store::ingest::ensure_account(c, "a", "chirp", "@b"))?;
    let pipeline = crate::ingest::Pipeline::default();
    let started = Instant::now();
    for chunk in items.chunks(5_000) {
        let prepared = pipeline.prepare(chunk.to_vec());
        handle.call_blocking(move |c| {
            crate::store::ingest::ingest(c, account, &prepared, Some("x"), 0)
        })?;
    }
    let elapsed = started.elapsed();
    writer.shutdown();
    Ok(elapsed)
}
