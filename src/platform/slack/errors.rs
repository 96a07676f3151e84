//! Slack's answers read into [`PlatformError`]s.
//!
//! Slack answers most failures with HTTP 200 and `{"ok": false, "error": "<code>"}` (docs
//! "Web API basics: Evaluating responses"): those are errors, named by their code. A
//! `missing_scope` answer says which scope the method `needed` and which the token
//! `provided`; both are named so the CM knows what to add to the app. A 429 (or the code
//! `ratelimited`) carries `Retry-After` in seconds (docs "Rate limits").

use std::time::Duration;

use serde_json::Value;

use crate::platform::{rate_limit, PlatformError};

/// How long to wait after a rate limit that names no time: Tier 1's window.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(60);
/// Never trust a wait longer than this (a wrong value must not park hark for days).
const MAX_WAIT: Duration = Duration::from_secs(3600);

/// The wait a `Retry-After` header value names, else the default.
pub fn retry_wait(retry_after: Option<&str>) -> Duration {
    let now = crate::domain::now();
    retry_after
        .and_then(|v| rate_limit::reset_at(v, now))
        .map(|at| rate_limit::wait_until(at, now))
        .unwrap_or(DEFAULT_WAIT)
        .min(MAX_WAIT)
}

/// The error of an `ok: false` answer to `method`.
pub fn from_answer(method: &str, body: &Value, retry_after: Option<&str>) -> PlatformError {
    let code = body["error"].as_str().unwrap_or("unknown_error");
    let code = crate::sanitize::inert_line(code);
    let text = format!("{method}: {code}");
    match code.as_str() {
        "ratelimited" => PlatformError::RateLimited {
            wait: retry_wait(retry_after),
        },
        "missing_scope" => {
            let scope = |key: &str| {
                body[key]
                    .as_str()
                    .map(crate::sanitize::inert_line)
                    .filter(|s| !s.is_empty())
            };
            let needed = scope("needed").unwrap_or_else(|| "a scope it did not name".into());
            let provided = scope("provided").unwrap_or_else(|| "none named".into());
            PlatformError::Permanent(format!(
                "{text}: the token lacks the scope {needed} (it has: {provided}); add it under \
                 the app's OAuth & Permissions and reinstall the app"
            ))
        }
        "not_authed" | "invalid_auth" | "account_inactive" | "token_revoked" | "token_expired"
        | "no_permission" | "org_login_required" | "ekm_access_denied" => PlatformError::Auth(
            format!("{text} (the token was rejected: create a new one and update the account)"),
        ),
        "message_not_found" | "channel_not_found" | "thread_not_found" | "is_archived" => {
            PlatformError::NotFound(text)
        }
        "fatal_error" | "internal_error" | "service_unavailable" | "request_timeout" => {
            PlatformError::Transient(text)
        }
        _ => PlatformError::Permanent(text),
    }
}

/// The error of a non-2xx answer.
pub fn from_status(
    method: &str,
    status: u16,
    body: Option<&Value>,
    retry_after: Option<&str>,
) -> PlatformError {
    if status == 429 {
        return PlatformError::RateLimited {
            wait: retry_wait(retry_after),
        };
    }
    if let Some(body) = body.filter(|b| b["ok"] == false) {
        let e = from_answer(method, body, retry_after);
        if !(status >= 500 && matches!(e, PlatformError::Permanent(_))) {
            return e;
        }
    }
    let text = format!("{method}: HTTP {status}");
    match status {
        401 | 403 => PlatformError::Auth(text),
        404 | 410 => PlatformError::NotFound(text),
        400..=499 => PlatformError::Permanent(text),
        _ => PlatformError::Transient(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ok_false_is_an_error_named_by_its_code_and_a_missing_scope_names_both_lists() {
        let e = from_answer(
            "chat.postMessage",
            &json!({"ok": false, "error": "missing_scope", "needed": "chat:write",
                "provided": "channels:history,channels:read"}),
            None,
        );
        let text = e.to_string();
        assert!(matches!(e, PlatformError::Permanent(_)), "{e:?}");
        assert!(text.contains("chat.postMessage: missing_scope"), "{text}");
        assert!(text.contains("lacks the scope chat:write"), "{text}");
        assert!(
            text.contains("it has: channels:history,channels:read"),
            "{text}"
        );
        let e = from_answer(
            "auth.test",
            &json!({"ok": false, "error": "invalid_auth"}),
            None,
        );
        assert!(matches!(e, PlatformError::Auth(m) if m.contains("invalid_auth")));
        let e = from_answer(
            "chat.delete",
            &json!({"ok": false, "error": "message_not_found"}),
            None,
        );
        assert!(matches!(e, PlatformError::NotFound(_)));
        let e = from_answer("x", &json!({"ok": false}), None);
        assert!(e.to_string().contains("unknown_error"));
    }

    #[test]
    fn a_rate_limit_waits_as_retry_after_says() {
        let wait = |e| match e {
            PlatformError::RateLimited { wait } => wait.as_secs(),
            other => panic!("{other:?}"),
        };
        assert_eq!(
            wait(from_status("conversations.history", 429, None, Some("30"))),
            30
        );
        assert_eq!(wait(from_status("x", 429, None, None)), 60);
        let limited = json!({"ok": false, "error": "ratelimited"});
        assert_eq!(wait(from_answer("x", &limited, Some("7"))), 7);
        assert!(matches!(
            from_status("x", 503, None, None),
            PlatformError::Transient(_)
        ));
    }
}
