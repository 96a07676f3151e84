//! People on a real cache: two authors on two platforms joined with `:link` are one
//! author view with their notes and marks; a mute the platform confirmed marks the person
//! on every row; their open items go done in one batch that `u` undoes.

mod support;
use hark::command::{Command, Done};
use hark::domain::{ItemKind, ItemState, NewAuthor, NewItem};
use hark::store::ingest::{self, Incoming};
use hark::store::read::{Direction, ListQuery};
use hark::store::{Reader, View};
use support::cache::{cache, Cache};

const T: i64 = 1_796_557_260;

fn item(id: &str, author: &str, body: &str, at: i64) -> Incoming {
    Incoming::from(NewItem {
        external_id: id.into(),
        kind: ItemKind::Mention,
        parent_external_id: None,
        thread_external_id: None,
        author: NewAuthor {
            external_id: format!("u-{author}"),
            handle: format!("@{author}"),
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

/// Ana on chirp (two items), Ana on mastodon (one), and Bo on chirp.
fn seeded() -> (Cache, Vec<i64>) {
    let cache = cache();
    let handle = cache.writer.handle();
    let chirp = cache.account;
    let mut ids = handle
        .call_blocking(move |c| {
            ingest::ingest(
                c,
                chirp,
                &[
                    item("1", "ana", "where is my order", T - 600),
                    item("2", "ana", "still waiting", T - 500),
                    item("3", "bo", "nice mug", T - 400),
                ],
                None,
                T,
            )
        })
        .unwrap()
        .inserted;
    let masto = handle
        .call_blocking(|c| ingest::ensure_account(c, "brand-masto", "mastodon", "@brand"))
        .unwrap();
    ids.extend(
        handle
            .call_blocking(move |c| {
                ingest::ingest(
                    c,
                    masto,
                    &[item("9", "ana_m", "hello from here", T - 300)],
                    None,
                    T,
                )
            })
            .unwrap()
            .inserted,
    );
    (cache, ids)
}

fn run(cache: &Cache, command: Command) -> Done {
    cache
        .writer
        .handle()
        .call_blocking(move |c| command.apply(c, T))
        .unwrap()
}

fn reader(cache: &Cache) -> Reader {
    Reader::open(&cache.path).unwrap()
}

fn person(cache: &Cache, item: i64) -> i64 {
    reader(cache).detail(item).unwrap().unwrap().author.person
}

fn author_view(cache: &Cache, person: i64) -> Vec<String> {
    let view = View::Author {
        person,
        name: "@ana".into(),
    };
    reader(cache)
        .page(&ListQuery::view(view), None, Direction::Older, 100)
        .unwrap()
        .into_iter()
        .map(|r| r.snippet)
        .collect()
}

#[test]
fn linked_authors_are_one_person_with_every_item_and_their_notes() {
    let (cache, ids) = seeded();
    let ana = person(&cache, ids[0]);
    assert_eq!(
        author_view(&cache, ana),
        ["still waiting", "where is my order"]
    );
    run(
        &cache,
        Command::PersonNote {
            person: ana,
            body: "prefers DMs".into(),
        },
    );
    let masto = person(&cache, ids[3]);
    run(
        &cache,
        Command::PersonNote {
            person: masto,
            body: "runs a café in Vigo".into(),
        },
    );

    let done = run(
        &cache,
        Command::LinkAuthors {
            items: vec![ids[0], ids[3]],
        },
    );
    assert_eq!(done, Done::Linked(Some(ana.min(masto))));
    let person_now = person(&cache, ids[3]);
    assert_eq!(person_now, person(&cache, ids[1]));
    assert_eq!(
        author_view(&cache, person_now),
        ["hello from here", "still waiting", "where is my order"]
    );
    let card = hark::store::people::card(
        &rusqlite::Connection::open(&cache.path).unwrap(),
        person_now,
    )
    .unwrap();
    let notes: Vec<&str> = card.notes.iter().map(|(_, n)| n.as_str()).collect();
    assert_eq!(notes, ["prefers DMs", "runs a café in Vigo"]);
    assert_eq!(card.identities.len(), 2);
    assert_eq!((card.items, card.open_items), (3, 3));
    // Bo is nobody's alias.
    assert_eq!(author_view(&cache, person(&cache, ids[2])), ["nice mug"]);
    // Linking again changes nothing.
    assert_eq!(
        run(
            &cache,
            Command::LinkAuthors {
                items: vec![ids[1], ids[3]]
            }
        ),
        Done::Linked(None)
    );
}

#[test]
fn a_confirmed_mute_marks_the_person_everywhere_and_their_open_items_go_done_in_one_undo() {
    let (cache, ids) = seeded();
    run(
        &cache,
        Command::LinkAuthors {
            items: vec![ids[0], ids[3]],
        },
    );
    let ana = person(&cache, ids[0]);
    run(
        &cache,
        Command::Moderate {
            ids: vec![ids[1]],
            kind: hark::domain::kinds::MUTE,
            payload: serde_json::json!({}),
        },
    );
    // Queued is not confirmed: nobody is marked yet.
    let rows = |cache: &Cache| {
        reader(cache)
            .page(&ListQuery::view(View::All), None, Direction::Older, 100)
            .unwrap()
    };
    assert!(rows(&cache).iter().all(|r| !r.marks.person.muted));
    let outbox: i64 = rusqlite::Connection::open(&cache.path)
        .unwrap()
        .query_row("SELECT max(id) FROM outbox", [], |r| r.get(0))
        .unwrap();
    cache
        .writer
        .handle()
        .call_blocking(move |c| hark::store::truth::on_sent(c, outbox, T))
        .unwrap();
    let muted: Vec<(String, bool)> = rows(&cache)
        .into_iter()
        .map(|r| (r.author, r.marks.person.muted))
        .collect();
    assert_eq!(
        muted,
        [
            ("@ana_m".to_string(), true),
            ("@bo".to_string(), false),
            ("@ana".to_string(), true),
            ("@ana".to_string(), true),
        ]
    );

    assert_eq!(
        run(&cache, Command::DoneAuthorItems { person: ana }),
        Done::StateChanged {
            count: 3,
            to: ItemState::Done
        }
    );
    assert_eq!(
        reader(&cache)
            .page(&ListQuery::view(View::Inbox), None, Direction::Older, 100)
            .unwrap()
            .len(),
        1
    );
    assert!(matches!(run(&cache, Command::Undo), Done::Undone(Some(u)) if u.items.len() == 3));
}

#[test]
fn an_advocate_is_marked_on_every_identity() {
    let (cache, ids) = seeded();
    run(
        &cache,
        Command::LinkAuthors {
            items: vec![ids[0], ids[3]],
        },
    );
    let ana = person(&cache, ids[3]);
    run(
        &cache,
        Command::SetAdvocate {
            person: ana,
            on: true,
        },
    );
    let detail = reader(&cache).detail(ids[0]).unwrap().unwrap();
    assert!(detail.row.marks.person.advocate);
    assert!(
        !reader(&cache)
            .detail(ids[2])
            .unwrap()
            .unwrap()
            .row
            .marks
            .person
            .advocate
    );
}
