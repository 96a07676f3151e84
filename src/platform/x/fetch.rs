//! Mentions in: `GET /2/users/:id/mentions` with `since_id`, paged by `pagination_token`,
//! with authors and referenced posts expanded in the same request.
//!
//! The cursor is `since` while caught up, and `since~token~top` while a round pages back
//! through what arrived after `since` (X lists newest first): a stop mid-round resumes at
//! the page it reached, and `since` moves to `top` (the round's newest) only once the
//! round is through, so nothing between is skipped.

use serde_json::Value;

use super::client::Call;
use super::convert;
use super::XConnector;
use crate::platform::{FetchPage, PlatformError};

/// What each mentions request asks X to include.
pub const EXPANSIONS: &str =
    "author_id,referenced_tweets.id,referenced_tweets.id.author_id,in_reply_to_user_id";
pub const TWEET_FIELDS: &str =
    "created_at,author_id,conversation_id,in_reply_to_user_id,referenced_tweets,entities";
pub const USER_FIELDS: &str = "username,name,public_metrics";

#[derive(Debug, Default, PartialEq, Eq)]
struct Cursor {
    since: Option<String>,
    token: Option<String>,
    top: Option<String>,
    /// The newest id the last complete conversation search saw.
    watermark: u64,
}

impl Cursor {
    fn parse(text: Option<&str>) -> Cursor {
        let Some(text) = text.filter(|t| !t.is_empty()) else {
            return Cursor::default();
        };
        if let Some((mentions, watermark)) = text.split_once('|') {
            return Cursor {
                watermark: watermark.parse().unwrap_or(0),
                ..Cursor::parse(Some(mentions))
            };
        }
        let part = |s: &str| (!s.is_empty()).then(|| s.to_string());
        let mut parts = text.split('~');
        let since = parts.next().and_then(part);
        match (parts.next(), parts.next()) {
            (Some(token), Some(top)) => Cursor {
                since,
                token: part(token),
                top: part(top),
                watermark: 0,
            },
            _ => Cursor {
                since,
                ..Cursor::default()
            },
        }
    }

    fn paging(since: &Option<String>, token: &str, top: &str) -> String {
        format!("{}~{token}~{top}", since.as_deref().unwrap_or(""))
    }

    /// `mentions` with the conversation search's watermark, when there is one.
    fn with_watermark(mentions: Option<String>, watermark: u64) -> Option<String> {
        match (mentions, watermark) {
            (m, 0) => m,
            (m, w) => Some(format!("{}|{w}", m.unwrap_or_default())),
        }
    }
}

impl XConnector {
    pub(super) async fn fetch_page(
        &self,
        cursor: Option<&str>,
    ) -> Result<FetchPage, PlatformError> {
        let cur = Cursor::parse(cursor);
        let me = self.me().await?;
        let answer = match self.mentions(&me.id, &cur, cur.token.as_deref()).await {
            // A pagination token X no longer knows: read the round again from `since`;
            // the store drops what it already has.
            Err(PlatformError::Permanent(e)) if cur.token.is_some() => {
                tracing::info!(error = %e, "x: pagination token refused, re-reading the round");
                self.mentions(&me.id, &cur, None).await?
            }
            other => other?,
        };
        let users = convert::users(&answer);
        let mut page = FetchPage::default();
        for post in answer["data"].as_array().into_iter().flatten() {
            match convert::item(post, &users, &me.id) {
                Ok(item) => page.items.push(item),
                Err(unreadable) => page.unreadable.push(unreadable),
            }
        }
        let meta = &answer["meta"];
        let top = cur
            .top
            .clone()
            .or_else(|| meta["newest_id"].as_str().map(str::to_string));
        let first_run = cur.since.is_none() && cur.token.is_none();
        match (meta["next_token"].as_str(), top) {
            // A first run takes the newest page only: older mentions are history, and
            // every read counts against the app's monthly cap.
            (Some(next), Some(top)) if !first_run => {
                page.next_cursor = Some(Cursor::paging(&cur.since, next, &top));
                page.more = true;
            }
            (_, Some(top)) => page.next_cursor = Some(top),
            (_, None) => page.next_cursor = cur.since.clone(),
        }
        let mut watermark = cur.watermark;
        if !page.more {
            watermark = self
                .add_conversation_replies(&me.id, &mut page, watermark)
                .await;
            self.add_direct_messages(&me.id, &mut page).await;
            self.refresh_usage().await;
        }
        page.next_cursor = Cursor::with_watermark(page.next_cursor, watermark);
        Ok(page)
    }

    /// Ends a round with the replies deeper in the brand's conversations; a post also seen
    /// as a mention this round is kept once. A refusal or failure is said (once, for a tier
    /// answer) and the round's mentions are stored all the same.
    async fn add_conversation_replies(
        &self,
        me: &str,
        page: &mut FetchPage,
        watermark: u64,
    ) -> u64 {
        match self.conversation_replies(me, watermark).await {
            Ok(found) => {
                self.search_tier.recovered();
                for item in found.items {
                    if !page.items.iter().any(|i| i.external_id == item.external_id) {
                        page.items.push(item);
                    }
                }
                page.unreadable.extend(found.unreadable);
                found.watermark
            }
            Err(PlatformError::Permanent(text)) if text.contains(super::errors::TIER_HELP) => {
                let notice = "X: replies deeper in the brand's conversations need search, which this app's access tier lacks (Basic or above); mentions still arrive".to_string();
                if self.search_tier.failed(|| notice.clone()) {
                    tracing::warn!("{notice}");
                }
                watermark
            }
            Err(e) => {
                tracing::info!(error = %e, "x: conversation replies not read this round");
                watermark
            }
        }
    }

    /// Ends a round with the newest DMs; a refusal or failure of the DM endpoints is said
    /// (once, for a tier answer) and the round's mentions are stored all the same.
    async fn add_direct_messages(&self, me: &str, page: &mut FetchPage) {
        match self.direct_messages(me).await {
            Ok((items, unreadable)) => {
                self.dm_tier.recovered();
                page.items.extend(items);
                page.unreadable.extend(unreadable);
            }
            Err(PlatformError::Permanent(text)) if text.contains(super::errors::TIER_HELP) => {
                let notice = "X: direct messages are not included in this app's access tier; mentions and replies still work".to_string();
                if self.dm_tier.failed(|| notice.clone()) {
                    tracing::warn!("{notice}");
                }
            }
            Err(e) => tracing::info!(error = %e, "x: direct messages not read this round"),
        }
    }

    async fn mentions(
        &self,
        me: &str,
        cur: &Cursor,
        token: Option<&str>,
    ) -> Result<Value, PlatformError> {
        let mut call = Call::get("mentions", format!("/2/users/{me}/mentions"))
            .param("max_results", "100")
            .param("expansions", EXPANSIONS)
            .param("tweet.fields", TWEET_FIELDS)
            .param("user.fields", USER_FIELDS);
        if let Some(since) = &cur.since {
            call = call.param("since_id", since.clone());
        }
        if let Some(token) = token {
            call = call.param("pagination_token", token);
        }
        let answer = self.call("mentions", &call).await?;
        if !answer.is_object() {
            return Err(PlatformError::Malformed("mentions: not an object".into()));
        }
        Ok(answer)
    }
}

impl XConnector {
    /// The post replied to (from the same request's expansions), the post as it is now,
    /// then the replies below it (recent search, where the tier allows): the detail pane's
    /// context.
    pub(super) async fn context(
        &self,
        id: &str,
    ) -> Result<Vec<crate::domain::NewItem>, PlatformError> {
        let me = self.me().await?;
        let call = Call::get("post lookup", format!("/2/tweets/{id}"))
            .param("expansions", EXPANSIONS)
            .param("tweet.fields", TWEET_FIELDS)
            .param("user.fields", USER_FIELDS);
        let answer = self.call("thread", &call).await?;
        let users = convert::users(&answer);
        let post = &answer["data"];
        let mut out = Vec::new();
        if let Some(parent_id) = convert::replied_to(post) {
            let parent = answer["includes"]["tweets"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|t| t["id"].as_str() == Some(parent_id.as_str()));
            if let Some(Ok(item)) = parent.map(|p| convert::item(p, &users, &me.id)) {
                out.push(item);
            }
        }
        let item = convert::item(post, &users, &me.id)
            .map_err(|u| PlatformError::Malformed(format!("thread: {}", u.reason)))?;
        out.push(item);
        // Replies below are a bonus: without search the pane still shows the rest.
        match self.replies_below(post, &me.id).await {
            Ok(replies) => out.extend(replies),
            Err(e) => tracing::info!(error = %e, "x: replies below a post not read"),
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::Cursor;

    #[test]
    fn cursors_round_trip_while_caught_up_and_while_paging() {
        assert_eq!(Cursor::parse(None), Cursor::default());
        assert_eq!(Cursor::parse(Some("17")).since.as_deref(), Some("17"));
        let paging = Cursor::parse(Some(&Cursor::paging(&Some("17".into()), "tok", "42")));
        assert_eq!(
            (
                paging.since.as_deref(),
                paging.token.as_deref(),
                paging.top.as_deref()
            ),
            (Some("17"), Some("tok"), Some("42"))
        );
        let first = Cursor::parse(Some(&Cursor::paging(&None, "tok", "42")));
        assert_eq!(first.since, None);
        let marked = Cursor::with_watermark(Some(Cursor::paging(&None, "tok", "42")), 99);
        let marked = Cursor::parse(marked.as_deref());
        assert_eq!(
            (marked.token.as_deref(), marked.watermark),
            (Some("tok"), 99)
        );
        let marked = Cursor::parse(Cursor::with_watermark(Some("17".into()), 99).as_deref());
        assert_eq!(
            (marked.since.as_deref(), marked.watermark),
            (Some("17"), 99)
        );
        assert_eq!(Cursor::with_watermark(None, 0), None);
    }
}
