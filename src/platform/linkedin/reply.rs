//! Replies out, as the organization: under a comment, nested
//! (`POST /rest/socialActions/{comment}/comments` with `parentComment`; LinkedIn nests one
//! level, so an answer to a reply goes under that reply's comment); to a post that mentions
//! the organization, as a comment on that post (`POST /rest/socialActions/{post}/comments`).
//! LinkedIn takes no idempotency key: before any resend the outbox reads the comments there
//! back for one by the organization with this text.

use reqwest::Method;
use serde_json::json;

use super::client::{encode, Call};
use super::{convert, LinkedInConnector};
use crate::platform::{PlatformError, Target};

/// Where a reply to `target` goes: the comment it nests under, or the post (a mention in a
/// post) it comments on.
pub fn parent_comment(target: &Target) -> String {
    match target.parent_external_id.as_deref() {
        Some(parent) if parent.starts_with("urn:li:comment:") => parent.to_string(),
        _ => target.external_id.clone(),
    }
}

/// The post or comment a reply to `target` is written on, and the comment it nests under.
fn place(target: &Target) -> Result<(String, Option<String>), PlatformError> {
    let parent = parent_comment(target);
    if let Some((object, _)) = convert::parts(&parent) {
        return Ok((object.to_string(), Some(parent)));
    }
    if parent.starts_with("urn:li:share:") || parent.starts_with("urn:li:ugcPost:") {
        return Ok((parent, None));
    }
    Err(PlatformError::Permanent(format!(
        "reply: `{}` is not a LinkedIn comment or post",
        crate::sanitize::inert_line(&parent)
    )))
}

impl LinkedInConnector {
    pub(super) async fn post_reply(
        &self,
        target: &Target,
        text: &str,
    ) -> Result<String, PlatformError> {
        let (object, parent) = place(target)?;
        let mut body = json!({
            "actor": self.settings.organization,
            "object": object,
            "message": {"text": text},
        });
        if let Some(parent) = &parent {
            body["parentComment"] = json!(parent);
        }
        let on = parent.as_deref().unwrap_or(&object);
        let call = Call::get(format!("/rest/socialActions/{}/comments", encode(on)))
            .with(Method::POST, Some(body));
        let answer = self.send("reply", &call).await?;
        if let Some(urn) = answer.body["commentUrn"].as_str() {
            return Ok(urn.to_string());
        }
        match answer.restli_id {
            Some(id) if id.starts_with("urn:li:comment:") => Ok(id),
            Some(id) => Ok(format!("urn:li:comment:({object},{id})")),
            None => Err(PlatformError::Malformed(
                "reply: the answer names no comment".into(),
            )),
        }
    }

    pub(super) async fn read_back(
        &self,
        target: &Target,
        text: &str,
    ) -> Result<Option<String>, PlatformError> {
        let parent = parent_comment(target);
        let mut start = 0;
        loop {
            let answer = self.comments(&parent, start).await?;
            let elements = answer["elements"].as_array().cloned().unwrap_or_default();
            let found = elements.iter().find(|c| {
                c["actor"].as_str() == Some(self.settings.organization.as_str())
                    && c["message"]["text"].as_str().map(str::trim) == Some(text.trim())
            });
            if let Some(c) = found {
                return Ok(c["commentUrn"].as_str().map(str::to_string));
            }
            let total = answer["paging"]["total"].as_u64().unwrap_or(0);
            start += elements.len() as u64;
            if elements.is_empty() || start >= total {
                return Ok(None);
            }
        }
    }
}
