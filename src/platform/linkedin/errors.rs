//! LinkedIn's error answers read into [`PlatformError`]s, each named for the CM.
//!
//! LinkedIn answers `{"status", "serviceErrorCode", "code", "message"}`. A 403 means the app
//! lacks the Community Management API (LinkedIn approves it per app) or the member is not an
//! admin of the organization; a 426 an API version LinkedIn no longer serves; a 429 a spent
//! daily limit, of the application or of the member, which LinkedIn resets at midnight UTC.

use std::time::Duration;

use serde_json::Value;

use crate::platform::PlatformError;

/// What a refused access means, and what to do.
pub const APPROVAL_HELP: &str = "LinkedIn refused access: reading and answering an organization's comments needs LinkedIn's approval of the Community Management API for your app (developer portal, Products tab), the scopes r_organization_social and w_organization_social, and an ADMINISTRATOR role on the organization for the signed-in member; see README \"LinkedIn\"";

/// What a refused access to the organization's notifications means: mentions are not
/// read (comments still are).
pub const NOTIFICATIONS_HELP: &str = "LinkedIn refused the organization's notifications, so hark does not read mentions of it (comments still arrive): they need the scope rw_organization_admin, which `hark account add linkedin` asks for (sign in again if the account was added before it did), the Community Management API's approval and an ADMINISTRATOR role; see README \"LinkedIn\"";

/// `text` (a refusal naming [`APPROVAL_HELP`]) told as a refusal of the notifications.
pub fn notifications_refused(text: &str) -> String {
    text.replace(APPROVAL_HELP, NOTIFICATIONS_HELP)
}

/// The longest a 429 makes hark wait before asking again: LinkedIn names no reset, and its
/// daily limits end at midnight UTC, but a shorter throttle should not idle hark all day.
pub const MAX_RATE_WAIT: Duration = Duration::from_secs(3600);

/// A short, single-line, inert description of a LinkedIn error body.
pub fn describe(body: &[u8]) -> Option<String> {
    let v: Value = serde_json::from_slice(body).ok()?;
    let text = v["message"]
        .as_str()
        .or_else(|| v["error_description"].as_str())
        .or_else(|| v["error"].as_str())?;
    let line: String = text
        .lines()
        .next()
        .unwrap_or("")
        .chars()
        .take(240)
        .collect();
    Some(crate::sanitize::inert_line(&line))
}

/// LinkedIn's "not enough permissions" (`ACCESS_DENIED`, service error 100): the app or
/// the member lacks access, as opposed to one action refused on one comment.
pub fn is_access_denied(body: &[u8]) -> bool {
    let Ok(v) = serde_json::from_slice::<Value>(body) else {
        return false;
    };
    v["code"] == "ACCESS_DENIED" || v["serviceErrorCode"].as_i64() == Some(100)
}

/// Which daily limit a 429 names: LinkedIn's message says APPLICATION or MEMBER.
pub fn limit_named(body: &[u8]) -> &'static str {
    let text = describe(body).unwrap_or_default().to_ascii_uppercase();
    if text.contains("MEMBER") {
        "the member's daily limit"
    } else if text.contains("APPLICATION") {
        "the application's daily limit"
    } else {
        "a LinkedIn rate limit"
    }
}

/// Seconds until the next midnight UTC, capped at [`MAX_RATE_WAIT`].
pub fn daily_wait(now: i64) -> Duration {
    let to_midnight = 86_400 - now.rem_euclid(86_400);
    Duration::from_secs(to_midnight as u64).min(MAX_RATE_WAIT)
}

/// The error for a non-2xx answer to `what`; `version` is the `LinkedIn-Version` sent.
pub fn error_for(what: &str, status: u16, body: &[u8], version: &str, now: i64) -> PlatformError {
    let detail = describe(body);
    let text = match &detail {
        Some(d) => format!("{what}: HTTP {status} ({d})"),
        None => format!("{what}: HTTP {status}"),
    };
    match status {
        429 => {
            let wait = daily_wait(now);
            tracing::warn!(what, limit = limit_named(body), secs = wait.as_secs(), "linkedin: rate limited");
            PlatformError::RateLimited { wait }
        }
        401 => PlatformError::Auth(text),
        403 if is_access_denied(body) => PlatformError::Permanent(format!(
            "{what}: {APPROVAL_HELP} [HTTP 403{}]",
            detail.map(|d| format!(": {d}")).unwrap_or_default()
        )),
        404 | 410 => PlatformError::NotFound(text),
        426 => PlatformError::Permanent(format!(
            "{what}: LinkedIn no longer serves API version {version}; set `version` in [account.linkedin] to a recent YYYYMM (HTTP 426)"
        )),
        400..=499 => PlatformError::Permanent(text),
        _ => PlatformError::Transient(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_answer_is_named() {
        let app = br#"{"status":429,"message":"Resource level throttle APPLICATION DAY limit for calls to this resource is reached."}"#;
        let member = br#"{"status":429,"message":"Resource level throttle MEMBER DAY limit for calls to this resource is reached."}"#;
        assert_eq!(limit_named(app), "the application's daily limit");
        assert_eq!(limit_named(member), "the member's daily limit");
        // 23:30 UTC: half an hour to midnight; 01:00 UTC: capped at an hour.
        assert_eq!(daily_wait(86_400 * 10 - 1800), Duration::from_secs(1800));
        assert_eq!(daily_wait(86_400 * 10 + 3600), MAX_RATE_WAIT);
        let refused = br#"{"status":403,"serviceErrorCode":100,"code":"ACCESS_DENIED","message":"Not enough permissions to access: GET /socialActions"}"#;
        let e = error_for("comments", 403, refused, "202511", 0);
        assert!(
            matches!(&e, PlatformError::Permanent(t) if t.contains("Community Management API") && t.contains("Not enough permissions")),
            "{e:?}"
        );
        let one = br#"{"status":403,"message":"Caller is not authorized to delete this comment"}"#;
        let e = error_for("delete", 403, one, "202511", 0);
        assert_eq!(e.to_string(), "the platform refused: delete: HTTP 403 (Caller is not authorized to delete this comment)");
        let e = error_for("comments", 426, b"{}", "202201", 0);
        assert!(e.to_string().contains("version 202201"), "{e}");
    }
}
