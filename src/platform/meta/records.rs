//! Graph records to hark items: Facebook posts and comments, Instagram comments.
//!
//! Each record is read on its own; one that lacks what hark needs is set aside with its
//! raw text ([`Unreadable`]) and never holds back the rest of its page.

use serde_json::Value;

use crate::domain::{ItemKind, NewAuthor, NewItem};
use crate::platform::Unreadable;

/// Graph's time, `2017-08-31T18:10:30+0000` (an offset without a colon), in Unix seconds.
pub fn parse_time(text: &str) -> Option<i64> {
    let text = text.trim();
    let fixed = match text.len().checked_sub(5).map(|i| text.split_at(i)) {
        Some((head, tail))
            if (tail.starts_with('+') || tail.starts_with('-'))
                && tail[1..].bytes().all(|b| b.is_ascii_digit()) =>
        {
            format!("{head}{}:{}", &tail[..3], &tail[3..])
        }
        _ => text.to_string(),
    };
    fixed.parse::<jiff::Timestamp>().ok().map(|t| t.as_second())
}

/// A string field.
pub fn text<'a>(record: &'a Value, field: &str) -> Option<&'a str> {
    record.get(field).and_then(Value::as_str)
}

/// A time field as Unix seconds.
pub fn time(record: &Value, field: &str) -> Option<i64> {
    text(record, field).and_then(parse_time)
}

pub fn set_aside(source: &str, record: &Value, reason: impl Into<String>) -> Unreadable {
    Unreadable {
        source: source.to_string(),
        key: text(record, "id").map(str::to_string),
        reason: reason.into(),
        raw: record.to_string(),
    }
}

/// A Facebook comment (`/{post}/comments?filter=stream`) on `post`; the Page's own are
/// `Post` items (thread context).
pub fn facebook_comment(record: &Value, post: &str, page_id: &str) -> Result<NewItem, String> {
    let id = text(record, "id").ok_or("no `id`")?;
    let created = time(record, "created_time").ok_or("no readable `created_time`")?;
    let from = record.get("from");
    let author_id = from.and_then(|f| text(f, "id"));
    let name = from.and_then(|f| text(f, "name")).unwrap_or("");
    let own = author_id == Some(page_id);
    let parent = record
        .pointer("/parent/id")
        .and_then(Value::as_str)
        .unwrap_or(post);
    Ok(NewItem {
        external_id: id.to_string(),
        kind: if own {
            ItemKind::Post
        } else {
            ItemKind::Comment
        },
        parent_external_id: Some(parent.to_string()),
        thread_external_id: Some(post.to_string()),
        author: author(author_id, name),
        body: text(record, "message").unwrap_or("").to_string(),
        url: text(record, "permalink_url").map(str::to_string),
        created_at: created,
        raw_json: Some(record.to_string()),
        room: None,
    })
}

/// A post of the Page's feed: the Page's own (thread context) or a visitor's (a mention).
pub fn facebook_post(record: &Value, page_id: &str) -> Result<NewItem, String> {
    let id = text(record, "id").ok_or("no `id`")?;
    let created = time(record, "created_time").ok_or("no readable `created_time`")?;
    let from = record.get("from");
    let author_id = from.and_then(|f| text(f, "id"));
    let name = from.and_then(|f| text(f, "name")).unwrap_or("");
    Ok(NewItem {
        external_id: id.to_string(),
        kind: if author_id == Some(page_id) {
            ItemKind::Post
        } else {
            ItemKind::Mention
        },
        parent_external_id: None,
        thread_external_id: Some(id.to_string()),
        author: author(author_id, name),
        body: text(record, "message").unwrap_or("").to_string(),
        url: text(record, "permalink_url").map(str::to_string),
        created_at: created,
        raw_json: Some(record.to_string()),
        room: None,
    })
}

/// An Instagram comment or reply on `media`; the account's own are `Post` items.
pub fn instagram_comment(
    record: &Value,
    media: &str,
    parent: Option<&str>,
    own_id: &str,
    own_username: &str,
) -> Result<NewItem, String> {
    let id = text(record, "id").ok_or("no `id`")?;
    let created = time(record, "timestamp").ok_or("no readable `timestamp`")?;
    let username = text(record, "username")
        .or_else(|| record.pointer("/from/username").and_then(Value::as_str))
        .unwrap_or("");
    let author_id = record.pointer("/from/id").and_then(Value::as_str);
    let own = author_id == Some(own_id)
        || (!own_username.is_empty() && username.eq_ignore_ascii_case(own_username));
    let parent = parent
        .or_else(|| text(record, "parent_id"))
        .unwrap_or(media);
    Ok(NewItem {
        external_id: id.to_string(),
        kind: if own {
            ItemKind::Post
        } else {
            ItemKind::Comment
        },
        parent_external_id: Some(parent.to_string()),
        thread_external_id: Some(media.to_string()),
        author: NewAuthor {
            external_id: author_id.unwrap_or(username).to_string(),
            handle: format!("@{username}"),
            display_name: username.to_string(),
            followers: None,
        },
        body: text(record, "text").unwrap_or("").to_string(),
        url: None,
        created_at: created,
        raw_json: Some(record.to_string()),
        room: None,
    })
}

/// A media someone else posted that tags the account: a mention.
pub fn instagram_tagged(record: &Value) -> Result<NewItem, String> {
    let id = text(record, "id").ok_or("no `id`")?;
    let created = time(record, "timestamp").ok_or("no readable `timestamp`")?;
    let username = text(record, "username").unwrap_or("");
    Ok(NewItem {
        external_id: id.to_string(),
        kind: ItemKind::Mention,
        parent_external_id: None,
        thread_external_id: Some(id.to_string()),
        author: NewAuthor {
            external_id: username.to_string(),
            handle: format!("@{username}"),
            display_name: username.to_string(),
            followers: None,
        },
        body: text(record, "caption").unwrap_or("").to_string(),
        url: text(record, "permalink").map(str::to_string),
        created_at: created,
        raw_json: Some(record.to_string()),
        room: None,
    })
}

fn author(id: Option<&str>, name: &str) -> NewAuthor {
    // Graph gives no author without the right permission: such a comment is still read.
    NewAuthor {
        external_id: id.unwrap_or("unknown").to_string(),
        handle: if name.is_empty() {
            "someone on Facebook".to_string()
        } else {
            name.to_string()
        },
        display_name: name.to_string(),
        followers: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graph_times_with_a_colonless_offset_are_read() {
        assert_eq!(parse_time("2017-08-31T18:10:30+0000"), Some(1_504_203_030));
        assert_eq!(parse_time("2017-08-31T20:10:30+0200"), Some(1_504_203_030));
        assert_eq!(parse_time("2017-08-31T18:10:30Z"), Some(1_504_203_030));
        assert_eq!(parse_time("yesterday"), None);
    }

    #[test]
    fn a_reply_points_at_its_comment_and_the_pages_own_is_context() {
        let reply = serde_json::json!({"id": "9_3", "created_time": "2017-08-31T18:10:30+0000",
            "from": {"id": "77", "name": "Ana"}, "message": "open today?", "parent": {"id": "9_2"}});
        let item = facebook_comment(&reply, "1_9", "1").unwrap();
        assert_eq!(item.kind, ItemKind::Comment);
        assert_eq!(item.parent_external_id.as_deref(), Some("9_2"));
        assert_eq!(item.thread_external_id.as_deref(), Some("1_9"));
        let own = serde_json::json!({"id": "9_4", "created_time": "2017-08-31T18:10:30+0000",
            "from": {"id": "1", "name": "Brand"}, "message": "yes"});
        assert_eq!(
            facebook_comment(&own, "1_9", "1").unwrap().kind,
            ItemKind::Post
        );
        let broken = serde_json::json!({"id": "9_5", "message": "no time"});
        assert!(facebook_comment(&broken, "1_9", "1").is_err());
    }
}
