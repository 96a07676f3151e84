//! Instagram ingest: a round lists the account's media newest first down to the
//! look-back and queues each one whose `comments_count` differs from the count saved when
//! its comments were last read (media have no `updated_time`, and the order of a media's
//! comments is not documented, so a changed media is read whole); then it reads each
//! queued media's comments with their replies. Counts are saved per media once its
//! comments are read, in the cursor, and forgotten when the media leaves the look-back.

use serde_json::Value;

use super::cursor::{take_down_to, Cursor, Queued, Round, Step};
use super::graph::path_id;
use super::records::{self, set_aside};
use super::MetaConnector;
use crate::platform::{FetchPage, PlatformError};

const MEDIA_LIMIT: u32 = 25;
const COMMENTS_LIMIT: u32 = 50;
const TAGGED: &str = "tagged";
const MEDIA_FIELDS: &str = "id,caption,timestamp,comments_count,permalink,username";
pub const COMMENT_FIELDS: &str = "id,text,timestamp,username,from{id,username},hidden,parent_id,\
replies.limit(50){id,text,timestamp,username,from{id,username},hidden,parent_id}";

impl MetaConnector {
    pub(super) async fn fetch_instagram(
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
                    if self.media_page(&cur, &mut round, floor, &mut out).await? {
                        round.step = Step::Comments;
                        round.after = None;
                    }
                    break;
                }
                Step::Comments => {
                    let Some(media) = round.queue.first().cloned() else {
                        round.step = Step::Tagged;
                        round.after = None;
                        continue;
                    };
                    if self.ig_comments_page(&mut round, &media, &mut out).await? {
                        if let Some(count) = media.count {
                            cur.counts.insert(media.id.clone(), count);
                        }
                        round.queue.remove(0);
                        round.after = None;
                    }
                    break;
                }
                Step::Conversations => {
                    if self
                        .conversations_page(&cur, &mut round, floor, &mut out)
                        .await?
                    {
                        let listed: std::collections::HashSet<String> =
                            round.listed.drain(..).collect();
                        cur.counts.retain(|id, _| listed.contains(id));
                        cur.round = Some(round);
                        cur.finish();
                        out.next_cursor = Some(cur.format());
                        out.more = false;
                        return Ok(out);
                    }
                    break;
                }
                Step::Tagged => {
                    if self.tags_page(&cur, &mut round, floor, &mut out).await? {
                        round.step = Step::Conversations;
                        round.after = None;
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

    /// One page of the account's media; true when the listing is over.
    async fn media_page(
        &self,
        cur: &Cursor,
        round: &mut Round,
        floor: i64,
        out: &mut FetchPage,
    ) -> Result<bool, PlatformError> {
        let user = path_id(&self.id)?;
        let query = [
            ("fields", MEDIA_FIELDS.to_string()),
            ("limit", MEDIA_LIMIT.to_string()),
        ];
        let page = self
            .graph
            .page(
                "media",
                &format!("{user}/media"),
                &query,
                round.after.as_deref(),
            )
            .await?;
        let mut past = false;
        for record in &page.data {
            let (Some(id), Some(at)) = (
                records::text(record, "id"),
                records::time(record, "timestamp"),
            ) else {
                out.unreadable.push(set_aside(
                    "instagram media",
                    record,
                    "no `id` or `timestamp`",
                ));
                continue;
            };
            if at < floor {
                past = true;
                break;
            }
            let count = record.get("comments_count").and_then(Value::as_u64);
            round.listed.push(id.to_string());
            // A media whose count is unknown is read every round.
            if count.is_none() || cur.counts.get(id) != count.as_ref() {
                round.queue.push(Queued {
                    id: id.to_string(),
                    count,
                });
            }
        }
        round.after = page.after.clone();
        Ok(past || page.after.is_none())
    }

    /// One page of the media the account is tagged in (`/{ig-user-id}/tags`), newest
    /// first, down to the tagged mark; true when the walk is over.
    async fn tags_page(
        &self,
        cur: &Cursor,
        round: &mut Round,
        floor: i64,
        out: &mut FetchPage,
    ) -> Result<bool, PlatformError> {
        let user = path_id(&self.id)?;
        let query = [
            (
                "fields",
                "id,caption,timestamp,username,permalink".to_string(),
            ),
            ("limit", MEDIA_LIMIT.to_string()),
        ];
        let page = self
            .graph
            .page(
                "tagged media",
                &format!("{user}/tags"),
                &query,
                round.after.as_deref(),
            )
            .await?;
        Ok(take_down_to(
            &page,
            "instagram tagged media",
            TAGGED,
            cur.floor(TAGGED, floor),
            round,
            out,
            records::instagram_tagged,
        ))
    }

    /// One page of a media's comments, with their replies; true when the media is done.
    async fn ig_comments_page(
        &self,
        round: &mut Round,
        media: &Queued,
        out: &mut FetchPage,
    ) -> Result<bool, PlatformError> {
        let media_id = path_id(&media.id)?;
        let query = [
            ("fields", COMMENT_FIELDS.to_string()),
            ("limit", COMMENTS_LIMIT.to_string()),
        ];
        let page = match self
            .graph
            .page(
                "media comments",
                &format!("{media_id}/comments"),
                &query,
                round.after.as_deref(),
            )
            .await
        {
            Ok(page) => page,
            Err(PlatformError::NotFound(why)) => {
                tracing::debug!(media = media_id, why, "instagram: media gone");
                return Ok(true);
            }
            Err(e) => return Err(e),
        };
        for record in &page.data {
            self.comment(record, &media.id, None, out);
            let replies = record
                .pointer("/replies/data")
                .and_then(Value::as_array)
                .into_iter()
                .flatten();
            let parent = records::text(record, "id");
            for reply in replies {
                self.comment(reply, &media.id, parent, out);
            }
        }
        round.after = page.after.clone();
        Ok(page.after.is_none())
    }

    fn comment(&self, record: &Value, media: &str, parent: Option<&str>, out: &mut FetchPage) {
        let mut kept = record.clone();
        // The stored record is the comment alone; its replies are items of their own.
        if let Some(o) = kept.as_object_mut() {
            o.remove("replies");
        }
        match records::instagram_comment(&kept, media, parent, &self.id, &self.handle) {
            Ok(item) => out.items.push(item),
            Err(reason) => out
                .unreadable
                .push(set_aside("instagram comment", &kept, reason)),
        }
    }
}
