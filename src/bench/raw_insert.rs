//! The yardstick for ingest speed: the same rows written with plain batched INSERTs into
//! the same schema (same indexes and search triggers), none of hark's logic.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::domain::{ItemKind, NewAuthor, NewItem};

/// `n` plausible items with a long tail of authors.
pub fn items(n: usize) -> Vec<NewItem> {
    (0..n)
        .map(|i| NewItem {
            external_id: format!("r{i}"),
            kind: if i % 10 == 0 { ItemKind::Dm } else { ItemKind::Mention },
            parent_external_id: None,
            thread_external_id: None,
            author: NewAuthor {
                external_id: format!("a{}", i % (n / 4 + 1)),
                handle: format!("@user{}", i % (n / 4 + 1)),
                display_name: "User".into(),
                followers: Some(100),
            },
            body: format!("@brand the cold brew at shop {} was great but the app crashed at checkout, any update? #{i}", i % 40),
            url: None,
            created_at: 1_700_000_000 + i as i64,
            raw_json: None,
            room: None,
        })
        .collect()
}

/// Inserts `n` items the plainest way and returns how long it took.
pub fn time_raw_insert(path: &Path, n: usize) -> anyhow::Result<Duration> {
    let rows = items(n);
    let mut conn = crate::store::open_rw(path)?;
    crate::store::bench::raw_account(&conn)?;
    let started = Instant::now();
    for chunk in rows.chunks(5_000) {
        crate::store::bench::raw_insert_chunk(&mut conn, chunk)?;
    }
    Ok(started.elapsed())
}
