//! The window logic on synthetic rows: what the CM notices is the cursor staying put,
//! the list loading ahead of them, and memory staying bounded.

use super::*;
use crate::domain::{ItemKind, ItemState};
use crate::store::View;

fn row(position: usize) -> ItemRow {
    // Newest first: position 0 has the largest time.
    ItemRow {
        id: 1_000_000 - position as i64,
        created_at: 10_000_000 - position as i64,
        platform: "chirp".into(),
        kind: ItemKind::Mention,
        state: ItemState::New,
        author: "@a".into(),
        snippet: format!("item {position}"),
        sentiment: None,
        sentiment_manual: false,
        needs_reply: true,
        flag: None,
        marks: Default::default(),
        facts: crate::platform::ItemFacts::of(ItemKind::Mention),
        lang: None,
    }
}

fn rows(range: std::ops::Range<usize>) -> Vec<ItemRow> {
    range.map(row).collect()
}

fn generation(request: &ListRequest) -> u64 {
    match request {
        ListRequest::Window { generation, .. } | ListRequest::Extend { generation, .. } => {
            *generation
        }
    }
}

fn loaded(total: usize, height: usize) -> ListWindow {
    let mut list = ListWindow::new(ListQuery::view(View::Inbox));
    list.set_height(height);
    list.touched = true;
    let request = list.load(Anchor::Top);
    let n = WINDOW_AFTER.min(total);
    list.apply_window(
        generation(&request),
        WindowResult {
            rows: rows(0..n),
            offset: 0,
            total,
            focus: 0,
        },
    );
    list
}

#[test]
fn moving_near_the_end_of_the_window_asks_for_the_next_page_once() {
    let mut list = loaded(1_000_000, 20);
    let mut requests = vec![];
    for _ in 0..150 {
        requests.extend(list.move_by(1));
    }
    assert_eq!(list.cursor, 150);
    assert_eq!(requests.len(), 1, "one extension in flight at a time");
    match &requests[0] {
        ListRequest::Extend {
            from, direction, ..
        } => {
            assert_eq!(*direction, Direction::Older);
            assert_eq!(*from, row(WINDOW_AFTER - 1).key());
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn memory_stays_bounded_while_scrolling_far() {
    let mut list = loaded(1_000_000, 20);
    for _ in 0..5_000 {
        if let Some(ListRequest::Extend {
            generation,
            direction,
            ..
        }) = list.move_by(1)
        {
            let end = list.offset + list.rows.len();
            list.apply_extend(generation, direction, rows(end..end + EXTEND_ROWS));
        }
    }
    assert_eq!(list.cursor, 5_000);
    assert!(
        list.rows.len() <= MAX_ROWS + EXTEND_ROWS,
        "{}",
        list.rows.len()
    );
    assert_eq!(list.current().unwrap().snippet, "item 5000");
    assert!(list.scroll <= 5_000 && 5_000 < list.scroll + 20);
}

#[test]
fn new_items_arriving_above_keep_the_cursor_on_the_same_item_and_screen_line() {
    let mut list = loaded(50, 10);
    list.move_by(25);
    let before = list.current().unwrap().clone();
    let line = list.cursor - list.scroll;
    let request = list.refresh().unwrap();
    // Three new items arrived at the top: the same item is now at position 28.
    let mut fresh = vec![row(0), row(1), row(2)];
    fresh.iter_mut().for_each(|r| {
        r.created_at += 100;
        r.id += 100;
    });
    fresh.extend(rows(0..50));
    list.apply_window(
        generation(&request),
        WindowResult {
            rows: fresh,
            offset: 0,
            total: 53,
            focus: 28,
        },
    );
    assert_eq!(list.current().unwrap(), &before);
    assert_eq!(list.cursor - list.scroll, line);
}

#[test]
fn a_stale_answer_from_a_previous_view_is_ignored() {
    let mut list = loaded(50, 10);
    let old = list.load(Anchor::Top);
    let new = list.load(Anchor::Top);
    let ignored = WindowResult {
        rows: rows(0..3),
        offset: 0,
        total: 3,
        focus: 0,
    };
    list.apply_window(generation(&old), ignored);
    list.apply_window(
        generation(&new),
        WindowResult {
            rows: rows(0..7),
            offset: 0,
            total: 7,
            focus: 0,
        },
    );
    assert_eq!(list.total, 7);
    assert_eq!(list.rows.len(), 7);
}

#[test]
fn go_bottom_loads_the_last_page_when_it_is_not_in_memory() {
    let mut list = loaded(1_000_000, 20);
    let request = list.go_bottom().expect("a load of the last page");
    assert!(matches!(
        request,
        ListRequest::Window {
            anchor: Anchor::Bottom,
            ..
        }
    ));
    list.apply_window(
        generation(&request),
        WindowResult {
            rows: rows(999_800..1_000_000),
            offset: 999_800,
            total: 1_000_000,
            focus: 199,
        },
    );
    assert_eq!(list.cursor, 999_999);
    assert_eq!(list.current().unwrap().snippet, "item 999999");
    assert_eq!(list.scroll, 999_980);
}

#[test]
fn a_store_change_during_a_load_reloads_once_it_arrives() {
    let mut list = loaded(50, 10);
    let first = list.refresh().unwrap();
    assert!(list.refresh().is_none(), "coalesced while in flight");
    let again = list.apply_window(
        generation(&first),
        WindowResult {
            rows: rows(0..50),
            offset: 0,
            total: 50,
            focus: 0,
        },
    );
    assert!(matches!(again, Some(ListRequest::Window { .. })));
}

#[test]
fn at_the_top_of_the_list_new_arrivals_are_shown_above_the_cursor() {
    let mut list = loaded(5, 10);
    let request = list.refresh().unwrap();
    let mut fresh = vec![row(0), row(1)];
    fresh.iter_mut().for_each(|r| {
        r.created_at += 100;
        r.id += 100;
    });
    fresh.extend(rows(0..5));
    list.apply_window(
        generation(&request),
        WindowResult {
            rows: fresh,
            offset: 0,
            total: 7,
            focus: 2,
        },
    );
    assert_eq!(list.scroll, 0, "the new items are visible");
    assert_eq!(list.cursor, 2, "the cursor stays on the item the CM was on");
    assert_eq!(list.visible().count(), 7);
}

#[test]
fn until_the_cm_acts_the_cursor_follows_the_newest_item() {
    let mut list = ListWindow::new(ListQuery::view(View::Inbox));
    let request = list.load(Anchor::Top);
    list.apply_window(
        generation(&request),
        WindowResult {
            rows: rows(0..3),
            offset: 0,
            total: 3,
            focus: 0,
        },
    );
    let request = list.refresh().unwrap();
    assert!(matches!(
        request,
        ListRequest::Window {
            anchor: Anchor::Top,
            ..
        }
    ));
}
