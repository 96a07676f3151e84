//! Thread context for an opened item: `app.bsky.feed.getPostThread`, the parents up to the
//! root and the replies below, as items the detail pane shows around it.

use std::collections::VecDeque;

use serde_json::Value;

use super::notifications::post_item;
use super::xrpc::Call;
use super::BlueskyConnector;
use crate::domain::{ItemKind, NewItem};
use crate::platform::{PlatformError, Target};

/// How many parents the thread view climbs (the lexicon's default is 80).
const PARENT_HEIGHT: u32 = 50;
/// How many levels of replies below the item.
const DEPTH: u32 = 4;
/// The most posts one thread gives the store, however busy the conversation.
const MAX_POSTS: usize = 500;

pub async fn thread(
    conn: &BlueskyConnector,
    target: &Target,
) -> Result<Vec<NewItem>, PlatformError> {
    if target.kind == ItemKind::Dm {
        return Err(PlatformError::Unsupported(
            "thread context of a direct message",
        ));
    }
    let me = conn.me().await?;
    let answer = conn
        .call("getPostThread", || {
            Call::get("app.bsky.feed.getPostThread")
                .param("uri", target.external_id.clone())
                .param("depth", DEPTH.to_string())
                .param("parentHeight", PARENT_HEIGHT.to_string())
        })
        .await?;
    let thread = answer
        .get("thread")
        .filter(|t| t.is_object())
        .ok_or_else(|| PlatformError::Malformed("getPostThread: no `thread`".into()))?;
    // A deleted post may come back as a `notFoundPost` view rather than an error.
    if thread.get("notFound").and_then(Value::as_bool) == Some(true) {
        return Err(PlatformError::NotFound(format!(
            "getPostThread: {} is not found",
            target.external_id
        )));
    }
    posts(thread, &me.did)
}

/// The parents (nearest first) and the replies (breadth-first) of a thread view. Posts
/// the viewer cannot see (`notFoundPost`, `blockedPost`) carry no `post` and are skipped.
pub fn posts(thread: &Value, brand_did: &str) -> Result<Vec<NewItem>, PlatformError> {
    const SOURCE: &str = "getPostThread: a post";
    let mut out = Vec::new();
    let mut parent = thread.get("parent");
    while let Some(view) = parent {
        if out.len() >= MAX_POSTS {
            break;
        }
        if let Some(post) = view.get("post") {
            out.extend(post_item(post, brand_did, SOURCE)?);
        }
        parent = view.get("parent");
    }
    let mut queue: VecDeque<&Value> = replies(thread).collect();
    while let Some(view) = queue.pop_front() {
        if out.len() >= MAX_POSTS {
            break;
        }
        if let Some(post) = view.get("post") {
            out.extend(post_item(post, brand_did, SOURCE)?);
        }
        queue.extend(replies(view));
    }
    Ok(out)
}

fn replies(view: &Value) -> impl Iterator<Item = &Value> {
    view.get("replies")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}
