//! The cache as a poller and the inbox use it: idempotent ingest, edits, cursors saved
//! with their items, state changes with undo, search, paging.

mod support;
use hark::domain::{ItemKind, ItemState, NewAuthor, NewItem};
use hark::store::ingest::{self, Incoming};
use hark::store::read::{Direction, ListQuery};
use hark::store::state;
use hark::store::view::fts_query;
use hark::store::{Reader, View};
use support::cache::{cache, Cache};

fn item(id: &str, body: &str, at: i64) -> Incoming {
    Incoming::from(NewItem {
        external_id: id.into(),
        kind: ItemKind::Mention,
        parent_external_id: None,
        thread_external_id: None,
        author: NewAuthor {
            external_id: "u-ana".into(),
            handle: "@ana".into(),
            display_name: "Ana Ruiz".into(),
            followers: Some(120),
        },
        body: body.into(),
        url: None,
        created_at: at,
        raw_json: None,
        room: None,
    })
}

impl Cache {
    fn ingest(&self, items: Vec<Incoming>, cursor: Option<&str>) -> ingest::IngestReport {
        let account = self.account;
        let cursor = cursor.map(str::to_string);
        self.writer
            .handle()
            .call_blocking(move |c| ingest::ingest(c, account, &items, cursor.as_deref(), 1_000))
            .unwrap()
    }

    fn reader(&self) -> Reader {
        Reader::open(&self.path).unwrap()
    }

    fn inbox(&self) -> Vec<String> {
        self.reader()
            .page(&ListQuery::view(View::Inbox), None, Direction::Older, 100)
            .unwrap()
            .into_iter()
            .map(|r| r.snippet)
            .collect()
    }
}

#[test]
fn the_same_item_twice_is_stored_once() {
    let cache = cache();
    let first = cache.ingest(
        vec![item("1", "hello", 10), item("2", "hi", 20)],
        Some("c2"),
    );
    assert_eq!(first.inserted.len(), 2);
    let again = cache.ingest(
        vec![item("1", "hello", 10), item("2", "hi", 20)],
        Some("c2"),
    );
    assert!(again.inserted.is_empty());
    assert_eq!(again.unchanged, 2);
    assert_eq!(cache.inbox(), ["hi", "hello"]);
}

#[test]
fn an_edit_updates_the_stored_text_and_search_finds_the_new_words() {
    let cache = cache();
    cache.ingest(vec![item("1", "the cold brew is great", 10)], None);
    let report = cache.ingest(vec![item("1", "the cold brew made me sick", 10)], None);
    assert_eq!(report.edited.len(), 1);
    assert_eq!(cache.inbox(), ["the cold brew made me sick"]);
    let reader = cache.reader();
    let search = |q: &str| {
        reader
            .count(&ListQuery {
                view: View::All,
                search: fts_query(q),
                limit: None,
                sort: Default::default(),
            })
            .unwrap()
    };
    assert_eq!(search("sick"), 1);
    assert_eq!(search("great"), 0, "the old text is no longer indexed");
    let detail = reader.detail(report.edited[0]).unwrap().unwrap();
    assert!(detail.edited_at.is_some());
}

#[test]
fn the_cursor_is_saved_with_its_items_and_not_without_them() {
    let cache = cache();
    cache.ingest(vec![item("1", "a", 10)], Some("after-1"));
    let account = cache.account;
    let handle = cache.writer.handle();
    assert_eq!(
        handle
            .call_blocking(move |c| ingest::cursor(c, account))
            .unwrap()
            .as_deref(),
        Some("after-1")
    );
    // A batch that fails half-way (an author row the schema rejects) stores neither its
    // items nor its cursor.
    let mut bad = item("3", "c", 30);
    bad.item.kind = ItemKind::Dm;
    let result = handle.call_blocking(move |c| {
        c.execute_batch("CREATE TRIGGER no_dm BEFORE INSERT ON items WHEN new.kind = 'dm' BEGIN SELECT RAISE(ABORT, 'refused'); END;")?;
        ingest::ingest(c, account, &[item("2", "b", 20), bad], Some("after-3"), 1_000)
    });
    assert!(result.is_err());
    assert_eq!(cache.inbox(), ["a"]);
    assert_eq!(
        handle
            .call_blocking(move |c| ingest::cursor(c, account))
            .unwrap()
            .as_deref(),
        Some("after-1")
    );
}

#[test]
fn state_changes_are_logged_and_undo_reverts_the_whole_batch() {
    let cache = cache();
    let ids = cache
        .ingest(
            vec![item("1", "a", 10), item("2", "b", 20), item("3", "c", 30)],
            None,
        )
        .inserted;
    let handle = cache.writer.handle();
    let batch = vec![ids[0], ids[1]];
    let changed = handle
        .call_blocking(move |c| {
            state::set_state(c, &batch, ItemState::Done, None, state::ACTOR_USER, 2_000)
        })
        .unwrap();
    assert_eq!(changed.len(), 2);
    assert_eq!(cache.inbox(), ["c"]);
    let events: i64 = rusqlite::Connection::open(&cache.path)
        .unwrap()
        .query_row(
            "SELECT count(*) FROM events WHERE kind = 'state' AND to_state = 'done'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(events, 2);

    let undone = handle
        .call_blocking(|c| state::undo_last(c, 3_000))
        .unwrap()
        .unwrap();
    assert_eq!(undone.items.len(), 2);
    assert_eq!(undone.was, ItemState::Done);
    assert_eq!(cache.inbox(), ["c", "b", "a"]);
    // Nothing left to undo: opening an item is not an undoable change.
    let open = vec![ids[2]];
    handle
        .call_blocking(move |c| {
            state::set_state(
                c,
                &open,
                ItemState::Open,
                Some(&[ItemState::New]),
                state::ACTOR_VIEW,
                4_000,
            )
        })
        .unwrap();
    assert_eq!(
        handle
            .call_blocking(|c| state::undo_last(c, 5_000))
            .unwrap(),
        None
    );
}

#[test]
fn opening_only_moves_new_items_to_open() {
    let cache = cache();
    let ids = cache.ingest(vec![item("1", "a", 10)], None).inserted;
    let handle = cache.writer.handle();
    let id = ids[0];
    handle
        .call_blocking(move |c| {
            state::set_state(c, &[id], ItemState::Done, None, state::ACTOR_USER, 1)
        })
        .unwrap();
    let changed = handle
        .call_blocking(move |c| {
            state::set_state(
                c,
                &[id],
                ItemState::Open,
                Some(&[ItemState::New]),
                state::ACTOR_VIEW,
                2,
            )
        })
        .unwrap();
    assert!(changed.is_empty(), "a done item stays done when viewed");
}

#[test]
fn keyset_pages_walk_the_list_without_gaps_or_repeats() {
    let cache = cache();
    // Several items share a timestamp, as a burst of posts in one second does.
    let items: Vec<Incoming> = (0..250)
        .map(|n| item(&n.to_string(), &format!("post {n}"), 1_000 + n / 7))
        .collect();
    cache.ingest(items, None);
    let reader = cache.reader();
    let query = ListQuery::view(View::Inbox);
    let mut seen = Vec::new();
    let mut anchor = None;
    loop {
        let page = reader.page(&query, anchor, Direction::Older, 40).unwrap();
        let Some(last) = page.last() else { break };
        anchor = Some(last.key());
        seen.extend(page.iter().map(|r| r.id));
    }
    assert_eq!(seen.len(), 250);
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 250);
    // And back up from the bottom.
    let bottom = reader.page(&query, None, Direction::Newer, 40).unwrap();
    assert_eq!(bottom.last().unwrap().id, *seen.last().unwrap());
    assert_eq!(reader.count_newer(&query, bottom[0].key()).unwrap(), 210);
}

#[test]
fn huge_and_hostile_bodies_are_stored_whole() {
    let cache = cache();
    let huge = "é".repeat(600_000);
    let hostile = "\u{1b}]0;pwned\u{7}\u{202e}gnp.exe";
    let ids = cache
        .ingest(vec![item("big", &huge, 10), item("bad", hostile, 20)], None)
        .inserted;
    let reader = cache.reader();
    assert_eq!(reader.detail(ids[0]).unwrap().unwrap().body, huge);
    assert_eq!(reader.detail(ids[1]).unwrap().unwrap().body, hostile);
    let rows = reader
        .page(&ListQuery::view(View::Inbox), None, Direction::Older, 10)
        .unwrap();
    assert_eq!(
        rows[1].snippet.chars().count(),
        300,
        "a list row carries only the start of a huge body"
    );
}

#[test]
fn a_nul_does_not_hide_the_rest_of_a_post_in_the_list() {
    let cache = cache();
    cache.ingest(vec![item("nul", "before\0after the nul", 10)], None);
    assert_eq!(cache.inbox(), vec!["before\0after the nul".to_string()]);
}

#[test]
fn a_manual_label_is_kept_apart_logged_and_survives_a_rescore() {
    use hark::domain::SentimentLabel;
    use hark::ingest::Pipeline;
    use hark::store::sentiment;
    let cache = cache();
    let pipeline = Pipeline::default();
    let items = pipeline.prepare(vec![
        item("1", "I love the new latte, amazing!", 10).item,
        item(
            "2",
            "the delivery was late and the cup was cold, terrible",
            20,
        )
        .item,
    ]);
    assert!(
        items.iter().all(|i| i.sentiment.is_some()),
        "scored on the way in"
    );
    let ids = cache.ingest(items, None).inserted;
    let reader = cache.reader();
    let label = |id| {
        let d = reader.detail(id).unwrap().unwrap();
        (
            d.sentiment_auto.map(|(_, l)| l),
            d.sentiment_manual,
            d.row.sentiment,
        )
    };
    assert_eq!(
        label(ids[0]),
        (
            Some(SentimentLabel::Positive),
            None,
            Some(SentimentLabel::Positive)
        )
    );
    assert_eq!(label(ids[1]).0, Some(SentimentLabel::Negative));

    let handle = cache.writer.handle();
    let first = ids[0];
    let changed = handle
        .call_blocking(move |c| {
            sentiment::set_manual(c, &[first], Some(SentimentLabel::Negative), 50)
        })
        .unwrap();
    assert_eq!(changed, 1);
    // The list shows the CM's label; the automatic one is kept for measuring accuracy.
    assert_eq!(
        label(ids[0]),
        (
            Some(SentimentLabel::Positive),
            Some(SentimentLabel::Negative),
            Some(SentimentLabel::Negative)
        )
    );

    // A lexicon that makes "late" strongly positive changes automatic labels only.
    let mut settings = hark::sentiment::SentimentConfig::default();
    settings.lexicon.insert("late".into(), 4.0);
    settings.lexicon.insert("terrible".into(), 0.0);
    settings.lexicon.insert("cold".into(), 0.0);
    let analyzer = hark::sentiment::Analyzer::new(&settings);
    let languages = hark::language::Languages::default();
    let done = handle
        .call_blocking(move |c| sentiment::rescore(c, &analyzer, &languages))
        .unwrap();
    let (scored, flipped) = (done.scored, done.changed);
    assert_eq!(scored, 2);
    assert_eq!(flipped, 1);
    assert_eq!(label(ids[1]).0, Some(SentimentLabel::Positive));
    assert_eq!(
        label(ids[0]).1,
        Some(SentimentLabel::Negative),
        "the manual label is untouched"
    );
    let events: i64 = rusqlite::Connection::open(&cache.path)
        .unwrap()
        .query_row(
            "SELECT count(*) FROM events WHERE kind = 'sentiment' AND detail LIKE '%negative%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(events, 1);
}

#[test]
fn view_counts_from_the_counts_table_match_the_items() {
    let cache = cache();
    let mut items: Vec<Incoming> = (0..40)
        .map(|n| item(&n.to_string(), &format!("post {n}?"), n))
        .collect();
    items[3].item.kind = ItemKind::Post;
    items[4].item.kind = ItemKind::Dm;
    let ids = cache.ingest(items, None).inserted;
    let handle = cache.writer.handle();
    let done: Vec<i64> = ids[10..20].to_vec();
    handle
        .call_blocking(move |c| {
            state::set_state(c, &done, ItemState::Done, None, state::ACTOR_USER, 5)
        })
        .unwrap();
    handle.call_blocking(|c| state::undo_last(c, 6)).unwrap();
    let again: Vec<i64> = ids[0..5].to_vec();
    handle
        .call_blocking(move |c| {
            state::set_state(c, &again, ItemState::Done, None, state::ACTOR_USER, 7)
        })
        .unwrap();
    let reader = cache.reader();
    let conn = rusqlite::Connection::open(&cache.path).unwrap();
    for (view, brute) in [
        (View::Inbox, "state IN ('new','open') AND kind != 'post'"),
        (
            View::NeedsReply,
            "state IN ('new','open') AND needs_reply = 1",
        ),
        (View::Done, "state = 'done' AND kind != 'post'"),
        (View::All, "kind != 'post'"),
        (
            View::Platform("chirp".into()),
            "state IN ('new','open') AND kind != 'post'",
        ),
    ] {
        let expected: u64 = conn
            .query_row(
                &format!("SELECT count(*) FROM items WHERE {brute}"),
                [],
                |r| r.get::<_, i64>(0),
            )
            .unwrap() as u64;
        assert_eq!(
            reader.count(&ListQuery::view(view.clone())).unwrap(),
            expected,
            "{view:?}"
        );
    }
    assert_eq!(reader.count(&ListQuery::view(View::Inbox)).unwrap(), 35);
}

#[test]
fn search_pages_follow_arrival_order_and_count_matches() {
    let cache = cache();
    let items: Vec<Incoming> = (0..120)
        .map(|n| {
            item(
                &n.to_string(),
                if n % 2 == 0 {
                    "the refund never came"
                } else {
                    "lovely latte"
                },
                1_000 - n,
            )
        })
        .collect();
    cache.ingest(items, None);
    let reader = cache.reader();
    let query = ListQuery {
        view: View::Inbox,
        search: fts_query("refund"),
        limit: None,
        sort: Default::default(),
    };
    assert_eq!(reader.count(&query).unwrap(), 60);
    let first = reader.page(&query, None, Direction::Older, 25).unwrap();
    let second = reader
        .page(
            &query,
            Some(first.last().unwrap().key()),
            Direction::Older,
            50,
        )
        .unwrap();
    assert_eq!(first.len() + second.len(), 60);
    assert!(first
        .iter()
        .chain(&second)
        .all(|r| r.snippet.contains("refund")));
    assert!(
        first.windows(2).all(|w| w[0].id > w[1].id),
        "newest arrival first"
    );
    assert_eq!(reader.count_newer(&query, second[0].key()).unwrap(), 25);
}

#[test]
fn a_thread_ten_thousand_replies_deep_opens_with_a_bounded_thread() {
    let cache = cache();
    // Each item answers the one before it; the last one points back at the first (bad
    // data must not hang the detail pane).
    let depth = 10_000;
    let items: Vec<Incoming> = (0..depth)
        .map(|n| {
            let mut i = item(&format!("r{n}"), &format!("reply number {n}"), 100 + n);
            i.item.parent_external_id = Some(format!("r{}", (n + depth - 1) % depth));
            i
        })
        .collect();
    let ids = cache.ingest(items, None).inserted;
    assert_eq!(ids.len(), depth as usize, "stored whole");
    let reader = cache.reader();
    let deepest = reader.detail(ids[ids.len() - 1]).unwrap().unwrap();
    assert_eq!(deepest.ancestors.len(), 50, "the nearest 50 parents");
    assert_eq!(
        deepest.ancestors.last().unwrap().body,
        format!("reply number {}", depth - 2),
        "nearest parent right above the item"
    );
    let root = reader.detail(ids[0]).unwrap().unwrap();
    assert_eq!(root.replies.len(), 1);
    assert_eq!(root.replies[0].body, "reply number 1");
}

#[test]
fn items_of_the_same_second_keep_the_platforms_order_on_every_read() {
    let cache = cache();
    // A page as platforms list it: newest first, three posts in one second.
    let page = || {
        vec![
            item("d", "fourth, the newest", 2_001),
            item("c", "third", 2_000),
            item("b", "second", 2_000),
            item("a", "first", 2_000),
            item("z", "oldest", 1_999),
        ]
    };
    cache.ingest(page(), None);
    let expected = ["fourth, the newest", "third", "second", "first", "oldest"];
    assert_eq!(cache.inbox(), expected);
    // The same page again (a re-read after a restart) changes nothing.
    cache.ingest(page(), None);
    assert_eq!(cache.inbox(), expected);
    assert_eq!(cache.inbox(), expected);
}
