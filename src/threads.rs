//! Thread context on demand: when the CM opens an item, its conversation is fetched from
//! the platform off the UI thread and kept in the store, so it shows offline later.
//!
//! Only the latest request matters (the CM moved on from the others), a conversation
//! fetched a few minutes ago is not fetched again, and a platform without thread context
//! is asked nothing.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;

use crate::domain::{AccountId, ItemId, NewItem, UnixTime};
use crate::ingest::Pipeline;
use crate::platform::{Connector, PlatformError, Target};
use crate::store::{thread, WriterHandle};

/// A conversation fetched this recently is shown from the store without asking again.
pub const FRESH_FOR_SECS: i64 = 300;
/// The longest one thread request may take.
const CALL_TIMEOUT: Duration = Duration::from_secs(15);

/// Each account's connector, by the account's stored id.
pub type Connectors = HashMap<AccountId, Arc<dyn Connector>>;

/// What the fetcher talks to: the connectors, and the ingest pipeline that scores an item
/// whose text changed since it arrived (the platform may return the item as it is now).
#[derive(Clone)]
pub struct Platforms {
    pub connectors: Connectors,
    pub pipeline: Arc<Pipeline>,
}

/// What the UI hears about a fetch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ThreadNews {
    Fetching(ItemId),
    /// Stored; `changed` context posts were new or edited.
    Fetched {
        item_id: ItemId,
        changed: usize,
    },
    Failed {
        item_id: ItemId,
        error: String,
    },
}

/// Asks for an item's conversation; cheap to clone.
#[derive(Clone)]
pub struct ThreadFetcher {
    tx: mpsc::UnboundedSender<ItemId>,
}

impl ThreadFetcher {
    pub fn request(&self, item_id: ItemId) {
        let _ = self.tx.send(item_id);
    }
}

/// Starts the fetcher on the current tokio runtime.
pub fn spawn(
    writer: WriterHandle,
    platforms: Platforms,
    report: impl Fn(ThreadNews) + Send + Sync + 'static,
) -> ThreadFetcher {
    let (tx, mut rx) = mpsc::unbounded_channel::<ItemId>();
    tokio::spawn(async move {
        while let Some(mut item_id) = rx.recv().await {
            while let Ok(newer) = rx.try_recv() {
                item_id = newer;
            }
            if let Some(news) = fetch(&writer, &platforms, item_id, &report).await {
                report(news);
            }
        }
    });
    ThreadFetcher { tx }
}

/// Fetches and stores one conversation; `None` when there was nothing to do.
async fn fetch(
    writer: &WriterHandle,
    platforms: &Platforms,
    item_id: ItemId,
    report: &(impl Fn(ThreadNews) + Send + Sync),
) -> Option<ThreadNews> {
    let failed = |error: String| Some(ThreadNews::Failed { item_id, error });
    let now = crate::domain::now();
    let (account_id, target) = match writer.call(move |c| lookup(c, item_id, now)).await {
        Ok(Some(found)) => found,
        Ok(None) => return None,
        Err(e) => return failed(e.to_string()),
    };
    let connector = platforms.connectors.get(&account_id)?;
    report(ThreadNews::Fetching(item_id));
    let posts = match tokio::time::timeout(CALL_TIMEOUT, connector.thread(&target)).await {
        Ok(Ok(posts)) => posts,
        Ok(Err(PlatformError::Unsupported(_))) => return None,
        Ok(Err(PlatformError::NotFound(why))) => {
            // Deleted on the platform: the item says so, and a reply to it warns.
            tracing::info!(item_id, "the item's post is gone from the platform");
            let error = format!("deleted on the platform ({why})");
            return match writer
                .call(move |c| crate::store::state::mark_gone(c, item_id, &why, now))
                .await
            {
                Ok(_) => failed(error),
                Err(e) => failed(e.to_string()),
            };
        }
        Ok(Err(e)) => {
            tracing::warn!(item_id, error = %e, "thread context not fetched");
            return failed(e.to_string());
        }
        Err(_) => return failed(format!("no answer in {}s", CALL_TIMEOUT.as_secs())),
    };
    // The item itself, as it is now: stored through the ingest path, so an edit is
    // recorded and rescored. Its first record is kept (replies and moderation use it).
    let (current, context): (Vec<NewItem>, Vec<NewItem>) = posts
        .into_iter()
        .partition(|p| p.external_id == target.external_id);
    let refreshed: Vec<_> = current
        .into_iter()
        .take(1)
        .map(|item| NewItem {
            raw_json: None,
            ..item
        })
        .collect();
    let refreshed = platforms.pipeline.prepare(refreshed);
    let pipeline = platforms.pipeline.clone();
    match writer
        .call(move |conn| {
            if !refreshed.is_empty() {
                pipeline.store(conn, account_id, &refreshed, None, now)?;
            }
            thread::save(conn, account_id, item_id, &context, now)
        })
        .await
    {
        Ok(changed) => Some(ThreadNews::Fetched { item_id, changed }),
        Err(e) => failed(e.to_string()),
    }
}

/// The item's account and target, unless its conversation is fresh in the store. Two
/// indexed single-row reads on the writer's connection (a read sends no change notice).
fn lookup(
    conn: &mut rusqlite::Connection,
    item_id: ItemId,
    now: UnixTime,
) -> crate::store::Result<Option<(AccountId, Target)>> {
    if thread::fetched_at(conn, item_id)?.is_some_and(|at| now - at < FRESH_FOR_SECS) {
        return Ok(None);
    }
    thread::target_of(conn, item_id)
}

#[cfg(test)]
mod tests {
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
            room: None,
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
        assert_eq!(
            crate::store::peek::item_count(reader.conn()),
            1,
            "context posts never become inbox items"
        );

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
            .call_blocking(|c| Ok(crate::store::peek::age_thread_fetches(c)?))
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
        let (label, raw) = crate::store::peek::item_label_and_raw(reader.conn(), s.item);
        let label = label.unwrap_or_default();
        let edits = crate::store::peek::item_event_count(reader.conn(), s.item, "edited");
        assert_eq!(label, "positive", "the new text is scored");
        assert_eq!(
            raw, "{\"notification\":7}",
            "the first record stays for replies"
        );
        assert_eq!(edits, 1);
    }
}
