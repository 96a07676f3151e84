//! The counts and index choices that keep the inbox fast on a large cache must never change
//! what it shows: tag views count and page exactly their items, and the open-items index
//! gives the Inbox the same rows, newest first.

use hark::domain::{ItemKind, ItemState, NewAuthor, NewItem};
use hark::store::ingest::{self, Incoming};
use hark::store::read::{Direction, ListQuery};
use hark::store::{moderation, state, Reader, View, Writer};

fn item(n: i64) -> Incoming {
    Incoming::from(NewItem {
        external_id: format!("x{n}"),
        kind: ItemKind::Mention,
        parent_external_id: None,
        thread_external_id: None,
        author: NewAuthor {
            external_id: "u-ana".into(),
            handle: "@ana".into(),
            display_name: "Ana Ruiz".into(),
            followers: None,
        },
        body: format!("message number {n}"),
        url: None,
        // Not in id order, so the time order is what the list must follow.
        created_at: 10_000 + (n * 37) % 41,
        raw_json: None,
        room: None,
    })
}

/// 40 items; `common` on 35 of them (a page walks all items), `rare` on 3 (a page sorts
/// the tagged ones).
fn cache() -> (tempfile::TempDir, std::path::PathBuf, Writer) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hark.db");
    let writer = Writer::spawn(&path).unwrap();
    writer
        .handle()
        .call_blocking(|c| {
            let account = ingest::ensure_account(c, "brand", "chirp", "@brand")?;
            let items: Vec<Incoming> = (0..40).map(item).collect();
            let ids = ingest::ingest(c, account, &items, None, 1)?.inserted;
            moderation::set_tag(c, &ids[..35], "common", false, "user", 2)?;
            moderation::set_tag(c, &ids[10..13], "rare", false, "user", 2)?;
            Ok(())
        })
        .unwrap();
    (dir, path, writer)
}

/// Every row of `view`, newest first, read in pages of 7 from the top.
fn all_pages(reader: &Reader, view: View) -> Vec<(i64, i64)> {
    let query = ListQuery::view(view);
    let mut out = Vec::new();
    let mut anchor = None;
    loop {
        let page = reader.page(&query, anchor, Direction::Older, 7).unwrap();
        let Some(last) = page.last() else { break };
        anchor = Some(last.key());
        out.extend(page.iter().map(|r| (r.created_at, r.id)));
    }
    out
}

/// The same rows straight from the tables, newest first.
fn expected(path: &std::path::Path, condition: &str) -> Vec<(i64, i64)> {
    let conn = rusqlite::Connection::open(path).unwrap();
    let sql = format!(
        "SELECT created_at, id FROM items i WHERE {condition} ORDER BY created_at DESC, id DESC"
    );
    let mut stmt = conn.prepare(&sql).unwrap();
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<rusqlite::Result<Vec<_>>>()
        .unwrap();
    rows
}

#[test]
fn tag_views_list_and_count_exactly_their_items_common_or_rare() {
    let (_dir, path, _writer) = cache();
    let reader = Reader::open(&path).unwrap();
    for tag in ["common", "rare"] {
        let rows = all_pages(&reader, View::Tag(tag.into()));
        let want = expected(
            &path,
            &format!("i.id IN (SELECT item_id FROM tags WHERE tag = '{tag}')"),
        );
        assert_eq!(rows, want, "#{tag}");
        let count = reader
            .count(&ListQuery::view(View::Tag(tag.into())))
            .unwrap();
        assert_eq!(count as usize, want.len(), "#{tag}");
    }
    assert_eq!(
        moderation::tags_in_use(reader.conn()).unwrap(),
        vec![("common".to_string(), 35), ("rare".to_string(), 3)]
    );
}

#[test]
fn tag_counts_follow_removals_and_a_tag_no_item_has_is_no_longer_in_use() {
    let (_dir, path, writer) = cache();
    writer
        .handle()
        .call_blocking(|c| {
            let ids: Vec<i64> = c
                .prepare("SELECT item_id FROM tags WHERE tag = 'rare'")?
                .query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            moderation::set_tag(c, &ids, "rare", true, "user", 3)?;
            moderation::set_tag(c, &ids[..1], "common", true, "user", 3)?;
            Ok(())
        })
        .unwrap();
    let reader = Reader::open(&path).unwrap();
    assert_eq!(
        moderation::tags_in_use(reader.conn()).unwrap(),
        vec![("common".to_string(), 34)]
    );
    let rare = ListQuery::view(View::Tag("rare".into()));
    assert_eq!(reader.count(&rare).unwrap(), 0);
    assert!(all_pages(&reader, View::Tag("rare".into())).is_empty());
}

#[test]
fn the_inbox_pages_new_and_open_items_newest_first_and_leaves_done_ones_out() {
    let (_dir, path, writer) = cache();
    writer
        .handle()
        .call_blocking(|c| {
            state::set_state(c, &[3, 4, 5], ItemState::Done, None, "user", 3)?;
            state::set_state(c, &[6, 7], ItemState::Open, None, "user", 3)?;
            Ok(())
        })
        .unwrap();
    let reader = Reader::open(&path).unwrap();
    let rows = all_pages(&reader, View::Inbox);
    let want = expected(&path, "i.state IN ('new', 'open') AND i.kind != 'post'");
    assert_eq!(rows.len(), 37);
    assert_eq!(rows, want);
    // And from the bottom up, as G shows it.
    let query = ListQuery::view(View::Inbox);
    let bottom = reader.page(&query, None, Direction::Newer, 5).unwrap();
    let keys: Vec<(i64, i64)> = bottom.iter().map(|r| (r.created_at, r.id)).collect();
    assert_eq!(keys, want[want.len() - 5..].to_vec());
}
