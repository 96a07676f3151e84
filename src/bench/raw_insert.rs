//! The yardstick for ingest speed: the same rows written with plain batched INSERTs into
//! the same schema (same indexes and search triggers), none of hark's logic.

use std::path::Path;
use std::time::{Duration, Instant};

use rusqlite::params;

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
        })
        .collect()
}

/// Inserts `n` items the plainest way and returns how long it took.
pub fn time_raw_insert(path: &Path, n: usize) -> anyhow::Result<Duration> {
    let rows = items(n);
    let mut conn = crate::store::open_rw(path)?;
    conn.execute(
        "INSERT INTO accounts (id, name, platform) VALUES (1, 'a', 'chirp')",
        [],
    )?;
    let started = Instant::now();
    for chunk in rows.chunks(5_000) {
        let tx = conn.transaction()?;
        {
            let mut author = tx.prepare_cached(
                "INSERT INTO authors (platform, external_id, handle, display_name, followers, first_seen_at)
                 VALUES ('chirp', ?1, ?2, ?3, ?4, 0)
                 ON CONFLICT (platform, external_id) DO UPDATE SET handle = excluded.handle RETURNING id",
            )?;
            let mut item = tx.prepare_cached(
                "INSERT INTO items (account_id, external_id, kind, author_id, body, created_at, fetched_at)
                 VALUES (1, ?1, ?2, ?3, ?4, ?5, 0)",
            )?;
            for r in chunk {
                let author_id: i64 = author.query_row(
                    params![
                        r.author.external_id,
                        r.author.handle,
                        r.author.display_name,
                        r.author.followers
                    ],
                    |row| row.get(0),
                )?;
                item.execute(params![
                    r.external_id,
                    r.kind.as_str(),
                    author_id,
                    r.body,
                    r.created_at
                ])?;
            }
        }
        tx.commit()?;
    }
    Ok(started.elapsed())
}
