//! Moderation on Mastodon: block or mute the author, mute the conversation, report to the
//! instance's moderators, dismiss the notification, delete the brand's own post, accept or
//! dismiss a notification request the instance's filter held.
//! Mastodon has no way to hide someone else's reply, so `hide`/`unhide`/`approve` are
//! refused (and not in the capabilities).

use reqwest::Method;

use super::client::Purpose;
use super::fetch::path_id;
use super::reply::status_of;
use super::MastodonConnector;
use crate::domain::ItemKind;
use crate::platform::kinds;
use crate::platform::{ItemFacts, ModerationAction, PlatformError, Target};

/// Whether Mastodon accepts `kind` on this item (the menu offers nothing else):
/// - `delete`: only the brand's own statuses (`DELETE /api/v1/statuses/:id` answers 404
///   for anyone else's);
/// - `block`, `mute`, `report`, `dismiss`: someone else's status, DM or notification;
/// - `mute-thread`: any conversation the brand takes part in (a mention, a DM, its own);
/// - `hide`, `unhide`, `approve`: Mastodon has no such thing for a user.
pub fn allows(facts: &ItemFacts, kind: &str) -> bool {
    match kind {
        kinds::DELETE => facts.own(),
        kinds::BLOCK | kinds::MUTE | kinds::REPORT | kinds::DISMISS => !facts.own(),
        kinds::MUTE_THREAD => true,
        _ => false,
    }
}

/// The categories `POST /api/v1/reports` takes that hark can fill (`violation` needs the
/// instance's rule ids, which hark does not collect).
pub const REPORT_CATEGORIES: &[(&str, &str)] = &[
    ("spam", "unwanted or repetitive content"),
    ("legal", "illegal content"),
    ("other", "something else"),
];

/// Mastodon's report categories; anything else is sent as `other` with the reason kept.
fn category(name: &str) -> &'static str {
    match name.trim().to_ascii_lowercase().as_str() {
        "spam" => "spam",
        "legal" => "legal",
        _ => "other",
    }
}

impl MastodonConnector {
    pub(super) async fn apply(
        &self,
        target: &Target,
        action: ModerationAction,
    ) -> Result<(), PlatformError> {
        let status_id = path_id(&target.external_id)?;
        let (what, method, path, body) = match &action {
            ModerationAction::BlockAuthor | ModerationAction::MuteAuthor => {
                let account = status_of(target)?.account.id;
                let verb = if action == ModerationAction::BlockAuthor {
                    "block"
                } else {
                    "mute"
                };
                (
                    verb,
                    Method::POST,
                    format!("/api/v1/accounts/{}/{verb}", path_id(&account)?),
                    None,
                )
            }
            ModerationAction::MuteThread => (
                "mute conversation",
                Method::POST,
                format!("/api/v1/statuses/{status_id}/mute"),
                None,
            ),
            ModerationAction::Report {
                category: c,
                reason,
            } => {
                let account = status_of(target)?.account.id;
                let mut body = serde_json::json!({
                    "account_id": account,
                    "status_ids": [status_id],
                    "comment": reason,
                    "category": category(c),
                });
                // Reports of remote accounts go to their instance too; without this the
                // remote moderators never hear of it.
                body["forward"] = serde_json::Value::Bool(true);
                (
                    "report",
                    Method::POST,
                    "/api/v1/reports".to_string(),
                    Some(body),
                )
            }
            ModerationAction::DismissNotification => self.dismiss_path(target)?,
            ModerationAction::Delete => {
                if target.kind != ItemKind::Post {
                    return Err(PlatformError::Unsupported("deleting another person's post"));
                }
                (
                    "delete",
                    Method::DELETE,
                    format!("/api/v1/statuses/{status_id}"),
                    None,
                )
            }
            ModerationAction::Hide | ModerationAction::Unhide => {
                return Err(PlatformError::Unsupported("hiding a reply"))
            }
            ModerationAction::Approve => return Err(PlatformError::Unsupported("approving")),
            ModerationAction::KickAuthor => return Err(PlatformError::Unsupported("kicking")),
            ModerationAction::AcceptRequest { request_id }
            | ModerationAction::DismissRequest { request_id } => {
                let verb = if matches!(action, ModerationAction::AcceptRequest { .. }) {
                    "accept"
                } else {
                    "dismiss"
                };
                let what = if verb == "accept" {
                    "accept notification request"
                } else {
                    "dismiss notification request"
                };
                if request_id.is_empty() {
                    return Err(PlatformError::Permanent(
                        "this item is not held in a notification request".into(),
                    ));
                }
                (
                    what,
                    Method::POST,
                    format!(
                        "/api/v1/notifications/requests/{}/{verb}",
                        path_id(request_id)?
                    ),
                    None,
                )
            }
        };
        let mut request = self.client.request(method, &path);
        request = match body {
            Some(body) => request.json(&body),
            None => request,
        };
        self.client.send(what, Purpose::Write, request).await?;
        tracing::info!(
            action = action.kind(),
            status = status_id,
            "mastodon: moderation applied"
        );
        Ok(())
    }

    /// A notification is dismissed; a direct conversation is marked read.
    fn dismiss_path(
        &self,
        target: &Target,
    ) -> Result<(&'static str, Method, String, Option<serde_json::Value>), PlatformError> {
        let raw = target.raw_json.as_deref().unwrap_or("{}");
        let value: serde_json::Value = serde_json::from_str(raw)
            .map_err(|e| PlatformError::Malformed(format!("stored record: {e}")))?;
        let id = value.get("id").and_then(|v| v.as_str()).unwrap_or("");
        if value.get("last_status").is_some() {
            let path = format!("/api/v1/conversations/{}/read", path_id(id)?);
            return Ok(("mark conversation read", Method::POST, path, None));
        }
        if value.get("type").is_some() && value.get("status").is_some() {
            let path = format!("/api/v1/notifications/{}/dismiss", path_id(id)?);
            return Ok(("dismiss notification", Method::POST, path, None));
        }
        Err(PlatformError::Permanent(format!(
            "item {} did not come from a notification, so there is none to dismiss",
            target.external_id
        )))
    }
}
