//! The fetcher on a real store file with a scripted connector.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use async_trait::async_trait;

use super::*;
use crate::domain::{ItemKind, NewAuthor, NewItem};
use crate::platform::{Capabilities, FetchPage};
use crate::store::read::Reader;
use crate::store::{ingest, Writer};

const ROOT: &str = "brand-post-1";
const MENTION: &str = "fan-reply-2";

fn post(id: &str, parent: Option<&str>, handle: &str, kind: ItemKind, body: &str) -> NewItem {
    NewItem {
        external_id: id.into(),
        kind,
        parent_external_id: parent.map(str::to_string),
        thread_external_id: Some(ROOT.into()),
        author: NewAuthor {
            external_id: handle.into(),
            handle: handle.into(),
            display_name: handle.into(),
            followers: None,
        },
        body: body.into(),
        url: None,
        created_at: 1_000 + id.len() as i64,
        raw_json: None,
    }
}

/// Answers thread requests from a script and counts them.
struct Scripted {
    answers: Mutex<Vec<Result<Vec<NewItem>, PlatformError>>>,
    calls: AtomicUsize,
}

#[async_trait]
impl Connector for Scripted {
    fn platform(&self) -> &str {
        "mastodon"
    }
    fn capabilities(&self) -> Capabilities {
        Capabilities {
            reply_limit: None,
            direct_messages: false,
            moderation: vec![],
        }
    }
    async fn fetch(&self, _cursor: Option<&str>) -> Result<FetchPage, PlatformError> {
        Err(PlatformError::Unsupported("fetch"))
    }
    async fn thread(&self, _target: &Target) -> Result<Vec<NewItem>, PlatformError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.answers.lock().unwrap().remove(0)
    }
}

struct Setup {
    _dir: tempfile::TempDir,
    writer: Writer,
    item: ItemId,
    connector: Arc<Scripted>,
    fetcher: ThreadFetcher,
    news: mpsc::UnboundedReceiver<ThreadNews>,
}

fn setup(answers: Vec<Result<Vec<NewItem>, PlatformError>>) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let writer = Writer::spawn(&dir.path().join("hark.db")).unwrap();
    let mention = post(
        MENTION,
        Some(ROOT),
        "@ana",
        ItemKind::Comment,
        "is it vegan?",
    );
    let (account, item) = writer
        .handle()
        .call_blocking(move |c| {
            let account = ingest::ensure_account(c, "masto", "mastodon", "@brand")?;
            let mut mention = ingest::Incoming::from(mention);
            mention.item.raw_json = Some("{\"notification\":7}".into());
            let report = ingest::ingest(c, account, &[mention], None, 1_000)?;
            Ok((account, report.inserted[0]))
        })
        .unwrap();
    let connector = Arc::new(Scripted {
        answers: Mutex::new(answers),
        calls: AtomicUsize::new(0),
    });
    let (tx, news) = mpsc::unbounded_channel();
    let platforms = Platforms {
        connectors: HashMap::from([(account, connector.clone() as Arc<dyn Connector>)]),
        pipeline: Arc::new(Pipeline::default()),
    };
    let fetcher = spawn(writer.handle(), platforms, move |n| {
        let _ = tx.send(n);
    });
    Setup {
        _dir: dir,
        writer,
        item,
        connector,
        fetcher,
        news,
    }
}

/// Waits for the fetch's final news (after `Fetching`).
async fn outcome(news: &mut mpsc::UnboundedReceiver<ThreadNews>) -> ThreadNews {
    loop {
        match tokio::time::timeout(Duration::from_secs(10), news.recv())
            .await
            .expect("no news from the fetcher")
            .unwrap()
        {
            ThreadNews::Fetching(_) => continue,
            done => return done,
        }
    }
}

#[tokio::test]
async fn an_opened_item_shows_its_parent_and_replies_from_the_platform_and_offline_later() {
    let context = vec![
        post(ROOT, None, "@brand", ItemKind::Post, "Autumn menu is out"),
        // The opened item itself comes back too: it stays an item, not context.
        post(
            MENTION,
            Some(ROOT),
            "@ana",
            ItemKind::Comment,
            "is it vegan?",
        ),
        post(
            "other-3",
            Some(MENTION),
            "@bo",
            ItemKind::Comment,
            "asking too",
        ),
    ];
    let mut s = setup(vec![Ok(context)]);
    s.fetcher.request(s.item);
    assert_eq!(
        outcome(&mut s.news).await,
        ThreadNews::Fetched {
            item_id: s.item,
            changed: 2
        }
    );
    let reader = Reader::open(s.writer.handle().path()).unwrap();
    let detail = reader.detail(s.item).unwrap().unwrap();
    let ancestors: Vec<_> = detail
        .ancestors
        .iter()
        .map(|e| (e.id, e.author.as_str(), e.own))
        .collect();
    assert_eq!(ancestors, [(None, "@brand", true)]);
    let replies: Vec<_> = detail.replies.iter().map(|e| e.body.as_str()).collect();
    assert_eq!(replies, ["asking too"]);
    let items: i64 = reader
        .conn()
        .query_row("SELECT count(*) FROM items", [], |r| r.get(0))
        .unwrap();
    assert_eq!(items, 1, "context posts never become inbox items");

    // Opened again soon after: the stored thread is shown, the platform is not asked.
    s.fetcher.request(s.item);
    s.fetcher.request(s.item);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(s.connector.calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_failed_fetch_is_reported_and_keeps_what_is_stored_and_unsupported_is_silent() {
    let mut s = setup(vec![
        Err(PlatformError::Transient("502 from the instance".into())),
        Err(PlatformError::Unsupported("thread context")),
        Ok(vec![]),
    ]);
    s.fetcher.request(s.item);
    assert_eq!(
        outcome(&mut s.news).await,
        ThreadNews::Failed {
            item_id: s.item,
            error: "temporary failure: 502 from the instance".into()
        }
    );
    // A failure is not a fetch: the next open asks again.
    s.fetcher.request(s.item);
    let asked = tokio::time::timeout(Duration::from_secs(10), async {
        while s.connector.calls.load(Ordering::SeqCst) < 2 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    });
    asked
        .await
        .expect("the second open never asked the platform");
    s.fetcher.request(s.item);
    assert_eq!(
        outcome(&mut s.news).await,
        ThreadNews::Fetched {
            item_id: s.item,
            changed: 0
        },
        "the unsupported answer told the UI nothing; the next open fetched"
    );
    assert_eq!(s.connector.calls.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn an_edited_context_post_replaces_the_stored_text() {
    let first = vec![post(ROOT, None, "@brand", ItemKind::Post, "Autum menu")];
    let second = vec![post(ROOT, None, "@brand", ItemKind::Post, "Autumn menu")];
    let mut s = setup(vec![Ok(first), Ok(second)]);
    s.fetcher.request(s.item);
    outcome(&mut s.news).await;
    s.writer
        .handle()
        .call_blocking(|c| Ok(c.execute("UPDATE thread_fetches SET fetched_at = 0", [])?))
        .unwrap();
    s.fetcher.request(s.item);
    let ThreadNews::Fetched { changed, .. } = outcome(&mut s.news).await else {
        panic!("second fetch failed")
    };
    assert_eq!(changed, 1);
    let reader = Reader::open(s.writer.handle().path()).unwrap();
    let detail = reader.detail(s.item).unwrap().unwrap();
    assert_eq!(detail.ancestors[0].body, "Autumn menu");
}

#[tokio::test]
async fn a_conversation_ten_thousand_posts_long_keeps_the_nearest_two_thousand() {
    let huge: Vec<NewItem> = (0..10_000)
        .map(|n| {
            let parent = if n == 0 {
                MENTION.to_string()
            } else {
                format!("c{}", n - 1)
            };
            post(
                &format!("c{n}"),
                Some(&parent),
                "@crowd",
                ItemKind::Comment,
                "+1",
            )
        })
        .collect();
    let mut s = setup(vec![Ok(huge)]);
    s.fetcher.request(s.item);
    assert_eq!(
        outcome(&mut s.news).await,
        ThreadNews::Fetched {
            item_id: s.item,
            changed: crate::store::thread::MAX_CONTEXT_POSTS
        }
    );
    let reader = Reader::open(s.writer.handle().path()).unwrap();
    let detail = reader.detail(s.item).unwrap().unwrap();
    assert_eq!(detail.replies.len(), 1, "the direct reply under the item");
}

#[tokio::test]
async fn an_item_edited_since_it_arrived_is_updated_rescored_and_keeps_its_record() {
    let edited = post(
        MENTION,
        Some(ROOT),
        "@ana",
        ItemKind::Comment,
        "is it vegan? it is delicious, thank you!",
    );
    let mut s = setup(vec![Ok(vec![edited])]);
    s.fetcher.request(s.item);
    outcome(&mut s.news).await;
    let reader = Reader::open(s.writer.handle().path()).unwrap();
    let detail = reader.detail(s.item).unwrap().unwrap();
    assert_eq!(detail.body, "is it vegan? it is delicious, thank you!");
    assert!(detail.edited_at.is_some(), "shown as edited");
    let (label, raw, edits): (String, String, i64) = reader
        .conn()
        .query_row(
            "SELECT sentiment_label_auto, raw_json,
                    (SELECT count(*) FROM events WHERE item_id = i.id AND kind = 'edited')
             FROM items i WHERE id = ?",
            [s.item],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(label, "positive", "the new text is scored");
    assert_eq!(
        raw, "{\"notification\":7}",
        "the first record stays for replies"
    );
    assert_eq!(edits, 1);
}
