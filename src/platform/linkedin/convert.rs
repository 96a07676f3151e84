//! LinkedIn comments (the Comments API's `Comment` objects) as hark items.

use serde_json::Value;

use crate::domain::{ItemKind, NewAuthor, NewItem, Unreadable};

/// The post or activity a comment URN names, and the comment's own id:
/// `urn:li:comment:(urn:li:activity:111,222)` gives (`urn:li:activity:111`, `222`).
pub fn parts(comment_urn: &str) -> Option<(&str, &str)> {
    let inner = comment_urn
        .strip_prefix("urn:li:comment:(")?
        .strip_suffix(')')?;
    let (object, id) = inner.rsplit_once(',')?;
    (!object.is_empty() && !id.is_empty()).then_some((object, id))
}

/// One comment as an item; `post` is the organization's post it sits under, `org` the
/// organization's URN (its own comments are its posts).
pub fn item(comment: &Value, post: &str, org: &str) -> Result<NewItem, Unreadable> {
    let unreadable = |reason: &str| Unreadable {
        source: "linkedin comment".into(),
        key: comment["commentUrn"].as_str().map(str::to_string),
        reason: reason.into(),
        raw: comment.to_string(),
    };
    let urn = comment["commentUrn"]
        .as_str()
        .or_else(|| comment["$URN"].as_str())
        .ok_or_else(|| unreadable("no commentUrn"))?;
    let actor = comment["actor"]
        .as_str()
        .ok_or_else(|| unreadable("no actor"))?;
    let text = comment["message"]["text"]
        .as_str()
        .ok_or_else(|| unreadable("no message text"))?;
    let created_ms = comment["created"]["time"]
        .as_i64()
        .ok_or_else(|| unreadable("no created time"))?;
    let parent = comment["parentComment"].as_str();
    let kind = if actor == org {
        ItemKind::Post
    } else {
        ItemKind::Comment
    };
    let (display, handle) = match actor.rsplit_once(':') {
        Some(("urn:li:organization", id)) => (format!("organization {id}"), actor.to_string()),
        Some((_, id)) => (format!("LinkedIn member {id}"), actor.to_string()),
        None => (actor.to_string(), actor.to_string()),
    };
    Ok(NewItem {
        external_id: urn.to_string(),
        kind,
        parent_external_id: Some(parent.unwrap_or(post).to_string()),
        thread_external_id: Some(post.to_string()),
        author: NewAuthor {
            external_id: actor.to_string(),
            handle,
            display_name: display,
            followers: None,
        },
        body: text.to_string(),
        url: Some(format!(
            "https://www.linkedin.com/feed/update/{post}?commentUrn={}",
            super::client::encode(urn)
        )),
        created_at: created_ms.div_euclid(1000),
        raw_json: Some(comment.to_string()),
        room: None,
    })
}

/// How many replies sit under a comment (`commentsSummary`), to know whether to ask.
pub fn reply_count(comment: &Value) -> u64 {
    let summary = &comment["commentsSummary"];
    summary["totalFirstLevelComments"]
        .as_u64()
        .or_else(|| summary["aggregatedTotalComments"].as_u64())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_comment_urn_names_its_object_and_id() {
        assert_eq!(
            parts("urn:li:comment:(urn:li:activity:6636062862760562688,6636064129079746560)"),
            Some(("urn:li:activity:6636062862760562688", "6636064129079746560"))
        );
        assert_eq!(parts("urn:li:share:1"), None);
        assert_eq!(parts("urn:li:comment:(,1)"), None);
    }
}
