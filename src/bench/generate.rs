//! `hark bench generate`: a realistic large cache built through the same store code the
//! pollers use — several accounts, a year of timestamps with a daily and weekly rhythm,
//! threads, a long tail of authors, states, tags, escalations, outbox history. The items'
//! indexes and search indexes are built once every row is in (the schema ends as a
//! migrated cache's).

use std::path::Path;
use std::time::Instant;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::domain::{ItemKind, NewAuthor, NewItem, UnixTime};
use crate::store::{ingest, Writer};

/// The networks and accounts of a generated cache.
const ACCOUNTS: &[(&str, &str)] = &[
    ("bench-chirp", "chirp"),
    ("bench-snapgram", "snapgram"),
    ("bench-forum", "forum"),
    ("bench-mastodon", "mastodon"),
    ("bench-bluesky", "bluesky"),
];

/// Items per write transaction, as a very busy poll would bring.
const BATCH: usize = 50_000;

/// What was generated.
#[derive(Debug, Clone)]
pub struct Generated {
    pub items: usize,
    pub seconds: f64,
}

/// The demo's texts: real-sounding bodies to vary.
pub(super) fn corpus() -> Vec<String> {
    include_str!("../../assets/demo/items.jsonl")
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v["body"].as_str().map(str::to_string))
        .collect()
}

/// A timestamp in the last year, busier by day and on weekdays.
fn timestamp(rng: &mut StdRng, now: UnixTime) -> UnixTime {
    loop {
        let t = now - rng.gen_range(0..365 * 86_400);
        let hour = (t / 3600) % 24;
        let weekday = (t / 86_400 + 4) % 7; // 1970-01-01 was a Thursday
        let mut weight = if (8..22).contains(&hour) { 1.0 } else { 0.2 };
        if weekday >= 5 {
            weight *= 0.6;
        }
        if rng.gen::<f64>() < weight {
            return t;
        }
    }
}

/// Builds `count` items into the cache at `path` (which must not hold a cache yet).
///
/// Items arrive in time order, as a year of polling would have brought them, so ids grow
/// with `created_at` as in a real cache. The sentiment of the next batch is computed while
/// the writer stores the previous one (two cores, two stages).
pub fn generate(path: &Path, count: usize, seed: u64) -> anyhow::Result<Generated> {
    let started = Instant::now();
    let writer = Writer::spawn(path)?;
    let handle = writer.handle();
    // A bulk load touches every index page: a large page cache keeps them in memory (the
    // app's own writer keeps its smaller default). A throwaway cache in a fresh directory
    // needs no journal while it is built, so each hot page is written once per batch and
    // not again by checkpoints; it is put back in WAL mode, as the app opens it, at the end.
    handle.call_blocking(|c| {
        c.pragma_update(None, "cache_size", -1_048_576)?;
        c.pragma_update(None, "journal_mode", "OFF")?;
        c.pragma_update(None, "synchronous", "OFF")?;
        Ok(())
    })?;
    let mut rng = StdRng::seed_from_u64(seed);
    let corpus = corpus();
    let now = crate::domain::now();
    let mut account_ids = Vec::new();
    for (name, platform) in ACCOUNTS {
        account_ids.push(
            handle.call_blocking(move |c| ingest::ensure_account(c, name, platform, "@brand"))?,
        );
    }
    // Rows first, indexes after: each index is then built once from sorted rows and the
    // search indexes are filled in one pass, instead of kept in step row by row.
    let deferred = handle.call_blocking(|c| crate::store::bench::defer_indexes(c))?;
    let mut times: Vec<UnixTime> = (0..count).map(|_| timestamp(&mut rng, now)).collect();
    times.sort_unstable();
    // Long tail: author n is picked with weight ~ 1/n.
    let authors = (count / 5).max(10);
    let pipeline = crate::ingest::Pipeline::default();
    let mut made = 0;
    let mut storing: Option<std::thread::JoinHandle<crate::store::Result<()>>> = None;
    while made < count {
        let n = BATCH.min(count - made);
        let mut batches: Vec<Vec<NewItem>> = vec![Vec::new(); ACCOUNTS.len()];
        for (i, &created_at) in times[made..made + n].iter().enumerate() {
            let serial = made + i;
            let account = rng.gen_range(0..ACCOUNTS.len());
            let author = ((authors as f64).powf(rng.gen::<f64>()) as usize).min(authors - 1);
            let kind = match rng.gen_range(0..100) {
                0..=39 => ItemKind::Mention,
                40..=84 => ItemKind::Comment,
                85..=94 => ItemKind::Dm,
                _ => ItemKind::Post,
            };
            let parent = (kind == ItemKind::Comment && serial > 1_000 && rng.gen_bool(0.5))
                .then(|| format!("g{}", serial - rng.gen_range(1..1_000)));
            let mut body = corpus[rng.gen_range(0..corpus.len())].clone();
            body.push_str(&format!(" #{}", serial % 997));
            batches[account].push(NewItem {
                external_id: format!("g{serial}"),
                kind,
                thread_external_id: parent.clone(),
                parent_external_id: parent,
                author: NewAuthor {
                    external_id: format!("a{author}"),
                    handle: format!("@user{author}"),
                    display_name: format!("User {author}"),
                    followers: Some(
                        (100_000.0 / (author as f64 + 1.0)) as i64 + rng.gen_range(0..50),
                    ),
                },
                body,
                url: None,
                created_at,
                raw_json: None,
                room: None,
            });
        }
        let prepared: Vec<(i64, Vec<ingest::Incoming>)> = batches
            .into_iter()
            .enumerate()
            .map(|(account, batch)| (account_ids[account], pipeline.prepare(batch)))
            .collect();
        if let Some(previous) = storing.take() {
            join(previous)?;
        }
        let cursor = format!("{}", made + n);
        let handle = handle.clone();
        storing = Some(std::thread::spawn(move || {
            for (account_id, items) in prepared {
                let cursor = cursor.clone();
                handle.call_blocking(move |c| {
                    ingest::ingest(c, account_id, &items, Some(&cursor), now).map(|_| ())
                })?;
            }
            Ok(())
        }));
        made += n;
    }
    if let Some(previous) = storing.take() {
        join(previous)?;
    }
    let ingested = started.elapsed();
    handle.call_blocking(move |c| {
        crate::store::bench::age_the_workload(c, now, seed)?;
        crate::store::bench::restore_indexes(c, deferred)?;
        c.pragma_update(None, "synchronous", "NORMAL")?;
        c.pragma_update(None, "journal_mode", "WAL")?;
        Ok(())
    })?;
    tracing::info!(
        ingest_secs = ingested.as_secs_f64(),
        total_secs = started.elapsed().as_secs_f64(),
        "generated a benchmark cache"
    );
    drop(handle);
    writer.shutdown();
    Ok(Generated {
        items: count,
        seconds: started.elapsed().as_secs_f64(),
    })
}

fn join(storing: std::thread::JoinHandle<crate::store::Result<()>>) -> anyhow::Result<()> {
    storing
        .join()
        .map_err(|_| anyhow::anyhow!("the storing thread panicked"))??;
    Ok(())
}
