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
        room: None,
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
    push_media(&mut out, status);
    if let Some(quoted) = status.quoted() {
        let mut text = html::to_text(&quoted.content, &quoted.mentions);
        push_media(&mut text, &quoted);
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&crate::platform::quote::block(&quoted.account.acct, &text));
    }
    out
}

fn push_media(out: &mut String, status: &Status) {
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

    fn status(quote: serde_json::Value) -> Status {
        serde_json::from_value(serde_json::json!({
            "id": "2", "created_at": "2025-07-01T10:00:00Z", "visibility": "public",
            "content": "<p>so true</p>",
            "account": {"id": "7", "username": "ana", "acct": "ana"},
            "quote": quote
        }))
        .unwrap()
    }

    #[test]
    fn a_quote_shows_the_quoted_text_and_a_pending_or_odd_one_does_not() {
        let quoted = serde_json::json!({
            "id": "1", "created_at": "2025-07-01T09:00:00Z", "visibility": "public",
            "content": "<p>Autumn roast is back</p><p>Today only</p>",
            "account": {"id": "9", "username": "nimbus", "acct": "nimbus@coffee.example"}
        });
        let accepted = status(serde_json::json!({"state": "accepted", "quoted_status": quoted}));
        assert_eq!(
            body(&accepted),
            "so true\n> @nimbus@coffee.example: Autumn roast is back\n>\n> Today only"
        );
        let pending = status(serde_json::json!({"state": "pending", "quoted_status": null}));
        assert_eq!(body(&pending), "so true");
        let odd = status(serde_json::json!({"state": "accepted", "quoted_status": 5}));
        assert_eq!(body(&odd), "so true");
    }
}
