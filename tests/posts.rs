//! The brand's own posts on a real cache: the Posts view lists them with the replies each
//! drew, and nothing else; the inbox views never list them.

mod support;
use hark::domain::{ItemKind, NewAuthor, NewItem};
use hark::store::ingest::{self, Incoming};
use hark::store::read::{Direction, ListQuery};
use hark::store::{Reader, View};
use support::cache::cache;

fn item(id: &str, kind: ItemKind, thread: Option<&str>, body: &str, at: i64) -> Incoming {
    Incoming::from(NewItem {
        external_id: id.into(),
        kind,
        parent_external_id: thread.map(str::to_string),
        thread_external_id: thread.map(str::to_string),
        author: NewAuthor {
            external_id: if kind == ItemKind::Post {
                "brand"
            } else {
                "u-ana"
            }
            .into(),
            handle: if kind == ItemKind::Post {
                "@brand"
            } else {
                "@ana"
            }
            .into(),
            display_name: String::new(),
            followers: None,
        },
        body: body.into(),
        url: None,
        created_at: at,
        raw_json: None,
        room: None,
    })
}

#[test]
fn the_posts_view_lists_the_brands_posts_with_their_reply_counts() {
    let cache = cache();
    let account = cache.account;
    let items = vec![
        item("p1", ItemKind::Post, None, "New roast out today", 100),
        item("p2", ItemKind::Post, None, "Closed on Monday", 200),
        item("c1", ItemKind::Comment, Some("p1"), "smells great", 110),
        item("c2", ItemKind::Comment, Some("p1"), "price?", 120),
        item("m1", ItemKind::Mention, None, "hello", 130),
        // Directly under the post, filed in no thread: counted once all the same.
        {
            let mut reply = item("c3", ItemKind::Comment, Some("p2"), "see you Tuesday", 210);
            reply.item.thread_external_id = None;
            reply
        },
    ];
    cache
        .writer
        .handle()
        .call_blocking(move |c| ingest::ingest(c, account, &items, None, 300))
        .unwrap();
    let reader = Reader::open(&cache.path).unwrap();
    let page = |view: View| {
        reader
            .page(&ListQuery::view(view), None, Direction::Older, 100)
            .unwrap()
    };
    let posts: Vec<(String, Option<u64>)> = page(View::Posts)
        .into_iter()
        .map(|r| (r.snippet, r.marks.replies))
        .collect();
    assert_eq!(
        posts,
        [
            ("Closed on Monday".to_string(), Some(1)),
            ("New roast out today".to_string(), Some(2)),
        ]
    );
    assert_eq!(reader.count(&ListQuery::view(View::Posts)).unwrap(), 2);
    let inbox = page(View::Inbox);
    assert_eq!(inbox.len(), 4);
    assert!(inbox.iter().all(|r| r.marks.replies.is_none()));
}
