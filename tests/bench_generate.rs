//! `hark bench generate` loads the rows first and builds the indexes after: the cache it
//! leaves must be the one a migrated cache fed row by row would be — the same indexes and
//! triggers, and search finding the same items.

use hark::store::DB_FILE;
use rusqlite::Connection;

fn schema(conn: &Connection) -> Vec<(String, String, Option<String>)> {
    conn.prepare(
        "SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger')
         ORDER BY type, name",
    )
    .unwrap()
    .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
    .unwrap()
    .collect::<rusqlite::Result<_>>()
    .unwrap()
}

fn ids(conn: &Connection, sql: &str, arg: &str) -> Vec<i64> {
    conn.prepare(sql)
        .unwrap()
        .query_map([arg], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

#[test]
fn a_generated_cache_has_the_migrated_schema_and_a_complete_search_index() {
    let dir = tempfile::tempdir().unwrap();
    let generated = dir.path().join("generated").join(DB_FILE);
    std::fs::create_dir_all(generated.parent().unwrap()).unwrap();
    hark::bench::generate::generate(&generated, 3_000, 7).unwrap();
    let fresh = dir.path().join("fresh.db");
    let fresh = hark::store::open_rw(&fresh).unwrap();
    let mut conn = hark::store::open_rw(&generated).unwrap();
    // Every index and trigger is back, exactly as the migrations wrote it.
    assert_eq!(schema(&conn), schema(&fresh));
    let items: i64 = conn
        .query_row("SELECT count(*) FROM items", [], |r| r.get(0))
        .unwrap();
    assert_eq!(items, 3_000);
    // Search finds every item by a word of its body and by its author, as an index kept
    // in step by the triggers would.
    let by_search = |conn: &Connection, query: &str| {
        ids(
            conn,
            "SELECT rowid FROM items_fts WHERE items_fts MATCH ?1 ORDER BY rowid",
            query,
        )
    };
    let words = ["coffee", "app", "refund", "user12", "\"cold brew\""];
    let before: Vec<Vec<i64>> = words.iter().map(|w| by_search(&conn, w)).collect();
    assert!(before.iter().all(|found| !found.is_empty()), "{before:?}");
    hark::store::bench::rebuild_search_index(&mut conn, true, true).unwrap();
    let after: Vec<Vec<i64>> = words.iter().map(|w| by_search(&conn, w)).collect();
    assert_eq!(before, after);
    // The author search holds every author.
    let handles = ids(
        &conn,
        "SELECT rowid FROM authors_trigram WHERE authors_trigram MATCH ?1 ORDER BY rowid",
        "\"user12\"",
    );
    let like = ids(
        &conn,
        "SELECT id FROM authors WHERE handle LIKE '%' || ?1 || '%' OR display_name LIKE '%' || ?1 || '%' ORDER BY id",
        "user12",
    );
    assert!(!like.is_empty());
    assert_eq!(handles, like);
}

#[test]
fn indexes_are_only_set_aside_on_an_empty_cache() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DB_FILE);
    hark::bench::generate::generate(&path, 10, 1).unwrap();
    let conn = hark::store::open_rw(&path).unwrap();
    let before = schema(&conn);
    let err = hark::store::bench::defer_indexes(&conn).unwrap_err();
    assert!(err.to_string().contains("empty cache"), "{err}");
    assert_eq!(schema(&conn), before);
}
