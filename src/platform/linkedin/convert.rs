//! LinkedIn comments (the Comments API's `Comment` objects) and posts (the Posts API's)
//! as hark items.

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
    Ok(NewItem {
        external_id: urn.to_string(),
        kind,
        parent_external_id: Some(parent.unwrap_or(post).to_string()),
        thread_external_id: Some(post.to_string()),
        author: author(actor),
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

/// The author of `actor` (a member or organization URN). LinkedIn gives an organization
/// no member's name (README "LinkedIn", "Names"), so a member shows as "LinkedIn member"
/// and the start of the URN's id, enough to tell two commenters apart; the handle keeps
/// the whole URN.
pub fn author(actor: &str) -> NewAuthor {
    let display_name = match actor.rsplit_once(':') {
        Some(("urn:li:organization", id)) => format!("organization {id}"),
        Some((_, id)) => {
            let short: String = id.chars().take(6).collect();
            format!("LinkedIn member ·{short}")
        }
        None => actor.to_string(),
    };
    NewAuthor {
        external_id: actor.to_string(),
        handle: actor.to_string(),
        display_name,
        followers: None,
    }
}

/// A post's `commentary` as it reads on LinkedIn: its "little text" mentions
/// (`@[Nimbus Coffee](urn:li:organization:2414183)`) as `@Nimbus Coffee`, and its
/// backslash escapes undone.
pub fn plain_text(commentary: &str) -> String {
    let mut out = String::with_capacity(commentary.len());
    let mut rest = commentary;
    while let Some(c) = rest.chars().next() {
        if c == '\\' {
            let mut chars = rest.chars();
            chars.next();
            if let Some(escaped) = chars.next() {
                out.push(escaped);
                rest = chars.as_str();
                continue;
            }
        }
        if let Some(after) = rest.strip_prefix("@[") {
            let mention = after.split_once("](").and_then(|(name, tail)| {
                let (urn, tail) = tail.split_once(')')?;
                urn.starts_with("urn:li:").then_some((name, tail))
            });
            if let Some((name, tail)) = mention {
                out.push('@');
                out.push_str(name);
                rest = tail;
                continue;
            }
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// A post that mentions the organization (the Posts API's `Post`) as a mention item; the
/// organization's own post is its post.
pub fn post_item(post: &Value, org: &str) -> Result<NewItem, Unreadable> {
    let unreadable = |reason: &str| Unreadable {
        source: "linkedin post".into(),
        key: post["id"].as_str().map(str::to_string),
        reason: reason.into(),
        raw: post.to_string(),
    };
    let urn = post["id"].as_str().ok_or_else(|| unreadable("no id"))?;
    let actor = post["author"]
        .as_str()
        .ok_or_else(|| unreadable("no author"))?;
    let created_ms = post["publishedAt"]
        .as_i64()
        .or_else(|| post["createdAt"].as_i64())
        .ok_or_else(|| unreadable("no publishedAt or createdAt"))?;
    // A post of only an image or a document has no commentary.
    let text = post["commentary"].as_str().unwrap_or("");
    Ok(NewItem {
        external_id: urn.to_string(),
        kind: if actor == org {
            ItemKind::Post
        } else {
            ItemKind::Mention
        },
        parent_external_id: None,
        thread_external_id: Some(urn.to_string()),
        author: author(actor),
        body: plain_text(text),
        url: Some(format!("https://www.linkedin.com/feed/update/{urn}")),
        created_at: created_ms.div_euclid(1000),
        raw_json: Some(post.to_string()),
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

    #[test]
    fn mentions_read_as_names_and_members_by_a_short_id() {
        assert_eq!(
            plain_text(r"Thanks @[Nimbus Coffee](urn:li:organization:2414183) \(again\)!"),
            "Thanks @Nimbus Coffee (again)!"
        );
        assert_eq!(
            plain_text("@[not a mention] and @["),
            "@[not a mention] and @["
        );
        assert_eq!(
            author("urn:li:person:b7FqLx2Qe1").display_name,
            "LinkedIn member ·b7FqLx"
        );
        assert_eq!(
            author("urn:li:organization:2414183").display_name,
            "organization 2414183"
        );
    }
}
