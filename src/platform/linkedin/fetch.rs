//! A round: first the mentions of the organization in one window of its notifications
//! ([`super::mentions`]), then the comments on its most recent posts
//! (`GET /rest/posts?q=author`), the comments on each (`GET /rest/socialActions/{post}/comments`,
//! paged by `start` and `count`), and the replies under each comment that has some
//! (`GET /rest/socialActions/{comment}/comments`).
//!
//! LinkedIn offers no "since" for comments, so a round reads the comments of the
//! organization's latest posts again and the store keeps each once. The notifications say
//! when a comment arrives (action `COMMENT`), but hark does not use them to skip posts:
//! LinkedIn sends those only for PUBLIC posts, keeps them 60 days, and a scope the
//! organization may not have granted would then cost it its comments too. The cursor
//! ([`super::cursor`]) says where a stop resumes.

use std::sync::Mutex;

use serde_json::Value;

use super::client::{encode, Call};
use super::cursor::{Cursor, Phase};
use super::{convert, mentions, LinkedInConnector};
use crate::platform::{FetchPage, PlatformError};

/// Comments asked per page (LinkedIn's Comments API serves up to 100).
pub const PAGE: u32 = 100;
/// Pages of replies read under one comment.
const REPLY_PAGES: usize = 5;

/// The posts of the current round, newest first.
#[derive(Debug, Default)]
pub struct Round(Mutex<Vec<String>>);

/// True when a page of a Rest.li collection (asked `count` at `start`) has more after it:
/// by its `total`, else by a `next` link, else by being full.
pub fn has_more(answer: &Value, start: u64, count: u32) -> bool {
    let paging = &answer["paging"];
    let got = answer["elements"].as_array().map_or(0, Vec::len) as u64;
    let links = paging["links"].as_array();
    let next_link = links.into_iter().flatten().any(|l| l["rel"] == "next");
    match paging["total"].as_u64() {
        Some(total) => got > 0 && start + got < total,
        None if links.is_some() => next_link,
        None => got > 0 && got >= count as u64,
    }
}

impl LinkedInConnector {
    pub(super) async fn fetch_page(
        &self,
        cursor: Option<&str>,
    ) -> Result<FetchPage, PlatformError> {
        self.seen.resumed(cursor);
        let cur = Cursor::parse(cursor);
        let page = match cur.phase {
            Phase::Start => {
                let now_ms = crate::domain::now() * 1000;
                let lookback_ms = self.settings.lookback.as_millis() as i64;
                let (from, to) = Cursor::window(cur.mark, now_ms, lookback_ms);
                self.mentions_phase(cur, from, to, 0).await?
            }
            Phase::Mentions { from, to, start } => {
                self.mentions_phase(cur, from, to, start).await?
            }
            Phase::Comments { post, start } => self.comments_phase(cur, post, start).await?,
        };
        Ok(page)
    }

    /// One page of the window's notifications and the mentions they name; the window done,
    /// the round goes on to the comments with the newest notification time as its mark.
    async fn mentions_phase(
        &self,
        cur: Cursor,
        from: i64,
        to: i64,
        start: u64,
    ) -> Result<FetchPage, PlatformError> {
        let comments = Phase::Comments { post: 0, start: 0 };
        let mut page = FetchPage {
            more: true,
            ..FetchPage::default()
        };
        let got = match self.mention_page(from, to, start).await {
            Ok(got) => got,
            // Without the notifications' scope the comments still come in.
            Err(e) if mentions::refused(&e) => {
                page.next_cursor = Some(cur.with(comments).text());
                return Ok(page);
            }
            Err(e) => return Err(e),
        };
        let mark = match (cur.mark, got.newest) {
            (Some(m), Some(n)) => Some(m.max(n)),
            (m, n) => m.or(n),
        };
        let next = if got.more {
            Cursor {
                mark,
                phase: Phase::Mentions {
                    from,
                    to,
                    start: start + got.got,
                },
            }
        } else {
            Cursor {
                mark,
                phase: comments,
            }
        };
        let text = next.text();
        let read = got.items.iter().map(|i| i.external_id.clone());
        self.seen
            .handed_out(text.clone(), read.chain(got.gone).collect());
        for item in got.items {
            self.keep(item, &mut page);
        }
        page.unreadable = got.unreadable;
        page.next_cursor = Some(text);
        Ok(page)
    }

    async fn comments_phase(
        &self,
        cur: Cursor,
        post_at: usize,
        start: u64,
    ) -> Result<FetchPage, PlatformError> {
        let known = self.round.0.lock().expect("round lock").len();
        let (post_at, start) = if (post_at, start) == (0, 0) || post_at >= known {
            let posts = self.recent_posts().await?;
            let resumable = post_at < posts.len();
            *self.round.0.lock().expect("round lock") = posts;
            // A stale place (the list moved on) starts the posts again.
            if resumable {
                (post_at, start)
            } else {
                (0, 0)
            }
        } else {
            (post_at, start)
        };
        let posts = self.round.0.lock().expect("round lock").clone();
        let mut page = FetchPage::default();
        let Some(post) = posts.get(post_at) else {
            page.next_cursor = Some(cur.with(Phase::Start).text());
            return Ok(page);
        };
        let answer = self.comments(post, start).await?;
        for comment in answer["elements"].as_array().into_iter().flatten() {
            match convert::item(comment, post, &self.settings.organization) {
                Ok(item) => self.keep(item, &mut page),
                Err(u) => page.unreadable.push(u),
            }
            if convert::reply_count(comment) > 0 {
                if let Some(urn) = comment["commentUrn"].as_str() {
                    self.add_replies(urn, post, &mut page).await?;
                }
            }
        }
        let got = answer["elements"].as_array().map_or(0, Vec::len) as u64;
        let next = if has_more(&answer, start, PAGE) {
            Some(Phase::Comments {
                post: post_at,
                start: start + got,
            })
        } else if post_at + 1 < posts.len() {
            Some(Phase::Comments {
                post: post_at + 1,
                start: 0,
            })
        } else {
            None
        };
        page.more = next.is_some();
        page.next_cursor = Some(cur.with(next.unwrap_or(Phase::Start)).text());
        Ok(page)
    }

    /// An item within the look-back joins the page; an older one is only counted.
    fn keep(&self, item: crate::domain::NewItem, page: &mut FetchPage) {
        let floor = crate::domain::now() - self.settings.lookback.as_secs() as i64;
        if item.created_at < floor {
            page.beyond_lookback.push(item.external_id);
        } else {
            page.items.push(item);
        }
    }

    /// The organization's latest posts' URNs.
    async fn recent_posts(&self) -> Result<Vec<String>, PlatformError> {
        let call = Call::get("/rest/posts".into())
            .param("author", self.settings.organization.clone())
            .param("q", "author")
            .param("count", self.settings.posts.to_string());
        let answer = self.call("the organization's posts", &call).await?;
        Ok(answer["elements"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| p["id"].as_str().map(str::to_string))
            .collect())
    }

    /// One page of the comments on `object` (a post or a comment URN).
    pub(super) async fn comments(&self, object: &str, start: u64) -> Result<Value, PlatformError> {
        let call = Call::get(format!("/rest/socialActions/{}/comments", encode(object)))
            .param("start", start.to_string())
            .param("count", PAGE.to_string());
        let answer = self.call("comments", &call).await?;
        if !answer.is_object() {
            return Err(PlatformError::Malformed("comments: not an object".into()));
        }
        Ok(answer)
    }

    async fn add_replies(
        &self,
        comment: &str,
        post: &str,
        page: &mut FetchPage,
    ) -> Result<(), PlatformError> {
        let mut start = 0;
        for _ in 0..REPLY_PAGES {
            let answer = self.comments(comment, start).await?;
            for reply in answer["elements"].as_array().into_iter().flatten() {
                match convert::item(reply, post, &self.settings.organization) {
                    Ok(mut item) => {
                        // LinkedIn nests one level: a reply's parent is the comment.
                        if reply["parentComment"].is_null() {
                            item.parent_external_id = Some(comment.to_string());
                        }
                        self.keep(item, page)
                    }
                    Err(u) => page.unreadable.push(u),
                }
            }
            if !has_more(&answer, start, PAGE) {
                break;
            }
            start += answer["elements"].as_array().map_or(0, Vec::len) as u64;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paging_by_total_by_link_or_by_a_full_page() {
        let page =
            serde_json::json!({"elements": [1, 2], "paging": {"start": 0, "count": 2, "total": 3}});
        assert!(has_more(&page, 0, 2));
        assert!(!has_more(&page, 1, 2));
        let last =
            serde_json::json!({"elements": [], "paging": {"start": 4, "count": 2, "total": 3}});
        assert!(!has_more(&last, 4, 2));
        let linked = serde_json::json!({"elements": [1], "paging": {"links": [{"rel": "next"}]}});
        assert!(has_more(&linked, 0, 2));
        let bare = serde_json::json!({"elements": [1, 2], "paging": {"start": 0}});
        assert!(has_more(&bare, 0, 2));
        assert!(!has_more(&bare, 0, 3));
    }
}
