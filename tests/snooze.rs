//! Snoozing on a real cache with the clock handed in (a paused clock): the item leaves
//! its views for Snoozed, comes back as new when due with a change notice, and undo,
//! re-snoozing and handled items behave as a CM expects.

mod support;
use hark::command::{Command, Done};
use hark::domain::{ItemKind, ItemState, NewAuthor, NewItem};
use hark::store::change::Change;
use hark::store::ingest::{self, Incoming};
use hark::store::read::{Direction, ListQuery};
use hark::store::{Reader, View};
use support::cache::{cache, Cache};

const T: i64 = 1_796_557_260;

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

fn seeded() -> (Cache, Vec<i64>) {
    let cache = cache();
    let account = cache.account;
    let items = vec![
        item("1", "where is my order", T - 600),
        item("2", "love it", T - 300),
    ];
    let ids = cache
        .writer
        .handle()
        .call_blocking(move |c| ingest::ingest(c, account, &items, None, T))
        .unwrap()
        .inserted;
    (cache, ids)
}

/// Runs `command` at `now` (the paused clock), with what it changed.
fn at(cache: &Cache, now: i64, command: Command) -> (Done, hark::store::change::Changes) {
    cache
        .writer
        .handle()
        .call_blocking_noting(move |c| command.apply(c, now))
        .unwrap()
}

fn view(cache: &Cache, view: View) -> Vec<String> {
    Reader::open(&cache.path)
        .unwrap()
        .page(&ListQuery::view(view), None, Direction::Older, 100)
        .unwrap()
        .into_iter()
        .map(|r| r.snippet)
        .collect()
}

fn count(cache: &Cache, of: View) -> u64 {
    Reader::open(&cache.path)
        .unwrap()
        .count(&ListQuery::view(of))
        .unwrap()
}

fn snooze(ids: Vec<i64>, until: i64) -> Command {
    Command::Snooze {
        ids,
        until,
        shown: "later".into(),
    }
}

#[test]
fn a_snoozed_item_leaves_its_views_and_comes_back_as_new_when_due() {
    let (cache, ids) = seeded();
    let (done, _) = at(&cache, T, snooze(vec![ids[0]], T + 60));
    assert_eq!(
        done,
        Done::Snoozed {
            count: 1,
            until: "later".into()
        }
    );
    assert_eq!(view(&cache, View::Inbox), ["love it"]);
    assert_eq!(view(&cache, View::Snoozed), ["where is my order"]);
    assert_eq!(
        (count(&cache, View::Inbox), count(&cache, View::Snoozed)),
        (1, 1)
    );
    let until = |cache: &Cache| {
        Reader::open(&cache.path)
            .unwrap()
            .detail(ids[0])
            .unwrap()
            .unwrap()
            .row
            .marks
            .snoozed_until
    };
    assert_eq!(until(&cache), Some(T + 60));

    // One second early: nothing moves and nobody is told.
    let (done, changes) = at(&cache, T + 59, Command::WakeSnoozed);
    assert_eq!(done, Done::Woken(0));
    assert!(!changes.contains(Change::Items), "{changes:?}");
    assert_eq!(view(&cache, View::Snoozed), ["where is my order"]);

    // Due: new again, in the Inbox, and the views hear of it.
    let (done, changes) = at(&cache, T + 60, Command::WakeSnoozed);
    assert_eq!(done, Done::Woken(1));
    assert!(changes.contains(Change::Items) && changes.contains(Change::Counts));
    assert_eq!(view(&cache, View::Inbox), ["love it", "where is my order"]);
    assert!(view(&cache, View::Snoozed).is_empty());
    let rows = Reader::open(&cache.path)
        .unwrap()
        .page(&ListQuery::view(View::Inbox), None, Direction::Older, 100)
        .unwrap();
    assert!(rows.iter().all(|r| r.state == ItemState::New));
    assert_eq!(until(&cache), None);
    // Waking again finds nothing.
    assert_eq!(at(&cache, T + 120, Command::WakeSnoozed).0, Done::Woken(0));
}

#[test]
fn snoozing_again_moves_the_time_and_undo_brings_it_back_at_once() {
    let (cache, ids) = seeded();
    at(&cache, T, snooze(vec![ids[0]], T + 60));
    at(&cache, T + 10, snooze(vec![ids[0]], T + 3600));
    assert_eq!(at(&cache, T + 60, Command::WakeSnoozed).0, Done::Woken(0));
    assert_eq!(view(&cache, View::Snoozed), ["where is my order"]);

    let (done, _) = at(&cache, T + 70, Command::Undo);
    assert!(matches!(done, Done::Undone(Some(_))), "{done:?}");
    assert_eq!(view(&cache, View::Inbox).len(), 2);
    // Its old time passing later changes nothing.
    assert_eq!(at(&cache, T + 4000, Command::WakeSnoozed).0, Done::Woken(0));
}

#[test]
fn done_items_are_not_snoozed_and_a_snoozed_item_marked_done_stays_done() {
    let (cache, ids) = seeded();
    at(
        &cache,
        T,
        Command::SetState {
            ids: vec![ids[1]],
            to: ItemState::Done,
            only_from: None,
            actor: hark::store::state::ACTOR_USER,
        },
    );
    let (done, _) = at(&cache, T, snooze(ids.clone(), T + 60));
    assert_eq!(
        done,
        Done::Snoozed {
            count: 1,
            until: "later".into()
        }
    );
    at(
        &cache,
        T + 1,
        Command::SetState {
            ids: vec![ids[0]],
            to: ItemState::Done,
            only_from: None,
            actor: hark::store::state::ACTOR_USER,
        },
    );
    assert_eq!(at(&cache, T + 60, Command::WakeSnoozed).0, Done::Woken(0));
    assert_eq!(count(&cache, View::Done), 2);
}

#[test]
fn the_snoozed_predicate_selects_what_the_snoozed_view_shows() {
    // The limit patterns' `~z` uses the same condition as the view.
    assert_eq!(hark::store::view::SNOOZED, "i.state = 'snoozed'");
}

#[test]
fn a_snoozed_item_still_counts_as_unanswered_past_the_target_in_the_report() {
    let (cache, ids) = seeded();
    let conn = rusqlite::Connection::open(&cache.path).unwrap();
    // Only the snoozed item owes an answer.
    conn.execute("UPDATE items SET needs_reply = (id = ?)", [ids[0]])
        .unwrap();
    at(&cache, T, snooze(vec![ids[0]], T + 7200));
    // An hour's target, read an hour and a half later: still owed, snoozed or not.
    let late = hark::store::report::unanswered_at(&conn, T - 86_400, T + 5400, 3600).unwrap();
    assert_eq!(late.get("chirp"), Some(&1), "{late:?}");
}
