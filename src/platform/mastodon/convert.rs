//! Mastodon statuses to hark items: kind, author, readable body.

use super::entities::{Account, Status};
use super::html;
use crate::domain::{ItemKind, NewAuthor, NewItem, UnixTime};
use crate::platform::PlatformError;

/// Who "we" are on the instance, to tell the brand's own posts from others'.
#[derive(Debug, Clone)]
pub struct Own {
    pub id: String,
    /// The instance's host, to qualify local handles (`ana` → `@ana@example.social`).
    pub host: String,
}

/// A status as an item; `raw` is the platform record it came in (notification,
/// conversation or status), kept for replies and moderation.
pub fn item(status: &Status, raw: String, own: &Own, dm: bool) -> Result<NewItem, PlatformError> {
    let kind = if status.account.id == own.id {
        ItemKind::Post
    } else if dm || status.visibility == "direct" {
        ItemKind::Dm
    } else if status.in_reply_to_id.is_some() {
        ItemKind::Comment
    } else {
        ItemKind::Mention
    };
    Ok(NewItem {
        external_id: status.id.clone(),
        kind,
        parent_external_id: status.in_reply_to_id.clone(),
        thread_external_id: None,
        author: author(&status.account, &own.host),
        body: body(status),
        url: status.url.clone().or_else(|| status.uri.clone()),
        created_at: timestamp(&status.created_at)?,
        raw_json: Some(raw),
    })
}

pub fn author(account: &Account, host: &str) -> NewAuthor {
    NewAuthor {
        // Instance-local ids collide across instances; the profile URL does not.
        external_id: account
            .url
            .clone()
            .unwrap_or_else(|| format!("{}@{host}", account.id)),
        handle: handle(&account.acct, host),
        // Empty when the person set none: `{author_name|x}` then falls back to `x`, and
        // the UI shows the handle.
        display_name: account.display_name.trim().to_string(),
        followers: account.followers_count,
    }
}

/// `ana` → `@ana@host`; `bob@other.example` → `@bob@other.example`.
pub fn handle(acct: &str, host: &str) -> String {
    if acct.contains('@') {
        format!("@{acct}")
    } else {
        format!("@{acct}@{host}")
    }
}

/// The text a CM reads: the content warning first, then the text, then the media with
/// their alt text.
pub fn body(status: &Status) -> String {
    let mut out = String::new();
    let warning = status.spoiler_text.trim();
    if !warning.is_empty() {
        out.push_str("CW: ");
        out.push_str(warning);
        out.push_str("\n\n");
    }
    out.push_str(&html::to_text(&status.content, &status.mentions));
    for media in &status.media_attachments {
        if !out.is_empty() {
            out.push('\n');
        }
        let alt = media
            .description
            .as_deref()
            .map(str::trim)
            .filter(|d| !d.is_empty());
        match alt {
            Some(alt) => out.push_str(&format!("[{}: {alt}]", media.kind)),
            None => out.push_str(&format!("[{} without description]", media.kind)),
        }
        if let Some(url) = &media.url {
            out.push_str(&format!(" {url}"));
        }
    }
    out
}

/// An ISO 8601 time as Unix seconds.
pub fn timestamp(text: &str) -> Result<UnixTime, PlatformError> {
    text.parse::<jiff::Timestamp>()
        .map(|t| t.as_second())
        .map_err(|e| PlatformError::Malformed(format!("bad time `{text}`: {e}")))
}

/// Orders Mastodon ids (decimal strings of growing length): is `a` newer than `b`?
pub fn newer(a: &str, b: &str) -> bool {
    (a.len(), a) > (b.len(), b)
}

#[cfg(test)]
mod author_tests {
    use super::*;

    #[test]
    fn an_account_without_a_display_name_has_none_not_its_username() {
        let account: Account = serde_json::from_value(serde_json::json!({
            "id": "7", "username": "ana", "acct": "ana", "display_name": "  "
        }))
        .unwrap();
        let author = author(&account, "example.social");
        assert_eq!(author.display_name, "");
        assert_eq!(author.handle, "@ana@example.social");
    }
}
