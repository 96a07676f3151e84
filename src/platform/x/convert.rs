//! X posts (API v2 "Tweet" objects with their `includes`) as hark items.

use std::collections::HashMap;

use serde_json::Value;

use crate::domain::{ItemKind, NewAuthor, NewItem, Unreadable};

/// The users of a response's `includes`, by id.
pub fn users(response: &Value) -> HashMap<String, Value> {
    response["includes"]["users"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|u| Some((u["id"].as_str()?.to_string(), u.clone())))
        .collect()
}

/// The post one replies to, from `referenced_tweets`.
pub fn replied_to(post: &Value) -> Option<String> {
    post["referenced_tweets"]
        .as_array()?
        .iter()
        .find(|r| r["type"] == "replied_to")
        .and_then(|r| r["id"].as_str())
        .map(str::to_string)
}

/// One post as an item, or why it cannot be read. `me` is the brand's user id.
pub fn item(post: &Value, users: &HashMap<String, Value>, me: &str) -> Result<NewItem, Unreadable> {
    let unreadable = |reason: &str| Unreadable {
        source: "x post".into(),
        key: post["id"].as_str().map(str::to_string),
        reason: reason.into(),
        raw: post.to_string(),
    };
    let id = post["id"].as_str().ok_or_else(|| unreadable("no id"))?;
    let text = post["text"].as_str().ok_or_else(|| unreadable("no text"))?;
    let author_id = post["author_id"]
        .as_str()
        .ok_or_else(|| unreadable("no author_id"))?;
    let created_at = post["created_at"]
        .as_str()
        .ok_or_else(|| unreadable("no created_at"))?
        .parse::<jiff::Timestamp>()
        .map_err(|_| unreadable("created_at is not a time"))?
        .as_second();
    let user = users.get(author_id);
    let username = user
        .and_then(|u| u["username"].as_str())
        .unwrap_or(author_id)
        .to_string();
    let parent = replied_to(post);
    let kind = if author_id == me {
        ItemKind::Post
    } else if parent.is_some() {
        ItemKind::Comment
    } else {
        ItemKind::Mention
    };
    Ok(NewItem {
        external_id: id.to_string(),
        kind,
        parent_external_id: parent,
        thread_external_id: post["conversation_id"].as_str().map(str::to_string),
        author: NewAuthor {
            external_id: author_id.to_string(),
            handle: format!("@{username}"),
            display_name: user
                .and_then(|u| u["name"].as_str())
                .unwrap_or(&username)
                .to_string(),
            followers: user.and_then(|u| u["public_metrics"]["followers_count"].as_i64()),
        },
        body: text.to_string(),
        url: Some(format!("https://x.com/{username}/status/{id}")),
        created_at,
        raw_json: Some(post.to_string()),
        room: None,
    })
}
