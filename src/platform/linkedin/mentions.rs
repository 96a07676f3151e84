//! Mentions of the organization in. LinkedIn lists them only as the organization's
//! notifications (`GET /rest/organizationalEntityNotifications?q=criteria`, actions
//! `SHARE_MENTION` and `COMMENT_MENTION`, over a `timeRange` in milliseconds, paged by
//! `start` and `count`); each names the post or comment that mentions it, which hark then
//! reads one by one (`GET /rest/posts/{urn}`, `GET /rest/socialActions/{object}/comments/{id}`).
//!
//! A mention read and stored is not read again while hark runs: the overlap between two
//! windows repeats a few notifications, and only what the store has taken is skipped.

use std::collections::{HashSet, VecDeque};
use std::sync::atomic::Ordering;
use std::sync::Mutex;

use serde_json::Value;

use super::client::{encode, Call};
use super::{convert, errors, LinkedInConnector};
use crate::domain::{ItemKind, NewItem, Unreadable};
use crate::platform::PlatformError;

/// Notifications asked per page.
pub const PAGE: u32 = 50;
/// The actions asked for; [`SHARE_ONLY`] where LinkedIn's version refuses the list.
pub const ACTIONS: &str = "List(SHARE_MENTION,COMMENT_MENTION)";
pub const SHARE_ONLY: &str = "List(SHARE_MENTION)";
/// Mentions remembered as stored, newest kept.
const REMEMBERED: usize = 10_000;

/// What mentions the organization: a post, or a comment (under a post).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mentioned {
    Post(String),
    Comment { urn: String, post: String },
}

impl Mentioned {
    pub fn urn(&self) -> &str {
        match self {
            Mentioned::Post(urn) => urn,
            Mentioned::Comment { urn, .. } => urn,
        }
    }
}

fn is_post(urn: &str) -> bool {
    urn.starts_with("urn:li:share:") || urn.starts_with("urn:li:ugcPost:")
}

/// A comment URN as the Comments API writes it: notifications sometimes shorten the
/// activity inside (`urn:li:comment:(activity:1,2)`).
fn comment_urn(text: &str) -> Option<String> {
    let inner = text.strip_prefix("urn:li:comment:(")?;
    let full = if inner.starts_with("urn:li:") {
        text.to_string()
    } else {
        format!("urn:li:comment:(urn:li:{inner}")
    };
    convert::parts(&full).is_some().then_some(full)
}

/// The post or comment a notification says mentions the organization.
pub fn mentioned(n: &Value) -> Option<Mentioned> {
    let generated = n["generatedActivity"].as_str().unwrap_or("");
    let decorated = &n["decoratedGeneratedActivity"];
    let source = n["decoratedSourcePost"]["entity"]
        .as_str()
        .or_else(|| n["sourcePost"].as_str())
        .unwrap_or("");
    let comment = decorated["comment"]["entity"]
        .as_str()
        .and_then(comment_urn)
        .or_else(|| comment_urn(generated));
    if let Some(urn) = comment {
        let (object, _) = convert::parts(&urn)?;
        let post = if source.is_empty() { object } else { source };
        return Some(Mentioned::Comment {
            post: post.to_string(),
            urn,
        });
    }
    [
        decorated["share"]["entity"].as_str().unwrap_or(""),
        generated,
        source,
    ]
    .into_iter()
    .find(|u| is_post(u))
    .map(|u| Mentioned::Post(u.to_string()))
}

/// The mentions stored, and those of the last page until the store has them.
#[derive(Debug, Default)]
pub struct Seen(Mutex<SeenState>);

#[derive(Debug, Default)]
struct SeenState {
    stored: HashSet<String>,
    order: VecDeque<String>,
    /// The cursor the last page handed out, and the mentions it carried: stored once a
    /// fetch resumes from that cursor (the store saves both together).
    pending: Option<(String, Vec<String>)>,
}

impl Seen {
    /// A fetch from `cursor`: the page that handed it out is stored.
    pub fn resumed(&self, cursor: Option<&str>) {
        let mut s = self.0.lock().expect("seen lock");
        let Some((next, urns)) = s.pending.take() else {
            return;
        };
        if cursor != Some(next.as_str()) {
            return;
        }
        for urn in urns {
            if s.stored.insert(urn.clone()) {
                s.order.push_back(urn);
            }
        }
        while s.order.len() > REMEMBERED {
            if let Some(old) = s.order.pop_front() {
                s.stored.remove(&old);
            }
        }
    }

    fn stored(&self, urn: &str) -> bool {
        self.0.lock().expect("seen lock").stored.contains(urn)
    }

    pub fn handed_out(&self, cursor: String, urns: Vec<String>) {
        self.0.lock().expect("seen lock").pending = Some((cursor, urns));
    }
}

/// One page of a window: its mentions, what could not be read, the newest notification
/// time, and whether LinkedIn has more.
#[derive(Debug, Default)]
pub struct Page {
    pub items: Vec<NewItem>,
    pub unreadable: Vec<Unreadable>,
    pub newest: Option<i64>,
    /// Mentions deleted since LinkedIn noted them.
    pub gone: Vec<String>,
    pub got: u64,
    pub more: bool,
}

impl LinkedInConnector {
    /// The notifications of `[from, to]` from `start`, with each new mention read.
    pub(super) async fn mention_page(
        &self,
        from: i64,
        to: i64,
        start: u64,
    ) -> Result<Page, PlatformError> {
        let answer = self.notifications(from, to, start).await?;
        let mut page = Page {
            got: answer["elements"].as_array().map_or(0, Vec::len) as u64,
            more: super::fetch::has_more(&answer, start, PAGE),
            ..Page::default()
        };
        let mut asked = HashSet::new();
        for n in answer["elements"].as_array().into_iter().flatten() {
            if let Some(t) = n["lastModifiedAt"].as_i64() {
                page.newest = Some(page.newest.map_or(t, |m: i64| m.max(t)));
            }
            let Some(target) = mentioned(n) else {
                page.unreadable.push(Unreadable {
                    source: "linkedin notification".into(),
                    key: n["notificationId"].as_i64().map(|i| i.to_string()),
                    reason: "names no post or comment".into(),
                    raw: n.to_string(),
                });
                continue;
            };
            if self.seen.stored(target.urn()) || !asked.insert(target.urn().to_string()) {
                continue;
            }
            match self.read_mention(&target).await {
                Ok(Some(item)) => page.items.push(item),
                Ok(None) => page.gone.push(target.urn().to_string()),
                Err(PlatformError::Permanent(reason)) | Err(PlatformError::Malformed(reason)) => {
                    page.unreadable.push(Unreadable {
                        source: "linkedin mention".into(),
                        key: Some(target.urn().to_string()),
                        reason,
                        raw: n.to_string(),
                    })
                }
                Err(e) => return Err(e),
            }
        }
        Ok(page)
    }

    /// One cheap read of the organization's notifications (the last day's), for `hark doctor`.
    pub async fn verify_mentions(&self) -> Result<(), PlatformError> {
        let now_ms = crate::domain::now() * 1000;
        self.notifications(now_ms - 86_400_000, now_ms, 0)
            .await
            .map(|_| ())
    }

    async fn notifications(&self, from: i64, to: i64, start: u64) -> Result<Value, PlatformError> {
        let share_only = self.share_only.load(Ordering::Relaxed);
        let ask = |actions: &str| {
            Call::get("/rest/organizationalEntityNotifications".into())
                .param("q", "criteria")
                .param("actions", actions)
                .param("organizationalEntity", self.settings.organization.clone())
                .param("timeRange", format!("(start:{from},end:{to})"))
                .param("start", start.to_string())
                .param("count", PAGE.to_string())
        };
        let what = "the organization's notifications";
        let send = |call: Call| async move {
            self.send_for(super::Access::Notifications, what, &call)
                .await
                .map(|a| a.body)
        };
        let answer = if share_only {
            send(ask(SHARE_ONLY)).await?
        } else {
            match send(ask(ACTIONS)).await {
                // An API version that does not know COMMENT_MENTION refuses the list.
                Err(PlatformError::Permanent(text)) if text.contains("HTTP 400") => {
                    tracing::warn!(
                        "linkedin: notifications refused COMMENT_MENTION ({text}); reading SHARE_MENTION only"
                    );
                    self.share_only.store(true, Ordering::Relaxed);
                    send(ask(SHARE_ONLY)).await?
                }
                other => other?,
            }
        };
        if !answer.is_object() {
            return Err(PlatformError::Malformed(format!("{what}: not an object")));
        }
        Ok(answer)
    }

    /// The post or comment that mentions the organization; `None` when it is gone.
    async fn read_mention(&self, target: &Mentioned) -> Result<Option<NewItem>, PlatformError> {
        let org = &self.settings.organization;
        let read = match target {
            Mentioned::Post(urn) => {
                let call = Call::get(format!("/rest/posts/{}", encode(urn)));
                self.call("a post that mentions the organization", &call)
                    .await
                    .map(|post| convert::post_item(&post, org))
            }
            Mentioned::Comment { urn, post } => {
                let (object, id) = convert::parts(urn).expect("a checked comment URN");
                let call = Call::get(format!(
                    "/rest/socialActions/{}/comments/{id}",
                    encode(object)
                ));
                self.call("a comment that mentions the organization", &call)
                    .await
                    .map(|comment| {
                        convert::item(&comment, post, org).map(|mut item| {
                            if item.kind == ItemKind::Comment {
                                item.kind = ItemKind::Mention;
                            }
                            item
                        })
                    })
            }
        };
        match read {
            Ok(Ok(item)) => Ok(Some(item)),
            Ok(Err(u)) => Err(PlatformError::Malformed(u.reason)),
            // Deleted since LinkedIn noted the mention.
            Err(PlatformError::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// True when `e` is LinkedIn refusing the organization's notifications for want of access.
pub fn refused(e: &PlatformError) -> bool {
    matches!(e, PlatformError::Permanent(text) if text.contains(errors::NOTIFICATIONS_HELP))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_notification_names_the_post_or_comment_that_mentions() {
        let post = json!({"action": "SHARE_MENTION", "sourcePost": "urn:li:share:5",
            "generatedActivity": "urn:li:share:5"});
        assert_eq!(
            mentioned(&post),
            Some(Mentioned::Post("urn:li:share:5".into()))
        );
        let comment = json!({"action": "COMMENT_MENTION", "sourcePost": "urn:li:activity:7",
            "decoratedSourcePost": {"entity": "urn:li:ugcPost:8"},
            "generatedActivity": "urn:li:comment:(activity:7,9)"});
        assert_eq!(
            mentioned(&comment),
            Some(Mentioned::Comment {
                urn: "urn:li:comment:(urn:li:activity:7,9)".into(),
                post: "urn:li:ugcPost:8".into()
            })
        );
        assert_eq!(mentioned(&json!({"action": "SHARE_MENTION"})), None);
    }
}
