//! Replies out: `POST /2/tweets` with `reply.in_reply_to_tweet_id`. X takes no
//! idempotency key, so before any resend the outbox reads the brand's own recent posts
//! back (`GET /2/users/:id/tweets` since the post replied to) for this reply.

use reqwest::Method;
use serde_json::json;

use super::client::Call;
use super::XConnector;
use crate::platform::{PlatformError, Target};

impl XConnector {
    pub(super) async fn post_reply(
        &self,
        target: &Target,
        text: &str,
    ) -> Result<String, PlatformError> {
        let call = Call::get("post", "/2/tweets".into()).with(
            Method::POST,
            Some(json!({"text": text, "reply": {"in_reply_to_tweet_id": target.external_id}})),
        );
        let answer = self.call("reply", &call).await?;
        answer["data"]["id"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| PlatformError::Malformed("reply: the answer names no post id".into()))
    }

    pub(super) async fn read_back(
        &self,
        target: &Target,
        text: &str,
    ) -> Result<Option<String>, PlatformError> {
        let me = self.me().await?;
        let call = Call::get("own posts", format!("/2/users/{}/tweets", me.id))
            .param("since_id", target.external_id.clone())
            .param("max_results", "100")
            .param("exclude", "retweets")
            .param("tweet.fields", "referenced_tweets,created_at");
        let answer = self.call("read back replies", &call).await?;
        let wanted = comparable(text);
        Ok(answer["data"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|post| {
                super::convert::replied_to(post).as_deref() == Some(target.external_id.as_str())
                    && post["text"].as_str().map(comparable).as_deref() == Some(wanted.as_str())
            })
            .and_then(|post| post["id"].as_str().map(str::to_string)))
    }
}

/// The text as X keeps it, for comparing: links become t.co addresses and X unescapes
/// `&amp;` differently, so links are dropped, entities decoded and spaces collapsed.
fn comparable(text: &str) -> String {
    let decoded = text
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">");
    decoded
        .split_whitespace()
        .filter(|w| !w.starts_with("http://") && !w.starts_with("https://"))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::comparable;

    #[test]
    fn a_read_back_text_matches_across_link_shortening_and_escaping() {
        assert_eq!(
            comparable("Tea & cake  https://t.co/abc123"),
            comparable("Tea &amp; cake https://example.com/a/long/menu")
        );
        assert_ne!(comparable("Thanks!"), comparable("Thanks"));
    }
}
