//! Comments in: the organization's most recent posts (`GET /rest/posts?q=author`), then
//! the comments on each (`GET /rest/socialActions/{post}/comments`, paged by `start` and
//! `count`), and the replies under each comment that has some
//! (`GET /rest/socialActions/{comment}/comments`).
//!
//! LinkedIn offers no "since" for comments, so a round reads the comments of the
//! organization's latest posts again and the store keeps each once. The cursor is
//! `post~start`: the post of the round (its place in the list) and the next comment
//! offset, so a stop mid-round resumes at the page it reached.

use std::sync::Mutex;

use serde_json::Value;

use super::client::{encode, Call};
use super::{convert, LinkedInConnector};
use crate::platform::{FetchPage, PlatformError};

/// Comments asked per page (LinkedIn's Comments API serves up to 100).
pub const PAGE: u32 = 100;
/// Pages of replies read under one comment.
const REPLY_PAGES: usize = 5;

/// The posts of the current round, newest first.
#[derive(Debug, Default)]
pub struct Round(Mutex<Vec<String>>);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Cursor {
    post: usize,
    start: u64,
}

impl Cursor {
    fn parse(text: Option<&str>) -> Cursor {
        let parse = |t: &str| {
            let (post, start) = t.split_once('~')?;
            Some(Cursor {
                post: post.parse().ok()?,
                start: start.parse().ok()?,
            })
        };
        text.and_then(parse).unwrap_or_default()
    }

    fn text(self) -> String {
        format!("{}~{}", self.post, self.start)
    }
}

/// True when a page of a Rest.li collection has more after it.
fn has_more(answer: &Value, start: u64) -> bool {
    let paging = &answer["paging"];
    let got = answer["elements"].as_array().map_or(0, Vec::len) as u64;
    let next_link = paging["links"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|l| l["rel"] == "next");
    match paging["total"].as_u64() {
        Some(total) => got > 0 && start + got < total,
        None => next_link,
    }
}

impl LinkedInConnector {
    pub(super) async fn fetch_page(
        &self,
        cursor: Option<&str>,
    ) -> Result<FetchPage, PlatformError> {
        let mut cur = Cursor::parse(cursor);
        let known = self.round.0.lock().expect("round lock").len();
        if cur == Cursor::default() || cur.post >= known {
            if cur.post >= known && cur != Cursor::default() && known > 0 {
                cur = Cursor::default();
            }
            let posts = self.recent_posts().await?;
            *self.round.0.lock().expect("round lock") = posts;
        }
        let posts = self.round.0.lock().expect("round lock").clone();
        let mut page = FetchPage::default();
        let Some(post) = posts.get(cur.post) else {
            page.next_cursor = Some(Cursor::default().text());
            return Ok(page);
        };
        let answer = self.comments(post, cur.start).await?;
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
        let next = if has_more(&answer, cur.start) {
            Some(Cursor {
                post: cur.post,
                start: cur.start + got,
            })
        } else if cur.post + 1 < posts.len() {
            Some(Cursor {
                post: cur.post + 1,
                start: 0,
            })
        } else {
            None
        };
        page.more = next.is_some();
        page.next_cursor = Some(next.unwrap_or_default().text());
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
            if !has_more(&answer, start) {
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
    fn cursors_and_paging() {
        assert_eq!(Cursor::parse(None), Cursor::default());
        assert_eq!(Cursor::parse(Some("2~40")), Cursor { post: 2, start: 40 });
        assert_eq!(Cursor::parse(Some("junk")), Cursor::default());
        let page =
            serde_json::json!({"elements": [1, 2], "paging": {"start": 0, "count": 2, "total": 3}});
        assert!(has_more(&page, 0));
        assert!(!has_more(&page, 1));
        let last =
            serde_json::json!({"elements": [], "paging": {"start": 4, "count": 2, "total": 3}});
        assert!(!has_more(&last, 4));
    }
}
