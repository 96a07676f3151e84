//! Replies, the read-back before a resend, and thread context.
//!
//! Graph takes no idempotency key, so a reply whose outcome is unknown is never simply
//! sent again: the outbox first reads the replies of the same comment back
//! ([`MetaConnector::read_back`]) for the brand's own text.
//!
//! Both networks thread one level deep: a reply to a reply goes to its top-level comment
//! (Instagram adds it there anyway; Facebook refuses it).

use reqwest::Method;
use serde_json::Value;

use super::graph::{path_id, Purpose};
use super::records::{self};
use super::{MetaConnector, Network};
use crate::domain::{ItemKind, NewItem};
use crate::platform::{PlatformError, Target};

/// How many pages of replies a read-back reads (newest first on Facebook).
const READ_BACK_PAGES: usize = 3;

impl MetaConnector {
    /// The object a reply to `target` is posted under: a visitor post itself, a top-level
    /// comment itself, a reply's top-level comment.
    fn reply_root<'t>(&self, target: &'t Target) -> Result<&'t str, PlatformError> {
        let id = match (&target.parent_external_id, &target.thread_external_id) {
            (Some(parent), Some(thread)) if parent != thread => parent.as_str(),
            _ => target.external_id.as_str(),
        };
        if target.kind == ItemKind::Dm {
            return Err(PlatformError::Unsupported("direct messages"));
        }
        path_id(id)
    }

    pub(super) async fn post_reply(
        &self,
        target: &Target,
        text: &str,
    ) -> Result<String, PlatformError> {
        let root = self.reply_root(target)?;
        let path = match self.network {
            Network::Facebook => format!("{root}/comments"),
            Network::Instagram => format!("{root}/replies"),
        };
        let request = self
            .graph
            .request(Method::POST, &path)
            .form(&[("message", text)]);
        let body = self.graph.send("reply", Purpose::Write, request).await?;
        let id = records::text(&body, "id")
            .ok_or_else(|| PlatformError::Malformed("reply: the answer has no `id`".to_string()))?;
        tracing::info!(
            network = self.network.name(),
            root,
            id,
            "graph: reply posted"
        );
        Ok(id.to_string())
    }

    /// The id of a reply by the brand with `text` under the same comment, if one is there.
    pub(super) async fn read_back(
        &self,
        target: &Target,
        text: &str,
    ) -> Result<Option<String>, PlatformError> {
        let root = self.reply_root(target)?;
        let (path, query) = match self.network {
            Network::Facebook => (
                format!("{root}/comments"),
                vec![
                    ("fields", "id,message,from{id,name}".to_string()),
                    ("filter", "stream".to_string()),
                    ("order", "reverse_chronological".to_string()),
                    ("limit", "100".to_string()),
                ],
            ),
            Network::Instagram => (
                format!("{root}/replies"),
                vec![
                    ("fields", "id,text,username,from{id,username}".to_string()),
                    ("limit", "100".to_string()),
                ],
            ),
        };
        let wanted = text.trim();
        let mut after: Option<String> = None;
        for _ in 0..READ_BACK_PAGES {
            let page = self
                .graph
                .page("read back replies", &path, &query, after.as_deref())
                .await?;
            for record in &page.data {
                if self.is_own(record) && body_of(record).trim() == wanted {
                    return Ok(records::text(record, "id").map(str::to_string));
                }
            }
            match page.after {
                Some(next) => after = Some(next),
                None => break,
            }
        }
        Ok(None)
    }

    fn is_own(&self, record: &Value) -> bool {
        let from = record.pointer("/from/id").and_then(Value::as_str);
        if from == Some(self.id.as_str()) {
            return true;
        }
        self.network == Network::Instagram
            && !self.handle.is_empty()
            && records::text(record, "username")
                .or_else(|| record.pointer("/from/username").and_then(Value::as_str))
                .is_some_and(|u| u.eq_ignore_ascii_case(&self.handle))
    }

    /// The post (or media) `target` is on, and the comments around it.
    pub(super) async fn context(&self, target: &Target) -> Result<Vec<NewItem>, PlatformError> {
        if target.kind == ItemKind::Dm {
            return self.conversation_context(target).await;
        }
        let thread = target
            .thread_external_id
            .as_deref()
            .unwrap_or(&target.external_id);
        let thread = path_id(thread)?;
        let mut items = Vec::new();
        match self.network {
            Network::Facebook => {
                let request = self.graph.request(Method::GET, thread).query(&[(
                    "fields",
                    "id,message,created_time,updated_time,from{id,name},permalink_url",
                )]);
                let post = self.graph.send("post", Purpose::Read, request).await?;
                items.push(
                    records::facebook_post(&post, &self.id).map_err(PlatformError::Malformed)?,
                );
                let query = [
                    ("fields", super::facebook::COMMENT_FIELDS.to_string()),
                    ("filter", "stream".to_string()),
                    ("order", "reverse_chronological".to_string()),
                    ("limit", "50".to_string()),
                ];
                let page = self
                    .graph
                    .page("post comments", &format!("{thread}/comments"), &query, None)
                    .await?;
                items.extend(
                    page.data
                        .iter()
                        .filter_map(|r| records::facebook_comment(r, thread, &self.id).ok()),
                );
            }
            Network::Instagram => {
                let request = self
                    .graph
                    .request(Method::GET, thread)
                    .query(&[("fields", "id,caption,timestamp,username,permalink")]);
                let media = self.graph.send("media", Purpose::Read, request).await?;
                if let Some(item) = media_item(&media, &self.id) {
                    items.push(item);
                }
                let root = self.reply_root(target)?;
                if root != thread {
                    let query = [
                        (
                            "fields",
                            "id,text,timestamp,username,from{id,username},hidden,parent_id"
                                .to_string(),
                        ),
                        ("limit", "50".to_string()),
                    ];
                    let page = self
                        .graph
                        .page("comment replies", &format!("{root}/replies"), &query, None)
                        .await?;
                    items.extend(page.data.iter().filter_map(|r| {
                        records::instagram_comment(r, thread, Some(root), &self.id, &self.handle)
                            .ok()
                    }));
                }
            }
        }
        Ok(items)
    }
}

fn body_of(record: &Value) -> &str {
    records::text(record, "message")
        .or_else(|| records::text(record, "text"))
        .unwrap_or("")
}

/// An Instagram media as the brand's own post (thread context).
fn media_item(media: &Value, own_id: &str) -> Option<NewItem> {
    let id = records::text(media, "id")?;
    let username = records::text(media, "username").unwrap_or("");
    Some(NewItem {
        external_id: id.to_string(),
        kind: ItemKind::Post,
        parent_external_id: None,
        thread_external_id: Some(id.to_string()),
        author: crate::domain::NewAuthor {
            external_id: own_id.to_string(),
            handle: format!("@{username}"),
            display_name: username.to_string(),
            followers: None,
        },
        body: records::text(media, "caption").unwrap_or("").to_string(),
        url: records::text(media, "permalink").map(str::to_string),
        created_at: records::time(media, "timestamp")?,
        raw_json: Some(media.to_string()),
        room: None,
    })
}
