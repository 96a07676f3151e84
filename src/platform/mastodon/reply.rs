//! Replying: `POST /api/v1/statuses` with the outbox row's key as `Idempotency-Key`, so a
//! retried send after a crash or timeout posts once.

use reqwest::Method;

use super::client::Purpose;
use super::entities::{self, Created, Status};
use super::MastodonConnector;
use crate::domain::ItemKind;
use crate::platform::{PlatformError, Target};

/// The status inside a stored record: a notification's `status`, a conversation's
/// `last_status`, or the record itself.
pub fn status_of(target: &Target) -> Result<Status, PlatformError> {
    let raw = target.raw_json.as_deref().ok_or_else(|| {
        PlatformError::Permanent(format!(
            "item {} has no stored Mastodon record to act on",
            target.external_id
        ))
    })?;
    let value: serde_json::Value = serde_json::from_str(raw)
        .map_err(|e| PlatformError::Malformed(format!("stored record: {e}")))?;
    let status = if let Some(s) = value.get("last_status") {
        s.clone()
    } else if value.get("type").is_some() && value.get("status").is_some() {
        value["status"].clone()
    } else {
        value
    };
    let text = status.to_string();
    entities::parse("stored status", text.as_bytes()).map_err(PlatformError::Malformed)
}

/// The reply's visibility: the original's, so a DM stays direct and a followers-only
/// thread stays followers-only.
pub fn visibility(target: &Target, status: Option<&Status>) -> &'static str {
    match status.map(|s| s.visibility.as_str()) {
        Some("public") => "public",
        Some("unlisted") => "unlisted",
        Some("private") => "private",
        Some("direct") => "direct",
        _ if target.kind == ItemKind::Dm => "direct",
        _ => "public",
    }
}

/// `text` addressed to the people who must receive it: Mastodon delivers a reply (and a
/// direct message at all) only to accounts mentioned in its text.
pub fn addressed(
    text: &str,
    status: Option<&Status>,
    target: &Target,
    own_id: Option<&str>,
) -> String {
    let mut handles: Vec<String> = Vec::new();
    match status {
        Some(s) => {
            // Answering the brand's own post (a DM thread it spoke last in) addresses
            // the others, never the brand itself.
            if Some(s.account.id.as_str()) != own_id {
                handles.push(s.account.acct.clone());
            }
            if s.visibility == "direct" {
                for m in &s.mentions {
                    if Some(m.id.as_str()) != own_id && m.id != s.account.id {
                        handles.push(m.acct.clone());
                    }
                }
            }
        }
        None => handles.push(target.author_handle.trim_start_matches('@').to_string()),
    }
    let lower = text.to_lowercase();
    let missing: Vec<String> = handles
        .into_iter()
        .filter(|h| !h.is_empty())
        .filter(|h| {
            let user = h.split('@').next().unwrap_or(h).to_lowercase();
            !lower.contains(&format!("@{}", h.to_lowercase()))
                && !lower.contains(&format!("@{user}"))
        })
        .map(|h| format!("@{h}"))
        .collect();
    if missing.is_empty() {
        text.to_string()
    } else {
        format!("{} {text}", missing.join(" "))
    }
}

impl MastodonConnector {
    pub(super) async fn post_reply(
        &self,
        target: &Target,
        text: &str,
        idempotency_key: &str,
    ) -> Result<String, PlatformError> {
        let in_reply_to = super::fetch::path_id(&target.external_id)?;
        let status = match target.raw_json {
            Some(_) => Some(status_of(target)?),
            None => None,
        };
        let own = self.own().await?;
        let body = serde_json::json!({
            "status": addressed(text, status.as_ref(), target, Some(&own.id)),
            "in_reply_to_id": in_reply_to,
            "visibility": visibility(target, status.as_ref()),
        });
        let request = self
            .client
            .request(Method::POST, "/api/v1/statuses")
            .header("Idempotency-Key", idempotency_key)
            .json(&body);
        let response = self.client.send("reply", Purpose::Write, request).await?;
        let created: Created =
            entities::parse("reply", &response.body).map_err(PlatformError::Malformed)?;
        tracing::info!(in_reply_to, id = %created.id, "mastodon: reply posted");
        Ok(created.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(json: serde_json::Value) -> Status {
        serde_json::from_value(json).unwrap()
    }

    fn target() -> Target {
        Target {
            external_id: "1".into(),
            parent_external_id: None,
            thread_external_id: None,
            kind: ItemKind::Dm,
            author_external_id: "x".into(),
            author_handle: "@ana@other.example".into(),
            raw_json: None,
        }
    }

    fn account(id: &str, acct: &str) -> serde_json::Value {
        serde_json::json!({"id": id, "username": acct.split('@').next().unwrap(), "acct": acct})
    }

    #[test]
    fn a_group_dm_reply_addresses_everyone_but_the_brand() {
        let s = status(serde_json::json!({
            "id": "1", "created_at": "2026-11-20T10:00:00Z", "content": "<p>hi</p>",
            "visibility": "direct", "account": account("2", "ana@other.example"),
            "mentions": [
                {"id": "100", "acct": "brand", "url": "https://x/@brand"},
                {"id": "3", "acct": "bob", "url": "https://x/@bob"}
            ]
        }));
        assert_eq!(
            addressed("on it", Some(&s), &target(), Some("100")),
            "@ana@other.example @bob on it"
        );
        assert_eq!(visibility(&target(), Some(&s)), "direct");
        // The brand's own last message: address the others only.
        let own = status(serde_json::json!({
            "id": "1", "created_at": "2026-11-20T10:00:00Z", "content": "<p>hi</p>",
            "visibility": "direct", "account": account("100", "brand"),
            "mentions": [{"id": "3", "acct": "bob", "url": "https://x/@bob"}]
        }));
        assert_eq!(
            addressed("also", Some(&own), &target(), Some("100")),
            "@bob also"
        );
    }

    #[test]
    fn without_a_stored_record_a_dm_stays_direct_and_the_author_is_addressed() {
        assert_eq!(visibility(&target(), None), "direct");
        assert_eq!(
            addressed("hello", None, &target(), None),
            "@ana@other.example hello"
        );
        assert_eq!(addressed("@Ana hello", None, &target(), None), "@Ana hello");
    }
}
