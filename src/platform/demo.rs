//! A simulated platform for `hark demo`: four fictional networks fed from
//! `assets/demo/items.jsonl`, so a newcomer sees hark work with no account.
//!
//! It is a real [`Connector`]: the pollers, the store and the UI treat it like any other.
//! Backlog items (posted before the demo started) come in pages on the first polls; live
//! items are then released a few per poll, stamped with the time they arrive.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use serde::Deserialize;

use super::{Capabilities, Connector, FetchPage, ModerationAction, PlatformError, Target};
use crate::domain::{ItemKind, NewAuthor, NewItem, UnixTime};
use crate::platform::kinds;

/// The demo dataset, compiled in so `hark demo` works from any directory.
const DATASET: &str = include_str!("../../assets/demo/items.jsonl");

/// The simulated networks, in sidebar order.
pub const NETWORKS: &[&str] = &["chirp", "snapgram", "forum", "pagebook"];

/// The demo brand.
pub const BRAND: &str = "Nimbus Coffee";
/// The demo brand's handle: what it wrote is the brand's own (kind `post`).
const BRAND_HANDLE: &str = "@nimbuscoffee";

/// How many backlog items one poll returns.
const BACKLOG_PAGE: usize = 50;

/// How items become available.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Release {
    /// Backlog at once, then live items a few per poll.
    Live,
    /// Everything at once (for `hark demo --no-tui` and tests).
    All,
}

#[derive(Debug, Clone, Deserialize)]
struct DemoAuthor {
    handle: String,
    name: String,
    followers: i64,
}

#[derive(Debug, Clone, Deserialize)]
struct DemoItem {
    network: String,
    id: String,
    kind: ItemKind,
    author: DemoAuthor,
    body: String,
    parent: Option<String>,
    thread: Option<String>,
    minutes_ago: Option<i64>,
    url: Option<String>,
}

/// One simulated network.
pub struct DemoConnector {
    network: String,
    items: Vec<DemoItem>,
    backlog: usize,
    release: Release,
    /// When the demo started: backlog times count back from here.
    started_at: UnixTime,
    /// When each live item was first released, so a re-fetch gives the same time.
    live_times: Mutex<Vec<UnixTime>>,
    /// Replies the brand sent, in order; they show up in fetches once `ready_at` passes.
    sent: Mutex<Vec<SentReply>>,
    /// Idempotency keys whose first send of a "#fail" reply already failed.
    failed_once: Mutex<std::collections::HashSet<String>>,
}

/// The live script (the crisis) arrives over this long from the demo's start, so it
/// unfolds the way a real one does rather than all at once.
const SCRIPT_SECS: i64 = 15 * 60;

/// Once the script has run, an ordinary item arrives this often on each network, for as
/// long as the demo runs.
const TRICKLE_SECS: i64 = 45;

/// Words of the crisis: backlog items carrying them are not replayed in the trickle.
const CRISIS_WORDS: &[&str] = &["sick", "hospital", "poison", "vomit", "lawyer", "enferm"];

/// How long a sent reply takes to appear in the thread.
const REPLY_DELAY: Duration = Duration::from_secs(2);

struct SentReply {
    key: String,
    item: NewItem,
    ready_at: Instant,
}

impl DemoConnector {
    pub fn new(network: &str, release: Release) -> anyhow::Result<DemoConnector> {
        Self::with_start(network, release, crate::domain::now())
    }

    pub fn with_start(
        network: &str,
        release: Release,
        started_at: UnixTime,
    ) -> anyhow::Result<DemoConnector> {
        if !NETWORKS.contains(&network) {
            anyhow::bail!(
                "the demo has no network `{network}` (it has {})",
                NETWORKS.join(", ")
            );
        }
        let mut items = Vec::new();
        for (n, line) in DATASET.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let item: DemoItem = serde_json::from_str(line)
                .map_err(|e| anyhow::anyhow!("assets/demo/items.jsonl line {}: {e}", n + 1))?;
            if item.network == network {
                items.push(item);
            }
        }
        let backlog = items.iter().take_while(|i| i.minutes_ago.is_some()).count();
        Ok(DemoConnector {
            network: network.to_string(),
            items,
            backlog,
            release,
            started_at,
            live_times: Mutex::new(Vec::new()),
            sent: Mutex::new(Vec::new()),
            failed_once: Mutex::new(Default::default()),
        })
    }

    /// How many items this network has in all.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The live items and trickle items due at `now`, counted from the backlog's end.
    fn due(&self, now: UnixTime) -> usize {
        let live = (self.items.len() - self.backlog) as i64;
        let elapsed = now - self.started_at;
        if elapsed < 0 {
            return 0;
        }
        // Live item k is due k/live of the way through the script.
        let script = (elapsed * live / SCRIPT_SECS + 1).min(live);
        let trickle = match self.trickle_pool().is_empty() {
            true => 0,
            false => (elapsed - SCRIPT_SECS).max(0) / TRICKLE_SECS,
        };
        (script + trickle) as usize
    }

    /// The backlog items the trickle replays: what others wrote, without the crisis.
    fn trickle_pool(&self) -> Vec<usize> {
        (0..self.backlog)
            .filter(|&i| {
                let item = &self.items[i];
                let body = item.body.to_lowercase();
                !item.author.handle.eq_ignore_ascii_case(BRAND_HANDLE)
                    && item.kind != ItemKind::Post
                    && !CRISIS_WORDS.iter().any(|w| body.contains(w))
            })
            .collect()
    }

    /// Trickle item `n` (0 first): an ordinary backlog item again, as a new one.
    fn trickle_item(&self, n: usize) -> NewItem {
        let pool = self.trickle_pool();
        let mut item = self.to_new_item(pool[n % pool.len()], self.started_at);
        item.external_id = format!("{}~again-{n}", item.external_id);
        item.created_at = self.started_at + SCRIPT_SECS + (n as i64 + 1) * TRICKLE_SECS;
        item
    }

    /// A fetch on the clock `now`: the backlog in pages, then the live script and the
    /// trickle as they fall due.
    fn fetch_at(&self, cursor: Option<&str>, now: UnixTime) -> Result<FetchPage, PlatformError> {
        let (start, replies_done) = parse_cursor(cursor)?;
        let end = match self.release {
            Release::All => self.items.len(),
            Release::Live if start < self.backlog => (start + BACKLOG_PAGE).min(self.backlog),
            // A page at most: a demo resumed long after it started catches up in steps.
            Release::Live => start.max((self.backlog + self.due(now)).min(start + BACKLOG_PAGE)),
        };
        let start = start.min(end);
        let mut items: Vec<NewItem> = (start..end).map(|n| self.to_new_item(n, now)).collect();
        let mut replies = replies_done;
        {
            let sent = self.sent.lock().unwrap_or_else(|e| e.into_inner());
            for reply in sent.iter().skip(replies_done) {
                if reply.ready_at > Instant::now() {
                    break;
                }
                items.push(reply.item.clone());
                replies += 1;
            }
        }
        let next_cursor = if replies > 0 {
            format!("{end}:{replies}")
        } else {
            end.to_string()
        };
        Ok(FetchPage {
            items,
            next_cursor: Some(next_cursor),
            more: self.release == Release::Live && end < self.backlog,
            ..FetchPage::default()
        })
    }

    fn to_new_item(&self, index: usize, now: UnixTime) -> NewItem {
        if index >= self.items.len() {
            return self.trickle_item(index - self.items.len());
        }
        let item = &self.items[index];
        let created_at = match item.minutes_ago {
            Some(minutes) => self.started_at - minutes * 60,
            // Live, a script item is dated when it fell due: a re-fetch gives the same time.
            None if self.release == Release::Live => {
                let live = (self.items.len() - self.backlog) as i64;
                self.started_at + (index - self.backlog) as i64 * SCRIPT_SECS / live
            }
            None => {
                let mut times = self.live_times.lock().unwrap_or_else(|e| e.into_inner());
                let live_index = index - self.backlog;
                while times.len() <= live_index {
                    times.push(now);
                }
                times[live_index]
            }
        };
        // Like a real platform, what the brand's own account wrote is context, not work.
        let kind = if item.author.handle.eq_ignore_ascii_case(BRAND_HANDLE) {
            ItemKind::Post
        } else {
            item.kind
        };
        NewItem {
            external_id: item.id.clone(),
            kind,
            parent_external_id: item.parent.clone(),
            thread_external_id: item.thread.clone(),
            author: NewAuthor {
                external_id: item.author.handle.to_lowercase(),
                handle: item.author.handle.clone(),
                display_name: item.author.name.clone(),
                followers: Some(item.author.followers),
            },
            body: item.body.clone(),
            url: item.url.clone(),
            created_at,
            raw_json: None,
            room: None,
        }
    }
}

/// The cursor is the number of dataset items already delivered, then `:` and the number
/// of the brand's replies delivered (when there are any).
fn parse_cursor(cursor: Option<&str>) -> Result<(usize, usize), PlatformError> {
    let Some(text) = cursor else {
        return Ok((0, 0));
    };
    let bad = || PlatformError::Malformed(format!("demo cursor `{text}` is not a number"));
    let (items, replies) = text.split_once(':').unwrap_or((text, "0"));
    Ok((
        items.parse().map_err(|_| bad())?,
        replies.parse().map_err(|_| bad())?,
    ))
}

#[async_trait]
impl Connector for DemoConnector {
    fn platform(&self) -> &str {
        &self.network
    }

    fn capabilities(&self) -> Capabilities {
        // A Facebook Page: long comments, Messenger, and only what Graph moderates.
        if self.network == "pagebook" {
            return Capabilities {
                reply_limit: Some(crate::replies::length::Limit::length(8_000)),
                direct_messages: true,
                moderation: crate::platform::meta::moderation_kinds(
                    crate::platform::meta::Network::Facebook,
                ),
            };
        }
        Capabilities {
            reply_limit: Some(crate::replies::length::Limit::length(
                if self.network == "forum" { 5000 } else { 280 },
            )),
            direct_messages: self.network != "forum",
            moderation: vec![
                kinds::HIDE,
                kinds::UNHIDE,
                kinds::DELETE,
                kinds::BLOCK,
                kinds::MUTE,
                kinds::REPORT,
            ],
        }
    }

    /// The Facebook-shaped network keeps Meta's messaging window (without the human-agent
    /// tag).
    fn messaging_window(
        &self,
        last_inbound: UnixTime,
        now: UnixTime,
    ) -> Option<crate::platform::window::MessagingWindow> {
        (self.network == "pagebook")
            .then(|| crate::platform::meta::window::window(last_inbound, false, now))
    }

    async fn fetch(&self, cursor: Option<&str>) -> Result<FetchPage, PlatformError> {
        self.fetch_at(cursor, crate::domain::now())
    }

    /// Accepts the reply; it appears in the thread (as the brand's post) on a fetch after
    /// a short delay. The first send of a reply containing "#fail" fails, so the retry is
    /// visible in `hark demo`. One key never posts twice.
    async fn reply(
        &self,
        target: &Target,
        text: &str,
        idempotency_key: &str,
    ) -> Result<String, PlatformError> {
        if text.contains("#fail")
            && self
                .failed_once
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(idempotency_key.to_string())
        {
            return Err(PlatformError::Transient(
                "503 the demo network hiccuped (#fail)".into(),
            ));
        }
        let mut sent = self.sent.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(done) = sent.iter().find(|r| r.key == idempotency_key) {
            return Ok(done.item.external_id.clone());
        }
        let external_id = format!("{}-brand-{}", target.external_id, sent.len() + 1);
        let item = NewItem {
            external_id: external_id.clone(),
            kind: ItemKind::Post,
            parent_external_id: Some(target.external_id.clone()),
            thread_external_id: target
                .thread_external_id
                .clone()
                .or_else(|| Some(target.external_id.clone())),
            author: NewAuthor {
                external_id: BRAND_HANDLE.to_string(),
                handle: BRAND_HANDLE.to_string(),
                display_name: BRAND.to_string(),
                followers: None,
            },
            body: text.to_string(),
            url: None,
            created_at: crate::domain::now(),
            raw_json: None,
            room: None,
        };
        sent.push(SentReply {
            key: idempotency_key.to_string(),
            item,
            ready_at: Instant::now() + REPLY_DELAY,
        });
        Ok(external_id)
    }

    async fn moderate(
        &self,
        _target: &Target,
        _action: ModerationAction,
    ) -> Result<(), PlatformError> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dataset_has_its_networks_and_over_300_items() {
        let total: usize = NETWORKS
            .iter()
            .map(|n| DemoConnector::new(n, Release::All).unwrap().len())
            .sum();
        assert!(total >= 300, "only {total} demo items");
        for network in NETWORKS {
            let demo = DemoConnector::new(network, Release::All).unwrap();
            assert!(demo.backlog > 0 && demo.backlog < demo.len(), "{network}");
        }
    }

    #[test]
    fn the_crisis_unfolds_over_fifteen_minutes_then_ordinary_items_trickle_on() {
        const T0: UnixTime = 1_000_000;
        let demo = DemoConnector::with_start("chirp", Release::Live, T0).unwrap();
        let live = demo.len() - demo.backlog;
        let mut cursor: Option<String> = None;
        let mut polls = 0;
        loop {
            let page = demo.fetch_at(cursor.as_deref(), T0).unwrap();
            cursor = page.next_cursor;
            polls += 1;
            if !page.more {
                break;
            }
        }
        let delivered = |c: &Option<String>| -> usize { c.as_deref().unwrap().parse().unwrap() };
        // The backlog in pages, then the script's first item at once.
        assert_eq!(delivered(&cursor), demo.backlog);
        assert!(polls >= 2, "the backlog should come in pages");
        let page = demo.fetch_at(cursor.as_deref(), T0).unwrap();
        assert_eq!(page.items.len(), 1);
        let cursor = page.next_cursor;

        // Halfway through, about half the script; all of it only at fifteen minutes.
        let page = demo
            .fetch_at(cursor.as_deref(), T0 + SCRIPT_SECS / 2)
            .unwrap();
        let half = delivered(&page.next_cursor) - demo.backlog;
        assert!(
            (live / 2..=live / 2 + 1).contains(&half),
            "{half} of {live}"
        );
        assert!(page.items.iter().all(|i| i.created_at > T0));
        assert!(page
            .items
            .windows(2)
            .all(|w| w[0].created_at <= w[1].created_at));
        // Re-fetching the same cursor gives the same items and times: ingest stays idempotent.
        let again = demo
            .fetch_at(cursor.as_deref(), T0 + SCRIPT_SECS / 2)
            .unwrap();
        assert_eq!(page.items, again.items);
        let cursor = page.next_cursor;
        let page = demo
            .fetch_at(cursor.as_deref(), T0 + SCRIPT_SECS * 9 / 10)
            .unwrap();
        assert!(delivered(&page.next_cursor) < demo.len());
        let page = demo.fetch_at(cursor.as_deref(), T0 + SCRIPT_SECS).unwrap();
        assert_eq!(delivered(&page.next_cursor), demo.len());

        // Then the trickle: one ordinary item every TRICKLE_SECS, new ids, never the crisis.
        let cursor = page.next_cursor;
        let page = demo
            .fetch_at(cursor.as_deref(), T0 + SCRIPT_SECS + 3 * TRICKLE_SECS)
            .unwrap();
        assert_eq!(page.items.len(), 3);
        let mut last = T0 + SCRIPT_SECS;
        for item in &page.items {
            assert!(item.external_id.contains("~again-"), "{}", item.external_id);
            assert!(item.created_at > last);
            last = item.created_at;
            let body = item.body.to_lowercase();
            assert!(!CRISIS_WORDS.iter().any(|w| body.contains(w)), "{body}");
            assert_ne!(item.kind, ItemKind::Post);
        }
        // Hours later, a poll catches up a page at a time rather than all at once.
        let page = demo.fetch_at(cursor.as_deref(), T0 + 10 * 3600).unwrap();
        assert_eq!(page.items.len(), BACKLOG_PAGE);
    }

    #[tokio::test]
    async fn a_garbled_cursor_is_a_clear_error() {
        let demo = DemoConnector::new("forum", Release::Live).unwrap();
        let err = demo.fetch(Some("banana")).await.unwrap_err();
        assert!(matches!(err, PlatformError::Malformed(_)));
    }

    fn target(id: &str) -> Target {
        Target {
            external_id: id.into(),
            parent_external_id: None,
            thread_external_id: None,
            kind: ItemKind::Mention,
            author_external_id: "@ana".into(),
            author_handle: "@ana".into(),
            raw_json: None,
        }
    }

    #[tokio::test]
    async fn a_reply_appears_in_a_later_fetch_once_and_fail_fails_only_the_first_send() {
        let demo = DemoConnector::new("chirp", Release::All).unwrap();
        let first = demo.fetch(None).await.unwrap();
        let cursor = first.next_cursor.clone();
        let err = demo
            .reply(&target("c1"), "oops #fail", "k1")
            .await
            .unwrap_err();
        assert!(matches!(err, PlatformError::Transient(_)));
        let id = demo.reply(&target("c1"), "oops #fail", "k1").await.unwrap();
        // The same key again is the same post, not a second one.
        assert_eq!(
            demo.reply(&target("c1"), "oops #fail", "k1").await.unwrap(),
            id
        );
        // Make it visible now instead of after the delay.
        demo.sent.lock().unwrap()[0].ready_at = Instant::now();
        let page = demo.fetch(cursor.as_deref()).await.unwrap();
        assert_eq!(page.items.len(), 1);
        assert_eq!(page.items[0].kind, ItemKind::Post);
        assert_eq!(page.items[0].parent_external_id.as_deref(), Some("c1"));
        let again = demo.fetch(page.next_cursor.as_deref()).await.unwrap();
        assert!(again.items.is_empty(), "delivered once");
    }

    #[test]
    fn an_unknown_network_is_refused() {
        assert!(DemoConnector::new("myspace", Release::All).is_err());
    }

    #[tokio::test]
    async fn the_facebook_shaped_network_keeps_metas_rules() {
        let demo = DemoConnector::new("pagebook", Release::All).unwrap();
        let caps = demo.capabilities();
        assert_eq!(
            caps.moderation,
            [kinds::HIDE, kinds::UNHIDE, kinds::DELETE, kinds::BLOCK]
        );
        assert!(caps.direct_messages);
        let items = demo.fetch(None).await.unwrap().items;
        let kind_of = |id: &str| items.iter().find(|i| i.external_id == id).unwrap().kind;
        assert_eq!(
            kind_of("pagebook-0007"),
            ItemKind::Mention,
            "a visitor post"
        );
        assert_eq!(kind_of("pagebook-0008"), ItemKind::Dm, "Messenger");
        assert_eq!(
            kind_of("pagebook-0004"),
            ItemKind::Post,
            "the Page's own reply"
        );
        // The menu offers what Graph allows on each item: a visitor post is only blocked.
        let visitor = crate::domain::ItemFacts::of(ItemKind::Mention);
        assert_eq!(demo.actions_for(&visitor), [kinds::BLOCK]);
        // Messenger's window: a day after the person's last message.
        let now = 1_780_000_000;
        assert!(demo
            .messaging_window(now - 3600, now)
            .unwrap()
            .refusal()
            .is_none());
        assert!(demo
            .messaging_window(now - 2 * 86_400, now)
            .unwrap()
            .refusal()
            .is_some());
    }
}
