//! Facebook ingest: a round walks the Page's feed newest first down to the look-back,
//! taking visitor posts as mentions and queueing every post whose `updated_time` (which
//! moves when someone comments) is above the comments mark; then it reads each queued
//! post's comments and replies (`filter=stream`, newest first) down to that mark; then
//! the posts the Page is tagged in. One Graph request per page of the round, each saved
//! with its items (see [`super::cursor`]).

use super::cursor::{take_down_to, Cursor, Queued, Round, Step};
use super::graph::path_id;
use super::records::{self, set_aside};
use super::MetaConnector;
use crate::platform::{FetchPage, PlatformError};

const FEED_LIMIT: u32 = 25;
const COMMENTS_LIMIT: u32 = 50;
const FEED_FIELDS: &str = "id,message,created_time,updated_time,from{id,name},permalink_url";
pub const COMMENT_FIELDS: &str =
    "id,message,created_time,from{id,name},parent{id},permalink_url,is_hidden";

/// Edges with a mark of their own.
const POSTS: &str = "posts";
const COMMENTS: &str = "comments";
const TAGGED: &str = "tagged";

impl MetaConnector {
    pub(super) async fn fetch_facebook(
        &self,
        cursor: Option<&str>,
    ) -> Result<FetchPage, PlatformError> {
        let mut cur = Cursor::parse(cursor)?;
        let mut out = FetchPage::default();
        let floor = self.lookback_floor();
        let mut round = cur.round.take().unwrap_or_else(|| Round::new(self.now()));
        loop {
            match round.step {
                Step::Objects => {
                    let ended = self.feed_page(&cur, &mut round, floor, &mut out).await?;
                    if ended {
                        round.step = Step::Comments;
                        round.after = None;
                    }
                    break;
                }
                Step::Comments => {
                    let Some(post) = round.queue.first().cloned() else {
                        round.step = Step::Tagged;
                        round.after = None;
                        continue;
                    };
                    let ended = self
                        .comments_page(&cur, &mut round, &post, floor, &mut out)
                        .await?;
                    if ended {
                        round.queue.remove(0);
                        round.after = None;
                    }
                    break;
                }
                Step::Tagged => {
                    if self.tagged_page(&cur, &mut round, floor, &mut out).await? {
                        round.step = Step::Conversations;
                        round.after = None;
                    }
                    break;
                }
                Step::Conversations => {
                    let ended = self
                        .conversations_page(&cur, &mut round, floor, &mut out)
                        .await?;
                    if ended {
                        cur.round = Some(round);
                        cur.finish();
                        out.next_cursor = Some(cur.format());
                        out.more = false;
                        return Ok(out);
                    }
                    break;
                }
            }
        }
        cur.round = Some(round);
        out.next_cursor = Some(cur.format());
        out.more = true;
        Ok(out)
    }

    /// One page of the feed; true when the walk is over.
    async fn feed_page(
        &self,
        cur: &Cursor,
        round: &mut Round,
        floor: i64,
        out: &mut FetchPage,
    ) -> Result<bool, PlatformError> {
        let page_id = path_id(&self.id)?;
        let query = [
            ("fields", FEED_FIELDS.to_string()),
            ("limit", FEED_LIMIT.to_string()),
        ];
        let page = self
            .graph
            .page(
                "page feed",
                &format!("{page_id}/feed"),
                &query,
                round.after.as_deref(),
            )
            .await?;
        let posts_floor = cur.floor(POSTS, floor);
        let comments_floor = cur.floor(COMMENTS, floor);
        let mut past = false;
        for record in &page.data {
            let item = match records::facebook_post(record, &self.id) {
                Ok(item) => item,
                Err(reason) => {
                    out.unreadable
                        .push(set_aside("facebook post", record, reason));
                    continue;
                }
            };
            // The feed is newest first: a post older than the look-back ends the walk.
            if item.created_at < floor {
                past = true;
                break;
            }
            let updated = records::time(record, "updated_time").unwrap_or(item.created_at);
            if updated >= comments_floor {
                round.queue.push(Queued {
                    id: item.external_id.clone(),
                    count: None,
                });
            }
            round.saw(POSTS, item.created_at);
            // Visitor posts are mentions; the Page's own posts are read as context when
            // the CM opens a comment on one.
            if item.created_at >= posts_floor && item.kind == crate::domain::ItemKind::Mention {
                out.items.push(item);
            }
        }
        round.after = page.after.clone();
        Ok(past || page.after.is_none())
    }

    /// One page of a post's comments and replies; true when that post is done.
    async fn comments_page(
        &self,
        cur: &Cursor,
        round: &mut Round,
        post: &Queued,
        floor: i64,
        out: &mut FetchPage,
    ) -> Result<bool, PlatformError> {
        let post_id = path_id(&post.id)?;
        let query = [
            ("fields", COMMENT_FIELDS.to_string()),
            ("filter", "stream".to_string()),
            ("order", "reverse_chronological".to_string()),
            ("limit", COMMENTS_LIMIT.to_string()),
        ];
        let page = match self
            .graph
            .page(
                "post comments",
                &format!("{post_id}/comments"),
                &query,
                round.after.as_deref(),
            )
            .await
        {
            Ok(page) => page,
            // A post deleted between the feed and its comments has none left to read.
            Err(PlatformError::NotFound(why)) => {
                tracing::debug!(post = post_id, why, "facebook: post gone");
                return Ok(true);
            }
            Err(e) => return Err(e),
        };
        let page_id = &self.id;
        Ok(take_down_to(
            &page,
            "facebook comment",
            COMMENTS,
            cur.floor(COMMENTS, floor),
            round,
            out,
            |record| records::facebook_comment(record, &post.id, page_id),
        ))
    }

    /// One page of the posts the Page is tagged in; true when the walk is over.
    async fn tagged_page(
        &self,
        cur: &Cursor,
        round: &mut Round,
        floor: i64,
        out: &mut FetchPage,
    ) -> Result<bool, PlatformError> {
        let page_id = path_id(&self.id)?;
        let query = [
            ("fields", FEED_FIELDS.to_string()),
            ("limit", FEED_LIMIT.to_string()),
        ];
        let page = self
            .graph
            .page(
                "tagged posts",
                &format!("{page_id}/tagged"),
                &query,
                round.after.as_deref(),
            )
            .await?;
        let page_id = &self.id;
        // A post the Page is tagged in is a mention of it.
        Ok(take_down_to(
            &page,
            "facebook tagged post",
            TAGGED,
            cur.floor(TAGGED, floor),
            round,
            out,
            |record| {
                records::facebook_post(record, page_id).map(|item| crate::domain::NewItem {
                    kind: crate::domain::ItemKind::Mention,
                    ..item
                })
            },
        ))
    }
}
