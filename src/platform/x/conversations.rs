//! Replies deeper in the brand's conversations, which do not carry its @handle and so never
//! reach the mentions timeline: recent search (`GET /2/tweets/search/recent`) with
//! `conversation_id:` for the conversations the brand started or joined in the last week.
//!
//! The brand's conversations come from its own recent posts (`GET /2/users/:id/tweets`,
//! read with `since_id` after the first time). Each conversation is searched from the
//! brand's post in it, or from the watermark the cursor carries (the newest id the last
//! complete search saw), whichever is later, so a restart does not read the week again.
//! Search needs the Basic tier: a tier answer is said once and never holds back mentions.

use std::collections::BTreeMap;
use std::sync::Mutex;

use serde_json::Value;

use super::client::Call;
use super::{convert, fetch, XConnector};
use crate::domain::{NewItem, Unreadable};
use crate::platform::PlatformError;

/// Recent search covers seven days: older conversations have nothing it could find.
const WINDOW_SECS: i64 = 7 * 24 * 3600;
/// The conversations followed at most (the most recent the brand took part in).
const MAX_CONVERSATIONS: usize = 24;
/// Basic tier's query length limit.
const MAX_QUERY: usize = 512;
/// Pages of one search read in one round (100 posts each).
const MAX_PAGES: usize = 5;

/// The brand's conversations as last read, kept between rounds.
#[derive(Debug, Default)]
pub struct Conversations(Mutex<Known>);

#[derive(Debug, Default)]
struct Known {
    /// conversation id → (the id searches in it start after, the brand's latest post in it).
    followed: BTreeMap<u64, (u64, u64)>,
    /// The newest of the brand's own posts read so far.
    own_since: Option<String>,
}

impl Conversations {
    fn note_own_post(&self, conversation: u64, post: u64, floor: u64) {
        let mut known = self.0.lock().expect("conversations lock");
        let entry = known
            .followed
            .entry(conversation)
            .or_insert((post.max(floor), post));
        entry.1 = entry.1.max(post);
        if known.followed.len() > MAX_CONVERSATIONS {
            // Drop the conversation the brand touched least recently.
            let oldest = known
                .followed
                .iter()
                .min_by_key(|(_, (_, last))| *last)
                .map(|(c, _)| *c);
            if let Some(c) = oldest {
                known.followed.remove(&c);
            }
        }
    }

    /// Groups of (conversation ids, since id) whose query fits X's length limit.
    fn groups(&self, me: &str) -> Vec<(Vec<u64>, u64)> {
        let known = self.0.lock().expect("conversations lock");
        let mut groups: Vec<(Vec<u64>, u64)> = Vec::new();
        for (&conversation, &(since, _)) in &known.followed {
            match groups.last_mut() {
                Some((ids, group_since))
                    if query(&[ids.as_slice(), &[conversation]].concat(), me).len()
                        <= MAX_QUERY =>
                {
                    ids.push(conversation);
                    *group_since = (*group_since).min(since);
                }
                _ => groups.push((vec![conversation], since)),
            }
        }
        groups
    }

    fn searched(&self, ids: &[u64], newest: u64) {
        let mut known = self.0.lock().expect("conversations lock");
        for id in ids {
            if let Some(entry) = known.followed.get_mut(id) {
                entry.0 = entry.0.max(newest);
            }
        }
    }
}

/// The search query for `ids`, leaving out the brand's own posts.
fn query(ids: &[u64], me: &str) -> String {
    let any: Vec<String> = ids
        .iter()
        .map(|id| format!("conversation_id:{id}"))
        .collect();
    format!("({}) -from:{me}", any.join(" OR "))
}

fn id_of(v: &Value) -> Option<u64> {
    v.as_str()?.parse().ok()
}

/// What a round's search found: items, records it could not read, and the new watermark.
pub struct Found {
    pub items: Vec<NewItem>,
    pub unreadable: Vec<Unreadable>,
    pub watermark: u64,
}

impl XConnector {
    /// Replies in the brand's conversations newer than what was searched, and the watermark
    /// to keep in the cursor.
    pub(super) async fn conversation_replies(
        &self,
        me: &str,
        watermark: u64,
    ) -> Result<Found, PlatformError> {
        self.read_own_posts(me, watermark).await?;
        let mut found = Found {
            items: Vec::new(),
            unreadable: Vec::new(),
            watermark,
        };
        for (ids, since) in self.conversations.groups(me) {
            let mut newest = since;
            let mut token: Option<String> = None;
            for _ in 0..MAX_PAGES {
                let mut call = Call::get("search", "/2/tweets/search/recent".into())
                    .param("query", query(&ids, me))
                    .param("since_id", since.to_string())
                    .param("max_results", "100")
                    .param("expansions", fetch::EXPANSIONS)
                    .param("tweet.fields", fetch::TWEET_FIELDS)
                    .param("user.fields", fetch::USER_FIELDS);
                if let Some(t) = &token {
                    call = call.param("next_token", t.clone());
                }
                let answer = self.call("conversation search", &call).await?;
                let users = convert::users(&answer);
                for post in answer["data"].as_array().into_iter().flatten() {
                    match convert::item(post, &users, me) {
                        Ok(item) => found.items.push(item),
                        Err(u) => found.unreadable.push(u),
                    }
                }
                let meta = &answer["meta"];
                newest = newest.max(id_of(&meta["newest_id"]).unwrap_or(0));
                token = meta["next_token"].as_str().map(str::to_string);
                if token.is_none() {
                    break;
                }
            }
            self.conversations.searched(&ids, newest);
            found.watermark = found.watermark.max(newest);
        }
        Ok(found)
    }

    /// Learns the conversations of the brand's posts since the last read (the last week the
    /// first time).
    async fn read_own_posts(&self, me: &str, watermark: u64) -> Result<(), PlatformError> {
        let since = self
            .conversations
            .0
            .lock()
            .expect("conversations lock")
            .own_since
            .clone();
        let mut call = Call::get("own posts", format!("/2/users/{me}/tweets"))
            .param("max_results", "100")
            .param("exclude", "retweets")
            .param("tweet.fields", "conversation_id,created_at");
        call = match &since {
            Some(since) => call.param("since_id", since.clone()),
            None => {
                let start = crate::domain::now() - WINDOW_SECS;
                let start = jiff::Timestamp::from_second(start)
                    .map(|t| t.to_string())
                    .unwrap_or_default();
                call.param("start_time", start)
            }
        };
        let answer = self.call("the brand's posts", &call).await?;
        let posts = answer["data"].as_array().cloned().unwrap_or_default();
        // X lists newest first; the oldest is noted first so the most recent are kept.
        for post in posts.iter().rev() {
            if let (Some(id), Some(conversation)) =
                (id_of(&post["id"]), id_of(&post["conversation_id"]))
            {
                self.conversations
                    .note_own_post(conversation, id, watermark);
            }
        }
        if let Some(newest) = answer["meta"]["newest_id"].as_str() {
            self.conversations
                .0
                .lock()
                .expect("conversations lock")
                .own_since = Some(newest.to_string());
        }
        Ok(())
    }

    /// The replies below `post` in its conversation (recent search), oldest first.
    pub(super) async fn replies_below(
        &self,
        post: &Value,
        me: &str,
    ) -> Result<Vec<NewItem>, PlatformError> {
        let (Some(id), Some(conversation)) =
            (post["id"].as_str(), post["conversation_id"].as_str())
        else {
            return Ok(Vec::new());
        };
        let call = Call::get("search", "/2/tweets/search/recent".into())
            .param("query", format!("conversation_id:{conversation}"))
            .param("since_id", id.to_string())
            .param("max_results", "100")
            .param("expansions", fetch::EXPANSIONS)
            .param("tweet.fields", fetch::TWEET_FIELDS)
            .param("user.fields", fetch::USER_FIELDS);
        let answer = self.call("thread search", &call).await?;
        let users = convert::users(&answer);
        let posts: Vec<&Value> = answer["data"].as_array().into_iter().flatten().collect();
        // Keep the replies that descend from `post`: a reply to it, or to one of those.
        let mut below = vec![id.to_string()];
        let mut out = Vec::new();
        for p in posts.iter().rev() {
            let parent = convert::replied_to(p);
            if parent.is_some_and(|parent| below.contains(&parent)) {
                if let (Some(pid), Ok(item)) = (p["id"].as_str(), convert::item(p, &users, me)) {
                    below.push(pid.to_string());
                    out.push(item);
                }
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_fit_the_basic_tier_limit_and_search_from_the_later_of_post_and_watermark() {
        let known = Conversations::default();
        for n in 0..30u64 {
            known.note_own_post(
                1_800_000_000_000_000_000 + n,
                1_800_000_000_000_000_100 + n,
                0,
            );
        }
        let groups = known.groups("2244994945");
        let followed: usize = groups.iter().map(|(ids, _)| ids.len()).sum();
        assert_eq!(followed, MAX_CONVERSATIONS, "the most recent are kept");
        assert!(groups
            .iter()
            .all(|(ids, _)| query(ids, "2244994945").len() <= MAX_QUERY));
        assert!(groups.len() > 1);
        let known = Conversations::default();
        known.note_own_post(10, 20, 50);
        known.note_own_post(11, 60, 50);
        assert_eq!(known.groups("1"), vec![(vec![10, 11], 50)]);
        known.searched(&[10, 11], 70);
        assert_eq!(known.groups("1"), vec![(vec![10, 11], 70)]);
    }
}
